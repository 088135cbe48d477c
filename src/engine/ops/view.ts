/**
 * Shape ops and indexing, with PyTorch 2.x's grad_fn names. Tensors here are contiguous, so the ops
 * whose result has the same row-major layout (view, reshape, flatten, squeeze, unsqueeze, alias) share
 * the input's storage — in-place writes and the version counter behave as PyTorch's views do — while
 * the others (transpose, select, slice, expand, ...) copy through a strided gather.
 */
import { isGradEnabled, Node, noGrad, type SavedTensor } from "../autograd.ts";
import { allocate, castValue, legacyTypeName, type Storage } from "../dtype.ts";
import { MSG, TorchError } from "../errors.ts";
import { emit, silently } from "../events.ts";
import { resultType, sumToShape } from "../kernels.ts";
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
import { Tensor } from "../tensor.ts";

type NoAttrs = Record<string, never>;

// ---------------------------------------------------------------------------------------------
// Strided copies: every copying view op is a gather through (shape, strides, offset).

/** Copies the elements of the strided view (shape, strides, offset) of `src` into `out`, row-major. */
function gatherInto(
  src: Storage,
  out: Storage,
  shape: Shape,
  strides: readonly number[],
  offset: number,
): void {
  const n = out.length;
  if (n === 0) return;
  const rank = shape.length;
  if (rank === 0) {
    out[0] = src[offset];
    return;
  }
  const last = rank - 1;
  const lastN = shape[last];
  const lastS = strides[last];
  const idx = new Array<number>(rank).fill(0);
  let base = offset;
  let o = 0;
  for (;;) {
    for (let j = 0, p = base; j < lastN; j++, p += lastS) out[o++] = src[p];
    let d = last - 1;
    for (; d >= 0; d--) {
      idx[d]++;
      base += strides[d];
      if (idx[d] < shape[d]) break;
      base -= strides[d] * idx[d];
      idx[d] = 0;
    }
    if (d < 0 || o >= n) return;
  }
}

function gather(a: Tensor, shape: Shape, strides: readonly number[], offset: number): Tensor {
  const out = allocate(a.dtype, numel(shape));
  gatherInto(a.values, out, shape, strides, offset);
  return new Tensor(out, shape, a.dtype);
}

/** Flat positions of the strided view (shape, strides, offset), row-major. */
function stridedPositions(shape: Shape, strides: readonly number[], offset: number): Int32Array {
  const pos = new Int32Array(numel(shape));
  const n = pos.length;
  if (n === 0) return pos;
  const rank = shape.length;
  const idx = new Array<number>(rank).fill(0);
  let flat = offset;
  for (let k = 0; k < n; k++) {
    pos[k] = flat;
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]++;
      flat += strides[d];
      if (idx[d] < shape[d]) break;
      flat -= strides[d] * idx[d];
      idx[d] = 0;
    }
  }
  return pos;
}

/** A float32 tensor of `shape`, zero but at `pos`, where it holds the grad `g` (added, for repeats). */
function scatterGrad(g: Tensor, shape: Shape, pos: Int32Array): Tensor {
  const out = new Float32Array(numel(shape));
  const gv = g.values;
  for (let k = 0; k < pos.length; k++) out[pos[k]] += gv[k];
  return new Tensor(out, shape, "float32");
}

/** A tensor sharing `a`'s storage with another shape of the same numel. */
function aliasShape(a: Tensor, shape: Shape): Tensor {
  return new Tensor(a.storage, shape, a.dtype);
}

/** Reshapes a (contiguous) gradient back to the input's shape. */
function gradAs(g: Tensor, shape: Shape): Tensor {
  return sameShape(g.shape, shape) ? g : new Tensor(g.storage, shape, g.dtype);
}

function noSaves() {
  return { inputs: [], output: false };
}

// ---------------------------------------------------------------------------------------------
// view / reshape / flatten / _unsafe_view: the same elements, another shape (shared storage).

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

function sameLayoutOp(name: string, gradFn: string) {
  return defineOp<{ shape: number[] }>({
    name,
    gradFn,
    forward: ([a], { shape }) => aliasShape(a, shape),
    backward: (g, { inputs: [a] }) => [gradAs(g, a.shape)],
    saves: noSaves,
  });
}
const runView = sameLayoutOp("view", "ViewBackward0");
// reshape of a contiguous tensor is a view: PyTorch 2.x prints ViewBackward0 (1.13: ReshapeAliasBackward0)
const runReshape = sameLayoutOp("reshape", "ViewBackward0");
const runFlatten = sameLayoutOp("flatten", "ViewBackward0");
const runUnsafeView = sameLayoutOp("_unsafe_view", "UnsafeViewBackward0");

