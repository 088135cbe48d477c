/**
 * Reductions and the softmax family, each forward beside its backward (PyTorch 2.x grad_fn names).
 *
 * A reduction groups the input's elements by the kept dims; `planReduction` lists, for each output
 * element, the flat input indices it reduces (row-major over the reduced dims), and every kernel and
 * backward here walks those groups. Sums accumulate in float64 and round once to float32 (close to
 * ATen's pairwise float32 sum); formulas ATen evaluates elementwise in float32 are rounded step by
 * step with Math.fround.
 */
import { noGrad } from "../autograd.ts";
import { allocate, type DType, type Storage } from "../dtype.ts";
import { TorchError } from "../errors.ts";
import { castTo, expSleef, laneReduce, logSleef } from "../kernels.ts";
import { orderedSum } from "../sumorder.ts";
import { defineOp } from "../registry.ts";
import { normalizeDim, numel } from "../shape.ts";
import { Tensor } from "../tensor.ts";
import { div } from "./elementwise.ts";
import { expand, unsqueeze } from "./view.ts";

const f = Math.fround;

/** ATen's sign/sgn for reals: 0 for NaN and for ±0. */
const sgn = (x: number) => (x > 0 ? 1 : x < 0 ? -1 : 0);

/** A dim argument: one dim, a list (`[]` reduces all, as PyTorch's sum does), or null for all. */
export type DimArg = number | readonly number[] | null | undefined;

/** PyTorch's name of a dtype in messages (`Got: Long`). */
function typeName(dtype: DType): string {
  return dtype === "float32" ? "Float" : dtype === "int64" ? "Long" : "Bool";
}

/** The user's dim argument as the op records it: null (all dims) or a list. */
function dimAttr(dim: DimArg): number[] | null {
  if (dim === null || dim === undefined) return null;
  return typeof dim === "number" ? [dim] : [...dim];
}

/** Normalized, sorted reduced dims; null or [] means all. Raises PyTorch's errors. */
function reducedDims(dims: readonly number[] | null, rank: number): number[] {
  if (dims === null || dims.length === 0) return Array.from({ length: rank }, (_, i) => i);
  const seen = new Set<number>();
  for (const d of dims) {
    const n = normalizeDim(d, rank);
    if (seen.has(n))
      throw new TorchError("RuntimeError", `dim ${n} appears multiple times in the list of dims`);
    seen.add(n);
  }
  // a 0-dim tensor accepts dim 0 / -1 but has no dim to reduce
  return rank === 0 ? [] : [...seen].sort((x, y) => x - y);
}

interface Reduction {
  outShape: number[];
  /** Number of output elements. */
  groups: number;
  /** Elements reduced into each output element. */
  size: number;
  /** `index[g * size + k]`: flat input index of the k-th element of group g. */
  index: Int32Array;
}

function planReduction(shape: readonly number[], dims: readonly number[], keepdim: boolean): Reduction {
  const rank = shape.length;
  const reduced = shape.map((_, i) => dims.includes(i));
  // the keepdim shape: reduced dims become 1
  const keptShape = shape.map((s, i) => (reduced[i] ? 1 : s));
  const outShape = keepdim ? keptShape : shape.filter((_, i) => !reduced[i]);
  const groups = numel(keptShape);
  const size = numel(dims.map((d) => shape[d]));
  const n = numel(shape);
  const index = new Int32Array(n);
  if (dims.every((d, j) => d === rank - dims.length + j)) {
    for (let i = 0; i < n; i++) index[i] = i;
    return { outShape, groups, size, index };
  }
  // strides of each input dim in the group number (kept dims) and in the within-group number (reduced dims)
  const gStride = new Array<number>(rank).fill(0);
  const kStride = new Array<number>(rank).fill(0);
  let gs = 1;
  let ks = 1;
  for (let d = rank - 1; d >= 0; d--) {
    if (reduced[d]) {
      kStride[d] = ks;
      ks *= shape[d];
    } else {
      gStride[d] = gs;
      gs *= shape[d];
    }
  }
  const idx = new Array<number>(rank).fill(0);
  let g = 0;
  let k = 0;
  for (let i = 0; i < n; i++) {
    index[g * size + k] = i;
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]++;
      g += gStride[d];
      k += kStride[d];
      if (idx[d] < shape[d]) break;
      g -= gStride[d] * idx[d];
      k -= kStride[d] * idx[d];
      idx[d] = 0;
    }
  }
  return { outShape, groups, size, index };
}

/** One value per group: `fn(src, index, start, size)` reads `src[index[start + k]]` for k < size. */
type GroupFn = (src: Storage, index: Int32Array, start: number, size: number) => number;

function reduceGroups(src: Storage, r: Reduction, dtype: DType, fn: GroupFn): Tensor {
  const out = allocate(dtype, r.groups);
  for (let g = 0; g < r.groups; g++) out[g] = fn(src, r.index, g * r.size, r.size);
  return new Tensor(out, r.outShape, dtype);
}

/** A float32 tensor of the input's shape: `fn(group, flatInputIndex)` for every element. */
function perElement(shape: readonly number[], r: Reduction, fn: (g: number, i: number) => number): Tensor {
  const out = new Float32Array(numel(shape));
  for (let g = 0; g < r.groups; g++) {
    for (let k = 0; k < r.size; k++) {
      const i = r.index[g * r.size + k];
      out[i] = fn(g, i);
    }
  }
  return new Tensor(out, shape, "float32");
}

const sumOf: GroupFn = (src, index, start, size) => {
  let s = 0;
  for (let k = 0; k < size; k++) s += src[index[start + k]];
  return s;
};

