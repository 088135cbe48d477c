# Training API surface: .data updates, manual parameter loops, frozen layers, add_param_group,
# state_dict / load_state_dict of modules and optimizers, grad norms, scheduler state.
# Expected output: real PyTorch (test/fixtures/gen_python_programs.py).

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim


def case_data_update():
    torch.manual_seed(0)
    w = torch.randn(2, 1, requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    X = torch.randn(10, 2)
    y = X @ torch.tensor([[2.0], [-3.0]]) + 1
    for epoch in range(50):
        loss = ((X @ w + b - y) ** 2).mean()
        loss.backward()
        w.data -= 0.1 * w.grad.data
        b.data = b.data - 0.1 * b.grad.data
        w.grad.data.zero_()
        b.grad.zero_()
        if epoch % 10 == 0:
            print(epoch, loss.data, loss.item())
    print(w.data, b)


def case_param_loop_update():
    torch.manual_seed(1)
    model = nn.Linear(3, 2)
    X = torch.randn(8, 3)
    y = torch.randint(0, 2, (8,))
    for it in range(20):
        model.zero_grad()
        loss = F.cross_entropy(model(X), y)
        loss.backward()
        with torch.no_grad():
            for p in model.parameters():
                p -= 0.1 * p.grad
    print(loss.item())
    for name, p in model.named_parameters():
        print(name, p.shape, p.grad.norm().item())


def case_freeze_layers():
    torch.manual_seed(2)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    for p in model[0].parameters():
        p.requires_grad = False
    trainable = [p for p in model.parameters() if p.requires_grad]
    print(len(trainable), sum(p.numel() for p in trainable))
    opt = optim.SGD(filter(lambda p: p.requires_grad, model.parameters()), lr=0.1)
    X = torch.randn(6, 3)
    y = torch.randn(6, 1)
    before = model[0].weight.clone()
    for _ in range(5):
        opt.zero_grad()
        F.mse_loss(model(X), y).backward()
        opt.step()
    print(torch.equal(before, model[0].weight), model[0].weight.grad)
    print(model[2].weight)


def case_add_param_group_and_load():
    torch.manual_seed(3)
    a = nn.Linear(2, 2)
    b = nn.Linear(2, 1)
    opt = optim.SGD(a.parameters(), lr=0.1)
    opt.add_param_group({"params": b.parameters(), "lr": 0.01})
    print(len(opt.param_groups), [g["lr"] for g in opt.param_groups])
    X = torch.randn(4, 2)
    loss = b(torch.relu(a(X))).sum()
    loss.backward()
    opt.step()
    sd = a.state_dict()
    print(list(sd.keys()))
    print(sd["weight"])
    c = nn.Linear(2, 2)
    c.load_state_dict(sd)
    print(torch.equal(c.weight, a.weight), c.bias)
    opt2 = optim.Adam(a.parameters(), lr=0.1)
    a(X).sum().backward()
    opt2.step()
    opt3 = optim.Adam(a.parameters(), lr=0.5)
    opt3.load_state_dict(opt2.state_dict())
    print(opt3.param_groups[0]["lr"])


def case_step_without_grad():
    torch.manual_seed(4)
    m = nn.Linear(2, 1)
    opt = optim.Adam(m.parameters())
    opt.step()
    print(m.weight)
    print(len(opt.state))


def case_grad_norms_print():
    torch.manual_seed(5)
    model = nn.Sequential(nn.Linear(4, 6), nn.Tanh(), nn.Linear(6, 2))
    X = torch.randn(16, 4)
    y = torch.randint(0, 2, (16,))
    F.cross_entropy(model(X), y).backward()
    for name, p in model.named_parameters():
        print(f"{name:10s} grad norm {p.grad.norm():.6f} mean {p.grad.mean():.6f}")
    vec = torch.nn.utils.parameters_to_vector(model.parameters())
    print(vec.shape, vec[:4])
    total = sum(p.numel() for p in model.parameters() if p.requires_grad)
    print(f"{total:,} parameters")


def case_sched_state_dict():
    torch.manual_seed(6)
    m = nn.Linear(2, 1)
    opt = optim.SGD(m.parameters(), lr=0.1)
    s = optim.lr_scheduler.StepLR(opt, 2, gamma=0.5)
    for _ in range(3):
        opt.step()
        s.step()
    print(s.state_dict())
    print(opt.state_dict()["param_groups"])


for _name in [n for n in list(globals()) if n.startswith("case_")]:
    print("### " + _name)
    try:
        globals()[_name]()
    except Exception as _e:
        print("!! " + type(_e).__name__ + ": " + str(_e).split(chr(10))[0])
