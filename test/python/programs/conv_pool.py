import torch
import torch.nn as nn
import torch.nn.functional as F

# Convolution and pooling: F.conv1d/conv2d, max/avg/adaptive pooling, their modules (init, repr),
# grads and grad_fn names, shape errors, and a tiny CNN trained a few SGD steps.


def attempt(label, f):
    try:
        print(label, f())
    except Exception as e:
        print(label, "->", type(e).__name__, e)


def case_conv2d_values():
    torch.manual_seed(0)
    x = torch.randn(2, 3, 6, 5, requires_grad=True)
    w = torch.randn(4, 3, 3, 2, requires_grad=True)
    b = torch.randn(4, requires_grad=True)
    y = F.conv2d(x, w, b)
    print(y.shape, y.grad_fn.name())
    print(y[0, 1])
    (y * torch.arange(y.numel()).reshape(y.shape).float().sin()).sum().backward()
    print(x.grad[1, 2])
    print(w.grad[3])
    print(b.grad)


def case_conv2d_options():
    torch.manual_seed(1)
    x = torch.randn(1, 2, 7, 7, requires_grad=True)
    w = torch.randn(3, 2, 3, 3, requires_grad=True)
    for kw in [dict(stride=2), dict(padding=1), dict(padding=(2, 0)), dict(dilation=2), dict(stride=(2, 1), padding=1, dilation=(1, 2)), dict(padding="same"), dict(padding="valid")]:
        y = F.conv2d(x, w, **kw)
        y.pow(2).sum().backward()
        print(kw, y.shape, y.sum().item(), x.grad.sum().item(), w.grad[0, 0])
        x.grad = None
        w.grad = None
    w2 = torch.randn(4, 1, 3, 3, requires_grad=True)
    y = F.conv2d(x, w2, groups=2)
    y.sum().backward()
    print("groups", y.shape, y[0, 3], w2.grad[2])
    y = F.conv2d(x[0], w)
    print("unbatched", y.shape)


def case_conv1d():
    torch.manual_seed(2)
    x = torch.randn(2, 3, 9, requires_grad=True)
    conv = nn.Conv1d(3, 2, 3, stride=2, padding=1)
    print(conv, conv.weight, conv.bias)
    y = conv(x)
    print(y, y.grad_fn.name())
    y.sum().backward()
    print(x.grad[0], conv.weight.grad, conv.bias.grad)


def case_conv_modules():
    torch.manual_seed(3)
    for m in [nn.Conv2d(3, 4, 3), nn.Conv2d(2, 4, (3, 5), stride=2, padding=1, bias=False), nn.Conv2d(2, 2, 3, padding="same", dilation=2), nn.Conv2d(4, 6, 1, groups=2), nn.Conv1d(3, 4, 3)]:
        print(m, m.weight.shape, None if m.bias is None else m.bias.shape)
        print(m.weight.flatten()[:5], None if m.bias is None else m.bias)
    m = nn.Conv2d(1, 2, 2)
    print([n for n, _ in m.named_parameters()], m.kernel_size, m.stride, m.padding, m.dilation, m.groups)