/** NaN-propagating extremum of a group (PyTorch's max/min/amax/amin). */
function extremeOf(larger: boolean): GroupFn {
  return (src, index, start, size) => {
    let best = src[index[start]];
    for (let k = 1; k < size && best === best; k++) {
      const v = src[index[start + k]];
      if (v !== v || (larger ? v > best : v < best)) best = v;
    }
    return best;
  };
}

/** Position in its group of the first extremum (or first NaN), as ATen's max.dim / argmax pick. */
function argExtremeOf(larger: boolean): GroupFn {
  return (src, index, start, size) => {
    let best = src[index[start]];
    let at = 0;
    for (let k = 1; k < size && best === best; k++) {
      const v = src[index[start + k]];
      if (v !== v || (larger ? v > best : v < best)) {
        best = v;
        at = k;
      }
    }
    return at;
  };
}

interface DimsAttrs {
  dim: number[] | null;
  keepdim: boolean;
}

function reducedFor(a: Tensor, attrs: DimsAttrs): number[] {
  return reducedDims(attrs.dim, a.shape.length);
}

function planFor(a: Tensor, attrs: DimsAttrs): Reduction {
  return planReduction(a.shape, reducedDims(attrs.dim, a.shape.length), attrs.keepdim);
}

/** The output grad spread back over each group (sum's backward, and the start of many others). */
function spread(g: Tensor, a: Tensor, r: Reduction, scale = 1): Tensor {
  const gv = g.values;
  return perElement(a.shape, r, scale === 1 ? (k) => gv[k] : (k) => gv[k] / scale);
}

// ---- sum / mean ----

/**
 * sum's and mean's grad spread back as differentiable ops (create_graph), as ATen's sum_backward:
 * the reduced dims unsqueezed again (unless keepdim), then expanded to the input's shape.
 */
function spreadOp(g: Tensor, a: Tensor, attrs: DimsAttrs): Tensor {
  let grad = g;
  if (attrs.dim !== null && !attrs.keepdim && a.shape.length > 0) {
    const dims = [...new Set(attrs.dim.map((d) => normalizeDim(d, a.shape.length)))].sort((x, y) => x - y);
    for (const d of dims) grad = unsqueeze(grad, d);
  }
  return expand(grad, a.shape);
}

const runSum = defineOp<DimsAttrs & { dtype: DType | null }>({
  name: "sum",
  gradFn: (_inputs, { dim, keepdim }) => (dim === null && !keepdim ? "SumBackward0" : "SumBackward1"),
  forward: ([a], attrs) => {
    const dtype = attrs.dtype ?? (a.dtype === "float32" ? "float32" : "int64");
    const src = castTo(a, dtype).values;
    const r = planFor(a, attrs);
    if (dtype === "bool")
      return reduceGroups(src, r, dtype, (s, ix, st, n) => Number(sumOf(s, ix, st, n) > 0));
    if (dtype === "float32")
      return new Tensor(orderedSum(src, a.shape, reducedFor(a, attrs)), r.outShape, dtype);
    return reduceGroups(src, r, dtype, sumOf);
  },
  backward: (g, { inputs: [a], attrs }) => [spread(g, a, planFor(a, attrs))],
  // ATen: grad.expand(self.sizes()) (over all elements; with dims it unsqueezes first)
  diffBackward: (g, { inputs: [a], attrs }) => [spreadOp(g, a, attrs)],
  saves: () => ({ inputs: [], output: false }),
});

/**
 * `torch.sum(a, dim, keepdim, dtype)`. Integer and bool tensors sum to int64. An integer result
 * carries no grad (PyTorch 1.13 hits an internal assert there; nothing flows through it anyway).
 */
export function sum(a: Tensor, dim?: DimArg, keepdim = false, dtype?: DType): Tensor {
  const attrs = { dim: dimAttr(dim), keepdim, dtype: dtype ?? null };
  if (dtype !== undefined && dtype !== "float32") return noGrad(() => runSum([a], attrs));
  return runSum([a], attrs);
}

const runMean = defineOp<DimsAttrs>({
  name: "mean",
  gradFn: (_inputs, { dim, keepdim }) => (dim === null && !keepdim ? "MeanBackward0" : "MeanBackward1"),
  // ATen on CPU: sum, then divide by the count (an empty group gives 0 / 0 = nan)
  forward: ([a], attrs) => {
    const r = planFor(a, attrs);
    const sums = orderedSum(a.values, a.shape, reducedFor(a, attrs));
    for (let g = 0; g < sums.length; g++) sums[g] = sums[g] / r.size;
    return new Tensor(sums, r.outShape, "float32");
  },
  backward: (g, { inputs: [a], attrs }) => {
    const r = planFor(a, attrs);
    return [spread(g, a, r, r.size)];
  },
  // ATen: grad.expand(self.sizes()) / numel
  diffBackward: (g, { inputs: [a], attrs }) => [div(spreadOp(g, a, attrs), planFor(a, attrs).size)],
  // PyTorch 1.13's mean.dim saves `self` (2.x keeps only its sizes): a second backward through
  // MeanBackward1 fails there, as the reference outputs show
  saves: (ctx) => ({ inputs: ctx.attrs.dim === null && !ctx.attrs.keepdim ? [] : [0], output: false }),
});

export function mean(a: Tensor, dim?: DimArg, keepdim = false): Tensor {
  if (a.dtype !== "float32") {
    throw new TorchError(
      "RuntimeError",
      `mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: ${typeName(a.dtype)}`,
    );
  }
  return runMean([a], { dim: dimAttr(dim), keepdim });
}

// ---- max / min over all elements ----

