# Longer training runs where float32 order shows: bigger MLPs (cross entropy, MSE, BCE), minibatch epochs
# with a shuffled DataLoader, RMSprop and Adagrad curves, softmax outputs, log_softmax + nll_loss, one_hot.
# Expected output: real PyTorch (test/fixtures/gen_python_programs.py).

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.utils.data import TensorDataset, DataLoader


def case_bigger_mlp_ce():
    torch.manual_seed(0)
    X = torch.randn(256, 20)
    y = (X[:, :5].sum(1) > 0).long() + (X[:, 5] > 1).long()
    model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 3))
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    for step in range(200):
        opt.zero_grad()
        loss = F.cross_entropy(model(X), y)
        loss.backward()
        opt.step()
        if step % 25 == 0 or step == 199:
            print(step, f"{loss.item():.6f}")
    print(model[4].bias)


def case_bigger_adam_mse():
    torch.manual_seed(1)
    X = torch.randn(128, 10)
    y = (X ** 2).sum(1, keepdim=True) * 0.1
    model = nn.Sequential(nn.Linear(10, 50), nn.Tanh(), nn.Linear(50, 1))
    opt = optim.Adam(model.parameters(), lr=0.01)
    for step in range(200):
        opt.zero_grad()
        loss = F.mse_loss(model(X), y)
        loss.backward()
        opt.step()
        if step % 25 == 0 or step == 199:
            print(step, f"{loss.item():.6f}")


def case_minibatch_epochs():
    torch.manual_seed(2)
    X = torch.randn(200, 8)
    y = (X @ torch.randn(8, 1) > 0).float()
    loader = DataLoader(TensorDataset(X, y), batch_size=32, shuffle=True)
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1))
    opt = optim.Adam(model.parameters(), lr=0.01)
    crit = nn.BCEWithLogitsLoss()
    for epoch in range(20):
        running = 0.0
        for xb, yb in loader:
            opt.zero_grad()
            loss = crit(model(xb), yb)
            loss.backward()
            opt.step()
            running += loss.item()
        if epoch % 4 == 0:
            print(f"epoch {epoch}: {running / len(loader):.5f}")
    with torch.no_grad():
        acc = ((model(X) > 0).float() == y).float().mean().item()
    print(f"{acc:.4f}")


def case_rmsprop_long():
    torch.manual_seed(3)
    X = torch.randn(64, 4)
    y = torch.sigmoid(X @ torch.tensor([[1.0], [-1.0], [2.0], [0.0]]))
    model = nn.Sequential(nn.Linear(4, 32), nn.Sigmoid(), nn.Linear(32, 1), nn.Sigmoid())
    opt = optim.RMSprop(model.parameters(), lr=0.005)
    for step in range(200):
        opt.zero_grad()
        loss = F.binary_cross_entropy(model(X), y)
        loss.backward()
        opt.step()
        if step % 40 == 0 or step == 199:
            print(step, f"{loss.item():.6f}")


def case_softmax_output_mse():
    torch.manual_seed(4)
    X = torch.randn(100, 6)
    y = torch.randint(0, 4, (100,))
    onehot = F.one_hot(y, 4).float()
    model = nn.Sequential(nn.Linear(6, 24), nn.ReLU(), nn.Linear(24, 4), nn.Softmax(dim=1))
    opt = optim.SGD(model.parameters(), lr=0.5)
    for step in range(150):
        opt.zero_grad()
        loss = ((model(X) - onehot) ** 2).sum(1).mean()
        loss.backward()
        opt.step()
        if step % 30 == 0:
            print(step, loss.item())
    print((model(X).argmax(1) == y).sum().item())


def case_log_softmax_nll():
    torch.manual_seed(5)
    X = torch.randn(60, 12)
    y = torch.randint(0, 10, (60,))
    model = nn.Sequential(nn.Linear(12, 30), nn.ReLU(), nn.Linear(30, 10), nn.LogSoftmax(dim=1))
    opt = optim.Adagrad(model.parameters(), lr=0.05)
    for step in range(200):
        opt.zero_grad()
        loss = F.nll_loss(model(X), y)
        loss.backward()
        opt.step()
        if step % 40 == 0 or step == 199:
            print(step, loss.item())


for _name in [n for n in list(globals()) if n.startswith("case_")]:
    print("### " + _name)
    try:
        globals()[_name]()
    except Exception as _e:
        print("!! " + type(_e).__name__ + ": " + str(_e).split(chr(10))[0])
