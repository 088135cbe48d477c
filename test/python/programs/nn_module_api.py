import copy
import math
import warnings
from collections import OrderedDict

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim

# nn.Module as notebooks use it: subclasses, containers, reprs, parameters, buffers, state_dict, hooks.
# Expected output: real PyTorch (test/fixtures/gen_python_programs.py).

print("### simple_module_repr")
class MLP(nn.Module):
    def __init__(self, d_in, d_h, d_out):
        super().__init__()
        self.fc1 = nn.Linear(d_in, d_h)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(d_h, d_out)
    def forward(self, x):
        return self.fc2(self.relu(self.fc1(x)))
torch.manual_seed(0)
m = MLP(3, 4, 2)
print(m)
print(m(torch.ones(2, 3)))

print("### nested_repr")
class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(4, 4), nn.Tanh(), nn.Dropout(0.1))
        self.head = nn.ModuleList([nn.Linear(4, 2), nn.Linear(4, 3, bias=False)])
        self.extra = nn.ModuleDict({"a": nn.Sigmoid(), "b": nn.LeakyReLU(0.2)})
    def forward(self, x):
        return x
b = Block()
print(b)

print("### sequential_ordereddict")
torch.manual_seed(1)
seq = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 3)), ("act", nn.ReLU()), ("out", nn.Linear(3, 1))]))
print(seq)
print(seq.fc)
print(seq.fc.weight)
print(seq[0])
print(seq[-1].bias)
print(seq[1:])

print("### activation_reprs")
print(nn.ReLU())
print(nn.ReLU(inplace=True))
print(nn.LeakyReLU())
print(nn.LeakyReLU(0.2, inplace=True))
print(nn.Sigmoid())
print(nn.Tanh())
print(nn.Softmax(dim=1))
print(nn.Softmax())
print(nn.LogSoftmax(dim=-1))
print(nn.Dropout())
print(nn.Dropout(p=0.25))
print(nn.Flatten())
print(nn.Flatten(0))
print(nn.Identity())
print(nn.Linear(3, 5, bias=False))
print(nn.GELU())
print(nn.Softplus())

print("### loss_reprs")
print(nn.MSELoss())
print(nn.MSELoss(reduction='sum'))
print(nn.L1Loss())
print(nn.BCELoss())
print(nn.BCEWithLogitsLoss())
print(nn.CrossEntropyLoss())
print(nn.NLLLoss())
print(nn.CrossEntropyLoss(label_smoothing=0.1))
#
#

print("### parameter_print")
p = nn.Parameter(torch.tensor([1.0, 2.0, 3.0]))
print(p)
print(p.requires_grad, p.is_leaf, p.grad)
q = nn.Parameter(torch.zeros(2, 2), requires_grad=False)
print(q)
print(type(p).__name__, isinstance(p, torch.Tensor))
print(p * 2)
print(p.data)
print(repr(p.sum()))

print("### list_parameters")
torch.manual_seed(42)
lin = nn.Linear(2, 2)
print(list(lin.parameters()))
for name, param in lin.named_parameters():
    print(name, param.shape, param.requires_grad)

print("### named_children_modules")
torch.manual_seed(0)
net = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Sequential(nn.Linear(3, 3), nn.Sigmoid()))
for name, child in net.named_children():
    print(name, '->', child)
for name, mod in net.named_modules():
    print(repr(name), type(mod).__name__)
print(len(list(net.children())), len(list(net.modules())))
print([type(m).__name__ for m in net.modules()])

print("### state_dict_print")
torch.manual_seed(3)
net = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1))
sd = net.state_dict()
print(sd)
print(sd.keys())
for k, v in sd.items():
    print(k, v.shape)
print(type(sd))

print("### load_state_dict")
torch.manual_seed(0)
a = nn.Linear(3, 2)
torch.manual_seed(1)
b = nn.Linear(3, 2)
print(torch.equal(a.weight, b.weight))
res = b.load_state_dict(a.state_dict())
print(res)
print(torch.equal(a.weight, b.weight))
print(b.weight)
try:
    b.load_state_dict({"weight": torch.zeros(2, 3)})