function fullExtremum(name: "max" | "min") {
  const larger = name === "max";
  const run = defineOp<Record<string, never>>({
    name,
    gradFn: larger ? "MaxBackward1" : "MinBackward1",
    forward: ([a]) => {
      if (a.numel() === 0) {
        throw new TorchError(
          "RuntimeError",
          `${name}(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument.`,
        );
      }
      const r = planReduction(a.shape, reducedDims(null, a.shape.length), false);
      return reduceGroups(a.values, r, a.dtype, extremeOf(larger));
    },
    // ATen's evenly_distribute_backward: ties share the grad equally; a NaN result sends it to the NaNs
    backward: (g, { inputs: [a], out }) => {
      const m = out.values[0];
      const xv = a.values;
      const hit = m !== m ? (x: number) => x !== x : (x: number) => x === m;
      let count = 0;
      for (const x of xv) if (hit(x)) count++;
      const share = f(g.values[0] / count);
      const grad = new Float32Array(xv.length);
      for (let i = 0; i < xv.length; i++) if (hit(xv[i])) grad[i] = share;
      return [new Tensor(grad, a.shape, "float32")];
    },
    saves: () => ({ inputs: [0], output: true }),
  });
  return (a: Tensor) => run([a], {});
}

/** `a.max()`: the largest element (NaN if any); MaxBackward1 shares the grad among ties. */
export const max = fullExtremum("max");
/** `a.min()`: the smallest element (NaN if any); MinBackward1. */
export const min = fullExtremum("min");

// ---- max / min along a dim: values and indices ----

/** The indices of a max.dim / min.dim call, kept beside its values tensor for backward. */
const indicesOf = new WeakMap<Tensor, Tensor>();

function checkNonEmptyDims(name: string, a: Tensor, dims: readonly number[]): void {
  for (const d of dims) {
    if (a.shape[d] === 0) {
      throw new TorchError("IndexError", `${name}(): Expected reduction dim ${d} to have non-zero size.`);
    }
  }
}

function dimExtremum(name: "max" | "min") {
  const larger = name === "max";
  const run = defineOp<{ dim: number; keepdim: boolean }>({
    name: `${name}_dim`,
    gradFn: larger ? "MaxBackward0" : "MinBackward0",
    forward: ([a], { dim, keepdim }) => {
      const dims = reducedDims([dim], a.shape.length);
      checkNonEmptyDims(name, a, dims);
      const r = planReduction(a.shape, dims, keepdim);
      const indices = reduceGroups(a.values, r, "int64", argExtremeOf(larger));
      const iv = indices.values;
      const values = reduceGroups(a.values, r, a.dtype, (s, ix, st) => s[ix[st + iv[st / r.size]]]);
      indicesOf.set(values, indices);
      return values;
    },
    // ATen's value_selecting_reduction_backward: the grad goes to the selected index only
    backward: (g, { inputs: [a], out, attrs: { dim, keepdim } }) => {
      const r = planReduction(a.shape, reducedDims([dim], a.shape.length), keepdim);
      const iv = indicesOf.get(out)!.values;
      const grad = new Float32Array(a.numel());
      for (let k = 0; k < r.groups; k++) grad[r.index[k * r.size + iv[k]]] = g.values[k];
      return [new Tensor(grad, a.shape, "float32")];
    },
    // PyTorch saves the indices (added below), not the input or the values
    saves: () => ({ inputs: [], output: false }),
  });
  return (a: Tensor, dim: number, keepdim = false): { values: Tensor; indices: Tensor } => {
    const values = run([a], { dim, keepdim });
    const indices = indicesOf.get(values)!;
    values.gradFn?.saved.push({ tensor: indices, version: indices.version, isOutput: true });
    return { values, indices };
  };
}

/** `torch.max(a, dim, keepdim)`: {values (MaxBackward0), indices (int64, first of ties / first NaN)}. */
export const maxDim = dimExtremum("max");
/** `torch.min(a, dim, keepdim)`: {values (MinBackward0), indices}. */
export const minDim = dimExtremum("min");

// ---- argmax / argmin ----

function argExtremum(name: "argmax" | "argmin") {
  const larger = name === "argmax";
  const run = defineOp<{ dim: number | null; keepdim: boolean }>({
    name,
    gradFn: "",
    forward: ([a], { dim, keepdim }) => {
      if (a.dtype === "bool") {
        throw new TorchError("RuntimeError", `"${name}_cpu" not implemented for 'Bool'`);
      }
      if (dim === null && a.numel() === 0) {
        throw new TorchError(
          "IndexError",
          `${name}(): Expected reduction dim to be specified for input.numel() == 0.`,
        );
      }
      const dims = reducedDims(dim === null ? null : [dim], a.shape.length);
      checkNonEmptyDims(name, a, dims);
      // over all dims the position in the single group is the flat index
      return reduceGroups(a.values, planReduction(a.shape, dims, keepdim), "int64", argExtremeOf(larger));
    },
  });
  return (a: Tensor, dim?: number | null, keepdim = false) => run([a], { dim: dim ?? null, keepdim });
}

/** `torch.argmax(a, dim, keepdim)`: int64 indices of the first maximum (or first NaN). */
export const argmax = argExtremum("argmax");
/** `torch.argmin(a, dim, keepdim)`. */
export const argmin = argExtremum("argmin");

// ---- amax / amin ----

