import copy
import math
import warnings
from collections import OrderedDict

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim

# Seeded initialization (nn.Linear defaults, nn.init) and the errors students hit, caught and printed.
# Expected output: real PyTorch (test/fixtures/gen_python_programs.py).

print("### linear_default_init")
torch.manual_seed(0)
l = nn.Linear(4, 3)
print(l.weight)
print(l.bias)
torch.manual_seed(123)
l2 = nn.Linear(1, 1)
print(l2.weight.item(), l2.bias.item())
l3 = nn.Linear(7, 2, bias=False)
print(l3.weight, l3.bias)

print("### sequential_init_order")
torch.manual_seed(42)
model = nn.Sequential(nn.Linear(3, 5), nn.ReLU(), nn.Linear(5, 2))
for name, p in model.named_parameters():
    print(name, p.data)

print("### init_functions")
torch.manual_seed(0)
w = torch.empty(3, 4)
nn.init.xavier_uniform_(w)
print(w)
nn.init.xavier_normal_(w)
print(w)
nn.init.kaiming_uniform_(w)
print(w)
nn.init.kaiming_uniform_(w, nonlinearity='relu')
print(w)
nn.init.kaiming_normal_(w, mode='fan_out', nonlinearity='relu')
print(w)
nn.init.normal_(w, mean=0.0, std=0.02)
print(w)
nn.init.uniform_(w, -0.1, 0.1)
print(w)
nn.init.zeros_(w)
print(w)
nn.init.ones_(w)
print(w)
nn.init.constant_(w, 0.5)
print(w)
print(nn.init.calculate_gain('relu'), nn.init.calculate_gain('tanh'), nn.init.calculate_gain('leaky_relu', 0.2))

print("### init_on_module")
torch.manual_seed(1)
net = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))
def init_weights(m):
    if isinstance(m, nn.Linear):
        nn.init.xavier_uniform_(m.weight)
        nn.init.zeros_(m.bias)
net.apply(init_weights)
print(net[0].weight)
print(net[0].bias)
print(net[2].weight)
print(net[2].weight.requires_grad, net[2].weight.grad_fn)

print("### init_in_constructor")
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 2)
        nn.init.normal_(self.fc.weight, std=0.1)
        nn.init.constant_(self.fc.bias, 0.1)
    def forward(self, x):
        return self.fc(x)
torch.manual_seed(7)
n = Net()
print(n.fc.weight)
print(n.fc.bias)
print(n(torch.ones(1, 3)))

print("### init_returns")
torch.manual_seed(0)
t = torch.empty(2, 2)
r = nn.init.uniform_(t)
print(r is t, r)
p = nn.Parameter(torch.empty(2, 3))
nn.init.kaiming_normal_(p)
print(p)

print("### weight_data_manipulation")
torch.manual_seed(0)
lin = nn.Linear(2, 2)
lin.weight.data.fill_(0.5)
lin.bias.data.zero_()
print(lin.weight, lin.bias)
with torch.no_grad():
    lin.weight.copy_(torch.tensor([[1.0, 2.0], [3.0, 4.0]]))
    lin.bias += 1
print(lin(torch.tensor([[1.0, 1.0]])))
lin.weight = nn.Parameter(torch.eye(2))
print(lin.weight)
print(list(dict(lin.named_parameters()).keys()))

print("### randn_model_data")
torch.manual_seed(2024)
X = torch.randn(5, 3)
model = nn.Linear(3, 1)
print(X)
print(model(X))
print(torch.rand(3))
print(torch.randint(0, 10, (4,)))
print("### big_linear_bits")
torch.manual_seed(0)
l = nn.Linear(100, 50)
print(l.weight.sum().item(), l.bias.sum().item())
print(l.weight[7, :5].tolist(), l.bias[-3:].tolist())
torch.manual_seed(1)
m = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
print(m[0].weight[0, :4].tolist(), m[2].weight[9, -4:].tolist(), m[2].bias.tolist()[:3])

print("### big_init_bits")
for shape in [(3, 5), (4, 4), (17, 3), (64, 32), (1000,)]:
    torch.manual_seed(5)
    w = torch.empty(*shape)
    if len(shape) > 1:
        nn.init.xavier_normal_(w)
        a = w.flatten()[-3:].tolist()
        nn.init.kaiming_normal_(w)
        b = w.flatten()[:3].tolist()
        nn.init.xavier_uniform_(w, gain=nn.init.calculate_gain('relu'))
        c = w.flatten()[5:8].tolist()
        print(shape, a, b, c)
    nn.init.normal_(w, 0.5, 2.0)
    d = w.flatten()[-2:].tolist()
    nn.init.uniform_(w, -3, 3)
    print(shape, d, w.flatten()[:2].tolist(), w.sum().item())

