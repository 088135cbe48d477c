import torch
import torch.nn as nn
import torch.nn.functional as F

# Small models with Embedding, LayerNorm and BatchNorm1d trained a few SGD / Adam steps from a
# seeded init: losses, grads, running statistics, then eval mode and the state_dict.


class TokenModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(10, 6, padding_idx=0)
        self.norm = nn.LayerNorm(6)
        self.fc = nn.Linear(6, 8, bias=False)  # BatchNorm follows: a bias would get only rounding noise
        self.bn = nn.BatchNorm1d(8)
        self.act = nn.Mish()
        self.out = nn.Linear(8, 3)

    def forward(self, tokens):
        h = self.norm(self.emb(tokens)).mean(dim=1)
        return self.out(self.act(self.bn(self.fc(h))))


def data():
    g = torch.Generator().manual_seed(3)
    tokens = torch.randint(0, 10, (6, 4), generator=g)
    labels = torch.randint(0, 3, (6,), generator=g)
    return tokens, labels


def train(model, opt, steps):
    tokens, labels = data()
    for step in range(steps):
        opt.zero_grad()
        loss = F.cross_entropy(model(tokens), labels)
        loss.backward()
        opt.step()
        print(step, f"{loss.item():.6f}")
    return tokens, labels


def case_sgd_token_model():
    torch.manual_seed(0)
    model = TokenModel()
    print(model)
    print(list(model.state_dict().keys()))
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    tokens, labels = train(model, opt, 5)
    for name, p in model.named_parameters():
        # LayerNorm's bias feeds BatchNorm through a linear map: its true grad is 0, the rest is noise
        print(name, p.grad.abs().max() < 1e-6 if name == "norm.bias" else p.grad)
    print(model.bn.running_mean, model.bn.running_var, model.bn.num_batches_tracked)
    model.eval()
    with torch.no_grad():
        print(model(tokens))
    print(model.emb.weight[0])


def case_adam_token_model():
    torch.manual_seed(1)
    model = TokenModel()
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    train(model, opt, 6)
    # (norm.bias only ever gets rounding noise, which Adam scales up to lr-sized steps)
    print(model.norm.weight)
    print(model.bn.weight, model.bn.bias)
    print(model.emb.weight)
    sd = model.state_dict()
    print(sd["bn.num_batches_tracked"], sd["bn.running_var"])
    fresh = TokenModel()
    print(fresh.load_state_dict(sd))
    fresh.eval()
    model.eval()
    tokens, _ = data()
    print(torch.equal(fresh(tokens), model(tokens)))


def case_mlp_batchnorm_regression():
    torch.manual_seed(2)
    x = torch.randn(16, 4)
    y = (x[:, :1] * 2 - x[:, 1:2]).tanh()
    model = nn.Sequential(nn.Linear(4, 16, bias=False), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 16), nn.LayerNorm(16), nn.Hardswish(), nn.Linear(16, 1))
    opt = torch.optim.Adam(model.parameters(), lr=0.02)
    for step in range(8):
        opt.zero_grad()
        loss = F.mse_loss(model(x), y)
        loss.backward()
        opt.step()
        print(step, f"{loss.item():.6f}")
    print(model[1].running_mean)
    print(model[4].weight.grad)
    print(model[0].weight.grad.abs().sum(dim=1))
    print(model[-1].weight.grad)
    model.eval()
    print(F.mse_loss(model(x), y))


def case_batchnorm_3d_sequence_model():
    torch.manual_seed(4)
    emb = nn.Embedding(7, 4)
    bn = nn.BatchNorm1d(4)
    head = nn.Linear(4, 2)
    params = list(emb.parameters()) + list(bn.parameters()) + list(head.parameters())
    opt = torch.optim.SGD(params, lr=0.5)
    tokens = torch.tensor([[1, 2, 3, 4, 5], [6, 5, 4, 3, 2], [0, 1, 0, 1, 0]])
    target = torch.tensor([0, 1, 0])
    for step in range(4):
        opt.zero_grad()
        h = bn(emb(tokens).transpose(1, 2))
        loss = F.cross_entropy(head(h.mean(dim=2)), target)
        loss.backward()
        opt.step()
        print(step, f"{loss.item():.6f}", h.grad_fn.name())
    print(emb.weight.grad)
    print(bn.running_mean, bn.running_var)


for _name in [n for n in list(globals()) if n.startswith("case_")]:
    print("### " + _name)
    try:
        globals()[_name]()
    except Exception as _e:
        print("!! " + type(_e).__name__ + ": " + str(_e).split(chr(10))[0])
