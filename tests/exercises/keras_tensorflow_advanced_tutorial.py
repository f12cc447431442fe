"""Wrong answers for keras_tensorflow_advanced_tutorial.ipynb: each must make its exercise's check fail."""

WRONG_ANSWERS = {
    "ex1-answer": [
        (
            "returns the first derivative: one tape only",
            """
def second_derivative(f, x):
    x = tf.convert_to_tensor(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(f(x))
    return tape.gradient(y, x)
""",
        ),
        (
            "the outer tape does not watch x (a constant is not watched)",
            """
def second_derivative(f, x):
    x = tf.convert_to_tensor(x)
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = tf.reduce_sum(f(x))
        dy = inner.gradient(y, x)
    return outer.gradient(dy, x)
""",
        ),
        (
            "the tapes are not nested: the first gradient is taken outside the outer tape",
            """
def second_derivative(f, x):
    x = tf.convert_to_tensor(x)
    with tf.GradientTape() as inner:
        inner.watch(x)
        y = tf.reduce_sum(f(x))
    dy = inner.gradient(y, x)
    with tf.GradientTape() as outer:
        outer.watch(x)
    return outer.gradient(dy, x)
""",
        ),
        (
            "casts x to float32 first",
            """
def second_derivative(f, x):
    x = tf.cast(tf.convert_to_tensor(x), tf.float32)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = tf.reduce_sum(f(x))
        dy = inner.gradient(y, x)
    return outer.gradient(dy, x)
""",
        ),
        (
            "the forbidden shortcut: a centred finite difference",
            """
def second_derivative(f, x):
    x = tf.convert_to_tensor(x)
    h = tf.constant(1e-4, dtype=x.dtype)
    return (f(x + h) - 2 * f(x) + f(x - h)) / h ** 2
""",
        ),
        (
            "hard-codes the second derivative of the lesson's t^3 sin t",
            """
def second_derivative(f, x):
    x = tf.convert_to_tensor(x)
    return 6 * x * tf.sin(x) + 6 * x ** 2 * tf.cos(x) - x ** 3 * tf.sin(x)
""",
        ),
    ],
    "ex2-answer": [
        (
            "the mean of the per-batch RMSEs",
            """
class StreamingRMSE(keras.metrics.Metric):
    def __init__(self, name="streaming_rmse", **kwargs):
        super().__init__(name=name, **kwargs)
        self.total = self.add_weight(shape=(), initializer="zeros", name="total")
        self.batches = self.add_weight(shape=(), initializer="zeros", name="batches")

    def update_state(self, y_true, y_pred, sample_weight=None):
        err = keras.ops.cast(y_pred, "float32") - keras.ops.cast(y_true, "float32")
        self.total.assign_add(keras.ops.sqrt(keras.ops.mean(err ** 2)))
        self.batches.assign_add(1.0)

    def result(self):
        return self.total / keras.ops.maximum(self.batches, 1.0)

    def reset_state(self):
        self.total.assign(0.0)
        self.batches.assign(0.0)
""",
        ),
        (
            "counts batches instead of values",
            """
class StreamingRMSE(keras.metrics.Metric):
    def __init__(self, name="streaming_rmse", **kwargs):
        super().__init__(name=name, **kwargs)
        self.sse = self.add_weight(shape=(), initializer="zeros", name="sse")
        self.count = self.add_weight(shape=(), initializer="zeros", name="count")

    def update_state(self, y_true, y_pred, sample_weight=None):
        err = keras.ops.cast(y_pred, "float32") - keras.ops.cast(y_true, "float32")
        self.sse.assign_add(keras.ops.sum(err ** 2))
        self.count.assign_add(1.0)

    def result(self):
        return keras.ops.sqrt(self.sse / keras.ops.maximum(self.count, 1.0))

    def reset_state(self):
        self.sse.assign(0.0)
        self.count.assign(0.0)
""",
        ),
        (
            "counts rows (shape[0]) instead of values",
            """
class StreamingRMSE(keras.metrics.Metric):
    def __init__(self, name="streaming_rmse", **kwargs):
        super().__init__(name=name, **kwargs)
        self.sse = self.add_weight(shape=(), initializer="zeros", name="sse")
        self.count = self.add_weight(shape=(), initializer="zeros", name="count")

    def update_state(self, y_true, y_pred, sample_weight=None):
        err = keras.ops.cast(y_pred, "float32") - keras.ops.cast(y_true, "float32")
        self.sse.assign_add(keras.ops.sum(err ** 2))
        self.count.assign_add(keras.ops.cast(keras.ops.shape(err)[0], "float32"))

    def result(self):
        return keras.ops.sqrt(self.sse / keras.ops.maximum(self.count, 1.0))

    def reset_state(self):
        self.sse.assign(0.0)
        self.count.assign(0.0)
""",
        ),
        (
            "reset_state forgets the count",
            """
class StreamingRMSE(keras.metrics.Metric):
    def __init__(self, name="streaming_rmse", **kwargs):
        super().__init__(name=name, **kwargs)
        self.sse = self.add_weight(shape=(), initializer="zeros", name="sse")
        self.count = self.add_weight(shape=(), initializer="zeros", name="count")

    def update_state(self, y_true, y_pred, sample_weight=None):
        err = keras.ops.cast(y_pred, "float32") - keras.ops.cast(y_true, "float32")
        self.sse.assign_add(keras.ops.sum(err ** 2))
        self.count.assign_add(keras.ops.cast(keras.ops.size(err), "float32"))

    def result(self):
        return keras.ops.sqrt(self.sse / keras.ops.maximum(self.count, 1.0))

    def reset_state(self):
        self.sse.assign(0.0)
""",
        ),
        (
            "averages the per-batch MSEs, each batch weighted equally",
            """
class StreamingRMSE(keras.metrics.Metric):
    def __init__(self, name="streaming_rmse", **kwargs):
        super().__init__(name=name, **kwargs)
        self.mse_sum = self.add_weight(shape=(), initializer="zeros", name="mse_sum")
        self.batches = self.add_weight(shape=(), initializer="zeros", name="batches")

    def update_state(self, y_true, y_pred, sample_weight=None):
        err = keras.ops.cast(y_pred, "float32") - keras.ops.cast(y_true, "float32")
        self.mse_sum.assign_add(keras.ops.mean(err ** 2))
        self.batches.assign_add(1.0)

    def result(self):
        return keras.ops.sqrt(self.mse_sum / keras.ops.maximum(self.batches, 1.0))

    def reset_state(self):
        self.mse_sum.assign(0.0)
        self.batches.assign(0.0)
""",
        ),
        (
            "Python floats as state instead of add_weight variables (breaks inside a compiled evaluate)",
            """
class StreamingRMSE(keras.metrics.Metric):
    def __init__(self, name="streaming_rmse", **kwargs):
        super().__init__(name=name, **kwargs)
        self.sse, self.count = 0.0, 0

    def update_state(self, y_true, y_pred, sample_weight=None):
        err = np.asarray(y_pred, dtype=float) - np.asarray(y_true, dtype=float)
        self.sse += float((err ** 2).sum())
        self.count += err.size

    def result(self):
        return np.sqrt(self.sse / max(self.count, 1))

    def reset_state(self):
        self.sse, self.count = 0.0, 0
""",
        ),
    ],
    "ex3-answer": [
        (
            "always stops after the first epoch",
            """
class StopAtAccuracy(keras.callbacks.Callback):
    def __init__(self, target):
        super().__init__()
        self.target = target
        self.stopped_at = None

    def on_epoch_end(self, epoch, logs=None):
        self.stopped_at = epoch
        self.model.stop_training = True
""",
        ),
        (
            "> instead of >=: an epoch that reaches the target exactly does not count",
            """
class StopAtAccuracy(keras.callbacks.Callback):
    def __init__(self, target):
        super().__init__()
        self.target = target
        self.stopped_at = None

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None and logs.get("val_accuracy", 0.0) > self.target:
            self.stopped_at = epoch
            self.model.stop_training = True
""",
        ),
        (
            "looks at the training accuracy",
            """
class StopAtAccuracy(keras.callbacks.Callback):
    def __init__(self, target):
        super().__init__()
        self.target = target
        self.stopped_at = None

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None and logs.get("accuracy", 0.0) >= self.target:
            self.stopped_at = epoch
            self.model.stop_training = True
""",
        ),
        (
            "records the epoch number 1-based",
            """
class StopAtAccuracy(keras.callbacks.Callback):
    def __init__(self, target):
        super().__init__()
        self.target = target
        self.stopped_at = None

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None and logs.get("val_accuracy", 0.0) >= self.target:
            self.stopped_at = epoch + 1
            self.model.stop_training = True
""",
        ),
        (
            "records the epoch but never stops training",
            """
class StopAtAccuracy(keras.callbacks.Callback):
    def __init__(self, target):
        super().__init__()
        self.target = target
        self.stopped_at = None

    def on_epoch_end(self, epoch, logs=None):
        if self.stopped_at is None and logs is not None and logs.get("val_accuracy", 0.0) >= self.target:
            self.stopped_at = epoch
""",
        ),
        (
            "sets stop_training on the callback instead of the model",
            """
class StopAtAccuracy(keras.callbacks.Callback):
    def __init__(self, target):
        super().__init__()
        self.target = target
        self.stopped_at = None

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None and logs.get("val_accuracy", 0.0) >= self.target:
            self.stopped_at = epoch
            self.stop_training = True
""",
        ),
        (
            "fails (KeyError) when there is no validation data",
            """
class StopAtAccuracy(keras.callbacks.Callback):
    def __init__(self, target):
        super().__init__()
        self.target = target
        self.stopped_at = None

    def on_epoch_end(self, epoch, logs=None):
        if logs["val_accuracy"] >= self.target:
            self.stopped_at = epoch
            self.model.stop_training = True
""",
        ),
    ],
    "ex4-answer": [
        (
            "tf.function without an input_signature: one trace per batch size",
            """
def make_row_normalize(traces):
    @tf.function
    def row_normalize(x):
        traces.append(1)
        return x / tf.norm(x, axis=1, keepdims=True)
    return row_normalize
""",
        ),
        (
            "reduce_retracing instead of an input_signature: a second trace, and any shape accepted",
            """
def make_row_normalize(traces):
    @tf.function(reduce_retracing=True)
    def row_normalize(x):
        traces.append(1)
        return x / tf.norm(x, axis=1, keepdims=True)
    return row_normalize
""",
        ),
        (
            "a signature of shape [None, None]: accepts any number of columns",
            """
def make_row_normalize(traces):
    @tf.function(input_signature=[tf.TensorSpec(shape=[None, None], dtype=tf.float32)])
    def row_normalize(x):
        traces.append(1)
        return x / tf.norm(x, axis=1, keepdims=True)
    return row_normalize
""",
        ),
        (
            "a signature fixed to the batch size 32",
            """
def make_row_normalize(traces):
    @tf.function(input_signature=[tf.TensorSpec(shape=[32, 64], dtype=tf.float32)])
    def row_normalize(x):
        traces.append(1)
        return x / tf.norm(x, axis=1, keepdims=True)
    return row_normalize
""",
        ),
        (
            "no tf.function at all (the Python body runs on every call)",
            """
def make_row_normalize(traces):
    def row_normalize(x):
        traces.append(1)
        return x / tf.norm(x, axis=1, keepdims=True)
    return row_normalize
""",
        ),
        (
            "normalises the columns (axis 0) instead of the rows",
            """
def make_row_normalize(traces):
    @tf.function(input_signature=[tf.TensorSpec(shape=[None, 64], dtype=tf.float32)])
    def row_normalize(x):
        traces.append(1)
        return x / tf.norm(x, axis=0, keepdims=True)
    return row_normalize
""",
        ),
        (
            "appends to traces once in the factory, not in the traced function",
            """
def make_row_normalize(traces):
    traces.append(1)
    @tf.function
    def row_normalize(x):
        return x / tf.norm(x, axis=1, keepdims=True)
    return row_normalize
""",
        ),
    ],
}
