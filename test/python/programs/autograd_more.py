import torch
import torch.nn as nn

# micrograd's examples next to PyTorch, legacy constructors, reductions and matmul with grads,
# requires_grad on non-leaves, module forward hooks, grad modes in methods, more printing, types.

print("### micrograd_compare")
x = torch.Tensor([-4.0]).double() if False else torch.tensor([-4.0])
x.requires_grad = True
z = 2 * x + 2 + x
q = z.relu() + z * x
h = (z * z).relu()
y = h + q + q * x
y.backward()
print(y.data.item(), x.grad.item())

print("### micrograd_more")
a = torch.Tensor([-4.0])
b = torch.Tensor([2.0])
a.requires_grad = True
b.requires_grad = True
c = a + b
d = a * b + b**3
c = c + c + 1
c = c + 1 + c + (-a)
d = d + d * 2 + (b + a).relu()
d = d + 3 * d + (b - a).relu()
e = c - d
f = e**2
g = f / 2.0
g = g + 10.0 / f
g.backward()
print(f"{g.data.item():.4f}")
print(f"{a.grad.item():.4f}")
print(f"{b.grad.item():.4f}")

print("### legacy_ctor")
print(torch.Tensor([1, 2]), torch.Tensor(2, 3).shape, torch.FloatTensor([1.5]), torch.LongTensor([1, 2]))
print(torch.Tensor([[1, 2], [3, 4]]).dtype)

print("### sum_dims_grad")
x = torch.arange(6.0).reshape(2, 3).requires_grad_()
s = x.sum(dim=0)
print(s, s.shape)
s2 = x.sum(dim=1, keepdim=True)
print(s2, s2.shape)
(s.sum() + s2.sum()).backward()
print(x.grad)

print("### mean_var_std")
x = torch.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
print(x.mean(), x.var(), x.std(), x.var(unbiased=False))
x.std().backward()
print(x.grad)

print("### softmax_ce_by_hand")
logits = torch.tensor([2.0, 1.0, 0.1], requires_grad=True)
p = torch.exp(logits) / torch.exp(logits).sum()
loss = -torch.log(p[0])
loss.backward()
print(p, loss, logits.grad)
print(torch.softmax(logits, dim=0) - torch.tensor([1.0, 0, 0]))

print("### where_grad")
x = torch.tensor([-1.0, 0.5, 2.0], requires_grad=True)
y = torch.where(x > 0, x ** 2, -x)
y.sum().backward()
print(y, x.grad)

print("### matmul_shapes")
A = torch.ones(2, 3, requires_grad=True)
v = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
out = A @ v
print(out)
out.sum().backward()
print(A.grad, v.grad)
try:
    v @ A
except RuntimeError as e:
    print("RuntimeError:", e)

print("### unsqueeze_broadcast_grad")
b = torch.tensor([1.0, 2.0], requires_grad=True)
X = torch.ones(3, 2)
y = (X + b).sum()
y.backward()
print(b.grad)
b2 = torch.tensor(3.0, requires_grad=True)
(X * b2).sum().backward()
print(b2.grad)

print("### integer_power_and_div")
x = torch.tensor([2.0, 3.0], requires_grad=True)
y = x ** -1 + 1 / x + x ** 0.5 + x ** 0
y.sum().backward()
print(y, x.grad)

print("### in_place_on_nonleaf_ok")
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = x + 0
y *= 2
y += 1
print(y, type(y.grad_fn).__name__)
y.sum().backward()
print(x.grad)

def attempt(f):
    try:
        r = f()
        print("ok", r)
    except Exception as e:
        print(type(e).__name__ + ":", e)

print("### autograd_backward_fn")
x = torch.tensor([1.0, 2.0], requires_grad=True)
a = x * 2
b = x * 3
torch.autograd.backward([a.sum(), b.sum()], retain_graph=True)
print(x.grad)
torch.autograd.backward(a, grad_tensors=torch.tensor([1.0, 0.0]))
print(x.grad)

print("### requires_grad_setter_nonleaf")
x = torch.tensor([1.0], requires_grad=True)
y = x * 2
def setrg():
    y.requires_grad = False
attempt(setrg)
def setrg2():
    y.requires_grad = True
attempt(setrg2)
print(y.requires_grad)

print("### module_hooks")
lin = nn.Linear(2, 1)
with torch.no_grad():
    lin.weight.fill_(0.5)
    lin.bias.fill_(0.1)
def fwd_hook(m, inp, out):
    print("forward:", type(m).__name__, inp[0].shape, out)
