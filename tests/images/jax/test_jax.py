"""The JAX image: jax with its CUDA 12 plugin, Flax and Optax, and the simulated
CPU devices the sharding lessons use in the smoke runs."""

import json

from dlcourse.manifest import load_images


def test_jax_has_its_cuda_plugin_and_computes_on_the_cpu(container):
    info = json.loads(
        container.python(
            "import json, jax, jax.numpy as jnp, jax_plugins\n"
            "x = jnp.arange(6.0).reshape(2, 3)\n"
            "print(json.dumps({'plugins': sorted(p for p in dir(jax_plugins) if p.startswith('xla_cuda')),\n"
            "                  'backend': jax.default_backend(), 'sum': float((x @ x.T).sum())}))"
        )
    )
    assert info["plugins"] == ["xla_cuda12"], info
    assert info["sum"] == 83.0
    print(f"JAX backend {info['backend']}, CUDA plugins {info['plugins']}")


def test_smoke_environment_gives_the_sharding_lessons_eight_devices(container, image):
    env = load_images().images[image].smoke_env
    assert container.python("import jax; print(len(jax.devices()))", env=env) == "8"


def test_flax_and_optax_train_a_step(container):
    out = container.python(
        "import jax, jax.numpy as jnp, optax\n"
        "from flax import nnx\n"
        "model = nnx.Linear(3, 1, rngs=nnx.Rngs(0))\n"
        "opt = nnx.Optimizer(model, optax.sgd(0.1), wrt=nnx.Param)\n"
        "x, y = jnp.ones((4, 3)), jnp.zeros((4, 1))\n"
        "loss = lambda m: ((m(x) - y) ** 2).mean()\n"
        "before = loss(model)\n"
        "grads = nnx.grad(loss)(model)\n"
        "opt.update(model, grads)\n"
        "print(bool(loss(model) < before))"
    )
    assert out == "True"
