import torch


def case_inplace_unary_methods():
    for name in ["relu_", "sigmoid_", "tanh_", "exp_", "neg_", "abs_", "sqrt_"]:
        t = torch.tensor([0.25, -1.5, 2.0])
        r = getattr(t, name)()
        print(name, r is t, t, t._version)


def case_inplace_relu_in_graph():
    x = torch.tensor([1.0, -2.0], requires_grad=True)
    y = x * 2
    y.relu_()
    y.sum().backward()
    print(y.grad_fn.name(), x.grad)


for _name in [n for n in list(globals()) if n.startswith("case_")]:
    print("### " + _name)
    try:
        globals()[_name]()
    except Exception as _e:
        print("!! " + type(_e).__name__ + ": " + str(_e).split(chr(10))[0])
