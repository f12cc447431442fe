"""Wrong answers for why_deep_learning_works_geometric_intuition.ipynb: each must make its exercise's check fail."""

WRONG_ANSWERS = {
    "ex1-answer": [
        (
            "forgets the j = 0 term (the region where every unit is off)",
            """
def predicted_regions():
    return 10 + 45

def max_regions(d, D):
    return sum(comb(D, j) for j in range(1, min(d, D) + 1))
""",
        ),
        (
            "sums j up to d - 1 only (off by one)",
            """
def predicted_regions():
    return 1 + 10

def max_regions(d, D):
    return sum(comb(D, j) for j in range(min(d, D)))
""",
        ),
        (
            "swaps the arguments of comb",
            """
def predicted_regions():
    return 56

def max_regions(d, D):
    return sum(comb(d, j) for j in range(min(d, D) + 1))
""",
        ),
        (
            "counts every on/off pattern of the units, 2^D, whatever d is",
            """
def predicted_regions():
    return 2 ** 10

def max_regions(d, D):
    return 2 ** D
""",
        ),
        (
            "calls region_bound from Section 6 instead of writing the sum",
            """
def predicted_regions():
    return 56

def max_regions(d, D):
    return region_bound(d, D)
""",
        ),
        (
            "aliases region_bound from Section 6",
            """
def predicted_regions():
    return 56

max_regions = region_bound
""",
        ),
        (
            "right formula, but the prediction uses D^2 / 2 pairs instead of C(D, 2)",
            """
def predicted_regions():
    return 1 + 10 + 50

def max_regions(d, D):
    return sum(comb(D, j) for j in range(min(d, D) + 1))
""",
        ),
        (
            "the d = 2 formula for every d",
            """
def predicted_regions():
    return 56

def max_regions(d, D):
    return 1 + D + D * (D - 1) // 2
""",
        ),
        (
            "types in the answer for d = 2, D = 10",
            """
def predicted_regions():
    return 56

def max_regions(d, D):
    return 56
""",
        ),
        (
            "ignores min(d, D) and uses D choose j with j up to D",
            """
def predicted_regions():
    return 56

def max_regions(d, D):
    return sum(comb(D, j) for j in range(D + 1))
""",
        ),
    ],
    "ex2-answer": [
        (
            "uses np.abs (the closed form 1 - |2x - 1|)",
            """
def sawtooth(x, k):
    for _ in range(k):
        x = 1 - np.abs(2 * x - 1)
    return x
""",
        ),
        (
            "uses np.where",
            """
def sawtooth(x, k):
    for _ in range(k):
        x = np.where(x <= 0.5, 2 * x, 2 - 2 * x)
    return x
""",
        ),
        (
            "uses np.minimum",
            """
def sawtooth(x, k):
    for _ in range(k):
        x = np.minimum(2 * x, 2 - 2 * x)
    return x
""",
        ),
        (
            "uses comparisons as 0/1 masks",
            """
def sawtooth(x, k):
    for _ in range(k):
        x = 2 * x * (x <= 0.5) + (2 - 2 * x) * (x > 0.5)
    return x
""",
        ),
        (
            "wrong second slope: -2 instead of -4 (a clamp, not a fold)",
            """
def sawtooth(x, k):
    for _ in range(k):
        x = 2 * np.maximum(x, 0) - 2 * np.maximum(x - 0.5, 0)
    return x
""",
        ),
        (
            "composes k - 1 times (off by one)",
            """
def sawtooth(x, k):
    for _ in range(k - 1):
        x = 2 * np.maximum(x, 0) - 4 * np.maximum(x - 0.5, 0)
    return x
""",
        ),
        (
            "folds once, whatever k is",
            """
def sawtooth(x, k):
    return 2 * np.maximum(x, 0) - 4 * np.maximum(x - 0.5, 0)
""",
        ),
        (
            "calls the lessons' tent",
            """
def sawtooth(x, k):
    for _ in range(k):
        x = tent(x)
    return x
""",
        ),
        (
            "calls the lessons' sawtooth_target",
            """
def sawtooth(x, k):
    return sawtooth_target(x, k)
""",
        ),
        (
            "kink at the wrong place (x - 1 instead of x - 1/2)",
            """
def sawtooth(x, k):
    for _ in range(k):
        x = 2 * np.maximum(x, 0) - 4 * np.maximum(x - 1, 0)
    return x
""",
        ),
        (
            "modifies the input array in place",
            """
def sawtooth(x, k):
    for _ in range(k):
        x[...] = 2 * np.maximum(x, 0) - 4 * np.maximum(x - 0.5, 0)
    return x
""",
        ),
    ],
    "ex3-answer": [
        (
            "np.unique without axis: counts distinct booleans, not distinct rows",
            """
def count_regions(pre_activations):
    patterns = np.concatenate([z > 0 for z in pre_activations], axis=1)
    return len(np.unique(patterns))
""",
        ),
        (
            "looks at the last hidden layer only",
            """
def count_regions(pre_activations):
    return len(np.unique(pre_activations[-1] > 0, axis=0))
""",
        ),
        (
            "counts a unit at exactly 0 as on (>= 0)",
            """
def count_regions(pre_activations):
    patterns = np.concatenate([z >= 0 for z in pre_activations], axis=1)
    return len(np.unique(patterns, axis=0))
""",
        ),
        (
            "multiplies the per-layer counts",
            """
def count_regions(pre_activations):
    return int(np.prod([len(np.unique(z > 0, axis=0)) for z in pre_activations]))
""",
        ),
        (
            "adds the per-layer counts",
            """
def count_regions(pre_activations):
    return sum(len(np.unique(z > 0, axis=0)) for z in pre_activations)
""",
        ),
        (
            "keys each pattern by the number of units on (collisions)",
            """
def count_regions(pre_activations):
    patterns = np.concatenate([z > 0 for z in pre_activations], axis=1)
    return len(np.unique(patterns.sum(axis=1)))
""",
        ),
        (
            "first layer only, with a set of tuples",
            """
def count_regions(pre_activations):
    return len(set(map(tuple, pre_activations[0] > 0)))
""",
        ),
        (
            "stacks the layers along the points axis",
            """
def count_regions(pre_activations):
    patterns = np.concatenate([(z > 0).reshape(-1, 1) for z in pre_activations], axis=0)
    return len(np.unique(patterns, axis=0))
""",
        ),
    ],
}
