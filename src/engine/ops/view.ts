/**
 * Shape ops and indexing, with PyTorch 2.x's grad_fn names and PyTorch's layouts. The ops PyTorch
 * makes as views (view, reshape of a viewable tensor, flatten, squeeze, unsqueeze, permute, transpose,
 * t, expand, select, slice, narrow, split, chunk, unbind, alias) return tensors over the input's
 * storage with PyTorch's strides and storage offset, marked as views of the input's base: in-place
 * writes show through (CopySlices on the base), the version counter is shared, and view() refuses
 * what PyTorch's computeStride refuses. The others (repeat, cat, stack, clone, indexing with
 * tensors) copy.
 */
import { isGradEnabled, Node, noGrad, type SavedTensor } from "../autograd.ts";
import { allocate, castValue, legacyTypeName, type Storage } from "../dtype.ts";
import { TorchError } from "../errors.ts";
import { emit, silently } from "../events.ts";
import { castTo, resultType, sumToShape } from "../kernels.ts";
import { defineOp } from "../registry.ts";
import {
  broadcastIndexMap,
  formatShape,
  normalizeDim,
  numel,
  sameShape,
  type Shape,
  stridesOf,
} from "../shape.ts";
import {
  computeStride,
  contiguousStrides,
  gatherInto,
  preservedStrides,
  stridedPositions,
} from "../strided.ts";
import { Tensor } from "../tensor.ts";
import {
  assertNoInternalOverlap,
  assertNoPartialOverlap,
  asView,
  checkInplace,
  copyWithStrides,
  rebaseHistory,
} from "../views.ts";

type NoAttrs = Record<string, never>;

// ---------------------------------------------------------------------------------------------
// Layout helpers

/** `a`'s storage seen with another geometry: what a view op's forward returns. */
function restride(a: Tensor, shape: Shape, strides: readonly number[], offset: number): Tensor {
  return new Tensor(a.storage, shape, a.dtype, strides, offset);
}

/** A new row-major tensor of the elements (shape, strides, offset) of `a`'s row-major `values`. */
function gatherLogical(a: Tensor, shape: Shape, strides: readonly number[], offset: number): Tensor {
  const out = allocate(a.dtype, numel(shape));
  gatherInto(a.values, out, shape, strides, offset);
  return new Tensor(out, shape, a.dtype);
}

/** A float32 tensor of `shape`, zero but at `pos`, where it holds the grad `g` (added, for repeats). */
function scatterGrad(g: Tensor, shape: Shape, pos: Int32Array): Tensor {
  const out = new Float32Array(numel(shape));
  const gv = g.values;
  for (let k = 0; k < pos.length; k++) out[pos[k]] += gv[k];
  return new Tensor(out, shape, "float32");
}

/** `g.reshape(shape)` without autograd: a view of g when its layout allows, else a row-major copy. */
function reshapeData(g: Tensor, shape: Shape): Tensor {
  // even to the same shape: computeStride may give size-1 dims other strides, as PyTorch's does
  const strides = computeStride(g.shape, g.strides, shape);
  return strides
    ? restride(g, shape, strides, g.storageOffset)
    : new Tensor(g.values.slice(), shape, g.dtype);
}

function noSaves() {
  return { inputs: [], output: false };
}

// ---------------------------------------------------------------------------------------------
// view / reshape / flatten / _unsafe_view: the same elements, another shape

/** ATen's infer_size: resolves one -1, with PyTorch's error texts. */
export function inferSize(shape: readonly number[], n: number): number[] {
  const res = [...shape];
  let newsize = 1;
  let inferDim = -1;
  for (let d = 0; d < shape.length; d++) {
    const s = shape[d];
    if (s === -1) {
      if (inferDim >= 0) throw new TorchError("RuntimeError", "only one dimension can be inferred");
      inferDim = d;
    } else if (s >= 0 && Number.isInteger(s)) {
      newsize *= s;
    } else {
      throw new TorchError("RuntimeError", `invalid shape dimension ${s}`);
    }
  }
  if (n === newsize || (inferDim >= 0 && newsize > 0 && n % newsize === 0)) {
    if (inferDim >= 0) {
      if (newsize === 0) {
        throw new TorchError(
          "RuntimeError",
          `cannot reshape tensor of 0 elements into shape ${formatShape(shape)} because the unspecified dimension size -1 can be any value and is ambiguous`,
        );
      }
      res[inferDim] = n / newsize;
    }
    return res;
  }
  throw new TorchError("RuntimeError", `shape '${formatShape(shape)}' is invalid for input of size ${n}`);
}

const VIEW_INCOMPATIBLE =
  "view size is not compatible with input tensor's size and stride (at least one dimension spans across two contiguous subspaces). Use .reshape(...) instead.";

/** A view op with another shape: the strides come from computeStride (checked by the caller). */
function reshapeViewOp(name: string, gradFn: string) {
  return defineOp<{ shape: number[]; strides: number[] }>({
    name,
    gradFn,
    forward: ([a], { shape, strides }) => restride(a, shape, strides, a.storageOffset),
    backward: (g, { inputs: [a] }) => [reshapeData(g, a.shape)],
    saves: noSaves,
  });
}
const runView = reshapeViewOp("view", "ViewBackward0");
// reshape of a viewable tensor is a view: PyTorch 2.x prints ViewBackward0 (1.13: ReshapeAliasBackward0)
const runReshape = reshapeViewOp("reshape", "ViewBackward0");
const runFlatten = reshapeViewOp("flatten", "ViewBackward0");

// _unsafe_view shares the storage but is no view for autograd (its input is a fresh copy)
const runUnsafeView = defineOp<{ shape: number[] }>({
  name: "_unsafe_view",
  gradFn: "UnsafeViewBackward0",
  forward: ([a], { shape }) => reshapeData(a, shape),
  backward: (g, { inputs: [a] }) => [reshapeData(g, a.shape)],
  saves: noSaves,
});

/** `a.view(shape)`: ViewBackward0, over a's storage; PyTorch's error when the strides cannot allow it. */
export function view(a: Tensor, shape: readonly number[]): Tensor {
  const size = inferSize(shape, a.numel());
  const strides = computeStride(a.shape, a.strides, size);
  if (!strides) throw new TorchError("RuntimeError", VIEW_INCOMPATIBLE);
  return asView(a, runView([a], { shape: size, strides }));
}

/**
 * `a.reshape(shape)`: a view when computeStride allows it (ViewBackward0 in PyTorch 2.x), else a
 * row-major copy: clone + _unsafe_view (CloneBackward0, UnsafeViewBackward0), as ATen's reshape.
 */
export function reshape(a: Tensor, shape: readonly number[]): Tensor {
  return reshapeAs(a, inferSize(shape, a.numel()), runReshape);
}

function reshapeAs(a: Tensor, size: number[], run: typeof runReshape): Tensor {
  const strides = computeStride(a.shape, a.strides, size);
  if (strides) return asView(a, run([a], { shape: size, strides }));
  return runUnsafeView([contiguousClone(a)], { shape: size });
}

/** ATen's `_unsafe_view` (UnsafeViewBackward0), which matmul uses to unfold a batch. */
export function unsafeView(a: Tensor, shape: readonly number[]): Tensor {
  return runUnsafeView([a], { shape: inferSize(shape, a.numel()) });
}

