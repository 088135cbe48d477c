import torch

# A perceptron with a binary cross-entropy loss, derivatives by hand
x = torch.tensor(6.7)  # input feature
y = torch.tensor(0.0)  # true label
w = torch.tensor(1.0)  # weight
b = torch.tensor(0.0)  # bias


def binary_cross_entropy_loss(prediction, target):
    epsilon = 1e-8  # to prevent log(0)
    prediction = torch.clamp(prediction, epsilon, 1 - epsilon)
    return -(target * torch.log(prediction) + (1 - target) * torch.log(1 - prediction))


z = w * x + b
y_pred = torch.sigmoid(z)
loss = binary_cross_entropy_loss(y_pred, y)
print(loss)

dloss_dy_pred = (y_pred - y) / (y_pred * (1 - y_pred))
dy_pred_dz = y_pred * (1 - y_pred)
dz_dw = x
dz_db = 1
dL_dw = dloss_dy_pred * dy_pred_dz * dz_dw
dL_db = dloss_dy_pred * dy_pred_dz * dz_db
print(f"Manual Gradient of loss w.r.t weight (dw): {dL_dw}")
print(f"Manual Gradient of loss w.r.t bias (db): {dL_db}")