h = lin.register_forward_hook(fwd_hook)
out = lin(torch.tensor([[1.0, 2.0]]))
h.remove()
lin(torch.tensor([[1.0, 2.0]]))
lin.register_forward_pre_hook(lambda m, inp: (inp[0] * 2,))
lin.register_forward_hook(lambda m, inp, out: out + 100)
print(lin(torch.tensor([[1.0, 2.0]])))

print("### param_hooks")
lin = nn.Linear(2, 1)
lin.weight.register_hook(lambda g: print("w grad", g.shape) or g)
lin(torch.ones(3, 2)).sum().backward()

print("### grad_enabled_function_result")
print(torch.set_grad_enabled(True) is None if False else type(torch.set_grad_enabled(True)).__name__)
print(torch.is_grad_enabled())

print("### no_grad_in_method")
class M:
    @torch.no_grad()
    def predict(self, x):
        return x * 2
    @torch.enable_grad()
    def train(self, x):
        return x * 2
x = torch.ones(1, requires_grad=True)
print(M().predict(x).requires_grad)
with torch.no_grad():
    print(M().train(x).requires_grad)

print("### mixed_widths")
print(torch.tensor([[1.5, -22.25], [333.125, 0.0]]))
print(torch.tensor([1e-4, 1.0]))
print(torch.tensor([9.99e-5, 1.0]))
print(torch.tensor([1000.0, 1.0]))
print(torch.tensor([1001.0, 1.0]))
print(torch.tensor([1000.5, 1.0]))
print(torch.tensor([0.5, 1000.0]))
print(torch.tensor([1e8]))
print(torch.tensor([1.0e8 + 8, 1.0]))
print(torch.tensor([-1.5, float('nan')]))
print(torch.tensor([float('inf'), float('nan')]))
print(torch.tensor([-0.0, 1.5]))
print(torch.tensor([-0.0, 1e-5]))
print(torch.tensor(-1e-5))
print(torch.tensor(123456.0))
print(torch.tensor(0.1 + 0.2))

print("### 3d_4d")
print(torch.arange(16.0).reshape(2, 2, 2, 2))
print(torch.ones(1, 1, 3))
print(torch.zeros(2, 1, 1))

print("### summarize_2d_rows")
print(torch.arange(3000.0).reshape(1000, 3))
print(torch.arange(2002).reshape(2, 1001))

print("### summarize_floats")
x = torch.linspace(-1, 1, 1500)
print(x)
print(x * 1e6)
print(torch.linspace(0, 1, 5))

print("### grad_repr_wrap")
x = torch.linspace(0, 1, 12, requires_grad=True)
print(x * 2)
print(torch.arange(20.0).reshape(4, 5).requires_grad_())
print(torch.randn(10, 10).mean(dim=0).requires_grad_() if False else torch.ones(15, requires_grad=True) * 1.23456)

print("### str_and_format")
t = torch.tensor([1.0, 2.0])
print(str(t), repr(t) == str(t))
print("value: %s" % torch.tensor(1.5))
print("{}".format(torch.tensor([1, 2])))
print(f"{torch.tensor(1e-8)}", f"{torch.tensor(123456789.0)}")
print(f"{torch.tensor(3):5d}|" if False else f"{torch.tensor(3).item():5d}|")
print(f"{torch.tensor(0.5):%}")
print([torch.tensor(1.0), torch.tensor(2)])
print((torch.tensor(1.0), torch.tensor([1.0, 2.0], requires_grad=True)))
print({"w": torch.tensor([0.5])})

print("### shape_dtype")
t = torch.zeros(2, 3)
print(t.shape, t.size(), t.size(1), t.dtype, t.dim(), t.ndim, t.numel(), len(t))
print(torch.tensor(1.0).shape, torch.tensor([]).shape)
print(t.device, t.is_cuda, t.requires_grad, type(t))
print(torch.tensor([1, 2]).float(), torch.tensor([1.7, -1.7]).long(), torch.tensor([0.0, 2.0]).bool())
print(torch.tensor([1.5]).int() if False else torch.tensor([1.5]).to(torch.int64))
print("### types")
print(type(torch.ones(1)), type(torch.ones(1).shape), type(torch.float32), type(torch.device('cpu')))
print(type(nn.Parameter(torch.ones(1))), type(nn.Linear(1, 1)), type(nn.Sequential()), type(nn.MSELoss()))
class Net(nn.Module):
    pass
print(type(Net()), Net.__module__)
print(isinstance(nn.Parameter(torch.ones(1)), torch.Tensor))
