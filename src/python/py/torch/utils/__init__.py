"""torch.utils: the data loading part (torch.utils.data)."""
from .._C import unsupported as _unsupported
from . import data


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    raise _unsupported(f"torch.utils.{name}")