print("### linear_shape_mismatch")
torch.manual_seed(0)
lin = nn.Linear(4, 5)
x = torch.randn(2, 3)
try:
    lin(x)
except RuntimeError as e:
    print("RuntimeError:", e)
try:
    lin(torch.randn(3))
except RuntimeError as e:
    print("RuntimeError:", e)
try:
    lin(torch.randn(2, 2, 3))
except RuntimeError as e:
    print("RuntimeError:", e)
try:
    nn.Linear(4, 5, bias=False)(torch.randn(2, 3))
except RuntimeError as e:
    print("RuntimeError:", e)
try:
    nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(5, 1))(torch.randn(2, 3))
except RuntimeError as e:
    print("RuntimeError:", e)

print("### forward_wrong_args")
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 1)
    def forward(self, x):
        return self.fc(x)
net = Net()
try:
    net()
except TypeError as e:
    print("TypeError:", e)
try:
    net(torch.ones(1, 2), torch.ones(1, 2))
except TypeError as e:
    print("TypeError:", e)
try:
    nn.Linear(2, 1)()
except TypeError as e:
    print("TypeError:", e)
try:
    nn.ReLU()(torch.ones(2), 3)
except TypeError as e:
    print("TypeError:", e)
try:
    nn.MSELoss()(torch.ones(2))
except TypeError as e:
    print("TypeError:", e)

print("### missing_forward")
class NoForward(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 2)
try:
    NoForward()(torch.ones(2))
except NotImplementedError as e:
    print("NotImplementedError:", e)

print("### forgot_super_init")
class Bad(nn.Module):
    def __init__(self):
        self.fc = nn.Linear(2, 2)
try:
    Bad()
except AttributeError as e:
    print("AttributeError:", e)
class Bad2(nn.Module):
    def __init__(self):
        self.w = nn.Parameter(torch.ones(1))
try:
    Bad2()
except AttributeError as e:
    print("AttributeError:", e)

print("### attribute_errors")
lin = nn.Linear(2, 2)
try:
    lin.weights
except AttributeError as e:
    print("AttributeError:", e)
try:
    nn.Sequential(nn.ReLU())[3]
except IndexError as e:
    print("IndexError:", e)
try:
    lin.weight = torch.ones(2, 2)
except TypeError as e:
    print("TypeError:", e)

print("### loss_errors")
try:
    nn.CrossEntropyLoss()(torch.randn(3, 4), torch.tensor([0, 1, 5]))
except IndexError as e:
    print("IndexError:", e)
try:
    nn.CrossEntropyLoss()(torch.randn(3, 4), torch.tensor([0.0, 1.0, 2.0]))
except RuntimeError as e:
    print("RuntimeError:", e)
try:
    nn.BCELoss()(torch.tensor([0.5, 1.5]), torch.tensor([0.0, 1.0]))
except RuntimeError as e:
    print("RuntimeError:", e)
try:
    nn.BCEWithLogitsLoss()(torch.randn(3, 1), torch.ones(3))
except ValueError as e:
    print("ValueError:", e)
try:
    nn.NLLLoss()(torch.randn(3, 4), torch.tensor([1, 2]))
except ValueError as e:
    print("ValueError:", e)
try:
    nn.MSELoss(reduction='avg')(torch.ones(2), torch.ones(2))
except ValueError as e:
    print("ValueError:", e)
try:
    nn.CrossEntropyLoss()(torch.randn(3, 4), torch.tensor([[0], [1], [2]]))
except RuntimeError as e:
    print("RuntimeError:", e)

print("### dtype_errors")
lin = nn.Linear(2, 1)
try:
    lin(torch.tensor([[1, 2]]))
except RuntimeError as e:
    print("RuntimeError:", e)
try:
    nn.Dropout(1.5)
except ValueError as e:
    print("ValueError:", e)

print("### mse_broadcast_warning")
import warnings
with warnings.catch_warnings(record=True) as w:
    warnings.simplefilter("always")
    loss = nn.MSELoss()(torch.ones(3, 1), torch.zeros(3))
    print(loss)
    print(len(w), w[0].category.__name__)
    print(w[0].message)

print("### backward_twice")
torch.manual_seed(0)
m = nn.Linear(2, 1)
out = m(torch.ones(1, 2)).sum()
out.backward(retain_graph=True)
out.backward()
print(m.weight.grad)
out2 = torch.tanh(m(torch.ones(1, 2))).sum()
out2.backward()
try:
    out2.backward()