/** `a.flatten(start, end)`: a reshape; returns `a` itself when there is nothing to merge. */
export function flatten(a: Tensor, startDim = 0, endDim = -1): Tensor {
  const start = normalizeDim(startDim, a.dim());
  const end = normalizeDim(endDim, a.dim());
  if (start > end) {
    throw new TorchError("RuntimeError", "flatten() has invalid args: start_dim cannot come after end_dim");
  }
  if (a.dim() === 0) return reshapeAs(a, [1], runFlatten);
  if (start === end) return a;
  const shape = [...a.shape.slice(0, start), numel(a.shape.slice(start, end + 1)), ...a.shape.slice(end + 1)];
  return reshapeAs(a, shape, runFlatten);
}

/** `a.contiguous()`: `a` itself when contiguous (as PyTorch returns self), else a row-major clone. */
export function contiguous(a: Tensor): Tensor {
  return a.isContiguous() ? a : contiguousClone(a);
}

/** `a.is_contiguous()`. */
export function isContiguous(a: Tensor): boolean {
  return a.isContiguous();
}

// ---------------------------------------------------------------------------------------------
// squeeze / unsqueeze / alias

const runSqueeze = defineOp<{ dims: number[] | null; gradFn: string }>({
  name: "squeeze",
  gradFn: (_inputs, { gradFn }) => gradFn,
  forward: ([a], { dims }) => {
    const keep = a.shape.map((s, d) => !(s === 1 && (dims === null || dims.includes(d))));
    return restride(
      a,
      a.shape.filter((_, d) => keep[d]),
      a.strides.filter((_, d) => keep[d]),
      a.storageOffset,
    );
  },
  backward: (g, { inputs: [a] }) => [reshapeData(g, a.shape)],
  saves: noSaves,
});

/** `a.squeeze()`, `a.squeeze(dim)` or `a.squeeze([dims])`: drops size-1 dims (a view). */
export function squeeze(a: Tensor, dim?: number | number[] | null): Tensor {
  // PyTorch 2.x numbering: squeeze() 0, squeeze(dim) 1, squeeze(dims) 2
  if (dim === undefined || dim === null)
    return asView(a, runSqueeze([a], { dims: null, gradFn: "SqueezeBackward0" }));
  if (typeof dim === "number")
    return asView(a, runSqueeze([a], { dims: [normalizeDim(dim, a.dim())], gradFn: "SqueezeBackward1" }));
  const dims = [...new Set(dim.map((d) => normalizeDim(d, a.dim())))];
  return asView(a, runSqueeze([a], { dims, gradFn: "SqueezeBackward2" }));
}

/**
 * ATen's in-place `squeeze_(dim)` as matmul applies it to a fresh mm result (SqueezeBackward4 in 2.x,
 * SqueezeBackward3 in 1.13). Shapes are immutable here, so this returns a tensor sharing the storage
 * (not a view: in PyTorch it is the same tensor).
 */
export function squeezeInplace(a: Tensor, dim: number): Tensor {
  return runSqueeze([a], { dims: [normalizeDim(dim, a.dim())], gradFn: "SqueezeBackward4" });
}

/** ATen's unsqueeze geometry: the new dim's stride is the size × stride of the dim it precedes. */
function unsqueezeGeometry(a: Tensor, dim: number) {
  const stride = dim >= a.dim() ? 1 : a.shape[dim] * a.strides[dim];
  return {
    shape: [...a.shape.slice(0, dim), 1, ...a.shape.slice(dim)],
    strides: [...a.strides.slice(0, dim), stride, ...a.strides.slice(dim)],
  };
}

const runUnsqueeze = defineOp<{ dim: number }>({
  name: "unsqueeze",
  gradFn: "UnsqueezeBackward0",
  forward: ([a], { dim }) => {
    const { shape, strides } = unsqueezeGeometry(a, dim);
    return restride(a, shape, strides, a.storageOffset);
  },
  backward: (g, { inputs: [a] }) => [reshapeData(g, a.shape)],
  saves: noSaves,
});

/** `a.unsqueeze(dim)`: UnsqueezeBackward0 (a view). */
export function unsqueeze(a: Tensor, dim: number): Tensor {
  return asView(a, runUnsqueeze([a], { dim: normalizeDim(dim, a.dim() + 1) }));
}

const runAlias = defineOp<NoAttrs>({
  name: "alias",
  gradFn: "AliasBackward0",
  forward: ([a]) => restride(a, a.shape, a.strides, a.storageOffset),
  backward: (g) => [g],
  saves: noSaves,
});

/** `a[...]`: a new tensor over the same storage (AliasBackward0). */
export function alias(a: Tensor): Tensor {
  return asView(a, runAlias([a], {}));
}

// ---------------------------------------------------------------------------------------------
// transposes and permutations (views with permuted strides)

/** `a` with its dims reordered: dim i of the result is dim `dims[i]` of a (no autograd). */
function permuted(a: Tensor, dims: readonly number[]): Tensor {
  return restride(
    a,
    dims.map((d) => a.shape[d]),
    dims.map((d) => a.strides[d]),
    a.storageOffset,
  );
}

function inversePermutation(dims: readonly number[]): number[] {
  const inv = new Array<number>(dims.length);
  dims.forEach((d, i) => (inv[d] = i));
  return inv;
}

function swapDims(rank: number, d0: number, d1: number): number[] {
  const dims = Array.from({ length: rank }, (_, i) => i);
  dims[d0] = d1;
  dims[d1] = d0;
  return dims;
}

const runPermute = defineOp<{ dims: number[] }>({
  name: "permute",
  gradFn: "PermuteBackward0",
  forward: ([a], { dims }) => permuted(a, dims),
  backward: (g, { attrs: { dims } }) => [permuted(g, inversePermutation(dims))],
  saves: noSaves,
});

/** `a.permute(dims)`: PermuteBackward0. */
export function permute(a: Tensor, dims: readonly number[]): Tensor {
  const n = a.dim();
  if (dims.length !== n) {
    throw new TorchError(
      "RuntimeError",
      `permute(sparse_coo): number of dimensions in the tensor input does not match the length of the desired ordering of dimensions i.e. input.dim() = ${n} is not equal to len(dims) = ${dims.length}`,
    );
  }
  const seen = new Array<boolean>(n).fill(false);
  const wrapped = dims.map((d) => {
    const w = normalizeDim(d, n);
    if (seen[w]) throw new TorchError("RuntimeError", "permute(): duplicate dims are not allowed.");
    seen[w] = true;
    return w;
  });
  return asView(a, runPermute([a], { dims: wrapped }));
}

const runTranspose = defineOp<{ dim0: number; dim1: number }>({
  name: "transpose",
  gradFn: "TransposeBackward0",
  forward: ([a], { dim0, dim1 }) => permuted(a, swapDims(a.dim(), dim0, dim1)),
  backward: (g, { attrs: { dim0, dim1 } }) => [permuted(g, swapDims(g.dim(), dim0, dim1))],
  saves: noSaves,
});

/** `a.transpose(dim0, dim1)`: TransposeBackward0 (even when dim0 == dim1, as in PyTorch). */
export function transpose(a: Tensor, dim0: number, dim1: number): Tensor {
  return asView(
    a,
    runTranspose([a], { dim0: normalizeDim(dim0, a.dim()), dim1: normalizeDim(dim1, a.dim()) }),
  );
}

