import torch

# gather / scatter / index_select, sort / topk / argsort, flip / roll / tril / triu / diag / trace,
# cumprod, nonzero: values, grads, grad_fns and PyTorch's error texts.


def attempt(label, f):
    try:
        print(label, f())
    except Exception as e:
        print(label, type(e).__name__, e)


def case_gather():
    x = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    i = torch.tensor([[0, 0], [1, 0]])
    y = x.gather(1, i)
    print(y, y.grad_fn.name(), len(y.grad_fn.next_functions))
    (y * torch.tensor([[1.0, 2.0], [3.0, 4.0]])).sum().backward()
    print(x.grad)
    print(torch.gather(x, 0, torch.tensor([[0, 1], [0, 1], [1, 1]])))
    print(torch.gather(x, -1, torch.tensor([[2], [1]])))
    print(x.gather(1, torch.tensor([[0, 1, 2, 0]])))
    t = torch.tensor([[0.1, 0.7, 0.2], [0.5, 0.3, 0.2]], requires_grad=True)
    labels = torch.tensor([1, 0])
    picked = t.log().gather(1, labels.unsqueeze(1)).squeeze(1)
    loss = -picked.mean()
    print(picked, loss)
    loss.backward()
    print(t.grad)
    attempt("dim 2", lambda: x.gather(2, i))
    attempt("dim -3", lambda: x.gather(-3, i))
    attempt("index 3", lambda: x.gather(1, torch.tensor([[0, 3]])))
    attempt("index -1", lambda: x.gather(1, torch.tensor([[0, -1]])))
    attempt("1-D index", lambda: x.gather(1, torch.tensor([0, 1])))
    attempt("float index", lambda: x.gather(1, torch.tensor([[0.0, 1.0]])))
    attempt("big index", lambda: x.gather(1, torch.tensor([[0, 1], [0, 1], [1, 1]])))
    attempt("big index 0", lambda: x.gather(0, torch.tensor([[0, 1, 1, 1]])))


def case_scatter():
    x = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    s = torch.tensor([[10.0, 20.0], [30.0, 40.0]], requires_grad=True)
    i = torch.tensor([[0, 0], [1, 0]])
    w = torch.arange(6.0).view(2, 3)
    z = x.scatter(1, i, s)
    print(z, len(z.grad_fn.next_functions))
    (z * w).sum().backward()
    print(x.grad, s.grad)
    x.grad = None
    s.grad = None
    z = x.scatter_add(1, i, s)
    print(z)
    (z * w).sum().backward()
    print(x.grad, s.grad)
    x.grad = None
    z = x.scatter(1, i, 7.0)
    print(z, len(z.grad_fn.next_functions))
    (z * w).sum().backward()
    print(x.grad)
    print(torch.scatter(x, 0, torch.tensor([[1, 0, 1]]), s.detach()[:1].repeat(1, 2)[:, :3]))
    print(torch.scatter_add(torch.zeros(5), 0, torch.tensor([0, 1, 1, 4]), torch.ones(4)))
    print(torch.zeros(3, dtype=torch.long).scatter_add(0, torch.tensor([2, 2, 0]), torch.tensor([1, 2, 3])))
    onehot = torch.zeros(3, 4).scatter(1, torch.tensor([[1], [3], [0]]), 1.0)
    print(onehot)
    attempt("index 5", lambda: x.scatter(1, torch.tensor([[5]]), s))
    attempt("small src", lambda: x.scatter(1, i, s[:1, :1]))
    attempt("big index", lambda: x.scatter(1, torch.tensor([[0, 1], [0, 1], [1, 1]]), x))
    attempt("float index", lambda: x.scatter(1, i.float(), s))
    attempt("dtype", lambda: x.scatter(1, i, torch.tensor([[1, 2], [3, 4]])))
    attempt("dim 2", lambda: x.scatter(2, i, s))


def case_scatter_src_larger_than_index():
    x = torch.zeros(2, 3, requires_grad=True)
    s = torch.ones(2, 3, requires_grad=True)
    y = x.scatter(1, torch.tensor([[0], [2]]), s)
    print(y)
    attempt("backward", lambda: y.sum().backward())
    print(x.grad, s.grad)


