import torch

# erf/erfc/erfinv, atan2, fmod, lerp, hypot, logaddexp, clamp with tensor bounds, meshgrid, cdist,
# torch.linalg norms and kron: values, grads, grad_fn names and errors, vs PyTorch.


def err(f):
    try:
        r = f()
        print(r)
    except Exception as e:
        print(type(e).__name__, e)


def case_erf_family():
    x = torch.tensor([-2.5, -1.0, -0.3, 0.0, 0.2, 0.7, 1.5, 3.0], requires_grad=True)
    for name in ["erf", "erfc"]:
        y = getattr(torch, name)(x)
        y.sum().backward()
        print(name, y, y.grad_fn.name(), x.grad)
        x.grad = None
    p = torch.tensor([-0.95, -0.5, 0.0, 0.3, 0.69, 0.71, 0.99], requires_grad=True)
    y = torch.erfinv(p)
    (y * torch.arange(7.0)).sum().backward()
    print(y, y.grad_fn.name(), p.grad)
    print(x.erf(), p.erfinv(), torch.erf(torch.tensor([1, 2])), torch.erfinv(torch.tensor([1.0, -1.0, 2.0])))
    torch.manual_seed(0)
    z = torch.randn(300) * 2
    print(torch.erf(z).sum().item(), torch.erfc(z).sum().item(), torch.erfinv(torch.rand(300) * 2 - 1).sum().item())
    print([f"{v:.9g}" for v in torch.erf(z[:6]).tolist()], [f"{v:.9g}" for v in torch.erfc(z[:6]).tolist()])


def case_binary_math():
    a = torch.tensor([[1.0, -2.0, 0.5], [3.0, 0.0, -1.5]], requires_grad=True)
    b = torch.tensor([2.0, -0.5, 1.25], requires_grad=True)
    for name in ["atan2", "hypot", "logaddexp", "fmod"]:
        y = getattr(torch, name)(a, b)
        (y * torch.tensor([1.0, 2.0, 3.0])).sum().backward()
        print(name, y, y.grad_fn.name(), a.grad, b.grad)
        a.grad = None
        b.grad = None
    y = torch.fmod(a, 1.5)
    y.sum().backward()
    print(y, y.grad_fn.name(), a.grad)
    a.grad = None
    print(torch.fmod(torch.tensor([-7, 7, 5]), 3), torch.fmod(torch.tensor([-7.5, 7.5]), -2), a.atan2(b), a.fmod(2), a.hypot(b), a.logaddexp(b))
    err(lambda: torch.atan2(a, 2.0))
    err(lambda: torch.hypot(torch.tensor([1, 2]), torch.tensor([3, 4])))
    err(lambda: torch.fmod(torch.tensor([1, 2]), 0))
    err(lambda: torch.logaddexp(torch.tensor([1, 2]), torch.tensor([1, 2])))
    print(torch.logaddexp(torch.tensor([float("inf"), -float("inf"), 100.0]), torch.tensor([float("inf"), -float("inf"), -100.0])))


def case_lerp():
    s = torch.tensor([0.0, 1.0, -2.0, 4.0], requires_grad=True)
    e = torch.tensor([1.0, 3.0, 2.0, -4.0], requires_grad=True)
    for w in [0.3, 0.75, 2.0]:
        y = torch.lerp(s, e, w)
        (y * torch.tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
        print(w, y, y.grad_fn.name(), s.grad, e.grad)
        s.grad = None
        e.grad = None
    w = torch.tensor([0.1, 0.5, 0.9, -0.2], requires_grad=True)
    y = s.lerp(e, w)
    y.sum().backward()
    print(y, y.grad_fn.name(), s.grad, e.grad, w.grad)
    err(lambda: torch.lerp(s, torch.tensor([1, 2, 3, 4]), 0.5))


def case_clamp_tensor():
    x = torch.tensor([-2.0, -0.5, 0.5, 2.0, 1.0], requires_grad=True)
    lo = torch.tensor([-1.0, 0.0, 0.0, 0.0, 2.0], requires_grad=True)
    hi = torch.tensor([1.0, 1.0, 0.25, 3.0, 0.5], requires_grad=True)
    for kw in [dict(min=lo), dict(max=hi), dict(min=lo, max=hi)]:
        y = torch.clamp(x, **kw)
        (y * torch.arange(1.0, 6.0)).sum().backward()
        print(sorted(kw), y, y.grad_fn.name(), x.grad, lo.grad, hi.grad)
        for t in (x, lo, hi):
            t.grad = None
    print(x.clamp(lo, hi), x.clamp(min=torch.tensor(0.0)), x.clip(max=hi))
    err(lambda: torch.clamp(x, lo, 2.0))


def case_meshgrid():
    a = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = torch.tensor([10.0, 20.0], requires_grad=True)
    for ind in ["ij", "xy"]:
        g1, g2 = torch.meshgrid(a, b, indexing=ind)
        print(ind, g1, g2, g1.grad_fn.name())
        (g1 * g2).sum().backward()
        print(a.grad, b.grad)
        a.grad = None
        b.grad = None
    gs = torch.meshgrid([a, b, torch.tensor([5.0])], indexing="xy")
    print([tuple(g.shape) for g in gs])
    err(lambda: torch.meshgrid(a, b, indexing="yx"))


def case_cdist_norm_kron():
    x1 = torch.tensor([[0.0, 1.0], [2.0, -1.0], [1.5, 0.5]], requires_grad=True)
    x2 = torch.tensor([[1.0, 1.0], [0.0, 1.0]], requires_grad=True)
    d = torch.cdist(x1, x2)
    (d * torch.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])).sum().backward()
    print(d, d.grad_fn.name(), x1.grad, x2.grad)
    print(torch.cdist(x1.unsqueeze(0), x2.unsqueeze(0)))
    err(lambda: torch.cdist(torch.tensor([1.0]), x2))
    err(lambda: torch.cdist(x1, torch.ones(2, 3)))
    v = torch.tensor([3.0, -4.0, 1.0], requires_grad=True)
    n = torch.linalg.norm(v)
    n.backward()
    print(n, n.grad_fn.name(), v.grad)
    m = torch.tensor([[1.0, -2.0], [3.0, 4.0]])
    print(torch.linalg.vector_norm(v, ord=1), torch.linalg.vector_norm(v, ord=float("inf")), torch.linalg.norm(m), torch.linalg.vector_norm(m, dim=1), torch.linalg.norm(m, dim=0, keepdim=True), torch.linalg.vector_norm(m, 3))
    k = torch.kron(torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True), torch.tensor([[0.0, 1.0], [1.0, 0.5]]))
    print(k, k.grad_fn.name(), torch.kron(torch.tensor([1, 2]), torch.tensor([[1, 10]])))


for _name in [n for n in list(globals()) if n.startswith("case_")]:
    print("### " + _name)
    try:
        globals()[_name]()
    except Exception as _e:
        print("!! " + type(_e).__name__ + ": " + str(_e).split(chr(10))[0])
