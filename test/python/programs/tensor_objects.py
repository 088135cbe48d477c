# Tensors as Python objects: the legacy constructor, attributes users set, weak references, identity.
import weakref

import torch

print("### legacy constructor")
print(torch.Tensor([1, 2]))
print(torch.Tensor([[1, 2], [3, 4]]).dtype)
print(torch.Tensor(2, 3).shape)
print(torch.Tensor(2, 3, 4).shape, torch.Tensor(2, device="cpu").shape)
print(torch.Tensor().shape, torch.Tensor((1.5, 2)))
print(type(torch.Tensor([1])) is torch.Tensor)

print("### attributes users set")
x = torch.ones(3, requires_grad=True)
x.note = "x"
y = x * 2 + 1
y.tag = [1, 2]
print(x.note, y.tag, hasattr(y, "note"), getattr(y, "note", None))
y.tag.append(3)
print(y.tag)
del y.tag
print(hasattr(y, "tag"))

print("### weak references")
z = torch.tanh(x) * 3
r = weakref.ref(z)
print(r() is z)
del z
print(r())
d = weakref.WeakValueDictionary()
keep = x - 1
d["keep"] = keep
d["gone"] = x + 1
print(sorted(d.keys()))

print("### identity and hashing")
a = x * 1
b = x * 1
print(a is b, a is a, len({a, b}), {a: "a", b: "b"}[b])
print(type(a) is torch.Tensor, type(a).__name__, isinstance(a, torch.Tensor))
p = torch.nn.Parameter(torch.zeros(2))
print(type(p).__name__, isinstance(p, torch.Tensor), p.is_leaf)
q = p * 2
print(type(q) is torch.Tensor, q.grad_fn.name())
