import { AccumulateGrad, Node, isGradEnabled, noGrad, type SavedTensor } from "./autograd.ts";
import { emit, silently } from "./events.ts";
import { TorchError } from "./errors.ts";
import { castValue } from "./dtype.ts";
import type { Tensor } from "./tensor.ts";
import { broadcastShapes, sameShape } from "./shape.ts";
import { pointwiseStrides } from "./strided.ts";
import {
  assertNoInternalOverlap,
  assertNoPartialOverlap,
  checkInplace,
  copyWithStrides,
  rebaseHistory,
} from "./views.ts";

/** What a backward function sees: the op's inputs, output and attributes. */
export interface OpContext<A> {
  inputs: Tensor[];
  out: Tensor;
  attrs: A;
}

/**
 * One op: its forward and, right beside it, its backward (tfjs-core's gradient registry; micrograd's
 * forward-beside-backward). `forward` computes a fresh tensor from plain data; it may use other ops,
 * which run silently and untracked.
 */
export interface OpDef<A = Record<string, unknown>> {
  /** The op's name in the trace (`mul`, `sum`, `matmul`, ...). Unique. */
  name: string;
  /** PyTorch's grad_fn name for this call (`MulBackward0`); a function when it depends on the call. */
  gradFn: string | ((inputs: Tensor[], attrs: A) => string);
  forward: (inputs: Tensor[], attrs: A) => Tensor;
  /** Grads of the inputs from the output's grad. Omitted for ops that are not differentiable. */
  backward?: (grad: Tensor, ctx: OpContext<A>, needsInputGrad: boolean[]) => (Tensor | null)[];
  /**
   * The backward as differentiable ops, PyTorch's formula op for op (so the grads' grad_fns are
   * PyTorch's): what `torch.autograd.grad(..., create_graph=True)` runs. Omitted: no higher order.
   */
  diffBackward?: (grad: Tensor, ctx: OpContext<A>, needsInputGrad: boolean[]) => (Tensor | null)[];
  /**
   * Which tensors PyTorch saves for backward: they are version-checked and make a second backward
   * fail. Default: all inputs.
   */
  saves?: (ctx: OpContext<A>, needsInputGrad: boolean[]) => { inputs: number[]; output: boolean };
}

/**
 * The op table. Reached through a hoisted function, not a module-level const, because op modules
 * register at import time and may be reached through an import cycle before this module's body ran.
 */
function opTable(): Map<string, OpDef<any>> {
  const holder = opTable as { table?: Map<string, OpDef<any>> };
  return (holder.table ??= new Map());
}

export function registeredOps(): string[] {
  return [...opTable().keys()];
}

export function getOp(name: string): OpDef<any> {
  const def = opTable().get(name);
  if (!def) throw new TorchError("NotImplementedError", `gradlens does not support the op '${name}' yet`);
  return def;
}

/** Registers an op and returns the function that runs it with autograd and recording. */
export function defineOp<A = Record<string, unknown>>(def: OpDef<A>): (inputs: Tensor[], attrs: A) => Tensor {
  if (opTable().has(def.name)) throw new Error(`op '${def.name}' is registered twice`);
  opTable().set(def.name, def);
  return (inputs, attrs) => runOp(def, inputs, attrs);
}

function edgeOf(t: Tensor): [Node | null, number] {
  if (!t.requiresGrad) return [null, 0];
  return [t.gradFn ?? t.gradAccumulator(), 0];
}

/** `edgeInputs`: the tensors the grads flow to, when they differ from ctx.inputs (an in-place op's target). */
function makeNode<A>(def: OpDef<A>, ctx: OpContext<A>, outIsSelf = false, edgeInputs = ctx.inputs): Node {
  const { inputs, attrs } = ctx;
  const nextFunctions = edgeInputs.map(edgeOf);
  const needs = nextFunctions.map(([n]) => n !== null);
  const which = def.saves ? def.saves(ctx, needs) : { inputs: inputs.map((_, i) => i), output: false };
  // A wrapped Python number counts as saved too: it is what makes a second `(x * 3.0).backward()` fail.
  const saved: SavedTensor[] = which.inputs.map((i) => ({
    tensor: inputs[i],
    version: inputs[i].version,
    isOutput: false,
  }));
  if (which.output && !outIsSelf) saved.push({ tensor: ctx.out, version: ctx.out.version, isOutput: true });
  const backward = def.backward;
  if (!backward) throw new TorchError("RuntimeError", `gradlens has no gradient for op '${def.name}'`);
  const name = typeof def.gradFn === "string" ? def.gradFn : def.gradFn(inputs, attrs);
  const node = new Node(name, nextFunctions, saved, (g, n) => backward(g, ctx, n));
  const diff = def.diffBackward;
  if (diff) node.diffBackwardFn = (g, n) => diff(g, ctx, n);
  return node;
}

function needsGrad(def: OpDef<any>, inputs: Tensor[]): boolean {
  return isGradEnabled() && def.backward !== undefined && inputs.some((t) => t.requiresGrad);
}

