# Evaluation as notebooks write it: torch.max accuracy over a shuffled DataLoader, a custom Dataset,
# rounding and where on predictions, loss reductions and class weights, eval mode over batches.
# Expected output: real PyTorch (test/fixtures/gen_python_programs.py).

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.utils.data import DataLoader, TensorDataset, Dataset


def case_torch_max_accuracy():
    torch.manual_seed(0)
    X = torch.randn(100, 4)
    y = (X[:, 0] > X[:, 1]).long() + (X[:, 2] > 1).long()
    model = nn.Sequential(nn.Linear(4, 12), nn.ReLU(), nn.Linear(12, 3))
    crit = nn.CrossEntropyLoss()
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    loader = DataLoader(TensorDataset(X, y), batch_size=25, shuffle=True)
    for epoch in range(10):
        correct, total = 0, 0
        for inputs, labels in loader:
            outputs = model(inputs)
            loss = crit(outputs, labels)
            opt.zero_grad()
            loss.backward()
            opt.step()
            _, predicted = torch.max(outputs.data, 1)
            total += labels.size(0)
            correct += (predicted == labels).sum().item()
        print(f"Epoch {epoch + 1}, Loss: {loss.item():.4f}, Accuracy: {100 * correct / total:.2f}%")


class Squares(Dataset):
    def __init__(self, n):
        self.x = torch.arange(n, dtype=torch.float32).unsqueeze(1) / n
        self.y = self.x ** 2

    def __len__(self):
        return len(self.x)

    def __getitem__(self, idx):
        return self.x[idx], self.y[idx]


def case_custom_dataset():
    torch.manual_seed(1)
    ds = Squares(40)
    print(len(ds), ds[3])
    loader = DataLoader(ds, batch_size=8, shuffle=True)
    model = nn.Sequential(nn.Linear(1, 16), nn.Tanh(), nn.Linear(16, 1))
    opt = optim.Adam(model.parameters(), lr=0.01)
    for epoch in range(30):
        for xb, yb in loader:
            opt.zero_grad()
            loss = F.mse_loss(model(xb), yb)
            loss.backward()
            opt.step()
        if epoch % 10 == 9:
            print(epoch + 1, f"{loss.item():.6f}")
    xb, yb = next(iter(loader))
    print(xb.shape, yb.shape)


def case_binary_round_where():
    torch.manual_seed(2)
    X = torch.randn(64, 2)
    y = ((X ** 2).sum(1) < 1.2).float().unsqueeze(1)
    model = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 1), nn.Sigmoid())
    opt = optim.Adam(model.parameters(), lr=0.03)
    bce = nn.BCELoss()
    for epoch in range(150):
        opt.zero_grad()
        out = model(X)
        loss = bce(out, y)
        loss.backward()
        opt.step()
    preds = torch.round(out.detach())
    print(preds[:8].flatten())
    print(torch.where(out[:6] > 0.5, 1, 0).flatten())
    print("acc", (preds == y).float().mean().item(), f"{loss:.4f}")


def case_loss_classes_reductions():
    torch.manual_seed(3)
    logits = torch.randn(6, 4, requires_grad=True)
    target = torch.tensor([0, 3, 1, 1, 2, 0])
    for red in ["mean", "sum", "none"]:
        print(red, nn.CrossEntropyLoss(reduction=red)(logits, target))
    w = torch.tensor([1.0, 2.0, 0.5, 1.0])
    l = nn.CrossEntropyLoss(weight=w)(logits, target)
    l.backward()
    print(l, logits.grad[0])
    print(nn.NLLLoss()(F.log_softmax(logits, dim=1), target))
    print(nn.L1Loss()(logits, torch.zeros(6, 4)))
    print(nn.CrossEntropyLoss(label_smoothing=0.1)(logits, target))


def case_eval_mode_batches():
    torch.manual_seed(4)
    model = nn.Sequential(nn.Linear(3, 6), nn.ReLU(), nn.Dropout(0.2), nn.Linear(6, 2))
    X = torch.randn(30, 3)
    y = torch.randint(0, 2, (30,))
    opt = optim.SGD(model.parameters(), lr=0.2)
    for epoch in range(20):
        model.train()
        opt.zero_grad()
        F.cross_entropy(model(X), y).backward()
        opt.step()
    model.eval()
    test_loss = 0.0
    with torch.no_grad():
        for xb, yb in DataLoader(TensorDataset(X, y), batch_size=10):
            test_loss += F.cross_entropy(model(xb), yb, reduction="sum").item()
    print(f"test loss {test_loss / 30:.5f}")


for _name in [n for n in list(globals()) if n.startswith("case_")]:
    print("### " + _name)
    try:
        globals()[_name]()
    except Exception as _e:
        print("!! " + type(_e).__name__ + ": " + str(_e).split(chr(10))[0])
