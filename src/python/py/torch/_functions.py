"""The torch.* functions over tensors (torch.sin(x), torch.matmul(a, b), torch.cat(...), ...)."""
import builtins

from ._C import E, to_js, unsupported
from ._tensor import (
    O,
    _index_type_error,
    ReturnMax,
    ReturnMin,
    Tensor,
    _unary_names,
    as_tensor_arg,
    binop,
    call,
    kind_of,
    op,
    unary_functions,
    wrap,
)

_py_bool = builtins.bool


def _t(x, fname, arg="input"):
    if isinstance(x, Tensor):
        return x
    raise TypeError(f"{fname}(): argument '{arg}' (position 1) must be Tensor, not {type(x).__name__}")


def _make_unary(name):
    def f(input, *, out=None):
        if out is not None:
            raise unsupported(f"torch.{name}(out=...)")
        return getattr(_t(input, name), name)()

    f.__name__ = f.__qualname__ = name
    return f


UNARY = [n for n in _unary_names if n not in ("t",)]
for _n in UNARY:
    # torch._tensor's for the hot ops (one Python call less), a call of the method otherwise
    _f = globals()[_n] = unary_functions.get(_n) or _make_unary(_n)
    _f.__module__ = __name__  # exported by __all__ below


def round(input, *, decimals=0, out=None):
    if out is not None:
        raise unsupported("torch.round(out=...)")
    return _t(input, "round").round(decimals=decimals)


round.__module__ = __name__


def square(input):
    return _t(input, "square").square()


def logical_and(input, other):
    return _t(input, "logical_and").logical_and(other)


def logical_or(input, other):
    return _t(input, "logical_or").logical_or(other)


def logical_xor(input, other):
    return _t(input, "logical_xor").logical_xor(other)


def t(input):
    return _t(input, "t").t()


def _number_first(name, a, b):
    """True for torch.add(2, x): a Python number first, a tensor second."""
    if isinstance(a, Tensor):
        return False
    if isinstance(b, Tensor) and kind_of(a) is not None:
        return True
    raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(a).__name__}")


# torch.<name>(tensor, other) with an `other` that is neither: PyTorch's parser's text for the function
# (its overloads differ from the method's).
_FUNCTION_OVERLOADS = {
    "pow": [
        " * (Tensor input, Tensor exponent, *, Tensor out)",
        " * (Number self, Tensor exponent, *, Tensor out)",
        " * (Tensor input, Number exponent, *, Tensor out)",
    ],
    "remainder": [
        " * (Tensor input, Tensor other, *, Tensor out)",
        " * (Number self, Tensor other)",
        "      didn't match because some of the arguments have invalid types: (!Tensor!, !{tp}!)",
        " * (Tensor input, Number other, *, Tensor out)",
    ],
    "floor_divide": [
        " * (Tensor input, Tensor other, *, Tensor out)",
        " * (Tensor input, Number other)",
        "      didn't match because some of the arguments have invalid types: (Tensor, !{tp}!)",
    ],
}
for _n in ("eq", "ne", "lt", "le", "gt", "ge"):
    _FUNCTION_OVERLOADS[_n] = [" * (Tensor input, Tensor other, *, Tensor out)", " * (Tensor input, Number other, *, Tensor out)"]


def _check_other(name, other):
    """TypeError, as torch.<name> raises it, for an `other` that is neither a tensor nor a number."""
    if isinstance(other, Tensor) or kind_of(other) is not None:
        return
    tp = type(other).__name__
    lines = _FUNCTION_OVERLOADS.get(name)
    if lines is None:
        raise TypeError(f"{name}(): argument 'other' (position 2) must be Tensor, not {tp}")
    body = "".join(line.replace("{tp}", tp) + "\n" for line in lines)
    raise TypeError(f"{name}() received an invalid combination of arguments - got (Tensor, {tp}), but expected one of:\n{body}")


def add(input, other, *, alpha=1, out=None):
    if _number_first("add", input, other):
        if alpha != 1:
            raise unsupported("torch.add(number, tensor, alpha=...)")
        return other.add(input)
    _check_other("add", other)
    return input.add(other, alpha=alpha)


