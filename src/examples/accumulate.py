import torch

# Gradients accumulate across backward() calls until you zero them
x = torch.tensor(2.0, requires_grad=True)
for _ in range(3):
    y = x ** 2
    y.backward()
    print(x.grad)
x.grad.zero_()
print(x.grad)