def case_conv_errors():
    x = torch.randn(2, 3, 8, 8)
    attempt("channels", lambda: F.conv2d(x, torch.randn(4, 2, 3, 3)))
    attempt("unbatched channels", lambda: nn.Conv2d(3, 4, 3)(torch.randn(5, 8, 8)))
    attempt("2d input", lambda: nn.Conv2d(3, 4, 3)(torch.randn(8, 8)))
    attempt("kernel too big", lambda: F.conv2d(x, torch.randn(4, 3, 9, 9)))
    attempt("bias", lambda: F.conv2d(x, torch.randn(4, 3, 3, 3), torch.randn(3)))
    attempt("same strided", lambda: nn.Conv2d(3, 4, 3, stride=2, padding="same"))
    attempt("groups", lambda: nn.Conv2d(3, 4, 3, groups=2))
    attempt("conv1d 4d", lambda: nn.Conv1d(3, 4, 3)(x))
    w = torch.randn(3, 2, 3, 3)
    x = torch.randn(1, 2, 5, 5)
    attempt("padding string", lambda: F.conv2d(x, w, padding="foo"))
    attempt("F same strided", lambda: F.conv2d(x, w, padding="same", stride=2))
    attempt("stride 0", lambda: F.conv2d(x, w, stride=0))
    attempt("negative padding", lambda: F.conv2d(x, w, padding=-1))
    attempt("stride 3 values", lambda: F.conv2d(x, w, stride=(1, 2, 3)))
    attempt("groups weight", lambda: F.conv2d(x, torch.randn(3, 1, 3, 3), groups=2))
    attempt("long input", lambda: F.conv2d(x.long(), w))
    attempt("long weight", lambda: F.conv2d(x, w.long()))
    attempt("long bias", lambda: F.conv2d(x, w, torch.ones(3).long()))
    attempt("pool stride 0", lambda: F.max_pool2d(x, 2, stride=0))
    attempt("conv1d channels", lambda: nn.Conv1d(3, 4, 3)(torch.randn(2, 5, 8)))


def case_max_pool():
    torch.manual_seed(4)
    x = torch.randn(2, 2, 5, 6, requires_grad=True)
    for kw in [dict(kernel_size=2), dict(kernel_size=3, stride=2), dict(kernel_size=3, stride=1, padding=1), dict(kernel_size=(2, 3)), dict(kernel_size=2, ceil_mode=True), dict(kernel_size=2, dilation=2)]:
        y = F.max_pool2d(x, **kw)
        (y * y).sum().backward()
        print(kw, y.shape, y.grad_fn.name(), y[1, 0], x.grad[1, 0])
        x.grad = None
    y, i = F.max_pool2d(x, 2, return_indices=True)
    print(i[0, 1], i.dtype)
    m = nn.MaxPool2d(2)
    print(m, m(x)[0, 0])
    t = torch.tensor([[[1.0, 3.0, 3.0, 2.0, 0.0, 5.0, 4.0]]], requires_grad=True)
    y = nn.MaxPool1d(2)(t)
    y.sum().backward()
    print(nn.MaxPool1d(2), y, y.grad_fn.name(), t.grad)
    print(F.max_pool1d(t, 3, stride=2, padding=1))


def case_avg_pool():
    torch.manual_seed(5)
    x = torch.randn(1, 2, 5, 5, requires_grad=True)
    for kw in [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1), dict(kernel_size=3, stride=2, padding=1, count_include_pad=False), dict(kernel_size=2, ceil_mode=True), dict(kernel_size=2, divisor_override=3)]:
        y = F.avg_pool2d(x, **kw)
        y.sum().backward()
        print(kw, y.shape, y.grad_fn.name(), y[0, 1], x.grad[0, 1])
        x.grad = None
    m = nn.AvgPool2d(2, stride=1)
    print(m, m(x)[0, 0])


def case_adaptive_avg_pool():
    torch.manual_seed(6)
    x = torch.randn(2, 3, 4, 6, requires_grad=True)
    for size in [1, (1, 1), 2, (2, 3), (4, 2)]:
        m = nn.AdaptiveAvgPool2d(size)
        y = m(x)
        (y * y).sum().backward()
        print(m, y.shape, y.grad_fn.name(), y[1, 2], x.grad[1, 2])
        x.grad = None


def case_pool_errors():
    x = torch.randn(2, 3, 8, 8)
    attempt("pad", lambda: F.max_pool2d(x, 2, padding=2))
    attempt("too small", lambda: F.max_pool2d(x, 9))
    attempt("2d", lambda: F.max_pool2d(x[0, 0], 2))
    attempt("avg too small", lambda: F.avg_pool2d(x, 9))
    attempt("avg pad", lambda: F.avg_pool2d(x, 3, padding=2))
    attempt("long", lambda: F.max_pool2d(torch.ones(1, 1, 4, 4, dtype=torch.long), 2))
    attempt("adaptive 2d", lambda: F.adaptive_avg_pool2d(x[0, 0], 2))


