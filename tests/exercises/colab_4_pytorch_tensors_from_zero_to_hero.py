"""Wrong answers for colab_4_pytorch_tensors_from_zero_to_hero.ipynb: each must make its exercise's check fail."""

WRONG_ANSWERS = {
    "ex1-answer": [
        (
            "a Python double loop",
            """
def pairwise_sq_dists(A, B):
    out = torch.zeros(A.shape[0], B.shape[0], dtype=A.dtype, device=A.device)
    for i in range(A.shape[0]):
        for j in range(B.shape[0]):
            out[i, j] = ((A[i] - B[j]) ** 2).sum()
    return out
""",
        ),
        (
            "a list comprehension over the rows of A",
            """
def pairwise_sq_dists(A, B):
    return torch.stack([((a - B) ** 2).sum(-1) for a in A])
""",
        ),
        (
            "the shortcut torch.cdist",
            """
def pairwise_sq_dists(A, B):
    return torch.cdist(A, B) ** 2
""",
        ),
        (
            "sums over the wrong axis",
            """
def pairwise_sq_dists(A, B):
    return ((A[:, None, :] - B[None, :, :]) ** 2).sum(0)
""",
        ),
        (
            "distances, not squared distances",
            """
def pairwise_sq_dists(A, B):
    return ((A[:, None, :] - B[None, :, :]) ** 2).sum(-1).sqrt()
""",
        ),
        (
            "forgets to square (sum of differences)",
            """
def pairwise_sq_dists(A, B):
    return (A[:, None, :] - B[None, :, :]).abs().sum(-1)
""",
        ),
        (
            "goes through NumPy (CPU only, float64 out)",
            """
def pairwise_sq_dists(A, B):
    a, b = A.cpu().numpy(), B.cpu().numpy()
    return torch.from_numpy(((a[:, None, :] - b[None, :, :]) ** 2).sum(-1)).to(A.device)
""",
        ),
        (
            "NumPy broadcasting, converted back to the inputs' dtype (fails on a GPU)",
            """
def pairwise_sq_dists(A, B):
    a, b = np.asarray(A), np.asarray(B)
    return torch.from_numpy(((a[:, None, :] - b[None, :, :]) ** 2).sum(-1)).to(A)
""",
        ),
        (
            "casts to float32 (loses the float64 inputs' precision)",
            """
def pairwise_sq_dists(A, B):
    A, B = A.float(), B.float()
    return ((A[:, None, :] - B[None, :, :]) ** 2).sum(-1)
""",
        ),
        (
            "expands the square in float32 with the norms of A twice",
            """
def pairwise_sq_dists(A, B):
    return (A ** 2).sum(1)[:, None] + (A ** 2).sum(1)[:, None] - 2 * A @ B.T
""",
        ),
    ],
    "ex2-answer": [
        (
            "hard-codes the scaling for D = 8",
            """
def attention_scores(Q, K):
    return torch.einsum("btd,bsd->bts", Q, K) / math.sqrt(8)
""",
        ),
        (
            "no einsum: a matmul",
            """
def attention_scores(Q, K):
    return Q @ K.transpose(-2, -1) / math.sqrt(Q.shape[-1])
""",
        ),
        (
            "divides by D instead of sqrt(D)",
            """
def attention_scores(Q, K):
    return torch.einsum("btd,bsd->bts", Q, K) / Q.shape[-1]
""",
        ),
        (
            "scales by the number of queries T",
            """
def attention_scores(Q, K):
    return torch.einsum("btd,bsd->bts", Q, K) / math.sqrt(Q.shape[1])
""",
        ),
        (
            "transposed output (B, S, T)",
            """
def attention_scores(Q, K):
    return torch.einsum("btd,bsd->bst", Q, K) / math.sqrt(Q.shape[-1])
""",
        ),
        (
            "one einsum per batch element, in a loop",
            """
def attention_scores(Q, K):
    return torch.stack([torch.einsum("td,sd->ts", q, k) for q, k in zip(Q, K)]) / math.sqrt(Q.shape[-1])
""",
        ),
        (
            "forgets the scaling",
            """
def attention_scores(Q, K):
    return torch.einsum("btd,bsd->bts", Q, K)
""",
        ),
        (
            "sums over the batch too",
            """
def attention_scores(Q, K):
    return torch.einsum("btd,csd->bts", Q, K) / math.sqrt(Q.shape[-1])
""",
        ),
    ],
    "ex3-answer": [
        (
            "turns on requires_grad of x itself and fills x.grad",
            """
def grad_of(f, x):
    x.requires_grad_(True)
    f(x).backward()
    return x.grad
""",
        ),
        (
            "clone without detach: backpropagates into x when x requires grad",
            """
def grad_of(f, x):
    x_ = x.clone().requires_grad_(True)
    f(x_).backward()
    return x_.grad
""",
        ),
        (
            "create_graph=True: the returned gradient requires grad",
            """
def grad_of(f, x):
    x_ = x.detach().clone().requires_grad_(True)
    (g,) = torch.autograd.grad(f(x_), x_, create_graph=True)
    return g
""",
        ),
        (
            "finite differences instead of autograd",
            """
def grad_of(f, x):
    x = x.detach()
    g = torch.zeros_like(x).view(-1)
    for i in range(x.numel()):
        e = torch.zeros_like(x).view(-1)
        e[i] = 1e-6
        g[i] = (f(x + e.view_as(x)) - f(x - e.view_as(x))) / 2e-6
    return g.view_as(x)
""",
        ),
        (
            "returns the tuple from torch.autograd.grad",
            """
def grad_of(f, x):
    x_ = x.detach().clone().requires_grad_(True)
    return torch.autograd.grad(f(x_), x_)
""",
        ),
        (
            "returns the value of f, not its gradient",
            """
def grad_of(f, x):
    x_ = x.detach().clone().requires_grad_(True)
    y = f(x_)
    y.backward()
    return y.detach()
""",
        ),
        (
            "float32 copy: loses precision",
            """
def grad_of(f, x):
    x_ = x.detach().float().requires_grad_(True)
    f(x_).backward()
    return x_.grad.to(x.dtype)
""",
        ),
    ],
    "ex4-answer": [
        (
            "the buggy version: (N, 1) - (N,) broadcasts to (N, N)",
            """
def mse(pred, target):
    return ((pred - target) ** 2).mean()
""",
        ),
        (
            "squeeze(1): fails on (N,) predictions",
            """
def mse(pred, target):
    if pred.numel() != target.numel():
        raise ValueError("size mismatch")
    return ((pred.squeeze(1) - target) ** 2).mean()
""",
        ),
        (
            "reshapes but never raises ValueError",
            """
def mse(pred, target):
    return ((pred.reshape(-1) - target.reshape(-1)) ** 2).mean()
""",
        ),
        (
            "raises ValueError whenever the shapes differ",
            """
def mse(pred, target):
    if pred.shape != target.shape:
        raise ValueError("shape mismatch")
    return ((pred - target) ** 2).mean()
""",
        ),
        (
            "sum instead of mean",
            """
def mse(pred, target):
    if pred.numel() != target.numel():
        raise ValueError("size mismatch")
    return ((pred.reshape(-1) - target.reshape(-1)) ** 2).sum()
""",
        ),
        (
            "returns a Python float (cannot backpropagate)",
            """
def mse(pred, target):
    if pred.numel() != target.numel():
        raise ValueError("size mismatch")
    return ((pred.reshape(-1) - target.reshape(-1)) ** 2).mean().item()
""",
        ),
        (
            "F.mse_loss on the raw shapes",
            """
import torch.nn.functional as F

def mse(pred, target):
    if pred.numel() != target.numel():
        raise ValueError("size mismatch")
    return F.mse_loss(pred, target)
""",
        ),
        (
            "divides by N - 1",
            """
def mse(pred, target):
    if pred.numel() != target.numel():
        raise ValueError("size mismatch")
    return ((pred.reshape(-1) - target.reshape(-1)) ** 2).sum() / max(pred.numel() - 1, 1)
""",
        ),
    ],
}
