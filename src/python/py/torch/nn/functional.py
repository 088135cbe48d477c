"""torch.nn.functional: activations, losses, linear, dropout, softmax."""
from .. import _C
from .._C import E, unsupported
from .._tensor import O, Tensor, float32, int64, op

_REDUCTIONS = ("none", "mean", "sum")


def _t(x, fname, arg="input", pos=1):
    if isinstance(x, Tensor):
        return x
    raise TypeError(f"{fname}(): argument '{arg}' (position {pos}) must be Tensor, not {type(x).__name__}")


def _m(x, method):
    """PyTorch's functional calls `x.method()`: a non-tensor fails on the attribute."""
    if isinstance(x, Tensor):
        return x
    raise AttributeError(f"'{type(x).__name__}' object has no attribute '{method}'")


def _loss_operands(input, target):
    """The engine handles of a loss' operands; PyTorch compares target.size() with input.size() first."""
    t = _m(target, "size")
    return _m(input, "size")._t, t._t


def _reduction(size_average, reduce, reduction):
    if size_average is not None or reduce is not None:
        raise unsupported("the size_average/reduce arguments (use reduction=)")
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _opt(t):
    return None if t is None else t._t


# ---- activations ----


def relu(input, inplace=False):
    if inplace:
        return relu_(input)
    return _t(input, "relu").relu()


def relu_(input):
    return _t(input, "relu_").relu_()


def sigmoid(input):
    return _m(input, "sigmoid").sigmoid()


def tanh(input):
    return _m(input, "tanh").tanh()


def leaky_relu(input, negative_slope=0.01, inplace=False):
    if inplace:
        raise unsupported("F.leaky_relu(inplace=True)")
    return op(O("leakyRelu"), _t(input, "leaky_relu")._t, negative_slope)


def gelu(input, approximate="none"):
    return op(O("gelu"), _t(input, "gelu")._t, approximate)


def softplus(input, beta=1, threshold=20):
    return op(O("softplus"), _t(input, "softplus")._t, beta, threshold)


def elu(input, alpha=1.0, inplace=False):
    if inplace:
        raise unsupported("F.elu(inplace=True)")
    return op(O("elu"), _t(input, "elu")._t, alpha)


def silu(input, inplace=False):
    if inplace:
        raise unsupported("F.silu(inplace=True)")
    return op(O("silu"), _t(input, "silu")._t)


def logsigmoid(input):
    return op(O("logsigmoid"), _t(input, "log_sigmoid")._t)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    if inplace:
        raise unsupported("F.hardtanh(inplace=True)")
    return op(O("hardtanh"), _t(input, "hardtanh")._t, min_val, max_val)


def relu6(input, inplace=False):
    if inplace:
        raise unsupported("F.relu6(inplace=True)")
    return op(O("relu6"), _t(input, "relu6")._t)


_IMPLICIT_DIM = (
    "Implicit dimension choice for {} has been deprecated. Change the call to include dim=X as an argument."
)


def _softmax_dim(name, input, dim):
    if dim is None:
        _C.warn(_IMPLICIT_DIM.format(name), UserWarning)
        n = input.dim()
        dim = 0 if n in (0, 1, 3) else 1
    return dim


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    x = _m(input, "softmax")
    if dtype is not None and dtype is not float32:
        raise unsupported(f"F.softmax(dtype={dtype!r})")
    return x.softmax(_softmax_dim("softmax", x, dim))


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    x = _m(input, "log_softmax")
    if dtype is not None and dtype is not float32:
        raise unsupported(f"F.log_softmax(dtype={dtype!r})")
    return x.log_softmax(_softmax_dim("log_softmax", x, dim))


# ---- layers ----


def linear(input, weight, bias=None):
    b = None if bias is None else _t(bias, "linear", "bias", 3)._t
    return op(O("linear"), _t(input, "linear")._t, _t(weight, "linear", "weight", 2)._t, b)


