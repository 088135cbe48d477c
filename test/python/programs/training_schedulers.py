# Learning-rate schedulers (StepLR, ExponentialLR, LambdaLR, MultiStepLR, CosineAnnealingLR,
# ReduceLROnPlateau), gradient clipping (clip_grad_norm_, clip_grad_value_), gradient accumulation.
# Expected output: real PyTorch (test/fixtures/gen_python_programs.py).

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.optim.lr_scheduler import StepLR, ExponentialLR, LambdaLR, MultiStepLR, CosineAnnealingLR, ReduceLROnPlateau


def make():
    torch.manual_seed(0)
    model = nn.Linear(2, 1)
    X = torch.randn(16, 2)
    y = X[:, :1] * 2 - X[:, 1:]
    return model, X, y


def case_steplr():
    model, X, y = make()
    opt = optim.SGD(model.parameters(), lr=0.1)
    sched = StepLR(opt, step_size=3, gamma=0.5)
    print(sched.get_last_lr())
    for epoch in range(10):
        opt.zero_grad()
        loss = F.mse_loss(model(X), y)
        loss.backward()
        opt.step()
        sched.step()
        print(epoch, sched.get_last_lr(), opt.param_groups[0]["lr"], f"{loss.item():.5f}")
    print(opt)


def case_exponential():
    model, X, y = make()
    opt = optim.Adam(model.parameters(), lr=0.1)
    sched = ExponentialLR(opt, gamma=0.9)
    for epoch in range(8):
        opt.zero_grad()
        loss = F.mse_loss(model(X), y)
        loss.backward()
        opt.step()
        sched.step()
        print(epoch, sched.get_last_lr()[0], loss.item())


def case_lambda():
    model, X, y = make()
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_lambda=lambda e: 0.95 ** e)
    for epoch in range(6):
        opt.zero_grad()
        loss = F.mse_loss(model(X), y)
        loss.backward()
        opt.step()
        sched.step()
        print(epoch, sched.get_last_lr())
    print(model.weight)


def case_multistep_cosine():
    model, X, y = make()
    opt = optim.SGD(model.parameters(), lr=1.0)
    s = MultiStepLR(opt, milestones=[2, 5], gamma=0.1)
    lrs = []
    for i in range(7):
        opt.step()
        s.step()
        lrs.append(s.get_last_lr()[0])
    print(lrs)
    opt2 = optim.SGD(model.parameters(), lr=0.1)
    c = CosineAnnealingLR(opt2, T_max=10, eta_min=0.001)
    for i in range(12):
        opt2.step()
        c.step()
        print(i, c.get_last_lr())


def case_plateau():
    model, X, y = make()
    opt = optim.SGD(model.parameters(), lr=0.1)
    s = ReduceLROnPlateau(opt, patience=2, factor=0.5)
    for v in [1.0, 0.9, 0.95, 0.96, 0.97, 0.8, 0.85, 0.9, 0.99, 1.2]:
        s.step(v)
        print(opt.param_groups[0]["lr"])


def case_clip_grad():
    torch.manual_seed(3)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    X = torch.randn(10, 4) * 5
    y = torch.randint(0, 2, (10,))
    loss = F.cross_entropy(model(X), y)
    loss.backward()
    n = nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    print(n)
    print(f"grad norm {n:.4f}", n.item())
    print(model[2].bias.grad)
    total = torch.norm(torch.stack([p.grad.norm() for p in model.parameters()]))
    print(total)
    n2 = torch.nn.utils.clip_grad_norm_(model.parameters(), 0.5, norm_type=float("inf"))
    print(n2)
    r = nn.utils.clip_grad_value_(model.parameters(), clip_value=0.01)
    print(r)
    print(model[0].bias.grad)


def case_clip_in_loop():
    torch.manual_seed(4)
    model = nn.Sequential(nn.Linear(3, 16), nn.ReLU(), nn.Linear(16, 1))
    X = torch.randn(40, 3)
    y = torch.tanh(X.sum(1, keepdim=True)) * 0.8
    opt = optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
    for step in range(100):
        opt.zero_grad()
        loss = F.mse_loss(model(X), y)
        loss.backward()
        gn = torch.nn.utils.clip_grad_norm_(model.parameters(), 0.5)
        opt.step()
        if step % 20 == 0:
            print(step, f"{loss.item():.5f}", f"{gn.item():.5f}")
    print(loss)


def case_grad_accumulation():
    torch.manual_seed(5)
    model = nn.Linear(3, 1)
    X = torch.randn(8, 3)
    y = torch.randn(8, 1)
    opt = optim.SGD(model.parameters(), lr=0.1)
    opt.zero_grad()
    for i in range(0, 8, 2):
        loss = F.mse_loss(model(X[i:i + 2]), y[i:i + 2]) / 4
        loss.backward()
    print(model.weight.grad)
    opt.step()
    print(model.weight)


for _name in [n for n in list(globals()) if n.startswith("case_")]:
    print("### " + _name)
    try:
        globals()[_name]()
    except Exception as _e:
        print("!! " + type(_e).__name__ + ": " + str(_e).split(chr(10))[0])
