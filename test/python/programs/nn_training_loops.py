import copy
import math
import warnings
from collections import OrderedDict

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim

# Training loops written as in a course notebook: regression, classification, minibatches, freezing.
# Expected output: real PyTorch (test/fixtures/gen_python_programs.py).

print("### linear_regression_loop")
torch.manual_seed(0)
X = torch.linspace(-1, 1, 20).unsqueeze(1)
y = 3 * X + 0.5 + 0.1 * torch.randn(20, 1)
model = nn.Linear(1, 1)
criterion = nn.MSELoss()
optimizer = optim.SGD(model.parameters(), lr=0.1)
for epoch in range(100):
    optimizer.zero_grad()
    pred = model(X)
    loss = criterion(pred, y)
    loss.backward()
    optimizer.step()
    if (epoch + 1) % 20 == 0:
        print(f"Epoch [{epoch+1}/100], Loss: {loss.item():.4f}")
print(model.weight.item(), model.bias.item())
print(model.state_dict())

print("### classifier_loop")
torch.manual_seed(1)
N = 30
X = torch.randn(N, 2)
y = (X[:, 0] + X[:, 1] > 0).long()
class Classifier(nn.Module):
    def __init__(self):
        super(Classifier, self).__init__()
        self.net = nn.Sequential(
            nn.Linear(2, 8),
            nn.ReLU(),
            nn.Linear(8, 2),
        )
    def forward(self, x):
        return self.net(x)
clf = Classifier()
print(clf)
opt = optim.Adam(clf.parameters(), lr=0.05)
loss_fn = nn.CrossEntropyLoss()
for epoch in range(50):
    clf.train()
    opt.zero_grad()
    logits = clf(X)
    loss = loss_fn(logits, y)
    loss.backward()
    opt.step()
    if epoch % 10 == 0:
        acc = (logits.argmax(dim=1) == y).float().mean()
        print(epoch, round(loss.item(), 4), acc.item())
clf.eval()
with torch.no_grad():
    out = clf(X[:5])
    probs = F.softmax(out, dim=1)
    print(out)
    print(probs)
    print(probs.argmax(1), y[:5])
    correct = (clf(X).argmax(1) == y).sum().item()
    print(f"Accuracy: {correct}/{N} = {100 * correct / N:.1f}%")

print("### binary_classifier_sigmoid")
torch.manual_seed(2)
X = torch.tensor([[0., 0.], [0., 1.], [1., 0.], [1., 1.]])
y = torch.tensor([[0.], [1.], [1.], [0.]])
model = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 1), nn.Sigmoid())
opt = optim.SGD(model.parameters(), lr=1.0)
bce = nn.BCELoss()
losses = []
for i in range(300):
    out = model(X)
    loss = bce(out, y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    losses.append(loss.item())
print(losses[0], losses[-1])
print(model(X).detach())
print((model(X) > 0.5).long().squeeze().tolist())
print(model(X).round())

print("### minibatch_loop")
torch.manual_seed(3)
X = torch.randn(16, 3)
w_true = torch.tensor([[1.0], [-2.0], [0.5]])
y = X @ w_true + 0.3
model = nn.Linear(3, 1)
opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
for epoch in range(5):
    perm = torch.randperm(16)
    total = 0.0
    for i in range(0, 16, 4):
        idx = perm[i:i+4]
        xb, yb = X[idx], y[idx]
        loss = F.mse_loss(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        total += loss.item() * xb.size(0)
    print(f"epoch {epoch}: {total / 16:.5f}")
print(model.weight.data, model.bias.data)

print("### manual_sgd_no_optimizer")
torch.manual_seed(4)
model = nn.Linear(2, 1)
X = torch.randn(8, 2)
y = X.sum(dim=1, keepdim=True)
lr = 0.1
for step in range(30):
    loss = ((model(X) - y) ** 2).mean()
    model.zero_grad()
    loss.backward()
    with torch.no_grad():
        for p in model.parameters():
            p -= lr * p.grad
    if step % 10 == 0:
        print(step, loss.item())
print(list(model.parameters()))

print("### grad_inspection")
torch.manual_seed(5)
net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
x = torch.randn(2, 3)
target = torch.tensor([1, 0])
loss = F.cross_entropy(net(x), target)
loss.backward()
for name, p in net.named_parameters():
    print(name, p.grad.shape, f"{p.grad.norm().item():.4f}")
print(net[0].weight.grad)
print(net[2].bias.grad)

print("### freeze_layers")
torch.manual_seed(6)
net = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
for p in net[0].parameters():
    p.requires_grad = False
opt = optim.SGD(filter(lambda p: p.requires_grad, net.parameters()), lr=0.1)
before = net[0].weight.clone()
loss = net(torch.ones(4, 2)).pow(2).mean()
loss.backward()
opt.step()
print(torch.equal(before, net[0].weight), net[0].weight.grad)
print(net[2].weight)
trainable = sum(p.numel() for p in net.parameters() if p.requires_grad)
total = sum(p.numel() for p in net.parameters())
print(f"trainable: {trainable} / {total}")

print("### dropout_train_eval_loop")
torch.manual_seed(7)
model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Dropout(0.5), nn.Linear(8, 1))
x = torch.randn(3, 4)
model.train()
out1 = model(x)
out2 = model(x)
print(out1)
print(out2)
model.eval()
print(torch.equal(model(x), model(x)))
print(model(x))

print("### lr_scheduler_like")
torch.manual_seed(8)
model = nn.Linear(2, 1)
opt = optim.SGD(model.parameters(), lr=0.5)
for epoch in range(6):
    for g in opt.param_groups:
        g['lr'] = 0.5 * (0.5 ** epoch)
    loss = model(torch.ones(1, 2)).sum() ** 2
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(epoch, opt.param_groups[0]['lr'], f"{loss.item():.6f}")
print("### optimizer_reprs")
torch.manual_seed(0)
model = nn.Linear(2, 1)
print(optim.SGD(model.parameters(), lr=0.01))
print(optim.Adam(model.parameters()))
print(optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4))