def case_index_add():
    x = torch.zeros(2, 3, requires_grad=True)
    s = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    y = x.index_add(1, torch.tensor([0, 2]), s)
    print(y, len(y.grad_fn.next_functions))
    (y * torch.arange(6.0).view(2, 3)).sum().backward()
    print(x.grad, s.grad)
    print(torch.index_add(x, 1, torch.tensor([0, 0]), s, alpha=2))
    acc = torch.zeros(3)
    acc.index_add_(0, torch.tensor([0, 2, 0]), torch.tensor([1.0, 2.0, 3.0]))
    print(acc)
    attempt("index 3", lambda: x.index_add(1, torch.tensor([0, 3]), s))
    attempt("count", lambda: x.index_add(1, torch.tensor([0, 1, 2]), s))
    attempt("float index", lambda: x.index_add(1, torch.tensor([0.0, 1.0]), s))


def case_index_fill():
    x = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    y = x.index_fill(1, torch.tensor([0, 2]), -1.0)
    print(y, len(y.grad_fn.next_functions))
    v = torch.tensor(7.0, requires_grad=True)
    z = torch.index_fill(x, 1, torch.tensor([0, 2, 0]), v)
    print(z, len(z.grad_fn.next_functions))
    (z * torch.arange(6.0).view(2, 3)).sum().backward()
    print(x.grad, v.grad)
    print(x.index_fill(1, torch.tensor([-1]), 0.0), x.index_fill(0, torch.tensor(1), 2.0))
    attempt("index 3", lambda: x.index_fill(1, torch.tensor([3]), 0.0))
    attempt("2-D index", lambda: x.index_fill(1, torch.tensor([[0]]), 0.0))
    attempt("float index", lambda: x.index_fill(1, torch.tensor([0.0]), 0.0))
    attempt("1-D value", lambda: x.index_fill(1, torch.tensor([0]), torch.tensor([1.0, 2.0])))
    attempt("dim 2", lambda: x.index_fill(2, torch.tensor([0]), 1.0))


def case_scatter_inplace():
    w = torch.zeros(2, 3)
    w.scatter_(1, torch.tensor([[0, 0], [1, 0]]), 5.0)
    print(w)
    w.scatter_add_(1, torch.tensor([[2], [2]]), torch.tensor([[1.0], [2.0]]))
    print(w)
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 1
    y.scatter_(0, torch.tensor([1]), torch.tensor([9.0]))
    print(y)
    y.sum().backward()
    print(x.grad)


def case_index_select():
    x = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    y = x.index_select(1, torch.tensor([2, 0, 2]))
    print(y, len(y.grad_fn.next_functions))
    (y * torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])).sum().backward()
    print(x.grad)
    print(torch.index_select(x, 0, torch.tensor([1, 1])))
    print(x.index_select(1, torch.tensor(1)))
    print(torch.arange(10).index_select(0, torch.tensor([9, 0, 3])))
    emb = torch.tensor([[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]], requires_grad=True)
    out = emb.index_select(0, torch.tensor([2, 0, 2, 2]))
    out.sum().backward()
    print(out, emb.grad)
    attempt("index 3", lambda: x.index_select(1, torch.tensor([3])))
    attempt("2-D index", lambda: x.index_select(1, torch.tensor([[0]])))
    attempt("float index", lambda: x.index_select(1, torch.tensor([1.0])))
    attempt("dim 2", lambda: x.index_select(2, torch.tensor([1])))


def case_topk():
    y = torch.tensor([3.0, 1.0, 2.0, 1.0, 5.0], requires_grad=True)
    r = y.topk(2)
    print(r)
    print(y.topk(2, largest=False))
    v, ix = torch.topk(y, k=3)
    print(v, ix, type(r).__name__, len(r), r[0] is r.values)
    (v * torch.tensor([1.0, 2.0, 3.0])).sum().backward()
    print(y.grad)
    z = torch.tensor([[2.0, 2.0, 1.0, 2.0], [0.0, 3.0, 3.0, 1.0]])
    print(z.topk(2, dim=1))
    print(z.topk(2, dim=0))
    print(torch.tensor([1, 3, 2]).topk(2))
    print(torch.tensor([1.0, float("nan"), 2.0]).topk(2))
    print(torch.tensor([1.0, float("nan"), 2.0]).topk(2, largest=False))
    print(torch.tensor(3.0).topk(1))
    print(y.topk(0))
    a = torch.tensor([float((i * 7) % 5) for i in range(40)])
    print(a.topk(5).indices.tolist(), a.topk(5, largest=False).indices.tolist())
    b = torch.tensor([float((i * 7) % 3) for i in range(200)])
    print(b.topk(2).indices.tolist(), b.topk(2, largest=False).indices.tolist())
    attempt("k 6", lambda: y.topk(6))
    attempt("k -1", lambda: y.topk(-1))
    attempt("dim 1", lambda: y.topk(2, dim=1))
    attempt("k float", lambda: y.topk(1.5))


