import math

import torch

# How teachers show autograd: leaves and grad_fn, retain_grad, next_functions, backward(gradient=...),
# retain_graph, autograd.grad, hooks, accumulation, detach, grad modes, in-place errors.

print("### leaf_basics")
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = x * 2
z = y.sum()
print(x.is_leaf, y.is_leaf, z.is_leaf)
print(x.requires_grad, y.requires_grad, z.requires_grad)
print(x.grad_fn, type(y.grad_fn).__name__, type(z.grad_fn).__name__)
print(y)
print(z)

print("### retain_grad")
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = x ** 2
y.retain_grad()
z = (y * 3).mean()
z.backward()
print(x.grad)
print(y.grad)
print(y.retains_grad, x.retains_grad)

print("### next_functions")
a = torch.tensor(1.0, requires_grad=True)
b = torch.tensor(2.0, requires_grad=True)
c = a * b + a
print(type(c.grad_fn).__name__)
for fn, idx in c.grad_fn.next_functions:
    print(type(fn).__name__, idx)
print(c.grad_fn.next_functions[0][0].next_functions[0][0].variable)
print(c.grad_fn.name())

print("### grad_fn_none_constant")
c = torch.tensor(3.0)
d = a * c
for fn, idx in d.grad_fn.next_functions:
    print(fn if fn is None else type(fn).__name__, idx)

print("### backward_gradient")
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = x * x
y.backward(gradient=torch.tensor([1.0, 0.1, 0.01]))
print(x.grad)
y2 = x * 3
y2.backward(torch.ones_like(y2))
print(x.grad)

print("### backward_twice")
x = torch.tensor(3.0, requires_grad=True)
y = x ** 3
y.backward(retain_graph=True)
print(x.grad)
y.backward()
print(x.grad)
try:
    y.backward()
except RuntimeError as e:
    print("RuntimeError:", e)

print("### nonscalar")
x = torch.randn(3, requires_grad=True)
y = x * 2
try:
    y.backward()
except RuntimeError as e:
    print("RuntimeError:", e)

print("### no_requires_grad")
x = torch.tensor([1.0, 2.0])
try:
    (x * 2).sum().backward()
except RuntimeError as e:
    print("RuntimeError:", e)

print("### autograd_grad")
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = (x ** 3).sum()
g, = torch.autograd.grad(y, x)
print(g)
print(x.grad)
y = x ** 2
g = torch.autograd.grad(y, x, grad_outputs=torch.ones_like(y))
print(g)
print(type(g))

print("### autograd_grad_unused")
x = torch.tensor(2.0, requires_grad=True)
w = torch.tensor(3.0, requires_grad=True)
y = x * 2
try:
    torch.autograd.grad(y, [x, w])
except RuntimeError as e:
    print("RuntimeError:", e)
print(torch.autograd.grad(x * 2, [x, w], allow_unused=True))

print("### autograd_grad_twice")
x = torch.tensor(2.0, requires_grad=True)
y = x.exp()
print(torch.autograd.grad(y, x, retain_graph=True))
print(torch.autograd.grad(y, x))
try:
    torch.autograd.grad(y, x)
except RuntimeError as e:
    print("RuntimeError:", e)

print("### accumulate")
w = torch.tensor([1.0, -1.0], requires_grad=True)
for i in range(3):
    loss = (w * (i + 1)).sum()
    loss.backward()
    print(i, w.grad)
w.grad.zero_()
print(w.grad)
w.grad = None
print(w.grad)
(w * w).sum().backward()
print(w.grad)

print("### detach")
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = x * 2
d = y.detach()
print(d, d.requires_grad, d.is_leaf, d.grad_fn)
d[0] = 100.0
print(y)
y2 = x.detach().requires_grad_()
print(y2, y2.is_leaf)
z = x * 3
z.detach_()
print(z, z.requires_grad, z.grad_fn, z.is_leaf)

