"""torch.autograd: backward, grad, grad modes, anomaly detection."""
import functools
import inspect
import sys

from . import _C
from ._C import E, JsException, convert, create_proxy, to_js, unsupported
from . import _tensor
from ._tensor import Tensor, call, wrap

__all__ = [
    "backward",
    "grad",
    "no_grad",
    "enable_grad",
    "set_grad_enabled",
    "inference_mode",
    "set_detect_anomaly",
    "detect_anomaly",
    "Variable",
    "Function",
]

# ---------------------------------------------------------------------------------------------
# Grad modes: context managers and decorators


class _GradMode:
    """`with torch.no_grad():`, `@torch.no_grad()` and (2.x) `@torch.no_grad`."""

    _enabled = False

    def __new__(cls, orig_func=None):
        if orig_func is None or not callable(orig_func):
            return super().__new__(cls)
        return cls()(orig_func)

    def __init__(self, orig_func=None):
        self.prev = True

    def __enter__(self):
        self.prev = E.isGradEnabled()
        E.setGradEnabled(self._enabled)

    def __exit__(self, exc_type, exc, tb):
        E.setGradEnabled(self.prev)
        return False

    def __call__(self, func):
        if inspect.isclass(func):
            raise unsupported(f"decorating a class with {type(self).__name__}")
        if inspect.isgeneratorfunction(func):
            raise unsupported(f"decorating a generator function with {type(self).__name__}")
        mode = type(self)

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with mode():
                return func(*args, **kwargs)

        return wrapper

    def clone(self):
        return type(self)()


class no_grad(_GradMode):
    _enabled = False


class enable_grad(_GradMode):
    _enabled = True


class inference_mode(_GradMode):
    def __new__(cls, mode=True):
        if callable(mode):
            return cls()(mode)
        return object.__new__(cls)

    def __init__(self, mode=True):
        self._enabled = not mode
        self.prev = True


class set_grad_enabled:
    """Sets grad mode now; as a context manager, restores the previous mode on exit."""

    def __init__(self, mode):
        self.prev = E.isGradEnabled()
        self.mode = bool(mode)
        E.setGradEnabled(self.mode)

    def __enter__(self):
        pass

    def __exit__(self, exc_type, exc, tb):
        E.setGradEnabled(self.prev)
        return False

    def __call__(self, func):
        mode = self.mode
        E.setGradEnabled(self.prev)

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return func(*args, **kwargs)

        return wrapper


def is_grad_enabled():
    return E.isGradEnabled()


def is_inference_mode_enabled():
    return False


# ---------------------------------------------------------------------------------------------
# Anomaly detection

ANOMALY_ENTER_WARNING = (
    "Anomaly Detection has been enabled. This mode will increase the runtime and should only be enabled for debugging."
)


def _set_anomaly(mode):
    _C.anomaly = bool(mode)
    E.setDetectAnomaly(bool(mode))


class set_detect_anomaly:
    """Sets anomaly mode now; as a context manager, restores the previous mode on exit."""

    def __init__(self, mode, check_nan=True):
        self.prev = _C.anomaly
        _set_anomaly(mode)

    def __enter__(self):
        pass

    def __exit__(self, exc_type, exc, tb):
        _set_anomaly(self.prev)
        return False


class detect_anomaly:
    def __init__(self, check_nan=True):
        self.prev = _C.anomaly
        _C.warn(ANOMALY_ENTER_WARNING, UserWarning)

    def __enter__(self):
        self.prev = _C.anomaly
        _set_anomaly(True)

    def __exit__(self, exc_type, exc, tb):
        _set_anomaly(self.prev)
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with detect_anomaly():
                return func(*args, **kwargs)

        return wrapper


def is_anomaly_enabled():
    return _C.anomaly


def _anomaly_warning(e):
    """PyTorch's warning, with the forward traceback of the node that produced NaN."""
    stack = E.stackOf(e)
    if stack is None:
        return
    name = e.message.split("'")[1] if "'" in e.message else "a node"
    _C.warn(
        f"Error detected in {name}. Traceback of forward call that caused the error:\n{stack}"
        " (Triggered internally at ../torch/csrc/autograd/python_anomaly_mode.cpp:119.)",
        UserWarning,
    )


# ---------------------------------------------------------------------------------------------
# backward and grad


def _seq(xs):
    if isinstance(xs, Tensor):
        return [xs]
    return list(xs)


def _grads_for(outputs, grads):
    """grad_outputs as engine tensors (undefined where the engine makes ones for a scalar)."""
    if grads is None:
        grads = [None] * len(outputs)
    elif isinstance(grads, Tensor):
        grads = [grads]
    else:
        grads = list(grads)
    if len(grads) != len(outputs):
        raise RuntimeError(f"got {len(grads)} tensors and {len(outputs)} gradients")
    out = []
    for o, g in zip(outputs, grads):
        if g is None:
            out.append(None)
        elif isinstance(g, Tensor):
            out.append(g._t)
        else:
            raise TypeError("gradients can be either Tensors or None, but got " + type(g).__name__)
    return out


def _run(f, *args):
    try:
        r = f(*args)
    except JsException as e:
        if _C.anomaly:
            _anomaly_warning(e)
        raise convert(e) from None
    if _C.WARN[0]:
        _C.flush_warnings()
    return r


