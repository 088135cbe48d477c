"""torch.Tensor: a Python object around a gradlens engine tensor.

Each op crosses into the engine once. Python numbers go with a kind code (1 int, 2 float, 3 bool) so
the engine wraps them as PyTorch does (int64 or float32 wrapped numbers), which keeps type promotion
PyTorch's. Results that are tensors get a fresh wrapper; in-place methods return `self`.

A Tensor holds its engine tensor as an integer handle (`_h`, into the bridge's HandleTable), a JsProxy
(`_t`), or both: the hot ops (arithmetic, comparisons, unary math, matmul, whole-tensor sum/mean) pass
handles, which cross the FFI at half the cost of a fresh JS object; everything else uses `_t`. Each
is made from the other on first use (`_handle`, `__getattr__`), and a dying Tensor queues its handle
for release (`__del__`, batched by _C.release_dead).
"""
import builtins
import weakref
from collections import namedtuple

from . import _C
from ._C import E, JsException, convert, create_proxy, fn, to_js, unsupported

_new_object = object.__new__
_WARN = _C.WARN
_py_bool = builtins.bool
_py_float = builtins.float
_py_int = builtins.int

# ---------------------------------------------------------------------------------------------
# dtype, Size, device


class dtype:
    __slots__ = ("name", "is_floating_point", "is_signed", "itemsize")

    def __init__(self, name, is_floating_point, is_signed, itemsize):
        self.name = name
        self.is_floating_point = is_floating_point
        self.is_signed = is_signed
        self.itemsize = itemsize

    def __repr__(self):
        return "torch." + self.name

    def __reduce__(self):
        return self.name


float32 = dtype("float32", True, True, 4)
int64 = dtype("int64", False, True, 8)
bool_ = dtype("bool", False, False, 1)
DTYPES = {"float32": float32, "int64": int64, "bool": bool_}


def js_dtype(d):
    """The engine's dtype name for a `dtype=` argument (torch dtypes, or Python's int/bool)."""
    if d is None:
        return None
    if isinstance(d, dtype):
        return d.name
    if d is _py_int:
        return "int64"
    if d is _py_bool:
        return "bool"
    if d is _py_float:
        raise unsupported("torch.float64")
    raise TypeError(f"dtype must be a torch.dtype, not {type(d).__name__}")


class Size(tuple):
    def __repr__(self):
        return f"torch.Size([{', '.join(str(d) for d in self)}])"

    __str__ = __repr__

    def numel(self):
        n = 1
        for d in self:
            n *= d
        return n

    def __getitem__(self, i):
        r = tuple.__getitem__(self, i)
        return Size(r) if isinstance(i, slice) else r

    def __add__(self, other):
        return Size(tuple.__add__(self, other))


class device:
    __slots__ = ("type", "index")

    def __init__(self, type="cpu", index=None):
        if isinstance(type, device):
            type, index = type.type, type.index
        if ":" in type:
            type, idx = type.split(":")
            index = _py_int(idx)
        if type != "cpu":
            raise unsupported(f"the device '{type}' (gradlens runs on the CPU only)")
        self.type = type
        self.index = index

    def __repr__(self):
        return f"device(type='{self.type}')"

    def __str__(self):
        return self.type

    def __eq__(self, other):
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and other.type == self.type

    def __hash__(self):
        return hash(self.type)


CPU = device("cpu")


def check_device(d):
    if d is not None:
        device(d)


# ---------------------------------------------------------------------------------------------
# Calling the engine

_KIND = {_py_int: 1, _py_float: 2, _py_bool: 3}


# The shim makes its Tensors as `Tensor(handle, _KEY)`: a class without __new__ whose __init__ takes no
# *args is allocated and initialised by the interpreter inline (CPython's CALL_ALLOC_AND_ENTER_INIT), about
# twice as fast as object.__new__ and an attribute store. _KEY tells these calls from the legacy
# constructor's (torch.Tensor(2, 3)).
_KEY = object()
_NO = object()


def typename(o):
    """torch.typename: `torch.FloatTensor` for a tensor, the qualified class name otherwise."""
    if isinstance(o, Tensor):
        return o.type()
    module = ""
    if getattr(o, "__module__", None) not in (None, "builtins", "__builtin__"):
        module = o.__module__ + "."
    if hasattr(o, "__qualname__"):
        return module + o.__qualname__
    if hasattr(o, "__name__"):
        return module + o.__name__
    return module + o.__class__.__name__


def wrap(r):
    """A Tensor around the engine tensor `r`."""
    t = Tensor(0, _KEY)
    t._t = r
    return t


def op(f, *args):
    """Runs engine function `f` and wraps the tensor it returns."""
    try:
        r = f(*args)
    except JsException as e:
        raise convert(e) from None
    t = Tensor(0, _KEY)
    t._t = r
    if _WARN[0]:
        _C.flush_warnings()
    if _C.anomaly:
        E.setStack(r, _C.user_stack())
    return t


def call(f, *args):
    """Runs engine function `f` and returns what it returns (no wrapping)."""
    try:
        r = f(*args)
    except JsException as e:
        raise convert(e) from None
    if _WARN[0]:
        _C.flush_warnings()
    return r


# ---- the hot path: tensors by handle ----

_handle_of = E.handleOf
_set_stack_h = E.setStackH
_tensor_of = E.tensorOf
_BINARY = {name: code for code, name in enumerate(E.hotBinaryNames.to_py())}
_ARGS = _C.ARGS
_NUM = _C.NUM
_dead = _C.dead_handles
_DEAD_BATCH = _C.DEAD_BATCH
_release_dead = _C.release_dead


_item_h = E.itemH
_grad_h = E.gradH
_SAME_GRAD = E.SAME_GRAD
_meta_h_call = E.metaH


def _meta_h(t):
    _ARGS[0] = t._h
    return _meta_h_call()


def _handle(t):
    """The handle of a Tensor that has only its JsProxy so far."""
    h = t._h = _handle_of(t._t)
    return h


def _pending(h):
    """After a hot op whose JS side said there is more to do: print the engine's warnings, keep the
    op's traceback for anomaly mode (as op() does)."""
    if _WARN[0]:
        _C.flush_warnings()
    if _C.anomaly:
        _set_stack_h(h, _C.user_stack())


def from_handle(h):
    """A Tensor for a hot op's result `h` (negative: see _pending)."""
    if h > 0:
        return Tensor(h, _KEY)
    return _pending_result(h)


def _pending_result(h):
    """The Tensor for a hot op's negative result `h`, after _pending's work."""
    h = -h
    t = Tensor(h, _KEY)
    _pending(h)
    return t


# The functions below are written out in full, not through op() and helpers: they are most of what a
# program on small tensors runs. Arguments go in the cells _ARGS / _NUM, read by the JS side; the
# result is a handle, negative when _pending has work.


# Methods with a Tensor and a Number overload: PyTorch's argument parser lists both when `other` is
# neither (the parameter's name as PyTorch gives it).
_OVERLOADED_OTHER = {
    "eq": "other", "ne": "other", "lt": "other", "le": "other", "gt": "other", "ge": "other",
    "remainder": "other", "floor_divide": "other", "pow": "exponent",
}


def other_type_error(name, other):
    """The TypeError of `t.<name>(other)` for an `other` that is neither a tensor nor a number."""
    tp = type(other).__name__
    param = _OVERLOADED_OTHER.get(name)
    if param is None:
        return TypeError(f"{name}(): argument 'other' (position 1) must be Tensor, not {tp}")
    why = f"      didn't match because some of the arguments have invalid types: (!{tp}!)\n"
    return TypeError(
        f"{name}() received an invalid combination of arguments - got ({tp}), but expected one of:\n"
        f" * (Tensor {param})\n{why} * (Number {param})\n{why}"
    )