def case_dropout2d():
    torch.manual_seed(7)
    x = torch.ones(2, 4, 2, 2, requires_grad=True)
    d = nn.Dropout2d(0.5)
    y = d(x)
    y.sum().backward()
    print(d, y[:, :, 0, 0], y.grad_fn.name(), x.grad[:, :, 0, 0])
    d.eval()
    print(d(x) is x)


def case_tiny_cnn():
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(4, 6, 3),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(2),
        nn.Flatten(),
        nn.Linear(24, 3),
    )
    print(model)
    x = torch.randn(8, 1, 12, 12)
    y = torch.randint(0, 3, (8,))
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    for step in range(6):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        print(step, round(loss.item(), 5), model[0].weight.grad.norm().item(), model[3].bias.grad)
    print(model[0].weight[0], model[3].weight[5, 3])
    print(loss.grad_fn.name(), model(x).grad_fn.next_functions[0][0].name())


def case_mnist_shaped():
    torch.manual_seed(1)
    model = nn.Sequential(nn.Conv2d(1, 4, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(4 * 12 * 12, 10))
    x = torch.rand(4, 1, 28, 28)
    y = torch.tensor([3, 1, 4, 1])
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    for step in range(3):
        opt.zero_grad()
        loss = nn.CrossEntropyLoss()(model(x), y)
        loss.backward()
        opt.step()
        print(step, loss.item(), model[0].bias.grad, model[4].bias.grad[:4])


def case_layouts_and_specials():
    torch.manual_seed(8)
    x = torch.randn(2, 5, 5, 3).permute(0, 3, 1, 2).requires_grad_()
    w = torch.randn(2, 3, 2, 2)
    y = F.conv2d(x, w, padding=1)
    y.sum().backward()
    print(x.is_contiguous(), y[1, 0], x.grad[0, 2])
    with torch.no_grad():
        z = F.conv2d(x, w)
    print(z.requires_grad, z.grad_fn, z.shape)
    t = torch.tensor([[[[1.0, float("nan"), 2.0, 0.5], [3.0, -1.0, 4.0, 4.0]]]], requires_grad=True)
    m = F.max_pool2d(t, 2)
    m.sum().backward()
    print(m, t.grad)
    y, i = F.max_pool2d(torch.tensor([[[[1.0, 5.0, 5.0], [2.0, 5.0, 0.0]]]]), (2, 2), stride=1, return_indices=True)
    print(y, i)
    print(F.avg_pool2d(torch.arange(16.0).reshape(1, 4, 4), 2))
    print(F.max_pool2d(torch.arange(16.0).reshape(1, 4, 4), 2, 1))
    print(F.conv1d(torch.ones(3, 6), torch.ones(2, 3, 2), stride=2))


def case_pool1d():
    torch.manual_seed(9)
    x = torch.randn(2, 3, 8, requires_grad=True)
    for m in [nn.AvgPool1d(2), nn.AvgPool1d(3, stride=2, padding=1), nn.AdaptiveAvgPool1d(3), nn.AdaptiveAvgPool1d(1), nn.MaxPool1d(3, stride=2)]:
        y = m(x)
        (y * y).sum().backward()
        g = y.grad_fn
        names = []
        while g is not None and g.next_functions:
            names.append(g.name())
            g = g.next_functions[0][0]
        print(m, y.shape, names, y[1], x.grad[1, 0])
        x.grad = None
    attempt("avg 1-D", lambda: F.avg_pool1d(x[0, 0], 2))
    attempt("max 1-D", lambda: F.max_pool1d(x[0, 0], 2))
    attempt("adaptive 1-D", lambda: F.adaptive_avg_pool1d(x[0, 0], 2))
    attempt("avg pad", lambda: F.avg_pool1d(x, 2, padding=2))
    print(F.avg_pool1d(x[0], 4), F.max_pool1d(x[0], 4))


for _name in [n for n in list(globals()) if n.startswith("case_")]:
    print("### " + _name)
    try:
        globals()[_name]()
    except Exception as _e:
        print("!! " + type(_e).__name__ + ": " + str(_e).split(chr(10))[0])
