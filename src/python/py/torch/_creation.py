"""Tensor creation: torch.tensor from Python data, zeros/ones/full/arange/linspace/eye, random tensors."""
import builtins
import math

from . import _C
from ._C import E, to_js, unsupported
from ._tensor import Tensor, bool_, check_device, float32, int64, js_dtype, op, wrap, call

_py_bool = builtins.bool
_py_int = builtins.int
_py_float = builtins.float

_TENSOR_COPY_WARNING = (
    "To copy construct from a tensor, it is recommended to use sourceTensor.clone().detach() or "
    "sourceTensor.clone().detach().requires_grad_(True), rather than torch.tensor(sourceTensor)."
)


def _flatten(data):
    """Row-major values, shape and the inferred dtype of nested lists/tuples of numbers."""
    shape = []
    x = data
    while isinstance(x, (list, tuple)):
        shape.append(len(x))
        if not x:
            break
        x = x[0]
    flat = []
    kinds = set()
    rank = len(shape)

    def visit(x, depth):
        if depth < rank:
            if not isinstance(x, (list, tuple)):
                raise ValueError(f"expected sequence of length {shape[depth]} at dim {depth} (got {type(x).__name__})")
            if len(x) != shape[depth]:
                raise ValueError(f"expected sequence of length {shape[depth]} at dim {depth} (got {len(x)})")
            for y in x:
                visit(y, depth + 1)
            return
        if isinstance(x, (list, tuple)):
            raise ValueError(f"expected a number at dim {depth} (got a sequence of length {len(x)})")
        if isinstance(x, Tensor):
            if x.numel() != 1:
                raise ValueError("only one element tensors can be converted to Python scalars")
            x = x.item()
        if isinstance(x, _py_bool):
            kinds.add("bool")
        elif isinstance(x, _py_int):
            kinds.add("int")
        elif isinstance(x, _py_float):
            kinds.add("float")
        else:
            raise TypeError(f"new(): invalid data type '{type(x).__name__}'")
        flat.append(x)

    visit(data, 0)
    if "float" in kinds or not kinds:
        dt = "float32"
    elif "int" in kinds:
        dt = "int64"
    else:
        dt = "bool"
    return flat, shape, dt


def tensor(data, dtype=None, device=None, requires_grad=False, pin_memory=False):
    check_device(device)
    if isinstance(data, Tensor):
        _C.warn(_TENSOR_COPY_WARNING, UserWarning)
        t = data.detach().clone()
        if dtype is not None:
            t = t.to(dtype)
        if requires_grad:
            t.requires_grad_(True)
        return t
    flat, shape, dt = _flatten(data)
    if dtype is not None:
        dt = js_dtype(dtype)
    return op(E.fromFlat, to_js(flat), to_js(shape), dt, _py_bool(requires_grad))


def as_tensor(data, dtype=None, device=None):
    if isinstance(data, Tensor):
        return data if dtype is None else data.to(dtype)
    return tensor(data, dtype=dtype, device=device)


def _size(size, fname):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    for s in size:
        if not isinstance(s, _py_int):
            raise TypeError(
                f"{fname}(): argument 'size' must be tuple of ints, but found element of type {type(s).__name__} at pos 0"
            )
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(size)}")
    return [_py_int(s) for s in size]


def _create(name, size, dtype, requires_grad):
    return op(E.create, name, to_js(size), js_dtype(dtype), _py_bool(requires_grad))


