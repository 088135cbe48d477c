"""The shim's link to the gradlens engine, its error translation, and the program tracer.

The engine is the JS module `_gradlens_engine` (src/python/bridge.ts). Engine errors (TorchError, with
PyTorch's own text) come back as JsException and are raised again as the Python exception PyTorch
raises. The tracer watches only the user's code (sys.monitoring local events): the current line for
every op, variable names for tensors, and user functions as scopes.
"""
import array
import builtins
import dis
import sys
import time
import traceback
import warnings

import _gradlens_engine as E
from pyodide.ffi import JsException, create_proxy, to_js

__all__ = ["E", "JsException", "create_proxy", "to_js", "convert", "unsupported", "Unsupported"]

ops = E.ops


class Unsupported(builtins.NotImplementedError, AttributeError):
    """A torch feature gradlens lacks. Also an AttributeError, so hasattr(torch, "x") is False."""


# Shown as plain `NotImplementedError` in tracebacks and type(e).__name__.
Unsupported.__name__ = Unsupported.__qualname__ = "NotImplementedError"
Unsupported.__module__ = "builtins"


def unsupported(what, hint=None):
    return Unsupported(f"gradlens does not support {what} yet" + (f" ({hint})" if hint else ""))


_PY_TYPES = {
    "RuntimeError": RuntimeError,
    "IndexError": IndexError,
    "TypeError": TypeError,
    "ValueError": ValueError,
    "NotImplementedError": builtins.NotImplementedError,
    "AttributeError": AttributeError,
}


def convert(e):
    """The Python exception for an engine error (same type and message as PyTorch's)."""
    # a warning the failing op gave before its error (a loss' broadcast warning) comes out first
    if WARN[0]:
        flush_warnings()
    py_type = getattr(e, "pyType", None)
    cls = _PY_TYPES.get(py_type) if py_type is not None else None
    if cls is None:
        return RuntimeError(f"gradlens internal error: {e.name}: {e.message}")
    return cls(e.message)


def fn(name, what=None):
    """The engine op `name`, or a function raising NotImplementedError when the engine lacks it."""
    f = getattr(ops, name, None)
    if f is None:
        label = what or name

        def missing(*args, **kwargs):
            raise unsupported(label)

        return missing
    return f


# ---------------------------------------------------------------------------------------------
# The tracer

TOOL = 4  # a sys.monitoring tool id of our own (0-2 and 5 are taken by debuggers/coverage/profilers)
_M = sys.monitoring
_EV = _M.events
CO_OPTIMIZED = 0x1

# The program line running now, in a cell of wasm memory the JS side reads when the engine emits an
# event: setting it costs no call into JS (most lines run no op).
LINE = array.array("i", [0])
E.setLineCell(LINE.buffer_info()[0])
# Set by the JS side when the engine warned (x.grad of a non-leaf, a loss broadcasting its target):
# checked after each engine call, so the warnings print where the user's line made them.
WARN = array.array("i", [0])
E.setWarnCell(WARN.buffer_info()[0])
_take_warnings = E.takeWarnings
# The hot ops' arguments (torch/_tensor.py): handles in ARGS, a Python number (and an in-place op's
# alpha) in NUM, read by the JS side from wasm memory; the call itself takes no arguments.
ARGS = array.array("i", [0, 0, 0])
NUM = array.array("d", [0.0, 1.0])
E.setArgCells(ARGS.buffer_info()[0], NUM.buffer_info()[0])


def flush_warnings():
    WARN[0] = 0
    for category, message in _take_warnings().to_py():
        cls = getattr(builtins, category, None)
        if not (isinstance(cls, type) and issubclass(cls, Warning)):
            cls = UserWarning
        warn(message, cls, record=False)


# Handles (see HandleTable in src/python/bridge.ts) of tensors that died (Tensor.__del__), given back
# in batches: one call into JS per batch instead of one per tensor.
DEAD_BATCH = 512
dead_handles = []
_release = E.release
_releasing = False


