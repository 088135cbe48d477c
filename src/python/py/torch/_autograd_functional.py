"""torch.autograd.functional: jacobian and vjp by reverse mode, as torch/autograd/functional.py
computes them (one autograd.grad per output element, zeros for unused inputs). The functions that
need double backward (hessian, hvp, vhp, jvp) fail loudly."""
from ._C import unsupported
from ._tensor import Tensor


def _as_tuple(inp, arg_name, fn_name):
    is_tuple = isinstance(inp, tuple)
    if not is_tuple:
        inp = (inp,)
    for i, el in enumerate(inp):
        if not isinstance(el, Tensor):
            if is_tuple:
                raise TypeError(
                    f"The {arg_name} given to {fn_name} must be either a Tensor or a tuple of Tensors but the"
                    f" value at index {i} has type {type(el)}."
                )
            raise TypeError(
                f"The {arg_name} given to {fn_name} must be either a Tensor or a tuple of Tensors but the"
                f" given {arg_name} has type {type(el)}."
            )
    return is_tuple, inp


def _tuple_postprocess(res, to_unpack):
    if isinstance(to_unpack, tuple):
        if not to_unpack[1]:
            res = tuple(el[0] for el in res)
        if not to_unpack[0]:
            res = res[0]
    elif not to_unpack:
        res = res[0]
    return res


def _autograd_grad(outputs, inputs, grad_outputs=None):
    from . import autograd

    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    new_outputs, new_grad_outputs = [], []
    for out, g in zip(outputs, grad_outputs):
        if out is not None and out.requires_grad:
            new_outputs.append(out)
            new_grad_outputs.append(g)
    if not new_outputs:
        return (None,) * len(inputs)
    return autograd.grad(new_outputs, inputs, new_grad_outputs, allow_unused=True, retain_graph=True)


def _no_create_graph(create_graph, name):
    if create_graph:
        raise unsupported(f"torch.autograd.functional.{name}(create_graph=True) (higher-order gradients)")


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False, strategy="reverse-mode"):
    from . import autograd, stack, zeros_like

    _no_create_graph(create_graph, "jacobian")
    if strategy != "reverse-mode":
        raise unsupported(f"torch.autograd.functional.jacobian(strategy={strategy!r})")
    with autograd.enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
        inputs = tuple(i.detach().requires_grad_(True) for i in inputs)
        outputs = func(*inputs)
        is_outputs_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function", "jacobian")
        jac = ()
        for out in outputs:
            jac_i = tuple([] for _ in inputs)
            for j in range(out.nelement()):
                vj = _autograd_grad((out.reshape(-1)[j],), inputs)
                for k, (el, v, inp) in enumerate(zip(jac_i, vj, inputs)):
                    if v is None:
                        if strict:
                            raise RuntimeError(
                                f"Output {len(jac)} of the user-provided function is independent of input {k}. "
                                "This is not allowed in strict mode."
                            )
                        v = zeros_like(inp)
                    el.append(v)
            jac += (tuple(stack(el, dim=0).view(out.size() + inputs[k].size()) for k, el in enumerate(jac_i)),)
        jac = tuple(tuple(t.detach() for t in row) for row in jac)
        return _tuple_postprocess(jac, (is_outputs_tuple, is_inputs_tuple))


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    from . import autograd, zeros_like

    _no_create_graph(create_graph, "vjp")
    with autograd.enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "vjp")
        inputs = tuple(i.detach().requires_grad_(True) for i in inputs)
        outputs = func(*inputs)
        is_outputs_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function", "vjp")
        if v is not None:
            _, v = _as_tuple(v, "v", "vjp")
            v = tuple(t.detach() for t in v)
            if len(v) != len(outputs):
                raise RuntimeError(
                    f"v is a tuple of invalid length: should be {len(outputs)} but got {len(v)}."
                    if is_outputs_tuple
                    else "The given v should contain a single Tensor."
                )
            for i, (out, vi) in enumerate(zip(outputs, v)):
                if out.size() != vi.size():
                    raise RuntimeError(
                        f"Mismatch in tensor sizes. The size of v at index {i} is {vi.size()} "
                        f"but the corresponding output has size {out.size()}."
                    )
        elif len(outputs) != 1 or outputs[0].nelement() != 1:
            raise RuntimeError(
                "The vector v can only be None if the user-provided function returns a single Tensor "
                "with a single element."
            )
    grads = _autograd_grad(outputs, inputs, v)
    res = tuple(zeros_like(inp) if g is None else g for g, inp in zip(grads, inputs))
    outputs = tuple(o.detach() for o in outputs)
    res = tuple(r.detach() for r in res)
    return _tuple_postprocess(outputs, is_outputs_tuple), _tuple_postprocess(res, is_inputs_tuple)


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    raise unsupported(f"torch.autograd.functional.{name}")
