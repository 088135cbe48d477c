import torch
import torch.nn as nn

# The acceptance program: a 2-layer MLP with literal initial weights trained for 200 steps
# with torch.optim.SGD on a small dataset; the loss curve must be PyTorch's (to 4 significant digits).


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(2, 3)
        self.fc2 = nn.Linear(3, 1)
        with torch.no_grad():
            self.fc1.weight.copy_(torch.tensor([[0.5, -0.4], [0.3, 0.8], [-0.6, 0.2]]))
            self.fc1.bias.copy_(torch.tensor([0.1, -0.2, 0.05]))
            self.fc2.weight.copy_(torch.tensor([[0.7, -0.5, 0.4]]))
            self.fc2.bias.copy_(torch.tensor([0.0]))

    def forward(self, x):
        return self.fc2(torch.tanh(self.fc1(x)))


def case_mlp_sgd_200_steps():
    X = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.5, 0.5], [0.2, 0.9]])
    y = torch.tensor([[0.0], [1.0], [1.0], [0.0], [0.5], [0.8]])
    model = MLP()
    opt = torch.optim.SGD(model.parameters(), lr=0.2, momentum=0.5)
    loss_fn = nn.MSELoss()
    for step in range(200):
        opt.zero_grad()
        loss = loss_fn(model(X), y)
        loss.backward()
        opt.step()
        if step % 10 == 0 or step == 199:
            print(step, loss.item())
    print(model.fc1.weight)
    print(model.fc2.bias)


for _name in [n for n in list(globals()) if n.startswith("case_")]:
    print("### " + _name)
    try:
        globals()[_name]()
    except Exception as _e:
        print("!! " + type(_e).__name__ + ": " + str(_e).split(chr(10))[0])
