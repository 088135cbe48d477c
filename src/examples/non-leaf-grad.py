import torch

# Only leaves get .grad; reading it on y warns (use y.retain_grad() to keep it)
x = torch.tensor(4.0, requires_grad=True)
y = x ** 2
z = torch.sin(y)
z.backward()
print(x.grad)
print(y.grad)
print(y.is_leaf, x.is_leaf, z.is_leaf)
