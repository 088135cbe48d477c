# Whole notebook-style programs: a spiral classifier with a DataLoader and best-weights checkpointing, an autoencoder.
# Expected output: real PyTorch (test/fixtures/gen_python_programs.py).
import copy
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(42)

print("### notebook_spiral_classifier")
N = 30
t = torch.linspace(0, 3, N)
X = torch.cat([torch.stack([t * torch.cos(t), t * torch.sin(t)], 1), torch.stack([-t * torch.cos(t), -t * torch.sin(t)], 1)])
y = torch.cat([torch.zeros(N), torch.ones(N)]).long()
X = X + 0.05 * torch.randn_like(X)
print(X.shape, y.shape, y.sum())

class SpiralNet(nn.Module):
    def __init__(self, hidden=16):
        super().__init__()
        self.fc1 = nn.Linear(2, hidden)
        self.fc2 = nn.Linear(hidden, hidden)
        self.out = nn.Linear(hidden, 2)

    def forward(self, x):
        x = F.relu(self.fc1(x))
        x = torch.tanh(self.fc2(x))
        return self.out(x)

model = SpiralNet()
print(model)
n_params = sum(p.numel() for p in model.parameters())
print(f"Number of parameters: {n_params}")
optimizer = torch.optim.Adam(model.parameters(), lr=0.03)
criterion = nn.CrossEntropyLoss()
loader = DataLoader(TensorDataset(X, y), batch_size=16, shuffle=True)
best_loss, best_state = float("inf"), None
for epoch in range(15):
    model.train()
    epoch_loss = 0.0
    for i, (xb, yb) in enumerate(loader):
        logits = model(xb)
        loss = criterion(logits, yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        epoch_loss += loss.item()
    epoch_loss /= len(loader)
    if epoch_loss < best_loss:
        best_loss = epoch_loss
        best_state = copy.deepcopy(model.state_dict())
    if epoch % 3 == 0:
        model.eval()
        with torch.no_grad():
            acc = (model(X).argmax(1) == y).float().mean().item()
        print(f"epoch {epoch:2d} | loss {epoch_loss:.4f} | acc {acc:.2%}")
model.load_state_dict(best_state)
print(f"best loss {best_loss:.4f}")
with torch.no_grad():
    preds = model(X).argmax(dim=1)
print(preds.eq(y).sum().item(), "correct of", len(y))
print(torch.cat([p.flatten() for p in model.parameters()]).abs().mean())
print(model.out.weight.data)
print({k: tuple(v.shape) for k, v in model.state_dict().items()})

print("### notebook_autoencoder")
torch.manual_seed(7)
data = torch.rand(32, 6)
enc = nn.Sequential(nn.Linear(6, 3), nn.Sigmoid())
dec = nn.Sequential(nn.Linear(3, 6), nn.Sigmoid())
ae = nn.Sequential(enc, dec)
print(ae)
opt = torch.optim.SGD(ae.parameters(), lr=1.0, momentum=0.5)
for step in range(40):
    recon = ae(data)
    loss = F.mse_loss(recon, data, reduction="sum") / data.size(0)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 10 == 0:
        print(step, round(loss.item(), 5))
codes = enc(data[:3]).detach()
print(codes)
print(dec(codes).detach().round(decimals=2))

print("### round_decimals")
torch.manual_seed(0)
x = torch.randn(8) * 100
print(x.round(decimals=2), torch.round(x, decimals=1), x.round(decimals=-1), torch.round(x), x.round())
print(torch.tensor([0.125, 0.135, 2.5, -0.5]).round(decimals=2), torch.tensor([2.5, 3.5]).round())
print(round(3.14159, 2))
