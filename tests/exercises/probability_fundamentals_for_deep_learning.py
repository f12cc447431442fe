"""Wrong answers for probability_fundamentals_for_deep_learning.ipynb: each must make its exercise's check fail."""

WRONG_ANSWERS = {
    "ex1-answer": [
        (
            "the forbidden shortcut: rng.choice",
            """
def sample_categorical(probs, n, rng):
    return rng.choice(len(probs), size=n, p=probs)
""",
        ),
        (
            "searches the probabilities themselves instead of their cumulative sum",
            """
def sample_categorical(probs, n, rng):
    u = rng.random(n)
    return np.searchsorted(probs, u, side="right")
""",
        ),
        (
            "draws the uniforms from the global np.random, not from rng",
            """
def sample_categorical(probs, n, rng):
    cdf = np.cumsum(probs)
    u = np.random.random(n)
    return np.searchsorted(cdf, u, side="right")
""",
        ),
        (
            "seeds its own generator instead of using rng",
            """
def sample_categorical(probs, n, rng):
    cdf = np.cumsum(probs)
    u = np.random.default_rng(0).random(n)
    return np.searchsorted(cdf, u, side="right")
""",
        ),
        (
            "sorts the probabilities first, which relabels the classes",
            """
def sample_categorical(probs, n, rng):
    cdf = np.cumsum(np.sort(probs))
    u = rng.random(n)
    return np.searchsorted(cdf, u, side="right")
""",
        ),
        (
            "off by one: classes numbered 1..K",
            """
def sample_categorical(probs, n, rng):
    cdf = np.cumsum(probs)
    u = rng.random(n)
    return np.searchsorted(cdf, u, side="right") + 1
""",
        ),
        (
            "returns the uniforms scaled to K (floats, wrong distribution)",
            """
def sample_categorical(probs, n, rng):
    return rng.random(n) * len(probs)
""",
        ),
    ],
    "ex2-answer": [
        (
            "both estimates divide by N",
            """
def variance_estimates(x):
    x = np.asarray(x, dtype=float)
    squared_dev = np.sum((x - x.mean()) ** 2)
    return squared_dev / len(x), squared_dev / len(x)
""",
        ),
        (
            "returns them in the wrong order (unbiased first)",
            """
def variance_estimates(x):
    x = np.asarray(x, dtype=float)
    squared_dev = np.sum((x - x.mean()) ** 2)
    return squared_dev / (len(x) - 1), squared_dev / len(x)
""",
        ),
        (
            "the forbidden shortcut: np.var",
            """
def variance_estimates(x):
    return np.var(x), np.var(x, ddof=1)
""",
        ),
        (
            "the forbidden shortcut: the .var() method",
            """
def variance_estimates(x):
    x = np.asarray(x, dtype=float)
    return x.var(), x.var(ddof=1)
""",
        ),
        (
            "E[x^2] - E[x]^2: cancels catastrophically for data far from 0",
            """
def variance_estimates(x):
    x = np.asarray(x, dtype=float)
    n = len(x)
    v = np.mean(x ** 2) - np.mean(x) ** 2
    return v, v * n / (n - 1)
""",
        ),
        (
            "forgets to subtract the mean",
            """
def variance_estimates(x):
    x = np.asarray(x, dtype=float)
    squared = np.sum(x ** 2)
    return squared / len(x), squared / (len(x) - 1)
""",
        ),
        (
            "divides by N - 1 and N + 1",
            """
def variance_estimates(x):
    x = np.asarray(x, dtype=float)
    squared_dev = np.sum((x - x.mean()) ** 2)
    return squared_dev / (len(x) + 1), squared_dev / (len(x) - 1)
""",
        ),
    ],
    "ex3-answer": [
        (
            "normalises the columns instead of the rows (wrong axis)",
            """
def conditional_rows(counts):
    joint_ = counts / counts.values.sum()
    return joint_.div(joint_.sum(axis=0), axis=1)
""",
        ),
        (
            "divides by the row totals with `/`, which pandas aligns on the columns",
            """
def conditional_rows(counts):
    return counts / counts.sum(axis=1)
""",
        ),
        (
            "returns the joint distribution P(x, y)",
            """
def conditional_rows(counts):
    return counts / counts.values.sum()
""",
        ),
        (
            "returns a NumPy array: the labels are lost",
            """
def conditional_rows(counts):
    values = counts.values
    return values / values.sum(axis=1, keepdims=True)
""",
        ),
        (
            "overwrites the counts table it was given",
            """
def conditional_rows(counts):
    totals = counts.sum(axis=1)
    for column in list(counts.columns):
        counts[column] = counts[column] / totals
    return counts
""",
        ),
        (
            "divides each row by its largest count instead of its total",
            """
def conditional_rows(counts):
    return counts.div(counts.max(axis=1), axis=0)
""",
        ),
    ],
    "ex4-answer": [
        (
            "types in the exact value instead of simulating",
            """
def estimate_prob_sum_at_least(k, n_rolls, rng):
    return float(P({w for w in omega if sum(w) >= k}))
""",
        ),
        (
            "the exact value plus noise of the right size (not a simulation of n_rolls rolls)",
            """
def estimate_prob_sum_at_least(k, n_rolls, rng):
    p = float(P({w for w in omega if sum(w) >= k}))
    return float(np.clip(p + rng.normal(0, np.sqrt(p * (1 - p) / n_rolls)), 0, 1))
""",
        ),
        (
            "dice with faces 1..5: the upper bound of integers() is exclusive",
            """
def estimate_prob_sum_at_least(k, n_rolls, rng):
    two_dice = rng.integers(1, 6, size=(n_rolls, 2))
    return float(np.mean(two_dice.sum(axis=1) >= k))
""",
        ),
        (
            "counts sums greater than k, not at least k",
            """
def estimate_prob_sum_at_least(k, n_rolls, rng):
    two_dice = rng.integers(1, 7, size=(n_rolls, 2))
    return float(np.mean(two_dice.sum(axis=1) > k))
""",
        ),
        (
            "rolls one die and doubles it",
            """
def estimate_prob_sum_at_least(k, n_rolls, rng):
    one_die = rng.integers(1, 7, size=n_rolls)
    return float(np.mean(2 * one_die >= k))
""",
        ),
        (
            "simulates with the global np.random, not with rng",
            """
def estimate_prob_sum_at_least(k, n_rolls, rng):
    two_dice = np.random.randint(1, 7, size=(n_rolls, 2))
    return float(np.mean(two_dice.sum(axis=1) >= k))
""",
        ),
        (
            "re-seeds a generator of its own: every seed gives the same estimate",
            """
def estimate_prob_sum_at_least(k, n_rolls, rng):
    two_dice = np.random.default_rng(SEED).integers(1, 7, size=(n_rolls, 2))
    return float(np.mean(two_dice.sum(axis=1) >= k))
""",
        ),
    ],
}