except RuntimeError as e:
    print("RuntimeError:", e)
r = b.load_state_dict({"weight": torch.zeros(2, 3)}, strict=False)
print(r)
print(r.missing_keys, r.unexpected_keys)
print(b.weight)

print("### num_params")
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(10, 20), nn.ReLU(), nn.Linear(20, 5))
print(sum(p.numel() for p in model.parameters()))
print(sum(p.numel() for p in model.parameters() if p.requires_grad))
model[0].requires_grad_(False)
print(sum(p.numel() for p in model.parameters() if p.requires_grad))
print([p.requires_grad for p in model.parameters()])
print(model[0].weight.requires_grad)

print("### train_eval")
model = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5))
print(model.training, model[1].training)
model.eval()
print(model.training, model[1].training)
r = model.train()
print(r is model, model.training, model[1].training)
model.train(False)
print(model.training)
x = torch.ones(2, 2)
torch.manual_seed(0)
print(model(x).shape)

print("### buffers")
class Norm(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("mean", torch.zeros(3))
        self.register_buffer("tmp", torch.ones(2), persistent=False)
        self.scale = nn.Parameter(torch.ones(3))
        self.lin = nn.Linear(3, 3)
    def forward(self, x):
        return (x - self.mean) * self.scale
torch.manual_seed(0)
m = Norm()
print(m)
print(m.mean, m.tmp)
print(list(m.state_dict().keys()))
print([n for n, _ in m.named_buffers()])
print([n for n, _ in m.named_parameters()])
print(len(list(m.buffers())))
m.mean = torch.tensor([1.0, 2.0, 3.0])
print(m.mean)
print(m(torch.ones(2, 3)))
try:
    m.mean = 5
except TypeError as e:
    print("TypeError:", e)
try:
    m.register_buffer("scale", torch.zeros(1))
except KeyError as e:
    print("KeyError:", e)
try:
    m.register_buffer("a.b", torch.zeros(1))
except KeyError as e:
    print("KeyError:", e)

print("### state_dict_buffers_nested")
torch.manual_seed(0)
outer = nn.Sequential(m, nn.Linear(3, 1))
for k, v in outer.state_dict().items():
    print(k, tuple(v.shape))

print("### load_state_dict_errors")
torch.manual_seed(0)
a = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
b = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 1))
try:
    b.load_state_dict(a.state_dict())
except RuntimeError as e:
    print("RuntimeError:", e)
sd = a.state_dict()
sd["extra"] = torch.ones(1)
del sd["2.bias"]
try:
    a.load_state_dict(sd)
except RuntimeError as e:
    print("RuntimeError:", e)
print(a.load_state_dict(sd, strict=False))
missing, unexpected = a.load_state_dict(sd, strict=False)
print(missing, unexpected)

print("### save_restore_copy")
torch.manual_seed(0)
net = nn.Linear(2, 2)
saved = copy.deepcopy(net.state_dict())
with torch.no_grad():
    net.weight.mul_(0)
print(net.weight)
net.load_state_dict(saved)
print(net.weight)
clone = copy.deepcopy(net)
print(clone)
print(clone.weight is net.weight, torch.equal(clone.weight, net.weight))
print(clone.weight)

print("### sequential_ops")
torch.manual_seed(0)
seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
seq.append(nn.Linear(3, 1))
print(seq)
print(len(seq))
for layer in seq:
    print(type(layer).__name__)
print(seq[0:2])
seq.add_module("sig", nn.Sigmoid())
print(seq)
print(seq(torch.ones(1, 2)))
print(nn.Sequential())
print(seq[-1])

