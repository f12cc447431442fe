"""Wrong answers for calculus_for_deep_learning.ipynb: each must make its exercise's check fail."""

WRONG_ANSWERS = {
    "ex1-answer": [
        (
            "forward difference (f(x + h e) - f(x)) / h instead of the centred one",
            """
def numerical_gradient(f, x, h=1e-6):
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    f0 = f(x)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + h
        grad[idx] = (f(x) - f0) / h
        x[idx] = old
    return grad
""",
        ),
        (
            "divides by h instead of 2h",
            """
def numerical_gradient(f, x, h=1e-6):
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + h; f_plus = f(x)
        x[idx] = old - h; f_minus = f(x)
        x[idx] = old
        grad[idx] = (f_plus - f_minus) / h
    return grad
""",
        ),
        (
            "copies x but keeps its dtype: integer and float32 inputs lose the step",
            """
def numerical_gradient(f, x, h=1e-6):
    x = x.copy()
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + h; f_plus = f(x)
        x[idx] = old - h; f_minus = f(x)
        x[idx] = old
        grad[idx] = (f_plus - f_minus) / (2 * h)
    return grad
""",
        ),
        (
            "steps x in place and never puts the entry back",
            """
def numerical_gradient(f, x, h=1e-6):
    grad = np.zeros(np.shape(x))
    for idx in np.ndindex(np.shape(x)):
        x[idx] += h; f_plus = f(x)
        x[idx] -= 2 * h; f_minus = f(x)
        grad[idx] = (f_plus - f_minus) / (2 * h)
    return grad
""",
        ),
        (
            "loops over range(len(x)): right for vectors only",
            """
def numerical_gradient(f, x, h=1e-6):
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for i in range(len(x)):
        e = np.zeros_like(x)
        e[i] = h
        grad[i] = (f(x + e) - f(x - e)) / (2 * h)
    return grad
""",
        ),
        (
            "flattens x and calls f with the flat vector",
            """
def numerical_gradient(f, x, h=1e-6):
    flat = np.array(x, dtype=np.float64).ravel()
    grad = np.zeros_like(flat)
    for i in range(flat.size):
        e = np.zeros_like(flat)
        e[i] = h
        grad[i] = (f(flat + e) - f(flat - e)) / (2 * h)
    return grad.reshape(np.shape(x))
""",
        ),
        (
            "ignores the h argument and always steps by 1e-6",
            """
def numerical_gradient(f, x, h=1e-6):
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + 1e-6; f_plus = f(x)
        x[idx] = old - 1e-6; f_minus = f(x)
        x[idx] = old
        grad[idx] = (f_plus - f_minus) / 2e-6
    return grad
""",
        ),
    ],
    "ex2-answer": [
        (
            "= instead of += in the backward rule",
            """
def value_pow(self, k):
    out = Value(self.data ** k, (self,), f"**{k}")
    def _backward():
        self.grad = k * self.data ** (k - 1) * out.grad
    out._backward = _backward
    return out

Value.__pow__ = value_pow
Value.__truediv__ = lambda self, other: self * other ** -1
""",
        ),
        (
            "forgets the upstream gradient out.grad",
            """
def value_pow(self, k):
    out = Value(self.data ** k, (self,), f"**{k}")
    def _backward():
        self.grad += k * self.data ** (k - 1)
    out._backward = _backward
    return out

Value.__pow__ = value_pow
Value.__truediv__ = lambda self, other: self * other ** -1
""",
        ),
        (
            "derivative k * a^k instead of k * a^(k - 1)",
            """
def value_pow(self, k):
    out = Value(self.data ** k, (self,), f"**{k}")
    def _backward():
        self.grad += k * self.data ** k * out.grad
    out._backward = _backward
    return out

Value.__pow__ = value_pow
Value.__truediv__ = lambda self, other: self * other ** -1
""",
        ),
        (
            "forgets to record self as the parent: no gradient flows back",
            """
def value_pow(self, k):
    out = Value(self.data ** k)
    def _backward():
        self.grad += k * self.data ** (k - 1) * out.grad
    out._backward = _backward
    return out

Value.__pow__ = value_pow
Value.__truediv__ = lambda self, other: self * other ** -1
""",
        ),
        (
            "repeated multiplication: right for positive integers only",
            """
def value_pow(self, k):
    out = Value(1.0)
    for _ in range(int(k)):
        out = out * self
    return out

Value.__pow__ = value_pow
Value.__truediv__ = lambda self, other: self * other ** -1
""",
        ),
        (
            "returns a plain float instead of a Value",
            """
def value_pow(self, k):
    return self.data ** k

Value.__pow__ = value_pow
Value.__truediv__ = lambda self, other: self * other ** -1
""",
        ),
    ],
    "ex3-answer": [
        (
            "uniform probabilities and an all-zero Jacobian",
            """
def softmax(z):
    return np.full(len(z), 1.0 / len(z))

def softmax_jacobian(z):
    return np.zeros((len(z), len(z)))
""",
        ),
        (
            "does not subtract the max: exp overflows for large scores",
            """
def softmax(z):
    e = np.exp(z)
    return e / e.sum()

def softmax_jacobian(z):
    s = softmax(z)
    return np.diag(s) - np.outer(s, s)
""",
        ),
        (
            "only the diagonal s_i (1 - s_i): forgets the off-diagonal terms",
            """
def softmax(z):
    e = np.exp(z - np.max(z))
    return e / e.sum()

def softmax_jacobian(z):
    s = softmax(z)
    return np.diag(s * (1 - s))
""",
        ),
        (
            "sign flipped: s s^T - diag(s)",
            """
def softmax(z):
    e = np.exp(z - np.max(z))
    return e / e.sum()

def softmax_jacobian(z):
    s = softmax(z)
    return np.outer(s, s) - np.diag(s)
""",
        ),
        (
            "s @ s (a number) instead of the outer product s s^T",
            """
def softmax(z):
    e = np.exp(z - np.max(z))
    return e / e.sum()

def softmax_jacobian(z):
    s = softmax(z)
    return np.diag(s) - s @ s
""",
        ),
        (
            "stable softmax, but the Jacobian recomputes exp(z) without the max",
            """
def softmax(z):
    e = np.exp(z - np.max(z))
    return e / e.sum()

def softmax_jacobian(z):
    s = np.exp(z) / np.exp(z).sum()
    return np.diag(s) - np.outer(s, s)
""",
        ),
        (
            "normalises by the largest exp instead of the sum",
            """
def softmax(z):
    e = np.exp(z - np.max(z))
    return e / e.max()

def softmax_jacobian(z):
    s = softmax(z)
    return np.diag(s) - np.outer(s, s)
""",
        ),
    ],
    "ex4-answer": [
        (
            "1 / lambda_max: stable, but not the largest stable rate",
            """
def max_stable_lr(A):
    return 1.0 / np.linalg.eigvalsh(A).max()
""",
        ),
        (
            "eigvalsh sorts ascending: takes lambda_min",
            """
def max_stable_lr(A):
    return 2.0 / np.linalg.eigvalsh(A)[0]
""",
        ),
        (
            "2 / the largest diagonal entry instead of the largest eigenvalue",
            """
def max_stable_lr(A):
    return 2.0 / np.max(np.diag(A))
""",
        ),
        (
            "np.linalg.eig, which the statement rules out for symmetric matrices",
            """
def max_stable_lr(A):
    return 2.0 / np.linalg.eig(A)[0].real.max()
""",
        ),
        (
            "types in the value for the 2x2 matrix of section 6",
            """
def max_stable_lr(A):
    return 2.0 / 7.0
""",
        ),
        (
            "2 / the Frobenius norm of A",
            """
def max_stable_lr(A):
    return 2.0 / np.linalg.norm(A)
""",
        ),
        (
            "2 / the trace of A (the sum of the eigenvalues)",
            """
def max_stable_lr(A):
    return 2.0 / np.trace(A)
""",
        ),
    ],
}
