# Forward hooks, apply, editing containers, Parameters in expressions, nn.Linear on batched shapes.
# Expected output: real PyTorch (test/fixtures/gen_python_programs.py).
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils import clip_grad_norm_, clip_grad_value_, parameters_to_vector, vector_to_parameters

print("### forward_hooks")
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
activations = {}
def save_act(name):
    def hook(module, inp, out):
        activations[name] = out.detach()
    return hook
h1 = model[0].register_forward_hook(save_act("fc1"))
h2 = model[1].register_forward_hook(save_act("relu"))
out = model(torch.tensor([[1.0, -1.0]]))
print(activations["fc1"])
print(activations["relu"])
h1.remove()
h2.remove()
activations.clear()
model(torch.ones(1, 2))
print(activations)
def pre(module, inp):
    print("pre", type(module).__name__, inp[0].shape)
    return (inp[0] * 2,)
h = model[0].register_forward_pre_hook(pre)
print(model(torch.ones(1, 2)))
h.remove()
print(model(torch.ones(1, 2)))

print("### module_apply_and_modify")
torch.manual_seed(1)
net = nn.Sequential(nn.Linear(2, 2), nn.Sigmoid(), nn.Linear(2, 2))
count = []
net.apply(lambda m: count.append(type(m).__name__))
print(count)
@torch.no_grad()
def init(m):
    if type(m) == nn.Linear:
        m.weight.fill_(0.1)
        m.bias.fill_(0.0)
net.apply(init)
print(net[2].weight, net(torch.ones(1, 2)))
net[1] = nn.Tanh()
print(net)
del net[1]
print(net)
print(net(torch.ones(1, 2)))

print("### parameter_arithmetic")
p = nn.Parameter(torch.tensor([1.0, -2.0]))
print(p + 1)
print(p.detach() * 3)
print(p.data.norm())
print(torch.relu(p))
print(p.sum().item(), p.shape, p.dtype, p.requires_grad)
print(p.tolist(), p.numel(), p.dim(), p.size())
print(p.clone())
print(p[0])
with torch.no_grad():
    p[1] = 5.0
print(p)
p2 = nn.Parameter(torch.randn(2, 2).uniform_(0, 1) > 2, requires_grad=False)
print(p2)

print("### module_params_in_expressions")
torch.manual_seed(2)
lin = nn.Linear(3, 2)
x = torch.randn(4, 3)
manual = x @ lin.weight.T + lin.bias
print(torch.allclose(manual, lin(x)))
print(manual)
print(F.linear(x, lin.weight, lin.bias))
print(lin.weight.t().shape, lin.weight.T.shape)
print((lin(x) - manual).abs().max())

print("### linear_batched_shapes")
torch.manual_seed(3)
lin = nn.Linear(4, 2)
print(lin(torch.randn(4)))
print(lin(torch.randn(2, 3, 4)))
print(lin(torch.randn(2, 3, 4)).shape)
print(nn.Linear(4, 2, bias=False)(torch.randn(3, 4)))
print(lin(torch.randn(0, 4)))

print("### param_vectors")
torch.manual_seed(0)
net = nn.Sequential(nn.Linear(2, 2), nn.Tanh(), nn.Linear(2, 1))
v = parameters_to_vector(net.parameters())
print(v)
vector_to_parameters(torch.arange(9.0), net.parameters())
print(net[0].weight, net[2].bias)
print(net(torch.ones(1, 2)))
try:
    vector_to_parameters([1.0], net.parameters())
except TypeError as e:
    print("TypeError:", e)

print("### clipping")
torch.manual_seed(1)
net = nn.Linear(3, 2)
loss = (net(torch.randn(4, 3)) * 10).pow(2).sum()
loss.backward()
print(clip_grad_norm_(net.parameters(), 1.0))
print(net.weight.grad)
print(clip_grad_norm_(net.parameters(), max_norm=0.5, norm_type=1))
clip_grad_value_(net.parameters(), 0.05)
print(net.bias.grad)