/** `a.view(shape)`: ViewBackward0; shares a's storage. */
export function view(a: Tensor, shape: readonly number[]): Tensor {
  return runView([a], { shape: inferSize(shape, a.numel()) });
}

/** `a.reshape(shape)`: a view of a contiguous tensor (ViewBackward0 in PyTorch 2.x). */
export function reshape(a: Tensor, shape: readonly number[]): Tensor {
  return runReshape([a], { shape: inferSize(shape, a.numel()) });
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
  if (a.dim() === 0) return runFlatten([a], { shape: [1] });
  if (start === end) return a;
  const shape = [...a.shape.slice(0, start), numel(a.shape.slice(start, end + 1)), ...a.shape.slice(end + 1)];
  return runFlatten([a], { shape });
}

/** `a.contiguous()`: every tensor here is contiguous, so this is `a` itself, as in PyTorch. */
export function contiguous(a: Tensor): Tensor {
  return a;
}

// ---------------------------------------------------------------------------------------------
// squeeze / unsqueeze / alias (shared storage)

const runSqueeze = defineOp<{ dims: number[] | null; gradFn: string }>({
  name: "squeeze",
  gradFn: (_inputs, { gradFn }) => gradFn,
  forward: ([a], { dims }) => {
    const drop = (d: number) => a.shape[d] === 1 && (dims === null || dims.includes(d));
    return aliasShape(
      a,
      a.shape.filter((_, d) => !drop(d)),
    );
  },
  backward: (g, { inputs: [a] }) => [gradAs(g, a.shape)],
  saves: noSaves,
});

/** `a.squeeze()`, `a.squeeze(dim)` or `a.squeeze([dims])`: drops size-1 dims (shares storage). */
export function squeeze(a: Tensor, dim?: number | number[] | null): Tensor {
  // PyTorch 2.x numbering: squeeze() 0, squeeze(dim) 1, squeeze(dims) 2
  if (dim === undefined || dim === null) return runSqueeze([a], { dims: null, gradFn: "SqueezeBackward0" });
  if (typeof dim === "number")
    return runSqueeze([a], { dims: [normalizeDim(dim, a.dim())], gradFn: "SqueezeBackward1" });
  const dims = [...new Set(dim.map((d) => normalizeDim(d, a.dim())))];
  return runSqueeze([a], { dims, gradFn: "SqueezeBackward2" });
}

/**
 * ATen's in-place `squeeze_(dim)` as matmul applies it to a fresh mm result (SqueezeBackward4 in 2.x,
 * SqueezeBackward3 in 1.13). Shapes are immutable here, so this returns a tensor sharing the storage.
 */
export function squeezeInplace(a: Tensor, dim: number): Tensor {
  return runSqueeze([a], { dims: [normalizeDim(dim, a.dim())], gradFn: "SqueezeBackward4" });
}

const runUnsqueeze = defineOp<{ dim: number }>({
  name: "unsqueeze",
  gradFn: "UnsqueezeBackward0",
  forward: ([a], { dim }) => aliasShape(a, [...a.shape.slice(0, dim), 1, ...a.shape.slice(dim)]),
  backward: (g, { inputs: [a] }) => [gradAs(g, a.shape)],
  saves: noSaves,
});

/** `a.unsqueeze(dim)`: UnsqueezeBackward0 (shares storage). */
export function unsqueeze(a: Tensor, dim: number): Tensor {
  return runUnsqueeze([a], { dim: normalizeDim(dim, a.dim() + 1) });
}

const runAlias = defineOp<NoAttrs>({
  name: "alias",
  gradFn: "AliasBackward0",
  forward: ([a]) => aliasShape(a, a.shape),
  backward: (g) => [g],
  saves: noSaves,
});

/** `a[...]`: a new tensor over the same storage (AliasBackward0). */
export function alias(a: Tensor): Tensor {
  return runAlias([a], {});
}

// ---------------------------------------------------------------------------------------------
// transposes and permutations (copies)