function amaxLike(name: "amax" | "amin") {
  const larger = name === "amax";
  const run = defineOp<DimsAttrs>({
    name,
    gradFn: larger ? "AmaxBackward0" : "AminBackward0",
    forward: ([a], attrs) => {
      const dims = reducedDims(attrs.dim, a.shape.length);
      if ((attrs.dim === null || attrs.dim.length === 0) && a.numel() === 0) {
        throw new TorchError(
          "RuntimeError",
          `${name}(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument.`,
        );
      }
      checkNonEmptyDims(name, a, dims);
      return reduceGroups(a.values, planReduction(a.shape, dims, attrs.keepdim), a.dtype, extremeOf(larger));
    },
    // ATen's scale_grad_by_count: (grad / count of x == result) * mask; a NaN result matches nothing,
    // so its whole group gets g / 0 * 0 = nan
    backward: (g, { inputs: [a], out, attrs }) => {
      const r = planFor(a, attrs);
      const xv = a.values;
      const ov = out.values;
      const counts = new Float64Array(r.groups);
      for (let k = 0; k < r.groups; k++) {
        for (let j = 0; j < r.size; j++) if (xv[r.index[k * r.size + j]] === ov[k]) counts[k]++;
      }
      return [perElement(a.shape, r, (k, i) => f(f(g.values[k] / counts[k]) * (xv[i] === ov[k] ? 1 : 0)))];
    },
    saves: () => ({ inputs: [0], output: true }),
  });
  return (a: Tensor, dim?: DimArg, keepdim = false) => run([a], { dim: dimAttr(dim), keepdim });
}

/** `torch.amax(a, dim=(), keepdim)`: NaN-propagating max over dims; ties share the grad (AmaxBackward0). */
export const amax = amaxLike("amax");
/** `torch.amin(a, dim=(), keepdim)`: AminBackward0. */
export const amin = amaxLike("amin");

// ---- prod ----

/**
 * ATen's prod_safe_zeros_backward along one group: grad × (product of the elements before) ×
 * (product of the elements after), each a float32 cumprod, so a single zero gets the product of the rest.
 */
function prodExcluding(
  xv: Storage,
  index: Int32Array,
  start: number,
  size: number,
  out: Float32Array,
  g: number,
) {
  const before = new Float32Array(size);
  const after = new Float32Array(size);
  let p = 1;
  for (let k = 0; k < size; k++) {
    before[k] = p;
    p = f(p * xv[index[start + k]]);
  }
  p = 1;
  for (let k = size - 1; k >= 0; k--) {
    after[k] = p;
    p = f(p * xv[index[start + k]]);
  }
  for (let k = 0; k < size; k++) out[index[start + k]] = f(g * f(before[k] * after[k]));
}

const runProd = defineOp<{ dim: number | null; keepdim: boolean; dtype: DType | null }>({
  name: "prod",
  gradFn: (_inputs, { dim }) => (dim === null ? "ProdBackward0" : "ProdBackward1"),
  forward: ([a], attrs) => {
    const dtype = attrs.dtype ?? (a.dtype === "float32" ? "float32" : "int64");
    const r = planFor(a, { dim: attrs.dim === null ? null : [attrs.dim], keepdim: attrs.keepdim });
    // float32 products round at every step, so an intermediate overflow is inf as in ATen
    const round = dtype === "float32" ? f : (x: number) => x;
    return reduceGroups(castTo(a, dtype).values, r, dtype, (s, ix, st, n) => {
      let p = 1;
      for (let k = 0; k < n; k++) p = round(p * s[ix[st + k]]);
      return p;
    });
  },
  backward: (g, { inputs: [a], out, attrs }) => {
    if (a.shape.length === 0) return [g];
    const r = planFor(a, { dim: attrs.dim === null ? null : [attrs.dim], keepdim: attrs.keepdim });
    const xv = a.values;
    let zeros = 0;
    for (const x of xv) if (x === 0) zeros++;
    // no zero anywhere: grad * (result / input)
    if (zeros === 0) return [perElement(a.shape, r, (k, i) => f(g.values[k] * f(out.values[k] / xv[i])))];
    // prod over all elements with several zeros: every grad is 0 (ATen's shortcut without grad mode)
    if (attrs.dim === null && zeros > 1) return [new Tensor(new Float32Array(a.numel()), a.shape, "float32")];
    const grad = new Float32Array(a.numel());
    for (let k = 0; k < r.groups; k++) prodExcluding(xv, r.index, k * r.size, r.size, grad, g.values[k]);
    return [new Tensor(grad, a.shape, "float32")];
  },
  saves: () => ({ inputs: [0], output: true }),
});

/** `torch.prod(a)` (ProdBackward0) or `torch.prod(a, dim, keepdim)` (ProdBackward1); ints give int64. */
export function prod(a: Tensor, dim?: number | null, keepdim = false, dtype?: DType): Tensor {
  const attrs = { dim: dim ?? null, keepdim, dtype: dtype ?? null };
  if (dtype !== undefined && dtype !== "float32") return noGrad(() => runProd([a], attrs));
  return runProd([a], attrs);
}

// ---- cumsum ----

/** Running sums along the reduced dim of `r`, last to first when `reverse`; ATen accumulates in double. */
function runningSums(
  src: Storage,
  shape: readonly number[],
  r: Reduction,
  dtype: DType,
  reverse: boolean,
): Tensor {
  const out = allocate(dtype, numel(shape));
  for (let g = 0; g < r.groups; g++) {
    let acc = 0;
    for (let k = 0; k < r.size; k++) {
      const i = r.index[g * r.size + (reverse ? r.size - 1 - k : k)];
      acc += src[i];
      out[i] = acc;
    }
  }
  return new Tensor(out, shape, dtype);
}

