"""Wrong answers for colab_2_pytorch_neural_networks_tutorial.ipynb: each must make its exercise's check fail."""

WRONG_ANSWERS = {
    "ex1-answer": [
        (
            "a plain Python list: the layers are not registered",
            """
class MLP(nn.Module):
    def __init__(self, sizes):
        super().__init__()
        self.layers = [nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:])]

    def forward(self, x):
        for layer in self.layers[:-1]:
            x = torch.relu(layer(x))
        return self.layers[-1](x)
""",
        ),
        (
            "a ReLU after the last layer too",
            """
class MLP(nn.Module):
    def __init__(self, sizes):
        super().__init__()
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))

    def forward(self, x):
        for layer in self.layers:
            x = torch.relu(layer(x))
        return x
""",
        ),
        (
            "no activation at all: a linear map",
            """
class MLP(nn.Module):
    def __init__(self, sizes):
        super().__init__()
        self.layers = nn.Sequential(*[nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:])])

    def forward(self, x):
        return self.layers(x)
""",
        ),
        (
            "tanh instead of ReLU",
            """
class MLP(nn.Module):
    def __init__(self, sizes):
        super().__init__()
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))

    def forward(self, x):
        for layer in self.layers[:-1]:
            x = torch.tanh(layer(x))
        return self.layers[-1](x)
""",
        ),
        (
            "softmax on the output (probabilities, not logits)",
            """
class MLP(nn.Module):
    def __init__(self, sizes):
        super().__init__()
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))

    def forward(self, x):
        for layer in self.layers[:-1]:
            x = torch.relu(layer(x))
        return torch.softmax(self.layers[-1](x), dim=-1)
""",
        ),
        (
            "hard-codes the example's sizes",
            """
class MLP(nn.Module):
    def __init__(self, sizes):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 32), nn.ReLU(), nn.Linear(32, 10))

    def forward(self, x):
        return self.net(x)
""",
        ),
        (
            "only the first and the last size: one layer, hidden sizes ignored",
            """
class MLP(nn.Module):
    def __init__(self, sizes):
        super().__init__()
        self.fc = nn.Linear(sizes[0], sizes[-1])

    def forward(self, x):
        return self.fc(x)
""",
        ),
        (
            "off by one: range(len(sizes) - 2) leaves out the output layer",
            """
class MLP(nn.Module):
    def __init__(self, sizes):
        super().__init__()
        self.layers = nn.ModuleList(nn.Linear(sizes[i], sizes[i + 1]) for i in range(len(sizes) - 2))

    def forward(self, x):
        for layer in self.layers[:-1]:
            x = torch.relu(layer(x))
        return self.layers[-1](x)
""",
        ),
        (
            "leaky ReLU instead of ReLU",
            """
class MLP(nn.Module):
    def __init__(self, sizes):
        super().__init__()
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))

    def forward(self, x):
        for layer in self.layers[:-1]:
            x = F.leaky_relu(layer(x), 0.1)
        return self.layers[-1](x)
""",
        ),
    ],
    "ex2-answer": [
        (
            "log of softmax: -inf for logits of +-1000",
            """
def cross_entropy_from_logits(logits, y):
    probs = torch.softmax(logits, dim=1)
    return -torch.log(probs[torch.arange(len(y)), y]).mean()
""",
        ),
        (
            "logsumexp written without subtracting the max: overflows",
            """
def cross_entropy_from_logits(logits, y):
    return (torch.log(torch.exp(logits).sum(dim=1)) - logits[torch.arange(len(y)), y]).mean()
""",
        ),
        (
            "sum instead of mean",
            """
def cross_entropy_from_logits(logits, y):
    return (torch.logsumexp(logits, dim=1) - logits[torch.arange(len(y)), y]).sum()
""",
        ),
        (
            "logsumexp over the wrong axis",
            """
def cross_entropy_from_logits(logits, y):
    return (torch.logsumexp(logits, dim=0)[y] - logits[torch.arange(len(y)), y]).mean()
""",
        ),
        (
            "logits[:, y] picks a whole column per label: (N,) - (N, N)",
            """
def cross_entropy_from_logits(logits, y):
    return (torch.logsumexp(logits, dim=1) - logits[:, y]).mean()
""",
        ),
        (
            "the shortcut F.cross_entropy",
            """
def cross_entropy_from_logits(logits, y):
    return F.cross_entropy(logits, y)
""",
        ),
        (
            "the shortcut log_softmax + nll_loss",
            """
def cross_entropy_from_logits(logits, y):
    return F.nll_loss(F.log_softmax(logits, dim=1), y)
""",
        ),
        (
            "wrong sign",
            """
def cross_entropy_from_logits(logits, y):
    return (logits[torch.arange(len(y)), y] - torch.logsumexp(logits, dim=1)).mean()
""",
        ),
        (
            "log(softmax + 1e-7): finite, but wrong for large logits",
            """
def cross_entropy_from_logits(logits, y):
    probs = torch.softmax(logits, dim=1)
    return -torch.log(probs[torch.arange(len(y)), y] + 1e-7).mean()
""",
        ),
    ],
    "ex3-answer": [
        (
            "a fixed mask: the first p of the elements are always dropped",
            """
def my_dropout(x, p, training):
    if not training:
        return x
    mask = (torch.arange(x.numel(), device=x.device).reshape(x.shape) >= p * x.numel()).to(x.dtype)
    return x * mask / (1 - p)
""",
        ),
        (
            "a fixed mask: every element with index % 10 < 10 p",
            """
def my_dropout(x, p, training):
    if not training:
        return x
    mask = (torch.arange(x.numel(), device=x.device).reshape(x.shape) % 10 >= 10 * p).to(x.dtype)
    return x * mask / (1 - p)
""",
        ),
        (
            "reseeds the generator on every call: the same mask every time",
            """
def my_dropout(x, p, training):
    if not training:
        return x
    torch.manual_seed(0)
    mask = (torch.rand_like(x) >= p).to(x.dtype)
    return x * mask / (1 - p)
""",
        ),
        (
            "keeps with probability p instead of 1 - p",
            """
def my_dropout(x, p, training):
    if not training:
        return x
    mask = (torch.rand_like(x) < p).to(x.dtype)
    return x * mask / (1 - p)
""",
        ),
        (
            "forgets to rescale the kept elements",
            """
def my_dropout(x, p, training):
    if not training:
        return x
    return x * (torch.rand_like(x) >= p).to(x.dtype)
""",
        ),
        (
            "multiplies by (1 - p) instead of dividing",
            """
def my_dropout(x, p, training):
    if not training:
        return x
    return x * (torch.rand_like(x) >= p).to(x.dtype) * (1 - p)
""",
        ),
        (
            "one mask per column, shared by every row",
            """
def my_dropout(x, p, training):
    if not training:
        return x
    mask = (torch.rand(x.shape[-1], device=x.device) >= p).to(x.dtype)
    return x * mask / (1 - p)
""",
        ),
        (
            "ignores the training flag",
            """
def my_dropout(x, p, training):
    return x * (torch.rand_like(x) >= p).to(x.dtype) / (1 - p)
""",
        ),
        (
            "old-style dropout: scales by (1 - p) in evaluation mode",
            """
def my_dropout(x, p, training):
    if not training:
        return x * (1 - p)
    return x * (torch.rand_like(x) >= p).to(x.dtype) / (1 - p)
""",
        ),
        (
            "changes x in place",
            """
def my_dropout(x, p, training):
    if not training:
        return x
    with torch.no_grad():
        x.mul_((torch.rand_like(x) >= p).to(x.dtype)).div_(1 - p)
    return x
""",
        ),
        (
            "draws the mask with NumPy's global generator: torch.manual_seed does not reproduce it",
            """
def my_dropout(x, p, training):
    if not training:
        return x
    mask = torch.from_numpy(np.random.rand(*x.shape) >= p).to(x.device, x.dtype)
    return x * mask / (1 - p)
""",
        ),
        (
            "the same mask for the whole row (drops whole examples)",
            """
def my_dropout(x, p, training):
    if not training:
        return x
    mask = (torch.rand(*x.shape[:-1], 1, device=x.device) >= p).to(x.dtype)
    return x * mask / (1 - p)
""",
        ),
    ],
}
