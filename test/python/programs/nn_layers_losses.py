import copy
import math
import warnings
from collections import OrderedDict

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim

# Layers, activations, losses (every reduction) and their functional forms, forward and backward.
# Expected output: real PyTorch (test/fixtures/gen_python_programs.py).

x = torch.tensor([[-1.5, 0.0, 2.0], [0.5, -0.25, 1.0]])

print("### activations_forward")
for act in [nn.ReLU(), nn.LeakyReLU(), nn.LeakyReLU(0.2), nn.Sigmoid(), nn.Tanh(), nn.Softmax(dim=1), nn.Softmax(dim=0), nn.LogSoftmax(dim=1), nn.Identity(), nn.Flatten(), nn.GELU(), nn.Softplus()]:
    print(act, act(x))

print("### functional_forward")
print(F.relu(x))
print(F.leaky_relu(x, 0.1))
print(x.sigmoid())
print(x.tanh())
print(F.softmax(x, dim=-1))
print(F.log_softmax(x, dim=-1))
print(torch.softmax(x, 1))
print(torch.sigmoid(x))
print(F.elu(x))
print(F.silu(x))
print(F.gelu(x))

print("### softmax_implicit_dim")
sm = nn.Softmax()
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    print(sm(x))
    print(F.log_softmax(x))
print([str(w.message) for w in caught])

print("### activations_backward")
xr = x.clone().requires_grad_(True)
y = nn.Sequential(nn.LeakyReLU(0.1), nn.Tanh())(xr)
y.sum().backward()
print(y)
print(xr.grad)

print("### dropout")
d = nn.Dropout(p=0.0)
print(d(x))
d2 = nn.Dropout(0.5)
d2.eval()
print(d2(x))
print(F.dropout(x, p=0.5, training=False))
torch.manual_seed(0)
d3 = nn.Dropout(0.5)
print(d3(torch.ones(3, 4)))
torch.manual_seed(0)
print(F.dropout(torch.ones(8), 0.25))

print("### flatten")
t = torch.arange(24.).reshape(2, 3, 4)
print(nn.Flatten()(t).shape)
print(nn.Flatten(0)(t).shape)
print(nn.Flatten(0, 1)(t).shape)
print(nn.Flatten(start_dim=1, end_dim=1)(t).shape)
print(nn.Flatten(start_dim=0, end_dim=-1))

pred = torch.tensor([[0.2, 0.8], [0.6, 0.4], [0.9, 0.1]])
target = torch.tensor([[0.0, 1.0], [1.0, 0.0], [1.0, 0.0]])
reg_p = torch.tensor([1.0, 2.5, -0.3, 4.0])
reg_t = torch.tensor([1.5, 2.0, 0.0, 1.0])

print("### regression_losses")
for red in ['mean', 'sum', 'none']:
    print(red, nn.MSELoss(reduction=red)(reg_p, reg_t))
    print(red, nn.L1Loss(reduction=red)(reg_p, reg_t))
    print(red, F.mse_loss(reg_p, reg_t, reduction=red))
    print(red, F.l1_loss(reg_p, reg_t, reduction=red))

print("### smooth_l1_huber")
for red in ['mean', 'sum', 'none']:
    print(red, nn.SmoothL1Loss(reduction=red)(reg_p, reg_t))
    print(red, nn.HuberLoss(reduction=red)(reg_p, reg_t))
    print(red, nn.SmoothL1Loss(reduction=red, beta=0.5)(reg_p, reg_t))
    print(red, nn.HuberLoss(reduction=red, delta=2.0)(reg_p, reg_t))
    print(red, F.smooth_l1_loss(reg_p, reg_t, reduction=red))
    print(red, F.huber_loss(reg_p, reg_t, reduction=red, delta=0.5))

print("### smooth_l1_backward")
p = reg_p.clone().requires_grad_()
l = F.smooth_l1_loss(p, reg_t)
l.backward()
print(l, p.grad)
p.grad = None
l = F.huber_loss(p, reg_t, delta=2.0)
l.backward()
print(l, p.grad)
p.grad = None
l = nn.SmoothL1Loss(beta=0.0)(p, reg_t)
l.backward()
print(l, p.grad)