/** The reduction plan of cumsum's dim (a 0-dim tensor counts as one element along dim 0 or -1). */
function cumsumPlan(shape: readonly number[], dim: number): Reduction {
  const rank = shape.length;
  return planReduction(rank === 0 ? [1] : shape, [normalizeDim(dim, Math.max(rank, 1))], true);
}

const runCumsum = defineOp<{ dim: number }>({
  name: "cumsum",
  gradFn: "CumsumBackward0",
  forward: ([a], { dim }) => {
    const dtype = a.dtype === "float32" ? "float32" : "int64";
    return runningSums(castTo(a, dtype).values, a.shape, cumsumPlan(a.shape, dim), dtype, false);
  },
  // the grad of a running sum is the running sum of the grad from the end
  backward: (g, { inputs: [a], attrs: { dim } }) => [
    runningSums(g.values, a.shape, cumsumPlan(a.shape, dim), "float32", true),
  ],
  saves: () => ({ inputs: [], output: false }),
});

/** `torch.cumsum(a, dim)`: float32 stays float32, integers and bools give int64. */
export function cumsum(a: Tensor, dim: number): Tensor {
  return runCumsum([a], { dim });
}

// ---- var / std ----

interface VarAttrs extends DimsAttrs {
  correction: number;
}

/** Variance per group, computed in float64 (ATen accumulates std/var in double on CPU). */
function varianceOf(correction: number): GroupFn {
  return (src, index, start, size) => {
    let s = 0;
    for (let k = 0; k < size; k++) s += src[index[start + k]];
    const m = s / size;
    let m2 = 0;
    for (let k = 0; k < size; k++) {
      const d = src[index[start + k]] - m;
      m2 += d * d;
    }
    return m2 / Math.max(0, size - correction);
  };
}

/**
 * ATen's var_backward (2.x): over all dims, (2 / dof) * grad * (x - mean), or, when dof <= 0,
 * grad * (x == mean ? nan : inf); over given dims the factor is 2 / (count - correction) with no such
 * guard, and `dim=[]` counts 1 element there (PyTorch's own quirk, reproduced).
 */
function varBackward(g: Tensor, a: Tensor, attrs: VarAttrs): Tensor {
  const r = planFor(a, attrs);
  const xv = a.values;
  const means = reduceGroups(xv, r, "float32", (s, ix, st, n) => f(sumOf(s, ix, st, n)) / n).values;
  const gv = g.values;
  if (attrs.dim === null || a.shape.length === 0) {
    const dof = a.numel() - attrs.correction;
    if (dof <= 0) return perElement(a.shape, r, (k, i) => f(gv[k] * (xv[i] === means[k] ? NaN : Infinity)));
    const c = f(2 / dof);
    return perElement(a.shape, r, (k, i) => f(f(c * gv[k]) * f(xv[i] - means[k])));
  }
  const dims = attrs.dim.length === 0 ? [] : reducedDims(attrs.dim, a.shape.length);
  const count = numel(dims.map((d) => a.shape[d]));
  const c = f(2 / (count - attrs.correction));
  return perElement(a.shape, r, (k, i) => f(f(c * gv[k]) * f(xv[i] - means[k])));
}

const runVar = defineOp<VarAttrs>({
  name: "var",
  gradFn: "VarBackward0",
  forward: ([a], attrs) => reduceGroups(a.values, planFor(a, attrs), "float32", varianceOf(attrs.correction)),
  backward: (g, { inputs: [a], attrs }) => [varBackward(g, a, attrs)],
  saves: () => ({ inputs: [0], output: false }),
});

const runStd = defineOp<VarAttrs>({
  name: "std",
  gradFn: "StdBackward0",
  forward: ([a], attrs) => {
    const variance = varianceOf(attrs.correction);
    return reduceGroups(a.values, planFor(a, attrs), "float32", (s, ix, st, n) =>
      Math.sqrt(variance(s, ix, st, n)),
    );
  },
  // ATen's std_backward: var_backward(grad / (2 * std)), with 0 where std == 0
  backward: (g, { inputs: [a], out, attrs }) => {
    const ov = out.values;
    const gv = g.values;
    const gVar = new Float32Array(gv.length);
    for (let i = 0; i < gv.length; i++) gVar[i] = ov[i] === 0 ? 0 : gv[i] / f(ov[i] * 2);
    return [varBackward(new Tensor(gVar, g.shape, "float32"), a, attrs)];
  },
  saves: () => ({ inputs: [0], output: true }),
});

/** `correction` (default 1, Bessel's), or PyTorch's older `unbiased` flag; a bare boolean is `unbiased`. */
export type VarOptions = { correction?: number; unbiased?: boolean } | boolean;

function varAttrs(
  name: "var" | "std",
  a: Tensor,
  dim: DimArg,
  opts: VarOptions | undefined,
  keepdim: boolean,
): VarAttrs {
  if (a.dtype !== "float32") {
    throw new TorchError("RuntimeError", "std and var only support floating point and complex dtypes");
  }
  const o = typeof opts === "boolean" ? { unbiased: opts } : (opts ?? {});
  // Python's argument parser refuses this call before ATen sees it
  if (o.correction !== undefined && o.unbiased !== undefined) {
    throw new TorchError("TypeError", `${name}() takes either unbiased or correction, not both`);
  }
  const correction = o.correction ?? (o.unbiased === false ? 0 : 1);
  return { dim: dimAttr(dim), keepdim, correction };
}

/** `torch.var(a, dim, correction=1, keepdim)` (VarBackward0), computed in float64 then rounded. */
export function variance(a: Tensor, dim?: DimArg, opts?: VarOptions, keepdim = false): Tensor {
  return runVar([a], varAttrs("var", a, dim, opts, keepdim));
}

