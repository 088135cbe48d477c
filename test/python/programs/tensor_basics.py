import math
import torch

# Cases exercising the torch shim's Tensor surface. Each prints what PyTorch prints; the expected
# output (tensor_basics.out) comes from real PyTorch (test/fixtures/gen_python_programs.py).


def case_python_numbers():
    x = torch.tensor(3.0, requires_grad=True)
    print(x + 1, 1 + x, x - 1, 1 - x)
    print(x * 2, 2 * x, x / 2, 2 / x)
    print(x * 2.5, 2.5 * x, x / 0.5, 0.5 / x)
    print(x ** 2, 2 ** x, x ** 0.5, 2.0 ** x)
    print(-x, abs(-x), +x)
    i = torch.tensor([1, 2, 3])
    print(i + 1, i * 2, i / 2, i * 0.5, 1 - i, i ** 2)
    print(i + True, torch.tensor([True, False]) + 1)


def case_math_and_floats():
    x = torch.tensor(3.0, requires_grad=True)
    y = 2 * x * math.cos(x**2)
    print(y)
    print(float(x), int(x), math.sqrt(x), round(float(x) / 7, 3))
    print(f"{x}", f"{x:.2f}", f"{x:8.3f}|", f"{torch.tensor(7)}", f"{torch.tensor(7):03d}")
    print("loss = {:.4f}".format(torch.tensor(0.123456)))
    print(f"{torch.tensor([1.0, 2.0])}")
    print(x.item(), type(x.item()).__name__, torch.tensor(5).item(), torch.tensor(True).item())


def case_shapes():
    a = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    print(a.shape, a.size(), a.size(1), a.size(-1), a.dim(), a.ndim, a.numel(), len(a))
    print(a.dtype, torch.tensor(1).dtype, torch.tensor(True).dtype, a.shape[0], a.shape == (2, 3))
    print(a.T)
    print(a.view(3, 2))
    print(a.reshape(-1))
    print(a.flatten(), a.unsqueeze(0).shape, a.unsqueeze(0).squeeze().shape)
    print(a.tolist(), torch.tensor(2.5).tolist())
    print(list(a.shape), tuple(a.shape), torch.Size([2, 3]))


def case_indexing():
    a = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    print(a[0])
    print(a[:, 1])
    print(a[1, 2])
    print(a[..., -1])
    print(a[:, None].shape)
    print(a[a > 2])
    print(a[[1, 0]])
    s = a[0, 1:]
    s.sum().backward()
    print(a.grad)
    b = torch.zeros(3)
    b[1] = 5
    b[2:] = torch.tensor([7.0])
    print(b)


def case_iteration():
    a = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    for row in a:
        print(row)
    total = sum(r.sum() for r in a)
    print(total)
    print([v.item() for v in torch.tensor([1.5, 2.5])])


def case_reductions():
    a = torch.tensor([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]], requires_grad=True)
    print(a.sum(), a.sum(0), a.sum(dim=1, keepdim=True))
    print(a.mean(), a.mean(dim=0))
    print(a.max(), a.min())
    print(a.max(dim=1))
    values, indices = torch.max(a, 0)
    print(values, indices)
    print(torch.argmax(a), a.argmax(dim=1))
    print(a.std(), a.var(dim=1))
    print(torch.softmax(a, dim=1))
    print(a.logsumexp(dim=0))


def case_comparisons():
    a = torch.tensor([1.0, 2.0, 3.0])
    print(a > 2, a == 2.0, 2 < a, a != a)
    print(bool(torch.tensor(1.0) > 0), (a > 0).all(), (a > 2).any())
    if a.sum() > 5:
        print("big")
    try:
        if a > 1:
            pass
    except RuntimeError as e:
        print("RuntimeError:", e)


def case_inplace_and_no_grad():
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    loss = (w * w).sum()
    loss.backward()
    with torch.no_grad():
        w -= 0.1 * w.grad
    print(w, w.requires_grad, w.is_leaf)
    w.grad.zero_()
    print(w.grad)
    try:
        w += 1
    except RuntimeError as e:
        print("RuntimeError:", e)
    print(torch.is_grad_enabled())
    with torch.no_grad():
        print(torch.is_grad_enabled())
        with torch.enable_grad():
            z = w * 2
        print(z.requires_grad)
    print(torch.is_grad_enabled())

    @torch.no_grad()
    def f(t):
        return t * 2

    print(f(w).requires_grad)
    torch.set_grad_enabled(False)
    print((w * 2).requires_grad)
    torch.set_grad_enabled(True)
    print((w * 2).requires_grad)


def case_autograd_api():
    x = torch.tensor(2.0, requires_grad=True)
    y = x**3
    (g,) = torch.autograd.grad(y, x)
    print(g, x.grad)
    z = x * x
    z.retain_grad()
    out = z * 3
    out.backward()
    print(z.grad, x.grad)
    seen = []
    h = x.register_hook(lambda grad: seen.append(grad.item()))
    (x * 5).backward()
    print(seen, x.grad)
    h.remove()
    (x * 5).backward()
    print(seen, x.grad)
    v = torch.tensor([1.0, 2.0], requires_grad=True)
    u = v * 2
    u.backward(torch.tensor([1.0, 0.5]))
    print(v.grad)
    print(u.grad_fn.name(), u.grad_fn.next_functions[0][0].__class__.__name__)
    print(type(v.grad_fn), u.requires_grad, u.detach().requires_grad)
    a = torch.tensor(1.0, requires_grad=True)
    b = a * 2
    b.backward(retain_graph=True)
    b.backward()
    print(a.grad)
    q = (a.exp() * 2).sum()
    q.backward()
    try:
        q.backward()
    except RuntimeError as e:
        print(str(e)[:40])


def case_errors():
    a = torch.tensor([1.0, 2.0, 3.0])
    b = torch.tensor([1.0, 2.0])
    for fn in (lambda: a + b, lambda: a[5], lambda: torch.tensor([[1, 2], [3]]), lambda: a.view(2, 2)):
        try:
            fn()
        except Exception as e:
            print(type(e).__name__ + ":", e)
    try:
        torch.tensor([1, 2], requires_grad=True)
    except RuntimeError as e:
        print("RuntimeError:", e)
    try:
        torch.ones(2, 3) @ torch.ones(2, 3)
    except RuntimeError as e:
        print("RuntimeError:", e)
    try:
        len(torch.tensor(1.0))
    except TypeError as e:
        print("TypeError:", e)


def case_creation():
    torch.manual_seed(0)
    print(torch.zeros(2, 3), torch.ones(2), torch.full((2,), 7), torch.full((2,), 0.5))
    print(torch.arange(5), torch.arange(0, 1, 0.25), torch.linspace(0, 1, 5))
    print(torch.eye(2), torch.zeros_like(torch.ones(2, 2)), torch.ones(3, dtype=torch.int64))
    print(torch.rand(3))
    print(torch.randn(2, 2))
    print(torch.randint(0, 10, (5,)))
    print(torch.tensor([[1, 2], [3, 4]]).float(), torch.tensor([1.7, -1.7]).long())
    print(torch.cat([torch.ones(2), torch.zeros(1)]), torch.stack([torch.ones(2), torch.zeros(2)]))
    print(torch.where(torch.tensor([True, False]), torch.tensor([1.0, 2.0]), 0.0))


for _name in [n for n in list(globals()) if n.startswith("case_")]:
    print("### " + _name)
    try:
        globals()[_name]()
    except Exception as _e:
        print("!! " + type(_e).__name__ + ": " + str(_e).split(chr(10))[0])