def dropout(input, p=0.5, training=True, inplace=False):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    x = _t(input, "dropout")
    if inplace:
        if not training or p == 0 or x.numel() == 0:
            return x
        # ATen's dropout_: input.mul_(noise), the noise drawn as the out-of-place dropout draws it
        from .._creation import ones_like
        from ..autograd import no_grad

        with no_grad():
            noise = op(O("dropout"), ones_like(x)._t, p, True)
        return x.mul_(noise)
    return op(O("dropout"), x._t, p, bool(training))


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    if out is not None:
        raise unsupported("F.normalize(out=...)")
    # PyTorch's composite: input / norm.clamp_min(eps).expand_as(input) (DivBackward0)
    x = _m(input, "norm")
    denom = x.norm(p, dim, keepdim=True).clamp_min(eps).expand_as(x)
    return x / denom


def one_hot(tensor, num_classes=-1):
    from .._creation import arange

    t = _t(tensor, "one_hot")
    if t.dtype is not int64:
        raise RuntimeError("one_hot is only applicable to index tensor.")
    if t.numel() == 0:
        if num_classes <= 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
    else:
        if t.min().item() < 0:
            raise RuntimeError("Class values must be non-negative.")
        if num_classes == -1:
            num_classes = t.max().item() + 1
        elif t.max().item() >= num_classes:
            raise RuntimeError("Class values must be smaller than num_classes.")
    return (t.unsqueeze(-1) == arange(num_classes)).long()


# ---- losses ----


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    r = _reduction(size_average, reduce, reduction)
    return op(O("mseLoss"), *_loss_operands(input, target), r)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    r = _reduction(size_average, reduce, reduction)
    return op(O("l1Loss"), *_loss_operands(input, target), r)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    r = _reduction(size_average, reduce, reduction)
    return op(O("smoothL1Loss"), *_loss_operands(input, target), r, beta)


def huber_loss(input, target, reduction="mean", delta=1.0):
    r = _reduction(None, None, reduction)
    return op(O("huberLoss"), *_loss_operands(input, target), r, delta)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    r = _reduction(size_average, reduce, reduction)
    return op(
        O("binaryCrossEntropy"),
        *_loss_operands(input, target),
        _opt(weight),
        r,
    )


def binary_cross_entropy_with_logits(
    input, target, weight=None, size_average=None, reduce=None, reduction="mean", pos_weight=None
):
    r = _reduction(size_average, reduce, reduction)
    return op(
        O("binaryCrossEntropyWithLogits"),
        *_loss_operands(input, target),
        _opt(weight),
        _opt(pos_weight),
        r,
    )


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    r = _reduction(size_average, reduce, reduction)
    return op(E.nllLoss, _t(input, "nll_loss_nd")._t, _t(target, "nll_loss_nd", "target", 2)._t, _opt(weight), ignore_index, r)


def cross_entropy(
    input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean", label_smoothing=0.0
):
    r = _reduction(size_average, reduce, reduction)
    return op(
        E.crossEntropy,
        _t(input, "cross_entropy_loss")._t,
        _t(target, "cross_entropy_loss", "target", 2)._t,
        _opt(weight),
        ignore_index,
        r,
        label_smoothing,
    )


def one_hot(tensor, num_classes=-1):
    from .. import arange, int64

    if not isinstance(tensor, Tensor):
        raise TypeError(f"one_hot(): argument 'input' (position 1) must be Tensor, not {type(tensor).__name__}")
    if tensor.dtype is not int64:
        raise RuntimeError("one_hot is only applicable to index tensor.")
    if tensor.numel() == 0:
        if num_classes == -1:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
    else:
        if tensor.min().item() < 0:
            raise RuntimeError("Class values must be non-negative.")
        if num_classes == -1:
            num_classes = tensor.max().item() + 1
        elif tensor.max().item() >= num_classes:
            raise RuntimeError("Class values must be smaller than num_classes.")
    # an int64 tensor of the input's shape plus one dim: 1 where the index is the class
    return (tensor.unsqueeze(-1) == arange(num_classes)).long()


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    raise unsupported(f"torch.nn.functional.{name}")
