# torch.save / torch.load of state_dicts, checkpoints and whole models; copy.deepcopy of the best weights.
# Expected output: real PyTorch (test/fixtures/gen_python_programs.py).
import io
import os
import tempfile
import copy
import torch
import torch.nn as nn
import torch.optim as optim

os.chdir(tempfile.mkdtemp())

print("### save_load_state_dict")
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
torch.save(model.state_dict(), "checkpoint.pt")
torch.manual_seed(1)
model2 = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
print(torch.equal(model[0].weight, model2[0].weight))
sd = torch.load("checkpoint.pt")
print(type(sd).__name__, list(sd.keys()))
print(model2.load_state_dict(sd))
print(torch.equal(model[0].weight, model2[0].weight))
print(sd["2.bias"])
os.remove("checkpoint.pt")

print("### save_load_objects")
buf = io.BytesIO()
obj = {"epoch": 5, "loss": 0.25, "w": torch.tensor([[1.0, 2.0]], requires_grad=True), "idx": torch.tensor([3, 1]),
       "mask": torch.tensor([True, False]), "p": nn.Parameter(torch.zeros(2)), "s": torch.tensor(7.5), "e": torch.zeros(0, 3)}
torch.save(obj, buf)
buf.seek(0)
back = torch.load(buf)
for k, v in back.items():
    print(k, v)
print(back["e"].shape)

print("### checkpoint_with_optimizer")
torch.manual_seed(2)
net = nn.Linear(2, 1)
opt = optim.SGD(net.parameters(), lr=0.1)
loss = net(torch.ones(3, 2)).pow(2).mean()
loss.backward()
opt.step()
torch.save({"model": net.state_dict(), "epoch": 1}, "ckpt.pth")
ck = torch.load("ckpt.pth", map_location="cpu")
new = nn.Linear(2, 1)
new.load_state_dict(ck["model"])
print(ck["epoch"], new.weight, new.bias)
os.remove("ckpt.pth")

print("### deepcopy_model_best")
torch.manual_seed(3)
net = nn.Linear(2, 2)
best = copy.deepcopy(net.state_dict())
with torch.no_grad():
    net.weight.add_(1.0)
print(net.weight)
net.load_state_dict(best)
print(net.weight)

print("### save_whole_model")
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 2)
        self.register_buffer("steps", torch.tensor(3))
    def forward(self, x):
        return self.fc(x)
torch.manual_seed(4)
net = Net()
torch.save(net, "whole.pt")
m = torch.load("whole.pt")
print(m)
print(m.fc.weight, m.steps)
print(m(torch.ones(1, 2)))
print(type(m).__name__, m.training)
os.remove("whole.pt")