function permuteData(a: Tensor, dims: readonly number[]): Tensor {
  // when the dims of size > 1 keep their order, the layout is unchanged: share the storage
  const moved = dims.filter((d) => a.shape[d] !== 1);
  if (moved.every((d, i) => i === 0 || d > moved[i - 1])) {
    return aliasShape(
      a,
      dims.map((d) => a.shape[d]),
    );
  }
  const strides = stridesOf(a.shape);
  return gather(
    a,
    dims.map((d) => a.shape[d]),
    dims.map((d) => strides[d]),
    0,
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
  forward: ([a], { dims }) => permuteData(a, dims),
  backward: (g, { attrs: { dims } }) => [permuteData(g, inversePermutation(dims))],
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
  return runPermute([a], { dims: wrapped });
}

const runTranspose = defineOp<{ dim0: number; dim1: number }>({
  name: "transpose",
  gradFn: "TransposeBackward0",
  forward: ([a], { dim0, dim1 }) => permuteData(a, swapDims(a.dim(), dim0, dim1)),
  backward: (g, { attrs: { dim0, dim1 } }) => [permuteData(g, swapDims(g.dim(), dim0, dim1))],
  saves: noSaves,
});

/** `a.transpose(dim0, dim1)`: TransposeBackward0 (even when dim0 == dim1, as in PyTorch). */
export function transpose(a: Tensor, dim0: number, dim1: number): Tensor {
  return runTranspose([a], { dim0: normalizeDim(dim0, a.dim()), dim1: normalizeDim(dim1, a.dim()) });
}

const runT = defineOp<NoAttrs>({
  name: "t",
  gradFn: "TBackward0",
  forward: ([a]) => (a.dim() < 2 ? aliasShape(a, a.shape) : permuteData(a, [1, 0])),
  backward: (g) => [g.dim() < 2 ? g : permuteData(g, [1, 0])],
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
  return runT([a], {});
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
    let stride = dim >= 0 ? inStrides[dim] : shape[i + 1] * strides[i + 1];
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
    gather(a, shape, expandGeometry(a.shape, stridesOf(a.shape), shape).strides, 0),
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
  return runExpand([a], { shape: expandGeometry(a.shape, stridesOf(a.shape), shape).shape });
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

const runClone = defineOp<NoAttrs>({
  name: "clone",
  gradFn: "CloneBackward0",
  forward: ([a]) => new Tensor(a.values.slice(), a.shape, a.dtype),
  backward: (g) => [g],
  saves: noSaves,
});

/** `a.clone()`: a copy with its own storage (CloneBackward0). */
export function clone(a: Tensor): Tensor {
  return runClone([a], {});
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
  return gather(a, shape, strides, start * strides[dim]);
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
    inputs.map((t, i) => (needs[i] ? aliasShape(narrowData(g, dim, i, 1), t.shape) : null)),
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
  forward: ([a], { dim, start, length }) => narrowData(a, dim, start, length),
  backward: (g, { inputs: [a], attrs: { dim, start, length } }) => {
    const strides = stridesOf(a.shape);
    const shape = [...a.shape];
    shape[dim] = length;
    return [scatterGrad(g, a.shape, stridedPositions(shape, strides, start * strides[dim]))];
  },
  saves: noSaves,
});

/**
 * `a.split(size | sizes, dim)` (SplitBackward0 / SplitWithSizesBackward0). PyTorch gives all pieces
 * one shared multi-output node; the engine's nodes have one output, so each piece gets its own node
 * of that name (same grads).
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
  return pieces.map(([start, length]) => runSplitPiece([a], { dim: d, start, length, gradFn }));
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
// select / slice: the basic indexing ops (copies)

const runSelect = defineOp<{ dim: number; index: number }>({
  name: "select",
  gradFn: "SelectBackward0",
  forward: ([a], { dim, index }) => {
    const strides = stridesOf(a.shape);
    return gather(
      a,
      a.shape.filter((_, d) => d !== dim),
      strides.filter((_, d) => d !== dim),
      index * strides[dim],
    );
  },
  backward: (g, { inputs: [a], attrs: { dim, index } }) => {
    const strides = stridesOf(a.shape);
    const pos = stridedPositions(
      a.shape.filter((_, d) => d !== dim),
      strides.filter((_, d) => d !== dim),
      index * strides[dim],
    );
    return [scatterGrad(g, a.shape, pos)];
  },
  saves: noSaves,
});

function runSelectWrapped(a: Tensor, dim: number, index: number): Tensor {
  return runSelect([a], { dim, index: index < 0 ? index + a.shape[dim] : index });
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
  forward: ([a], attrs) => {
    const { shape, strides, offset } = sliceGeometry(a.shape, attrs);
    return gather(a, shape, strides, offset);
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
  return runSlice([a], { dim: d, start: b.start, length: b.length, step });
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
  return runSlice([a], { dim, start: b.start, length: b.length, step });
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

const VIEW_LEAF_INPLACE =
  "a view of a leaf Variable that requires grad is being used in an in-place operation.";

/**
 * Where `a[spec] = value` writes, found by running PyTorch's setitem path on a tensor of positions:
 * the flat positions, their shape, whether the target is `a` itself (not a view of it) and the
 * advanced indices if index_put_ does the write.
 */
function setitemTarget(a: Tensor, spec: readonly IndexSpec[]) {
  const iota = new Tensor(
    Float64Array.from({ length: a.numel() }, (_, i) => i),
    a.shape,
    "int64",
  );
  return silently(() =>
    noGrad(() => {
      let dst: Tensor;
      let indices: (Tensor | null)[] = [];
      const s = spec[0];
      if (spec.length === 1 && !(s instanceof Tensor)) {
        if (s === false) return null;
        if (s === "...") dst = iota;
        else if (s === null || s === true) dst = unsqueeze(iota, 0);
        else if (typeof s === "number") {
          checkIntIndex(s);
          dst = applySelect(iota, 0, s, 0);
        } else dst = applySlice(iota, 0, s, false);
      } else {
        ({ sliced: dst, indices } = applySlicing(iota, spec));
      }
      const isSelf = dst === iota;
      if (indices.length === 0) {
        return { pos: Int32Array.from(dst.values), shape: [...dst.shape], isSelf, indices: null };
      }
      const adv = advancedPositions(dst.shape, indices);
      const dv = dst.values;
      const pos = Int32Array.from(adv.pos, (p) => dv[p]);
      return { pos, shape: adv.shape, isSelf, indices: indices.filter((t): t is Tensor => t !== null) };
    }),
  );
}

/**
 * `a[spec] = value` (Python's `__setitem__`): writes in place and bumps the version. Tracked, the
 * target gets CopySlices (a region of a view) or the in-place op's own node when the region is the
 * whole tensor (CopyBackwards, FillBackward3, IndexPutBackward0), with PyTorch's leaf errors.
 */
export function indexPut_(a: Tensor, spec: readonly IndexSpec[], value: Tensor | number | boolean): Tensor {
  const target = setitemTarget(a, spec);
  if (!target) return a;
  // a Python number becomes a 0-dim tensor of a's dtype
  const given = value instanceof Tensor ? value : Tensor.wrap(Number(value), a.dtype);
  const record = isGradEnabled() && given.requiresGrad;
  const prep = <T>(fn: () => T): T => (record ? fn() : silently(() => noGrad(fn)));
  let src = given;
  let inner: "CopyBackwards" | "FillBackward3" | "IndexPutBackward0";
  if (target.indices) {
    inner = "IndexPutBackward0";
    const stripped = stripLeadingOnes(given.shape);
    if (!sameShape(stripped, given.shape)) src = prep(() => view(given, stripped));
  } else if (sameShape(target.shape, given.shape)) {
    inner = "CopyBackwards";
  } else if (given.dim() === 0) {
    inner = "FillBackward3";
  } else {
    inner = "CopyBackwards";
    src = prep(() => {
      const v = view(given, stripLeadingOnes(given.shape));
      return sameShape(v.shape, target.shape) ? v : expand(v, target.shape);
    });
  }
  if (isGradEnabled() && a.requiresGrad && a.isLeaf) {
    throw new TorchError("RuntimeError", target.isSelf ? MSG.leafInplace : VIEW_LEAF_INPLACE);
  }
  const { pos, shape } = target;
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
  const maskFill = target.indices?.length === 1 && target.indices[0].dtype === "bool" && src.numel() === 1;
  if (target.indices && src.dtype !== a.dtype && !maskFill) {
    const name = (d: string) => (d === "float32" ? "Float" : d === "int64" ? "Long" : "Bool");
    throw new TorchError(
      "RuntimeError",
      `Index put requires the source and destination dtypes match, got ${name(a.dtype)} for the destination and ${name(src.dtype)} for the source.`,
    );
  }
  let node: Node | null = null;
  if (isGradEnabled() && (a.requiresGrad || src.requiresGrad)) {
    const srcShape = src.shape;
    node = new Node(
      target.isSelf ? inner : "CopySlices",
      [edgeOf(a), edgeOf(src)],
      savedOf(target.indices ?? []),
      (g, [needBase, needSrc]) => {
        let gBase: Tensor | null = null;
        if (needBase) {
          const gv = new Float32Array(g.values);
          for (let k = 0; k < pos.length; k++) gv[pos[k]] = 0;
          gBase = new Tensor(gv, g.shape, "float32");
        }
        let gSrc: Tensor | null = null;
        if (needSrc) {
          const region = new Float32Array(pos.length);
          for (let k = 0; k < pos.length; k++) region[k] = g.values[pos[k]];
          const r = new Tensor(region, shape, "float32");
          gSrc = sumToShape(r, srcShape);
        }
        return [gBase, gSrc];
      },
    );
  }
  const map = broadcastIndexMap(src.shape, shape);
  const sv = src.values;
  const dst = a.values;
  for (let k = 0; k < pos.length; k++) dst[pos[k]] = castValue(a.dtype, sv[map[k]]);
  a.bumpVersion();
  if (node) a.setGradFn(node);
  emit({
    kind: "inplace",
    op: target.indices ? "index_put_" : "setitem",
    tensor: a,
    inputs: [src, ...(target.indices ?? [])],
    attrs: { spec: specAttr(spec) },
    gradFn: node,
  });
  return a;
}