def sub(input, other, *, alpha=1, out=None):
    if _number_first("sub", input, other):
        if alpha != 1:
            raise unsupported("torch.sub(number, tensor, alpha=...)")
        return other.__rsub__(input)
    _check_other("sub", other)
    return input.sub(other, alpha=alpha)


subtract = sub


def rsub(input, other, *, alpha=1):
    return _t(input, "rsub").rsub(other)


def mul(input, other, *, out=None):
    if _number_first("mul", input, other):
        return other.mul(input)
    _check_other("mul", other)
    return input.mul(other)


multiply = mul


def div(input, other, *, rounding_mode=None, out=None):
    if _number_first("div", input, other):
        return other.__rtruediv__(input)
    _check_other("div", other)
    return input.div(other, rounding_mode=rounding_mode)


divide = div
true_divide = div


def pow(input, exponent, *, out=None):
    if not isinstance(input, Tensor):
        return _t(exponent, "pow", "exponent").__rpow__(input)
    _check_other("pow", exponent)
    return input.pow(exponent)


def neg(input):
    return -_t(input, "neg")


negative = neg


def clamp(input, min=None, max=None, *, out=None):
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        from ._tensor import _math_clamp_tensor

        return _math_clamp_tensor(_t(input, "clamp"), min, max, method=False)
    return _t(input, "clamp").clamp(min, max)


clip = clamp


def clamp_min(input, min):
    return _t(input, "clamp_min").clamp(min=min)


def clamp_max(input, max):
    return _t(input, "clamp_max").clamp(max=max)


def addcmul(input, tensor1, tensor2, *, value=1, out=None):
    return _t(input, "addcmul").addcmul(tensor1, tensor2, value=value)


def addcdiv(input, tensor1, tensor2, *, value=1, out=None):
    return _t(input, "addcdiv").addcdiv(tensor1, tensor2, value=value)


def maximum(input, other):
    return _t(input, "maximum").maximum(other)


def minimum(input, other):
    return _t(input, "minimum").minimum(other)


def eq(input, other):
    _check_other("eq", other)
    return _t(input, "eq").eq(other)


def ne(input, other):
    _check_other("ne", other)
    return _t(input, "ne").ne(other)


def lt(input, other):
    _check_other("lt", other)
    return _t(input, "lt").lt(other)


def le(input, other):
    _check_other("le", other)
    return _t(input, "le").le(other)


def gt(input, other):
    _check_other("gt", other)
    return _t(input, "gt").gt(other)


def ge(input, other):
    _check_other("ge", other)
    return _t(input, "ge").ge(other)


greater = gt
less = lt
greater_equal = ge
less_equal = le
not_equal = ne


def equal(input, other):
    return input.shape == other.shape and _py_bool((input == other).all().item())


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return _py_bool(isclose(input, other, rtol, atol, equal_nan).all().item())


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    # ATen's isclose: equal values (infinities too) are close; NaNs only with equal_nan
    close = input == other
    if equal_nan:
        close = close | (input.isnan() & other.isnan())
    err = (input - other).abs()
    return close | (err.isfinite() & (err <= atol + (rtol * other).abs()))


def sum(input, dim=None, keepdim=False, *, dtype=None):
    return _t(input, "sum").sum(dim, keepdim)


def mean(input, dim=None, keepdim=False, *, dtype=None):
    return _t(input, "mean").mean(dim, keepdim)


def prod(input, dim=None, keepdim=False, *, dtype=None):
    return _t(input, "prod").prod(dim, keepdim)


def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    return _t(input, "nan_to_num").nan_to_num(nan, posinf, neginf)


def cumsum(input, dim, *, dtype=None):
    return _t(input, "cumsum").cumsum(dim, dtype=dtype)


def max(input, dim=None, keepdim=False, *, out=None):
    return _t(input, "max").max(dim, keepdim)


def min(input, dim=None, keepdim=False, *, out=None):
    return _t(input, "min").min(dim, keepdim)


def amax(input, dim=(), keepdim=False):
    return _t(input, "amax").amax(dim, keepdim)


