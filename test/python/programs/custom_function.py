import torch

# torch.autograd.Function: custom forward/backward with ctx, vs PyTorch.


class MyReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        grad = grad_output.clone()
        grad[x < 0] = 0
        return grad

class Scale(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, k):
        ctx.k = k
        return x * k

    @staticmethod
    def backward(ctx, g):
        return g * ctx.k, None

def case_custom_functions():
    x = torch.tensor([-1.0, 2.0, 3.0], requires_grad=True)
    y = MyReLU.apply(x)
    print(y, type(y.grad_fn).__name__)
    z = Scale.apply(y, 3.0).sum()
    print(z)
    z.backward()
    print(x.grad)
    print(MyReLU.apply(torch.tensor([1.0, -1.0])))
    try:
        z.backward()
    except RuntimeError as e:
        print("RuntimeError:", str(e)[:50])


for _name in [n for n in list(globals()) if n.startswith("case_")]:
    print("### " + _name)
    try:
        globals()[_name]()
    except Exception as _e:
        print("!! " + type(_e).__name__ + ": " + str(_e).split(chr(10))[0])