const runT = defineOp<NoAttrs>({
  name: "t",
  gradFn: "TBackward0",
  forward: ([a]) => (a.dim() < 2 ? restride(a, a.shape, a.strides, a.storageOffset) : permuted(a, [1, 0])),
  backward: (g) => [g.dim() < 2 ? g : permuted(g, [1, 0])],
  saves: noSaves,
});

/** `a.t()`: TBackward0; only for tensors of at most 2 dims. */
export function t(a: Tensor): Tensor {
  if (a.dim() > 2) {
    throw new TorchError(
      "RuntimeError",
      `t() expects a tensor with <= 2 dimensions, but self is ${a.dim()}D`,
    );
  }
  return asView(a, runT([a], {}));
}

// TORCH_WARN_ONCE: once per process, i.e. once per program run here
let warnedNumpyT = false;
let warnedNumpyT0 = false;

/** Forgets the once-per-process warnings already given (call when a new program starts). */
export function resetWarnOnce(): void {
  warnedNumpyT = false;
  warnedNumpyT0 = false;
}

/** `a.T`: reverses all dims (PermuteBackward0), with PyTorch 2.x's once-per-process deprecation warnings. */
export function numpyT(a: Tensor): Tensor {
  const n = a.dim();
  if (n !== 2 && n !== 0 && !warnedNumpyT) {
    warnedNumpyT = true;
    emit({
      kind: "warning",
      category: "UserWarning",
      message:
        "The use of `x.T` on tensors of dimension other than 2 to reverse their shape is deprecated and it will throw an error in a future release. Consider `x.mT` to transpose batches of matrices or `x.permute(*torch.arange(x.ndim - 1, -1, -1))` to reverse the dimensions of a tensor.",
    });
  }
  if (n === 0 && !warnedNumpyT0) {
    warnedNumpyT0 = true;
    emit({
      kind: "warning",
      category: "UserWarning",
      message: "Tensor.T is deprecated on 0-D tensors. This function is the identity in these cases.",
    });
  }
  return permute(
    a,
    Array.from({ length: n }, (_, i) => n - 1 - i),
  );
}

/** `a.mT`: swaps the last two dims (TransposeBackward0). */
export function mT(a: Tensor): Tensor {
  if (a.dim() < 2) {
    throw new TorchError(
      "RuntimeError",
      `tensor.mT is only supported on matrices or batches of matrices. Got ${a.dim()}-D tensor.`,
    );
  }
  return transpose(a, -2, -1);
}

// ---------------------------------------------------------------------------------------------
// expand / repeat / clone

/**
 * ATen's inferExpandGeometry: the expanded sizes and strides (0 on broadcast dims) for a tensor of
 * `inShape` with `inStrides`, with PyTorch's error texts.
 */
export function expandGeometry(
  inShape: Shape,
  inStrides: readonly number[],
  sizes: readonly number[],
): { shape: number[]; strides: number[] } {
  const ndim = sizes.length;
  const tdim = inShape.length;
  const shape = new Array<number>(ndim);
  const strides = new Array<number>(ndim);
  for (let i = ndim - 1; i >= 0; i--) {
    const offset = ndim - 1 - i;
    const dim = tdim - 1 - offset;
    let size = dim >= 0 ? inShape[dim] : 1;
    // a new leading dim takes the size × stride of the next one (ATen reads past the end for the
    // last dim of a 0-dim tensor, where PyTorch shows 0)
    let stride = dim >= 0 ? inStrides[dim] : i + 1 < ndim ? shape[i + 1] * strides[i + 1] : 0;
    let target = sizes[i];
    if (target === -1) {
      if (dim < 0) {
        throw new TorchError(
          "RuntimeError",
          `The expanded size of the tensor (-1) isn't allowed in a leading, non-existing dimension ${i}`,
        );
      }
      target = size;
    }
    if (size !== target) {
      if (size !== 1) {
        throw new TorchError(
          "RuntimeError",
          `The expanded size of the tensor (${target}) must match the existing size (${size}) at non-singleton dimension ${i}.  Target sizes: ${formatShape(sizes)}.  Tensor sizes: ${formatShape(inShape)}`,
        );
      }
      size = target;
      stride = 0;
    }
    shape[i] = size;
    strides[i] = stride;
  }
  return { shape, strides };
}

const runExpand = defineOp<{ shape: number[] }>({
  name: "expand",
  gradFn: "ExpandBackward0",
  forward: ([a], { shape }) =>
    restride(a, shape, expandGeometry(a.shape, a.strides, shape).strides, a.storageOffset),
  backward: (g, { inputs: [a] }) => [sumToShape(g, a.shape)],
  saves: noSaves,
});

/** `a.expand(shape)`: ExpandBackward0; -1 keeps a dim. */
export function expand(a: Tensor, shape: readonly number[]): Tensor {
  if (shape.length < a.dim()) {
    throw new TorchError(
      "RuntimeError",
      `expand(${legacyTypeName(a.dtype)}{${formatShape(a.shape)}}, size=${formatShape(shape)}): the number of sizes provided (${shape.length}) must be greater or equal to the number of dimensions in the tensor (${a.dim()})`,
    );
  }
  return asView(a, runExpand([a], { shape: expandGeometry(a.shape, a.strides, shape).shape }));
}

/** Positions of a tensor of `inShape` read by each element of its repeat to `outShape`. */
function repeatPositions(inShape: Shape, repeats: readonly number[]): { shape: number[]; pos: Int32Array } {
  const padded = [...new Array<number>(repeats.length - inShape.length).fill(1), ...inShape];
  const inStrides = stridesOf(padded);
  // view the output as [r0, s0, r1, s1, ...]: the repeat index has stride 0 in the source
  const split: number[] = [];
  const strides: number[] = [];
  padded.forEach((s, d) => {
    split.push(repeats[d], s);
    strides.push(0, inStrides[d]);
  });
  return { shape: padded.map((s, d) => s * repeats[d]), pos: stridedPositions(split, strides, 0) };
}

const runRepeat = defineOp<{ repeats: number[] }>({
  name: "repeat",
  gradFn: "RepeatBackward0",
  forward: ([a], { repeats }) => {
    const { shape, pos } = repeatPositions(a.shape, repeats);
    const out = allocate(a.dtype, pos.length);
    const src = a.values;
    for (let k = 0; k < pos.length; k++) out[k] = src[pos[k]];
    return new Tensor(out, shape, a.dtype);
  },
  backward: (g, { inputs: [a], attrs: { repeats } }) => {
    const { pos } = repeatPositions(a.shape, repeats);
    return [scatterGrad(g, a.shape, pos)];
  },
  saves: noSaves,
});

/** `a.repeat(repeats)`: tiles the tensor (RepeatBackward0). */
export function repeat(a: Tensor, repeats: readonly number[]): Tensor {
  if (repeats.length < a.dim()) {
    throw new TorchError(
      "RuntimeError",
      "Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor",
    );
  }
  const bad = repeats.find((r) => r < 0);
  if (bad !== undefined) {
    const padded = [...new Array<number>(repeats.length - a.dim()).fill(1), ...a.shape];
    throw new TorchError(
      "RuntimeError",
      `Trying to create tensor with negative dimension ${bad}: ${formatShape(padded.map((s, d) => s * repeats[d]))}`,
    );
  }
  return runRepeat([a], { repeats: [...repeats] });
}

