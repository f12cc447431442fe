"""Wrong answers for colab_5_jax_deep_learning_tutorial.ipynb: each must make its exercise's check fail."""

_BLOCK_INIT = """
class ResidualBlock(nnx.Module):
    def __init__(self, dim, *, rngs: nnx.Rngs):
        self.linear1 = nnx.Linear(dim, dim, rngs=rngs)
        self.linear2 = nnx.Linear(dim, dim, rngs=rngs)
"""

WRONG_ANSWERS = {
    "ex1-answer": [
        (
            "no ReLU",
            _BLOCK_INIT
            + """
    def __call__(self, x):
        return x + self.linear2(self.linear1(x))
""",
        ),
        (
            "the ReLU after the addition",
            _BLOCK_INIT
            + """
    def __call__(self, x):
        return nnx.relu(x + self.linear2(self.linear1(x)))
""",
        ),
        (
            "no skip connection",
            _BLOCK_INIT
            + """
    def __call__(self, x):
        return self.linear2(nnx.relu(self.linear1(x)))
""",
        ),
        (
            "the ReLU on linear2's output instead of between the layers",
            _BLOCK_INIT
            + """
    def __call__(self, x):
        return x + nnx.relu(self.linear2(self.linear1(x)))
""",
        ),
        (
            "adds linear1(x) instead of x",
            _BLOCK_INIT
            + """
    def __call__(self, x):
        h = self.linear1(x)
        return h + self.linear2(nnx.relu(h))
""",
        ),
        (
            "tanh instead of ReLU",
            _BLOCK_INIT
            + """
    def __call__(self, x):
        return x + self.linear2(jnp.tanh(self.linear1(x)))
""",
        ),
        (
            "ignores rngs: a fixed seed inside",
            """
class ResidualBlock(nnx.Module):
    def __init__(self, dim, *, rngs: nnx.Rngs):
        own = nnx.Rngs(0)
        self.linear1 = nnx.Linear(dim, dim, rngs=own)
        self.linear2 = nnx.Linear(dim, dim, rngs=own)

    def __call__(self, x):
        return x + self.linear2(nnx.relu(self.linear1(x)))
""",
        ),
        (
            "hard-codes the dimension 16",
            """
class ResidualBlock(nnx.Module):
    def __init__(self, dim, *, rngs: nnx.Rngs):
        self.linear1 = nnx.Linear(16, 16, rngs=rngs)
        self.linear2 = nnx.Linear(16, 16, rngs=rngs)

    def __call__(self, x):
        return x + self.linear2(nnx.relu(self.linear1(x)))
""",
        ),
        (
            "one layer used twice",
            """
class ResidualBlock(nnx.Module):
    def __init__(self, dim, *, rngs: nnx.Rngs):
        self.linear1 = nnx.Linear(dim, dim, rngs=rngs)
        self.linear2 = self.linear1

    def __call__(self, x):
        return x + self.linear2(nnx.relu(self.linear1(x)))
""",
        ),
    ],
    "ex2-answer": [
        (
            "SGD first, then clipping (the order reversed)",
            """
def clip_then_sgd(max_norm, lr):
    return optax.chain(optax.sgd(lr), optax.clip_by_global_norm(max_norm))
""",
        ),
        (
            "clips each element, not the global norm",
            """
def clip_then_sgd(max_norm, lr):
    return optax.chain(optax.clip(max_norm), optax.sgd(lr))
""",
        ),
        (
            "clips each leaf on its own (block RMS), not the global norm",
            """
def clip_then_sgd(max_norm, lr):
    return optax.chain(optax.clip_by_block_rms(max_norm), optax.sgd(lr))
""",
        ),
        (
            "forgets the learning rate: clipping only",
            """
def clip_then_sgd(max_norm, lr):
    return optax.clip_by_global_norm(max_norm)
""",
        ),
        (
            "gradient ascent: scales by +lr",
            """
def clip_then_sgd(max_norm, lr):
    return optax.chain(optax.clip_by_global_norm(max_norm), optax.scale(lr))
""",
        ),
        (
            "hard-codes the example's max_norm 1.0 and lr 0.1",
            """
def clip_then_sgd(max_norm, lr):
    return optax.chain(optax.clip_by_global_norm(1.0), optax.sgd(0.1))
""",
        ),
        (
            "SGD with momentum instead of plain SGD",
            """
def clip_then_sgd(max_norm, lr):
    return optax.chain(optax.clip_by_global_norm(max_norm), optax.sgd(lr, momentum=0.9))
""",
        ),
    ],
    "ex3-answer": [
        (
            "no shard_map at all: one device's gradient",
            """
def dp_grad(w, X, Y):
    return jax.grad(lambda w: jnp.mean((X @ w - Y) ** 2))(w)
""",
        ),
        (
            "the pmap habit: grad of the local loss, then pmean (n_dev times too large)",
            """
def dp_grad(w, X, Y):
    def local_grad(w, x, y):
        return jax.lax.pmean(jax.grad(lambda w: jnp.mean((x @ w - y) ** 2))(w), "data")
    return jax.shard_map(local_grad, mesh=mesh, in_specs=(P(), P("data"), P("data")), out_specs=P())(w, X, Y)
""",
        ),
        (
            "psum instead of pmean",
            """
def dp_grad(w, X, Y):
    def global_loss(w, x, y):
        return jax.lax.psum(jnp.mean((x @ w - y) ** 2), "data")
    return jax.shard_map(jax.grad(global_loss), mesh=mesh,
                         in_specs=(P(), P("data"), P("data")), out_specs=P())(w, X, Y)
""",
        ),
        (
            "a per-device sum instead of the mean",
            """
def dp_grad(w, X, Y):
    def global_loss(w, x, y):
        return jax.lax.pmean(jnp.sum((x @ w - y) ** 2), "data")
    return jax.shard_map(jax.grad(global_loss), mesh=mesh,
                         in_specs=(P(), P("data"), P("data")), out_specs=P())(w, X, Y)
""",
        ),
        (
            "X and Y replicated: every device computes the whole batch",
            """
def dp_grad(w, X, Y):
    def global_loss(w, x, y):
        return jax.lax.pmean(jnp.mean((x @ w - y) ** 2), "data")
    return jax.shard_map(jax.grad(global_loss), mesh=mesh,
                         in_specs=(P(), P(), P()), out_specs=P())(w, X, Y)
""",
        ),
        (
            "out_specs split along data: the devices' copies concatenated",
            """
def dp_grad(w, X, Y):
    def global_loss(w, x, y):
        return jax.lax.pmean(jnp.mean((x @ w - y) ** 2), "data")
    return jax.shard_map(jax.grad(global_loss), mesh=mesh,
                         in_specs=(P(), P("data"), P("data")), out_specs=P("data"))(w, X, Y)
""",
        ),
    ],
}
