"""Wrong answers for pytorch_advanced_tutorial.ipynb: each must make its exercise's check fail."""

WRONG_ANSWERS = {
    "ex1-answer": [
        (
            "backward uses the derivative of the sigmoid instead of SiLU's",
            """
class MySiLU(torch.autograd.Function):
    generate_vmap_rule = True

    @staticmethod
    def forward(x):
        return x * torch.sigmoid(x)

    @staticmethod
    def setup_context(ctx, inputs, output):
        (x,) = inputs
        ctx.save_for_backward(x)

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors
        s = torch.sigmoid(x)
        return grad_out * s * (1 - s)
""",
        ),
        (
            "backward forgets to multiply by grad_out",
            """
class MySiLU(torch.autograd.Function):
    generate_vmap_rule = True

    @staticmethod
    def forward(x):
        return x * torch.sigmoid(x)

    @staticmethod
    def setup_context(ctx, inputs, output):
        (x,) = inputs
        ctx.save_for_backward(x)

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors
        s = torch.sigmoid(x)
        return s * (1 + x * (1 - s))
""",
        ),
        (
            "backward drops the second term of the product rule",
            """
class MySiLU(torch.autograd.Function):
    generate_vmap_rule = True

    @staticmethod
    def forward(x):
        return x * torch.sigmoid(x)

    @staticmethod
    def setup_context(ctx, inputs, output):
        (x,) = inputs
        ctx.save_for_backward(x)

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors
        return grad_out * torch.sigmoid(x)
""",
        ),
        (
            "sign slip: 1 + x * sigmoid(x) instead of 1 + x * (1 - sigmoid(x))",
            """
class MySiLU(torch.autograd.Function):
    generate_vmap_rule = True

    @staticmethod
    def forward(x):
        return x * torch.sigmoid(x)

    @staticmethod
    def setup_context(ctx, inputs, output):
        (x,) = inputs
        ctx.save_for_backward(x)

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors
        s = torch.sigmoid(x)
        return grad_out * s * (1 + x * s)
""",
        ),
        (
            "unstable forward x * e^x / (1 + e^x): inf / inf = NaN for large x",
            """
class MySiLU(torch.autograd.Function):
    generate_vmap_rule = True

    @staticmethod
    def forward(x):
        return x * torch.exp(x) / (1 + torch.exp(x))

    @staticmethod
    def setup_context(ctx, inputs, output):
        (x,) = inputs
        ctx.save_for_backward(x)

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors
        s = torch.sigmoid(x)
        return grad_out * s * (1 + x * (1 - s))
""",
        ),
        (
            "the forbidden shortcut: forward calls F.silu",
            """
class MySiLU(torch.autograd.Function):
    generate_vmap_rule = True

    @staticmethod
    def forward(x):
        return F.silu(x)

    @staticmethod
    def setup_context(ctx, inputs, output):
        (x,) = inputs
        ctx.save_for_backward(x)

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors
        s = torch.sigmoid(x)
        return grad_out * s * (1 + x * (1 - s))
""",
        ),
        (
            "the forbidden shortcut: backward asks autograd for the derivative",
            """
class MySiLU(torch.autograd.Function):
    generate_vmap_rule = True

    @staticmethod
    def forward(x):
        return x * torch.sigmoid(x)

    @staticmethod
    def setup_context(ctx, inputs, output):
        (x,) = inputs
        ctx.save_for_backward(x)

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors
        with torch.enable_grad():
            z = x.detach().requires_grad_(True)
            (g,) = torch.autograd.grad(z * torch.sigmoid(z), z, grad_out)
        return g
""",
        ),
        (
            "the older combined style, forward(ctx, x) saving the tensors itself: right with .backward(), refused by torch.func",
            """
class MySiLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * torch.sigmoid(x)

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors
        s = torch.sigmoid(x)
        return grad_out * s * (1 + x * (1 - s))
""",
        ),
        (
            "setup_context saves the output and backward treats it as the input",
            """
class MySiLU(torch.autograd.Function):
    generate_vmap_rule = True

    @staticmethod
    def forward(x):
        return x * torch.sigmoid(x)

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(output)

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors
        s = torch.sigmoid(x)
        return grad_out * s * (1 + x * (1 - s))
""",
        ),
    ],
    "ex2-answer": [
        (
            "the forbidden shortcut: builds the full Hessian with torch.func.hessian",
            """
def hvp(f, x, v):
    H = hessian(f)(x).reshape(x.numel(), x.numel())
    return (H @ v.flatten()).reshape(x.shape)
""",
        ),
        (
            "the forbidden shortcut: torch.autograd.functional.hvp",
            """
def hvp(f, x, v):
    return torch.autograd.functional.hvp(f, x, v)[1]
""",
        ),
        (
            "builds the Hessian row by row with one backward pass per coordinate",
            """
def hvp(f, x, v):
    x = x.detach().requires_grad_(True)
    (g,) = torch.autograd.grad(f(x), x, create_graph=True)
    g = g.flatten()
    rows = [torch.autograd.grad(g[i], x, retain_graph=True)[0].flatten() for i in range(g.numel())]
    return (torch.stack(rows) @ v.flatten()).reshape(x.shape)
""",
        ),
        (
            "g @ v: right for vectors only, fails for matrices",
            """
def hvp(f, x, v):
    x = x.detach().requires_grad_(True)
    (g,) = torch.autograd.grad(f(x), x, create_graph=True)
    (Hv,) = torch.autograd.grad(g @ v, x)
    return Hv
""",
        ),
        (
            "returns the gradient times v (first order only)",
            """
def hvp(f, x, v):
    x = x.detach().requires_grad_(True)
    (g,) = torch.autograd.grad(f(x), x)
    return g * v
""",
        ),
        (
            "returns the scalar v^T H v instead of the vector H v",
            """
def hvp(f, x, v):
    x = x.detach().requires_grad_(True)
    (g,) = torch.autograd.grad(f(x), x, create_graph=True)
    (Hv,) = torch.autograd.grad((g * v).sum(), x)
    return (Hv * v).sum()
""",
        ),
        (
            "differentiates g . v with respect to v instead of x",
            """
def hvp(f, x, v):
    x = x.detach().requires_grad_(True)
    v = v.detach().requires_grad_(True)
    (g,) = torch.autograd.grad(f(x), x, create_graph=True)
    (out,) = torch.autograd.grad((g * v).sum(), v)
    return out
""",
        ),
    ],
    "ex3-answer": [
        (
            "the forbidden shortcut: F.scaled_dot_product_attention",
            """
def causal_attention(q, k, v):
    return F.scaled_dot_product_attention(q, k, v, is_causal=True)
""",
        ),
        (
            "the forbidden shortcut: section 6's attention helper",
            """
def causal_attention(q, k, v):
    return attention(q, k, v, causal=True)[0]
""",
        ),
        (
            "mask includes the diagonal (triu(0)): the first query sees nothing, NaN",
            """
def causal_attention(q, k, v):
    T = q.shape[-2]
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    future = torch.ones(T, T, dtype=torch.bool, device=q.device).triu(0)
    scores = scores.masked_fill(future, float("-inf"))
    return torch.softmax(scores, dim=-1) @ v
""",
        ),
        (
            "mask the wrong triangle: forbids the past instead of the future",
            """
def causal_attention(q, k, v):
    T = q.shape[-2]
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    past = torch.ones(T, T, dtype=torch.bool, device=q.device).tril(-1)
    scores = scores.masked_fill(past, float("-inf"))
    return torch.softmax(scores, dim=-1) @ v
""",
        ),
        (
            "divides by d instead of sqrt(d)",
            """
def causal_attention(q, k, v):
    T = q.shape[-2]
    scores = q @ k.transpose(-2, -1) / q.shape[-1]
    future = torch.ones(T, T, dtype=torch.bool, device=q.device).triu(1)
    scores = scores.masked_fill(future, float("-inf"))
    return torch.softmax(scores, dim=-1) @ v
""",
        ),
        (
            "softmax over the queries (dim=-2) instead of the keys",
            """
def causal_attention(q, k, v):
    T = q.shape[-2]
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    future = torch.ones(T, T, dtype=torch.bool, device=q.device).triu(1)
    scores = scores.masked_fill(future, float("-inf"))
    return torch.softmax(scores, dim=-2) @ v
""",
        ),
        (
            "hand-written softmax without subtracting the row max: overflows for large scores",
            """
def causal_attention(q, k, v):
    T = q.shape[-2]
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    future = torch.ones(T, T, dtype=torch.bool, device=q.device).triu(1)
    e = torch.exp(scores).masked_fill(future, 0.0)
    return (e / e.sum(-1, keepdim=True)) @ v
""",
        ),
        (
            "masks by zeroing the scores instead of setting them to -inf",
            """
def causal_attention(q, k, v):
    T = q.shape[-2]
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    allowed = torch.ones(T, T, device=q.device, dtype=q.dtype).tril()
    return torch.softmax(scores * allowed, dim=-1) @ v
""",
        ),
    ],
    "ex4-answer": [
        (
            "forgets opt.zero_grad(): stale gradients are added to the new ones",
            """
def train_step(model, opt, sched, xb, yb, max_norm):
    loss = F.cross_entropy(model(xb), yb)
    loss.backward()
    norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    opt.step()
    sched.step()
    return float(norm)
""",
        ),
        (
            "clips after the optimizer step",
            """
def train_step(model, opt, sched, xb, yb, max_norm):
    loss = F.cross_entropy(model(xb), yb)
    opt.zero_grad()
    loss.backward()
    opt.step()
    norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    sched.step()
    return float(norm)
""",
        ),
        (
            "steps the scheduler before the optimizer",
            """
def train_step(model, opt, sched, xb, yb, max_norm):
    loss = F.cross_entropy(model(xb), yb)
    opt.zero_grad()
    loss.backward()
    norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    sched.step()
    opt.step()
    return float(norm)
""",
        ),
        (
            "returns the norm after clipping",
            """
def train_step(model, opt, sched, xb, yb, max_norm):
    loss = F.cross_entropy(model(xb), yb)
    opt.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    norm = torch.sqrt(sum((p.grad ** 2).sum() for p in model.parameters()))
    opt.step()
    sched.step()
    return float(norm)
""",
        ),
        (
            "clips each parameter's gradient separately instead of the global norm",
            """
def train_step(model, opt, sched, xb, yb, max_norm):
    loss = F.cross_entropy(model(xb), yb)
    opt.zero_grad()
    loss.backward()
    norm = torch.sqrt(sum((p.grad ** 2).sum() for p in model.parameters()))
    for p in model.parameters():
        torch.nn.utils.clip_grad_norm_([p], max_norm)
    opt.step()
    sched.step()
    return float(norm)
""",
        ),
        (
            "clips by value instead of by norm",
            """
def train_step(model, opt, sched, xb, yb, max_norm):
    loss = F.cross_entropy(model(xb), yb)
    opt.zero_grad()
    loss.backward()
    norm = torch.sqrt(sum((p.grad ** 2).sum() for p in model.parameters()))
    torch.nn.utils.clip_grad_value_(model.parameters(), max_norm)
    opt.step()
    sched.step()
    return float(norm)
""",
        ),
        (
            "always rescales the gradient to max_norm, even when it is smaller",
            """
def train_step(model, opt, sched, xb, yb, max_norm):
    loss = F.cross_entropy(model(xb), yb)
    opt.zero_grad()
    loss.backward()
    norm = torch.sqrt(sum((p.grad ** 2).sum() for p in model.parameters()))
    for p in model.parameters():
        p.grad.mul_(max_norm / norm)
    opt.step()
    sched.step()
    return float(norm)
""",
        ),
        (
            "returns the norm as a tensor, not a Python float",
            """
def train_step(model, opt, sched, xb, yb, max_norm):
    loss = F.cross_entropy(model(xb), yb)
    opt.zero_grad()
    loss.backward()
    norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    opt.step()
    sched.step()
    return norm
""",
        ),
    ],
}