print("### optimizer_state")
opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
print(opt.param_groups[0]['lr'], opt.param_groups[0]['momentum'])
print(len(opt.param_groups[0]['params']))
print(opt.state_dict()['param_groups'])
loss = model(torch.ones(3, 2)).sum()
loss.backward()
opt.step()
print(model.weight)

print("### regression_huber_training")
torch.manual_seed(10)
X = torch.randn(12, 2)
y = X[:, :1] * 2 - X[:, 1:] + 0.5
y[0] = 10.0
for loss_fn in [nn.MSELoss(), nn.L1Loss(), nn.SmoothL1Loss(), nn.HuberLoss(delta=0.5)]:
    torch.manual_seed(0)
    model = nn.Linear(2, 1)
    opt = optim.SGD(model.parameters(), lr=0.1)
    for _ in range(40):
        opt.zero_grad()
        loss = loss_fn(model(X), y)
        loss.backward()
        opt.step()
    print(loss_fn, f"{loss.item():.4f}", model.weight.data.tolist())

print("### multiclass_nll_logsoftmax")
torch.manual_seed(11)
X = torch.randn(20, 4)
y = torch.randint(0, 3, (20,))
model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 3), nn.LogSoftmax(dim=1))
opt = optim.Adam(model.parameters(), lr=0.01)
crit = nn.NLLLoss()
for epoch in range(30):
    opt.zero_grad()
    out = model(X)
    loss = crit(out, y)
    loss.backward()
    opt.step()
    if epoch % 10 == 9:
        print(f"epoch {epoch + 1}: loss={loss.item():.4f}")
with torch.no_grad():
    pred = model(X).argmax(dim=1)
print(pred)
print((pred == y).sum().item(), "/", len(y))
print(model(X[:2]).exp().sum(dim=1))

print("### bce_logits_training")
torch.manual_seed(12)
X = torch.randn(10, 3)
y = (X.sum(1, keepdim=True) > 0).float()
model = nn.Linear(3, 1)
crit = nn.BCEWithLogitsLoss()
opt = optim.SGD(model.parameters(), lr=0.5)
hist = []
for i in range(25):
    opt.zero_grad()
    logits = model(X)
    loss = crit(logits, y)
    loss.backward()
    opt.step()
    hist.append(round(loss.item(), 4))
print(hist[::5])
probs = torch.sigmoid(model(X))
print(probs.detach().squeeze())
print(((probs > 0.5).float() == y).float().mean().item())

print("### custom_module_training")
class TwoLayer(nn.Module):
    def __init__(self, d_in, d_hidden, d_out):
        super().__init__()
        self.hidden = nn.Linear(d_in, d_hidden)
        self.out = nn.Linear(d_hidden, d_out)
    def forward(self, x):
        h = F.relu(self.hidden(x))
        return self.out(h)
torch.manual_seed(13)
net = TwoLayer(2, 5, 1)
X = torch.rand(8, 2)
y = (X[:, 0] * X[:, 1]).unsqueeze(1)
opt = optim.Adam(net.parameters(), lr=0.02)
for step in range(60):
    pred = net(X)
    loss = F.mse_loss(pred, y)
    opt.zero_grad()
    loss.backward()
    opt.step()
print(f"final loss {loss.item():.6f}")
print(net.out.weight.grad)
print(net.hidden.bias)