print("### requires_grad_")
a = torch.ones(2)
print(a.requires_grad)
a.requires_grad_()
print(a.requires_grad)
a.requires_grad_(False)
print(a.requires_grad)
b = torch.ones(2, requires_grad=True)
c = b * 2
try:
    c.requires_grad_(False)
except RuntimeError as e:
    print("RuntimeError:", e)
a.requires_grad = True
print(a)
print("### hook_leaf")
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
h = x.register_hook(lambda g: g * 10)
(x * x).sum().backward()
print(x.grad)
h.remove()
x.grad = None
(x * x).sum().backward()
print(x.grad)

print("### hook_nonleaf_print")
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = x * 3
def show(g):
    print("grad of y:", g)
y.register_hook(show)
z = (y ** 2).sum()
z.backward()
print(x.grad)

print("### hook_nonleaf_modify")
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = x.exp()
y.register_hook(lambda g: g.clamp(max=0.5))
y.retain_grad()
y.sum().backward()
print(y.grad, x.grad)

print("### hook_order")
x = torch.tensor(1.0, requires_grad=True)
y = x * 2
y.register_hook(lambda g: print("h1", g) or g + 1)
y.register_hook(lambda g: print("h2", g) or g * 2)
y.backward()
print(x.grad)

print("### hook_on_no_grad_tensor")
t = torch.ones(2)
try:
    t.register_hook(lambda g: g)
except RuntimeError as e:
    print("RuntimeError:", e)

print("### no_grad_ctx")
x = torch.tensor([1.0, 2.0], requires_grad=True)
with torch.no_grad():
    y = x * 2
print(y.requires_grad, y.grad_fn, y)
print(torch.is_grad_enabled())
with torch.no_grad():
    print(torch.is_grad_enabled())
    with torch.enable_grad():
        z = x * 2
        print(torch.is_grad_enabled(), z.requires_grad)
print(z)

print("### no_grad_decorator")
@torch.no_grad()
def f(t):
    return t * 2
r = f(x)
print(r, r.requires_grad)

print("### set_grad_enabled")
torch.set_grad_enabled(False)
y = x * 2
print(y.requires_grad)
torch.set_grad_enabled(True)
y = x * 2
print(y.requires_grad)
with torch.set_grad_enabled(False):
    print((x * 2).requires_grad)
is_train = True
with torch.set_grad_enabled(is_train):
    print((x * 2).requires_grad)

print("### inference_mode")
with torch.inference_mode():
    y = x * 2
print(y.requires_grad, y)
print(torch.is_inference_mode_enabled())

print("### inplace_leaf")
x = torch.tensor([1.0, 2.0], requires_grad=True)
try:
    x += 1
except RuntimeError as e:
    print("RuntimeError:", e)
try:
    x.add_(1)
except RuntimeError as e:
    print("RuntimeError:", e)
try:
    x[0] = 5.0
except RuntimeError as e:
    print("RuntimeError:", e)
try:
    x.zero_()
except RuntimeError as e:
    print("RuntimeError:", e)
with torch.no_grad():
    x += 1
print(x)

print("### inplace_saved")
a = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
b = a * 2
c = b ** 2
b.add_(1)
try:
    c.sum().backward()
except RuntimeError as e:
    print("RuntimeError:", e)

print("### inplace_saved_output")
a = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
b = a.exp()
b.mul_(2)
try:
    b.sum().backward()
except RuntimeError as e:
    print("RuntimeError:", e)

print("### inplace_sigmoid")
a = torch.tensor([0.5, -0.5], requires_grad=True)
s = torch.sigmoid(a)
s += 1
try:
    s.sum().backward()
except RuntimeError as e:
    print("RuntimeError:", e)

print("### inplace_relu_ok")
a = torch.tensor([0.5, -0.5], requires_grad=True)
b = a * 2
b.relu_()
print(b)
b.sum().backward()
print(a.grad)