print("### bce_losses")
for red in ['mean', 'sum', 'none']:
    print(red, nn.BCELoss(reduction=red)(pred, target))
    print(red, nn.BCEWithLogitsLoss(reduction=red)(pred, target))
    print(red, F.binary_cross_entropy(pred, target, reduction=red))
    print(red, F.binary_cross_entropy_with_logits(pred, target, reduction=red))
print(nn.BCEWithLogitsLoss(pos_weight=torch.tensor([2.0, 1.0]))(pred, target))

logits = torch.tensor([[2.0, 1.0, 0.1], [0.5, 2.5, 0.3], [1.2, 0.2, 3.1], [0.0, 0.0, 0.0]])
labels = torch.tensor([0, 1, 2, 1])
print("### ce_nll")
for red in ['mean', 'sum', 'none']:
    print(red, nn.CrossEntropyLoss(reduction=red)(logits, labels))
    print(red, nn.NLLLoss(reduction=red)(F.log_softmax(logits, dim=1), labels))
    print(red, F.cross_entropy(logits, labels, reduction=red))
    print(red, F.nll_loss(torch.log_softmax(logits, 1), labels, reduction=red))
print(nn.CrossEntropyLoss(weight=torch.tensor([1.0, 2.0, 0.5]))(logits, labels))
print(nn.CrossEntropyLoss(ignore_index=1)(logits, labels))
print(nn.CrossEntropyLoss(label_smoothing=0.1)(logits, labels))
print(F.cross_entropy(logits[0], labels[0]))

print("### loss_backward")
lg = logits.clone().requires_grad_(True)
loss = nn.CrossEntropyLoss()(lg, labels)
loss.backward()
print(loss)
print(lg.grad)
pp = pred.clone().requires_grad_(True)
l2 = nn.BCELoss()(pp, target)
l2.backward()
print(l2, pp.grad, sep='\n')

print("### loss_item_format")
loss = nn.MSELoss()(reg_p, reg_t)
print(loss.item())
print(f"loss: {loss.item():.4f}")
print(f"loss: {loss:.3f}")
print("loss =", loss)
print(round(loss.item(), 3))
print("### functional_misc")
x = torch.tensor([[1.0, -2.0, 3.0], [0.5, 0.0, -1.0]])
print(F.normalize(x, dim=1))
print(F.one_hot(torch.tensor([0, 2, 1]), num_classes=3))
print(F.one_hot(torch.tensor([0, 2, 1])))
print(F.hardtanh(x))
print(F.relu6(x * 3))
print(F.softplus(x))
print(F.logsigmoid(x))
print(F.elu(x, alpha=0.5))
print(F.linear(x, torch.ones(2, 3)))
print(F.linear(x, torch.ones(2, 3), torch.tensor([1.0, -1.0])))

print("### one_hot_normalize_more")
print(F.one_hot(torch.arange(0, 5) % 3))
print(F.one_hot(torch.tensor([[0, 1], [2, 3]]), 4).shape)
try:
    F.one_hot(torch.tensor([0, 3]), num_classes=2)
except RuntimeError as e:
    print("RuntimeError:", e)
try:
    F.one_hot(torch.tensor([0.0, 1.0]))
except RuntimeError as e:
    print("RuntimeError:", e)
v = torch.tensor([[3.0, 4.0], [0.0, 0.0]], requires_grad=True)
n = F.normalize(v, dim=1)
print(n)
n.sum().backward()
print(v.grad)
print(F.normalize(torch.tensor([1.0, 2.0, 2.0]), dim=0))
print(F.normalize(torch.tensor([[1.0, 2.0], [3.0, 4.0]]), p=1, dim=0))
print("### more_activation_modules")
x = torch.tensor([[-3.0, -0.5, 0.0, 0.7, 7.0]], requires_grad=True)
for act in [nn.ELU(), nn.ELU(alpha=0.5), nn.SiLU(), nn.Hardtanh(), nn.Hardtanh(-2, 2), nn.ReLU6(), nn.LogSigmoid()]:
    y = act(x)
    g, = torch.autograd.grad(y.sum(), x)
    print(act, y, g, sep="\n")
