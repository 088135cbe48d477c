import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim

# Cases exercising torch.nn and torch.optim through the shim. Expected output: real PyTorch
# (test/fixtures/gen_python_programs.py); seeded initial weights match PyTorch's generator.


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(2, 4)
        self.act = nn.Tanh()
        self.fc2 = nn.Linear(4, 1)

    def forward(self, x):
        return torch.sigmoid(self.fc2(self.act(self.fc1(x))))


def data():
    X = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = torch.tensor([[0.0], [1.0], [1.0], [0.0]])
    return X, y


def case_module_basics():
    torch.manual_seed(0)
    net = Net()
    print(net)
    print([n for n, _ in net.named_parameters()])
    print(sum(p.numel() for p in net.parameters()))
    print(net.fc1.weight)
    print(net.fc2.bias)
    print(net.training, net.eval().training, net.train().training)
    print(list(net.state_dict().keys()))
    seq = nn.Sequential(nn.Linear(3, 2), nn.ReLU(), nn.Linear(2, 1), nn.Sigmoid())
    print(seq)
    print(len(seq), seq[0])
    print(nn.Parameter(torch.tensor([1.0, 2.0])))


def case_linear_forward_backward():
    torch.manual_seed(1)
    lin = nn.Linear(3, 2)
    x = torch.tensor([[1.0, 2.0, 3.0], [0.5, -1.0, 2.0]])
    out = lin(x)
    print(out)
    loss = F.mse_loss(out, torch.zeros(2, 2))
    print(loss)
    loss.backward()
    print(lin.weight.grad)
    print(lin.bias.grad)
    lin.zero_grad(set_to_none=False)
    print(lin.weight.grad)
    lin.zero_grad()
    print(lin.bias.grad is None or lin.bias.grad.abs().sum().item() == 0)


def case_sgd_momentum_curve():
    torch.manual_seed(0)
    net = Net()
    X, y = data()
    opt = optim.SGD(net.parameters(), lr=0.5, momentum=0.9)
    print(opt)
    loss_fn = nn.BCELoss()
    for step in range(200):
        opt.zero_grad()
        loss = loss_fn(net(X), y)
        loss.backward()
        opt.step()
        if step % 20 == 0 or step == 199:
            print(step, f"{loss.item():.4f}")
    print((net(X).detach() > 0.5).float())


def case_adam_curve():
    torch.manual_seed(3)
    model = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 1))
    X, y = data()
    opt = optim.Adam(model.parameters(), lr=0.05)
    for step in range(100):
        opt.zero_grad()
        loss = F.binary_cross_entropy_with_logits(model(X), y)
        loss.backward()
        opt.step()
        if step % 25 == 0:
            print(step, round(loss.item(), 4))
    print(loss)


def case_cross_entropy():
    torch.manual_seed(2)
    logits = torch.randn(4, 3, requires_grad=True)
    target = torch.tensor([0, 2, 1, 2])
    loss = nn.CrossEntropyLoss()(logits, target)
    print(loss)
    loss.backward()
    print(logits.grad)
    print(F.softmax(logits, dim=1).sum(dim=1))
    print(F.log_softmax(logits.detach(), dim=1)[0])


def case_manual_weights_sgd():
    W1 = torch.tensor([[0.5, -0.3], [0.8, 0.2]], requires_grad=True)
    b1 = torch.tensor([0.1, -0.1], requires_grad=True)
    W2 = torch.tensor([[1.0], [-1.0]], requires_grad=True)
    b2 = torch.tensor([0.0], requires_grad=True)
    X, y = data()
    opt = optim.SGD([W1, b1, W2, b2], lr=0.1, weight_decay=0.01)
    for step in range(50):
        h = torch.relu(X @ W1 + b1)
        pred = h @ W2 + b2
        loss = ((pred - y) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 10 == 0:
            print(step, loss.item())
    print(W1)


def case_param_groups_and_clip():
    torch.manual_seed(0)
    net = Net()
    opt = optim.SGD([{"params": net.fc1.parameters()}, {"params": net.fc2.parameters(), "lr": 0.01}], lr=0.1)
    print(len(opt.param_groups), opt.param_groups[1]["lr"], opt.param_groups[0]["momentum"])
    X, y = data()
    loss = F.mse_loss(net(X), y)
    loss.backward()
    total = nn.utils.clip_grad_norm_(net.parameters(), max_norm=0.01)
    print(total)
    print(net.fc2.weight.grad)
    for g in opt.param_groups:
        g["lr"] = 0.2
    opt.step()
    print(net.fc2.bias)


def case_custom_module_errors():
    class Broken(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(torch.ones(2))

    m = Broken()
    try:
        m(torch.ones(2))
    except NotImplementedError as e:
        print("NotImplementedError:", e)
    try:
        m.missing
    except AttributeError as e:
        print("AttributeError:", e)
    try:
        optim.SGD([], lr=0.1)
    except ValueError as e:
        print("ValueError:", e)


for _name in [n for n in list(globals()) if n.startswith("case_")]:
    print("### " + _name)
    try:
        globals()[_name]()
    except Exception as _e:
        print("!! " + type(_e).__name__ + ": " + str(_e).split(chr(10))[0])