const runClone = defineOp<{ contiguous?: boolean }>({
  name: "clone",
  gradFn: "CloneBackward0",
  // memory_format: preserve keeps a dense layout (a transpose's clone is transposed), else row-major
  forward: ([a], { contiguous }) =>
    copyWithStrides(a, contiguous ? contiguousStrides(a.shape) : preservedStrides(a.shape, a.strides)),
  backward: (g) => [g],
  saves: noSaves,
});

/** `a.clone()`: a copy with its own storage (CloneBackward0), in a's layout when that is dense. */
export function clone(a: Tensor): Tensor {
  return runClone([a], {});
}

/** `a.clone(memory_format=torch.contiguous_format)`: what contiguous() and reshape copy with. */
function contiguousClone(a: Tensor): Tensor {
  return runClone([a], { contiguous: true });
}

// ---------------------------------------------------------------------------------------------
// cat / stack / split / chunk

/** Copies `src` (shape with `dim` of size len) into `dst` at offset `at` along `dim`. */
function copyAlong(
  dst: Storage,
  dstDimSize: number,
  src: Storage,
  shape: Shape,
  dim: number,
  at: number,
): void {
  const outer = numel(shape.slice(0, dim));
  const inner = numel(shape.slice(dim + 1));
  const len = shape[dim] * inner;
  const dstRow = dstDimSize * inner;
  for (let o = 0; o < outer; o++) {
    const from = o * len;
    const to = o * dstRow + at * inner;
    for (let i = 0; i < len; i++) dst[to + i] = src[from + i];
  }
}

/** The part [start, start + len) along `dim` of a contiguous tensor, as a new tensor. */
function narrowData(a: Tensor, dim: number, start: number, len: number): Tensor {
  const strides = stridesOf(a.shape);
  const shape = [...a.shape];
  shape[dim] = len;
  return gatherLogical(a, shape, strides, start * strides[dim]);
}

/** Legacy rule kept by PyTorch: 1-D empty tensors are skipped by cat. */
function catSkips(t: Tensor): boolean {
  return t.dim() === 1 && t.shape[0] === 0;
}

const runCat = defineOp<{ dim: number }>({
  name: "cat",
  gradFn: "CatBackward0",
  forward: (inputs, { dim }) => {
    const dtype = resultType(...inputs);
    const parts = inputs.filter((t) => !catSkips(t));
    if (parts.length === 0) return new Tensor(allocate(dtype, 0), [0], dtype);
    const shape = [...parts[0].shape];
    shape[dim] = parts.reduce((s, t) => s + t.shape[dim], 0);
    const out = allocate(dtype, numel(shape));
    let at = 0;
    for (const t of parts) {
      const src = t.dtype === dtype ? t.values : Float64Array.from(t.values, (v) => castValue(dtype, v));
      copyAlong(out, shape[dim], src, t.shape, dim, at);
      at += t.shape[dim];
    }
    return new Tensor(out, shape, dtype);
  },
  backward: (g, { inputs, attrs: { dim } }, needs) => {
    let at = 0;
    return inputs.map((t, i) => {
      if (catSkips(t)) return needs[i] ? new Tensor(new Float32Array(0), [0], "float32") : null;
      const len = t.shape[dim];
      const part = needs[i] ? narrowData(g, dim, at, len) : null;
      at += len;
      return part;
    });
  },
  saves: noSaves,
});

/** cat's shape checks over the tensors that are not skipped, with PyTorch's texts. */
function checkCatShapes(shapes: readonly Shape[], dim: number): void {
  const first = shapes.find((s) => !(s.length === 1 && s[0] === 0));
  if (!first) return;
  shapes.forEach((s, i) => {
    if (s.length === 1 && s[0] === 0) return;
    if (s.length !== first.length) {
      throw new TorchError(
        "RuntimeError",
        `Tensors must have same number of dimensions: got ${first.length} and ${s.length}`,
      );
    }
    for (let d = 0; d < first.length; d++) {
      if (d !== dim && s[d] !== first[d]) {
        throw new TorchError(
          "RuntimeError",
          `Sizes of tensors must match except in dimension ${dim}. Expected size ${first[d]} but got size ${s[d]} for tensor number ${i} in the list.`,
        );
      }
    }
  });
}

/** `torch.cat(tensors, dim)`: CatBackward0, with PyTorch's checks and dtype promotion. */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  tensors.forEach((t, i) => {
    if (t.dim() === 0) {
      throw new TorchError(
        "RuntimeError",
        `zero-dimensional tensor (at position ${i}) cannot be concatenated`,
      );
    }
  });
  const first = tensors.find((t) => !catSkips(t));
  const wrapped = first ? normalizeDim(dim, first.dim()) : dim;
  if (tensors.length === 0)
    throw new TorchError("RuntimeError", "torch.cat(): expected a non-empty list of Tensors");
  checkCatShapes(
    tensors.map((t) => t.shape),
    wrapped,
  );
  return runCat([...tensors], { dim: wrapped });
}

const runStack = defineOp<{ dim: number }>({
  name: "stack",
  gradFn: "StackBackward0",
  forward: (inputs, { dim }) => {
    const dtype = resultType(...inputs);
    const inShape = inputs[0].shape;
    const shape = [...inShape.slice(0, dim), inputs.length, ...inShape.slice(dim)];
    const out = allocate(dtype, numel(shape));
    const unit = [...inShape.slice(0, dim), 1, ...inShape.slice(dim)];
    inputs.forEach((t, i) => {
      const src = t.dtype === dtype ? t.values : Float64Array.from(t.values, (v) => castValue(dtype, v));
      copyAlong(out, inputs.length, src, unit, dim, i);
    });
    return new Tensor(out, shape, dtype);
  },
  backward: (g, { inputs, attrs: { dim } }, needs) =>
    inputs.map((t, i) => (needs[i] ? reshapeData(narrowData(g, dim, i, 1), t.shape) : null)),
  saves: noSaves,
});

/** `torch.stack(tensors, dim)`: StackBackward0. */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new TorchError("RuntimeError", "stack expects a non-empty TensorList");
  const first = tensors[0];
  const wrapped = normalizeDim(dim, first.dim() + 1);
  tensors.forEach((t, i) => {
    if (i > 0 && !sameShape(t.shape, first.shape)) {
      throw new TorchError(
        "RuntimeError",
        `stack expects each tensor to be equal size, but got ${formatShape(first.shape)} at entry 0 and ${formatShape(t.shape)} at entry ${i}`,
      );
    }
  });
  return runStack([...tensors], { dim: wrapped });
}

const runSplitPiece = defineOp<{ dim: number; start: number; length: number; gradFn: string }>({
  name: "split",
  gradFn: (_inputs, { gradFn }) => gradFn,
  forward: ([a], { dim, start, length }) => {
    const shape = [...a.shape];
    shape[dim] = length;
    return restride(a, shape, a.strides, a.storageOffset + start * a.strides[dim]);
  },
  backward: (g, { inputs: [a], attrs: { dim, start, length } }) => {
    const strides = stridesOf(a.shape);
    const shape = [...a.shape];
    shape[dim] = length;
    return [scatterGrad(g, a.shape, stridedPositions(shape, strides, start * strides[dim]))];
  },
  saves: noSaves,
});