def case_sort():
    y = torch.tensor([3.0, 1.0, 2.0, 1.0, 5.0], requires_grad=True)
    r = y.sort()
    print(r)
    print(y.sort(descending=True))
    print(torch.sort(y, 0, True))
    print(y.sort(stable=True).values.grad_fn.name())
    print(y.argsort(), y.argsort(descending=True), torch.argsort(y, dim=0, descending=True))
    s, i = torch.sort(y)
    (s * torch.arange(5.0)).sum().backward()
    print(y.grad)
    z = torch.tensor([[2.0, 2.0, 1.0, 2.0], [0.0, 3.0, 3.0, 1.0]], requires_grad=True)
    print(z.sort(dim=1, descending=True))
    print(z.sort(dim=0))
    z.sort(0).values[0].sum().backward()
    print(z.grad)
    print(torch.tensor([1, 3, 2]).sort(), torch.tensor([True, False]).sort())
    print(torch.tensor([1.0, float("nan"), 2.0]).sort())
    print(torch.tensor([1.0, float("nan"), 2.0]).sort(descending=True))
    print(torch.tensor(3.0).sort())
    a = torch.tensor([float((i * 7) % 5) for i in range(40)])
    print(a.sort().indices.tolist())
    print(a.sort(descending=True).indices.tolist())
    print(a.argsort().tolist())
    attempt("dim 2", lambda: y.sort(dim=2))


def case_median():
    x = torch.tensor([3.0, 1.0, 2.0, 1.0, 5.0, 2.0], requires_grad=True)
    m = x.median()
    print(m)
    m.backward()
    print(x.grad)
    y = torch.tensor([[2.0, 2.0, 1.0, 2.0], [0.0, 3.0, 3.0, 1.0]], requires_grad=True)
    r = y.median(1)
    print(r)
    (r.values * torch.tensor([1.0, 2.0])).sum().backward()
    print(y.grad)
    v, i = torch.median(y, 0, keepdim=True)
    print(v, i)
    print(torch.tensor([1.0, float("nan"), 2.0]).median(), torch.tensor([[1.0, float("nan"), 2.0]]).median(1))
    print(torch.tensor([4, 1, 3, 2]).median(), torch.tensor([]).median(), torch.tensor(3.0).median(0))
    for n in [5, 17, 40, 101]:
        t = torch.tensor([[float((i * 37 + n * 11) % 3) for i in range(n)]])
        print(n, t.median(1).indices.tolist(), t.median().item())
    attempt("dim 2", lambda: y.median(2))
    attempt("empty dim", lambda: torch.ones(2, 0).median(1))


def case_max_dim_return_type():
    x = torch.tensor([[1.0, 5.0], [7.0, 2.0]], requires_grad=True)
    r = x.max(dim=1)
    print(r, type(r).__name__)
    print(torch.min(x, 0))


def case_flip_roll():
    x = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    w = torch.arange(6.0).view(2, 3)
    f = x.flip(0)
    print(f, x.flip([0, 1]), x.flip(0, 1), torch.flip(x, (1,)), torch.flip(x, [-1]))
    (f * w).sum().backward()
    print(x.grad)
    x.grad = None
    r = x.roll(1)
    print(r, x.roll(1, 1), x.roll((1, -1), (0, 1)), torch.roll(x, shifts=-4, dims=1), x.roll(-7))
    (r * w).sum().backward()
    print(x.grad)
    x.grad = None
    (x.roll((1, 2), (1, 1)) * w).sum().backward()
    print(x.grad)
    print(torch.flip(torch.tensor(3.0), [0]), torch.roll(torch.tensor(3.0), 1))
    print(x.fliplr(), torch.flipud(x), torch.flipud(torch.ones(3)))
    attempt("fliplr 1-D", lambda: torch.fliplr(torch.ones(3)))
    attempt("flipud 0-D", lambda: torch.flipud(torch.tensor(1.0)))
    attempt("flip dup", lambda: x.flip([0, 0]))
    attempt("flip 2", lambda: x.flip(2))
    attempt("flip int", lambda: torch.flip(x, 1))
    attempt("flip none", lambda: x.flip())
    attempt("roll align", lambda: x.roll((1, -1), (0,)))
    attempt("roll dim", lambda: x.roll(1, 2))