print("### module_list")
torch.manual_seed(0)
layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
print(layers)
print(len(layers))
layers.append(nn.ReLU())
layers.extend([nn.Tanh(), nn.Identity()])
print(len(layers), layers[3], layers[-1])
x = torch.ones(1, 2)
for l in layers:
    x = l(x)
print(x)
print(layers[1:3])
print(sum(p.numel() for p in layers.parameters()))
layers.insert(0, nn.Sigmoid())
print(layers[0], len(layers))

print("### module_dict")
torch.manual_seed(0)
d = nn.ModuleDict({"enc": nn.Linear(3, 2), "act": nn.ReLU()})
d["dec"] = nn.Linear(2, 3)
print(d)
print(list(d.keys()))
print("enc" in d, len(d))
for k, v in d.items():
    print(k, v)
print(d["dec"](d["act"](d["enc"](torch.ones(1, 3)))))
d.update({"out": nn.Sigmoid()})
print(list(d.keys()))
print(d.pop("out"))
print(list(d.keys()))

print("### custom_extra_repr")
class Scale(nn.Module):
    def __init__(self, factor):
        super().__init__()
        self.factor = factor
    def forward(self, x):
        return x * self.factor
    def extra_repr(self):
        return f"factor={self.factor}"
class Multi(nn.Module):
    def __init__(self):
        super().__init__()
        self.s = Scale(2.0)
    def extra_repr(self):
        return "line1\nline2"
print(Scale(3))
print(nn.Sequential(Scale(0.5), nn.ReLU()))
print(Multi())

print("### param_only_module")
class Affine(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.tensor(2.0))
        self.b = nn.Parameter(torch.tensor(-1.0))
    def forward(self, x):
        return self.w * x + self.b
m = Affine()
print(m)
print(list(m.parameters()))
print(m.state_dict())
out = m(torch.tensor([1.0, 2.0, 3.0]))
print(out)
out.sum().backward()
print(m.w.grad, m.b.grad)
print(dict(m.named_parameters()))

print("### shared_params")
torch.manual_seed(0)
shared = nn.Linear(2, 2)
net = nn.Sequential(shared, nn.ReLU(), shared)
print(len(list(net.parameters())))
print([n for n, _ in net.named_parameters()])
print(list(net.state_dict().keys()))
print(len(list(net.modules())))
print(net)

print("### recurse_false")
torch.manual_seed(0)
class Wrap(nn.Module):
    def __init__(self):
        super().__init__()
        self.alpha = nn.Parameter(torch.ones(1))
        self.inner = nn.Linear(1, 1)
w = Wrap()
print([n for n, _ in w.named_parameters(recurse=False)])
print([n for n, _ in w.named_parameters(prefix="model")])
print(len(list(w.parameters(recurse=False))))
print([n for n, _ in w.named_modules(prefix="root")])

print("### get_submodule")
torch.manual_seed(0)
net = nn.Sequential(OrderedDict(enc=nn.Sequential(nn.Linear(2, 2), nn.ReLU()), head=nn.Linear(2, 1)))
print(net.get_submodule("enc.0"))
print(net.get_parameter("head.bias"))
print(net.enc[0].weight.shape)
print("### deep_nested_repr")
class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([nn.Sequential(nn.Linear(4, 4), nn.GELU()) for _ in range(2)])
        self.norm = nn.Identity()
    def forward(self, x):
        for l in self.layers:
            x = l(x)
        return self.norm(x)
class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = Encoder()
        self.heads = nn.ModuleDict({"cls": nn.Linear(4, 3), "reg": nn.Sequential(nn.Linear(4, 1), nn.Flatten(0))})
        self.drop = nn.Dropout(p=0.1, inplace=False)
        self.act = nn.LogSoftmax(dim=1)
    def forward(self, x):
        h = self.drop(self.encoder(x))
        return self.act(self.heads["cls"](h)), self.heads["reg"](h)
torch.manual_seed(0)
model = Model()
print(model)
model.eval()
a, b = model(torch.ones(2, 4))
print(a)
print(b)
print(str(model.encoder.layers[0]))
print(repr(model.heads))

