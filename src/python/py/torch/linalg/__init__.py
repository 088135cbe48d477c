"""torch.linalg: the vector norms (norm, vector_norm); anything else fails loudly."""
from .._C import unsupported as _unsupported
from .._tensor import Tensor as _Tensor, O as _O, op as _op, dims_arg as _dims_arg


def _input(x, fname):
    if not isinstance(x, _Tensor):
        raise TypeError(f"linalg_{fname}(): argument 'input' (position 1) must be Tensor, not {type(x).__name__}")
    return x


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None, out=None):
    x = _input(x, "vector_norm")
    if dtype is not None or out is not None:
        raise _unsupported("torch.linalg.vector_norm(dtype=/out=)")
    if x.dtype.is_floating_point is False:
        raise RuntimeError(
            f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got {'Long' if x.dtype.name == 'int64' else 'Bool'}"
        )
    return _op(_O("norm"), x._t, float(ord), _dims_arg(dim), bool(keepdim))


def norm(A, ord=None, dim=None, keepdim=False, *, out=None, dtype=None):
    A = _input(A, "norm")
    if ord is not None and (A.dim() >= 2 if dim is None else not isinstance(dim, int) and len(dim) == 2):
        raise _unsupported("torch.linalg.norm with a matrix ord (matrix norms)")
    if isinstance(dim, (tuple, list)) and len(dim) == 2 and ord is None:
        return vector_norm(A, 2, dim, keepdim, dtype=dtype, out=out)
    if ord is None:
        if dim is None and A.dim() > 2:
            pass
        return vector_norm(A, 2, dim, keepdim, dtype=dtype, out=out)
    return vector_norm(A, ord, dim, keepdim, dtype=dtype, out=out)


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    raise _unsupported(f"torch.linalg.{name}")