/**
 * Ops ATen runs through TensorIterator with a fresh output (pointwise math, comparisons, the
 * pointwise activations and unreduced losses, dtype copies): their output takes the layout of their
 * inputs (`x.t().sin()` is transposed too). The others' outputs are row-major, as PyTorch's are
 * (softmax, reductions, matmul, cat, masked_fill's contiguous clone, ...).
 */
const TENSOR_ITERATOR_OPS = new Set([
  ...["neg", "abs", "sqrt", "exp", "log", "sin", "cos", "tan", "tanh", "sigmoid", "relu", "reciprocal"],
  ...["add", "sub", "rsub", "mul", "div", "pow", "pow_tensor", "clamp", "maximum", "minimum"],
  ...["eq", "ne", "lt", "le", "gt", "ge", "mul.Scalar", "div.Scalar", "where", "floor_divide", "remainder"],
  ...["leaky_relu", "gelu", "softplus", "elu", "silu", "hardtanh", "mse_loss", "binary_cross_entropy"],
  "_to_copy",
]);

/** The op's row-major result laid out as TensorIterator would allocate it. */
function withIteratorLayout(out: Tensor, inputs: Tensor[]): Tensor {
  if (inputs.every((t) => t.isContiguous()) || !out.isContiguous() || inputs.includes(out)) return out;
  let shape: number[] = [];
  for (const t of inputs) shape = broadcastShapes(shape, t.shape);
  if (!sameShape(shape, out.shape)) return out;
  const strides = pointwiseStrides(
    shape,
    inputs.map((t) => ({ shape: t.shape, strides: t.strides, offset: t.storageOffset })),
  );
  return strides ? copyWithStrides(out, strides) : out;
}

export function runOp<A>(def: OpDef<A>, inputs: Tensor[], attrs: A): Tensor {
  const result = silently(() => noGrad(() => def.forward(inputs, attrs)));
  const out = TENSOR_ITERATOR_OPS.has(def.name) ? withIteratorLayout(result, inputs) : result;
  let node: Node | null = null;
  if (needsGrad(def, inputs)) {
    node = makeNode(def, { inputs, out, attrs });
    out.setGradFn(node);
  }
  emit({ kind: "op", op: def.name, out, inputs, attrs: attrs as Record<string, unknown>, gradFn: node });
  return out;
}

/** In-place ops that may write an expanded tensor (ATen builds their iterators without the overlap check). */
const OVERLAP_UNCHECKED = new Set(["fill", "zero", "masked_fill"]);

/**
 * An in-place op (`a.add_(b)`): computes `def` on [target, ...others], writes the result into
 * target's elements (through to its base when target is a view), bumps the shared version and, when
 * grad is tracked, rebases target's history (a view's base gets CopySlices).
 */
export function runInplace<A>(
  def: OpDef<A>,
  target: Tensor,
  others: Tensor[],
  attrs: A,
  opName: string,
): Tensor {
  const inputs = [target, ...others];
  checkInplace(
    target,
    inputs.some((t) => t.requiresGrad),
  );
  if (!OVERLAP_UNCHECKED.has(def.name)) {
    assertNoInternalOverlap(target);
    for (const t of others) assertNoPartialOverlap(target, t);
  }
  const result = silently(() => noGrad(() => def.forward(inputs, attrs)));
  if (result.numel() !== target.numel()) {
    throw new TorchError(
      "RuntimeError",
      `output with shape [${target.shape.join(", ")}] doesn't match the broadcast shape [${result.shape.join(", ")}]`,
    );
  }
  if (result.dtype === "float32" && target.dtype !== "float32") {
    const name = (d: string) => (d === "int64" ? "Long" : d === "bool" ? "Bool" : "Float");
    throw new TorchError(
      "RuntimeError",
      `result type ${name(result.dtype)} can't be cast to the desired output type ${name(target.dtype)}`,
    );
  }
  let node: Node | null = null;
  if (needsGrad(def, inputs)) {
    // The backward of an in-place op sees the target's value from before the write.
    const before = silently(() => noGrad(() => target.detach().clone()));
    // the target's edge decides what is saved (`a.mul_(b)` saves b for a's grad), not the clone's
    node = makeNode(def, { inputs: [before, ...others], out: target, attrs }, true, inputs);
  }
  const src = result.values;
  target.writeValues(
    result.dtype === target.dtype ? src : Array.from(src, (v) => castValue(target.dtype, v)),
  );
  target.bumpVersion();
  if (node) rebaseHistory(target, node);
  emit({
    kind: "inplace",
    op: opName,
    tensor: target,
    inputs: others,
    attrs: attrs as Record<string, unknown>,
    // target's new grad_fn: the node itself, or for a view AsStridedBackward0 from the base's CopySlices
    gradFn: node ? target.gradFnRaw : null,
  });
  return target;
}

export { AccumulateGrad };