def amin(input, dim=(), keepdim=False):
    return _t(input, "amin").amin(dim, keepdim)


def argmax(input, dim=None, keepdim=False):
    return _t(input, "argmax").argmax(dim, keepdim)


def argmin(input, dim=None, keepdim=False):
    return _t(input, "argmin").argmin(dim, keepdim)


def std(input, dim=None, unbiased=True, keepdim=False, *, correction=None):
    return _t(input, "std").std(dim, unbiased, keepdim, correction=correction)


def var(input, dim=None, unbiased=True, keepdim=False, *, correction=None):
    return _t(input, "var").var(dim, unbiased, keepdim, correction=correction)


def norm(input, p="fro", dim=None, keepdim=False, out=None, dtype=None):
    return _t(input, "norm").norm(p, dim, keepdim)


def all(input, dim=None, keepdim=False):
    return _t(input, "all").all(dim, keepdim)


def any(input, dim=None, keepdim=False):
    return _t(input, "any").any(dim, keepdim)


def logsumexp(input, dim, keepdim=False):
    return _t(input, "logsumexp").logsumexp(dim, keepdim)


def softmax(input, dim, dtype=None):
    return _t(input, "softmax").softmax(dim)


def log_softmax(input, dim, dtype=None):
    return _t(input, "log_softmax").log_softmax(dim)


def matmul(input, other, *, out=None):
    return _t(input, "matmul").matmul(other)


def mm(input, mat2, *, out=None):
    return _t(input, "mm").mm(mat2)


def mv(input, vec, *, out=None):
    return _t(input, "mv").mv(vec)


def dot(input, other, *, out=None):
    return _t(input, "dot").dot(other)


def outer(input, vec2):
    return _t(input, "outer").outer(vec2)


def bmm(input, mat2, *, out=None):
    return _t(input, "bmm").bmm(mat2)


def addmm(input, mat1, mat2, *, beta=1, alpha=1, out=None):
    return _t(input, "addmm").addmm(mat1, mat2, beta=beta, alpha=alpha)


def narrow(input, dim, start, length):
    return _t(input, "narrow").narrow(dim, start, length)


def select(input, dim, index):
    return _t(input, "select").select(dim, index)


ger = outer


def transpose(input, dim0, dim1):
    return _t(input, "transpose").transpose(dim0, dim1)


swapaxes = transpose


def permute(input, dims):
    return _t(input, "permute").permute(*dims)


def reshape(input, shape):
    return _t(input, "reshape").reshape(shape)


def flatten(input, start_dim=0, end_dim=-1):
    return _t(input, "flatten").flatten(start_dim, end_dim)


def squeeze(input, dim=None):
    return _t(input, "squeeze").squeeze(dim)


def unsqueeze(input, dim):
    return _t(input, "unsqueeze").unsqueeze(dim)


def unbind(input, dim=0):
    return _t(input, "unbind").unbind(dim)


def split(tensor, split_size_or_sections, dim=0):
    return _t(tensor, "split").split(split_size_or_sections, dim)


def chunk(input, chunks, dim=0):
    return _t(input, "chunk").chunk(chunks, dim)


def _tensor_list(tensors, fname):
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(
            f"{fname}() received an invalid combination of arguments - got ({type(tensors).__name__}), "
            "but expected one of: (tuple of Tensors tensors, int dim)"
        )
    for x in tensors:
        if not isinstance(x, Tensor):
            raise TypeError(f"expected Tensor as element {list(tensors).index(x)} in argument 0, but got {type(x).__name__}")
    return to_js([x._t for x in tensors])


def cat(tensors, dim=0, *, out=None):
    return op(O("cat"), _tensor_list(tensors, "cat"), dim)


concat = cat
concatenate = cat


def stack(tensors, dim=0, *, out=None):
    return op(O("stack"), _tensor_list(tensors, "stack"), dim)


def where(condition, input=None, other=None):
    if input is None and other is None:
        raise unsupported("torch.where(condition) with one argument")
    return op(E.where, _t(condition, "where", "condition")._t, *_operand(input), *_operand(other))


