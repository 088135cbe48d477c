import torch

# The samplers: bernoulli (tensor p and number p), multinomial (with and without replacement),
# bernoulli_, uniform_, normal_, randint_like, seeded as PyTorch's CPU generator, vs PyTorch.


def err(f):
    try:
        print(f())
    except Exception as e:
        print(type(e).__name__, e)


def case_bernoulli():
    torch.manual_seed(0)
    p = torch.tensor([[0.1, 0.5, 0.9], [0.0, 1.0, 0.3]])
    print(torch.bernoulli(p), torch.bernoulli(p), torch.rand(2))
    print(torch.bernoulli(torch.full((20,), 0.5)))
    print(torch.bernoulli(torch.ones(2, 3), 0.3), torch.rand(1))
    t = torch.empty(10)
    print(t.bernoulli_(0.4), t.bernoulli_(torch.tensor([0.2] * 5 + [0.8] * 5)))
    g = torch.Generator().manual_seed(5)
    print(torch.bernoulli(torch.full((8,), 0.5), generator=g), p.bernoulli())
    q = torch.tensor([0.2, 0.7], requires_grad=True)
    y = torch.bernoulli(q)
    print(y.requires_grad, y.grad_fn.name())
    err(lambda: torch.bernoulli(p * 2))
    err(lambda: torch.bernoulli(p, p=2.0))
    err(lambda: torch.bernoulli(torch.tensor([1, 0])))


def case_multinomial():
    torch.manual_seed(1)
    w = torch.tensor([0.1, 0.2, 0.3, 0.4])
    print(torch.multinomial(w, 1), torch.multinomial(w, 2), torch.multinomial(w, 4))
    print(torch.multinomial(w, 10, replacement=True), torch.multinomial(w, 1, True))
    m = torch.tensor([[1.0, 0.0, 3.0], [2.0, 2.0, 0.5]])
    print(torch.multinomial(m, 2), torch.multinomial(m, 6, replacement=True), m.multinomial(1))
    print(torch.multinomial(torch.ones(30), 30)[:10], torch.rand(2))
    err(lambda: torch.multinomial(w, 5))
    err(lambda: torch.multinomial(-w, 2))
    err(lambda: torch.multinomial(-w, 2, True))
    err(lambda: torch.multinomial(torch.zeros(3), 2, True))
    err(lambda: torch.multinomial(w, 0))


def case_fills_and_like():
    torch.manual_seed(2)
    x = torch.empty(3, 4)
    print(x.uniform_(-1, 1), x.normal_(2.0, 0.5))
    print(torch.randint_like(x, 10), torch.randint_like(x, 3, 7), torch.randint_like(torch.zeros(5, dtype=torch.long), 100))
    print(torch.rand(3))


for _name in [n for n in list(globals()) if n.startswith("case_")]:
    print("### " + _name)
    try:
        globals()[_name]()
    except Exception as _e:
        print("!! " + type(_e).__name__ + ": " + str(_e).split(chr(10))[0])
