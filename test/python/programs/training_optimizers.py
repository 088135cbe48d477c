# Optimizers over 200-step loss curves: SGD (momentum, dampening, Nesterov, weight decay, maximize), Adam
# (amsgrad, weight decay), AdamW, RMSprop, Adagrad; their reprs, param groups, lr edits, state_dict, closures.
# Expected output: real PyTorch (test/fixtures/gen_python_programs.py).

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim


def make():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 5), nn.ReLU(), nn.Linear(5, 1))
    X = torch.randn(32, 3)
    y = X.sum(dim=1, keepdim=True) ** 2 * 0.3 - 0.5
    return model, X, y


def train(opt_fn, steps=200, every=40):
    model, X, y = make()
    opt = opt_fn(model.parameters())
    for s in range(steps):
        opt.zero_grad()
        loss = F.mse_loss(model(X), y)
        loss.backward()
        opt.step()
        if s % every == 0 or s == steps - 1:
            print(s, f"{loss.item():.6f}")
    print(model[2].weight)
    return opt


def case_sgd_plain():
    train(lambda p: optim.SGD(p, lr=0.01))


def case_sgd_momentum():
    train(lambda p: optim.SGD(p, lr=0.01, momentum=0.9))


def case_sgd_dampening():
    train(lambda p: optim.SGD(p, lr=0.01, momentum=0.9, dampening=0.5))


def case_sgd_nesterov():
    train(lambda p: optim.SGD(p, lr=0.01, momentum=0.9, nesterov=True))


def case_sgd_wd():
    train(lambda p: optim.SGD(p, lr=0.02, momentum=0.5, weight_decay=1e-3))


def case_adam_default():
    train(lambda p: optim.Adam(p))


def case_adam_lr():
    train(lambda p: optim.Adam(p, lr=0.01, betas=(0.8, 0.99), eps=1e-6))


def case_adam_wd():
    train(lambda p: optim.Adam(p, lr=0.01, weight_decay=0.01))


def case_adam_amsgrad():
    train(lambda p: optim.Adam(p, lr=0.02, amsgrad=True))


def case_adamw():
    train(lambda p: optim.AdamW(p, lr=0.01))


def case_adamw_amsgrad():
    train(lambda p: optim.AdamW(p, lr=0.01, weight_decay=0.1, amsgrad=True))


def case_rmsprop():
    train(lambda p: optim.RMSprop(p, lr=0.01))


def case_rmsprop_momentum():
    train(lambda p: optim.RMSprop(p, lr=0.001, momentum=0.9, alpha=0.9, centered=True, weight_decay=0.01))


def case_adagrad():
    train(lambda p: optim.Adagrad(p, lr=0.1))


def case_adagrad_opts():
    train(lambda p: optim.Adagrad(p, lr=0.1, lr_decay=0.01, weight_decay=0.001, initial_accumulator_value=0.1))


def case_sgd_maximize():
    train(lambda p: optim.SGD(p, lr=0.001, maximize=True), steps=20, every=5)


def case_print_opts():
    model, X, y = make()
    print(optim.SGD(model.parameters(), lr=0.1))
    print(optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True))
    print(optim.Adam(model.parameters()))
    print(optim.Adam(model.parameters(), lr=0.01, betas=(0.5, 0.9)))
    print(optim.AdamW(model.parameters(), lr=3e-4))
    print(optim.RMSprop(model.parameters()))
    print(optim.Adagrad(model.parameters()))


def case_param_groups():
    model, X, y = make()
    opt = optim.SGD([
        {"params": model[0].parameters()},
        {"params": model[2].parameters(), "lr": 0.001},
    ], lr=0.01, momentum=0.9)
    print(opt)
    for s in range(30):
        opt.zero_grad()
        loss = F.mse_loss(model(X), y)
        loss.backward()
        opt.step()
    print(loss.item())
    print(opt.param_groups[0]["lr"], opt.param_groups[1]["lr"])
    for g in opt.param_groups:
        g["lr"] *= 0.5
    print([g["lr"] for g in opt.param_groups])
    opt.step()
    print(model[0].bias)


def case_lr_edit():
    model, X, y = make()
    opt = optim.Adam(model.parameters(), lr=0.1)
    for s in range(40):
        if s == 20:
            opt.param_groups[0]["lr"] = 0.01
        opt.zero_grad()
        loss = F.mse_loss(model(X), y)
        loss.backward()
        opt.step()
        if s % 10 == 0:
            print(s, loss.item(), opt.param_groups[0]["lr"])


def case_state_dict():
    model, X, y = make()
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    loss = F.mse_loss(model(X), y)
    loss.backward()
    opt.step()
    sd = opt.state_dict()
    print(sd.keys())
    print(sd["param_groups"])
    print(len(sd["state"]), list(sd["state"][0].keys()))
    print(sd["state"][1]["momentum_buffer"])
    opt2 = optim.Adam(model.parameters(), lr=0.01)
    opt2.step()
    sd2 = opt2.state_dict()
    print(sd2["param_groups"])
    print(sorted(sd2["state"][3].keys()))
    print(sd2["state"][3]["step"])
    print(sd2["state"][3]["exp_avg"])


def case_zero_grad_keep():
    model, X, y = make()
    opt = optim.SGD(model.parameters(), lr=0.1)
    F.mse_loss(model(X), y).backward()
    print(model[0].bias.grad)
    opt.zero_grad(set_to_none=False)
    print(model[0].bias.grad)
    F.mse_loss(model(X), y).backward()
    opt.step()
    print(model[0].bias)


def case_closure():
    model, X, y = make()
    opt = optim.SGD(model.parameters(), lr=0.05)

    def closure():
        opt.zero_grad()
        loss = F.mse_loss(model(X), y)
        loss.backward()
        return loss

    for i in range(5):
        l = opt.step(closure)
        print(i, l.item())


def case_manual_param_list():
    torch.manual_seed(4)
    w1 = torch.randn(2, 4, requires_grad=True)
    b1 = torch.zeros(4, requires_grad=True)
    w2 = torch.randn(4, 1, requires_grad=True)
    params = [w1, b1, w2]
    opt = optim.Adam(params, lr=0.05)
    X = torch.tensor([[0., 0.], [0., 1.], [1., 0.], [1., 1.]])
    y = torch.tensor([[0.], [1.], [1.], [0.]])
    for epoch in range(150):
        out = torch.sigmoid(torch.tanh(X @ w1 + b1) @ w2)
        loss = F.binary_cross_entropy(out, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if epoch % 30 == 0:
            print(epoch, loss.item())
    print(out.detach().round())
    print(out)


for _name in [n for n in list(globals()) if n.startswith("case_")]:
    print("### " + _name)
    try:
        globals()[_name]()
    except Exception as _e:
        print("!! " + type(_e).__name__ + ": " + str(_e).split(chr(10))[0])
