import torch

# u = exp(sin(x²)): three links in the chain
x = torch.tensor(5.47, requires_grad=True)
y = x ** 2
z = torch.sin(y)
u = torch.exp(z)
print(u)
u.backward()
print(x.grad)
