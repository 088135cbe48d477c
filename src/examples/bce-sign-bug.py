import torch

# A sign bug: the second term of the loss lost its minus, so the gradients flip sign
x = torch.tensor(6.7)
y_true = torch.tensor(0.0)
w = torch.tensor(1.0, requires_grad=True)
b = torch.tensor(0.0, requires_grad=True)


def binary_cross_entropy(y_true, y_pred):
    ephcilon = 1e-8
    y_pred = torch.clamp(y_pred, ephcilon, 1 - ephcilon)
    return -(y_true * torch.log(y_pred)) + (1 - y_true) * torch.log(1 - y_pred)


z = torch.dot(x.unsqueeze(0), w.unsqueeze(0)) + b.unsqueeze(0)
y_pred = torch.sigmoid(z)
loss = binary_cross_entropy(y_true, y_pred)
print(loss)
loss.backward()
print(w.grad)
print(b.grad)