/** `torch.std(a, dim, correction=1, keepdim)` (StdBackward0). */
export function std(a: Tensor, dim?: DimArg, opts?: VarOptions, keepdim = false): Tensor {
  return runStd([a], varAttrs("std", a, dim, opts, keepdim));
}

export { variance as var };

// ---- norm ----

interface NormAttrs extends DimsAttrs {
  p: number;
}

/** A norm order as PyTorch prints a Scalar in messages (`inf`, `-0.5`, `2`). */
function formatOrd(p: number): string {
  return p === Infinity ? "inf" : p === -Infinity ? "-inf" : String(p);
}

function normOf(p: number): GroupFn {
  return (src, index, start, size) => {
    if (p === Infinity || p === -Infinity) {
      let best = p === Infinity ? 0 : Infinity;
      for (let k = 0; k < size; k++) {
        const v = Math.abs(src[index[start + k]]);
        if (v !== v) return v;
        if (p === Infinity ? v > best : v < best) best = v;
      }
      return best;
    }
    let s = 0;
    for (let k = 0; k < size; k++) {
      const v = Math.abs(src[index[start + k]]);
      s += p === 0 ? (v !== 0 ? 1 : 0) : p === 1 ? v : p === 2 ? v * v : Math.pow(v, p);
    }
    return p === 0 || p === 1 ? s : p === 2 ? Math.sqrt(s) : Math.pow(s, 1 / p);
  };
}

/**
 * The 2-norm of one contiguous row as ATen's norm kernel computes it on float32 (the AVX2 build,
 * reducing the last dim): eight lanes accumulate x * x with a fused multiply-add over whole blocks of
 * eight, the lanes are summed in order, then the tail: its first multiple of four squares rounded on
 * their own (GCC's SSE multiply), the rest fused again; sqrt in float32.
 */
const norm2Row: GroupFn = (src, _index, start, size) => {
  const f = Math.fround;
  const main = size - (size % 8);
  const lanes = [0, 0, 0, 0, 0, 0, 0, 0];
  for (let d = 0; d < main; d += 8) {
    // x * x is exact in double, so one rounding after the add is the fused multiply-add
    for (let j = 0; j < 8; j++) lanes[j] = f(lanes[j] + src[start + d + j] * src[start + d + j]);
  }
  let b = lanes[0];
  for (let j = 1; j < 8; j++) b = f(b + lanes[j]);
  const quads = main + (size - main) - ((size - main) % 4);
  for (let k = main; k < quads; k++) b = f(b + f(src[start + k] * src[start + k]));
  for (let k = quads; k < size; k++) b = f(b + src[start + k] * src[start + k]);
  return f(Math.sqrt(b));
};

const runNorm = defineOp<NormAttrs>({
  name: "norm",
  // torch.norm / Tensor.norm call linalg.vector_norm in PyTorch 2.x (1.13 printed NormBackward1)
  gradFn: "LinalgVectorNormBackward0",
  forward: ([a], attrs) => {
    const { p } = attrs;
    const dims = reducedDims(attrs.dim, a.shape.length);
    if (a.numel() === 0 && (p < 0 || p === Infinity)) {
      if (attrs.dim === null || attrs.dim.length === 0) {
        throw new TorchError(
          "RuntimeError",
          `linalg.vector_norm cannot compute the ${formatOrd(p)} norm on an empty tensor because the operation does not have an identity`,
        );
      }
      for (const d of dims) {
        if (a.shape[d] === 0) {
          // PyTorch's text, missing space included
          throw new TorchError(
            "RuntimeError",
            `linalg.vector_norm cannot compute the ${formatOrd(p)} norm on the dimension ${d}because this dimension is empty and the operation does not have an identity`,
          );
        }
      }
    }
    const plan = planReduction(a.shape, dims, attrs.keepdim);
    // trailing dims reduced: rows in memory order, ATen's vectorized last-dim 2-norm
    const lastDim = dims.every((d, j) => d === a.shape.length - dims.length + j);
    return reduceGroups(a.values, plan, "float32", p === 2 && lastDim ? norm2Row : normOf(p));
  },
  // ATen's norm_backward, case by case
  backward: (g, { inputs: [a], out, attrs }) => {
    const { p } = attrs;
    if (p === 0) return [null];
    const r = planFor(a, attrs);
    const xv = a.values;
    const gv = g.values;
    const nv = out.values;
    if (p === 1) return [perElement(a.shape, r, (k, i) => f(sgn(xv[i]) * gv[k]))];
    if (p === 2) return [perElement(a.shape, r, (k, i) => f(gv[k] * (nv[k] === 0 ? 0 : f(xv[i] / nv[k]))))];
    if (p === Infinity || p === -Infinity) {
      const hit = (i: number, k: number) => {
        const v = Math.abs(xv[i]);
        return v === nv[k] || v !== v;
      };
      const counts = new Float64Array(r.groups);
      for (let k = 0; k < r.groups; k++) {
        for (let j = 0; j < r.size; j++) if (hit(r.index[k * r.size + j], k)) counts[k]++;
      }
      return [
        perElement(a.shape, r, (k, i) => f(sgn(xv[i]) * f(f(gv[k] / counts[k]) * (hit(i, k) ? 1 : 0)))),
      ];
    }
    if (p < 1) {
      const scale = Array.from(nv, (n) => f(Math.pow(n, 1 - p)));
      return [
        perElement(a.shape, r, (k, i) => {
          const x = xv[i];
          const selfScaled = f(sgn(x) * (x === 0 ? 0 : f(Math.pow(Math.abs(x), p - 1))));
          return f(f(selfScaled * gv[k]) * scale[k]);
        }),
      ];
    }
    const scaleV = Array.from(nv, (n, k) => (n === 0 ? 0 : f(gv[k] / f(Math.pow(n, p - 1)))));
    return [
      perElement(a.shape, r, (k, i) => {
        const x = xv[i];
        const selfScaled =
          p < 2 ? f(sgn(x) * f(Math.pow(Math.abs(x), p - 1))) : f(x * f(Math.pow(Math.abs(x), p - 2)));
        return f(selfScaled * scaleV[k]);
      }),
    ];
  },
  saves: () => ({ inputs: [0], output: true }),
});