/**
 * `a.split(size | sizes, dim)` (SplitBackward0 / SplitWithSizesBackward0): views of a, which refuse
 * in-place ops that autograd would track, as PyTorch's multi-output views do. PyTorch gives all
 * pieces one shared multi-output node; the engine's nodes have one output, so each piece gets its
 * own node of that name (same grads).
 */
export function split(a: Tensor, splitSizeOrSections: number | readonly number[], dim = 0): Tensor[] {
  if (a.dim() === 0) throw new TorchError("RuntimeError", "split expects at least a 1-dimensional tensor");
  const d = normalizeDim(dim, a.dim());
  const dimSize = a.shape[d];
  const pieces: [number, number][] = [];
  let gradFn: string;
  if (typeof splitSizeOrSections === "number") {
    const size = splitSizeOrSections;
    gradFn = "SplitBackward0";
    if (size < 0) {
      throw new TorchError(
        "RuntimeError",
        `split expects split_size be non-negative, but got split_size=${size}`,
      );
    }
    if (size === 0 && dimSize !== 0) {
      throw new TorchError(
        "RuntimeError",
        `split_size can only be 0 if dimension size is 0, but got dimension size of ${dimSize}`,
      );
    }
    const count = size === 0 ? 1 : Math.max(Math.ceil(dimSize / size), 1);
    const lastSize = size - (size * count - dimSize);
    for (let i = 0; i < count; i++) pieces.push([i * size, i < count - 1 ? size : lastSize]);
  } else {
    gradFn = "SplitWithSizesBackward0";
    const sizes = splitSizeOrSections;
    let start = 0;
    for (const len of sizes) {
      if (len < 0) {
        throw new TorchError(
          "RuntimeError",
          `split_with_sizes expects split_sizes have only non-negative entries, but got split_sizes=${formatShape(sizes)}`,
        );
      }
      pieces.push([start, len]);
      start += len;
    }
    if (start !== dimSize) {
      throw new TorchError(
        "RuntimeError",
        `split_with_sizes expects split_sizes to sum exactly to ${dimSize} (input tensor's size at dimension ${d}), but got split_sizes=${formatShape(sizes)}`,
      );
    }
  }
  return pieces.map(([start, length], i) =>
    asView(a, runSplitPiece([a], { dim: d, start, length, gradFn }), i),
  );
}

/** `a.chunk(chunks, dim)`: a split into pieces of ceil(size / chunks) (SplitBackward0). */
export function chunk(a: Tensor, chunks: number, dim = 0): Tensor[] {
  if (a.dim() === 0) throw new TorchError("RuntimeError", "chunk expects at least a 1-dimensional tensor");
  if (chunks <= 0)
    throw new TorchError("RuntimeError", `chunk expects \`chunks\` to be greater than 0, got: ${chunks}`);
  const d = normalizeDim(dim, a.dim());
  const size = Math.ceil(a.shape[d] / chunks);
  if (size === 0 && a.shape[d] === 0) return split(a, new Array<number>(chunks).fill(0), d);
  return split(a, size, d);
}

// ---------------------------------------------------------------------------------------------
// select / slice / unbind: the basic indexing ops (views)

/** `a[..., index, ...]` at `dim` over a's storage (no autograd). */
function selected(a: Tensor, dim: number, index: number): Tensor {
  return restride(
    a,
    a.shape.filter((_, d) => d !== dim),
    a.strides.filter((_, d) => d !== dim),
    a.storageOffset + index * a.strides[dim],
  );
}

/** The grad of a select: `g` in the selected row of zeros shaped like the input. */
function selectGrad(g: Tensor, shape: Shape, dim: number, index: number): Tensor {
  const strides = stridesOf(shape);
  const pos = stridedPositions(
    shape.filter((_, d) => d !== dim),
    strides.filter((_, d) => d !== dim),
    index * strides[dim],
  );
  return scatterGrad(g, shape, pos);
}

const runSelect = defineOp<{ dim: number; index: number }>({
  name: "select",
  gradFn: "SelectBackward0",
  forward: ([a], { dim, index }) => selected(a, dim, index),
  backward: (g, { inputs: [a], attrs: { dim, index } }) => [selectGrad(g, a.shape, dim, index)],
  saves: noSaves,
});

function runSelectWrapped(a: Tensor, dim: number, index: number): Tensor {
  return asView(a, runSelect([a], { dim, index: index < 0 ? index + a.shape[dim] : index }));
}

const runUnbindPiece = defineOp<{ dim: number; index: number }>({
  name: "unbind",
  gradFn: "UnbindBackward0",
  forward: ([a], { dim, index }) => selected(a, dim, index),
  backward: (g, { inputs: [a], attrs: { dim, index } }) => [selectGrad(g, a.shape, dim, index)],
  saves: noSaves,
});

/**
 * `a.unbind(dim)`: the slices along `dim` (what `for row in a` yields), multi-output views like
 * split's; each gets its own UnbindBackward0 node.
 */
export function unbind(a: Tensor, dim = 0): Tensor[] {
  if (a.dim() === 0) {
    throw new TorchError("IndexError", "Dimension specified as 0 but tensor has no dimensions");
  }
  const d = normalizeDim(dim, a.dim());
  return Array.from({ length: a.shape[d] }, (_, i) =>
    asView(a, runUnbindPiece([a], { dim: d, index: i }), i),
  );
}

/** `torch.select(a, dim, index)`: SelectBackward0. */
export function select(a: Tensor, dim: number, index: number): Tensor {
  if (a.dim() === 0) throw new TorchError("IndexError", "select() cannot be applied to a 0-dim tensor.");
  const d = normalizeDim(dim, a.dim());
  const size = a.shape[d];
  if (size <= -1 - index || size <= index) {
    throw new TorchError(
      "IndexError",
      `select(): index ${index} out of range for tensor of size ${formatShape(a.shape)} at dimension ${d}`,
    );
  }
  return runSelectWrapped(a, d, index);
}

/** ATen's slice bounds: clamps start/end into [0, size] (null is the Python default). */
function sliceBounds(size: number, start: number | null, end: number | null, step: number) {
  let s = start ?? 0;
  let e = end ?? Infinity;
  if (s < 0) s += size;
  if (e < 0) e += size;
  if (s < 0) s = 0;
  else if (s >= size) s = size;
  if (e < s) e = s;
  else if (e >= size) e = size;
  return { start: s, length: Math.ceil((e - s) / step) };
}

function sliceGeometry(shape: Shape, attrs: { dim: number; start: number; length: number; step: number }) {
  const strides = stridesOf(shape);
  const outShape = [...shape];
  outShape[attrs.dim] = attrs.length;
  const outStrides = [...strides];
  outStrides[attrs.dim] *= attrs.step;
  return { shape: outShape, strides: outStrides, offset: attrs.start * strides[attrs.dim] };
}