def case_tril_triu():
    x = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    t = x.tril()
    print(t, x.triu(1), x.tril(-1), torch.triu(x, diagonal=-1), torch.tril(x, 5))
    (t * torch.arange(6.0).view(2, 3)).sum().backward()
    print(x.grad)
    x.grad = None
    x.triu(1).sum().backward()
    print(x.grad)
    print(torch.tril(torch.ones(2, 3, 3)))
    print(torch.tensor([[1, 2], [3, 4]]).triu())
    mask = torch.tril(torch.ones(4, 4)) == 0
    scores = torch.zeros(4, 4).masked_fill(mask, float("-inf"))
    print(scores.softmax(dim=-1))
    m = torch.ones(3, 3)
    print(m.tril_(-1), m)
    y = x * 1
    y.triu_()
    print(y)
    y.sum().backward()
    print(x.grad)
    attempt("1-D", lambda: torch.tensor([1.0, 2.0]).tril())
    attempt("1-D in place", lambda: torch.tensor([1.0, 2.0]).tril_())
    attempt("0-D", lambda: torch.tril(torch.tensor(1.0)))


def case_diag_trace():
    v = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    d = v.diag()
    print(d, v.diag(1), torch.diag(v, -2))
    (d * torch.arange(9.0).view(3, 3)).sum().backward()
    print(v.grad)
    v.grad = None
    (v.diag(1) * torch.arange(16.0).view(4, 4)).sum().backward()
    print(v.grad)
    x = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    print(x.diag(), x.diag(1), x.diag(-1), torch.diag(x, diagonal=2))
    x.diag(1).sum().backward()
    print(x.grad)
    x.grad = None
    t = x.trace()
    print(t)
    t.backward()
    print(x.grad)
    m = torch.arange(9.0).view(3, 3).requires_grad_()
    print(torch.trace(m), torch.tensor([[1, 2], [3, 4]]).trace(), torch.tensor([1, 2, 3]).diag())
    attempt("diag 3-D", lambda: torch.diag(torch.ones(2, 2, 2)))
    attempt("diag 0-D", lambda: torch.diag(torch.tensor(1.0)))
    attempt("trace 1-D", lambda: v.trace())
    attempt("trace 3-D", lambda: torch.trace(torch.ones(2, 2, 2)))


def case_cumprod():
    x = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    c = x.cumprod(1)
    print(c, x.cumprod(dim=0), torch.cumprod(x, -1))
    c.sum().backward()
    print(x.grad)
    z = torch.tensor([2.0, 0.0, 3.0, 4.0], requires_grad=True)
    cz = torch.cumprod(z, 0)
    print(cz)
    (cz * torch.tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
    print(z.grad)
    zz = torch.tensor([0.0, 2.0, 0.0, 5.0], requires_grad=True)
    zz.cumprod(0).sum().backward()
    print(zz.grad)
    print(torch.tensor([1, 2, 3]).cumprod(0), torch.tensor([0.5] * 6).cumprod(0))
    attempt("dim 2", lambda: x.cumprod(2))


def case_nonzero():
    m = torch.tensor([[0.0, 1.0], [1.0, 0.0]])
    print(m.nonzero(), m.nonzero(as_tuple=True))
    print(torch.nonzero(torch.tensor([0, 3, 0, 4])), torch.nonzero(torch.tensor([0, 3, 0, 4]), as_tuple=True))
    print(torch.tensor(5.0).nonzero(), torch.tensor(5.0).nonzero(as_tuple=True), torch.tensor(0.0).nonzero(as_tuple=True))
    print(torch.tensor([True, False]).nonzero(), torch.zeros(2, 2).nonzero())
    x = torch.tensor([-1.0, 2.0, -3.0, 4.0], requires_grad=True)
    idx = (x > 0).nonzero().squeeze(1)
    y = x[idx]
    print(idx, y)
    rows, cols = (torch.arange(6).view(2, 3) % 2 == 0).nonzero(as_tuple=True)
    print(rows, cols)


def case_argument_errors():
    x = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    attempt("torch.gather list", lambda: torch.gather(x, 1, [0]))
    attempt("torch.index_select list", lambda: torch.index_select(x, 0, [0]))
    attempt("gather list", lambda: x.gather(1, [0]))
    attempt("index_select tuple", lambda: x.index_select(0, (0,)))
    attempt("flip kw", lambda: x.flip(dims=[0]))
    attempt("gather sparse_grad", lambda: torch.gather(x, 1, torch.tensor([[1], [0]]), sparse_grad=False))


for _name in [n for n in list(globals()) if n.startswith("case_")]:
    print("### " + _name)
    try:
        globals()[_name]()
    except Exception as _e:
        print("!! " + type(_e).__name__ + ": " + str(_e).split(chr(10))[0])
