"""gradlens' `torch`: PyTorch's Python API over the gradlens float32 engine.

Programs written for PyTorch run unchanged on what gradlens supports; anything else raises
`NotImplementedError: gradlens does not support torch.xyz yet` rather than giving a wrong answer.
"""
import sys as _sys

from . import _C
from ._C import unsupported as _unsupported
from ._tensor import Size, Tensor, device, dtype
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


def get_default_dtype():
    return float32


def set_default_dtype(d):
    if d is not float32:
        raise _unsupported(f"set_default_dtype({d!r}) (gradlens computes in float32)")


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None, sci_mode=None):
    raise _unsupported("torch.set_printoptions")


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