def hot_binary(name, strict=None):
    """The method `self <name> other` for a tensor or Python number `other`: NotImplemented for other
    types, or TypeError for a named method (`a.mul(b)`), whose name `strict` gives."""
    code = _BINARY[name]
    tt = E.binaryTT[code]
    by_kind = E.binaryTN
    tn_int = by_kind[1][code]
    tn_float = by_kind[2][code]
    tn_bool = by_kind[3][code]
    args = _ARGS
    num = _NUM

    def method(self, other):
        # type() first: isinstance() of a float against Tensor looks up float's __class__ (slow)
        tp = type(other)
        if tp is not Tensor:
            if tp is _py_float:
                f = tn_float
            elif tp is _py_int:
                f = tn_int
            elif isinstance(other, Tensor):
                f = None
            else:
                k = kind_of(other)
                if k is None:
                    if strict:
                        raise other_type_error(strict, other)
                    return NotImplemented
                f = tn_bool if k == 3 else tn_int if k == 1 else tn_float
            if f is not None:
                args[0] = self._h or _handle(self)
                num[0] = other
                try:
                    h = f()
                except JsException as e:
                    raise convert(e) from None
                if h > 0:
                    return Tensor(h, _KEY)
                return _pending_result(h)
        args[0] = self._h or _handle(self)
        args[1] = other._h or _handle(other)
        try:
            h = tt()
        except JsException as e:
            raise convert(e) from None
        if h > 0:
            return Tensor(h, _KEY)
        return _pending_result(h)

    if strict:
        method.__name__ = strict
        method.__qualname__ = "Tensor." + strict
    return method


def hot_reflected(name):
    """`other <op> self` for a Python number `other` (`1 - t`): the engine op `name`, by handle."""
    code = _BINARY[name]
    by_kind = E.binaryTN
    tn_int = by_kind[1][code]
    tn_float = by_kind[2][code]
    tn_bool = by_kind[3][code]
    args = _ARGS
    num = _NUM

    def method(self, other):
        tp = type(other)
        if tp is _py_float:
            f = tn_float
        elif tp is _py_int:
            f = tn_int
        else:
            k = kind_of(other)
            if k is None:
                return NotImplemented
            f = tn_bool if k == 3 else tn_int if k == 1 else tn_float
        args[0] = self._h or _handle(self)
        num[0] = other
        try:
            h = f()
        except JsException as e:
            raise convert(e) from None
        if h > 0:
            return Tensor(h, _KEY)
        return _pending_result(h)

    return method


def hot_tensors(name, strict=None):
    """The method `self <name> other` for a tensor `other` (`a @ b`): NotImplemented for others, or
    TypeError for a named method, whose name `strict` gives."""
    tt = E.binaryTT[_BINARY[name]]
    args = _ARGS

    def method(self, other):
        if type(other) is not Tensor and not isinstance(other, Tensor):
            if strict:
                raise TypeError(f"{strict}(): argument 'other' (position 1) must be Tensor, not {type(other).__name__}")
            return NotImplemented
        args[0] = self._h or _handle(self)
        args[1] = other._h or _handle(other)
        try:
            h = tt()
        except JsException as e:
            raise convert(e) from None
        if h > 0:
            return Tensor(h, _KEY)
        return _pending_result(h)

    if strict:
        method.__name__ = strict
        method.__qualname__ = "Tensor." + strict
    return method


# torch.<name>(input) for the hot unary ops (torch/_functions.py uses these)
unary_functions = {}


def hot_unary(name, engine_name, kind):
    """The method for a unary engine op by handle (and its torch.<name> in unary_functions), or None
    when the engine lacks it."""
    f = E.hotUnary(engine_name, kind)
    if f is None:
        return None
    args = _ARGS

    def method(self):
        args[0] = self._h or _handle(self)
        try:
            h = f()
        except JsException as e:
            raise convert(e) from None
        if h > 0:
            return Tensor(h, _KEY)
        return _pending_result(h)

    def function(input, *, out=None):
        if out is not None:
            raise unsupported(f"torch.{name}(out=...)")
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
        args[0] = input._h or _handle(input)
        try:
            h = f()
        except JsException as e:
            raise convert(e) from None
        if h > 0:
            return Tensor(h, _KEY)
        return _pending_result(h)

    function.__name__ = function.__qualname__ = name
    unary_functions[name] = function
    return method


def kind_of(x):
    k = _KIND.get(type(x))
    if k is None:
        if isinstance(x, _py_bool):
            return 3
        if isinstance(x, _py_int):
            return 1
        if isinstance(x, _py_float):
            return 2
    return k


_bin = E.bin


def binop(f, a, b, *extra):
    """`f(a, b)` for a tensor a and a tensor or Python number b; NotImplemented for other b."""
    if isinstance(b, Tensor):
        return op(f, a._t, b._t, *extra)
    k = kind_of(b)
    if k is None:
        return NotImplemented
    return op(_bin, f, a._t, b, k, *extra)


_add_strict = hot_binary("add", "add")
_sub_strict = hot_binary("sub", "sub")
_div_strict = hot_binary("div", "div")


def _strict(name, method, a, b):
    """A hot binary method as a named method (`a.add(b)`): TypeError for an `other` it does not take."""
    r = method(a, b)
    if r is NotImplemented:
        raise other_type_error(name, b)
    return r


def binop_strict(name, f, a, b, *extra):
    r = binop(f, a, b, *extra)
    if r is NotImplemented:
        raise other_type_error(name, b)
    return r


def rop(f, a, b):
    k = kind_of(b)
    if k is None:
        return NotImplemented
    return op(f, a._t, b, k)


_inplace_fns = {}


def inplace(a, name, b, alpha=None):
    """`a.<name>_(b)`, by handle (see hot_binary); returns a."""
    fns = _inplace_fns.get(name)
    if fns is None:
        fns = _inplace_fns[name] = E.hotInplace(name).to_py()
    tp = type(b)
    if tp is Tensor or (tp is not _py_float and tp is not _py_int and isinstance(b, Tensor)):
        _ARGS[1] = b._h or _handle(b)
        f = fns[0]
    else:
        k = 2 if tp is _py_float else 1 if tp is _py_int else kind_of(b)
        if k is None:
            raise TypeError(f"{name}_(): argument 'other' (position 1) must be Tensor, not {tp.__name__}")
        _NUM[0] = b
        f = fns[k]
    _ARGS[0] = a._h or _handle(a)
    _NUM[1] = 1 if alpha is None else alpha
    try:
        f()
    except JsException as e:
        raise convert(e) from None
    if _WARN[0]:
        _C.flush_warnings()
    return a


def _data_arg(x):
    if isinstance(x, Tensor):
        return x
    raise TypeError(f"Variable data has to be a tensor, but got {type(x).__name__}")


def _addc_arg(x, name):
    if isinstance(x, Tensor):
        return x
    raise TypeError(f"{name}(): argument 'tensor1' (position 1) must be Tensor, not {type(x).__name__}")


def as_tensor_arg(x, name, param="other", position=1):
    """`x`, the tensor argument `param` of the method `name`, or PyTorch's TypeError."""
    if isinstance(x, Tensor):
        return x
    raise TypeError(f"{name}(): argument '{param}' (position {position}) must be Tensor, not {type(x).__name__}")


def js_list(xs):
    return to_js([_py_int(x) for x in xs])