def zeros(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    check_device(device)
    return _create("zeros", _size(size, "zeros"), dtype, requires_grad)


def ones(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    check_device(device)
    return _create("ones", _size(size, "ones"), dtype, requires_grad)


def empty(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    check_device(device)
    return _create("empty", _size(size, "empty"), dtype, requires_grad)


def _scalar_dtype(v):
    if isinstance(v, _py_bool):
        return "bool"
    if isinstance(v, _py_int):
        return "int64"
    return "float32"


def _number(v):
    return v.item() if isinstance(v, Tensor) else v


def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    check_device(device)
    fill_value = _number(fill_value)
    dt = js_dtype(dtype) or _scalar_dtype(fill_value)
    return op(E.full, to_js(_size((size,), "full")), fill_value, dt, _py_bool(requires_grad))


def _like(name, input, value, dtype, requires_grad):
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    return op(E.like, name, input._t, value, js_dtype(dtype), _py_bool(requires_grad))


def zeros_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    return _like("zerosLike", input, None, dtype, requires_grad)


def ones_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    return _like("onesLike", input, None, dtype, requires_grad)


def empty_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    return _like("emptyLike", input, None, dtype, requires_grad)


def full_like(input, fill_value, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    return _like("fullLike", input, _number(fill_value), dtype, requires_grad)


def rand_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    return _like("randLike", input, None, dtype, requires_grad)


def randn_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    return _like("randnLike", input, None, dtype, requires_grad)


def arange(start, end=None, step=1, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    check_device(device)
    if end is None:
        start, end = 0, start
    args = [_number(a) for a in (start, end, step)]
    dt = js_dtype(dtype) or ("int64" if all(isinstance(a, _py_int) for a in args) else "float32")
    return op(E.arange, args[0], args[1], args[2], dt, _py_bool(requires_grad))


def linspace(start, end, steps, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    check_device(device)
    return op(E.linspace, _number(start), _number(end), steps, js_dtype(dtype), _py_bool(requires_grad))


def eye(n, m=None, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    check_device(device)
    return op(E.eye, n, n if m is None else m, js_dtype(dtype), _py_bool(requires_grad))


def _random(name, size, dtype, requires_grad, generator):
    if generator is not None:
        raise unsupported("the generator= argument")
    return _create(name, size, dtype, requires_grad)


def rand(*size, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    check_device(device)
    return _random("rand", _size(size, "rand"), dtype, requires_grad, generator)


def randn(*size, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    check_device(device)
    return _random("randn", _size(size, "randn"), dtype, requires_grad, generator)


def randint(low=0, high=None, size=None, *, generator=None, dtype=None, device=None, requires_grad=False):
    if size is None:
        # randint(high, size)
        low, high, size = 0, low, high
    if generator is not None:
        raise unsupported("the generator= argument")
    return op(E.randint, low, high, to_js(_size((size,), "randint")), js_dtype(dtype))


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False):
    if generator is not None and generator._g is not None:
        return op(E.randperm, n, js_dtype(dtype), generator._g)
    return op(E.randperm, n, js_dtype(dtype))


class Generator:
    """A CPU generator; only randperm (and so DataLoader's shuffle, random_split) takes one yet."""

    def __init__(self, device="cpu"):
        self._seed = 67280421310721
        # the engine's generator; None for torch.default_generator, which the engine keeps itself
        self._g = call(E.newGenerator) if _default_made else None

    def manual_seed(self, seed):
        seed = _py_int(seed)
        if self._g is None:
            return manual_seed(seed)
        call(E.generatorManualSeed, self._g, seed)
        self._seed = seed
        return self

    def initial_seed(self):
        return self._seed

    def __repr__(self):
        return f"<torch._C.Generator object at {hex(id(self))}>"


_default_made = False
default_generator = Generator()
_default_made = True


def random_int64(generator=None):
    """`torch.empty((), dtype=torch.int64).random_(generator=g).item()`: random64() mod 2^63."""
    g = None if generator is None else generator._g
    hi, lo = call(E.random64, g).to_py() if g is not None else call(E.random64).to_py()
    return ((hi << 32) | lo) & ((1 << 63) - 1)


def manual_seed(seed):
    seed = _py_int(seed)
    call(E.manualSeed, seed)
    default_generator._seed = seed
    return default_generator


def seed():
    raise unsupported("torch.seed")


def initial_seed():
    return default_generator._seed
