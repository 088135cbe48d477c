import torch

# Wrong argument types and bool operands: PyTorch's argument parser's texts and ATen's checks.


def attempt(label, f):
    try:
        print(label, f())
    except Exception as e:
        print(label, type(e).__name__, e)


def case_overloaded_methods():
    x = torch.tensor([1.0, 2.0])
    for n in ["eq", "ne", "lt", "le", "gt", "ge", "pow", "remainder", "floor_divide"]:
        attempt(n, lambda: getattr(x, n)("s"))
    attempt("eq None", lambda: x.eq(None))
    attempt("lt list", lambda: x.lt([1]))


def case_single_overload_methods():
    x = torch.tensor([[1.0, 2.0]])
    for n in ["add", "sub", "mul", "div", "matmul", "maximum", "minimum", "logical_and", "mm", "mv", "dot", "outer", "bmm", "copy_", "add_", "mul_"]:
        attempt(n, lambda: getattr(x, n)("s"))
    attempt("addmm mat1", lambda: x.addmm("s", x))
    attempt("addmm mat2", lambda: x.addmm(x.T, "s"))

    def set_data():
        x.data = "s"

    attempt("data", set_data)


def case_functions():
    x = torch.tensor([1.0, 2.0])
    for n in ["add", "sub", "mul", "div", "eq", "ne", "lt", "le", "gt", "ge", "pow", "remainder", "floor_divide"]:
        attempt("torch." + n, lambda: getattr(torch, n)(x, "s"))


def case_bool_subtraction():
    x = torch.tensor([1.0, 2.0])
    m = torch.tensor([True, False])
    attempt("x.sub(True)", lambda: x.sub(True))
    attempt("x - True", lambda: x - True)
    attempt("True - x", lambda: True - x)
    attempt("x.sub_(True)", lambda: x.sub_(True))
    attempt("m - x", lambda: m - x)
    attempt("x - m", lambda: x - m)
    attempt("1 - m", lambda: 1 - m)
    attempt("m - m", lambda: m - m)
    attempt("rsub", lambda: torch.rsub(x, True))
    attempt("~m, m ^ True", lambda: (~m, m ^ True))
    attempt("x + True", lambda: x + True)
    attempt("x", lambda: x)


for _name in [n for n in list(globals()) if n.startswith("case_")]:
    print("### " + _name)
    try:
        globals()[_name]()
    except Exception as _e:
        print("!! " + type(_e).__name__ + ": " + str(_e).split(chr(10))[0])
