"""Wrong answers for probability_for_deep_learning.ipynb: each must make its exercise's check fail."""

WRONG_ANSWERS = {
    "ex1-answer": [
        (
            "applies Bayes to the original prior every time: the evidence does not accumulate",
            """
def posterior_after_tests(prior, sensitivity, specificity, n_positive):
    p = prior
    for _ in range(n_positive):
        p = posterior_positive(prior, sensitivity, specificity)
    return p
""",
        ),
        (
            "multiplies the likelihoods but never normalises by the evidence",
            """
def posterior_after_tests(prior, sensitivity, specificity, n_positive):
    return prior * sensitivity ** n_positive
""",
        ),
        (
            "uses the specificity as the false-positive rate",
            """
def posterior_after_tests(prior, sensitivity, specificity, n_positive):
    p = prior
    for _ in range(n_positive):
        p = posterior_positive(p, sensitivity, 1 - specificity)
    return p
""",
        ),
        (
            "off by one: one test too few",
            """
def posterior_after_tests(prior, sensitivity, specificity, n_positive):
    p = prior
    for _ in range(n_positive - 1):
        p = posterior_positive(p, sensitivity, specificity)
    return p
""",
        ),
        (
            "raises the one-test posterior to the power n",
            """
def posterior_after_tests(prior, sensitivity, specificity, n_positive):
    return posterior_positive(prior, sensitivity, specificity) ** n_positive
""",
        ),
        (
            "hard-codes the example's numbers instead of using the arguments",
            """
def posterior_after_tests(prior, sensitivity, specificity, n_positive):
    p = prior
    for _ in range(n_positive):
        p = posterior_positive(p, 0.99, 0.95)
    return p
""",
        ),
    ],
    "ex2-answer": [
        (
            "the posterior mean (h + a) / (n + a + b) instead of its mode",
            """
def map_coin(heads, flips, a, b):
    return (heads + a) / (flips + a + b)
""",
        ),
        (
            "ignores the prior: the MLE h/n",
            """
def map_coin(heads, flips, a, b):
    return heads / flips
""",
        ),
        (
            "swaps the pseudo-counts: a goes with the tails",
            """
def map_coin(heads, flips, a, b):
    return (heads + b - 1) / (flips + a + b - 2)
""",
        ),
        (
            "forgets the tails' pseudo-counts in the denominator",
            """
def map_coin(heads, flips, a, b):
    return (heads + a - 1) / (flips + a - 1)
""",
        ),
        (
            "the -1 only in the numerator: (h + a - 1) / (n + a + b)",
            """
def map_coin(heads, flips, a, b):
    return (heads + a - 1) / (flips + a + b)
""",
        ),
        (
            "a grid search on 101 points: near the maximiser, not at it",
            """
def map_coin(heads, flips, a, b):
    grid = np.linspace(0.0, 1.0, 101)[1:-1]
    logpost = (heads + a - 1) * np.log(grid) + (flips - heads + b - 1) * np.log1p(-grid)
    return grid[np.argmax(logpost)]
""",
        ),
        (
            "works for one coin only: float() of the result fails on arrays",
            """
def map_coin(heads, flips, a, b):
    return float((heads + a - 1) / (flips + a + b - 2))
""",
        ),
        (
            "hard-codes the prior Beta(2, 2) instead of using a and b",
            """
def map_coin(heads, flips, a, b):
    return (heads + 1) / (flips + 2)
""",
        ),
    ],
    "ex3-answer": [
        (
            "no 0 log 0 convention: nan as soon as some p_k = 0",
            """
def my_kl(p, q):
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    return float(np.sum(p * np.log(p / q)))
""",
        ),
        (
            "the arguments swapped: computes KL(q||p)",
            """
def my_kl(p, q):
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    support = q > 0
    if np.any(p[support] == 0):
        return np.inf
    return float(np.sum(q[support] * np.log(q[support] / p[support])))
""",
        ),
        (
            "drops every term where p or q is 0: returns a finite value where KL is infinite",
            """
def my_kl(p, q):
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    both = (p > 0) & (q > 0)
    return float(np.sum(p[both] * np.log(p[both] / q[both])))
""",
        ),
        (
            "sign error: log(q/p)",
            """
def my_kl(p, q):
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    support = p > 0
    if np.any(q[support] == 0):
        return np.inf
    return float(np.sum(p[support] * np.log(q[support] / p[support])))
""",
        ),
        (
            "the forbidden shortcut: the Section 6 helper",
            """
def my_kl(p, q):
    return float(kl_divergence(p, q))
""",
        ),
        (
            "the forbidden shortcut: scipy.stats.entropy(p, q)",
            """
def my_kl(p, q):
    return float(stats.entropy(p, q))
""",
        ),
        (
            "log base 2 (bits) where the notebook uses nats",
            """
def my_kl(p, q):
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    support = p > 0
    if np.any(q[support] == 0):
        return np.inf
    return float(np.sum(p[support] * np.log2(p[support] / q[support])))
""",
        ),
    ],
    "ex4-answer": [
        (
            "subtracts the global max instead of each row's",
            """
def ce_and_grad(Z, y):
    N = len(y)
    S = Z - Z.max()
    logp = S - np.log(np.exp(S).sum(axis=1, keepdims=True))
    loss = -logp[np.arange(N), y].mean()
    grad = np.exp(logp)
    grad[np.arange(N), y] -= 1.0
    return loss, grad / N
""",
        ),
        (
            "forgets the 1/N in the gradient",
            """
def ce_and_grad(Z, y):
    N = len(y)
    S = Z - Z.max(axis=1, keepdims=True)
    logp = S - np.log(np.exp(S).sum(axis=1, keepdims=True))
    loss = -logp[np.arange(N), y].mean()
    grad = np.exp(logp)
    grad[np.arange(N), y] -= 1.0
    return loss, grad
""",
        ),
        (
            "sums the loss over the batch instead of averaging it",
            """
def ce_and_grad(Z, y):
    N = len(y)
    S = Z - Z.max(axis=1, keepdims=True)
    logp = S - np.log(np.exp(S).sum(axis=1, keepdims=True))
    loss = -logp[np.arange(N), y].sum()
    grad = np.exp(logp)
    grad[np.arange(N), y] -= 1.0
    return loss, grad / N
""",
        ),
        (
            "log(softmax + 1e-7): clips confident wrong answers",
            """
def ce_and_grad(Z, y):
    N = len(y)
    S = Z - Z.max(axis=1, keepdims=True)
    p = np.exp(S) / np.exp(S).sum(axis=1, keepdims=True)
    loss = -np.log(p[np.arange(N), y] + 1e-7).mean()
    grad = p.copy()
    grad[np.arange(N), y] -= 1.0
    return loss, grad / N
""",
        ),
        (
            "no max subtraction: overflows for logits of 1000",
            """
def ce_and_grad(Z, y):
    N = len(y)
    E = np.exp(Z)
    p = E / E.sum(axis=1, keepdims=True)
    loss = -np.log(p[np.arange(N), y]).mean()
    grad = p.copy()
    grad[np.arange(N), y] -= 1.0
    return loss, grad / N
""",
        ),
        (
            "the forbidden shortcut: the notebook's log_softmax",
            """
def ce_and_grad(Z, y):
    N = len(y)
    logp = log_softmax(Z)
    loss = -logp[np.arange(N), y].mean()
    grad = np.exp(logp)
    grad[np.arange(N), y] -= 1.0
    return loss, grad / N
""",
        ),
        (
            "shifts Z in place (Z -= max): the caller's logits change",
            """
def ce_and_grad(Z, y):
    N = len(y)
    Z -= Z.max(axis=1, keepdims=True)
    logp = Z - np.log(np.exp(Z).sum(axis=1, keepdims=True))
    loss = -logp[np.arange(N), y].mean()
    grad = np.exp(logp)
    grad[np.arange(N), y] -= 1.0
    return loss, grad / N
""",
        ),
        (
            "forgets to subtract the one-hot labels in the gradient",
            """
def ce_and_grad(Z, y):
    N = len(y)
    S = Z - Z.max(axis=1, keepdims=True)
    logp = S - np.log(np.exp(S).sum(axis=1, keepdims=True))
    loss = -logp[np.arange(N), y].mean()
    return loss, np.exp(logp) / N
""",
        ),
    ],
}
