import math

import torch
import torch.nn as nn
import torch.nn.functional as F

# Patterns from teaching notebooks: hand-written training loops with .data updates, mini-batches,
# accuracy, argmax, random permutations, stack/cat, in-place updates under no_grad, hooks.


def case_linear_regression_by_hand():
    torch.manual_seed(42)
    X = torch.randn(20, 1)
    y = 3 * X + 2 + 0.1 * torch.randn(20, 1)
    w = torch.randn(1, requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    lr = 0.1
    for epoch in range(30):
        y_hat = X * w + b
        loss = ((y_hat - y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
            b -= lr * b.grad
        w.grad.zero_()
        b.grad.zero_()
        if epoch % 10 == 0:
            print(f"epoch {epoch}: loss={loss.item():.4f} w={w.item():.3f} b={b.item():.3f}")
    print(w, b)


def case_data_updates():
    w = torch.tensor([1.0, -2.0], requires_grad=True)
    for _ in range(3):
        loss = (w**2).sum()
        loss.backward()
        w.data -= 0.25 * w.grad.data
        w.grad.data.zero_()
    print(w, w.grad)
    w.data.mul_(2)
    print(w.data, w.requires_grad, w.data.requires_grad)


def case_minibatches_and_accuracy():
    torch.manual_seed(0)
    X = torch.randn(12, 3)
    labels = (X.sum(dim=1) > 0).long()
    model = nn.Sequential(nn.Linear(3, 5), nn.ReLU(), nn.Linear(5, 2))
    opt = torch.optim.SGD(model.parameters(), lr=0.3)
    perm = torch.randperm(12)
    print(perm)
    for epoch in range(5):
        total = 0.0
        for i in range(0, 12, 4):
            idx = perm[i : i + 4]
            xb, yb = X[idx], labels[idx]
            logits = model(xb)
            loss = F.cross_entropy(logits, yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * xb.shape[0]
        with torch.no_grad():
            pred = model(X).argmax(dim=1)
            acc = (pred == labels).float().mean()
        print(f"epoch {epoch} loss {total / 12:.4f} acc {acc.item():.3f}")
    print(pred, labels)


def case_shapes_and_stacking():
    a = torch.arange(6).view(2, 3)
    print(a, a.dtype)
    print(torch.cat([a, a], dim=0).shape, torch.cat([a, a], dim=1).shape, torch.stack([a, a]).shape)
    b = a.float().unsqueeze(-1)
    print(b.shape, b.squeeze(-1).shape, b.view(-1, 1).shape, b.reshape(3, 2))
    print(a.t(), a.t().contiguous().view(-1))
    c = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    d = torch.cat([c, c * 2], dim=1)
    print(d)
    d.sum().backward()
    print(c.grad)
    chunks = torch.ones(5).split(2)
    print(len(chunks), [t.shape[0] for t in chunks])


def case_sigmoid_classifier():
    torch.manual_seed(1)
    X = torch.tensor([[0.5, 1.0], [1.5, -0.5], [-1.0, 0.3], [0.2, 0.2]])
    y = torch.tensor([1.0, 1.0, 0.0, 0.0])
    W = torch.randn(2, requires_grad=True)
    b = torch.tensor(0.0, requires_grad=True)
    opt = torch.optim.Adam([W, b], lr=0.1)
    for step in range(40):
        p = torch.sigmoid(X @ W + b)
        loss = F.binary_cross_entropy(p, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    print(loss, (p > 0.5).float(), W)


def case_hooks_and_retain():
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    h = x * 2
    h.register_hook(lambda g: g * 10)
    h.retain_grad()
    out = (h**2).sum()
    out.backward()
    print(h.grad, x.grad)
    grads = []
    y = torch.tensor(2.0, requires_grad=True)
    z = y.exp()
    z.register_hook(grads.append)
    (z * 3).backward()
    print(grads, y.grad)


def case_grad_fn_walk():
    a = torch.tensor(2.0, requires_grad=True)
    b = torch.tensor(3.0, requires_grad=True)
    c = (a * b + a.sin()).exp()
    fn = c.grad_fn
    names = []
    stack = [fn]
    while stack:
        f = stack.pop()
        names.append(f.name())
        for nxt, _ in f.next_functions:
            if nxt is not None:
                stack.append(nxt)
    print(names)
    print([(type(f).__name__, i) for f, i in c.grad_fn.next_functions[0][0].next_functions])


def case_autograd_grad_and_errors():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = (x**3).sum()
    (gx,) = torch.autograd.grad(y, x, retain_graph=True)
    print(gx)
    (gx2,) = torch.autograd.grad(y, [x])
    print(gx2, x.grad)
    u = torch.tensor(1.0, requires_grad=True)
    v = torch.tensor(1.0, requires_grad=True)
    try:
        torch.autograd.grad(u * 2, [u, v])
    except RuntimeError as e:
        print("RuntimeError:", e)
    print(torch.autograd.grad(u * 2, [u, v], allow_unused=True))
    try:
        (x * 2).backward()
    except RuntimeError as e:
        print("RuntimeError:", e)


def case_math_mix():
    t = torch.tensor(0.5, requires_grad=True)
    e = math.e ** t
    print(e, torch.exp(t))
    s = sum([t, t * 2, 3])
    print(s)
    print(max(torch.tensor(1.0), torch.tensor(2.0)), min(3, torch.tensor(2)))
    print(abs(torch.tensor(-2.5)), -torch.tensor([1, 2]))
    print(torch.tensor(7) // 2, torch.tensor([7.0, -7.0, 7.5]) // 2, torch.tensor([7, -7]) % 3, 7 % torch.tensor([2, -3]))
    print(torch.tensor([-7.5, 7.5]) % -2, torch.tensor(-0.5) // 1, torch.tensor(5.0) // 0)
    r = torch.tensor([7.0, -7.0], requires_grad=True) % 2
    r.sum().backward()
    print(r)


for _name in [n for n in list(globals()) if n.startswith("case_")]:
    print("### " + _name)
    try:
        globals()[_name]()
    except Exception as _e:
        print("!! " + type(_e).__name__ + ": " + str(_e).split(chr(10))[0])
