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


def _gen(generator):
    """The engine generator behind `generator=` (None: the default one)."""
    if generator is None:
        return None
    if not isinstance(generator, Generator):
        raise TypeError(f"expected a torch.Generator, got {type(generator).__name__}")
    return generator._g


def _random(name, size, dtype, requires_grad, generator):
    return op(E.create, name, to_js(size), js_dtype(dtype), _py_bool(requires_grad), _gen(generator))


def rand(*size, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    check_device(device)
    return _random("rand", _size(size, "rand"), dtype, requires_grad, generator)


def randn(*size, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    check_device(device)
    return _random("randn", _size(size, "randn"), dtype, requires_grad, generator)


def randint(low=0, high=None, size=None, *, generator=None, dtype=None, device=None, requires_grad=False):
    if high is None and size is None:
        raise TypeError("randint() missing required argument 'size'")
    if size is None:
        # randint(high, size)
        low, high, size = 0, low, high
    return op(E.randint, low, high, to_js(_size((size,), "randint")), js_dtype(dtype), _gen(generator))


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False):
    return op(E.randperm, n, js_dtype(dtype), _gen(generator))


def normal(mean, std=1.0, size=None, *, generator=None, out=None, dtype=None, device=None, requires_grad=False):
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        if size is not None:
            raise unsupported("torch.normal with tensor mean/std and size=")
        m = mean if isinstance(mean, Tensor) else None
        s = std if isinstance(std, Tensor) else None
        like = m if m is not None else s
        if m is not None and s is not None and list(m.shape) != list(s.shape):
            raise unsupported("torch.normal with mean and std of different shapes")
        # ATen's normal_out: draws normal_(0, std) for a number std, else normal_(0, 1) times std;
        # then adds mean
        out_t = empty_like(like)
        if s is None:
            out_t.normal_(0.0, std, generator=generator)
        else:
            out_t.normal_(0.0, 1.0, generator=generator)
            out_t = out_t.mul(s)
        return out_t.add(mean)
    if size is None:
        raise TypeError("normal() received an invalid combination of arguments")
    t = empty(*_size((size,), "normal"), dtype=dtype)
    t.normal_(mean, std, generator=generator)
    if requires_grad:
        t.requires_grad_(True)
    return t


class Generator:
    """torch.Generator on the CPU: an engine generator of its own (PyTorch's mt19937 stream)."""

    def __init__(self, device="cpu"):
        check_device(device)
        self._g = call(E.newGenerator)
        self._seed = 67280421310721

    def manual_seed(self, seed):
        seed = _py_int(seed)
        # only the low 32 bits seed the mt19937, as PyTorch's CPU generator
        call(E.generatorManualSeed, self._g, seed & 0xFFFFFFFF)
        self._seed = seed
        return self

    def initial_seed(self):
        return self._seed

    def seed(self):
        raise unsupported("torch.Generator.seed")

    def get_state(self):
        raise unsupported("torch.Generator.get_state")

    def set_state(self, state):
        raise unsupported("torch.Generator.set_state")

    @property
    def device(self):
        from ._tensor import device

        return device("cpu")

    def __repr__(self):
        return f"<torch._C.Generator object at {hex(id(self))}>"


def _default_generator():
    g = Generator.__new__(Generator)
    g._g = call(E.defaultGenerator)
    g._seed = 67280421310721
    return g


default_generator = _default_generator()


def random64(generator=None):
    """`torch.empty((), dtype=torch.int64).random_(generator=g).item()`: random64() mod 2^63."""
    g = default_generator if generator is None else generator
    hi, lo = call(E.random64, g._g)
    return ((_py_int(hi) << 32) | _py_int(lo)) % (1 << 63)


def manual_seed(seed):
    seed = _py_int(seed)
    call(E.manualSeed, seed)
    default_generator._seed = seed
    return default_generator


def seed():
    raise unsupported("torch.seed")


def initial_seed():
    return default_generator._seed
