# torch.utils.data as training loops use it: TensorDataset, DataLoader (seeded shuffles), random_split.
# Expected output: real PyTorch (test/fixtures/gen_python_programs.py).
import torch
import torch.nn as nn
import torch.optim as optim
from torch.utils.data import TensorDataset, DataLoader, random_split, Dataset

print("### tensordataset_basics")
X = torch.arange(12, dtype=torch.float32).reshape(6, 2)
y = torch.tensor([0, 1, 0, 1, 1, 0])
ds = TensorDataset(X, y)
print(len(ds))
print(ds[0])
print(ds[5])
print(ds[1:3])

print("### dataloader_sequential")
dl = DataLoader(ds, batch_size=4)
print(len(dl))
for xb, yb in dl:
    print(xb, yb)
for batch in DataLoader(ds, batch_size=4, drop_last=True):
    print(type(batch).__name__, len(batch), batch[0].shape)

print("### dataloader_shuffle_seeded")
torch.manual_seed(0)
dl = DataLoader(ds, batch_size=2, shuffle=True)
for epoch in range(2):
    for xb, yb in dl:
        print(epoch, xb[:, 0].tolist(), yb.tolist())
print(torch.rand(2))

print("### dataloader_generator")
g = torch.Generator().manual_seed(42)
dl = DataLoader(ds, batch_size=3, shuffle=True, generator=g)
for xb, yb in dl:
    print(yb.tolist(), xb[:, 1].tolist())
print(torch.randperm(5, generator=torch.Generator().manual_seed(1)))
print(g.initial_seed())

print("### random_split")
torch.manual_seed(1)
train, test = random_split(ds, [4, 2])
print(len(train), len(test))
print(train.indices, test.indices)
print(train[0])
a, b = random_split(range(10), [0.7, 0.3], generator=torch.Generator().manual_seed(42))
print(list(a), list(b))

print("### custom_dataset")
class Squares(Dataset):
    def __init__(self, n):
        self.x = torch.arange(n, dtype=torch.float32).unsqueeze(1)
        self.y = self.x ** 2
    def __len__(self):
        return len(self.x)
    def __getitem__(self, i):
        return self.x[i], self.y[i]
sq = Squares(5)
for xb, yb in DataLoader(sq, batch_size=2):
    print(xb.squeeze(1).tolist(), yb.squeeze(1).tolist())
class Dicts(Dataset):
    def __len__(self):
        return 3
    def __getitem__(self, i):
        return {"x": torch.tensor([i, i + 1.0]), "label": i}
for b in DataLoader(Dicts(), batch_size=2):
    print(b)

print("### training_with_loader")
torch.manual_seed(3)
X = torch.randn(40, 3)
y = X @ torch.tensor([[2.0], [-1.0], [0.5]]) + 0.1 * torch.randn(40, 1)
loader = DataLoader(TensorDataset(X, y), batch_size=8, shuffle=True)
model = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Dropout(0.1), nn.Linear(8, 1))
opt = optim.Adam(model.parameters(), lr=0.05)
loss_fn = nn.MSELoss()
for epoch in range(5):
    model.train()
    running = 0.0
    for xb, yb in loader:
        opt.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
        running += loss.item() * len(xb)
    print(f"epoch {epoch}: {running / len(loader.dataset):.4f}")
model.eval()
with torch.no_grad():
    print(loss_fn(model(X), y))

print("### dataset_errors")
try:
    TensorDataset(torch.ones(3), torch.ones(4))
except AssertionError as e:
    print("AssertionError:", e)
try:
    random_split(ds, [3, 4])
except ValueError as e:
    print("ValueError:", e)
try:
    DataLoader(ds, batch_size=0)
except ValueError as e:
    print("ValueError:", e)