def _operand(x):
    if isinstance(x, Tensor):
        return (x._t, 0)
    k = kind_of(x)
    if k is None:
        raise TypeError(f"where(): argument must be Tensor or a number, not {type(x).__name__}")
    return (x, k)


def floor_divide(input, other):
    _check_other("floor_divide", other)
    return _t(input, "floor_divide").floor_divide(other)


def remainder(input, other):
    if _number_first("remainder", input, other):
        return other.__rmod__(input)
    _check_other("remainder", other)
    return input.remainder(other)


def detach(input):
    return _t(input, "detach").detach()


def clone(input, *, memory_format=None):
    return _t(input, "clone").clone()


def numel(input):
    return _t(input, "numel").numel()


def is_tensor(obj):
    return isinstance(obj, Tensor)


def is_floating_point(input):
    return _t(input, "is_floating_point").is_floating_point()


def masked_fill(input, mask, value):
    return _t(input, "masked_fill").masked_fill(mask, value)


def gather(input, dim, index, *, sparse_grad=False):
    if isinstance(input, Tensor) and not isinstance(index, Tensor):
        raise _index_type_error("gather", index, True)
    return _t(input, "gather").gather(dim, index, sparse_grad=sparse_grad)


# ---- indexing, sorting and triangular ops ----
def scatter(input, dim, index, src=None, value=None, *, reduce=None):
    v = src if src is not None else value
    return _t(input, "scatter").scatter(dim, index, v, reduce=reduce)


def scatter_add(input, dim, index, src):
    return _t(input, "scatter_add").scatter_add(dim, index, src)


def index_select(input, dim, index):
    if isinstance(input, Tensor) and not isinstance(index, Tensor):
        raise _index_type_error("index_select", index, True)
    return _t(input, "index_select").index_select(dim, index)


def index_add(input, dim, index, source, *, alpha=1):
    return _t(input, "index_add").index_add(dim, index, source, alpha=alpha)


def index_fill(input, dim, index, value):
    return _t(input, "index_fill").index_fill(dim, index, value)


def median(input, dim=None, keepdim=False):
    return _t(input, "median").median(dim, keepdim)


def sort(input, dim=-1, descending=False, *, stable=False):
    return _t(input, "sort").sort(dim, descending, stable=stable)


def argsort(input, dim=-1, descending=False, *, stable=False):
    return _t(input, "argsort").argsort(dim, descending, stable=stable)


def topk(input, k, dim=-1, largest=True, sorted=True):
    return _t(input, "topk").topk(k, dim, largest, sorted)


def flip(input, dims):
    if not isinstance(dims, (tuple, list)):
        raise TypeError(f"flip(): argument 'dims' (position 2) must be tuple of ints, not {type(dims).__name__}")
    return _t(input, "flip").flip(dims)


def fliplr(input):
    return _t(input, "fliplr").fliplr()


def flipud(input):
    return _t(input, "flipud").flipud()


def roll(input, shifts, dims=None):
    return _t(input, "roll").roll(shifts, dims)


def tril(input, diagonal=0):
    return _t(input, "tril").tril(diagonal)


def triu(input, diagonal=0):
    return _t(input, "triu").triu(diagonal)


def diag(input, diagonal=0):
    return _t(input, "diag").diag(diagonal)


def trace(input):
    return _t(input, "trace").trace()


def cumprod(input, dim, *, dtype=None):
    return _t(input, "cumprod").cumprod(dim, dtype=dtype)


def nonzero(input, *, as_tuple=False):
    return _t(input, "nonzero").nonzero(as_tuple=as_tuple)


# ---- math functions and samplers (erf, atan2, lerp, bernoulli, multinomial, meshgrid, cdist, kron) ----


def erf(input, *, out=None):
    return _t(input, "erf").erf()


def erfc(input, *, out=None):
    return _t(input, "erfc").erfc()


def erfinv(input, *, out=None):
    return _t(input, "erfinv").erfinv()


def _math_binary_function(name, input, other):
    from ._tensor import _math_binary

    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    if not isinstance(other, Tensor) and not (name == "fmod" and kind_of(other) is not None):
        raise TypeError(f"{name}(): argument 'other' (position 2) must be Tensor, not {type(other).__name__}")
    return _math_binary(name, input, other)