def run_backward(tensors, grad_tensors, retain_graph, create_graph, inputs):
    if create_graph:
        raise unsupported("create_graph=True (higher-order gradients)")
    if inputs is not None:
        raise unsupported("backward(inputs=...)")
    tensors = _seq(tensors)
    for t in tensors:
        if not isinstance(t, Tensor):
            raise TypeError(f"backward(): expected a Tensor, got {type(t).__name__}")
    grads = _grads_for(tensors, grad_tensors)
    retain = bool(retain_graph) if retain_graph is not None else bool(create_graph)
    if len(tensors) == 1:
        _run(E.backward, tensors[0]._t, grads[0], retain)
    else:
        _run(E.backwardMany, to_js([t._t for t in tensors]), to_js(grads), retain)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, grad_variables=None, inputs=None):
    run_backward(tensors, grad_tensors, retain_graph, create_graph, inputs)


def grad(
    outputs,
    inputs,
    grad_outputs=None,
    retain_graph=None,
    create_graph=False,
    only_inputs=True,
    allow_unused=None,
    is_grads_batched=False,
    materialize_grads=False,
):
    if is_grads_batched:
        raise unsupported("torch.autograd.grad(is_grads_batched=True)")
    single = isinstance(inputs, Tensor)
    outputs = _seq(outputs)
    inputs = _seq(inputs)
    # the engine checks the outputs before the inputs
    for i, o in enumerate(outputs):
        if isinstance(o, Tensor) and not o.requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
    for t in inputs:
        if not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    grads = _grads_for(outputs, grad_outputs)
    retain = bool(retain_graph) if retain_graph is not None else bool(create_graph)
    res = _run(
        E.autogradGrad,
        to_js([o._t for o in outputs]),
        to_js(grads),
        to_js([t._t for t in inputs]),
        retain,
        bool(create_graph),
    )
    out = []
    for t, r in zip(inputs, res):
        if r is None:
            if materialize_grads:
                from ._creation import zeros_like

                out.append(zeros_like(t))
                continue
            if not allow_unused:
                raise RuntimeError(
                    "One of the differentiated Tensors appears to not have been used in the graph. "
                    "Set allow_unused=True if this is the desired behavior."
                )
            out.append(None)
        else:
            out.append(wrap(r))
    return tuple(out)


# ---------------------------------------------------------------------------------------------
# Custom autograd functions


class FunctionCtx:
    """The `ctx` of a custom Function: save_for_backward, saved_tensors, needs_input_grad, attributes."""

    def __init__(self):
        self._saved = ()
        self.needs_input_grad = ()

    def save_for_backward(self, *tensors):
        for t in tensors:
            if t is not None and not isinstance(t, Tensor):
                raise TypeError("save_for_backward can only save variables, but argument 0 is of type " + type(t).__name__)
        self._saved = tensors

    @property
    def saved_tensors(self):
        return self._saved

    def mark_dirty(self, *args):
        raise unsupported("ctx.mark_dirty (in-place custom Functions)")

    def mark_non_differentiable(self, *args):
        raise unsupported("ctx.mark_non_differentiable")

    def set_materialize_grads(self, value):
        pass


class Function:
    """`class MyReLU(torch.autograd.Function)` with static forward(ctx, ...) and backward(ctx, grad)."""

    def __init__(self, *args, **kwargs):
        raise RuntimeError(
            "Legacy autograd function with non-static forward method is deprecated. Please use new-style "
            "autograd function with static forward method. (Example: "
            "https://pytorch.org/docs/stable/autograd.html#torch.autograd.Function)"
        )

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError(
            "You must implement the forward function for custom autograd.Function."
        )

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError(
            "You must implement either the backward or vjp method for your custom autograd.Function to use it "
            "with backward mode AD."
        )

    @classmethod
    def apply(cls, *args, **kwargs):
        ctx = FunctionCtx()
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        with no_grad():
            out = cls.forward(ctx, *args, **kwargs)
        tracked = E.isGradEnabled() and any(ctx.needs_input_grad)
        if not tracked:
            return out
        if not isinstance(out, Tensor):
            raise unsupported("custom Functions returning anything but one tensor")
        if any(out is a for a in args):
            out = out.view_as(out)
        positions = [i for i, a in enumerate(args) if isinstance(a, Tensor)]

        def js_backward(g):
            grads = cls.backward(ctx, wrap(g))
            if not isinstance(grads, tuple):
                grads = (grads,)
            if len(grads) != len(args):
                raise RuntimeError(
                    f"function {cls.__name__}Backward returned an incorrect number of gradients "
                    f"(expected {len(args)}, got {len(grads)})"
                )
            return to_js([None if grads[i] is None else grads[i]._t for i in positions])

        saved = [t._t for t in ctx._saved if t is not None]
        _tensor.custom_node_names.add(cls.__name__ + "Backward")
        call(
            E.customFunction,
            cls.__name__,
            to_js([args[i]._t for i in positions]),
            out._t,
            to_js(saved),
            create_proxy(js_backward),
        )
        return out


class InplaceFunction(Function):
    pass


def Variable(data, requires_grad=False, volatile=False):
    """The pre-0.4 wrapper: today a Variable is a Tensor."""
    if requires_grad:
        data.requires_grad_(True)
    return data


from . import _autograd_functional as functional  # noqa: E402  (it imports from this module lazily)

sys.modules[__name__ + ".functional"] = functional


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    raise unsupported(f"torch.autograd.{name}")
