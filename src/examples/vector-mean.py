import torch

# A vector input: y = mean(x²), dy/dx = 2x / 3
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = (x**2).mean()
print(y)
y.backward()
print(x.grad)
x.grad.zero_()
print(x.grad)