const runSlice = defineOp<{ dim: number; start: number; length: number; step: number }>({
  name: "slice",
  gradFn: "SliceBackward0",
  forward: ([a], { dim, start, length, step }) => {
    const shape = [...a.shape];
    shape[dim] = length;
    const strides = [...a.strides];
    strides[dim] *= step;
    return restride(a, shape, strides, a.storageOffset + start * a.strides[dim]);
  },
  backward: (g, { inputs: [a], attrs }) => {
    const { shape, strides, offset } = sliceGeometry(a.shape, attrs);
    return [scatterGrad(g, a.shape, stridedPositions(shape, strides, offset))];
  },
  saves: noSaves,
});

/** ATen's `slice(dim, start, end, step)` (SliceBackward0): `a[start:end:step]` along `dim`. */
export function slice(
  a: Tensor,
  dim: number,
  start: number | null = null,
  end: number | null = null,
  step = 1,
): Tensor {
  if (a.dim() === 0) throw new TorchError("IndexError", "slice() cannot be applied to a 0-dim tensor.");
  const d = normalizeDim(dim, a.dim());
  if (step <= 0) throw new TorchError("RuntimeError", "slice step must be positive");
  const b = sliceBounds(a.shape[d], start, end, step);
  return asView(a, runSlice([a], { dim: d, start: b.start, length: b.length, step }));
}

/** `a.narrow(dim, start, length)`: a slice (SliceBackward0). */
export function narrow(a: Tensor, dim: number, start: number, length: number): Tensor {
  if (a.dim() === 0) throw new TorchError("RuntimeError", "narrow() cannot be applied to a 0-dim tensor.");
  if (length < 0) throw new TorchError("RuntimeError", "narrow(): length must be non-negative.");
  const d = normalizeDim(dim, a.dim());
  const size = a.shape[d];
  if (start < -size || start > size) {
    throw new TorchError(
      "IndexError",
      `start out of range (expected to be in range of [${-size}, ${size}], but got ${start})`,
    );
  }
  const s = start < 0 ? start + size : start;
  if (s > size - length) {
    throw new TorchError(
      "RuntimeError",
      `start (${s}) + length (${length}) exceeds dimension size (${size}).`,
    );
  }
  return slice(a, d, s, s + length, 1);
}

// ---------------------------------------------------------------------------------------------
// Python indexing: a[spec] (__getitem__) and a[spec] = value (__setitem__)

/** A Python slice `start:stop:step`; a missing or null bound is Python's None. */
export interface SliceSpec {
  start?: number | null;
  stop?: number | null;
  step?: number | null;
}

/**
 * One element of a Python index: an int, a slice, None (newaxis), Ellipsis, True/False, or a tensor
 * (int64 for advanced indexing, bool for masks). `a[0, :, None]` is `[0, {}, null]`.
 */
export type IndexSpec = number | boolean | SliceSpec | null | "..." | Tensor;

/** The spec in JSON form for the trace (tensors by id). */
function specAttr(spec: readonly IndexSpec[]): unknown[] {
  return spec.map((s) =>
    s instanceof Tensor
      ? { tensor: s.id }
      : s !== null && typeof s === "object"
        ? { start: s.start ?? null, stop: s.stop ?? null, step: s.step ?? null }
        : s,
  );
}

function checkIntIndex(s: number): void {
  if (!Number.isInteger(s)) {
    throw new TorchError(
      "IndexError",
      "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid indices (got float)",
    );
  }
}

/** ATen's applySelect: PyTorch's getitem texts (the dim named is the index's position). */
function applySelect(a: Tensor, dim: number, index: number, realDim: number): Tensor {
  if (index === 0 && dim === 0 && a.dim() === 0) {
    throw new TorchError(
      "IndexError",
      "invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` in C++ to convert a 0-dim tensor to a number",
    );
  }
  const size = a.shape[dim] ?? 0;
  if (!(size > -1 - index && size > index)) {
    throw new TorchError(
      "IndexError",
      `index ${index} is out of bounds for dimension ${realDim} with size ${size}`,
    );
  }
  return runSelectWrapped(a, dim, index);
}

/** ATen's applySlice: a slice covering the whole dim is skipped unless `keepFull` (a lone `a[0:n]`). */
function applySlice(a: Tensor, dim: number, s: SliceSpec, keepFull: boolean): Tensor {
  const step = s.step ?? 1;
  if (step === 0) throw new TorchError("ValueError", "slice step cannot be zero");
  if (step < 0) throw new TorchError("ValueError", "step must be greater than zero");
  const start = s.start ?? 0;
  const stop = s.stop ?? Infinity;
  if (a.dim() === 0) throw new TorchError("IndexError", "slice() cannot be applied to a 0-dim tensor.");
  if (!keepFull && start === 0 && stop === a.shape[dim] && step === 1) return a;
  const b = sliceBounds(a.shape[dim], start, stop, step);
  return asView(a, runSlice([a], { dim, start: b.start, length: b.length, step }));
}

/** `True` / `False` as an index: a long index tensor [0] or [] on a new dim of size 1. */
function boolIndexTensor(value: boolean): Tensor {
  return value
    ? new Tensor(new Float64Array([0]), [1], "int64")
    : new Tensor(new Float64Array(0), [0], "int64");
}

/**
 * The tuple path of PyTorch's indexing (applySlicing): ints select, slices slice, None unsqueezes,
 * Ellipsis skips dims, tensors are collected as advanced indices by dim.
 */
function applySlicing(a: Tensor, spec: readonly IndexSpec[]): { sliced: Tensor; indices: (Tensor | null)[] } {
  let specified = 0;
  for (const s of spec) {
    if (s instanceof Tensor) specified += s.dtype === "bool" ? s.dim() : 1;
    else if (s !== null && s !== "..." && typeof s !== "boolean") specified++;
  }
  if (specified > a.dim())
    throw new TorchError("IndexError", `too many indices for tensor of dimension ${a.dim()}`);
  const indices: (Tensor | null)[] = [];
  const record = (t: Tensor, dim: number) => {
    while (indices.length <= dim) indices.push(null);
    indices[dim] = t;
  };
  let result = a;
  let dim = 0;
  // a mask of k dims is one entry of the index list but covers k dims (recent 2.x, as NumPy)
  let collapsed = 0;
  spec.forEach((s, realDim) => {
    if (typeof s === "number") {
      checkIntIndex(s);
      result = applySelect(result, dim, s, realDim);
    } else if (s === null) {
      result = unsqueeze(result, dim);
      dim++;
    } else if (s === "...") {
      dim += a.dim() - specified;
    } else if (typeof s === "boolean") {
      result = unsqueeze(result, dim);
      record(boolIndexTensor(s), dim - collapsed);
      dim++;
    } else if (s instanceof Tensor) {
      if (s.dim() === 0 && s.dtype === "int64") {
        result = applySelect(result, dim, s.values[0], realDim);
      } else if (s.dim() === 0 && s.dtype === "bool") {
        result = unsqueeze(result, dim);
        record(boolIndexTensor(s.values[0] !== 0), dim - collapsed);
        dim++;
      } else {
        record(s, dim - collapsed);
        const k = s.dtype === "bool" ? s.dim() : 1;
        dim += k;
        collapsed += k - 1;
      }
    } else {
      result = applySlice(result, dim, s, false);
      dim++;
    }
  });
  return { sliced: result, indices };
}

/**
 * ATen's index (advanced indexing) on plain data: masks become their nonzero positions, the index
 * tensors broadcast together, and the result takes the indexed dims' place when they are adjacent,
 * else goes first. Returns the result shape and the flat source position of each result element.
 */