print("### inplace_version")
a = torch.ones(3)
print(a._version)
a.add_(1)
a[0] = 3
print(a._version)


print("### neuron")
x1 = torch.tensor(2.0, requires_grad=True)
x2 = torch.tensor(0.0, requires_grad=True)
w1 = torch.tensor(-3.0, requires_grad=True)
w2 = torch.tensor(1.0, requires_grad=True)
b = torch.tensor(6.8813735870195432, requires_grad=True)
n = x1 * w1 + x2 * w2 + b
o = torch.tanh(n)
print(o.data.item())
o.backward()
print('---')
print('x2', x2.grad.item())
print('w2', w2.grad.item())
print('x1', x1.grad.item())
print('w1', w1.grad.item())

print("### walk_graph")
a = torch.tensor(2.0, requires_grad=True)
b = torch.tensor(-3.0, requires_grad=True)
c = torch.tensor(10.0, requires_grad=True)
e = a * b
d = e + c
f = torch.tensor(-2.0, requires_grad=True)
L = d * f
def walk(fn, depth=0):
    print("  " * depth + (fn.name() if fn is not None else "None"))
    if fn is None:
        return
    for nxt, _ in fn.next_functions:
        walk(nxt, depth + 1)
walk(L.grad_fn)
L.backward()
for name, t in [("a", a), ("b", b), ("c", c), ("f", f)]:
    print(name, t.grad)

print("### chain_rule_manual")
x = torch.tensor(1.5, requires_grad=True)
y = torch.sin(x ** 2)
y.backward()
print(x.grad, 2 * 1.5 * math.cos(1.5 ** 2))
print(torch.isclose(x.grad, torch.tensor(2 * 1.5 * math.cos(1.5 ** 2))))

print("### grad_descent_quadratic")
x = torch.tensor(5.0, requires_grad=True)
opt = torch.optim.SGD([x], lr=0.1)
for step in range(5):
    opt.zero_grad()
    loss = (x - 2) ** 2
    loss.backward()
    opt.step()
    print(step, round(loss.item(), 4), x.item())

print("### numerical_grad")
def f(t):
    return t ** 3 + 2 * t
x = torch.tensor(1.0, requires_grad=True)
f(x).backward()
eps = 1e-3
num = (f(torch.tensor(1.0 + eps)) - f(torch.tensor(1.0 - eps))) / (2 * eps)
print(x.grad, num)
print(f"{x.grad.item():.4f} vs {num.item():.4f}")

print("### vector_jacobian")
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = x ** 2
v = torch.tensor([1.0, 1.0, 1.0])
y.backward(v)
print(x.grad)
x.grad.zero_()
J = torch.zeros(3, 3)
for i in range(3):
    y = x ** 2
    g = torch.zeros(3)
    g[i] = 1.0
    grad_i, = torch.autograd.grad(y, x, grad_outputs=g)
    J[i] = grad_i
print(J)

print("### jacobian_functional")
def fn(t):
    return t ** 2 + t.sum()
try:
    print(torch.autograd.functional.jacobian(fn, torch.tensor([1.0, 2.0])))
except NotImplementedError as e:
    print("NIE")

print("### relu_grad_at_zero")
x = torch.tensor([-1.0, 0.0, 1.0], requires_grad=True)
torch.relu(x).sum().backward()
print(x.grad)
x.grad = None
x.abs().sum().backward()
print(x.grad)
x.grad = None
torch.clamp(x, min=0).sum().backward()
print(x.grad)
x.grad = None
torch.max(x, torch.zeros(3)).sum().backward()
print(x.grad)

print("### sqrt_zero_nan")
x = torch.tensor([0.0, 4.0], requires_grad=True)
y = torch.sqrt(x)
y.sum().backward()
print(y, x.grad)
x = torch.tensor(0.0, requires_grad=True)
(x * torch.log(x)).backward()
print(x.grad)

