import torch

# Fit y = 2x + 1 with one weight and one bias, by hand-written gradient descent
xs = torch.tensor([0.0, 1.0, 2.0, 3.0])
ys = torch.tensor([1.0, 3.0, 5.0, 7.0])
w = torch.tensor(0.5, requires_grad=True)
b = torch.tensor(0.0, requires_grad=True)
lr = 0.05

for step in range(20):
    y_pred = w * xs + b
    loss = ((y_pred - ys) ** 2).mean()
    loss.backward()
    with torch.no_grad():
        w -= lr * w.grad
        b -= lr * b.grad
    w.grad.zero_()
    b.grad.zero_()
    if step % 5 == 0:
        print(f"step {step}: loss {loss.item():.4f}")
print(w, b)