def shape_args(args, fname):
    """`view(2, 3)`, `view((2, 3))`, `view(torch.Size([2, 3]))` -> a JS array."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = args[0]
    for a in args:
        if not isinstance(a, _py_int) and not (isinstance(a, Tensor) and a.dim() == 0):
            raise TypeError(f"{fname}(): argument 'size' must be tuple of ints, but found element of type {type(a).__name__}")
    return js_list(args)


def dims_arg(dim):
    """None, an int, or a tuple/list of ints -> undefined, a number, or a JS array."""
    if dim is None or isinstance(dim, _py_int):
        return dim
    return js_list(dim)


_ops = {}


def O(name, what=None):
    """The engine op `name` (looked up once); `what` names it for the error when the engine lacks it."""
    f = _ops.get(name)
    if f is None:
        f = _ops[name] = fn(name, what)
    return f


_repr = E.repr
_item = E.item
_meta = E.meta
_values = E.values
_grad = E.grad
_set_grad = E.setGrad
_grad_fn = E.gradFn
_detach = E.detach
_requires_grad = E.requiresGrad
_set_requires_grad = E.setRequiresGrad
_is_leaf = E.isLeaf

# ---------------------------------------------------------------------------------------------
# grad_fn nodes

_nodes = weakref.WeakValueDictionary()


class Node:
    """A grad_fn as Python sees it: `<MulBackward0 object at 0x...>`, name(), next_functions."""

    __slots__ = ("_n", "_name", "__weakref__")

    def name(self):
        # PyTorch names the leaf node by its C++ class
        return "torch::autograd::AccumulateGrad" if self._name == "AccumulateGrad" else self._name

    @property
    def next_functions(self):
        return tuple((node(m) if m is not None else None, _py_int(i)) for m, i in E.nextFunctions(self._n))

    @property
    def variable(self):
        v = E.variable(self._n)
        if v is None:
            raise AttributeError(f"'{self._name}' object has no attribute 'variable'")
        return wrap(v)

    @property
    def metadata(self):
        return {}

    def register_hook(self, hook):
        raise unsupported("grad_fn.register_hook")

    def register_prehook(self, hook):
        raise unsupported("grad_fn.register_prehook")

    def __repr__(self):
        m = type(self).__module__
        prefix = "" if m == "builtins" else m + "."
        return f"<{prefix}{self._name} object at {hex(id(self))}>"

    def __call__(self, *args):
        raise unsupported("calling a grad_fn directly")

    def __getattr__(self, name):
        # PyTorch's grad_fn._saved_self / _saved_other / _saved_result...: not mirrored yet
        if name.startswith("_saved_") or name.startswith("_raw_saved_"):
            raise unsupported(f"grad_fn.{name} (the tensors a node saved)")
        raise AttributeError(f"'{self._name}' object has no attribute '{name}'")


_node_classes = {}
# the grad_fn names of custom autograd.Functions (`MyReLUBackward`): PyTorch makes their classes in
# torch.autograd.function, the built-in ones are C++ classes (module builtins)
custom_node_names = set()


def node(n):
    """The Python grad_fn object of engine node `n`: one per node, of a class named after it."""
    key = n.id
    w = _nodes.get(key)
    if w is None:
        name = n.name
        cls = _node_classes.get(name)
        if cls is None:
            module = "torch.autograd.function" if name in custom_node_names else "builtins"
            cls = _node_classes[name] = type(name, (Node,), {"__slots__": (), "__module__": module})
        w = _new_object(cls)
        w._n = n
        w._name = name
        _nodes[key] = w
    return w


class RemovableHandle:
    def __init__(self, remove, proxy):
        self._remove = remove
        self._proxy = proxy

    def remove(self):
        if self._remove is not None:
            self._remove()
            self._remove = None
            self._proxy.destroy()


# ---------------------------------------------------------------------------------------------
# Tensor

_unary_names = {
    # Python method name: engine op name
    "neg": "neg",
    "negative": "neg",
    "abs": "abs",
    "absolute": "abs",
    "sqrt": "sqrt",
    "rsqrt": "rsqrt",
    "exp": "exp",
    "log": "log",
    "log2": "log2",
    "log10": "log10",
    "log1p": "log1p",
    "expm1": "expm1",
    "sin": "sin",
    "cos": "cos",
    "tan": "tan",
    "asin": "asin",
    "acos": "acos",
    "atan": "atan",
    "sinh": "sinh",
    "cosh": "cosh",
    "tanh": "tanh",
    "sigmoid": "sigmoid",
    "relu": "relu",
    "reciprocal": "reciprocal",
    "sign": "sign",
    "floor": "floor",
    "ceil": "ceil",
    "round": "round",
    "trunc": "trunc",
    "frac": "frac",
    "clone": "clone",
    "t": "t",
    "logical_not": "logical_not",
    "isnan": "isnan",
    "isinf": "isinf",
    "isfinite": "isfinite",
}

ReturnMax = namedtuple("max", ["values", "indices"])
ReturnMin = namedtuple("min", ["values", "indices"])


def _return_type_repr(self):
    name = type(self).__name__
    return f"torch.return_types.{name}(\nvalues={self.values!r},\nindices={self.indices!r})"


ReturnMax.__repr__ = _return_type_repr
ReturnMin.__repr__ = _return_type_repr


class Tensor:
    # `_h`, the handle (0: none yet), is a slot every Tensor sets; the instance dict holds `_t` (made on
    # first use by __getattr__) and what users set on tensors, as PyTorch allows. The class-level
    # defaults save a new Tensor setting them.
    __slots__ = ("_h", "__dict__", "__weakref__")
    _lab = False  # named in the trace already (the first name wins)
    _m = None  # [dtype, *shape], cached

    def __init__(self, a=_NO, b=_NO, c=_NO, d=_NO, e=_NO, f=_NO, g=_NO, h=_NO, device=None):
        if b is _KEY:
            # the shim's own: Tensor(handle, _KEY)
            self._h = a
            return
        # the legacy constructor: torch.Tensor([1, 2]) is a float tensor, torch.Tensor(2, 3) one of that
        # size (written out positionally: a varargs __init__ would lose the fast path above)
        self._h = 0
        check_device(device)
        args = tuple(x for x in (a, b, c, d, e, f, g, h) if x is not _NO)
        from . import _creation

        if not args:
            made = _creation.tensor([], dtype=float32)
        elif len(args) == 1 and isinstance(args[0], (list, tuple)):
            made = _creation.tensor(args[0], dtype=float32)
        elif all(isinstance(x, _py_int) for x in args):
            made = _creation.zeros(*args)
        else:
            raise unsupported("this form of the torch.Tensor constructor")
        # this Tensor takes the engine tensor by its JsProxy: `made` gives its handle back when it dies
        self._t = made._t

    def __del__(self):
        h = self._h
        if h:
            _dead.append(h)
            if len(_dead) >= _DEAD_BATCH:
                _release_dead()

    # ---- metadata ----
    def _value(self):
        """The element of a one-element tensor, as the engine holds it."""
        h = self._h
        if h:
            _ARGS[0] = h
            return call(_item_h)
        return call(_item, self._t)

    def _meta(self):
        m = self._m
        if m is None:
            m = self._m = (_meta_h(self) if self._h else _meta(self._t)).to_py()
        return m

    @property
    def shape(self):
        return Size(self._meta()[1:])

    def size(self, dim=None):
        m = self._meta()
        if dim is None:
            return Size(m[1:])
        n = len(m) - 1
        d = dim + n if dim < 0 else dim
        if not 0 <= d < builtins.max(n, 1):
            raise IndexError(
                f"Dimension out of range (expected to be in range of [{-builtins.max(n, 1)}, {builtins.max(n, 1) - 1}], but got {dim})"
            )
        return m[1 + d] if n else 1

    @property
    def dtype(self):
        return DTYPES[self._meta()[0]]

    @property
    def device(self):
        return CPU

    @property
    def is_cuda(self):
        return False

    def dim(self):
        return len(self._meta()) - 1

    ndimension = dim

    @property
    def ndim(self):
        return self.dim()

    def numel(self):
        n = 1
        for d in self._meta()[1:]:
            n *= d
        return n

    nelement = numel

    def element_size(self):
        return self.dtype.itemsize

    def is_floating_point(self):
        return self._meta()[0] == "float32"

    def is_contiguous(self, memory_format=None):
        return call(O("isContiguous"), self._t)

    def contiguous(self, memory_format=None):
        # PyTorch returns self when already contiguous
        if call(O("isContiguous"), self._t):
            return self
        return op(O("contiguous"), self._t)

    def stride(self, dim=None):
        s = tuple(call(E.strides, self._t).to_py())
        return s if dim is None else s[dim]

    def storage_offset(self):
        return call(E.storageOffset, self._t)

    def type(self, dtype=None):
        if dtype is None:
            return {"float32": "torch.FloatTensor", "int64": "torch.LongTensor", "bool": "torch.BoolTensor"}[self._meta()[0]]
        return self.to(dtype)

    # ---- conversion ----
    def to(self, *args, **kwargs):
        target = kwargs.get("dtype")
        for a in args:
            if isinstance(a, dtype):
                target = a
            elif isinstance(a, (str, device)):
                check_device(a)
            elif isinstance(a, Tensor):
                target = a.dtype
        check_device(kwargs.get("device"))
        if target is None or target is self.dtype:
            return self
        return op(E.toDtype, self._t, js_dtype(target))

    def cpu(self):
        return self

    def cuda(self, *args, **kwargs):
        raise unsupported("CUDA")

    def float(self):
        return self.to(float32)

    def long(self):
        return self.to(int64)

    def bool(self):
        return self.to(bool_)

    def int(self):
        raise unsupported("torch.int32")

    def double(self):
        raise unsupported("torch.float64")

    def half(self):
        raise unsupported("torch.float16")

    def numpy(self, *args, force=False, **kwargs):
        # PyTorch refuses a tensor that requires grad before it converts anything
        if self.requires_grad and not force:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead."
            )
        raise unsupported("Tensor.numpy", "there is no NumPy here: use .tolist()")

    def item(self):
        v = self._value()
        d = self._meta()[0]
        if d == "float32":
            return _py_float(v)
        if d == "int64":
            return _py_int(v)
        return _py_bool(v)

    def tolist(self):
        m = self._meta()
        vals = _values(self._t).to_py().tolist()
        d = m[0]
        if d == "int64":
            vals = [_py_int(v) for v in vals]
        elif d == "bool":
            vals = [_py_bool(v) for v in vals]
        else:
            vals = [_py_float(v) for v in vals]
        shape = m[1:]
        if not shape:
            return vals[0]

        def nest(off, k):
            n = shape[k]
            if k == len(shape) - 1:
                return vals[off : off + n]
            step = 1
            for s in shape[k + 1 :]:
                step *= s
            return [nest(off + i * step, k + 1) for i in range(n)]

        return nest(0, 0)

    def __float__(self):
        if self.numel() != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return _py_float(self._value())

    def __int__(self):
        if self.numel() != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return _py_int(self._value())

    def __index__(self):
        if self._meta()[0] == "float32" or self.numel() != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return _py_int(self._value())

    def __bool__(self):
        n = self.numel()
        if n != 1:
            if n == 0:
                raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return _py_bool(self._value())

    def __complex__(self):
        return complex(self.__float__())

    def __len__(self):
        m = self._meta()
        if len(m) == 1:
            raise TypeError("len() of a 0-d tensor")
        return m[1]

    def __iter__(self):
        m = self._meta()
        if len(m) == 1:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __contains__(self, element):
        if isinstance(element, (Tensor, _py_int, _py_float, _py_bool)):
            return (element == self).any().item()
        raise RuntimeError(
            f"Tensor.__contains__ only supports Tensor or scalar, but you passed in a {type(element)}."
        )

    def __hash__(self):
        return id(self)

    # ---- text ----
    def __repr__(self):
        return call(_repr, self._t)

    def __format__(self, spec):
        # PyTorch formats a 0-dim tensor as its Python number, whatever the spec
        if self.dim() == 0:
            return self.item().__format__(spec)
        return object.__format__(self, spec)

    # ---- autograd ----
    @property
    def requires_grad(self):
        return _requires_grad(self._t)

    @requires_grad.setter
    def requires_grad(self, flag):
        # the attribute refuses any change on a non-leaf (requires_grad_(True) allows it)
        if not _is_leaf(self._t):
            msg = "you can only change requires_grad flags of leaf variables."
            if not flag:
                msg += (
                    " If you want to use a computed variable in a subgraph that doesn't require"
                    " differentiation use var_no_grad = var.detach()."
                )
            raise RuntimeError(msg)
        call(_set_requires_grad, self._t, _py_bool(flag))

    def requires_grad_(self, requires_grad=True):
        call(_set_requires_grad, self._t, _py_bool(requires_grad))
        return self

    @property
    def is_leaf(self):
        return _is_leaf(self._t)

    @property
    def grad(self):
        # by handle; the engine warns for a non-leaf (printed here or by _pending_result). The cached
        # Python object is returned while the engine keeps the same grad tensor (accumulation is in
        # place), so `g = w.grad; ...; g is w.grad` holds as in PyTorch.
        c = self.__dict__.get("_grad_py")
        _ARGS[0] = self._h or _handle(self)
        _ARGS[1] = 0 if c is None else (c._h or _handle(c))
        try:
            h = _grad_h()
        except JsException as e:
            raise convert(e) from None
        if h == _SAME_GRAD or h == 0:
            if _WARN[0]:
                _C.flush_warnings()
            return c if h else None
        c = self._grad_py = from_handle(h)
        return c

    @grad.setter
    def grad(self, g):
        if g is not None and not isinstance(g, Tensor):
            raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type {type(g).__name__}")
        call(_set_grad, self._t, None if g is None else g._t)
        self._grad_py = g

    @grad.deleter
    def grad(self):
        call(_set_grad, self._t, None)

    @property
    def grad_fn(self):
        n = _grad_fn(self._t)
        return None if n is None else node(n)

    @property
    def retains_grad(self):
        return E.retainsGrad(self._t)

    def retain_grad(self):
        call(E.retainGrad, self._t)

    @property
    def _version(self):
        return E.version(self._t)

    @property
    def data(self):
        return wrap(E.data(self._t))

    @data.setter
    def data(self, value):
        call(E.setData, self._t, _data_arg(value)._t)

    def detach(self):
        return op(_detach, self._t)

    def detach_(self):
        call(E.detach_, self._t)
        return self

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        from . import autograd

        autograd.run_backward([self], None if gradient is None else [gradient], retain_graph, create_graph, inputs)

    def register_hook(self, hook):
        def js_hook(g):
            r = hook(wrap(g))
            if r is None:
                return None
            if not isinstance(r, Tensor):
                raise TypeError(f"hook returned {type(r).__name__}, expected a Tensor or None")
            return r._t

        proxy = create_proxy(js_hook)
        try:
            remove = call(E.registerHook, self._t, proxy)
        except BaseException:
            proxy.destroy()
            raise
        return RemovableHandle(remove, proxy)

    # ---- arithmetic (Python operators) ----
    __add__ = __radd__ = hot_binary("add")
    __sub__ = hot_binary("sub")
    __rsub__ = hot_reflected("rsub")
    __mul__ = __rmul__ = hot_binary("mul")
    __truediv__ = hot_binary("div")
    __rtruediv__ = hot_reflected("rdiv")
    __pow__ = hot_binary("pow")
    __rpow__ = hot_reflected("rpow")

    __matmul__ = hot_tensors("matmul")

    def __rmatmul__(self, other):
        return NotImplemented

    __floordiv__ = hot_binary("floorDivide")
    __rfloordiv__ = hot_reflected("rfloorDivide")
    __mod__ = hot_binary("remainder")
    __rmod__ = hot_reflected("rremainder")

    def floor_divide(self, other):
        return binop_strict("floor_divide", _floor_divide, self, other)

    def remainder(self, other):
        return binop_strict("remainder", _remainder, self, other)

    def fmod(self, other):
        return _math_binary("fmod", self, other)

    def __neg__(self):
        return self.neg()

    def __pos__(self):
        return self

    def __abs__(self):
        return self.abs()

    def __invert__(self):
        return op(E.invert, self._t)

    def _bitwise(self, other, name):
        if isinstance(other, Tensor):
            return op(E.bitwise, self._t, other._t, 0, name)
        k = kind_of(other)
        if k is None:
            return NotImplemented
        return op(E.bitwise, self._t, other, k, name)

    def __and__(self, other):
        return self._bitwise(other, "and")

    def __or__(self, other):
        return self._bitwise(other, "or")

    def __xor__(self, other):
        return self._bitwise(other, "xor")

    def logical_and(self, other):
        return op(E.logical, "and", self._t, as_tensor_arg(other, "logical_and")._t)

    def logical_or(self, other):
        return op(E.logical, "or", self._t, as_tensor_arg(other, "logical_or")._t)

    def logical_xor(self, other):
        return op(E.logical, "xor", self._t, as_tensor_arg(other, "logical_xor")._t)

    def square(self):
        # PyTorch's square is pow(self, 2): PowBackward0
        return self.pow(2)

    __rand__ = __and__
    __ror__ = __or__
    __rxor__ = __xor__

    __eq__ = hot_binary("eq")
    __ne__ = hot_binary("ne")
    __lt__ = hot_binary("lt")
    __le__ = hot_binary("le")
    __gt__ = hot_binary("gt")
    __ge__ = hot_binary("ge")

    def __iadd__(self, other):
        return inplace(self, "add", other)

    def __isub__(self, other):
        return inplace(self, "sub", other)

    def __imul__(self, other):
        return inplace(self, "mul", other)

    def __itruediv__(self, other):
        return inplace(self, "div", other)

    # ---- arithmetic (methods) ----
    def add(self, other, *, alpha=1):
        if alpha == 1 and type(alpha) is _py_int:
            return _add_strict(self, other)
        return binop_strict("add", _add, self, other, alpha)

    def sub(self, other, *, alpha=1):
        if alpha == 1 and type(alpha) is _py_int:
            return _sub_strict(self, other)
        return binop_strict("sub", _sub, self, other, alpha)

    subtract = sub

    mul = multiply = hot_binary("mul", "mul")

    def div(self, other, *, rounding_mode=None):
        if rounding_mode is not None:
            raise unsupported(f"div(rounding_mode='{rounding_mode}')")
        return _div_strict(self, other)

    divide = div
    true_divide = div

    def pow(self, exponent):
        return _strict("pow", Tensor.__pow__, self, exponent)

    def rsub(self, other):
        return binop_strict("rsub", O("rsub"), self, other)

    eq = hot_binary("eq", "eq")

    ne = hot_binary("ne", "ne")

    lt = hot_binary("lt", "lt")

    le = hot_binary("le", "le")

    gt = hot_binary("gt", "gt")

    ge = hot_binary("ge", "ge")

    def maximum(self, other):
        return op(O("maximum"), self._t, as_tensor_arg(other, "maximum")._t)

    def minimum(self, other):
        return op(O("minimum"), self._t, as_tensor_arg(other, "minimum")._t)

    def clamp(self, min=None, max=None):
        if isinstance(min, Tensor) or isinstance(max, Tensor):
            return _math_clamp_tensor(self, min, max, method=True)
        return op(_clamp, self._t, _clamp_bound(min), _clamp_bound(max))

    clip = clamp

    def clamp_min(self, min):
        return self.clamp(min=min)

    def clamp_max(self, max):
        return self.clamp(max=max)

    matmul = hot_tensors("matmul", "matmul")

    def mm(self, other):
        return op(O("mm"), self._t, as_tensor_arg(other, "mm", "mat2")._t)

    def mv(self, other):
        return op(O("mv"), self._t, as_tensor_arg(other, "mv", "vec")._t)

    def dot(self, other):
        return op(O("dot"), self._t, as_tensor_arg(other, "dot", "tensor")._t)

    def outer(self, other):
        return op(O("outer"), self._t, as_tensor_arg(other, "outer", "vec2")._t)

    def bmm(self, other):
        return op(O("bmm"), self._t, as_tensor_arg(other, "bmm", "mat2")._t)

    def addmm(self, mat1, mat2, *, beta=1, alpha=1):
        if beta != 1 or alpha != 1:
            raise unsupported("addmm with beta or alpha")
        return op(O("addmm"), self._t, as_tensor_arg(mat1, "addmm", "mat1")._t, as_tensor_arg(mat2, "addmm", "mat2", 2)._t)

    # ---- new tensors like this one (same dtype) ----
    def new_tensor(self, data, dtype=None, device=None, requires_grad=False):
        from . import _creation

        return _creation.tensor(data, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
        from . import _creation

        return _creation.zeros(*size, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_ones(self, *size, dtype=None, device=None, requires_grad=False):
        from . import _creation

        return _creation.ones(*size, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_empty(self, *size, dtype=None, device=None, requires_grad=False):
        from . import _creation

        return _creation.empty(*size, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False):
        from . import _creation

        return _creation.full(size, fill_value, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def softmax(self, dim, dtype=None):
        return op(O("softmax"), self._t, dim)

    def log_softmax(self, dim, dtype=None):
        return op(O("logSoftmax"), self._t, dim)

    def pow_(self, exponent):
        raise unsupported("Tensor.pow_")

    def _inplace_unary(name):
        # relu_, sigmoid_, ...: one engine call each, the op named by the method
        def method(self):
            call(E.inplaceUnary, self._t, name)
            return self

        method.__name__ = name + "_"
        return method

    relu_ = _inplace_unary("relu")
    sigmoid_ = _inplace_unary("sigmoid")
    tanh_ = _inplace_unary("tanh")
    exp_ = _inplace_unary("exp")
    neg_ = _inplace_unary("neg")
    abs_ = _inplace_unary("abs")
    sqrt_ = _inplace_unary("sqrt")
    del _inplace_unary

    # ---- in place ----
    def add_(self, other, *, alpha=1):
        return inplace(self, "add", other, alpha)

    def sub_(self, other, *, alpha=1):
        return inplace(self, "sub", other, alpha)

    def mul_(self, other):
        return inplace(self, "mul", other)

    def div_(self, other):
        return inplace(self, "div", other)

    def addcmul(self, tensor1, tensor2, *, value=1):
        return op(O("addcmul"), self._t, _addc_arg(tensor1, "addcmul")._t, _addc_arg(tensor2, "addcmul")._t, value)

    def addcdiv(self, tensor1, tensor2, *, value=1):
        return op(O("addcdiv"), self._t, _addc_arg(tensor1, "addcdiv")._t, _addc_arg(tensor2, "addcdiv")._t, value)

    def addcmul_(self, tensor1, tensor2, *, value=1):
        call(E.inplaceAddc, self._t, "addcmul", _addc_arg(tensor1, "addcmul_")._t, _addc_arg(tensor2, "addcmul_")._t, value)
        return self

    def addcdiv_(self, tensor1, tensor2, *, value=1):
        call(E.inplaceAddc, self._t, "addcdiv", _addc_arg(tensor1, "addcdiv_")._t, _addc_arg(tensor2, "addcdiv_")._t, value)
        return self

    def zero_(self):
        call(E.zero_, self._t)
        return self

    def fill_(self, value):
        if isinstance(value, Tensor):
            value = value.item()
        call(E.fill_, self._t, value)
        return self

    def clamp_(self, min=None, max=None):
        call(E.clamp_, self._t, _clamp_bound(min), _clamp_bound(max))
        return self

    def copy_(self, src, non_blocking=False):
        call(E.copy_, self._t, as_tensor_arg(src, "copy_")._t)
        return self

    def uniform_(self, a=0.0, b=1.0, *, generator=None):
        from ._creation import _gen

        call(E.uniform_, self._t, a, b, _gen(generator))
        return self

    def normal_(self, mean=0.0, std=1.0, *, generator=None):
        from ._creation import _gen

        call(E.normal_, self._t, mean, std, _gen(generator))
        return self

    # ---- reductions ----
    def sum(self, dim=None, keepdim=False, *, dtype=None):
        if dim is None and not keepdim:
            return _sum_all(self)
        return op(O("sum"), self._t, dims_arg(dim), keepdim)

    def mean(self, dim=None, keepdim=False, *, dtype=None):
        if dim is None and not keepdim:
            return _mean_all(self)
        return op(O("mean"), self._t, dims_arg(dim), keepdim)

    def prod(self, dim=None, keepdim=False, *, dtype=None):
        return op(O("prod"), self._t, dim, keepdim)

    def nan_to_num(self, nan=0.0, posinf=None, neginf=None):
        return op(O("nanToNum"), self._t, nan, posinf, neginf)

    def cumsum(self, dim, *, dtype=None):
        t = self if dtype is None else self.to(dtype)
        return op(O("cumsum"), t._t, dim)

    def _extremum(self, name, rt, dim, keepdim):
        if isinstance(dim, Tensor):
            return op(O("maximum" if name == "max" else "minimum"), self._t, dim._t)
        if dim is None:
            return op(O(name), self._t)
        r = call(O(name + "Dim"), self._t, dim, keepdim)
        return rt(wrap(r.values), wrap(r.indices))

    def max(self, dim=None, keepdim=False):
        return self._extremum("max", ReturnMax, dim, keepdim)

    def min(self, dim=None, keepdim=False):
        return self._extremum("min", ReturnMin, dim, keepdim)

    def amax(self, dim=(), keepdim=False):
        return op(O("amax"), self._t, dims_arg(dim), keepdim)

    def amin(self, dim=(), keepdim=False):
        return op(O("amin"), self._t, dims_arg(dim), keepdim)

    def argmax(self, dim=None, keepdim=False):
        return op(O("argmax"), self._t, dim, keepdim)

    def argmin(self, dim=None, keepdim=False):
        return op(O("argmin"), self._t, dim, keepdim)

    def logsumexp(self, dim, keepdim=False):
        return op(O("logsumexp"), self._t, dims_arg(dim), keepdim)

    def std(self, dim=None, unbiased=True, keepdim=False, *, correction=None):
        if correction is None:
            correction = 1 if unbiased else 0
        return op(E.varStd, "std", self._t, dims_arg(dim), correction, keepdim)

    def var(self, dim=None, unbiased=True, keepdim=False, *, correction=None):
        if correction is None:
            correction = 1 if unbiased else 0
        return op(E.varStd, "variance", self._t, dims_arg(dim), correction, keepdim)

    def norm(self, p="fro", dim=None, keepdim=False, dtype=None):
        if p == "fro":
            p = 2
        return op(O("norm"), self._t, p, dims_arg(dim), keepdim)

    def all(self, dim=None, keepdim=False):
        return op(O("all"), self._t, dims_arg(dim), keepdim)

    def any(self, dim=None, keepdim=False):
        return op(O("any"), self._t, dims_arg(dim), keepdim)

    # ---- shape ----
    @property
    def T(self):
        return op(O("numpyT"), self._t)

    @property
    def mT(self):
        return op(O("mT"), self._t)

    def narrow(self, dim, start, length):
        return op(O("narrow"), self._t, dim, _py_int(start), length)

    def select(self, dim, index):
        return op(O("select"), self._t, dim, _py_int(index))

    def transpose(self, dim0, dim1):
        return op(O("transpose"), self._t, dim0, dim1)

    swapaxes = transpose

    def permute(self, *dims):
        return op(O("permute"), self._t, shape_args(dims, "permute"))

    def reshape(self, *shape):
        return op(O("reshape"), self._t, shape_args(shape, "reshape"))

    def view(self, *shape):
        if len(shape) == 1 and isinstance(shape[0], dtype):
            raise unsupported("Tensor.view(dtype)")
        return op(O("view"), self._t, shape_args(shape, "view"))

    def view_as(self, other):
        return self.view(other.shape)

    def reshape_as(self, other):
        return self.reshape(other.shape)

    def flatten(self, start_dim=0, end_dim=-1):
        return op(O("flatten"), self._t, start_dim, end_dim)

    def squeeze(self, dim=None):
        return op(O("squeeze"), self._t, dims_arg(dim))

    def unsqueeze(self, dim):
        return op(O("unsqueeze"), self._t, dim)

    def expand(self, *sizes):
        return op(O("expand"), self._t, shape_args(sizes, "expand"))

    def expand_as(self, other):
        return self.expand(other.shape)

    def repeat(self, *sizes):
        return op(O("repeat"), self._t, shape_args(sizes, "repeat"))

    def unbind(self, dim=0):
        rs = call(O("unbind"), self._t, dim)
        return tuple(wrap(r) for r in rs)

    def split(self, split_size, dim=0):
        if not isinstance(split_size, _py_int):
            split_size = js_list(split_size)
        rs = call(O("split"), self._t, split_size, dim)
        return tuple(wrap(r) for r in rs)

    def chunk(self, chunks, dim=0):
        rs = call(O("chunk"), self._t, chunks, dim)
        return tuple(wrap(r) for r in rs)

    def __getitem__(self, key):
        return op(_index, self._t, index_spec(key))

    def __setitem__(self, key, value):
        if isinstance(value, Tensor):
            value = value._t
        elif kind_of(value) is None:
            raise TypeError(f"can't assign a {type(value).__name__} to a {self.type()}")
        call(_index_put, self._t, index_spec(key), value)

    def masked_fill(self, mask, value):
        return op(O("maskedFill", "Tensor.masked_fill"), self._t, as_tensor_arg(mask, "masked_fill", "mask")._t, value)

    def where(self, condition, other):
        from . import _functions

        return _functions.where(condition, self, other)

    def gather(self, dim, index, *, sparse_grad=False):
        if sparse_grad:
            raise unsupported("Tensor.gather(sparse_grad=True)")
        return op(O("gather", "Tensor.gather"), self._t, dim, _index_arg(index, "gather"))

    # ---- misc ----
    def __deepcopy__(self, memo):
        c = self.detach().clone()
        if self.is_leaf and self.requires_grad:
            c.requires_grad_(True)
        memo[id(self)] = c
        return c

    def __getattr__(self, name):
        if name == "_t":
            # a Tensor made by a hot op: its JsProxy on first use, kept
            h = self._h
            if h:
                t = self._t = _tensor_of(h)
                return t
        elif name == "_h":
            # a Tensor made without __init__ (object.__new__ by a subclass): no handle
            return 0
        if name.startswith("__") or name in _INTERNAL:
            raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")
        raise unsupported(f"Tensor.{name}")

    def __array__(self, *args, **kwargs):
        raise unsupported("converting a Tensor to a NumPy array")

    def __reduce_ex__(self, proto):
        # torch.save / pickle / copy: the values, shape, dtype and (for a leaf) requires_grad
        from .nn.modules import Parameter

        values = self.detach().reshape(-1).tolist()
        keep_grad = self.requires_grad and self.is_leaf
        return (_rebuild_tensor, (values, tuple(self.shape), self.dtype.name, keep_grad, isinstance(self, Parameter)))

    # ---- indexing, sorting and triangular ops (gather/scatter/index_select, sort/topk, flip/roll,
    # tril/triu/diag/trace, cumprod, nonzero) ----
    def scatter(self, dim, index, src=_NO, value=_NO, *, reduce=None):
        if reduce is not None:
            raise unsupported(f"Tensor.scatter(reduce={reduce!r})")
        if src is _NO:
            src = value
        if src is _NO:
            raise TypeError("scatter() missing required argument 'src' or 'value'")
        s = src._t if isinstance(src, Tensor) else src
        return op(O("scatter"), self._t, dim, _index_arg(index, "scatter"), s)

    def scatter_add(self, dim, index, src):
        if not isinstance(src, Tensor):
            raise TypeError(f"scatter_add(): argument 'src' (position 3) must be Tensor, not {type(src).__name__}")
        return op(O("scatterAdd"), self._t, dim, _index_arg(index, "scatter_add"), src._t)

    def scatter_(self, dim, index, src=_NO, value=_NO, *, reduce=None):
        if reduce is not None:
            raise unsupported(f"Tensor.scatter_(reduce={reduce!r})")
        if src is _NO:
            src = value
        s = src._t if isinstance(src, Tensor) else src
        call(O("scatterInplace"), self._t, dim, _index_arg(index, "scatter_"), s, False)
        return self

    def scatter_add_(self, dim, index, src):
        if not isinstance(src, Tensor):
            raise TypeError(f"scatter_add_(): argument 'src' (position 3) must be Tensor, not {type(src).__name__}")
        call(O("scatterInplace"), self._t, dim, _index_arg(index, "scatter_add_"), src._t, True)
        return self

    def index_select(self, dim, index):
        return op(O("indexSelect"), self._t, dim, _index_arg(index, "index_select"))

    def index_add(self, dim, index, source, *, alpha=1):
        if not isinstance(source, Tensor):
            raise TypeError(f"index_add(): argument 'source' (position 3) must be Tensor, not {type(source).__name__}")
        return op(O("indexAdd"), self._t, dim, _index_arg(index, "index_add"), source._t, alpha)

    def index_add_(self, dim, index, source, *, alpha=1):
        if not isinstance(source, Tensor):
            raise TypeError(f"index_add_(): argument 'source' (position 3) must be Tensor, not {type(source).__name__}")
        call(O("indexAddInplace"), self._t, dim, _index_arg(index, "index_add_"), source._t, alpha)
        return self

    def index_fill(self, dim, index, value):
        v = value._t if isinstance(value, Tensor) else value
        return op(O("indexFill"), self._t, dim, _index_arg(index, "index_fill"), v)

    def sort(self, dim=-1, descending=False, *, stable=False):
        r = call(O("sort"), self._t, dim, _py_bool(descending), _py_bool(stable))
        return ReturnSort(wrap(r.values), wrap(r.indices))

    def argsort(self, dim=-1, descending=False, *, stable=False):
        return op(O("argsort"), self._t, dim, _py_bool(descending), _py_bool(stable))

    def median(self, dim=None, keepdim=False):
        if dim is None:
            return op(O("median"), self._t)
        r = call(O("medianDim"), self._t, dim, _py_bool(keepdim))
        return ReturnMedian(wrap(r.values), wrap(r.indices))

    def topk(self, k, dim=-1, largest=True, sorted=True):
        if not isinstance(k, _py_int) or isinstance(k, _py_bool):
            raise TypeError(f"topk(): argument 'k' (position 1) must be int, not {type(k).__name__}")
        r = call(O("topk"), self._t, k, dim, _py_bool(largest), _py_bool(sorted))
        return ReturnTopk(wrap(r.values), wrap(r.indices))

    def flip(self, *dims, **kwargs):
        if "dims" in kwargs and not dims:
            dims = (kwargs.pop("dims"),)
        if kwargs:
            raise TypeError(f"flip() got an unexpected keyword argument '{next(iter(kwargs))}'")
        if len(dims) == 0:
            raise TypeError('flip() missing 1 required positional arguments: "dims"')
        if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
            dims = dims[0]
        return op(O("flip"), self._t, js_list(dims))

    def fliplr(self):
        if self.dim() < 2:
            raise RuntimeError("Input must be >= 2-d.")
        return self.flip(1)

    def flipud(self):
        if self.dim() < 1:
            raise RuntimeError("Input must be >= 1-d.")
        return self.flip(0)

    def roll(self, shifts, dims=None):
        sh = shifts if isinstance(shifts, _py_int) else js_list(shifts)
        ds = to_js([]) if dims is None else dims if isinstance(dims, _py_int) else js_list(dims)
        return op(O("roll"), self._t, sh, ds)

    def tril(self, diagonal=0):
        return op(O("tril"), self._t, diagonal)

    def triu(self, diagonal=0):
        return op(O("triu"), self._t, diagonal)

    def tril_(self, diagonal=0):
        call(O("triInplace"), self._t, False, diagonal)
        return self

    def triu_(self, diagonal=0):
        call(O("triInplace"), self._t, True, diagonal)
        return self

    def diag(self, diagonal=0):
        return op(O("diag"), self._t, diagonal)

    def trace(self):
        return op(O("trace"), self._t)

    def cumprod(self, dim, *, dtype=None):
        t = self if dtype is None else self.to(dtype)
        return op(O("cumprod"), t._t, dim)

    def nonzero(self, *, as_tuple=False):
        if as_tuple:
            return tuple(wrap(r) for r in call(O("nonzeroTuple"), self._t))
        return op(O("nonzero"), self._t)
    # ---- math functions and samplers (erf, atan2, lerp, bernoulli, multinomial, ...) ----
    def erf(self):
        return op(O("erf"), self._t)

    def erfc(self):
        return op(O("erfc"), self._t)

    def erfinv(self):
        return op(O("erfinv"), self._t)

    def atan2(self, other):
        return _math_binary("atan2", self, other)

    arctan2 = atan2

    def hypot(self, other):
        return _math_binary("hypot", self, other)

    def logaddexp(self, other):
        return _math_binary("logaddexp", self, other)

    def lerp(self, end, weight):
        if not isinstance(end, Tensor):
            raise TypeError(f"lerp(): argument 'end' (position 1) must be Tensor, not {type(end).__name__}")
        w = weight._t if isinstance(weight, Tensor) else weight
        return op(O("lerp"), self._t, end._t, w)

    def bernoulli(self, p=None, *, generator=None):
        from ._creation import _gen

        return op(O("bernoulli"), self._t, p, _gen(generator))

    def bernoulli_(self, p=0.5, *, generator=None):
        from ._creation import _gen

        if self.requires_grad and self.is_leaf and E.isGradEnabled():
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
        with _math_no_grad():
            src = op(O("bernoulli"), self._t, p, _gen(generator)) if not isinstance(p, Tensor) else None
            if src is None:
                src = op(O("bernoulliLike"), self._t, p._t, _gen(generator))
            self.copy_(src)
        return self

    def multinomial(self, num_samples, replacement=False, *, generator=None):
        from ._creation import _gen

        return op(O("multinomial"), self._t, num_samples, _py_bool(replacement), _gen(generator))

    def kron(self, other):
        from ._functions import kron

        return kron(self, other)


def _math_no_grad():
    from .autograd import no_grad

    return no_grad()


def _math_binary(name, a, b):
    """torch.<name>(tensor, other) for atan2, hypot, logaddexp (tensor other only) and fmod (a number too)."""
    if isinstance(b, Tensor):
        return op(O(name), a._t, b._t)
    if name == "fmod" and kind_of(b) is not None:
        return op(O(name), a._t, b)
    raise TypeError(f"{name}(): argument 'other' (position 1) must be Tensor, not {type(b).__name__}")


def _math_clamp_tensor(self, min, max, method):
    for v in (min, max):
        if v is not None and not isinstance(v, Tensor):
            names = [type(v2).__name__ for v2 in (min, max) if v2 is not None]
            if method:
                bad_t = ", ".join(n if n == "Tensor" else f"!{n}!" for n in names)
                bad_n = ", ".join(f"!{n}!" for n in names)
                raise TypeError(
                    f"clamp() received an invalid combination of arguments - got ({', '.join(names)}), but expected one of:\n"
                    " * (Tensor min, Tensor max)\n"
                    f"      didn't match because some of the arguments have invalid types: ({bad_t})\n"
                    " * (Number min, Number max)\n"
                    f"      didn't match because some of the arguments have invalid types: ({bad_n})\n"
                )
            got = f"(Tensor, {', '.join(names)})"
            raise TypeError(
                f"clamp() received an invalid combination of arguments - got {got}, but expected one of:\n"
                " * (Tensor input, Tensor min, Tensor max, *, Tensor out)\n"
                " * (Tensor input, Number min, Number max, *, Tensor out)\n"
            )
    return op(O("clampTensor"), self._t, None if min is None else min._t, None if max is None else max._t)


_INTERNAL = ("_t", "_h", "_lab", "_m")


def _rebuild_tensor(values, shape, dtype_name, requires_grad, is_parameter):
    from ._creation import tensor
    from .nn.modules import Parameter

    t = tensor(values, dtype=DTYPES[dtype_name]).reshape(shape)
    if is_parameter:
        return Parameter(t, requires_grad)
    return t.requires_grad_(requires_grad) if requires_grad else t


def _clamp_bound(b):
    if b is None:
        return None
    if isinstance(b, Tensor):
        if b.dim() != 0:
            raise unsupported("clamp with tensor bounds")
        return b.item()
    return b


_EXTRA_UNARY = {"rsqrt", "log1p", "expm1", "log2", "log10", "sinh", "cosh", "asin", "acos", "atan"}
_EXTRA_UNARY |= {"sign", "floor", "ceil", "round", "trunc", "frac"}
_PREDICATES = {"isnan", "isinf", "isfinite", "logical_not"}


def _unary(name, engine_name):
    kind = "extra" if engine_name in _EXTRA_UNARY else "predicate" if engine_name in _PREDICATES else "op"
    method = hot_unary(name, engine_name, kind)
    if method is not None:
        pass
    elif engine_name in _EXTRA_UNARY:

        def method(self):
            return op(E.unary, engine_name, self._t)

    elif engine_name in _PREDICATES:

        def method(self):
            return op(E.predicate, engine_name, self._t)

    else:
        f = None

        def method(self):
            nonlocal f
            if f is None:
                f = O(engine_name, "torch." + name)
            return op(f, self._t)

    method.__name__ = name
    method.__qualname__ = "Tensor." + name
    return method


for _name, _engine in _unary_names.items():
    if _name not in Tensor.__dict__:
        setattr(Tensor, _name, _unary(_name, _engine))

_round_half_even = Tensor.round


def _round(self, *, decimals=0):
    if decimals == 0:
        return _round_half_even(self)
    if self.requires_grad and E.isGradEnabled():
        raise unsupported("Tensor.round(decimals=...) on a tensor that requires grad")
    # ATen's round_decimals in float32: nearbyint(x * 10^d) / 10^d (for d < 0: nearbyint(x / 10^-d) * 10^-d)
    from .autograd import no_grad

    with no_grad():
        if decimals > 0:
            p = float(10**decimals)
            return _round_half_even(self * p) / p
        p = float(10 ** (-decimals))
        return _round_half_even(self / p) * p


_round.__name__ = "round"
_round.__qualname__ = "Tensor.round"
Tensor.round = _round

_sum_all = hot_unary("sum", "sum", "op")
_mean_all = hot_unary("mean", "mean", "op")


def _inplace_unary(name):
    def method(self):
        raise unsupported(f"Tensor.{name}_")

    return method


_add = O("add")
_sub = O("sub")
_mul = O("mul")
_div = O("div")
_pow = O("pow")
_clamp = O("clamp")
_index = O("index")
_floor_divide = E.floorDivide
_remainder = E.remainder
_index_put = O("indexPut_")
_eq = O("eq")
_ne = O("ne")
_lt = O("lt")
_le = O("le")
_gt = O("gt")
_ge = O("ge")


# ---------------------------------------------------------------------------------------------
# Indexing


_NONE = E.none()
_slice = E.slice


def _index_int(x):
    if isinstance(x, Tensor):
        return x.__index__()
    return _py_int(x)


def index_spec(key):
    """A Python index (int, slice, None, ..., bool, tensor, list, or a tuple of them) -> the engine's spec."""
    if not isinstance(key, tuple):
        key = (key,)
    out = []
    for k in key:
        if k is None:
            out.append(_NONE)
        elif k is Ellipsis:
            out.append("...")
        elif isinstance(k, (_py_bool, _py_int)):
            out.append(k)
        elif isinstance(k, slice):
            parts = []
            for part in (k.start, k.stop, k.step):
                if part is None:
                    parts.append(None)
                elif isinstance(part, _py_int) or (isinstance(part, Tensor) and part.dim() == 0):
                    parts.append(_index_int(part))
                else:
                    raise TypeError("slice indices must be integers or None or have an __index__ method")
            if parts[2] is not None and parts[2] <= 0:
                raise ValueError("step must be greater than zero")
            out.append(_slice(*parts))
        elif isinstance(k, Tensor):
            out.append(k._t)
        elif isinstance(k, (list, range)):
            from . import _creation

            out.append(_creation.tensor(list(k))._t)
        else:
            raise IndexError(
                "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid indices (got "
                + type(k).__name__
                + ")"
            )
    return to_js(out)


