# torch.autograd.grad(create_graph=True): second and third derivatives, Newton steps, a gradient
# penalty, through the ops gradlens differentiates twice (mul, div, add, sub, pow, exp, log, sin,
# cos, sqrt, neg, tanh, sigmoid, sum, mean).
import torch
def attempt(f):
    try:
        r = f()
        print("ok", r)
    except Exception as e:
        print(type(e).__name__ + ":", e)

print("### second_derivative")
x = torch.tensor(2.0, requires_grad=True)
y = x ** 3
dy, = torch.autograd.grad(y, x, create_graph=True)
print(dy)
d2y, = torch.autograd.grad(dy, x, create_graph=True)
print(d2y)
d3y, = torch.autograd.grad(d2y, x)
print(d3y)
print(x.grad)

print("### sin_exp")
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = (x.sin() * x.exp()).sum()
d, = torch.autograd.grad(y, x, create_graph=True)
print(d)
print(torch.autograd.grad(d.sum(), x))

print("### poly")
z = torch.tensor(3.0, requires_grad=True)
d, = torch.autograd.grad(z * z + 2 * z - z / 4, z, create_graph=True)
print(d)
d, = torch.autograd.grad((z * z).mean(), z, create_graph=True)
print(d)
g2, = torch.autograd.grad(d, z)
print(g2)

print("### grad_penalty")
w = torch.tensor([1.0, -2.0], requires_grad=True)
xx = torch.tensor([0.5, 1.5], requires_grad=True)
out = (w * xx).sum() ** 2
gx, = torch.autograd.grad(out, xx, create_graph=True)
penalty = (gx ** 2).sum()
penalty.backward()
print(gx, penalty, w.grad)

print("### log_div_cos")
x = torch.tensor(0.7, requires_grad=True)
y = torch.log(x) / x + torch.cos(x) - torch.sqrt(x) + (-x).exp()
d1, = torch.autograd.grad(y, x, create_graph=True)
d2, = torch.autograd.grad(d1, x)
print(d1, d2)

print("### newton")
x = torch.tensor(1.0, requires_grad=True)
for i in range(4):
    f = x ** 3 - 2 * x - 5
    g, = torch.autograd.grad(f, x, create_graph=True)
    h, = torch.autograd.grad(g, x)
    print(i, f.item(), g.item(), h.item())
    with torch.no_grad():
        x -= g / h if False else f / g

print("### tanh_second")
x = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
y = torch.tanh(x).sum()
d1, = torch.autograd.grad(y, x, create_graph=True)
print(d1)
d2, = torch.autograd.grad(d1.sum(), x, create_graph=True)
print(d2)
d3, = torch.autograd.grad(d2.sum(), x)
print(d3)
print("### sigmoid_second")
x = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
y = torch.sigmoid(x * 2).sum()
d1, = torch.autograd.grad(y, x, create_graph=True)
print(d1)
d2, = torch.autograd.grad(d1.sum(), x, create_graph=True)
print(d2)
d3, = torch.autograd.grad(d2.sum(), x)
print(d3)
print("### neuron_hessian_diag")
w = torch.tensor([0.3, -0.2], requires_grad=True)
xin = torch.tensor([1.0, 2.0])
out = torch.tanh((w * xin).sum() + 0.1)
g, = torch.autograd.grad(out, w, create_graph=True)
print(g)
for i in range(2):
    h, = torch.autograd.grad(g[i] if False else (g * torch.eye(2)[i]).sum(), w, retain_graph=True)
    print(h)
