import torch

# Unary math beyond the core (rsqrt, log1p, ..., floor/round/sign), NaN tests and bool logic, vs PyTorch.


def case_unary_and_logic():
    x = torch.tensor([0.5, -0.25, 2.0], requires_grad=True)
    for f in ['rsqrt','log1p','expm1','log2','log10','sinh','cosh','asin','acos','atan','sign','floor','ceil','round','trunc','frac','square']:
        inp = x.abs() if f in ('rsqrt','log2','log10') else (x / 3 if f in ('asin', 'acos') else x)
        y = getattr(torch, f)(inp)
        y.sum().backward()
        print(f, y, x.grad)
        x.grad = None
    print(torch.tensor([1, 2]).floor().dtype, torch.tensor([-3, 2]).sign(), torch.isnan(torch.tensor([1, 2])))
    print(torch.isnan(torch.tensor([1.0, float('nan')])), torch.isinf(torch.tensor([float('-inf'), 1.0])).any(), torch.isfinite(torch.tensor([1.0, float('inf')])))
    for a in [lambda: torch.tensor([1.0]) & torch.tensor([1.0]), lambda: ~torch.tensor([1.0])]:
        try:
            a()
        except Exception as e: print(type(e).__name__, e)
    print(~torch.tensor([True, False]), torch.tensor([True]) ^ True, torch.tensor([True, False]) | torch.tensor([False, False]), torch.logical_and(torch.tensor([1.0, 0.0]), torch.tensor([2.0, 3.0])))
    print(torch.round(torch.tensor([0.5, 1.5, 2.5, -0.5, -1.5, 2.4999])), torch.tensor([1, 2]).round().dtype, x.square())


for _name in [n for n in list(globals()) if n.startswith("case_")]:
    print("### " + _name)
    try:
        globals()[_name]()
    except Exception as _e:
        print("!! " + type(_e).__name__ + ": " + str(_e).split(chr(10))[0])
