import torch
from torch.autograd.functional import jacobian, vjp

# Custom autograd.Functions, indexing and setitem with grads, PyTorch's error texts,
# torch.autograd.functional, cumsum.


class Square(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad_output):
        x, = ctx.saved_tensors
        print("needs_input_grad:", ctx.needs_input_grad)
        return 2 * x * grad_output

class MulConst(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, w, c):
        ctx.save_for_backward(x, w)
        ctx.c = c
        return x * w * c

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        print(ctx.needs_input_grad)
        gx = gw = None
        if ctx.needs_input_grad[0]:
            gx = g * w * ctx.c
        if ctx.needs_input_grad[1]:
            gw = g * x * ctx.c
        return gx, gw, None

class Exp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, i):
        result = i.exp()
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx, grad_output):
        result, = ctx.saved_tensors
        return grad_output * result

class TwoOut(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2, x * 3

    @staticmethod
    def backward(ctx, g1, g2):
        return g1 * 2 + g2 * 3

class BadGrad(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, y):
        return x + y

    @staticmethod
    def backward(ctx, g):
        return g

print("### square")
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = Square.apply(x)
print(y)
print(type(y.grad_fn).__module__, type(y.grad_fn).__qualname__)
y.sum().backward()
print(x.grad)

print("### mulconst")
x = torch.tensor([1.0, 2.0], requires_grad=True)
w = torch.tensor([3.0, 4.0])
out = MulConst.apply(x, w, 0.5)
print(out)
out.sum().backward()
print(x.grad, w.grad)

print("### exp_chain")
x = torch.tensor([0.0, 1.0], requires_grad=True)
y = Exp.apply(x * 2)
z = (y + 1).sum()
z.backward()
print(y, x.grad)
print(type(y.grad_fn).__name__, y.grad_fn.next_functions[0][0].name())

print("### bad_grad_count")
x = torch.tensor(1.0, requires_grad=True)
y = torch.tensor(2.0, requires_grad=True)
try:
    BadGrad.apply(x, y).backward()
except RuntimeError as e:
    print("RuntimeError:", e)

print("### no_grad_input")
x = torch.tensor([1.0, 2.0])
r = Square.apply(x)
print(r, r.requires_grad, r.grad_fn)

print("### gradcheck_like")
x = torch.tensor([0.5], requires_grad=True)
y = Exp.apply(x)
y.backward()
print(torch.allclose(x.grad, torch.exp(x.detach())))

print("### call_forward_directly")
try:
    Square()(torch.tensor(1.0))
except RuntimeError as e:
    print("RuntimeError:", e)
except Exception as e:
    print(type(e).__name__, e)

print("### function_ctx_attrs")
class Clamp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, lo, hi):
        ctx.lo, ctx.hi = lo, hi
        ctx.mark_non_differentiable
        mask = (x >= lo) & (x <= hi)
        ctx.save_for_backward(mask)
        return x.clamp(lo, hi)
    @staticmethod
    def backward(ctx, g):
        mask, = ctx.saved_tensors
        return g * mask, None, None
x = torch.tensor([-2.0, 0.5, 3.0], requires_grad=True)
y = Clamp.apply(x, -1.0, 1.0)
y.backward(torch.ones(3))
print(y, x.grad)