/**
 * `a.norm(p, dim, keepdim)` = `torch.linalg.vector_norm(a, p, dim, keepdim)`: p may be any number
 * (±Infinity, 0 counts non-zeros) or "fro" (2). Computed in float64, then rounded.
 */
export function norm(a: Tensor, p: number | "fro" | "nuc" = 2, dim?: DimArg, keepdim = false): Tensor {
  if (p === "nuc")
    throw new TorchError("NotImplementedError", "gradlens does not support the nuclear norm yet");
  if (a.dtype !== "float32") {
    throw new TorchError(
      "RuntimeError",
      `linalg.vector_norm: Expected a floating point or complex tensor as input. Got ${typeName(a.dtype)}`,
    );
  }
  return runNorm([a], { p: p === "fro" ? 2 : p, dim: dimAttr(dim), keepdim });
}

// ---- all / any ----

function logicalReduction(name: "all" | "any") {
  const run = defineOp<DimsAttrs>({
    name,
    gradFn: "",
    // NaN is truthy, as in PyTorch
    forward: ([a], attrs) =>
      reduceGroups(a.values, planFor(a, attrs), "bool", (s, ix, st, n) => {
        for (let k = 0; k < n; k++) {
          const truthy = s[ix[st + k]] !== 0;
          if (name === "all" ? !truthy : truthy) return name === "all" ? 0 : 1;
        }
        return name === "all" ? 1 : 0;
      }),
  });
  return (a: Tensor, dim?: DimArg, keepdim = false) => run([a], { dim: dimAttr(dim), keepdim });
}

/** `torch.all(a, dim, keepdim)`: bool, no grad. */
export const all = logicalReduction("all");
/** `torch.any(a, dim, keepdim)`: bool, no grad. */
export const any = logicalReduction("any");

// ---- logsumexp ----

const runLogsumexp = defineOp<DimsAttrs>({
  name: "logsumexp",
  gradFn: "LogsumexpBackward0",
  // ATen: m = amax (an infinite m is replaced by 0), log(sum(exp(x - m))) + m, in float32 steps
  forward: ([a], attrs) => {
    const x = castTo(a, "float32").values;
    const r = planFor(a, attrs);
    const max = extremeOf(true);
    return reduceGroups(x, r, "float32", (s, ix, st, n) => {
      let m = n === 0 ? 0 : max(s, ix, st, n);
      if (Math.abs(m) === Infinity) m = 0;
      let sum = 0;
      for (let k = 0; k < n; k++) sum += f(Math.exp(f(s[ix[st + k]] - m)));
      return f(f(Math.log(f(sum))) + m);
    });
  },
  backward: (g, { inputs: [a], out, attrs }) => {
    const xv = a.values;
    return [
      perElement(a.shape, planFor(a, attrs), (k, i) =>
        f(g.values[k] * f(Math.exp(f(xv[i] - out.values[k])))),
      ),
    ];
  },
  saves: () => ({ inputs: [0], output: true }),
});

/** `torch.logsumexp(a, dim, keepdim)`; integer input is computed in float32. */
export function logsumexp(a: Tensor, dim: number | readonly number[], keepdim = false): Tensor {
  return runLogsumexp([a], { dim: dimAttr(dim), keepdim });
}

// ---- softmax / log_softmax ----

interface SoftmaxAttrs {
  dim: number;
}

/** The groups along `dim`, and whether ATen would take its last-dim kernel. */
function softmaxPlan(a: Tensor, dim: number): { r: Reduction; lastDim: boolean } {
  const rank = a.shape.length;
  return {
    r: planReduction(a.shape, reducedDims([dim], rank), false),
    lastDim: rank === 0 || dim === rank - 1,
  };
}

/**
 * One step of a group's sum. ATen's last-dim kernel reduces a row with vector instructions (about a
 * float64 sum rounded once at the end); the other kernel walks the dim one float32 add at a time.
 */
const accumulate = (lastDim: boolean, s: number, v: number) => (lastDim ? s + v : f(s + v));

/**
 * ATen's last-dim kernels (`_vec_softmax_lastdim`, `_vec_log_softmax_lastdim`) on one contiguous row:
 * SLEEF's exp of x - max, the exps summed in 8 lanes (laneReduce); softmax multiplies by 1 / sum,
 * log_softmax subtracts SLEEF's log of the sum.
 */
function softmaxRow(xv: Storage, out: Float32Array, st: number, size: number, log: boolean, m: number): void {
  const e = (k: number) => expSleef(f(xv[st + k] - m));
  if (log) {
    const ls = logSleef(laneReduce(size, e, (acc, k) => f(acc + e(k))));
    for (let k = st; k < st + size; k++) out[k] = f(f(xv[k] - m) - ls);
    return;
  }
  for (let k = 0; k < size; k++) out[st + k] = e(k);
  const sum = laneReduce(
    size,
    (k) => out[st + k],
    (acc, k) => f(acc + out[st + k]),
  );
  const inv = f(1 / sum);
  for (let k = st; k < st + size; k++) out[k] = f(out[k] * inv);
}

