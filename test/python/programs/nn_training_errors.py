# Mistakes in training loops: optimizer arguments, in-place ReLU, grads before backward, no_grad predictions.
# Expected output: real PyTorch (test/fixtures/gen_python_programs.py).
import warnings

import torch
import torch.nn as nn
import torch.optim as optim

def show(f):
    try:
        r = f()
        print("ok:", r)
    except Exception as e:
        print(f"{type(e).__name__}: {e}")

print("### optimizer_mistakes")
torch.manual_seed(0)
model = nn.Linear(2, 1)
show(lambda: optim.SGD(model.parameters, lr=0.1))
show(lambda: optim.SGD(model.parameters()))
show(lambda: optim.SGD(model.parameters(), lr=-1))
show(lambda: optim.Adam(model.parameters(), lr=0.1, betas=(1.5, 0.9)))
show(lambda: optim.SGD(model, lr=0.1))
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    show(lambda: optim.SGD([model.weight, model.weight], lr=0.1))
print([str(w.message)[:60] for w in caught])
opt = optim.SGD(model.parameters(), lr=0.1)
show(lambda: opt.step())
print(model.weight)

print("### inplace_relu_errors")
x = torch.randn(3, requires_grad=True)
show(lambda: nn.ReLU(inplace=True)(x))
y = x * 2
print(nn.ReLU(inplace=True)(y))
z = torch.sigmoid(x)
out = nn.ReLU(inplace=True)(z)
show(lambda: out.sum().backward())

print("### grad_none_before_backward")
torch.manual_seed(1)
net = nn.Linear(3, 1)
print(net.weight.grad)
print([p.grad for p in net.parameters()])
net(torch.ones(2, 3)).sum().backward()
print([p.grad for p in net.parameters()])
net(torch.ones(2, 3)).sum().backward()
print(net.bias.grad)

print("### no_grad_predictions")
torch.manual_seed(2)
net = nn.Sequential(nn.Linear(2, 2), nn.Softmax(dim=1))
with torch.no_grad():
    p = net(torch.tensor([[1.0, 2.0]]))
print(p, p.requires_grad, p.grad_fn)
p2 = net(torch.tensor([[1.0, 2.0]]))
print(p2)
print(p2.detach().numpy() if False else p2.detach())
print(p2.argmax().item(), p2.max(dim=1))
torch.set_grad_enabled(False)
print(net(torch.ones(1, 2)).requires_grad)
torch.set_grad_enabled(True)
print(net(torch.ones(1, 2)).requires_grad)
