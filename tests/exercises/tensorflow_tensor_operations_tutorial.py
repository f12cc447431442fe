"""Wrong answers for tensorflow_tensor_operations_tutorial.ipynb: each must make its exercise's check fail."""

WRONG_ANSWERS = {
    "ex1-answer": [
        (
            "a Python double loop where broadcasting was asked for",
            """
def pairwise_sq_dists(a, b):
    return tf.stack([tf.stack([tf.reduce_sum((ai - bj) ** 2) for bj in b]) for ai in a])
""",
        ),
        (
            "tf.map_fn over the rows of a: a loop in disguise",
            """
def pairwise_sq_dists(a, b):
    return tf.map_fn(lambda ai: tf.reduce_sum((ai - b) ** 2, axis=-1), a)
""",
        ),
        (
            "returns the distances, not the squared distances",
            """
def pairwise_sq_dists(a, b):
    return tf.norm(a[:, tf.newaxis, :] - b[tf.newaxis, :, :], axis=-1)
""",
        ),
        (
            "reduces over the wrong axis",
            """
def pairwise_sq_dists(a, b):
    diff = a[:, tf.newaxis, :] - b[tf.newaxis, :, :]
    return tf.reduce_sum(diff ** 2, axis=1)
""",
        ),
        (
            "inserts the new axes the wrong way round: an (m, n) result",
            """
def pairwise_sq_dists(a, b):
    diff = a[tf.newaxis, :, :] - b[:, tf.newaxis, :]
    return tf.reduce_sum(diff ** 2, axis=-1)
""",
        ),
        (
            "the expansion |a|^2 + |b|^2 - 2ab with the wrong sign",
            """
def pairwise_sq_dists(a, b):
    a2 = tf.reduce_sum(a ** 2, axis=1)[:, None]
    b2 = tf.reduce_sum(b ** 2, axis=1)[None, :]
    return a2 + b2 + 2 * a @ tf.transpose(b)
""",
        ),
        (
            "mean over the features instead of the sum",
            """
def pairwise_sq_dists(a, b):
    diff = a[:, tf.newaxis, :] - b[tf.newaxis, :, :]
    return tf.reduce_mean(diff ** 2, axis=-1)
""",
        ),
        (
            "casts to float32, losing the float64 inputs' dtype",
            """
def pairwise_sq_dists(a, b):
    a, b = tf.cast(a, tf.float32), tf.cast(b, tf.float32)
    diff = a[:, tf.newaxis, :] - b[tf.newaxis, :, :]
    return tf.reduce_sum(diff ** 2, axis=-1)
""",
        ),
    ],
    "ex2-answer": [
        (
            "the forbidden shortcut: tf.one_hot",
            """
def one_hot_scatter(labels, depth):
    return tf.one_hot(labels, depth)
""",
        ),
        (
            "picks rows of an identity matrix instead of scattering",
            """
def one_hot_scatter(labels, depth):
    return tf.gather(tf.eye(depth), labels)
""",
        ),
        (
            "stacks the coordinates the wrong way round: (label, row)",
            """
def one_hot_scatter(labels, depth):
    labels = tf.cast(labels, tf.int32)
    n = tf.shape(labels)[0]
    coords = tf.stack([labels, tf.range(n)], axis=1)
    return tf.scatter_nd(coords, tf.ones([n], tf.float32), shape=tf.stack([n, depth]))
""",
        ),
        (
            "takes the depth from the data (max label + 1) instead of the argument",
            """
def one_hot_scatter(labels, depth):
    labels = tf.cast(labels, tf.int32)
    n = tf.shape(labels)[0]
    coords = tf.stack([tf.range(n), labels], axis=1)
    return tf.scatter_nd(coords, tf.ones([n], tf.float32), shape=tf.stack([n, tf.reduce_max(labels) + 1]))
""",
        ),
        (
            "scatters integer ones: an int32 result",
            """
def one_hot_scatter(labels, depth):
    labels = tf.cast(labels, tf.int32)
    n = tf.shape(labels)[0]
    coords = tf.stack([tf.range(n), labels], axis=1)
    return tf.scatter_nd(coords, tf.ones([n], tf.int32), shape=tf.stack([n, depth]))
""",
        ),
        (
            "does not cast the labels: fails for int64 labels",
            """
def one_hot_scatter(labels, depth):
    n = len(labels)
    coords = tf.stack([tf.range(n), labels], axis=1)
    return tf.scatter_nd(coords, tf.ones([n], tf.float32), shape=[n, depth])
""",
        ),
        (
            "NumPy fancy indexing instead of tf.scatter_nd",
            """
def one_hot_scatter(labels, depth):
    out = np.zeros((len(labels), depth), np.float32)
    out[np.arange(len(labels)), np.asarray(labels)] = 1.0
    return tf.constant(out)
""",
        ),
    ],
    "ex3-answer": [
        (
            "shuffles after batching: only the batches move",
            """
def make_train_pipeline(x, y, batch_size, seed):
    return (tf.data.Dataset.from_tensor_slices((x, y))
            .batch(batch_size, drop_remainder=True)
            .shuffle(len(x), seed=seed)
            .prefetch(tf.data.AUTOTUNE))
""",
        ),
        (
            "a shuffle buffer of 2: elements barely move",
            """
def make_train_pipeline(x, y, batch_size, seed):
    return (tf.data.Dataset.from_tensor_slices((x, y))
            .shuffle(2, seed=seed)
            .batch(batch_size, drop_remainder=True)
            .prefetch(tf.data.AUTOTUNE))
""",
        ),
        (
            "a shuffle buffer of one batch",
            """
def make_train_pipeline(x, y, batch_size, seed):
    return (tf.data.Dataset.from_tensor_slices((x, y))
            .shuffle(batch_size, seed=seed)
            .batch(batch_size, drop_remainder=True)
            .prefetch(tf.data.AUTOTUNE))
""",
        ),
        (
            "keeps the incomplete last batch (no drop_remainder)",
            """
def make_train_pipeline(x, y, batch_size, seed):
    return (tf.data.Dataset.from_tensor_slices((x, y))
            .shuffle(len(x), seed=seed)
            .batch(batch_size)
            .prefetch(tf.data.AUTOTUNE))
""",
        ),
        (
            "forgets the prefetch",
            """
def make_train_pipeline(x, y, batch_size, seed):
    return (tf.data.Dataset.from_tensor_slices((x, y))
            .shuffle(len(x), seed=seed)
            .batch(batch_size, drop_remainder=True))
""",
        ),
        (
            "ignores the seed",
            """
def make_train_pipeline(x, y, batch_size, seed):
    return (tf.data.Dataset.from_tensor_slices((x, y))
            .shuffle(len(x))
            .batch(batch_size, drop_remainder=True)
            .prefetch(tf.data.AUTOTUNE))
""",
        ),
        (
            "the same order every epoch (reshuffle_each_iteration=False)",
            """
def make_train_pipeline(x, y, batch_size, seed):
    return (tf.data.Dataset.from_tensor_slices((x, y))
            .shuffle(len(x), seed=seed, reshuffle_each_iteration=False)
            .batch(batch_size, drop_remainder=True)
            .prefetch(tf.data.AUTOTUNE))
""",
        ),
        (
            "no shuffle at all",
            """
def make_train_pipeline(x, y, batch_size, seed):
    return (tf.data.Dataset.from_tensor_slices((x, y))
            .batch(batch_size, drop_remainder=True)
            .prefetch(tf.data.AUTOTUNE))
""",
        ),
    ],
    "ex4-answer": [
        (
            "the outer tape does not watch x: the second derivative is None",
            """
def first_and_second(f, x):
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = f(x)
        first = inner.gradient(y, x)
    second = outer.gradient(first, x)
    return first, second
""",
        ),
        (
            "takes the first gradient outside the outer tape: nothing recorded",
            """
def first_and_second(f, x):
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = f(x)
    first = inner.gradient(y, x)
    second = outer.gradient(first, x)
    return first, second
""",
        ),
        (
            "the outer tape differentiates y again: returns f' twice",
            """
def first_and_second(f, x):
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = f(x)
        first = inner.gradient(y, x)
    second = outer.gradient(y, x)
    return first, second
""",
        ),
        (
            "returns the derivatives in the wrong order",
            """
def first_and_second(f, x):
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = f(x)
        first = inner.gradient(y, x)
    second = outer.gradient(first, x)
    return second, first
""",
        ),
        (
            "differentiates the mean of f instead of f: derivatives divided by the number of points",
            """
def first_and_second(f, x):
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = tf.reduce_mean(f(x))
        first = inner.gradient(y, x)
    second = outer.gradient(first, x)
    return first, second
""",
        ),
        (
            "finite differences instead of tapes",
            """
def first_and_second(f, x):
    h = 1e-3
    first = (f(x + h) - f(x - h)) / (2 * h)
    second = (f(x + h) - 2 * f(x) + f(x - h)) / h ** 2
    return first, second
""",
        ),
    ],
}
