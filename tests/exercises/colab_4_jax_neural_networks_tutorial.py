"""Wrong answers for colab_4_jax_neural_networks_tutorial.ipynb: each must make its exercise's check fail."""

WRONG_ANSWERS = {
    "ex1-answer": [
        (
            "p taken as the keep probability",
            """
def dropout(key, x, p, train):
    if not train:
        return x
    keep = jax.random.bernoulli(key, p, x.shape)
    return jnp.where(keep, x / (1.0 - p), 0.0)
""",
        ),
        (
            "the survivors are not rescaled",
            """
def dropout(key, x, p, train):
    if not train:
        return x
    keep = jax.random.bernoulli(key, 1.0 - p, x.shape)
    return jnp.where(keep, x, 0.0)
""",
        ),
        (
            "multiplies by (1 - p) instead of dividing",
            """
def dropout(key, x, p, train):
    if not train:
        return x
    keep = jax.random.bernoulli(key, 1.0 - p, x.shape)
    return jnp.where(keep, x * (1.0 - p), 0.0)
""",
        ),
        (
            "ignores the given key: a fixed key inside",
            """
def dropout(key, x, p, train):
    if not train:
        return x
    keep = jax.random.bernoulli(jax.random.key(0), 1.0 - p, x.shape)
    return jnp.where(keep, x / (1.0 - p), 0.0)
""",
        ),
        (
            "splits the notebook's global key on every call",
            """
def dropout(key, x, p, train):
    global _dropout_key
    if not train:
        return x
    _dropout_key, sub = jax.random.split(globals().get("_dropout_key", jax.random.key(SEED)))
    keep = jax.random.bernoulli(sub, 1.0 - p, x.shape)
    return jnp.where(keep, x / (1.0 - p), 0.0)
""",
        ),
        (
            "scales in evaluation mode too",
            """
def dropout(key, x, p, train):
    if not train:
        return x / (1.0 - p)
    keep = jax.random.bernoulli(key, 1.0 - p, x.shape)
    return jnp.where(keep, x / (1.0 - p), 0.0)
""",
        ),
        (
            "one mask for the last axis, shared by every row",
            """
def dropout(key, x, p, train):
    if not train:
        return x
    keep = jax.random.bernoulli(key, 1.0 - p, x.shape[-1:])
    return jnp.where(keep, x / (1.0 - p), 0.0)
""",
        ),
        (
            "NumPy's global random state instead of the key",
            """
def dropout(key, x, p, train):
    if not train:
        return x
    keep = np.random.rand(*x.shape) >= p
    return jnp.where(keep, x / (1.0 - p), 0.0)
""",
        ),
    ],
    "ex2-answer": [
        (
            "the closed form of the squared error: no autodiff, ignores loss",
            """
def per_example_grads(loss, w, X, Y):
    return 2 * (X @ w - Y)[:, None] * X
""",
        ),
        (
            "a Python loop over the examples",
            """
def per_example_grads(loss, w, X, Y):
    return jnp.stack([jax.grad(loss)(w, x, y) for x, y in zip(X, Y)])
""",
        ),
        (
            "the gradient of the mean loss, repeated for every example",
            """
def per_example_grads(loss, w, X, Y):
    mean_loss = lambda w: jnp.mean(jax.vmap(loss, in_axes=(None, 0, 0))(w, X, Y))
    return jnp.tile(jax.grad(mean_loss)(w), (X.shape[0], 1))
""",
        ),
        (
            "differentiates with respect to x instead of w",
            """
def per_example_grads(loss, w, X, Y):
    return jax.vmap(jax.grad(loss, argnums=1), in_axes=(None, 0, 0))(w, X, Y)
""",
        ),
        (
            "jax.lax.map: a loop over the examples inside the program",
            """
def per_example_grads(loss, w, X, Y):
    return jax.lax.map(lambda xy: jax.grad(loss)(w, xy[0], xy[1]), (X, Y))
""",
        ),
        (
            "vmap over w as well (in_axes=0 everywhere)",
            """
def per_example_grads(loss, w, X, Y):
    return jax.vmap(jax.grad(loss))(jnp.tile(w, (X.shape[0], 1)) * 0, X, Y)
""",
        ),
    ],
    "ex3-answer": [
        (
            "not scaled by 1/sqrt(d)",
            """
def mh_scores(Q, K):
    return jnp.einsum("bhqd,bhkd->bhqk", Q, K)
""",
        ),
        (
            "scaled by 1/d instead of 1/sqrt(d)",
            """
def mh_scores(Q, K):
    return jnp.einsum("bhqd,bhkd->bhqk", Q, K) / Q.shape[-1]
""",
        ),
        (
            "scaled by the number of keys instead of the dimension",
            """
def mh_scores(Q, K):
    return jnp.einsum("bhqd,bhkd->bhqk", Q, K) / jnp.sqrt(K.shape[-2])
""",
        ),
        (
            "the output axes swapped: (batch, heads, n_k, n_q)",
            """
def mh_scores(Q, K):
    return jnp.einsum("bhqd,bhkd->bhkq", Q, K) / jnp.sqrt(Q.shape[-1])
""",
        ),
        (
            "sums over the heads",
            """
def mh_scores(Q, K):
    return jnp.einsum("bhqd,bhkd->bqk", Q, K)[:, None] / jnp.sqrt(Q.shape[-1])
""",
        ),
        (
            "the forbidden shortcut: matmul with a transpose",
            """
def mh_scores(Q, K):
    return Q @ jnp.swapaxes(K, -1, -2) / jnp.sqrt(Q.shape[-1])
""",
        ),
        (
            "two einsum calls (one only to transpose)",
            """
def mh_scores(Q, K):
    Kt = jnp.einsum("bhkd->bhdk", K)
    return jnp.einsum("bhqd,bhdk->bhqk", Q, Kt) / jnp.sqrt(Q.shape[-1])
""",
        ),
    ],
    "ex4-answer": [
        (
            "off by one: range(degree) misses x**degree",
            """
def poly_sum(x, degree):
    total = jnp.zeros_like(x)
    for k in range(degree):
        total = total + x ** k
    return total


def compile_poly_sum():
    return jax.jit(poly_sum, static_argnames="degree")
""",
        ),
        (
            "the geometric-series closed form (0/0 at x = 1)",
            """
def poly_sum(x, degree):
    return (x ** (degree + 1) - 1) / (x - 1)


def compile_poly_sum():
    return jax.jit(poly_sum, static_argnames="degree")
""",
        ),
        (
            "not compiled: returns the plain function",
            """
def poly_sum(x, degree):
    total = jnp.zeros_like(x)
    for k in range(degree + 1):
        total = total + x ** k
    return total


def compile_poly_sum():
    return poly_sum
""",
        ),
        (
            "jax.jit without a static degree",
            """
def poly_sum(x, degree):
    total = jnp.zeros_like(x)
    for k in range(degree + 1):
        total = total + x ** k
    return total


def compile_poly_sum():
    return jax.jit(poly_sum)
""",
        ),
        (
            "starts from ones: the constant term counted twice",
            """
def poly_sum(x, degree):
    total = jnp.ones_like(x)
    for k in range(degree + 1):
        total = total + x ** k
    return total


def compile_poly_sum():
    return jax.jit(poly_sum, static_argnames="degree")
""",
        ),
        (
            "lax.fori_loop with a traced degree instead of a Python loop",
            """
def poly_sum(x, degree):
    return jax.lax.fori_loop(0, degree + 1, lambda k, total: total + x ** k, jnp.zeros_like(x))


def compile_poly_sum():
    return jax.jit(poly_sum)
""",
        ),
    ],
}