function advancedPositions(
  shape: Shape,
  indices: readonly (Tensor | null)[],
): { shape: number[]; pos: Int32Array } {
  for (const t of indices) {
    if (t && t.dtype === "float32") {
      throw new TorchError("IndexError", "tensors used as indices must be long, int, byte or bool tensors");
    }
  }
  if (indices.length > shape.length) {
    throw new TorchError(
      "IndexError",
      `too many indices for tensor of dimension ${shape.length} (got ${indices.length})`,
    );
  }
  // expand masks into one long index per mask dim
  const expanded: (Tensor | null)[] = [];
  for (const t of indices) {
    if (!t || t.dtype !== "bool") {
      expanded.push(t);
      continue;
    }
    for (let j = 0; j < t.dim(); j++) {
      const src = expanded.length + j;
      if (t.shape[j] !== shape[src]) {
        throw new TorchError(
          "IndexError",
          `The shape of the mask ${formatShape(t.shape)} at index ${j} does not match the shape of the indexed tensor ${formatShape(shape)} at index ${src}`,
        );
      }
    }
    const maskStrides = stridesOf(t.shape);
    const hits: number[] = [];
    t.values.forEach((v, k) => {
      if (v) hits.push(k);
    });
    for (let j = 0; j < t.dim(); j++) {
      const coords = Float64Array.from(hits, (k) => Math.floor(k / maskStrides[j]) % t.shape[j]);
      expanded.push(new Tensor(coords, [hits.length], "int64"));
    }
  }
  if (expanded.length > shape.length) {
    throw new TorchError(
      "IndexError",
      `too many indices for tensor of dimension ${shape.length} (got ${expanded.length})`,
    );
  }
  const advDims: number[] = [];
  expanded.forEach((t, d) => t && advDims.push(d));
  let bshape: number[] = [];
  for (const d of advDims) {
    const s = expanded[d]!.shape;
    const n = Math.max(bshape.length, s.length);
    const next: number[] = [];
    for (let i = 0; i < n; i++) {
      const x = bshape[bshape.length - n + i] ?? 1;
      const y = s[s.length - n + i] ?? 1;
      if (x !== y && x !== 1 && y !== 1) {
        const shapes = advDims.map((e) => formatShape(expanded[e]!.shape)).join(", ");
        throw new TorchError(
          "IndexError",
          `shape mismatch: indexing tensors could not be broadcast together with shapes ${shapes}`,
        );
      }
      next.push(x === 1 ? y : x);
    }
    bshape = next;
  }
  const strides = stridesOf(shape);
  const bn = numel(bshape);
  const advOffset = new Float64Array(bn);
  for (const d of advDims) {
    const t = expanded[d]!;
    const map = broadcastIndexMap(t.shape, bshape);
    const size = shape[d];
    for (let j = 0; j < bn; j++) {
      const raw = t.values[map[j]];
      if (raw >= size || raw < -size) {
        throw new TorchError(
          "IndexError",
          `index ${raw} is out of bounds for dimension ${d} with size ${size}`,
        );
      }
      advOffset[j] += (raw < 0 ? raw + size : raw) * strides[d];
    }
  }
  const adjacent = advDims.every((d, i) => i === 0 || d === advDims[i - 1] + 1);
  const rest = shape.map((_, d) => d).filter((d) => !expanded[d]);
  const pre = adjacent ? rest.filter((d) => d < advDims[0]) : [];
  const post = adjacent ? rest.filter((d) => d > advDims[0]) : rest;
  const offsets = (dims: number[]) =>
    stridedPositions(
      dims.map((d) => shape[d]),
      dims.map((d) => strides[d]),
      0,
    );
  const preOff = offsets(pre);
  const postOff = offsets(post);
  const outShape = [...pre.map((d) => shape[d]), ...bshape, ...post.map((d) => shape[d])];
  const pos = new Int32Array(preOff.length * bn * postOff.length);
  let k = 0;
  for (let p = 0; p < preOff.length; p++) {
    for (let j = 0; j < bn; j++) {
      const base = preOff[p] + advOffset[j];
      for (let q = 0; q < postOff.length; q++) pos[k++] = base + postOff[q];
    }
  }
  return { shape: outShape, pos };
}

function edgeOf(t: Tensor): [Node | null, number] {
  return t.requiresGrad ? [t.gradFn ?? t.gradAccumulator(), 0] : [null, 0];
}

function savedOf(ts: readonly Tensor[]): SavedTensor[] {
  return ts.map((t) => ({ tensor: t, version: t.version, isOutput: false }));
}

/**
 * The advanced-indexing op (IndexBackward0). Its own path rather than defineOp: the index tensors
 * are saved (a second backward fails, as in PyTorch) but are not differentiable inputs, so the node
 * has one next function, for `a`.
 */
function indexOp(a: Tensor, indices: readonly (Tensor | null)[]): Tensor {
  const { shape, pos } = advancedPositions(a.shape, indices);
  const out = allocate(a.dtype, pos.length);
  const src = a.values;
  for (let k = 0; k < pos.length; k++) out[k] = src[pos[k]];
  const result = new Tensor(out, shape, a.dtype);
  const given = indices.filter((t): t is Tensor => t !== null);
  let node: Node | null = null;
  if (isGradEnabled() && a.requiresGrad) {
    node = new Node("IndexBackward0", [edgeOf(a)], savedOf(given), (g) => [scatterGrad(g, a.shape, pos)]);
    result.setGradFn(node);
  }
  emit({
    kind: "op",
    op: "index",
    out: result,
    inputs: [a, ...given],
    attrs: { indices: indices.map((t) => (t ? t.id : null)) },
    gradFn: node,
  });
  return result;
}

/** `a[spec]` as Python's `__getitem__` on a tensor: the chain of ops PyTorch records. */
export function index(a: Tensor, spec: readonly IndexSpec[]): Tensor {
  if (spec.length === 1 && !(spec[0] instanceof Tensor)) {
    const s = spec[0];
    if (s === null) return unsqueeze(a, 0);
    if (s === "...") return alias(a);
    if (typeof s === "boolean") return indexOp(unsqueeze(a, 0), [boolIndexTensor(s)]);
    if (typeof s === "number") {
      checkIntIndex(s);
      return applySelect(a, 0, s, 0);
    }
    // a lone slice is always recorded, even a[0:n]
    return applySlice(a, 0, s, true);
  }
  const { sliced, indices } = applySlicing(a, spec);
  if (indices.length > 0) return indexOp(sliced, indices);
  return sliced === a ? alias(a) : sliced;
}

/** Leading size-1 dims dropped (ATen's slicePrefix1sSize), as setitem views its value. */
function stripLeadingOnes(shape: Shape): number[] {
  let i = 0;
  while (i < shape.length && shape[i] === 1) i++;
  return shape.slice(i);
}

