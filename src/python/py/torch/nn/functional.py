"""torch.nn.functional: activations, losses, linear, dropout, softmax."""
from .. import _C
from .._C import E, to_js, unsupported
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


# ---- convolution and pooling ----


def _pair(v, n, name):
    """An int or a tuple of n ints, as the (h, w) pair the engine takes (conv1d's first is unused)."""
    if isinstance(v, (tuple, list)):
        v = tuple(int(i) for i in v)
        if len(v) == 1:
            v = v * n
        if len(v) != n:
            raise RuntimeError(
                f"expected {name} to be a single integer value or a list of {n} values to match the convolution dimensions, but got {name}={list(v)}"
            )
    else:
        v = (int(v),) * n
    return ((0 if name == "padding" else 1), v[0]) if n == 1 else v


def _same_padding(weight, dilation, n):
    ks = weight.shape[2:]
    dil = _pair(dilation, n, "dilation")[2 - n :]
    pads = []
    for k, d in zip(ks, dil):
        total = d * (k - 1)
        if total % 2:
            raise unsupported("padding='same' with an even effective kernel size (asymmetric padding)")
        pads.append(total // 2)
    return _pair(tuple(pads), n, "padding")


def _conv(n, input, weight, bias, stride, padding, dilation, groups):
    name = f"conv{n}d"
    x = _t(input, name)
    w = _t(weight, name, "weight", 2)
    b = None if bias is None else _t(bias, name, "bias", 3)._t
    if isinstance(padding, str):
        if padding == "valid":
            pad = _pair(0, n, "padding")
        elif padding == "same":
            if any(s != 1 for s in _pair(stride, n, "stride")):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            pad = _same_padding(w, dilation, n)
        else:
            raise RuntimeError(f"Invalid padding string: '{padding}'")
    else:
        pad = _pair(padding, n, "padding")
    return op(
        O("convolution"),
        x._t,
        w._t,
        b,
        n,
        to_js(list(_pair(stride, n, "stride"))),
        to_js(list(pad)),
        to_js(list(_pair(dilation, n, "dilation"))),
        int(groups),
    )


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _conv(1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _conv(2, input, weight, bias, stride, padding, dilation, groups)


def _pool_args(kernel_size, stride, padding, dilation):
    k = _pair(kernel_size, 2, "kernel_size")
    s = k if stride is None or (isinstance(stride, (list, tuple)) and len(stride) == 0) else _pair(stride, 2, "stride")
    return k, s, _pair(padding, 2, "padding"), _pair(dilation, 2, "dilation")


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    x = _t(input, "max_pool2d")
    k, s, p, d = _pool_args(kernel_size, stride, padding, dilation)
    args = (to_js(list(k)), to_js(list(s)), to_js(list(p)), to_js(list(d)), bool(ceil_mode))
    out = op(O("maxPool2d"), x._t, *args)
    if return_indices:
        return out, op(O("maxPool2dIndices"), x._t, *args)
    return out


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    # ATen: unsqueeze(-2), max_pool2d over a (1, k) window, squeeze(-2)
    x = _t(input, "max_pool1d")
    if x.dim() not in (2, 3):
        raise RuntimeError(
            "max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for input, "
            f"but got:{list(x.shape)}"
        )

    def one(v):
        return v[0] if isinstance(v, (list, tuple)) else v

    k = one(kernel_size)
    s = k if stride is None or (isinstance(stride, (list, tuple)) and len(stride) == 0) else one(stride)
    r = max_pool2d(x.unsqueeze(-2), (1, k), (1, s), (0, one(padding)), (1, one(dilation)), ceil_mode, return_indices)
    if return_indices:
        return r[0].squeeze(-2), r[1].squeeze(-2)
    return r.squeeze(-2)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True, divisor_override=None):
    x = _t(input, "avg_pool2d")
    k, s, p, _ = _pool_args(kernel_size, stride, padding, 1)
    return op(
        O("avgPool2d"),
        x._t,
        to_js(list(k)),
        to_js(list(s)),
        to_js(list(p)),
        bool(ceil_mode),
        bool(count_include_pad),
        None if divisor_override is None else int(divisor_override),
    )


def adaptive_avg_pool2d(input, output_size):
    x = _t(input, "adaptive_avg_pool2d")
    if isinstance(output_size, (list, tuple)):
        if len(output_size) != 2:
            raise unsupported("F.adaptive_avg_pool2d with an output_size of other than 2 values")
        oh, ow = output_size
    else:
        oh = ow = output_size
    if oh is None:
        oh = x.shape[-2]
    if ow is None:
        ow = x.shape[-1]
    if x.dim() not in (3, 4):
        raise RuntimeError(f"adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got {list(x.shape)}")
    if oh == 1 and ow == 1:
        # ATen's fast path: a mean over the last two dims (MeanBackward1)
        return x.mean((-1, -2), keepdim=True)
    return op(O("adaptiveAvgPool2d"), x._t, int(oh), int(ow))


def _one(v):
    return v[0] if isinstance(v, (list, tuple)) else v


def _check_1d(x, name):
    if x.dim() not in (2, 3):
        raise RuntimeError(
            f"Expected 2 to 3 dimensions, but got {x.dim()}-dimensional tensor for argument #1 'self' "
            f"(while checking arguments for {name})"
        )


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    # ATen: unsqueeze(-2), avg_pool2d over a (1, k) window, squeeze(-2)
    x = _t(input, "avg_pool1d")
    _check_1d(x, "avg_pool1d")
    k = _one(kernel_size)
    s = k if stride is None or (isinstance(stride, (list, tuple)) and len(stride) == 0) else _one(stride)
    r = avg_pool2d(x.unsqueeze(-2), (1, k), (1, s), (0, _one(padding)), ceil_mode, count_include_pad)
    return r.squeeze(-2)


def adaptive_avg_pool1d(input, output_size):
    x = _t(input, "adaptive_avg_pool1d")
    _check_1d(x, "adaptive_avg_pool1d")
    return adaptive_avg_pool2d(x.unsqueeze(-2), (1, _one(output_size))).squeeze(-2)


def dropout2d(input, p=0.5, training=True, inplace=False):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    x = _t(input, "dropout2d")
    if x.dim() != 4:
        raise unsupported("F.dropout2d on an input that is not 4-D")
    if inplace:
        raise unsupported("F.dropout2d(inplace=True)")
    if not training or p == 0 or x.numel() == 0:
        return x
    # ATen's feature dropout: a (N, C, 1, 1) bernoulli noise scaled by 1/(1-p), multiplied in
    from .._creation import ones
    from ..autograd import no_grad

    with no_grad():
        noise = op(O("dropout"), ones(x.shape[0], x.shape[1], 1, 1)._t, p, True)
    return x * noise


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    raise unsupported(f"torch.nn.functional.{name}")


# ---------------------------------------------------------------------------------------------
# Normalization, embedding and the small layers (layer_norm, batch_norm, embedding, mish, pad, ...)


def _int_tuple(shape):
    if isinstance(shape, int):
        return (shape,)
    return tuple(int(s) for s in shape)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    x = _t(input, "layer_norm")
    from .._tensor import js_list

    if not isinstance(normalized_shape, (tuple, list)) and type(normalized_shape).__name__ != "Size":
        raise TypeError(
            "layer_norm(): argument 'normalized_shape' (position 2) must be tuple of ints, "
            f"not {type(normalized_shape).__name__}"
        )

    return op(O("layerNorm"), x._t, js_list(_int_tuple(normalized_shape)), _opt(weight), _opt(bias), eps)


def _verify_batch_size(size):
    n = size[0]
    for s in size[2:]:
        n *= s
    if n == 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input size {size}")


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    x = _t(input, "batch_norm")
    if training:
        _verify_batch_size(x.size())
    return op(
        O("batchNorm"),
        x._t,
        _opt(running_mean),
        _opt(running_var),
        _opt(weight),
        _opt(bias),
        bool(training),
        0.0 if momentum is None else momentum,
        eps,
    )


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False, sparse=False):
    if max_norm is not None:
        raise unsupported("F.embedding(max_norm=...)")
    if scale_grad_by_freq:
        raise unsupported("F.embedding(scale_grad_by_freq=True)")
    if sparse:
        raise unsupported("sparse gradients (F.embedding(sparse=True))")
    w = _t(weight, "embedding", "weight", 1)
    if padding_idx is not None:
        if padding_idx > 0:
            assert padding_idx < w.size(0), "Padding_idx must be within num_embeddings"
        elif padding_idx < 0:
            assert padding_idx >= -w.size(0), "Padding_idx must be within num_embeddings"
            padding_idx = w.size(0) + padding_idx
    else:
        padding_idx = -1
    return op(O("embedding"), _t(input, "embedding", "indices", 2)._t, w._t, padding_idx)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    x = _m(input, "softmin")
    if dtype is not None and dtype is not float32:
        raise unsupported(f"F.softmin(dtype={dtype!r})")
    return (-x).softmax(_softmax_dim("softmin", x, dim))