print(nn.Sequential(nn.Linear(5, 5), nn.ELU(), nn.ReLU6(inplace=True), nn.SiLU()))
print(isinstance(nn.ReLU6(), nn.Hardtanh), nn.ReLU6().min_val, nn.ReLU6().max_val)
print("### plain_list_bug")
class Bad(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = [nn.Linear(2, 2), nn.Linear(2, 1)]
    def forward(self, x):
        for l in self.layers:
            x = l(x)
        return x
b = Bad()
print(b)
print(len(list(b.parameters())))
print(b.state_dict())

print("### loss_weights")
p = torch.tensor([0.1, 0.9, 0.4])
t = torch.tensor([0.0, 1.0, 1.0])
print(F.binary_cross_entropy(p, t, weight=torch.tensor([1.0, 2.0, 3.0])))
print(nn.BCELoss(weight=torch.tensor([1.0, 2.0, 3.0]), reduction="sum")(p, t))
print(F.cross_entropy(torch.tensor([[1.0, 2.0]]), torch.tensor([1]), label_smoothing=0.2))

print("### softmax_dims")
x = torch.arange(24.0).reshape(2, 3, 4) / 10
print(F.softmax(x, dim=0)[0])
print(F.softmax(x, dim=-1)[1])
print(nn.LogSoftmax(dim=1)(x)[0])
print(x.softmax(2).sum(-1))

print("### losses_on_scalars_and_grads")
a = torch.tensor(2.0, requires_grad=True)
b = torch.tensor(0.5)
for fn in [F.mse_loss, F.l1_loss, F.smooth_l1_loss, F.huber_loss]:
    l = fn(a, b)
    l.backward()
    print(fn.__name__, l, a.grad)
    a.grad = None
x = torch.linspace(-2, 2, 20, requires_grad=True)
yt = torch.zeros(20)
for fn in [F.smooth_l1_loss, F.huber_loss]:
    for red in ["mean", "sum"]:
        l = fn(x, yt, reduction=red)
        l.backward()
        print(fn.__name__, red, l.item(), x.grad[:4].tolist(), x.grad[-3:].tolist())
        x.grad = None
l = F.smooth_l1_loss(x, yt, reduction="none", beta=0.3)
l.backward(torch.ones(20) * 0.5)
print(l[:5], x.grad[8:12])
print("### dropout_inplace")
torch.manual_seed(0)
x = torch.randn(3, 4, requires_grad=True)
h = x * 1.0
out = nn.Dropout(0.4, inplace=True)(h)
print(out is h, out)
out.sum().backward()
print(x.grad)
torch.manual_seed(0)
print(F.dropout(torch.randn(3, 4) * 1.0, 0.4, inplace=True))
print(torch.rand(2))
try:
    nn.Dropout(inplace=True)(torch.ones(2, requires_grad=True))
except RuntimeError as e:
    print(e)
m = nn.Dropout(0.5, inplace=True); m.eval(); print(m(torch.ones(2)))
print(m)
print("### loss_grads_both_sides")
a = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
b = torch.tensor([1.0, 2.5, 2.0], requires_grad=True)
for fn in [nn.MSELoss(), nn.L1Loss(), nn.SmoothL1Loss(beta=0.5), nn.HuberLoss(delta=0.7), nn.MSELoss(reduction="sum"), nn.L1Loss(reduction="none")]:
    l = fn(a, b)
    l.sum().backward()
    print(fn, l, a.grad, b.grad)
    a.grad = None
    b.grad = None
print("### soft_targets")
logits = torch.tensor([[1.0, 2.0, 0.5], [0.3, 0.2, 0.9]], requires_grad=True)
soft = torch.tensor([[0.1, 0.8, 0.1], [0.3, 0.3, 0.4]])
l = nn.CrossEntropyLoss()(logits, soft)
l.backward()
print(l, logits.grad)
print(F.cross_entropy(logits, soft, reduction="none"))
print(F.nll_loss(torch.log_softmax(logits[0], 0), torch.tensor(1)))