print("### exploding")
w = torch.tensor(1.5, requires_grad=True)
h = torch.tensor(1.0)
for _ in range(50):
    h = h * w
h.backward()
print(h, w.grad)

print("### vanishing")
x = torch.tensor(0.5, requires_grad=True)
h = x
for _ in range(20):
    h = torch.sigmoid(h)
h.backward()
print(h, x.grad)

print("### shared_weights")
w = torch.tensor(2.0, requires_grad=True)
a = w * 3
b = w ** 2
c = a + b
c.backward()
print(w.grad)

print("### grad_of_max_min")
x = torch.tensor([1.0, 5.0, 5.0, 2.0], requires_grad=True)
x.max().backward()
print(x.grad)
x.grad = None
v, i = x.max(dim=0)
v.backward()
print(v, i, x.grad)
x.grad = None
torch.amax(x, 0).backward()
print(x.grad)
print("### zero_grad_none_vs_zero")
w = torch.tensor([1.0, 2.0], requires_grad=True)
print(w.grad)
(w.sum()).backward()
print(w.grad)
w.grad.zero_()
print(w.grad)
w.grad = None
print(w.grad is None)

print("### grad_data_identity")
w = torch.tensor([1.0, 2.0], requires_grad=True)
(w * 2).sum().backward()
g = w.grad
(w * 3).sum().backward()
print(g, g is w.grad)

print("### requires_grad_propagation")
a = torch.ones(2)
b = torch.ones(2, requires_grad=True)
print((a + b).requires_grad, (a * 2).requires_grad)
print((a + b).grad_fn.name())
c = a + b
print(c.is_leaf, b.is_leaf, a.is_leaf)

print("### matrix_grads")
torch.manual_seed(0)
W = torch.randn(3, 2, requires_grad=True)
xx = torch.randn(4, 3)
y = xx @ W
loss = y.pow(2).mean()
loss.backward()
print(loss)
print(W.grad)
print(W.grad.shape, W.shape)

print("### hooks_inspect_all")
grads = {}
def save(name):
    def hook(g):
        grads[name] = g
    return hook
x = torch.tensor([1.0, 2.0], requires_grad=True)
h = x * 2
h.register_hook(save("h"))
o = (h ** 2).sum()
o.register_hook(save("o"))
o.backward()
for k in sorted(grads):
    print(k, grads[k])

print("### hook_return_none_vs_value")
x = torch.tensor([3.0], requires_grad=True)
x.register_hook(lambda g: None)
x.register_hook(lambda g: g * 0)
(x * 5).sum().backward()
print(x.grad)

print("### retain_graph_loop")
x = torch.tensor(2.0, requires_grad=True)
y = x ** 2
for i in range(3):
    y.backward(retain_graph=True)
    print(x.grad)

print("### detach_breaks_graph")
x = torch.tensor(2.0, requires_grad=True)
y = x ** 2
z = y.detach() * x
z.backward()
print(x.grad)

print("### no_grad_param_update")
w = torch.tensor([1.0, 2.0], requires_grad=True)
loss = (w ** 2).sum()
loss.backward()
with torch.no_grad():
    w -= 0.1 * w.grad
print(w, w.requires_grad, w.is_leaf, w.grad_fn)
try:
    w -= 0.1 * w.grad
except RuntimeError as e:
    print("RuntimeError:", e)
w2 = w - 0.1 * w.grad
print(w2.is_leaf, w2)

print("### data_attr")
w = torch.tensor([1.0, 2.0], requires_grad=True)
y = w * 2
print(y.data, y.data.requires_grad)
w.data = torch.tensor([5.0, 6.0])
print(w)
w.data.add_(1)
print(w)
print("### grad_identity_more")
w = torch.tensor([1.0], requires_grad=True)
g0 = torch.tensor([2.0])
w.grad = g0
print(w.grad is g0, w.grad is w.grad)
(w * 1).sum().backward()
print(w.grad is g0, g0)
