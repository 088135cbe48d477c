import torch

# Three ways to turn gradient tracking off, and the error each gives at backward()
x = torch.tensor(2.0, requires_grad=True)
x.requires_grad_(False)
y = x ** 2
try:
    y.backward()
except RuntimeError as e:
    print("requires_grad_(False):", e)

x = torch.tensor(2.0, requires_grad=True)
z = x.detach()
y1 = z ** 2
try:
    y1.backward()
except RuntimeError as e:
    print("detach():", e)

x = torch.tensor(2.0, requires_grad=True)
with torch.no_grad():
    y = x ** 2
try:
    y.backward()
except RuntimeError as e:
    print("no_grad():", e)
