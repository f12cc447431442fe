"""The JAX image: jax with its CUDA 12 plugin, Flax and Optax, and the simulated
CPU devices the sharding lessons use: in the smoke runs, and on a student's server
without an NVIDIA GPU (set by the start hook)."""

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


# The image's real start hook, with jupyterhub-singleuser replaced by a script that
# reports what a kernel of the server would see: XLA_FLAGS and JAX's device count.
SERVER_REPORT = """mkdir -p /tmp/fake-server
cat > /tmp/fake-server/jupyterhub-singleuser <<'SH'
#!/bin/sh
exec python -c "import os, jax; print('flags=' + os.environ.get('XLA_FLAGS', ''), 'devices=' + str(len(jax.devices())))"
SH
chmod +x /tmp/fake-server/jupyterhub-singleuser
PATH=/tmp/fake-server:$PATH start-singleuser | tail -n 1
"""


def test_start_hook_gives_cpu_only_servers_eight_devices_and_gpu_servers_none(container):
    flag = "--xla_force_host_platform_device_count"
    assert container.sh(SERVER_REPORT) == f"flags={flag}=8 devices=8"
    # a visible NVIDIA GPU (a stand-in device node): no simulated devices, the GPU is JAX's device
    assert container.sh(SERVER_REPORT, "--device", "/dev/null:/dev/nvidiactl").startswith("flags= ")
    # a device count the hub or the student already chose is kept; other XLA flags stay as they are
    assert container.sh(SERVER_REPORT, env={"XLA_FLAGS": f"{flag}=2"}) == f"flags={flag}=2 devices=2"
    other = "--xla_dump_hlo_as_text"
    assert container.sh(SERVER_REPORT, env={"XLA_FLAGS": other}) == f"flags={other} {flag}=8 devices=8"


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
