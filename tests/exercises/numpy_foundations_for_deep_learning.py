"""Wrong answers for numpy_foundations_for_deep_learning.ipynb: each must make its exercise's check fail."""

WRONG_ANSWERS = {
    "ex1-answer": [
        (
            "subtracts the global max instead of each row's",
            """
def log_softmax(z):
    z = np.asarray(z, dtype=float)
    shifted = z - z.max()
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
""",
        ),
        (
            "np.log of the lesson's softmax: -inf when a probability underflows",
            """
def log_softmax(z):
    return np.log(softmax(np.asarray(z, dtype=float)))
""",
        ),
        (
            "reduces axis 1, which is the last axis only for 2-D arrays",
            """
def log_softmax(z):
    z = np.asarray(z, dtype=float)
    shifted = z - z.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
""",
        ),
        (
            "forgets keepdims, so the row max does not broadcast back",
            """
def log_softmax(z):
    z = np.asarray(z, dtype=float)
    shifted = z - z.max(axis=-1)
    return shifted - np.log(np.exp(shifted).sum(axis=-1))
""",
        ),
        (
            "no max subtracted at all: exp overflows for large scores",
            """
def log_softmax(z):
    z = np.asarray(z, dtype=float)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
""",
        ),
        (
            "right values, but a Python loop over the rows",
            """
def log_softmax(z):
    z = np.asarray(z, dtype=float)
    rows = z.reshape(-1, z.shape[-1])
    out = np.array([r - r.max() - np.log(np.exp(r - r.max()).sum()) for r in rows])
    return out.reshape(z.shape)
""",
        ),
        (
            "subtracts the max in place: the caller's array changes",
            """
def log_softmax(z):
    z -= z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
""",
        ),
        (
            "drops the log-sum-exp term: only shifts by the max",
            """
def log_softmax(z):
    z = np.asarray(z, dtype=float)
    return z - z.max(axis=-1, keepdims=True)
""",
        ),
    ],
    "ex2-answer": [
        (
            "returns the distances, not the squared distances",
            """
def pairwise_sq_dists(X, Y):
    return np.sqrt(((X[:, None, :] - Y[None, :, :]) ** 2).sum(axis=-1))
""",
        ),
        (
            "no new axes: subtracts row i of Y from row i of X",
            """
def pairwise_sq_dists(X, Y):
    return ((X - Y) ** 2).sum(axis=-1)
""",
        ),
        (
            "reduces the wrong axis (M instead of D)",
            """
def pairwise_sq_dists(X, Y):
    diff = X[:, None, :] - Y[None, :, :]
    return (diff ** 2).sum(axis=1)
""",
        ),
        (
            "new axes the other way round: an (M, N) result",
            """
def pairwise_sq_dists(X, Y):
    diff = Y[:, None, :] - X[None, :, :]
    return (diff ** 2).sum(axis=-1)
""",
        ),
        (
            "expands the square but forgets the factor 2",
            """
def pairwise_sq_dists(X, Y):
    return (X ** 2).sum(1)[:, None] + (Y ** 2).sum(1)[None, :] - X @ Y.T
""",
        ),
        (
            "absolute differences: the L1 distance",
            """
def pairwise_sq_dists(X, Y):
    return np.abs(X[:, None, :] - Y[None, :, :]).sum(axis=-1)
""",
        ),
        (
            "right values, but the double loop the exercise replaces",
            """
def pairwise_sq_dists(X, Y):
    return np.array([[((x - y) ** 2).sum() for y in Y] for x in X])
""",
        ),
    ],
    "ex3-answer": [
        (
            "the sign of the deviation from the median: mean 0 and std 1, but not a standardisation",
            """
def standardise(X):
    return np.sign(X - np.median(X, axis=0, keepdims=True))
""",
        ),
        (
            "standardises the rows (axis=1) instead of the columns",
            """
def standardise(X):
    return (X - X.mean(axis=1, keepdims=True)) / X.std(axis=1, keepdims=True)
""",
        ),
        (
            "one mean and one std for the whole array",
            """
def standardise(X):
    return (X - X.mean()) / X.std()
""",
        ),
        (
            "the sample std (ddof=1) although the statement asks for NumPy's default",
            """
def standardise(X):
    return (X - X.mean(axis=0, keepdims=True)) / X.std(axis=0, ddof=1, keepdims=True)
""",
        ),
        (
            "divides by the variance instead of the standard deviation",
            """
def standardise(X):
    return (X - X.mean(axis=0, keepdims=True)) / X.var(axis=0, keepdims=True)
""",
        ),
        (
            "works in place: X itself changes",
            """
def standardise(X):
    X -= X.mean(axis=0, keepdims=True)
    X /= X.std(axis=0, keepdims=True)
    return X
""",
        ),
        (
            "variance as mean of squares minus squared mean: cancels catastrophically for large offsets",
            """
def standardise(X):
    mean = X.mean(axis=0, keepdims=True)
    var = (X ** 2).mean(axis=0, keepdims=True) - mean ** 2
    return (X - mean) / np.sqrt(var)
""",
        ),
        (
            "min-max scaling to [0, 1] instead of standardising",
            """
def standardise(X):
    lo, hi = X.min(axis=0, keepdims=True), X.max(axis=0, keepdims=True)
    return (X - lo) / (hi - lo)
""",
        ),
    ],
    "ex4-answer": [
        (
            "divides the class sums by N instead of by each class's count",
            """
def class_means(X, y, K):
    Y = (y[:, None] == np.arange(K)).astype(X.dtype)
    return Y.T @ X / len(X)
""",
        ),
        (
            "counts without [:, None]: divides column j by the count of class j",
            """
def class_means(X, y, K):
    Y = (y[:, None] == np.arange(K)).astype(X.dtype)
    return (Y.T @ X) / Y.sum(axis=0)
""",
        ),
        (
            "X.T @ Y: the (D, K) transpose of the answer",
            """
def class_means(X, y, K):
    Y = (y[:, None] == np.arange(K)).astype(X.dtype)
    return (X.T @ Y) / Y.sum(axis=0)
""",
        ),
        (
            "returns the class sums, not the means",
            """
def class_means(X, y, K):
    Y = (y[:, None] == np.arange(K)).astype(X.dtype)
    return Y.T @ X
""",
        ),
        (
            "right values, but a loop over the classes",
            """
def class_means(X, y, K):
    return np.stack([X[y == k].mean(axis=0) for k in range(K)])
""",
        ),
        (
            "right values, but a loop over the examples",
            """
def class_means(X, y, K):
    sums, counts = np.zeros((K, X.shape[1])), np.zeros((K, 1))
    for x, label in zip(X, y):
        sums[label] += x
        counts[label] += 1
    return sums / counts
""",
        ),
        (
            "the overall mean of X in every row",
            """
def class_means(X, y, K):
    return np.tile(X.mean(axis=0), (K, 1))
""",
        ),
    ],
}