print("### straight_through")
class STE(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return torch.sign(x)
    @staticmethod
    def backward(ctx, g):
        return g
x = torch.tensor([-0.3, 0.0, 0.7], requires_grad=True)
y = STE.apply(x)
(y * torch.tensor([1.0, 2.0, 3.0])).sum().backward()
print(y, x.grad)
print("### basic_index_grad")
x = torch.arange(12.0).reshape(3, 4).requires_grad_()
y = x[1]
print(y)
z = x[:, 2]
print(z)
w = x[0:2, 1:3]
print(w)
(y.sum() + z.sum() * 2 + w.sum() * 3).backward()
print(x.grad)

print("### negative_step_index")
x = torch.arange(6.0, requires_grad=True)
print(x[-1], x[-3:], x[::2])
x[::2].sum().backward()
print(x.grad)
try:
    x[::-1]
except ValueError as e:
    print("ValueError:", e)

print("### advanced_index")
x = torch.tensor([10.0, 20.0, 30.0, 40.0], requires_grad=True)
idx = torch.tensor([0, 2, 2])
y = x[idx]
print(y)
y.sum().backward()
print(x.grad)
print(x[[1, 3]])

print("### advanced_2d")
x = torch.arange(9.0).reshape(3, 3).requires_grad_()
rows = torch.tensor([0, 1, 2])
cols = torch.tensor([2, 0, 1])
y = x[rows, cols]
print(y)
y.sum().backward()
print(x.grad)
print(x[[0, 2]])
print(x[:, [0, 2]])

print("### bool_mask")
x = torch.tensor([1.0, -2.0, 3.0, -4.0], requires_grad=True)
mask = x > 0
print(mask)
y = x[mask]
print(y)
(y ** 2).sum().backward()
print(x.grad)
m2 = torch.tensor([[True, False], [False, True]])
a = torch.arange(4.0).reshape(2, 2)
print(a[m2])

print("### setitem_nonleaf")
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = x * 2
y[0] = 0.0
print(y)
y.sum().backward()
print(x.grad)

print("### setitem_mask")
x = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
y = x.clone()
y[y < 0] = 0
print(y)
y.sum().backward()
print(x.grad)

print("### setitem_tensor_value")
a = torch.zeros(3)
b = torch.tensor(5.0, requires_grad=True)
a[1] = b
print(a)
a.sum().backward()
print(b.grad)

print("### index_errors")
x = torch.arange(5)
try:
    x[5]
except IndexError as e:
    print("IndexError:", e)
try:
    torch.zeros(2, 3)[2, 0]
except IndexError as e:
    print("IndexError:", e)
try:
    torch.zeros(2, 3)[0, 0, 0]
except IndexError as e:
    print("IndexError:", e)
try:
    x[torch.tensor([7])]
except IndexError as e:
    print("IndexError:", e)

print("### broadcast_errors")
a = torch.ones(3)
b = torch.ones(4)
try:
    a + b
except RuntimeError as e:
    print("RuntimeError:", e)
try:
    torch.ones(2, 3) * torch.ones(3, 2)
except RuntimeError as e:
    print("RuntimeError:", e)
try:
    torch.ones(2, 3) @ torch.ones(2, 3)
except RuntimeError as e:
    print("RuntimeError:", e)
try:
    torch.ones(3).view(2, 2)
except RuntimeError as e:
    print("RuntimeError:", e)
try:
    torch.ones(6).reshape(4, -1)
except RuntimeError as e:
    print("RuntimeError:", e)
try:
    torch.mm(torch.ones(2, 3), torch.ones(4, 5))
except RuntimeError as e:
    print("RuntimeError:", e)
try:
    torch.ones(3).dot(torch.ones(4))
except RuntimeError as e:
    print("RuntimeError:", e)
try:
    torch.cat([torch.ones(2, 3), torch.ones(2, 4)])
except RuntimeError as e:
    print("RuntimeError:", e)
try:
    torch.ones(3, 1).expand(3, 4).add_(torch.ones(3,4)) if False else torch.ones(2, 1).add_(torch.ones(2, 3))
except RuntimeError as e:
    print("RuntimeError:", e)

print("### broadcast_ok")
a = torch.tensor([[1.0], [2.0], [3.0]], requires_grad=True)
b = torch.tensor([10.0, 20.0], requires_grad=True)
c = a + b
print(c)
c.sum().backward()
print(a.grad, b.grad)


def attempt(f):
    try:
        r = f()
        print("ok", r)
    except Exception as e:
        print(type(e).__name__ + ":", e)

print("### grad_nonscalar_no_gradout")
x = torch.tensor([1.0, 2.0], requires_grad=True)
attempt(lambda: torch.autograd.grad(x * 2, x))

print("### backward_wrong_grad_shape")
x = torch.tensor([1.0, 2.0], requires_grad=True)
attempt(lambda: (x * 2).backward(torch.ones(3)))
attempt(lambda: (x * 2).backward(torch.ones(2, 1)))
attempt(lambda: (x * 2).sum().backward(torch.tensor(2.0)))
print(x.grad)

print("### grad_input_no_requires")
x = torch.tensor([1.0, 2.0])
w = torch.tensor([1.0, 2.0], requires_grad=True)
attempt(lambda: torch.autograd.grad((x * w).sum(), x))

print("### grad_output_no_requires")
x = torch.tensor([1.0, 2.0])
attempt(lambda: torch.autograd.grad(x.sum(), x))

print("### backward_twice_sum_only")
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = (x * 2).sum()
y.backward()
attempt(lambda: y.backward())
print(x.grad)

print("### backward_twice_exp")
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = x.exp().sum()
y.backward()
attempt(lambda: y.backward())

print("### backward_on_leaf")
x = torch.tensor(3.0, requires_grad=True)
x.backward()
print(x.grad)
x.backward(torch.tensor(5.0))
print(x.grad)

print("### inplace_view_leaf")
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
attempt(lambda: x[:2].mul_(2))
v = x.view(3)
attempt(lambda: v.add_(1))

print("### version_counter")
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = x * 1
print(y._version)
y.add_(1)
y.mul_(2)
print(y._version)
z = y ** 2
y.sub_(1)
attempt(lambda: z.sum().backward())

print("### saved_view_modified")
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = x.clone()
v = y[:2]
z = (v * v).sum()
y[0] = 10.0
attempt(lambda: z.backward())

print("### tanh_output_modified")
x = torch.tensor([0.5, 1.0], requires_grad=True)
y = torch.tanh(x)
y[0] = 0.0
attempt(lambda: y.sum().backward())

print("### mul_scalar_not_saved")
x = torch.tensor([0.5, 1.0], requires_grad=True)
y = x * 2
z = y * 3
y.add_(1)
z.sum().backward()
print(x.grad)
from torch.autograd.functional import jacobian, vjp
print("### jac1")
def fn(t):
    return t ** 2 + t.sum()
x = torch.tensor([1.0, 2.0], requires_grad=True)
print(jacobian(fn, x))
print(x.grad)
print("### jac_tuple")
def g(a, b):
    return a * b, a.sum() + b
print(jacobian(g, (torch.tensor([1.0, 2.0]), torch.tensor([3.0, 4.0]))))
print(torch.autograd.functional.jacobian(lambda a: a.exp(), torch.tensor([[0.0, 1.0], [2.0, 3.0]])))
print(jacobian(lambda a, b: (a * 2).sum(), (torch.tensor([1.0]), torch.tensor([2.0]))))
print("### jac_linear")
W = torch.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
print(jacobian(lambda v: W @ v, torch.tensor([1.0, -1.0])))
print("### vjp")
out, g = vjp(lambda t: (t ** 3).sum(), torch.tensor([1.0, 2.0]))
print(out, g)
out, g = vjp(lambda t: t ** 3, torch.tensor([1.0, 2.0]), torch.tensor([1.0, 0.5]))
print(out, g)
try:
    vjp(lambda t: t ** 3, torch.tensor([1.0, 2.0]))
except RuntimeError as e:
    print(e)
try:
    jacobian(fn, [x])
except TypeError as e:
    print(e)
print("### cumsum")
x = torch.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
y = x.cumsum(0)
print(y)
(y * torch.tensor([1.0, 0.0, 2.0, 1.0])).sum().backward()
print(x.grad)
m = torch.arange(6.0).reshape(2, 3).requires_grad_()
c = torch.cumsum(m, dim=1)
print(c, torch.cumsum(m, 0), m.cumsum(-1))
c.sum().backward()
print(m.grad)
print(torch.arange(5).cumsum(0), torch.tensor([True, False, True]).cumsum(0))
print(torch.tensor(3.0).cumsum(0))
print(torch.tensor([0.1] * 10).cumsum(0))
try:
    x.cumsum(1)
except IndexError as e:
    print("IndexError:", e)
print("### numpy_rg")
x = torch.ones(2, requires_grad=True)
try:
    x.numpy()
except Exception as e:
    print(type(e).__name__, e)
