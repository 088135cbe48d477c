"""gradlens' `torch`: PyTorch's Python API over the gradlens float32 engine.

Programs written for PyTorch run unchanged on what gradlens supports; anything else raises
`NotImplementedError: gradlens does not support torch.xyz yet` rather than giving a wrong answer.
"""
import math as _math
import sys as _sys

from . import _pycompat  # noqa: F401  (first: collections.OrderedDict prints as in 3.11)
from . import _C
from ._C import unsupported as _unsupported
from ._tensor import Size, Tensor, device, dtype, typename
from ._tensor import bool_ as _bool_dtype
from ._tensor import float32, int64
from ._creation import (
    Generator,
    arange,
    as_tensor,
    default_generator,
    empty,
    empty_like,
    eye,
    full,
    full_like,
    initial_seed,
    linspace,
    manual_seed,
    normal,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randn,
    randn_like,
    randperm,
    seed,
    tensor,
    zeros,
    zeros_like,
)
from ._functions import *  # noqa: F401,F403  (torch.sin, torch.matmul, torch.cat, ...)
from ._functions import UNARY as _UNARY  # noqa: F401
from .autograd import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from . import autograd
from . import nn
from . import optim
from . import utils
from . import linalg

__version__ = "2.0.0+gradlens"

# dtypes (assigned last: `bool`, `float`, `int` and `long` shadow the builtins in this module)
float = float32
long = int64
bool = _bool_dtype



class _LegacyTensorType(type):
    """torch.FloatTensor & co: constructors of one dtype, and isinstance checks by dtype."""

    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj.dtype is cls._dtype

    def __call__(cls, *args):
        if len(args) == 1 and isinstance(args[0], (list, tuple)):
            return tensor(args[0], dtype=cls._dtype)
        return zeros(*args, dtype=cls._dtype)


class FloatTensor(metaclass=_LegacyTensorType):
    _dtype = float32


class LongTensor(metaclass=_LegacyTensorType):
    _dtype = int64


class BoolTensor(metaclass=_LegacyTensorType):
    _dtype = _bool_dtype


def save(obj, f, pickle_module=None, pickle_protocol=2, _use_new_zipfile_serialization=True):
    """torch.save: a pickle of `obj` (tensors by their values), to a path or a binary file object."""
    import pickle

    pm = pickle if pickle_module is None else pickle_module
    if isinstance(f, (str, bytes)) or hasattr(f, "__fspath__"):
        with open(f, "wb") as out:
            pm.dump(obj, out, protocol=pickle_protocol)
    else:
        pm.dump(obj, f, protocol=pickle_protocol)


def load(f, map_location=None, pickle_module=None, *, weights_only=False, **pickle_load_args):
    """torch.load of what torch.save wrote (gradlens' own format: the CPU only, so map_location is moot)."""
    import pickle

    pm = pickle if pickle_module is None else pickle_module
    if isinstance(f, (str, bytes)) or hasattr(f, "__fspath__"):
        with open(f, "rb") as src:
            return pm.load(src, **pickle_load_args)
    return pm.load(f, **pickle_load_args)


def get_default_dtype():
    return float32


def set_default_dtype(d):
    if d is not float32:
        raise _unsupported(f"set_default_dtype({d!r}) (gradlens computes in float32)")


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None, sci_mode=None):
    # torch/_tensor_str.py's logic: a profile sets four options, explicit ones override it, and
    # sci_mode is always set (None lets the formatter choose)
    o = dict(zip(("precision", "threshold", "edgeitems", "linewidth"), _C.E.printOptions()))
    if profile == "default":
        o.update(precision=4, threshold=1000, edgeitems=3, linewidth=80)
    elif profile == "short":
        o.update(precision=2, threshold=1000, edgeitems=2, linewidth=80)
    elif profile == "full":
        o.update(precision=4, threshold=_math.inf, edgeitems=3, linewidth=80)
    for k, v in (("precision", precision), ("threshold", threshold), ("edgeitems", edgeitems), ("linewidth", linewidth)):
        if v is not None:
            o[k] = v
    _C.E.setPrintOptions(o["precision"], o["threshold"], o["edgeitems"], o["linewidth"], sci_mode)


def is_anomaly_enabled():
    return autograd.is_anomaly_enabled()


def compile(model=None, **kwargs):
    # compilation changes speed, not results
    if model is None:
        return lambda m: m
    return model


class _CudaModule:
    @staticmethod
    def is_available():
        return False

    @staticmethod
    def device_count():
        return 0

    @staticmethod
    def manual_seed(seed):
        pass

    @staticmethod
    def manual_seed_all(seed):
        pass

    def __getattr__(self, name):
        raise _unsupported(f"torch.cuda.{name}")


cuda = _CudaModule()


class _BackendsMPS:
    @staticmethod
    def is_available():
        return False


class _Backends:
    mps = _BackendsMPS()


backends = _Backends()


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(f"module 'torch' has no attribute '{name}'")
    raise _unsupported(f"torch.{name}")


# Libraries notebooks import beside torch. Importing them works (a cell often imports what it
# barely uses); using any of their names fails loudly.
_STUBBED = ("numpy", "matplotlib", "pandas", "seaborn", "sklearn", "scipy", "tqdm")


class _Stub(_sys.modules[__name__].__class__):
    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        raise _unsupported(f"{self.__name__}.{name}", "gradlens runs torch programs only")


class _StubLoader:
    @staticmethod
    def create_module(spec):
        m = _Stub(spec.name)
        m.__path__ = []
        return m

    @staticmethod
    def exec_module(module):
        pass


class _UnsupportedSubmodules:
    """`import torch.xyz` for a part gradlens lacks fails loudly instead of with ModuleNotFoundError."""

    @staticmethod
    def find_spec(fullname, path=None, target=None):
        if fullname.startswith("torch.") or fullname in ("torchvision", "torchaudio", "torchtext"):
            raise _unsupported(fullname)
        if fullname.split(".")[0] in _STUBBED:
            import importlib.machinery

            return importlib.machinery.ModuleSpec(fullname, _StubLoader)
        return None


_sys.meta_path.append(_UnsupportedSubmodules)
