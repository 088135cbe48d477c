"""What Python 3.11 prints where Pyodide's newer Python prints otherwise.

PyTorch's output is compared with the Python it runs on (3.11); Pyodide's Python (3.12+) prints an
OrderedDict as `OrderedDict({'a': 1})` where 3.11 prints `OrderedDict([('a', 1)])`, and a model's
state_dict() is one. The shim's OrderedDict prints the 3.11 way and stands in for
collections.OrderedDict, so the ones a program builds itself print so too.
"""
import collections
import reprlib

_OrderedDict = collections.OrderedDict


class OrderedDict(_OrderedDict):
    @reprlib.recursive_repr()
    def __repr__(self):
        if not self:
            return f"{type(self).__name__}()"
        return f"{type(self).__name__}({list(self.items())!r})"


# `<class 'collections.OrderedDict'>`, as type(model.state_dict()) prints in PyTorch
OrderedDict.__module__ = "collections"
collections.OrderedDict = OrderedDict
