"""Wrong answers for Colab_1_neural_networks_from_scratch.ipynb: each must make its exercise's check fail."""

LEAKY_HEAD = """
class LeakyReLU:
    def __init__(self, alpha=0.1):
        self.alpha = alpha
        self.params, self.grads = {}, {}

    def forward(self, x):
        self.x = x
        return np.where(x > 0, x, self.alpha * x)

    def backward(self, dout):
"""

RMSPROP_HEAD = """
class RMSProp(Optimizer):
    def __init__(self, lr=1e-3, rho=0.9, eps=1e-8, weight_decay=0.0):
        super().__init__(lr, weight_decay)
        self.rho, self.eps, self.s = rho, eps, None

    def step(self, pairs):
"""

WRONG_ANSWERS = {
    "ex1-answer": [
        (
            "hard-codes alpha = 0.1 instead of using self.alpha",
            LEAKY_HEAD
            + """
        return dout * np.where(self.x > 0, 1.0, 0.1)
""",
        ),
        (
            "returns the local derivative and forgets to multiply by dout",
            LEAKY_HEAD
            + """
        return np.where(self.x > 0, 1.0, self.alpha)
""",
        ),
        (
            "ReLU's backward: no gradient at all for negative inputs",
            LEAKY_HEAD
            + """
        return dout * (self.x > 0)
""",
        ),
        (
            "takes the mask from dout instead of from the cached input",
            LEAKY_HEAD
            + """
        return np.where(dout > 0, dout, self.alpha * dout)
""",
        ),
        (
            "alpha on the wrong side: scales the positive inputs' gradient",
            LEAKY_HEAD
            + """
        return dout * np.where(self.x > 0, self.alpha, 1.0)
""",
        ),
        (
            "caches the input only on the first forward, so later backwards use a stale mask",
            """
class LeakyReLU:
    def __init__(self, alpha=0.1):
        self.alpha = alpha
        self.params, self.grads = {}, {}
        self.x = None

    def forward(self, x):
        if self.x is None:
            self.x = x
        return np.where(x > 0, x, self.alpha * x)

    def backward(self, dout):
        return dout * np.where(self.x > 0, 1.0, self.alpha)
""",
        ),
    ],
    "ex2-answer": [
        (
            "forgets the factor 2 of the derivative",
            """
class MSELoss:
    def forward(self, pred, target):
        self.diff = pred - target
        return np.mean(self.diff ** 2)

    def backward(self):
        return self.diff / self.diff.size
""",
        ),
        (
            "divides by N (the rows) instead of N * D (all entries)",
            """
class MSELoss:
    def forward(self, pred, target):
        self.diff = pred - target
        return np.sum(self.diff ** 2) / len(pred)

    def backward(self):
        return 2.0 * self.diff / len(self.diff)
""",
        ),
        (
            "sign error: the gradient of (target - pred)^2 taken with respect to the target",
            """
class MSELoss:
    def forward(self, pred, target):
        self.diff = target - pred
        return np.mean(self.diff ** 2)

    def backward(self):
        return 2.0 * self.diff / self.diff.size
""",
        ),
        (
            "forward sums instead of averaging",
            """
class MSELoss:
    def forward(self, pred, target):
        self.diff = pred - target
        return np.sum(self.diff ** 2)

    def backward(self):
        return 2.0 * self.diff / self.diff.size
""",
        ),
        (
            "backward forgets the 1/(ND)",
            """
class MSELoss:
    def forward(self, pred, target):
        self.diff = pred - target
        return np.mean(self.diff ** 2)

    def backward(self):
        return 2.0 * self.diff
""",
        ),
        (
            "hard-codes the size of a 5 x 3 batch",
            """
class MSELoss:
    def forward(self, pred, target):
        self.diff = pred - target
        return np.sum(self.diff ** 2) / 15

    def backward(self):
        return 2.0 * self.diff / 15
""",
        ),
        (
            "subtracts the target from the predictions in place (pred -= target)",
            """
class MSELoss:
    def forward(self, pred, target):
        pred -= target
        self.diff = pred
        return np.mean(self.diff ** 2)

    def backward(self):
        return 2.0 * self.diff / self.diff.size
""",
        ),
    ],
    "ex3-answer": [
        (
            "ignores weight decay: uses the raw gradient",
            RMSPROP_HEAD
            + """
        if self.s is None:
            self.s = [np.zeros_like(p) for p, _ in pairs]
        for (p, g), s in zip(pairs, self.s):
            s *= self.rho
            s += (1 - self.rho) * g ** 2
            p -= self.lr * g / (np.sqrt(s) + self.eps)
""",
        ),
        (
            "decays the biases too (adds weight_decay * p to every gradient)",
            RMSPROP_HEAD
            + """
        if self.s is None:
            self.s = [np.zeros_like(p) for p, _ in pairs]
        for (p, g), s in zip(pairs, self.s):
            g = g + self.weight_decay * p
            s *= self.rho
            s += (1 - self.rho) * g ** 2
            p -= self.lr * g / (np.sqrt(s) + self.eps)
""",
        ),
        (
            "forgets the square root",
            RMSPROP_HEAD
            + """
        if self.s is None:
            self.s = [np.zeros_like(p) for p, _ in pairs]
        for (p, g), s in zip(pairs, self.s):
            g = self.grad_with_decay(p, g)
            s *= self.rho
            s += (1 - self.rho) * g ** 2
            p -= self.lr * g / (s + self.eps)
""",
        ),
        (
            "starts s at g^2 instead of 0",
            RMSPROP_HEAD
            + """
        first = self.s is None
        if first:
            self.s = [np.zeros_like(p) for p, _ in pairs]
        for (p, g), s in zip(pairs, self.s):
            g = self.grad_with_decay(p, g)
            if first:
                s += g ** 2
            else:
                s *= self.rho
                s += (1 - self.rho) * g ** 2
            p -= self.lr * g / (np.sqrt(s) + self.eps)
""",
        ),
        (
            "rebinds p instead of updating it in place",
            RMSPROP_HEAD
            + """
        if self.s is None:
            self.s = [np.zeros_like(p) for p, _ in pairs]
        for (p, g), s in zip(pairs, self.s):
            g = self.grad_with_decay(p, g)
            s *= self.rho
            s += (1 - self.rho) * g ** 2
            p = p - self.lr * g / (np.sqrt(s) + self.eps)
""",
        ),
        (
            "swaps rho and 1 - rho",
            RMSPROP_HEAD
            + """
        if self.s is None:
            self.s = [np.zeros_like(p) for p, _ in pairs]
        for (p, g), s in zip(pairs, self.s):
            g = self.grad_with_decay(p, g)
            s *= 1 - self.rho
            s += self.rho * g ** 2
            p -= self.lr * g / (np.sqrt(s) + self.eps)
""",
        ),
        (
            "puts eps inside the square root",
            RMSPROP_HEAD
            + """
        if self.s is None:
            self.s = [np.zeros_like(p) for p, _ in pairs]
        for (p, g), s in zip(pairs, self.s):
            g = self.grad_with_decay(p, g)
            s *= self.rho
            s += (1 - self.rho) * g ** 2
            p -= self.lr * g / np.sqrt(s + self.eps)
""",
        ),
        (
            "forgets the running mean: s = g^2 every step",
            RMSPROP_HEAD
            + """
        for p, g in pairs:
            g = self.grad_with_decay(p, g)
            s = g ** 2
            p -= self.lr * g / (np.sqrt(s) + self.eps)
""",
        ),
    ],
}