def atan2(input, other, *, out=None):
    return _math_binary_function("atan2", input, other)


arctan2 = atan2


def fmod(input, other, *, out=None):
    return _math_binary_function("fmod", input, other)


def hypot(input, other, *, out=None):
    return _math_binary_function("hypot", input, other)


def logaddexp(input, other, *, out=None):
    return _math_binary_function("logaddexp", input, other)


def lerp(input, end, weight, *, out=None):
    return _t(input, "lerp").lerp(end, weight)


def bernoulli(input, p=None, *, generator=None, out=None):
    return _t(input, "bernoulli").bernoulli(p, generator=generator)


def multinomial(input, num_samples, replacement=False, *, generator=None, out=None):
    return _t(input, "multinomial").multinomial(num_samples, replacement, generator=generator)


def randint_like(input, low=0, high=None, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    from ._creation import randint

    if high is None:
        low, high = 0, low
    return randint(low, high, tuple(_t(input, "randint_like").shape), dtype=input.dtype if dtype is None else dtype, requires_grad=requires_grad)


def meshgrid(*tensors, indexing=None):
    from . import _C as _c

    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        _c.warn(
            "torch.meshgrid: in an upcoming release, it will be required to pass the indexing argument."
            " (Triggered internally at ../aten/src/ATen/native/TensorShape.cpp:3190.)"
        )
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f"torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but received: {indexing}")
    if len(tensors) == 0:
        raise RuntimeError("torch.meshgrid expects a non-empty TensorList")
    for k, t in enumerate(tensors):
        if t.dim() > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: {t.shape}")
    ts = list(tensors)
    swap = indexing == "xy" and len(ts) >= 2
    if swap:
        ts[0], ts[1] = ts[1], ts[0]
    shape = [t.numel() for t in ts]
    grids = []
    for k, t in enumerate(ts):
        view_shape = [1] * len(ts)
        view_shape[k] = -1
        grids.append(t.view(view_shape).expand(shape))
    if swap:
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    x1 = _t(x1, "cdist", "x1")
    x2 = _t(x2, "cdist", "x2")
    if p != 2:
        raise unsupported(f"torch.cdist(p={p})")
    if x1.dim() < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X1 got: {x1.dim()}D")
    if x2.dim() < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X2 got: {x2.dim()}D")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} X2: {x2.shape[-1]}")
    r1, r2 = x1.shape[-2], x2.shape[-2]
    if compute_mode != "donot_use_mm_for_euclid_dist" and (compute_mode == "use_mm_for_euclid_dist" or r1 > 25 or r2 > 25):
        raise unsupported("torch.cdist with more than 25 rows (PyTorch's matrix-product form)")
    if x1.dim() > 3 or x1.dim() != x2.dim() or list(x1.shape[:-2]) != list(x2.shape[:-2]):
        raise unsupported("torch.cdist with broadcast batch dims")
    return op(O("cdist"), x1._t, x2._t)


def kron(input, other, *, out=None):
    a = _t(input, "kron")
    if not isinstance(other, Tensor):
        raise TypeError(f"kron(): argument 'other' (position 2) must be Tensor, not {type(other).__name__}")
    b = other
    nd = builtins.max(a.dim(), b.dim())
    sa = [1] * (nd - a.dim()) + list(a.shape)
    sb = [1] * (nd - b.dim()) + list(b.shape)
    va, vb, out_shape = [], [], []
    for i in range(nd):
        va += [sa[i], 1]
        vb += [1, sb[i]]
        out_shape.append(sa[i] * sb[i])
    prod = a.reshape(va) * b.reshape(vb)
    return op(O("unsafeView"), prod._t, to_js(out_shape))


__all__ = [
    _k
    for _k, _v in list(globals().items())
    if not _k.startswith("_") and callable(_v) and getattr(_v, "__module__", None) == __name__
] + ["subtract", "multiply", "divide", "true_divide", "negative", "clip", "greater", "less"]
__all__ += ["greater_equal", "less_equal", "not_equal", "ger", "swapaxes", "concat", "concatenate"]
