import torch

# create_graph=True through the indexing, sorting and triangular ops: the grads' grad_fns are
# PyTorch's backward formulas (gather -> ScatterAddBackward0, sort -> ScatterBackward0, ...).


def show(name, out, ins):
    try:
        gs = torch.autograd.grad((out * out).sum(), ins, create_graph=True)
        for g in gs:
            print(name, g, g.grad_fn.name() if g.grad_fn else None)
        h = torch.autograd.grad(sum(g.sum() for g in gs), ins, allow_unused=True)
        print(name, h)
    except Exception as e:
        print(name, type(e).__name__, e)


def case_gather_scatter():
    x = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    i = torch.tensor([[0, 0], [1, 0]])
    s = torch.tensor([[10.0, 20.0], [30.0, 40.0]], requires_grad=True)
    show("gather", x.gather(1, i), [x])
    show("scatter", x.scatter(1, i, s), [x, s])
    show("scatter_add", x.scatter_add(1, i, s), [x, s])
    show("scatter val", x.scatter(1, i, 2.0), [x])
    show("index_select", x.index_select(1, torch.tensor([2, 0, 2])), [x])
    show("index_add", x.index_add(1, torch.tensor([2, 0]), s), [x, s])


def case_sort_topk():
    x = torch.tensor([[1.0, 3.0, 2.0], [6.0, 5.0, 4.0]], requires_grad=True)
    show("sort", x.sort(1).values, [x])
    show("sort desc", x.sort(0, descending=True).values, [x])
    show("topk", x.topk(2).values, [x])


def case_flip_roll_tri_diag():
    x = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    show("flip", x.flip(0), [x])
    show("roll", x.roll((1, 1), (0, 1)), [x])
    show("tril", x.tril(), [x])
    show("triu", x.triu(1), [x])
    v = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    show("diag1", v.diag(), [v])
    sq = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    show("diag2sq", sq.diag(), [sq])
    show("diag2sq offset", sq.diag(1), [sq])
    show("diag2 rect", x.diag(), [x])
    show("diag2 rect offset", x.diag(-1), [x])
    show("trace", sq.trace(), [sq])
    rect = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    show("trace rect", rect.trace(), [rect])
    (g,) = torch.autograd.grad(rect.trace() ** 2, rect, create_graph=True)
    print(g.grad_fn.name(), g.grad_fn.next_functions[0][0].name())
    show("index_fill", rect.index_fill(1, torch.tensor([1]), 0.5), [rect])


def case_cumprod():
    v = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    show("cumprod", v.cumprod(0), [v])
    m = torch.tensor([[0.5, -2.0, 1.5], [3.0, 0.25, -1.0]], requires_grad=True)
    show("cumprod 2-D", m.cumprod(1), [m])
    show("cumprod dim 0", m.cumprod(0), [m])
    s1 = torch.tensor([[2.0, 3.0]], requires_grad=True)
    show("cumprod size 1", s1.cumprod(0), [s1])


def case_hessian_vector():
    x = torch.tensor([0.5, -1.0, 2.0, 0.25], requires_grad=True)
    y = (x.sort().values * torch.arange(1.0, 5.0)).pow(2).sum()
    (g,) = torch.autograd.grad(y, x, create_graph=True)
    print(g, g.grad_fn.name())
    (h,) = torch.autograd.grad(g.sum(), x)
    print(h)


for _name in [n for n in list(globals()) if n.startswith("case_")]:
    print("### " + _name)
    try:
        globals()[_name]()
    except Exception as _e:
        print("!! " + type(_e).__name__ + ": " + str(_e).split(chr(10))[0])
