import math
import torch

# z = sin(x²): the chain rule gives dz/dx = 2x·cos(x²)
x = torch.tensor(4.0, requires_grad=True)
y = x ** 2
z = torch.sin(y)
print(x, y, z)
z.backward()
print(x.grad)
print(2 * 4.0 * math.cos(4.0**2))  # the same by hand