except RuntimeError as e:
    print("RuntimeError:", str(e)[:80])
def show(f):
    try:
        r = f()
        print("ok:", r)
    except Exception as e:
        print(f"{type(e).__name__}: {e}")

print("### constructor_errors")
show(lambda: nn.Linear(3))
show(lambda: nn.Linear())
show(lambda: nn.Linear(2, 3, 4, 5, 6, 7))
show(lambda: nn.ReLU(1, 2))
show(lambda: nn.Dropout(p=-0.1))
show(lambda: nn.Sequential(nn.ReLU(), 3))
show(lambda: nn.ModuleList([nn.ReLU(), "x"]))
show(lambda: nn.MSELoss(reduction='average')(torch.ones(1), torch.ones(1)))
show(lambda: nn.Linear(2, 3, bias=False).bias)

print("### target_errors")
logits = torch.tensor([[1.0, 2.0, 0.5], [0.1, 0.2, 0.3]])
show(lambda: nn.CrossEntropyLoss()(logits, torch.tensor([[1], [0]])))
show(lambda: nn.CrossEntropyLoss()(logits, torch.tensor([1, 0, 2])))
show(lambda: nn.CrossEntropyLoss()(logits, torch.tensor([[0.2, 0.5, 0.3], [1.0, 0.0, 0.0]])))
show(lambda: nn.CrossEntropyLoss()(logits, torch.tensor([-1, 0])))
show(lambda: nn.NLLLoss()(logits, torch.tensor([3, 0])))
show(lambda: nn.BCELoss()(torch.tensor([0.2, 0.7]), torch.tensor([0, 1])))
show(lambda: nn.BCEWithLogitsLoss()(torch.tensor([0.2, 0.7]), torch.tensor([0, 1])))
show(lambda: nn.MSELoss()(torch.tensor([0.2, 0.7]), torch.tensor([0, 1])))
show(lambda: nn.L1Loss()(torch.tensor([0.2, 0.7]), torch.tensor([0, 1])))
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    show(lambda: nn.MSELoss()(torch.ones(2, 3), torch.ones(3, 2)))
print(len(caught), caught[0].category.__name__)
show(lambda: nn.MSELoss()(torch.ones(2), 1.0))
show(lambda: F.cross_entropy(torch.ones(3), torch.tensor(1)))

print("### call_errors")
torch.manual_seed(0)
lin = nn.Linear(2, 2)
show(lambda: lin(torch.tensor([1.0, 2.0])))
show(lambda: lin([1.0, 2.0]))
show(lambda: lin(torch.ones(3, 3)))
show(lambda: nn.Softmax(dim=1)(torch.ones(3)))
show(lambda: nn.Flatten()(torch.ones(3)))
show(lambda: nn.Sequential(nn.Linear(2, 2))(torch.ones(2, 2), torch.ones(2, 2)))
show(lambda: lin(x=torch.ones(1, 2)))
show(lambda: lin(input=torch.ones(1, 2)))
show(lambda: nn.Sequential(nn.Linear(2, 2)).weight)
show(lambda: nn.ModuleList([nn.ReLU()])(torch.ones(2)))

print("### backward_errors")
torch.manual_seed(0)
lin = nn.Linear(2, 2)
out = lin(torch.ones(1, 2))
show(lambda: out.backward())
lin.requires_grad_(False)
out = lin(torch.ones(1, 2)).sum()
show(lambda: out.backward())
print(out.requires_grad, out.grad_fn)

print("### bound_method_repr")
lin = nn.Linear(2, 1)
print(lin.forward.__name__)
print(type(lin.parameters()).__name__)
print(callable(lin), isinstance(lin, nn.Module), issubclass(nn.Linear, nn.Module))
print(nn.Linear.__name__, type(lin).__name__, lin.__class__.__name__)
print(lin._get_name())
print(hasattr(lin, "weight"), hasattr(lin, "foo"))
print(getattr(lin, "bias").shape)
print("weight" in dict(lin.named_parameters()))
print(lin.in_features, lin.out_features)
print(lin.training)
print(nn.MSELoss().reduction, nn.CrossEntropyLoss().ignore_index, nn.Dropout(0.2).p, nn.LeakyReLU().negative_slope)
print(nn.Softmax(1).dim, nn.Flatten().start_dim, nn.Flatten().end_dim)
print(nn.SmoothL1Loss().beta, nn.HuberLoss().delta, nn.CrossEntropyLoss().label_smoothing)