def release_dead():
    global _releasing
    if _releasing:
        # a tensor died while a batch was being given back (a gc pass): the next batch takes it
        return
    _releasing = True
    try:
        n = len(dead_handles)
        if n:
            batch = array.array("i", dead_handles[:n])
            del dead_handles[:n]
            _release(batch.buffer_info()[0], n)
    finally:
        _releasing = False


_set_line_cell = None
_label = E.label
_label_h = E.labelH
# Tensors with a handle are labelled through these cells, [handle, name id], names numbered once.
LABEL = array.array("i", [0, 0])
E.setLabelCells(LABEL.buffer_info()[0])
_name_ids = {}
_name_id = E.nameId
_push_scope = E.pushScope
_pop_scope = E.popScope

user_file = None  # the program's file name
user_codes = set()  # the code objects of the program (and its nested functions)
recording = False  # a trace is being recorded: lines, labels and scopes are wanted
line_stack = []
scope_stack = []
deadline = None
timeout_s = None
ticks = 0
anomaly = False  # mirrors the engine's anomaly mode (forward tracebacks are kept only then)
tensor_class = None  # set by torch._tensor
module_class = None  # set by torch.nn


class ProgramTimeout(KeyboardInterrupt):
    pass


ProgramTimeout.__name__ = ProgramTimeout.__qualname__ = "KeyboardInterrupt"
ProgramTimeout.__module__ = "builtins"


def _check_deadline():
    global ticks
    ticks += 1
    if ticks >= 256:
        ticks = 0
        if deadline is not None and time.monotonic() > deadline:
            raise ProgramTimeout(f"gradlens stopped the program: it ran longer than {timeout_s:g} s")


def _on_line(code, lineno):
    # the names the line just finished stored (one dict lookup; most lines store one name or none)
    names = stores[id(code)].get(LINE[0])
    LINE[0] = lineno
    if names:
        label_names(sys._getframe(1).f_locals, names)
    if deadline is not None:
        _check_deadline()


def _on_line_timeout_only(code, lineno):
    _check_deadline()


def _scoped(code):
    name = code.co_name
    return bool(code.co_flags & CO_OPTIMIZED) and name[0] not in "<_" and name != "forward"


def _on_start(code, offset):
    line_stack.append(LINE[0])
    s = _scoped(code)
    scope_stack.append(s)
    if s:
        _push_scope(code.co_name)


def _on_return(code, offset, value):
    names = stores[id(code)].get(LINE[0])
    if names:
        label_names(sys._getframe(1).f_locals, names)
    if line_stack:
        LINE[0] = line_stack.pop()
    if scope_stack and scope_stack.pop():
        _pop_scope()


def _on_unwind(code, offset, exc):
    if code in user_codes:
        _on_return(code, offset, None)


def _label_one(name, v):
    if isinstance(v, tensor_class):
        if not v._lab:
            v._lab = True
            h = v._h
            if h:
                i = _name_ids.get(name)
                if i is None:
                    i = _name_ids[name] = _name_id(name)
                LABEL[0] = h
                LABEL[1] = i
                _label_h()
            else:
                _label(v._t, name)
    elif module_class is not None and isinstance(v, module_class) and v._gl_name is None:
        object.__setattr__(v, "_gl_name", name)


def label_names(namespace, names):
    """Names the tensors (and modules) the variables `names` hold, unless named already: the first name wins."""
    for name in names:
        v = namespace.get(name)
        if v is not None:
            _label_one(name, v)


def scan(namespace):
    """Names every unnamed tensor (and module) in `namespace` (the program's globals at its end)."""
    for name, v in namespace.items():
        if name[0] != "_" and name != "self":
            _label_one(name, v)


# Opcodes that bind a variable (STORE_FAST_LOAD_FAST stores its first name only).
_STORES = {"STORE_NAME", "STORE_FAST", "STORE_GLOBAL", "STORE_DEREF", "STORE_FAST_STORE_FAST", "STORE_FAST_LOAD_FAST"}


def _stored_names(code):
    """{line: names that line stores}, for the variables worth a label (not `_x`, not `self`)."""
    by_line = {}
    for ins in dis.get_instructions(code):
        if ins.opname not in _STORES or ins.positions is None or ins.positions.lineno is None:
            continue
        arg = ins.argval
        names = arg if ins.opname == "STORE_FAST_STORE_FAST" else (arg[0] if isinstance(arg, tuple) else arg,)
        for n in names:
            if isinstance(n, str) and n[0] not in "_." and n != "self":
                by_line.setdefault(ins.positions.lineno, []).append(n)
    return {line: tuple(ns) for line, ns in by_line.items()}


stores = {}  # id(code) -> {line: names stored on that line}


def push_scope(name):
    if recording:
        _push_scope(name)


def pop_scope():
    if recording:
        _pop_scope()


def _codes(code):
    yield code
    for c in code.co_consts:
        if hasattr(c, "co_code"):
            yield from _codes(c)


def start(code, filename, timeout, record):
    """Starts watching the program `code` (compiled from `filename`)."""
    global user_file, deadline, ticks, timeout_s, recording
    user_file = filename
    recording = bool(record)
    LINE[0] = 0
    ticks = 0
    line_stack.clear()
    scope_stack.clear()
    user_codes.clear()
    timeout_s = timeout
    deadline = None if timeout is None else time.monotonic() + timeout
    stores.clear()
    for c in _codes(code):
        user_codes.add(c)
        if recording:
            stores[id(c)] = _stored_names(c)
    if not recording and deadline is None:
        return
    if _M.get_tool(TOOL) is None:
        _M.use_tool_id(TOOL, "gradlens")
    if recording:
        _M.register_callback(TOOL, _EV.LINE, _on_line)
        _M.register_callback(TOOL, _EV.PY_START, _on_start)
        _M.register_callback(TOOL, _EV.PY_RESUME, _on_start)
        _M.register_callback(TOOL, _EV.PY_RETURN, _on_return)
        _M.register_callback(TOOL, _EV.PY_YIELD, _on_return)
        _M.register_callback(TOOL, _EV.PY_UNWIND, _on_unwind)
        local = _EV.LINE | _EV.PY_START | _EV.PY_RESUME | _EV.PY_RETURN | _EV.PY_YIELD
        _M.set_events(TOOL, _EV.PY_UNWIND)
    else:
        _M.register_callback(TOOL, _EV.LINE, _on_line_timeout_only)
        local = _EV.LINE
    for c in user_codes:
        _M.set_local_events(TOOL, c, local)


def stop():
    global recording
    if _M.get_tool(TOOL) is not None:
        _M.set_events(TOOL, 0)
        for c in user_codes:
            _M.set_local_events(TOOL, c, 0)
        _M.free_tool_id(TOOL)
    while scope_stack:
        if scope_stack.pop():
            _pop_scope()
    line_stack.clear()
    LINE[0] = 0
    release_dead()


# ---------------------------------------------------------------------------------------------
# Warnings and forward tracebacks, located at the user's line as PyTorch's C++ warnings are


def user_frame():
    f = sys._getframe(1)
    while f is not None and f.f_code.co_filename != user_file:
        f = f.f_back
    return f


def warn(message, category=UserWarning, record=True):
    """Warns at the user's current line (Python's format: `prog.py:12: UserWarning: ...`)."""
    f = user_frame()
    if f is None:
        warnings.warn(message, category, stacklevel=3)
    else:
        g = f.f_globals
        warnings.warn_explicit(
            message,
            category,
            f.f_code.co_filename,
            f.f_lineno,
            module=g.get("__name__"),
            registry=g.setdefault("__warningregistry__", {}),
        )
    if record and recording:
        E.recordWarning(category.__name__, str(message))


def user_stack():
    """The user's part of the current stack, as traceback.format_stack prints it."""
    frames = [fs for fs in traceback.extract_stack(sys._getframe(1)) if fs.filename == user_file]
    return "".join(traceback.format_list(frames))
