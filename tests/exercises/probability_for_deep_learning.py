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
            "swaps the two divisors",
            """
def var_mle(x):
    x = np.asarray(x, dtype=float)
    return np.sum((x - x.mean()) ** 2) / (len(x) - 1)

def var_unbiased(x):
    x = np.asarray(x, dtype=float)
    return np.sum((x - x.mean()) ** 2) / len(x)

def average_var_mle(N, sigma, n_samples, rng):
    return float(np.mean([var_mle(s) for s in rng.normal(0.0, sigma, size=(n_samples, N))]))
""",
        ),
        (
            "the forbidden shortcut: np.var",
            """
def var_mle(x):
    return np.var(x)

def var_unbiased(x):
    return np.var(x, ddof=1)

def average_var_mle(N, sigma, n_samples, rng):
    return float(np.mean([var_mle(s) for s in rng.normal(0.0, sigma, size=(n_samples, N))]))
""",
        ),
        (
            "the forbidden shortcut: the .var() method, hidden in the simulation",
            """
def var_mle(x):
    x = np.asarray(x, dtype=float)
    return np.sum((x - x.mean()) ** 2) / len(x)

def var_unbiased(x):
    x = np.asarray(x, dtype=float)
    return np.sum((x - x.mean()) ** 2) / (len(x) - 1)

def average_var_mle(N, sigma, n_samples, rng):
    return float(rng.normal(0.0, sigma, size=(n_samples, N)).var(axis=1).mean())
""",
        ),
        (
            "types in the theory instead of simulating",
            """
def var_mle(x):
    x = np.asarray(x, dtype=float)
    return np.sum((x - x.mean()) ** 2) / len(x)

def var_unbiased(x):
    x = np.asarray(x, dtype=float)
    return np.sum((x - x.mean()) ** 2) / (len(x) - 1)

def average_var_mle(N, sigma, n_samples, rng):
    return (N - 1) / N * sigma ** 2
""",
        ),
        (
            "averages the unbiased estimate instead of the MLE",
            """
def var_mle(x):
    x = np.asarray(x, dtype=float)
    return np.sum((x - x.mean()) ** 2) / len(x)

def var_unbiased(x):
    x = np.asarray(x, dtype=float)
    return np.sum((x - x.mean()) ** 2) / (len(x) - 1)

def average_var_mle(N, sigma, n_samples, rng):
    return float(np.mean([var_unbiased(s) for s in rng.normal(0.0, sigma, size=(n_samples, N))]))
""",
        ),
        (
            "passes the variance sigma^2 where rng.normal wants the standard deviation",
            """
def var_mle(x):
    x = np.asarray(x, dtype=float)
    return np.sum((x - x.mean()) ** 2) / len(x)

def var_unbiased(x):
    x = np.asarray(x, dtype=float)
    return np.sum((x - x.mean()) ** 2) / (len(x) - 1)

def average_var_mle(N, sigma, n_samples, rng):
    return float(np.mean([var_mle(s) for s in rng.normal(0.0, sigma ** 2, size=(n_samples, N))]))
""",
        ),
        (
            "simulates with the global np.random, not with rng",
            """
def var_mle(x):
    x = np.asarray(x, dtype=float)
    return np.sum((x - x.mean()) ** 2) / len(x)

def var_unbiased(x):
    x = np.asarray(x, dtype=float)
    return np.sum((x - x.mean()) ** 2) / (len(x) - 1)

def average_var_mle(N, sigma, n_samples, rng):
    return float(np.mean([var_mle(s) for s in np.random.normal(0.0, sigma, size=(n_samples, N))]))
""",
        ),
        (
            "E[x^2] - E[x]^2: cancels catastrophically for data far from 0",
            """
def var_mle(x):
    x = np.asarray(x, dtype=float)
    return np.mean(x ** 2) - np.mean(x) ** 2

def var_unbiased(x):
    return var_mle(x) * len(x) / (len(x) - 1)

def average_var_mle(N, sigma, n_samples, rng):
    return float(np.mean([var_mle(s) for s in rng.normal(0.0, sigma, size=(n_samples, N))]))
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
