# Training data: seeded randn/rand/randint/randperm/normal_/uniform_/normal, linspace/arange, torch.utils.data (TensorDataset, DataLoader with and without shuffle, random_split, a Generator).
# Expected output: real PyTorch (test/fixtures/gen_python_programs.py).

import torch
from torch.utils.data import TensorDataset, DataLoader


def case_randn_seed():
    torch.manual_seed(42)
    x = torch.randn(5, 3)
    print(x)
    print(torch.rand(4))
    print(torch.randint(0, 10, (6,)))
    print(torch.randperm(8))


def case_normal_uniform():
    torch.manual_seed(0)
    w = torch.empty(3, 4)
    w.normal_(0, 0.1)
    print(w)
    w.uniform_(-1, 1)
    print(w)
    print(torch.linspace(0, 1, 5))
    print(torch.arange(0, 2, 0.25))
    print(torch.arange(10))


def case_big_randn():
    torch.manual_seed(123)
    X = torch.randn(100, 2)
    print(X[:3])
    print(X.mean(), X.std())
    print(X.sum(dim=0))
    y = (X[:, 0] + X[:, 1] > 0).long()
    print(y[:10], y.sum())


def case_noise_data():
    torch.manual_seed(1)
    x = torch.linspace(-1, 1, 50).unsqueeze(1)
    y = 3 * x + 2 + 0.1 * torch.randn(x.size())
    print(y[:5])
    print(y.shape, x.dtype)


def case_normal_fn():
    torch.manual_seed(7)
    print(torch.normal(0.0, 1.0, size=(2, 3)))
    print(torch.normal(torch.zeros(4), torch.ones(4)))
    print(torch.randn(3, dtype=torch.float32))
    print(torch.rand(2, 2) * 2 - 1)

def case_dataset_basics():
    X = torch.arange(20, dtype=torch.float32).view(10, 2)
    y = torch.arange(10)
    ds = TensorDataset(X, y)
    print(len(ds))
    print(ds[3])
    xb, yb = ds[0]
    print(xb, yb)
    print(ds[2:4])


def case_loader_no_shuffle():
    X = torch.arange(20, dtype=torch.float32).view(10, 2)
    y = torch.arange(10)
    loader = DataLoader(TensorDataset(X, y), batch_size=4)
    print(len(loader))
    for i, (xb, yb) in enumerate(loader):
        print(i, xb.shape, yb)
    for xb, yb in DataLoader(TensorDataset(X, y), batch_size=3, drop_last=True):
        print(yb)


def case_loader_shuffle_seeded():
    torch.manual_seed(0)
    X = torch.arange(10, dtype=torch.float32).unsqueeze(1)
    y = torch.arange(10)
    loader = DataLoader(TensorDataset(X, y), batch_size=4, shuffle=True)
    for epoch in range(3):
        for xb, yb in loader:
            print(epoch, yb)
    print(torch.randn(2))


def case_loader_training():
    torch.manual_seed(42)
    X = torch.randn(64, 3)
    y = X @ torch.tensor([[1.0], [-2.0], [0.5]]) + 0.1 * torch.randn(64, 1)
    loader = DataLoader(TensorDataset(X, y), batch_size=16, shuffle=True)
    model = nn.Linear(3, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for epoch in range(10):
        total = 0.0
        for xb, yb in loader:
            pred = model(xb)
            loss = F.mse_loss(pred, yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * xb.size(0)
        if epoch % 3 == 0:
            print(f"epoch {epoch} avg loss {total / len(loader.dataset):.5f}")
    print(model.weight, model.bias)


def case_loader_classification():
    torch.manual_seed(7)
    X = torch.randn(100, 2)
    y = (X[:, 0] * X[:, 1] > 0).long()
    ds = TensorDataset(X, y)
    train_loader = DataLoader(ds, batch_size=20, shuffle=True)
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 2))
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    crit = nn.CrossEntropyLoss()
    for epoch in range(15):
        correct = 0
        for xb, yb in train_loader:
            out = model(xb)
            loss = crit(out, yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            correct += (out.argmax(1) == yb).sum().item()
        if epoch % 5 == 4:
            print(epoch, loss.item(), correct / len(ds))
    model.eval()
    with torch.no_grad():
        acc = (model(X).argmax(dim=1) == y).float().mean()
    print(f"Accuracy: {acc.item()*100:.1f}%")


def case_loader_single_tensor():
    data = torch.linspace(0, 1, 7)
    for b in DataLoader(data, batch_size=3):
        print(b)
    for b in DataLoader(TensorDataset(data), batch_size=5):
        print(type(b).__name__, len(b), b[0])


def case_random_split():
    torch.manual_seed(0)
    ds = TensorDataset(torch.arange(10).float(), torch.arange(10))
    from torch.utils.data import random_split
    tr, te = random_split(ds, [8, 2])
    print(len(tr), len(te))
    print([te[i][1].item() for i in range(len(te))])


def case_loader_generator():
    g = torch.Generator()
    g.manual_seed(3)
    loader = DataLoader(TensorDataset(torch.arange(8)), batch_size=3, shuffle=True, generator=g)
    for (b,) in loader:
        print(b)


def case_iter_next():
    torch.manual_seed(1)
    loader = DataLoader(TensorDataset(torch.randn(6, 2), torch.arange(6)), batch_size=2, shuffle=True)
    xb, yb = next(iter(loader))
    print(xb, yb)
    print(len(loader), loader.batch_size)


for _name in [n for n in list(globals()) if n.startswith("case_")]:
    print("### " + _name)
    try:
        globals()[_name]()
    except Exception as _e:
        print("!! " + type(_e).__name__ + ": " + str(_e).split(chr(10))[0])
