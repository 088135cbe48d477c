# Notebook styles of training code: class models with positional lr, ModuleList + apply(init), no_grad
# weight edits, inference_mode, stacked loss histories, state_dict printing, Nesterov + weight decay,
# Adam with maximize. Expected output: real PyTorch (test/fixtures/gen_python_programs.py).

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim


class TwoLayer(nn.Module):
    def __init__(self, d_in, d_h, d_out):
        super(TwoLayer, self).__init__()
        self.hidden = nn.Linear(d_in, d_h)
        self.out = nn.Linear(d_h, d_out)

    def forward(self, x):
        x = F.relu(self.hidden(x))
        return self.out(x)


def case_class_model_positional_lr():
    torch.manual_seed(0)
    net = TwoLayer(2, 10, 1)
    print(net)
    opt = optim.SGD(net.parameters(), 0.05)
    X = torch.linspace(-2, 2, 30).view(-1, 1).repeat(1, 2)
    y = X[:, :1] ** 2
    losses = []
    for epoch in range(100):
        opt.zero_grad(set_to_none=True)
        loss = F.mse_loss(net(X), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    print([round(l, 4) for l in losses[::20]])
    print(torch.tensor(losses[-5:]))


def case_modulelist_apply():
    torch.manual_seed(1)

    class Deep(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = nn.ModuleList([nn.Linear(4, 4) for _ in range(3)])
            self.head = nn.Linear(4, 1)

        def forward(self, x):
            for layer in self.layers:
                x = torch.tanh(layer(x))
            return self.head(x)

    def init_weights(m):
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, mean=0.0, std=0.5)
            nn.init.constant_(m.bias, 0.1)

    model = Deep()
    model.apply(init_weights)
    print(model.layers[0].weight)
    X = torch.randn(12, 4)
    y = torch.randn(12, 1)
    opt = optim.Adam(model.parameters(), lr=0.02)
    for i in range(60):
        opt.zero_grad()
        loss = nn.MSELoss()(model(X), y)
        loss.backward()
        opt.step()
    print(f"final {loss.item():.5f}")
    print(len(list(model.parameters())), len(model.state_dict()))


def case_no_grad_fill_and_inference():
    torch.manual_seed(2)
    lin = nn.Linear(3, 2)
    with torch.no_grad():
        lin.weight.fill_(0.5)
        lin.bias.zero_()
        lin.weight[0, 0] = -1.0
    print(lin.weight, lin.bias)
    x = torch.ones(1, 3)
    with torch.inference_mode():
        y = lin(x)
    print(y, y.requires_grad)
    print(lin(x))


def case_losses_stack():
    torch.manual_seed(3)
    w = torch.randn(3, requires_grad=True)
    opt = optim.SGD([w], lr=0.1)
    target = torch.tensor([1.0, 2.0, 3.0])
    hist = []
    for i in range(10):
        opt.zero_grad()
        loss = ((w - target) ** 2).sum()
        loss.backward()
        opt.step()
        hist.append(loss.detach())
    h = torch.stack(hist)
    print(h)
    print(h.argmin().item(), h.min(), h.mean())
    print(w)


def case_print_state_dict():
    torch.manual_seed(4)
    model = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1))
    print(model.state_dict())
    for k, v in model.state_dict().items():
        print(k, tuple(v.shape))


def case_sgd_nesterov_wd_long():
    torch.manual_seed(6)
    X = torch.randn(50, 3)
    y = X @ torch.tensor([[0.5], [-1.5], [2.0]]) + 0.3
    model = nn.Linear(3, 1)
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.01)
    for ep in range(200):
        opt.zero_grad()
        loss = F.mse_loss(model(X), y)
        loss.backward()
        opt.step()
        if ep % 50 == 0 or ep == 199:
            print(ep, f"{loss:.8f}")
    print(model.weight.data, model.bias.data)


def case_adam_maximize_betas():
    torch.manual_seed(7)
    x = torch.randn(5, requires_grad=True)
    opt = optim.Adam([x], lr=0.1, betas=(0.5, 0.9), maximize=True)
    for i in range(20):
        opt.zero_grad()
        obj = -(x ** 2).sum()
        obj.backward()
        opt.step()
    print(x, obj.item())


for _name in [n for n in list(globals()) if n.startswith("case_")]:
    print("### " + _name)
    try:
        globals()[_name]()
    except Exception as _e:
        print("!! " + type(_e).__name__ + ": " + str(_e).split(chr(10))[0])