def _int_or_none(x):
    return None if x is None else _py_int(x)


_C.tensor_class = Tensor


# PyTorch exposes these as torch.X (`<class 'torch.Tensor'>`)
for _cls in (Tensor, Size, dtype, device):
    _cls.__module__ = "torch"


# ---- indexing, sorting and triangular ops: helpers ----
ReturnSort = namedtuple("sort", ["values", "indices"])
ReturnTopk = namedtuple("topk", ["values", "indices"])
ReturnMedian = namedtuple("median", ["values", "indices"])
ReturnMedian.__repr__ = _return_type_repr
ReturnSort.__repr__ = _return_type_repr
ReturnTopk.__repr__ = _return_type_repr


def _index_arg(index, fname, function=False):
    """The engine tensor of an `index` argument, with PyTorch's TypeError for anything else."""
    if isinstance(index, Tensor):
        return index._t
    raise _index_type_error(fname, index, function)


def _index_type_error(fname, index, function=False):
    tp = type(index).__name__
    if fname in ("gather", "index_select"):
        kw = "*, bool sparse_grad" if fname == "gather" else ""
        if function:
            kw = (kw + ", Tensor out") if kw else "*, Tensor out"
            head, got = "Tensor input, ", f"Tensor, int, {tp}"
            why1 = why2 = ""
        else:
            head, got = "", f"int, {tp}"
            bad = "      didn't match because some of the arguments have invalid types: "
            why1 = "" if fname == "gather" else f"{bad}(int, !{tp}!)\n"
            why2 = "" if fname == "gather" else f"{bad}(!int!, !{tp}!)\n"
        tail = f", {kw}" if kw else ""
        return TypeError(
            f"{fname}() received an invalid combination of arguments - got ({got}), but expected one of:\n"
            f" * ({head}int dim, Tensor index{tail})\n{why1} * ({head}name dim, Tensor index{tail})\n{why2}"
        )
    return TypeError(f"{fname}(): argument 'index' (position 2) must be Tensor, not {tp}")
