"""torch.utils: the data loading notebooks use (torch.utils.data)."""
from . import data


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    from .._C import unsupported

    raise unsupported(f"torch.utils.{name}")
