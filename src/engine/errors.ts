/** Python exception classes that PyTorch raises; the Python shim re-raises with the same type. */
export type PyErrorType =
  "RuntimeError" | "IndexError" | "TypeError" | "ValueError" | "NotImplementedError" | "AttributeError";

/** An error whose message is PyTorch's own text, verbatim. */
export class TorchError extends Error {
  readonly pyType: PyErrorType;
  constructor(pyType: PyErrorType, message: string) {
    super(message);
    this.name = pyType;
    this.pyType = pyType;
  }
}

export const MSG = {
  noGradFn: "element 0 of tensors does not require grad and does not have a grad_fn",
  implicitScalar: "grad can be implicitly created only for scalar outputs",
  secondBackward:
    "Trying to backward through the graph a second time (or directly access saved tensors after they have already been freed). Saved intermediate values of the graph are freed when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time or if you need to access saved tensors after calling backward.",
  leafInplace: "a leaf Variable that requires grad is being used in an in-place operation.",
  requiresGradNonLeaf:
    "you can only change requires_grad flags of leaf variables. If you want to use a computed variable in a subgraph that doesn't require differentiation use var_no_grad = var.detach().",
  onlyFloatGrad: "only Tensors of floating point and complex dtype can require gradients",
  retainGradNoGrad: "can't retain_grad on Tensor that has requires_grad=False",
  itemNumel: (n: number) => `a Tensor with ${n} elements cannot be converted to Scalar`,
  nonLeafGradWarning:
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute won't be populated during autograd.backward(). If you indeed want the .grad field to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If you access the non-leaf Tensor by mistake, make sure you access the leaf Tensor instead. See github.com/pytorch/pytorch/pull/30531 for more informations. (Triggered internally at ../aten/src/ATen/core/TensorBody.h:486.)",
} as const;
