"""Wrong answers for linear_algebra_for_deep_learning.ipynb: each must make its exercise's check fail."""

WRONG_ANSWERS = {
    "ex1-answer": [
        (
            "normalises the columns (axis=0) instead of the rows",
            """
def cosine_similarity_matrix(X):
    X_unit = X / np.linalg.norm(X, axis=0, keepdims=True)
    return X_unit @ X_unit.T
""",
        ),
        (
            "forgets to normalise: the plain dot products",
            """
def cosine_similarity_matrix(X):
    return X @ X.T
""",
        ),
        (
            "norms without keepdims: divides column j by the norm of row j",
            """
def cosine_similarity_matrix(X):
    X_unit = X / np.linalg.norm(X, axis=1)
    return X_unit @ X_unit.T
""",
        ),
        (
            "divides by the norm of the whole matrix",
            """
def cosine_similarity_matrix(X):
    X_unit = X / np.linalg.norm(X)
    return X_unit @ X_unit.T
""",
        ),
        (
            "X_unit.T @ X_unit: the (D, D) similarities of the columns",
            """
def cosine_similarity_matrix(X):
    X_unit = X / np.linalg.norm(X, axis=1, keepdims=True)
    return X_unit.T @ X_unit
""",
        ),
        (
            "right values, but a double loop over the pairs",
            """
def cosine_similarity_matrix(X):
    return np.array([[a @ b / (np.linalg.norm(a) * np.linalg.norm(b)) for b in X] for a in X])
""",
        ),
        (
            "calls scikit-learn's cosine_similarity",
            """
from sklearn.metrics.pairwise import cosine_similarity

def cosine_similarity_matrix(X):
    return cosine_similarity(X)
""",
        ),
        (
            "divides by the squared norms: |a||b| squared",
            """
def cosine_similarity_matrix(X):
    X_unit = X / (X ** 2).sum(axis=1, keepdims=True)
    return X_unit @ X_unit.T
""",
        ),
    ],
    "ex2-answer": [
        (
            "forgets to centre the data",
            """
def pca(X, k):
    C = X.T @ X / (len(X) - 1)
    lam, Q = np.linalg.eigh(C)
    order = np.argsort(lam)[::-1][:k]
    return Q[:, order].T, lam[order]
""",
        ),
        (
            "divides by N: the biased covariance, not the sample covariance",
            """
def pca(X, k):
    Xc = X - X.mean(axis=0)
    lam, Q = np.linalg.eigh(Xc.T @ Xc / len(X))
    order = np.argsort(lam)[::-1][:k]
    return Q[:, order].T, lam[order]
""",
        ),
        (
            "forgets that eigh sorts ascending: the k smallest directions",
            """
def pca(X, k):
    Xc = X - X.mean(axis=0)
    lam, Q = np.linalg.eigh(Xc.T @ Xc / (len(X) - 1))
    return Q[:, :k].T, lam[:k]
""",
        ),
        (
            "takes rows of Q instead of its columns as the eigenvectors",
            """
def pca(X, k):
    Xc = X - X.mean(axis=0)
    lam, Q = np.linalg.eigh(Xc.T @ Xc / (len(X) - 1))
    order = np.argsort(lam)[::-1][:k]
    return Q[order], lam[order]
""",
        ),
        (
            "returns standard deviations instead of variances",
            """
def pca(X, k):
    Xc = X - X.mean(axis=0)
    lam, Q = np.linalg.eigh(Xc.T @ Xc / (len(X) - 1))
    order = np.argsort(lam)[::-1][:k]
    return Q[:, order].T, np.sqrt(lam[order])
""",
        ),
        (
            "right numbers from the SVD of the data, not np.linalg.eigh as asked",
            """
def pca(X, k):
    Xc = X - X.mean(axis=0)
    U, s, Vt = np.linalg.svd(Xc, full_matrices=False)
    return Vt[:k], s[:k] ** 2 / (len(X) - 1)
""",
        ),
        (
            "reverses the eigenvalues but not the eigenvectors",
            """
def pca(X, k):
    Xc = X - X.mean(axis=0)
    lam, Q = np.linalg.eigh(Xc.T @ Xc / (len(X) - 1))
    return Q[:, :k].T, lam[::-1][:k]
""",
        ),
    ],
    "ex3-answer": [
        (
            "keeps the k smallest singular values",
            """
def low_rank(A, k):
    U, s, Vt = np.linalg.svd(A, full_matrices=False)
    return (U[:, -k:] * s[-k:]) @ Vt[-k:]
""",
        ),
        (
            "forgets the singular values: U_k @ Vt_k",
            """
def low_rank(A, k):
    U, s, Vt = np.linalg.svd(A, full_matrices=False)
    return U[:, :k] @ Vt[:k]
""",
        ),
        (
            "reads Vt as V: takes its first k columns",
            """
def low_rank(A, k):
    U, s, Vt = np.linalg.svd(A, full_matrices=False)
    return (U[:, :k] * s[:k]) @ Vt[:, :k].T
""",
        ),
        (
            "keeps the first k columns of A and zeroes the rest",
            """
def low_rank(A, k):
    B = np.zeros(np.shape(A))
    B[:, :k] = A[:, :k]
    return B
""",
        ),
        (
            "always the rank-1 approximation, whatever k is",
            """
def low_rank(A, k):
    U, s, Vt = np.linalg.svd(A, full_matrices=False)
    return s[0] * np.outer(U[:, 0], Vt[0])
""",
        ),
        (
            "returns the transpose of the approximation",
            """
def low_rank(A, k):
    U, s, Vt = np.linalg.svd(A, full_matrices=False)
    return ((U[:, :k] * s[:k]) @ Vt[:k]).T
""",
        ),
        (
            "squares the singular values",
            """
def low_rank(A, k):
    U, s, Vt = np.linalg.svd(A, full_matrices=False)
    return (U[:, :k] * s[:k] ** 2) @ Vt[:k]
""",
        ),
    ],
    "ex4-answer": [
        (
            "adds the biases without passing them through the later layers",
            """
def collapse(layers):
    W_total, b_total = layers[0]
    for W, b in layers[1:]:
        W_total, b_total = W @ W_total, b_total + b
    return W_total, b_total
""",
        ),
        (
            "multiplies the matrices in the wrong order",
            """
def collapse(layers):
    W_total, b_total = layers[0]
    for W, b in layers[1:]:
        W_total, b_total = W_total @ W, W @ b_total + b
    return W_total, b_total
""",
        ),
        (
            "keeps only the last layer's bias",
            """
def collapse(layers):
    W_total, b_total = layers[0]
    for W, b in layers[1:]:
        W_total, b_total = W @ W_total, b
    return W_total, b_total
""",
        ),
        (
            "updates b with the new W_total instead of the layer's W",
            """
def collapse(layers):
    W_total, b_total = layers[0]
    for W, b in layers[1:]:
        W_total = W @ W_total
        b_total = W_total @ b_total + b
    return W_total, b_total
""",
        ),
        (
            "walks the layers in reverse order",
            """
def collapse(layers):
    W_total, b_total = layers[-1]
    for W, b in reversed(layers[:-1]):
        W_total, b_total = W @ W_total, W @ b_total + b
    return W_total, b_total
""",
        ),
        (
            "ignores the biases altogether",
            """
def collapse(layers):
    W_total = layers[0][0]
    for W, _ in layers[1:]:
        W_total = W @ W_total
    return W_total, np.zeros(W_total.shape[0])
""",
        ),
    ],
}