print("### empty_containers_repr")
print(nn.ModuleList())
print(nn.ModuleDict())
print(nn.Sequential())
class Empty(nn.Module):
    pass
print(Empty())
class WithPlainAttr(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = 10
        self.name = "x"
        self.w = nn.Parameter(torch.zeros(2))
print(WithPlainAttr())
print(WithPlainAttr().hidden)

print("### module_str_format")
lin = nn.Linear(2, 3)
print(f"model: {nn.ReLU()}")
print("layer", nn.Tanh(), sep=": ")
print(str(nn.Sigmoid()) == repr(nn.Sigmoid()))
print([nn.ReLU(), nn.Tanh()])
print((nn.ReLU(),))
print({"a": nn.Sigmoid()})
print(nn.Linear(2, 3).extra_repr())
print(nn.Dropout(0.3).extra_repr())
print(nn.LeakyReLU(0.05))
print(nn.Softmax(dim=-1), nn.LogSoftmax(1))

print("### parameter_list_dict")
torch.manual_seed(0)
class Poly(nn.Module):
    def __init__(self, degree):
        super().__init__()
        self.coeffs = nn.ParameterList([nn.Parameter(torch.randn(1)) for _ in range(degree + 1)])
    def forward(self, x):
        return sum(c * x ** i for i, c in enumerate(self.coeffs))
m = Poly(2)
print(m)
print(len(m.coeffs), m.coeffs[0], m.coeffs[-1])
print([n for n, _ in m.named_parameters()])
y = m(torch.tensor([1.0, 2.0]))
print(y)
y.sum().backward()
print([c.grad for c in m.coeffs])
pl = nn.ParameterList([torch.ones(2), torch.zeros(3, 2)])
print(pl)
pl.append(nn.Parameter(torch.ones(1), requires_grad=False))
print(len(pl), pl[2].requires_grad, pl[0].requires_grad)
print(pl[1:])
pd = nn.ParameterDict({"b": nn.Parameter(torch.zeros(2)), "a": torch.ones(1)})
print(pd)
print(list(pd.keys()), "a" in pd, len(pd))
print(pd["b"])
for k, v in pd.items():
    print(k, v.shape)
print(list(dict(pd.named_parameters()).keys()))
print(list(m.state_dict().keys()))


def show(f):
    try:
        r = f()
        print("ok:", r)
    except Exception as e:
        print(f"{type(e).__name__}: {e}")


print("### dynamic_layers")
class Deep(nn.Module):
    def __init__(self, sizes):
        super().__init__()
        for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
            setattr(self, f"layer{i}", nn.Linear(a, b))
        self.n = len(sizes) - 1
    def forward(self, x):
        for i in range(self.n):
            x = torch.relu(getattr(self, f"layer{i}")(x))
        return x
torch.manual_seed(0)
d = Deep([3, 4, 4, 2])
print(d)
print(d(torch.ones(1, 3)))
d.add_module("extra", None)
d.register_parameter("scale", None)
print(d)
print([n for n, _ in d.named_parameters()][-2:], d.scale, d.extra)
del d.layer2
print(list(d._modules.keys()))
show(lambda: d(torch.ones(1, 3)))
show(lambda: d.add_module("a.b", nn.ReLU()))
show(lambda: d.add_module("layer0", 5))
show(lambda: d.register_parameter("n", nn.Parameter(torch.ones(1))))
show(lambda: d.register_parameter("w", torch.ones(1)))
show(lambda: d.register_buffer("buf", [1, 2]))
show(lambda: setattr(d, "layer0", torch.ones(2)))
d.layer0 = nn.Identity()
print(d.layer0)

print("### module_equality_identity")
a = nn.Linear(1, 1)
print(a == a, a == nn.Linear(1, 1), a in [a], len({a, a}))
print(nn.Sequential(a, a)[0] is nn.Sequential(a, a)[1])
