# Training loops as notebooks write them: regression by hand, logistic and softmax regression, MLPs on
# XOR and toy data, f-string loss prints, accuracy, no_grad evaluation, dropout, init, AdamW.
# Expected output: real PyTorch (test/fixtures/gen_python_programs.py).

import torch
import torch.nn as nn
import torch.nn.functional as F


def case_linreg_by_hand():
    torch.manual_seed(0)
    X = torch.randn(100, 1)
    y = 2 * X + 1 + 0.1 * torch.randn(100, 1)
    w = torch.zeros(1, requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    lr = 0.1
    for epoch in range(100):
        pred = X * w + b
        loss = ((pred - y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
            b -= lr * b.grad
        w.grad.zero_()
        b.grad.zero_()
        if epoch % 10 == 0:
            print(f"epoch {epoch}: loss {loss.item():.4f}")
    print(w, b)
    print(f"w={w.item():.3f}, b={b.item():.3f}")


def case_linreg_matrix():
    torch.manual_seed(1)
    X = torch.rand(50, 3)
    true_w = torch.tensor([[1.5], [-2.0], [0.7]])
    y = X @ true_w + 0.3
    W = torch.randn(3, 1, requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    for i in range(200):
        loss = torch.mean((X @ W + b - y) ** 2)
        loss.backward()
        with torch.no_grad():
            W.sub_(0.5 * W.grad)
            b.sub_(0.5 * b.grad)
            W.grad.zero_()
            b.grad.zero_()
        if i % 40 == 0:
            print(i, loss.item())
    print(W.detach().squeeze())
    print(f"{loss:.3f}")
    print("final loss", loss)


def case_logreg():
    torch.manual_seed(2)
    X = torch.randn(200, 2)
    y = ((X[:, 0] - X[:, 1]) > 0).float()
    w = torch.randn(2, requires_grad=True)
    b = torch.tensor(0.0, requires_grad=True)
    opt = torch.optim.SGD([w, b], lr=0.5)
    for epoch in range(60):
        logits = X @ w + b
        loss = F.binary_cross_entropy_with_logits(logits, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if (epoch + 1) % 15 == 0:
            with torch.no_grad():
                acc = ((torch.sigmoid(X @ w + b) > 0.5).float() == y).float().mean()
            print(f"Epoch [{epoch+1}/60], Loss: {loss.item():.4f}, Acc: {acc.item():.2%}")
    print(w, b)


def case_logreg_sigmoid_bce():
    torch.manual_seed(3)
    X = torch.cat([torch.randn(20, 2) + 2, torch.randn(20, 2) - 2])
    y = torch.cat([torch.ones(20), torch.zeros(20)]).unsqueeze(1)
    model = nn.Sequential(nn.Linear(2, 1), nn.Sigmoid())
    crit = nn.BCELoss()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for epoch in range(100):
        out = model(X)
        loss = crit(out, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if epoch % 20 == 0:
            print(epoch, loss.item())
    with torch.no_grad():
        pred = (model(X) > 0.5).float()
        print("accuracy:", (pred == y).sum().item() / len(y))
    print(model[0].weight, model[0].bias)


def case_xor_mlp():
    torch.manual_seed(0)
    X = torch.tensor([[0., 0.], [0., 1.], [1., 0.], [1., 1.]])
    y = torch.tensor([0, 1, 1, 0])

    class MLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.l1 = nn.Linear(2, 8)
            self.l2 = nn.Linear(8, 2)

        def forward(self, x):
            return self.l2(torch.relu(self.l1(x)))

    net = MLP()
    opt = torch.optim.Adam(net.parameters(), lr=0.05)
    loss_fn = nn.CrossEntropyLoss()
    for epoch in range(200):
        logits = net(X)
        loss = loss_fn(logits, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if epoch % 25 == 0:
            acc = (logits.argmax(dim=1) == y).float().mean()
            print(epoch, f"{loss.item():.4f}", acc.item())
    net.eval()
    with torch.no_grad():
        out = net(X)
        print(out.argmax(1))
        print(F.softmax(out, dim=1))
    print(loss)


def case_toy_classification():
    torch.manual_seed(5)
    n = 60
    X = torch.randn(n, 2)
    y = (X[:, 0] ** 2 + X[:, 1] ** 2 < 1).long()
    model = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 2))
    opt = torch.optim.SGD(model.parameters(), lr=0.3, momentum=0.9)
    losses = []
    for step in range(200):
        loss = F.cross_entropy(model(X), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
        if step % 50 == 49:
            print(step + 1, round(loss.item(), 5))
    print(len(losses), min(losses) < losses[0])
    print(f"{losses[-1]:.6f}")
    with torch.no_grad():
        acc = (model(X).argmax(dim=1) == y).float().mean()
    print(f"accuracy {acc:.3f}")
    print(acc)


def case_print_epoch_loss():
    torch.manual_seed(9)
    model = nn.Linear(4, 1)
    X = torch.randn(16, 4)
    y = torch.randn(16, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    crit = nn.MSELoss()
    for epoch in range(5):
        opt.zero_grad()
        loss = crit(model(X), y)
        loss.backward()
        opt.step()
        print(epoch, loss.item())
        print(epoch, loss)
        print("loss: %.4f" % loss.item())
        print("loss:", round(loss.item(), 3), "{:.5f}".format(loss.item()))


def case_fstrings():
    torch.manual_seed(0)
    loss = torch.tensor(0.123456, requires_grad=True) * 2
    print(f"{loss:.3f}")
    print(f"{loss.item():.4f}")
    print(f"loss={loss}")
    print("{:.2e}".format(loss.item()))
    print(f"{loss.item():>10.5f}|")
    t = torch.tensor(3.14159)
    print(f"{t:.2f}", format(t, ".1f"), str(t), repr(t))
    acc = torch.tensor(0.75)
    print(f"Accuracy: {acc * 100:.1f}%")
    print(f"Accuracy: {acc:.2%}")
    print(round(loss.item(), 2), int(torch.tensor(7)), float(torch.tensor(2.5)))


def case_print_optimizer_after_scheduler():
    torch.manual_seed(0)
    m = nn.Linear(2, 1)
    opt = optim.SGD(m.parameters(), lr=0.1, momentum=0.9)
    s = optim.lr_scheduler.StepLR(opt, step_size=2)
    print(opt)
    print(opt.param_groups[0]["initial_lr"], s.last_epoch, s.base_lrs)


def case_dropout_train_eval():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Dropout(0.5), nn.Linear(8, 1))
    x = torch.randn(3, 4)
    model.train()
    print(model(x))
    print(model(x))
    model.eval()
    with torch.no_grad():
        print(model(x))
    print(model)


def case_init_and_train():
    torch.manual_seed(1)
    model = nn.Sequential(nn.Linear(3, 5), nn.ReLU(), nn.Linear(5, 1))
    for m in model.modules():
        if isinstance(m, nn.Linear):
            nn.init.xavier_uniform_(m.weight)
            nn.init.zeros_(m.bias)
    print(model[0].weight)
    X = torch.randn(20, 3)
    y = X.sum(1, keepdim=True)
    opt = optim.Adam(model.parameters(), lr=0.01)
    for e in range(100):
        opt.zero_grad()
        l = ((model(X) - y) ** 2).mean()
        l.backward()
        opt.step()
    print(l.item())


def case_train_eval_split():
    torch.manual_seed(11)
    X = torch.randn(120, 4)
    w = torch.tensor([1.0, -1.0, 0.5, 2.0])
    y = (X @ w > 0).long()
    perm = torch.randperm(120)
    tr, te = perm[:90], perm[90:]
    model = nn.Sequential(nn.Linear(4, 10), nn.ReLU(), nn.Linear(10, 2))
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
    for epoch in range(50):
        model.train()
        opt.zero_grad()
        loss = F.cross_entropy(model(X[tr]), y[tr])
        loss.backward()
        opt.step()
        if epoch % 10 == 9:
            model.eval()
            with torch.no_grad():
                val = F.cross_entropy(model(X[te]), y[te])
                acc = (model(X[te]).argmax(1) == y[te]).float().mean()
            print(f"epoch {epoch+1:3d} train {loss.item():.4f} val {val.item():.4f} acc {acc.item():.3f}")


def case_softmax_regression():
    torch.manual_seed(2)
    X = torch.randn(90, 2)
    y = torch.randint(0, 3, (90,))
    X = X + torch.stack([y.float(), -y.float()], dim=1)
    W = torch.zeros(2, 3, requires_grad=True)
    b = torch.zeros(3, requires_grad=True)
    for it in range(200):
        logits = X @ W + b
        loss = F.cross_entropy(logits, y)
        loss.backward()
        with torch.no_grad():
            W -= 0.5 * W.grad
            b -= 0.5 * b.grad
            W.grad.zero_()
            b.grad.zero_()
        if it % 50 == 0:
            print(it, loss.item())
    probs = torch.softmax(X[:3] @ W + b, dim=1)
    print(probs)
    print(probs.sum(dim=1))


def case_mlp_sigmoid_mse():
    torch.manual_seed(6)
    X = torch.rand(50, 1) * 4 - 2
    y = X ** 2
    model = nn.Sequential(nn.Linear(1, 20), nn.Sigmoid(), nn.Linear(20, 1))
    opt = optim.Adam(model.parameters(), lr=0.05)
    for i in range(200):
        pred = model(X)
        loss = F.mse_loss(pred, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if i % 40 == 0 or i == 199:
            print(f"step {i}: {loss.item():.6f}")
    with torch.no_grad():
        print(model(torch.tensor([[0.0], [1.0], [-1.5]])))


def case_manual_momentum():
    torch.manual_seed(8)
    w = torch.randn(3, requires_grad=True)
    v = torch.zeros(3)
    X = torch.randn(10, 3)
    y = X @ torch.tensor([1.0, 2.0, 3.0])
    for i in range(30):
        loss = ((X @ w - y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            v = 0.9 * v + w.grad
            w -= 0.01 * v
        w.grad = None
    print(w, loss.item())


def case_leaky_gelu_adamw():
    torch.manual_seed(9)
    model = nn.Sequential(nn.Linear(5, 16), nn.LeakyReLU(0.1), nn.Linear(16, 16), nn.GELU(), nn.Linear(16, 3))
    X = torch.randn(32, 5)
    y = torch.randint(0, 3, (32,))
    opt = optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.05)
    for step in range(150):
        opt.zero_grad()
        loss = nn.CrossEntropyLoss()(model(X), y)
        loss.backward()
        opt.step()
        if step % 30 == 0:
            print(step, round(loss.item(), 6))
    print(loss)


for _name in [n for n in list(globals()) if n.startswith("case_")]:
    print("### " + _name)
    try:
        globals()[_name]()
    except Exception as _e:
        print("!! " + type(_e).__name__ + ": " + str(_e).split(chr(10))[0])
