/**
 * Autograd for views, as PyTorch has it (torch/csrc/autograd/variable.cpp, VariableTypeUtils.h,
 * functions/tensor.cpp): a view knows its root base and shares its storage and version counter; an
 * in-place op on a view gives the base a CopySlices grad_fn (the op's node applied to the view's
 * region of the base's grad) and the view an AsStridedBackward0 from the base; views made in no_grad
 * mode or by multi-output ops (split, chunk, unbind) refuse in-place ops that autograd would track.
 */
import { isGradEnabled, Node } from "./autograd.ts";
import { MSG, TorchError } from "./errors.ts";
import { allocate } from "./dtype.ts";
import {
  contiguousStrides,
  hasInternalOverlap,
  isContiguousLayout,
  isNonOverlappingAndDense,
  type Layout,
  overlapStatus,
  scatterInto,
  stridedPositions,
} from "./strided.ts";
import { Tensor } from "./tensor.ts";

/** PyTorch's CreationMeta (the kinds the engine can make). */
export type ViewCreation = "default" | "no_grad" | "multi_output";

/** PyTorch's DifferentiableViewMeta. */
export interface ViewMeta {
  /** The root base: a view of a view has the first one's base. */
  base: Tensor;
  creation: ViewCreation;
  /** Which output of its op the view is (a chunk's index), for the error texts. */
  outputNr: number;
  /** The version when the grad_fn was last set: a newer one means a write happened since. */
  attrVersion: number;
}

export const VIEW_LEAF_INPLACE =
  "a view of a leaf Variable that requires grad is being used in an in-place operation.";

/**
 * Marks `out`, a tensor over `input`'s storage, as a view of input's root base (PyTorch's as_view).
 * `multiOutputNr` is the output number for ops that return several views.
 */
export function asView(input: Tensor, out: Tensor, multiOutputNr: number | null = null): Tensor {
  const prev = input.viewMeta;
  let creation: ViewCreation = !isGradEnabled()
    ? "no_grad"
    : multiOutputNr !== null
      ? "multi_output"
      : "default";
  // propagate_creation_meta: a plain view of a restricted view stays restricted
  if (prev && creation === "default") creation = prev.creation;
  out.viewMeta = {
    base: prev ? prev.base : input,
    creation,
    outputNr: multiOutputNr ?? 0,
    attrVersion: out.version,
  };
  return out;
}

/**
 * handle_view_on_rebase: the error for an in-place write through (or, `indirect`, next to) a view
 * that autograd cannot rebase, or null when it can.
 */
export function viewRebaseError(meta: ViewMeta, gradFn: Node | null, indirect: boolean): string | null {
  if (meta.creation === "default") return null;
  const modified = indirect ? "its base or another view of its base has been" : "is being";
  let msg: string;
  if (meta.creation === "no_grad" || !gradFn) {
    const prefix = gradFn
      ? `Output ${meta.outputNr} of ${gradFn.name} is a view of a view which was created in`
      : "A view was created in";
    msg = `${prefix} no_grad mode and ${modified} modified inplace with grad mode enabled.`;
  } else {
    msg = `Output ${meta.outputNr} of ${gradFn.name} is a view and ${modified} modified inplace.`;
  }
  if (meta.creation === "multi_output") {
    return `${msg} This view is the output of a function that returns multiple views. Such functions do not allow the output views to be modified inplace. You should replace the inplace operation by an out-of-place one.`;
  }
  return `${msg} Given that this use case is ambiguous and error-prone, it is forbidden. You can clarify your code by moving both the view and the inplace either both inside the no_grad block (if you don't want the inplace to be tracked) or both outside (if you want the inplace to be tracked).`;
}

/**
 * check_inplace: the errors of an in-place op on `t` when autograd would record it (`requiresGrad`:
 * some input requires grad).
 */
export function checkInplace(t: Tensor, requiresGrad: boolean): void {
  if (!requiresGrad || !isGradEnabled()) return;
  const meta = t.viewMeta;
  if (meta) {
    const error = viewRebaseError(meta, t.gradFnRaw, false);
    if (error) throw new TorchError("RuntimeError", error);
    if (t.requiresGrad && meta.base.isLeaf) throw new TorchError("RuntimeError", VIEW_LEAF_INPLACE);
  }
  if (t.requiresGrad && t.isLeaf) throw new TorchError("RuntimeError", MSG.leafInplace);
}

/** ATen's assert_no_internal_overlap: an expanded tensor cannot be written element by element. */
export function assertNoInternalOverlap(t: Tensor): void {
  if (hasInternalOverlap(t.shape, t.strides) === "yes") {
    throw new TorchError(
      "RuntimeError",
      "unsupported operation: more than one element of the written-to tensor refers to a single memory location. Please clone() the tensor before performing the operation.",
    );
  }
}

function layoutOf(t: Tensor): Layout {
  return { shape: t.shape, strides: t.strides, offset: t.storageOffset };
}

/** ATen's assert_no_partial_overlap: an input that shares some, not all, of the output's memory. */
export function assertNoPartialOverlap(out: Tensor, input: Tensor): void {
  if (out === input) return;
  if (out.storage !== input.storage && out.storage.data !== input.storage.data) return;
  if (overlapStatus(layoutOf(out), layoutOf(input)) === "partial") {
    throw new TorchError(
      "RuntimeError",
      "unsupported operation: some elements of the input tensor and the written-to tensor refer to a single memory location. Please clone() the tensor before performing the operation.",
    );
  }
}

/**
 * The row-major index in `base` of each element of `view` (both over one storage), from their
 * storage positions: how a grad of the base's shape is cut to the view's region.
 */