def mish(input, inplace=False):
    if inplace:
        raise unsupported("F.mish(inplace=True)")
    return op(O("mish"), _t(input, "mish")._t)


def hardswish(input, inplace=False):
    if inplace:
        raise unsupported("F.hardswish(inplace=True)")
    return op(O("hardswish"), _t(input, "hardswish")._t)


def prelu(input, weight):
    return op(O("prelu"), _t(input, "prelu")._t, _t(weight, "prelu", "weight", 2)._t)


def pad(input, pad, mode="constant", value=None):
    if mode != "constant":
        raise unsupported(f"F.pad(mode={mode!r})")
    from .._tensor import js_list

    return op(O("constantPad"), _t(input, "pad")._t, js_list(_int_tuple(pad)), 0.0 if value is None else value)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    # ATen's composite (1.13/2.x): each side over its clamped norm, multiplied, summed (SumBackward1)
    from ..autograd import no_grad

    a = _t(x1, "cosine_similarity", "x1", 1)
    b = _t(x2, "cosine_similarity", "x2", 2)
    if a.shape != b.shape:
        ra, rb = list(a.shape), list(b.shape)
        n = max(len(ra), len(rb))
        ra, rb = [1] * (n - len(ra)) + ra, [1] * (n - len(rb)) + rb
        shape = [max(p, q) if min(p, q) != 0 else 0 for p, q in zip(ra, rb)]
        a, b = a.expand(*shape), b.expand(*shape)
    na = a.norm(2, dim, keepdim=True).clone()
    nb = b.norm(2, dim, keepdim=True).clone()
    with no_grad():
        na.clamp_(min=eps)
        nb.clamp_(min=eps)
    return ((a / na) * (b / nb)).sum(dim)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    # ATen's composite: xlogy(target, target) - target * input (or exp(target) * (target - input))
    if reduction not in _REDUCTIONS + ("batchmean",):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if size_average is not None or reduce is not None:
        raise unsupported("the size_average/reduce arguments (use reduction=)")
    x = _m(input, "size")
    t = _m(target, "size")
    if reduction == "mean":
        _C.warn(
            "reduction: 'mean' divides the total loss by both the batch size and the support size."
            "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
            "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
            UserWarning,
        )
    if log_target:
        loss = t.exp() * (t - x)
    else:
        from .._creation import zeros_like
        from .._functions import where

        loss = where(t == 0, zeros_like(t), t * t.log()) - t * x
    if reduction == "batchmean":
        s = loss.sum()
        return s / x.size(0) if x.dim() != 0 else s
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss
