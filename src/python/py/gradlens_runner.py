"""Runs a user's program as `python prog.py` would: a fresh __main__, tracebacks naming the file and
line (without the shim's own frames), warnings filtered afresh, the torch shim reset."""
import builtins
import linecache
import sys
import traceback
import types
import warnings

import _gradlens_engine as E
import torch
from torch import _C

_SHIM_DIR = torch.__file__.rsplit("/torch/", 1)[0] + "/"
_default_filters = list(warnings.filters)


def _reset():
    E.resetState()
    _C.anomaly = False
    # a program may have changed the filters; each run gets a fresh __main__ and its own registry
    warnings.filters[:] = _default_filters
    warnings.onceregistry.clear()


def _strip(te):
    """Drops the shim's frames (and the runner's) from a TracebackException and its causes."""
    seen = set()
    while te is not None and id(te) not in seen:
        seen.add(id(te))
        kept = [f for f in te.stack if not f.filename.startswith(_SHIM_DIR)]
        # an error inside the shim alone (a gradlens bug) keeps its frames, to be reported
        if kept:
            te.stack = traceback.StackSummary.from_list(kept)
        for sub in (te.__cause__, te.__context__):
            if sub is not None:
                _strip(sub)
        te = None


def _format(e):
    te = traceback.TracebackException.from_exception(e)
    _strip(te)
    return "".join(te.format())


# Compiled programs by (source, filename), newest last: the app runs the same source again and again
# (re-runs, trace recordings), and compiling costs about as much as a few hundred tensor ops.
_compiled = {}
_COMPILED_MAX = 8


def _compile(source, filename):
    key = (source, filename)
    code = _compiled.pop(key, None)
    if code is None:
        code = compile(source, filename, "exec")
        if len(_compiled) >= _COMPILED_MAX:
            del _compiled[next(iter(_compiled))]
    _compiled[key] = code
    return code


def run(source, filename, timeout, record):
    """Returns (exception type or None, message, traceback text, exit code)."""
    _reset()
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    main = types.ModuleType("__main__")
    main.__file__ = filename
    main.__builtins__ = builtins
    old_main = sys.modules.get("__main__")
    sys.modules["__main__"] = main
    result = (None, "", "", 0)
    try:
        try:
            code = _compile(source, filename)
        except SyntaxError as e:
            tb = "".join(traceback.format_exception_only(type(e), e))
            sys.stderr.write(tb)
            return (type(e).__name__, str(e), tb, 1)
        _C.start(code, filename, timeout, record)
        try:
            exec(code, main.__dict__)
        finally:
            _C.stop()
            if record:
                _C.scan(main.__dict__)
    except SystemExit as e:
        code = e.code
        if code is None:
            status = 0
        elif isinstance(code, int):
            status = code
        else:
            sys.stderr.write(str(code) + "\n")
            status = 1
        result = (None, "", "", status)
    except BaseException as e:
        tb = _format(e)
        sys.stderr.write(tb)
        E.recordError(type(e).__name__, str(e))
        result = (type(e).__name__, str(e), tb, 1)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        if old_main is not None:
            sys.modules["__main__"] = old_main
        E.setGradEnabled(True)
    return result
