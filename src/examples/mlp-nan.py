import torch

# A two-layer MLP whose gradients all turn NaN. Where is the NaN born?
X = torch.tensor([3.9, 90])
y_true = torch.tensor(0.0)


def binary_cross_entropy(y_true, y_pred):
    ephcilon = 1e-8  # 1 - 1e-8 is exactly 1. in float32: the clamp does not help
    y_pred = torch.clamp(y_pred, ephcilon, 1 - ephcilon)
    return -(y_true * torch.log(y_pred)) + (1 - y_true) * torch.log(1 - y_pred)


W1 = torch.tensor([[0.7576, 0.2793], [0.4031, 0.7347]], requires_grad=True)
b1 = torch.tensor([0.0293, 0.7999], requires_grad=True)
z1 = torch.matmul(X, W1) + b1
o1 = torch.relu(z1)
W2 = torch.tensor([[0.3971], [0.7544]], requires_grad=True)
b2 = torch.tensor([0.5695], requires_grad=True)
z2 = torch.matmul(o1, W2) + b2
o2 = torch.sigmoid(z2)
print(o2)
loss = binary_cross_entropy(y_true, o2)
print(loss)
loss.backward()
print(W1.grad)
print(W2.grad)
print(b1.grad)
print(b2.grad)