function softmaxForward(a: Tensor, dim: number, log: boolean): Tensor {
  const { r, lastDim } = softmaxPlan(a, dim);
  const { index, size } = r;
  const xv = a.values;
  const out = new Float32Array(a.numel());
  const max = extremeOf(true);
  for (let g = 0; g < r.groups && size > 0; g++) {
    if (lastDim) {
      softmaxRow(xv, out, g * size, size, log, max(xv, index, g * size, size));
      continue;
    }
    const st = g * size;
    const m = max(xv, index, st, size);
    let s = 0;
    for (let k = st; k < st + size; k++) {
      const e = f(Math.exp(f(xv[index[k]] - m)));
      out[index[k]] = e;
      s = accumulate(lastDim, s, e);
    }
    s = f(s);
    if (log) {
      // x - max - log(sum), in that order (ATen keeps it for large inputs)
      const ls = f(Math.log(s));
      for (let k = st; k < st + size; k++) out[index[k]] = f(f(xv[index[k]] - m) - ls);
    } else if (lastDim) {
      const inv = f(1 / s);
      for (let k = st; k < st + size; k++) out[index[k]] = f(out[index[k]] * inv);
    } else {
      for (let k = st; k < st + size; k++) out[index[k]] = f(out[index[k]] / s);
    }
  }
  return new Tensor(out, a.shape, "float32");
}

function checkSoftmaxInput(a: Tensor, dim: number, kernel: "softmax" | "log_softmax"): number {
  const d = normalizeDim(dim, a.shape.length);
  if (a.dtype !== "float32") {
    const lastDim = a.shape.length === 0 || d === a.shape.length - 1;
    // the non-last-dim kernel is shared by both and named after softmax
    const name = lastDim ? `${kernel}_lastdim_kernel_impl` : "softmax_kernel_impl";
    throw new TorchError("RuntimeError", `"${name}" not implemented for '${typeName(a.dtype)}'`);
  }
  return d;
}

const runSoftmax = defineOp<SoftmaxAttrs>({
  name: "softmax",
  gradFn: "SoftmaxBackward0",
  forward: ([a], { dim }) => softmaxForward(a, dim, false),
  // ATen's softmax_backward_data: (grad - sum(grad * y)) * y
  backward: (g, { out, attrs: { dim } }) => {
    const { r, lastDim } = softmaxPlan(out, dim);
    const gv = g.values;
    const yv = out.values;
    const grad = new Float32Array(out.numel());
    const { index, size } = r;
    for (let st = 0; st < r.groups * size; st += size) {
      if (lastDim) {
        // ATen's _vec_softmax_backward: map2_reduce_all of grad * y (fused into the lanes), then
        // (grad - sum) * y
        const sum = laneReduce(
          size,
          (k) => f(gv[st + k] * yv[st + k]),
          (acc, k) => f(acc + gv[st + k] * yv[st + k]),
        );
        for (let k = st; k < st + size; k++) grad[k] = f(f(gv[k] - sum) * yv[k]);
        continue;
      }
      let s = 0;
      for (let k = st; k < st + size; k++) s = accumulate(lastDim, s, f(gv[index[k]] * yv[index[k]]));
      s = f(s);
      for (let k = st; k < st + size; k++) grad[index[k]] = f(f(gv[index[k]] - s) * yv[index[k]]);
    }
    return [new Tensor(grad, out.shape, "float32")];
  },
  saves: () => ({ inputs: [], output: true }),
});

const runLogSoftmax = defineOp<SoftmaxAttrs>({
  name: "log_softmax",
  gradFn: "LogSoftmaxBackward0",
  forward: ([a], { dim }) => softmaxForward(a, dim, true),
  // ATen's log_softmax_backward_data: grad - exp(y) * sum(grad)
  backward: (g, { out, attrs: { dim } }) => {
    const { r, lastDim } = softmaxPlan(out, dim);
    const gv = g.values;
    const yv = out.values;
    const grad = new Float32Array(out.numel());
    const { index, size } = r;
    for (let st = 0; st < r.groups * size; st += size) {
      if (lastDim) {
        // ATen's _vec_log_softmax_backward: reduce_all of grad, then grad - exp(y) * sum with
        // SLEEF's exp and one fused multiply-subtract
        const sum = laneReduce(
          size,
          (k) => gv[st + k],
          (acc, k) => f(acc + gv[st + k]),
        );
        for (let k = st; k < st + size; k++) grad[k] = f(gv[k] - expSleef(yv[k]) * sum);
        continue;
      }
      let s = 0;
      for (let k = st; k < st + size; k++) s = accumulate(lastDim, s, gv[index[k]]);
      s = f(s);
      for (let k = st; k < st + size; k++)
        grad[index[k]] = f(gv[index[k]] - f(f(Math.exp(yv[index[k]])) * s));
    }
    return [new Tensor(grad, out.shape, "float32")];
  },
  saves: () => ({ inputs: [], output: true }),
});

/** `torch.softmax(a, dim)`: exp(x - max) / sum, SoftmaxBackward0. */
export function softmax(a: Tensor, dim: number): Tensor {
  return runSoftmax([a], { dim: checkSoftmaxInput(a, dim, "softmax") });
}

/** `torch.log_softmax(a, dim)`: x - max - log(sum(exp(x - max))), LogSoftmaxBackward0. */
export function logSoftmax(a: Tensor, dim: number): Tensor {
  return runLogSoftmax([a], { dim: checkSoftmaxInput(a, dim, "log_softmax") });
}
