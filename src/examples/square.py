import torch

# y = x², so dy/dx = 2x = 6 at x = 3
x = torch.tensor(3.0, requires_grad=True)
y = x**2
print(y)
y.backward()
print(x.grad)
