"""Wrong answers for colab_3_keras_tensorflow_neural_networks_tutorial.ipynb: each must make its exercise's check fail."""

WRONG_ANSWERS = {
    "ex1-answer": [
        (
            "no ReLU on the hidden layers: the model is linear",
            """
def make_mlp(n_in, hidden_sizes, n_out):
    stack = [keras.Input(shape=(n_in,))]
    stack += [layers.Dense(size) for size in hidden_sizes]
    stack.append(layers.Dense(n_out))
    return keras.Sequential(stack)
""",
        ),
        (
            "a ReLU on the logits too",
            """
def make_mlp(n_in, hidden_sizes, n_out):
    stack = [keras.Input(shape=(n_in,))]
    stack += [layers.Dense(size, activation="relu") for size in hidden_sizes]
    stack.append(layers.Dense(n_out, activation="relu"))
    return keras.Sequential(stack)
""",
        ),
        (
            "a softmax on the output: probabilities, not logits",
            """
def make_mlp(n_in, hidden_sizes, n_out):
    stack = [keras.Input(shape=(n_in,))]
    stack += [layers.Dense(size, activation="relu") for size in hidden_sizes]
    stack.append(layers.Dense(n_out, activation="softmax"))
    return keras.Sequential(stack)
""",
        ),
        (
            "sigmoid instead of ReLU in the hidden layers",
            """
def make_mlp(n_in, hidden_sizes, n_out):
    stack = [keras.Input(shape=(n_in,))]
    stack += [layers.Dense(size, activation="sigmoid") for size in hidden_sizes]
    stack.append(layers.Dense(n_out))
    return keras.Sequential(stack)
""",
        ),
        (
            "the hidden sizes in reverse order",
            """
def make_mlp(n_in, hidden_sizes, n_out):
    stack = [keras.Input(shape=(n_in,))]
    stack += [layers.Dense(size, activation="relu") for size in reversed(hidden_sizes)]
    stack.append(layers.Dense(n_out))
    return keras.Sequential(stack)
""",
        ),
        (
            "adds dropout and batch normalisation that were not asked for",
            """
def make_mlp(n_in, hidden_sizes, n_out):
    stack = [keras.Input(shape=(n_in,))]
    for size in hidden_sizes:
        stack += [layers.Dense(size), layers.BatchNormalization(), layers.ReLU(), layers.Dropout(0.3)]
    stack.append(layers.Dense(n_out))
    return keras.Sequential(stack)
""",
        ),
        (
            "layers without biases",
            """
def make_mlp(n_in, hidden_sizes, n_out):
    stack = [keras.Input(shape=(n_in,))]
    stack += [layers.Dense(size, activation="relu", use_bias=False) for size in hidden_sizes]
    stack.append(layers.Dense(n_out, use_bias=False))
    return keras.Sequential(stack)
""",
        ),
    ],
    "ex2-answer": [
        (
            "a constant 0.9, right only for PyTorch's default",
            """
def torch_to_keras_momentum(m):
    return 0.9

def keras_moving_update(moving, batch_stat, momentum):
    return momentum * moving + (1.0 - momentum) * batch_stat
""",
        ),
        (
            "no conversion: returns PyTorch's momentum unchanged",
            """
def torch_to_keras_momentum(m):
    return m

def keras_moving_update(moving, batch_stat, momentum):
    return momentum * moving + (1.0 - momentum) * batch_stat
""",
        ),
        (
            "the update weights the new batch by momentum (PyTorch's convention)",
            """
def torch_to_keras_momentum(m):
    return 1.0 - m

def keras_moving_update(moving, batch_stat, momentum):
    return (1.0 - momentum) * moving + momentum * batch_stat
""",
        ),
        (
            "both written in PyTorch's convention",
            """
def torch_to_keras_momentum(m):
    return m

def keras_moving_update(moving, batch_stat, momentum):
    return (1.0 - momentum) * moving + momentum * batch_stat
""",
        ),
        (
            "forgets the (1 - momentum) factor on the batch statistic",
            """
def torch_to_keras_momentum(m):
    return 1.0 - m

def keras_moving_update(moving, batch_stat, momentum):
    return momentum * moving + batch_stat
""",
        ),
        (
            "the update returns the batch statistic (no running average)",
            """
def torch_to_keras_momentum(m):
    return 1.0 - m

def keras_moving_update(moving, batch_stat, momentum):
    return batch_stat
""",
        ),
    ],
    "ex3-answer": [
        (
            "log(softmax) + 1e-7: the unstable way",
            """
def mean_ce_from_logits(logits, labels):
    probs = tf.nn.softmax(logits)
    picked = tf.gather(probs, labels, axis=1, batch_dims=1)
    return -tf.reduce_mean(tf.math.log(picked + 1e-7))
""",
        ),
        (
            "softmax by hand without the max: exp overflows for extreme logits",
            """
def mean_ce_from_logits(logits, labels):
    e = tf.exp(logits)
    probs = e / tf.reduce_sum(e, axis=1, keepdims=True)
    return -tf.reduce_mean(tf.math.log(tf.gather(probs, labels, axis=1, batch_dims=1)))
""",
        ),
        (
            "the Keras loss: a library cross-entropy",
            """
def mean_ce_from_logits(logits, labels):
    return keras.losses.SparseCategoricalCrossentropy(from_logits=True)(labels, logits)
""",
        ),
        (
            "tf.nn.sparse_softmax_cross_entropy_with_logits: a library cross-entropy",
            """
def mean_ce_from_logits(logits, labels):
    return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))
""",
        ),
        (
            "sum over the batch instead of the mean",
            """
def mean_ce_from_logits(logits, labels):
    picked = tf.gather(logits, labels, axis=1, batch_dims=1)
    return tf.reduce_sum(tf.reduce_logsumexp(logits, axis=1) - picked)
""",
        ),
        (
            "logsumexp over the wrong axis",
            """
def mean_ce_from_logits(logits, labels):
    picked = tf.gather(logits, labels, axis=1, batch_dims=1)
    return tf.reduce_mean(tf.reduce_logsumexp(logits, axis=0) - picked)
""",
        ),
        (
            "gathers without batch_dims: every row's label picked from every row",
            """
def mean_ce_from_logits(logits, labels):
    picked = tf.gather(logits, labels, axis=1)
    return tf.reduce_mean(tf.reduce_logsumexp(logits, axis=1) - picked)
""",
        ),
        (
            "logsumexp over all the logits at once (axis=None)",
            """
def mean_ce_from_logits(logits, labels):
    picked = tf.gather(logits, labels, axis=1, batch_dims=1)
    return tf.reduce_mean(tf.reduce_logsumexp(logits) - picked)
""",
        ),
        (
            "returns a constant",
            """
def mean_ce_from_logits(logits, labels):
    return tf.constant(0.0)
""",
        ),
    ],
    "ex4-answer": [
        (
            "return 0.0",
            """
def overfit_tiny(x, y, steps):
    return 0.0
""",
        ),
        (
            "trains, then returns a hard-coded 0.0",
            """
def overfit_tiny(x, y, steps):
    tiny = build_functional()
    tiny.compile(optimizer=keras.optimizers.Adam(1e-2),
                 loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    for _ in range(steps):
        tiny.train_on_batch(x, y)
    return 0.0
""",
        ),
        (
            "reuses the model trained in the lesson instead of a fresh one",
            """
def overfit_tiny(x, y, steps):
    for _ in range(steps):
        loss = model.train_on_batch(x, y)
    return float(np.ravel(loss)[0])
""",
        ),
        (
            "builds the model once, outside the function: later calls continue training it",
            """
_tiny = build_functional()
_tiny.compile(optimizer=keras.optimizers.Adam(1e-2),
              loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))

def overfit_tiny(x, y, steps):
    for _ in range(steps):
        loss = _tiny.train_on_batch(x, y)
    return float(loss)
""",
        ),
        (
            "from_logits=False on a model that outputs logits",
            """
def overfit_tiny(x, y, steps):
    tiny = build_functional()
    tiny.compile(optimizer=keras.optimizers.Adam(1e-2),
                 loss=keras.losses.SparseCategoricalCrossentropy(from_logits=False))
    for _ in range(steps):
        loss = tiny.train_on_batch(x, y)
    return float(loss)
""",
        ),
        (
            "a learning rate 100 times too small",
            """
def overfit_tiny(x, y, steps):
    tiny = build_functional()
    tiny.compile(optimizer=keras.optimizers.Adam(1e-4),
                 loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    for _ in range(steps):
        loss = tiny.train_on_batch(x, y)
    return float(loss)
""",
        ),
        (
            "one step too few",
            """
def overfit_tiny(x, y, steps):
    tiny = build_functional()
    tiny.compile(optimizer=keras.optimizers.Adam(1e-2),
                 loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    for _ in range(1, steps):
        loss = tiny.train_on_batch(x, y)
    return float(loss)
""",
        ),
        (
            "trains on a mini-batch of 8 examples instead of the whole tiny set",
            """
def overfit_tiny(x, y, steps):
    tiny = build_functional()
    tiny.compile(optimizer=keras.optimizers.Adam(1e-2),
                 loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    for _ in range(steps):
        loss = tiny.train_on_batch(x[:8], y[:8])
    return float(loss)
""",
        ),
        (
            "returns the first loss instead of the last",
            """
def overfit_tiny(x, y, steps):
    tiny = build_functional()
    tiny.compile(optimizer=keras.optimizers.Adam(1e-2),
                 loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    losses = [tiny.train_on_batch(x, y) for _ in range(steps)]
    return float(losses[0])
""",
        ),
    ],
}