/** `a[spec]` as setitem finds it (ATen's set_item): `a` itself or a view of it, and any tensor indices. */
function setitemDestination(
  a: Tensor,
  spec: readonly IndexSpec[],
): { dst: Tensor; indices: (Tensor | null)[] | null } {
  const s = spec[0];
  if (spec.length === 1 && !(s instanceof Tensor)) {
    if (s === "...") return { dst: a, indices: null };
    if (s === null || s === true) return { dst: unsqueeze(a, 0), indices: null };
    if (typeof s === "number") {
      checkIntIndex(s);
      return { dst: applySelect(a, 0, s, 0), indices: null };
    }
    // a slice covering the whole dim writes `a` itself (ATen's slice optimization)
    return { dst: applySlice(a, 0, s as SliceSpec, false), indices: null };
  }
  const { sliced, indices } = applySlicing(a, spec);
  return { dst: sliced, indices: indices.length > 0 ? indices : null };
}

function zerosLike(g: Tensor): Tensor {
  return new Tensor(new Float32Array(g.numel()), g.shape, "float32");
}

/** The end of every in-place write: the elements, the shared version, the rebased history. */
function finishInplace(dst: Tensor, values: ArrayLike<number>, node: Node | null): boolean {
  dst.writeValues(values);
  dst.bumpVersion();
  if (node) rebaseHistory(dst, node);
  return node !== null;
}

/** `dst.copy_(src)` for a src of dst's shape (CopyBackwards), casting to dst's dtype. */
function copyInto(dst: Tensor, src: Tensor): boolean {
  const requires = dst.requiresGrad || src.requiresGrad;
  checkInplace(dst, requires);
  assertNoInternalOverlap(dst);
  assertNoPartialOverlap(dst, src);
  const node =
    isGradEnabled() && requires
      ? new Node("CopyBackwards", [edgeOf(dst), edgeOf(src)], [], (g, [needDst, needSrc]) => [
          needDst ? zerosLike(g) : null,
          needSrc ? g : null,
        ])
      : null;
  return finishInplace(dst, castTo(src, dst.dtype).values, node);
}

/** `dst.fill_(value)` with a 0-dim tensor value (FillBackward3): no overlap check, as ATen's fill_. */
function fillWith(dst: Tensor, value: Tensor): boolean {
  const requires = dst.requiresGrad || value.requiresGrad;
  checkInplace(dst, requires);
  const node =
    isGradEnabled() && requires
      ? new Node("FillBackward3", [edgeOf(dst), edgeOf(value)], [], (g, [needDst, needValue]) => [
          needDst ? zerosLike(g) : null,
          needValue ? sumToShape(g, []) : null,
        ])
      : null;
  const v = castValue(dst.dtype, value.values[0]);
  return finishInplace(dst, new Float64Array(dst.numel()).fill(v), node);
}

/** `dst.index_put_(indices, src)` (IndexPutBackward0), with PyTorch's shape and dtype checks. */
function indexPutInto(dst: Tensor, indices: readonly (Tensor | null)[], src: Tensor): boolean {
  const requires = dst.requiresGrad || src.requiresGrad;
  checkInplace(dst, requires);
  const given = indices.filter((t): t is Tensor => t !== null);
  const { shape, pos } = advancedPositions(dst.shape, indices);
  const fits =
    src.dim() <= shape.length &&
    src.shape.every((s, i) => s === 1 || s === shape[shape.length - src.dim() + i]);
  if (!fits) {
    throw new TorchError(
      "RuntimeError",
      `shape mismatch: value tensor of shape ${formatShape(src.shape)} cannot be broadcast to indexing result of shape ${formatShape(shape)}`,
    );
  }
  // index_put_ wants matching dtypes, unless it dispatches to masked_fill (one mask, one value)
  const maskFill = given.length === 1 && given[0].dtype === "bool" && src.numel() === 1;
  if (src.dtype !== dst.dtype && !maskFill) {
    const name = (d: string) => (d === "float32" ? "Float" : d === "int64" ? "Long" : "Bool");
    throw new TorchError(
      "RuntimeError",
      `Index put requires the source and destination dtypes match, got ${name(dst.dtype)} for the destination and ${name(src.dtype)} for the source.`,
    );
  }
  let node: Node | null = null;
  if (isGradEnabled() && requires) {
    const srcShape = src.shape;
    node = new Node(
      "IndexPutBackward0",
      [edgeOf(dst), edgeOf(src)],
      savedOf(given),
      (g, [needDst, needSrc]) => {
        let gDst: Tensor | null = null;
        if (needDst) {
          const gv = new Float32Array(g.values);
          for (let k = 0; k < pos.length; k++) gv[pos[k]] = 0;
          gDst = new Tensor(gv, g.shape, "float32");
        }
        let gSrc: Tensor | null = null;
        if (needSrc) {
          const region = new Float32Array(pos.length);
          const gv = g.values;
          for (let k = 0; k < pos.length; k++) region[k] = gv[pos[k]];
          gSrc = sumToShape(new Tensor(region, shape, "float32"), srcShape);
        }
        return [gDst, gSrc];
      },
    );
  }
  const out = dst.values.slice();
  const map = broadcastIndexMap(src.shape, shape);
  const sv = src.values;
  for (let k = 0; k < pos.length; k++) out[pos[k]] = castValue(dst.dtype, sv[map[k]]);
  return finishInplace(dst, out, node);
}

/**
 * `a[spec] = value` (Python's `__setitem__`), as ATen's set_item: the destination is `a` or a view of
 * it (select, slice, unsqueeze), written by copy_, fill_ (a 0-dim value) or index_put_ (tensor
 * indices). Through a view, `a`'s grad_fn becomes CopySlices around the write's node; written
 * whole, it is the node itself (CopyBackwards, FillBackward3, IndexPutBackward0).
 */
export function indexPut_(a: Tensor, spec: readonly IndexSpec[], value: Tensor | number | boolean): Tensor {
  if (spec.length === 1 && spec[0] === false) return a;
  // the destination view is made with grad tracking (as PyTorch's), but is not the program's op
  const { dst, indices } = silently(() => setitemDestination(a, spec));
  // a Python number becomes a 0-dim tensor of a's dtype
  const given = value instanceof Tensor ? value : Tensor.wrap(Number(value), a.dtype);
  // the value's view/expand are recorded when they carry a grad
  const prep = <T>(fn: () => T): T =>
    isGradEnabled() && given.requiresGrad ? fn() : silently(() => noGrad(fn));
  let src = given;
  let tracked: boolean;
  if (indices) {
    const stripped = stripLeadingOnes(given.shape);
    if (!sameShape(stripped, given.shape)) src = prep(() => view(given, stripped));
    tracked = silently(() => indexPutInto(dst, indices, src));
  } else if (sameShape(dst.shape, given.shape)) {
    tracked = silently(() => copyInto(dst, given));
  } else if (given.dim() === 0) {
    tracked = silently(() => fillWith(dst, given));
  } else {
    src = prep(() => {
      const v = view(given, stripLeadingOnes(given.shape));
      return sameShape(v.shape, dst.shape) ? v : expand(v, dst.shape);
    });
    tracked = silently(() => copyInto(dst, src));
  }
  const indexTensors = indices ? indices.filter((t): t is Tensor => t !== null) : [];
  emit({
    kind: "inplace",
    op: indices ? "index_put_" : "setitem",
    tensor: a,
    inputs: [src, ...indexTensors],
    attrs: { spec: specAttr(spec) },
    // a's new grad_fn: CopySlices (a view of a was written), the write's node, or for a view
    // AsStridedBackward0 from its base's
    gradFn: tracked ? a.gradFn : null,
  });
  return a;
}