function indexInBase(base: Layout, view: Layout): Int32Array {
  const basePos = stridedPositions(base.shape, base.strides, base.offset);
  let maxPos = -1;
  for (let k = 0; k < basePos.length; k++) if (basePos[k] > maxPos) maxPos = basePos[k];
  const where = new Int32Array(maxPos + 1).fill(-1);
  for (let k = 0; k < basePos.length; k++) where[basePos[k]] = k;
  const viewPos = stridedPositions(view.shape, view.strides, view.offset);
  const out = new Int32Array(viewPos.length);
  for (let k = 0; k < viewPos.length; k++) {
    const i = viewPos[k] <= maxPos ? where[viewPos[k]] : -1;
    if (i < 0) throw new Error("a view reads storage its base does not cover");
    out[k] = i;
  }
  return out;
}

function edgeOf(t: Tensor): [Node | null, number] {
  return t.requiresGrad ? [t.gradFn ?? t.gradAccumulator(), 0] : [null, 0];
}

/** AsStridedBackward0: the grad of `view` scattered (summed where elements repeat) into its base's shape. */
export function asStridedBackward(view: Tensor, base: Tensor): Node {
  const baseLayout = layoutOf(base);
  const viewLayout = layoutOf(view);
  const baseShape = [...base.shape];
  return new Node("AsStridedBackward0", [edgeOf(base)], [], (g) => {
    const idx = indexInBase(baseLayout, viewLayout);
    const out = new Float32Array(base.numel());
    const gv = g.values;
    for (let k = 0; k < idx.length; k++) out[idx[k]] += gv[k];
    return [new Tensor(out, baseShape, "float32")];
  });
}

/**
 * CopySlices: the base's grad_fn after `fn`, an in-place op's node, wrote through `view`. Backward
 * runs fn on the view's region of the base's grad and puts fn's grad for its target back in that
 * region; fn's other grads go to its other inputs. Like PyTorch's, it releases fn after a backward,
 * so a second backward fails even when fn saves nothing.
 */
function copySlices(base: Tensor, view: Tensor, fn: Node): Node {
  const baseLayout = layoutOf(base);
  const viewLayout = layoutOf(view);
  const baseShape = [...base.shape];
  const viewShape = [...view.shape];
  const node: Node = new Node("CopySlices", [edgeOf(base), ...fn.nextFunctions.slice(1)], [], (g) => {
    if (node.released) throw new TorchError("RuntimeError", MSG.secondBackward);
    const idx = indexInBase(baseLayout, viewLayout);
    const result = Float32Array.from(g.values);
    const region = new Float32Array(idx.length);
    for (let k = 0; k < idx.length; k++) region[k] = result[idx[k]];
    const res = fn.apply(new Tensor(region, viewShape, "float32"));
    const grads: (Tensor | null)[] = [null];
    if (res[0]) {
      const r = res[0].values;
      for (let k = 0; k < idx.length; k++) result[idx[k]] = r[k];
      grads[0] = new Tensor(result, baseShape, "float32");
    }
    for (let i = 1; i < fn.nextFunctions.length; i++) grads.push(res[i] ?? null);
    return grads;
  });
  return node;
}

/**
 * rebase_history: after an in-place op wrote `t`, its new grad_fn is `node`; written through a view,
 * the base gets CopySlices around node and the view an AsStridedBackward0 from it.
 */
export function rebaseHistory(t: Tensor, node: Node): void {
  const meta = t.viewMeta;
  if (!meta) {
    t.setGradFn(node);
    return;
  }
  meta.base.setGradFn(copySlices(meta.base, t, node));
  // the version moved: reading the grad_fn makes the view's AsStridedBackward0 now, as PyTorch does
  void t.gradFn;
}

/**
 * AccumulateGrad's obeys_layout_contract: `grad` has the strides of `variable` where they matter (a
 * dense variable's, size-1 dims aside), or is row-major for a variable that is not dense.
 */
function obeysLayoutContract(grad: Tensor, variable: Tensor): boolean {
  if (!isNonOverlappingAndDense(variable.shape, variable.strides)) return grad.isContiguous();
  return grad.shape.every((size, d) =>
    size !== 1 ? grad.strides[d] === variable.strides[d] : grad.strides[d] !== 0,
  );
}

/** A copy of `src`'s elements (no autograd) in a new storage laid out with `strides` (dense). */
export function copyWithStrides(src: Tensor, strides: readonly number[]): Tensor {
  if (isContiguousLayout(src.shape, strides)) {
    return new Tensor(src.values.slice(), src.shape, src.dtype, strides);
  }
  const data = allocate(src.dtype, src.numel());
  scatterInto(data, src.values, src.shape, strides, 0);
  return new Tensor(data, src.shape, src.dtype, strides);
}

/**
 * The first `.grad` of `variable` from the incoming grad, with the strides PyTorch's AccumulateGrad
 * gives it: the incoming grad's own when they obey the layout contract (PyTorch steals that tensor;
 * here its elements are copied), else the variable's when it is dense, else row-major. Without a
 * variable (retain_grad), a row-major copy.
 */
export function copyInLayout(src: Tensor, variable: Tensor | null): Tensor {
  if (variable === null) return copyWithStrides(src, contiguousStrides(src.shape));
  if (obeysLayoutContract(src, variable)) return copyWithStrides(src, src.strides);
  return copyWithStrides(
    src,
    isNonOverlappingAndDense(variable.shape, variable.strides)
      ? variable.strides
      : contiguousStrides(src.shape),
  );
}
