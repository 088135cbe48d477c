/**
 * The engine's ops evaluated in float64, for finite-difference gradient checks: every op event of a
 * trace can be recomputed from float64 inputs. Math ops have exact formulas here (the functions the
 * float32 kernels approximate, from ./scalar.ts); ops that only move elements (views, transpose,
 * expand, cat, select, ...) run the engine's own forward on tensors of element positions, so they
 * need no second implementation: the output's values say which input element lands where.
 */
// the tensor module first: it loads the ops, which register themselves with the registry
import { Tensor } from "../engine/tensor.ts";
import { silently } from "../engine/events.ts";
import { noGrad } from "../engine/autograd.ts";
import { TorchError } from "../engine/errors.ts";
import { getOp } from "../engine/registry.ts";
import type { DType } from "../trace/schema.ts";
import { broadcastSource } from "./lookup.ts";
import { type Attrs, BINARY, numAttr, UNARY } from "./scalar.ts";
import { convF64, CONV_OPS } from "./f64-conv.ts";

/** A tensor in float64 (int64 and bool elements as numbers too). */
export interface F64 {
  shape: number[];
  dtype: DType;
  data: Float64Array;
}

const numel = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Attributes with tensors decoded (`{tensor: id}` → the tensor's float64 values). */
export type F64Attrs = Record<string, unknown>;

/** Ops that only move elements: replayed through the engine on position tensors. */
export const MOVEMENT_OPS = new Set([
  "view",
  "reshape",
  "flatten",
  "_unsafe_view",
  "squeeze",
  "unsqueeze",
  "alias",
  "permute",
  "transpose",
  "t",
  "expand",
  "repeat",
  "clone",
  "cat",
  "stack",
  "split",
  "select",
  "slice",
  "unbind",
  "where",
  "embedding",
]);

/**
 * Ops that pick input elements and may write zeros (gather, tril, diag, scatter, ...): replayed
 * through the engine on position tensors numbered from 1, so a 0 in the result is a zero written.
 */
export const SELECT_OPS = new Set([
  "index_fill",
  "diagonal_backward",
  "gather",
  "index_select",
  "flip",
  "roll",
  "tril",
  "triu",
  "diag",
  "scatter",
]);

/** Ops whose choice of elements depends on the values (sort, topk): replayed on the values' ranks. */
export const RANKED_OPS = new Set(["sort", "topk", "median", "median_dim"]);

/** Reductions over `dim` (a list or null for all) with keepdim: for each output element, its input elements. */
function groups(
  shape: readonly number[],
  dimAttr: unknown,
  keepdim: boolean,
): { outShape: number[]; index: number[][] } {
  const rank = shape.length;
  let dims: number[];
  if (dimAttr === null || dimAttr === undefined || (Array.isArray(dimAttr) && dimAttr.length === 0)) {
    dims = shape.map((_, i) => i);
  } else {
    const list = Array.isArray(dimAttr) ? (dimAttr as number[]) : [dimAttr as number];
    dims = list.map((d) => (d < 0 ? d + Math.max(rank, 1) : d)).filter((d) => d < rank);
  }
  const reduced = shape.map((_, i) => dims.includes(i));
  const outShape = keepdim ? shape.map((s, i) => (reduced[i] ? 1 : s)) : shape.filter((_, i) => !reduced[i]);
  const keptShape = shape.map((s, i) => (reduced[i] ? 1 : s));
  const index: number[][] = Array.from({ length: numel(keptShape) }, () => []);
  const n = numel(shape);
  for (let i = 0; i < n; i++) index[keepIndex(shape, keptShape, i)].push(i);
  return { outShape, index };
}

/** Flat index in `kept` (reduced dims set to 1) of input element `i`. */
function keepIndex(shape: readonly number[], kept: readonly number[], i: number): number {
  let rest = i;
  let out = 0;
  let stride = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    const idx = rest % shape[d];
    rest = (rest - idx) / shape[d];
    if (kept[d] !== 1) out += idx * stride;
    stride *= kept[d];
  }
  return out;
}

function reduce(a: F64, attrs: F64Attrs, fn: (xs: number[]) => number, dimKey = "dim"): F64 {
  const { outShape, index } = groups(a.shape, attrs[dimKey], Boolean(attrs.keepdim));
  const data = Float64Array.from(index, (ix) => fn(ix.map((i) => a.data[i])));
  return { shape: outShape, dtype: "float32", data };
}

const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);

function variance(xs: number[], correction: number): number {
  const m = sum(xs) / xs.length;
  return xs.reduce((s, x) => s + (x - m) * (x - m), 0) / Math.max(0, xs.length - correction);
}

function pNorm(xs: number[], p: number): number {
  if (p === Infinity) return Math.max(...xs.map(Math.abs));
  if (p === -Infinity) return Math.min(...xs.map(Math.abs));
  if (p === 0) return xs.filter((x) => x !== 0).length;
  return Math.pow(
    xs.reduce((s, x) => s + Math.pow(Math.abs(x), p), 0),
    1 / p,
  );
}

function logsumexp(xs: number[]): number {
  if (xs.length === 0) return -Infinity;
  let m = Math.max(...xs);
  if (!Number.isFinite(m)) m = 0;
  return Math.log(xs.reduce((s, x) => s + Math.exp(x - m), 0)) + m;
}

/** softmax / log_softmax along one dim, elementwise positions kept. */
function softmax(a: F64, dim: number, log: boolean): F64 {
  const d = dim < 0 ? dim + Math.max(a.shape.length, 1) : dim;
  const { index } = groups(a.shape, [d], true);
  const data = new Float64Array(a.data.length);
  for (const ix of index) {
    const xs = ix.map((i) => a.data[i]);
    const lse = logsumexp(xs);
    ix.forEach((i, k) => (data[i] = log ? xs[k] - lse : Math.exp(xs[k] - lse)));
  }
  return { shape: a.shape, dtype: "float32", data };
}

function matmul2(
  a: Float64Array,
  b: Float64Array,
  n: number,
  k: number,
  m: number,
  offA = 0,
  offB = 0,
): Float64Array {
  const out = new Float64Array(n * m);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let t = 0; t < k; t++) s += a[offA + i * k + t] * b[offB + t * m + j];
      out[i * m + j] = s;
    }
  return out;
}

function reduction(loss: Float64Array, shape: number[], r: unknown): F64 {
  if (r === "none") return { shape, dtype: "float32", data: loss };
  const s = sum([...loss]);
  return { shape: [], dtype: "float32", data: Float64Array.of(r === "sum" ? s : s / loss.length) };
}

const logSigmoid = (x: number) => UNARY.log_sigmoid(x, {});

function weightAt(w: F64 | null, shape: number[], i: number): number {
  return w ? w.data[broadcastSource(w.shape, shape, i)] : 1;
}

/**
 * Ops with a float64 formula: `inputs` in float64, `attrs` with tensors decoded, `outShape` the
 * recorded output's shape. Returns null for an op without one here.
 */
function mathOp(op: string, inputs: F64[], attrs: F64Attrs, outShape: number[]): F64 | null {
  const a = inputs[0];
  const at = attrs as Attrs;
  if (UNARY[op] && inputs.length === 1) {
    const fn = UNARY[op];
    return { shape: a.shape, dtype: "float32", data: a.data.map((x) => fn(x, at)) };
  }
  if (BINARY[op] && inputs.length === 2) {
    const [x, y] = inputs;
    const fn = BINARY[op];
    const n = numel(outShape);
    const data = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      data[i] = fn(
        x.data[broadcastSource(x.shape, outShape, i)],
        y.data[broadcastSource(y.shape, outShape, i)],
        at,
      );
    }
    return { shape: outShape, dtype: "float32", data };
  }
  const sq = (d: number) => d * d;
  switch (op) {
    case "sum":
      return reduce(a, attrs, sum);
    case "mean":
      return reduce(a, attrs, (xs) => sum(xs) / xs.length);
    case "prod":
      return reduce(a, attrs, (xs) => xs.reduce((p, x) => p * x, 1));
    case "max":
    case "amax":
      return reduce(a, op === "max" ? { ...attrs, dim: null } : attrs, (xs) =>
        xs.some((x) => x !== x) ? NaN : Math.max(...xs),
      );
    case "min":
    case "amin":
      return reduce(a, op === "min" ? { ...attrs, dim: null } : attrs, (xs) =>
        xs.some((x) => x !== x) ? NaN : Math.min(...xs),
      );
    case "max_dim":
    case "min_dim": {
      const pick = op === "max_dim" ? Math.max : Math.min;
      return reduce(a, { dim: [attrs.dim], keepdim: attrs.keepdim }, (xs) =>
        xs.some((x) => x !== x) ? NaN : pick(...xs),
      );
    }
    case "_to_copy":
      return { shape: a.shape, dtype: "float32", data: Float64Array.from(a.data) };
    case "var":
      return reduce(a, attrs, (xs) => variance(xs, numAttr(at, "correction", 1)));
    case "std":
      return reduce(a, attrs, (xs) => Math.sqrt(variance(xs, numAttr(at, "correction", 1))));
    case "norm":
      return reduce(a, attrs, (xs) => pNorm(xs, numAttr(at, "p", 2)));
    case "logsumexp":
      return reduce(a, attrs, logsumexp);
    case "softmax":
    case "log_softmax":
      return softmax(a, numAttr(at, "dim", -1), op === "log_softmax");
    case "mm": {
      const [n, k] = a.shape;
      return {
        shape: outShape,
        dtype: "float32",
        data: matmul2(a.data, inputs[1].data, n, k, inputs[1].shape[1]),
      };
    }
    case "mv": {
      const [n, k] = a.shape;
      return { shape: outShape, dtype: "float32", data: matmul2(a.data, inputs[1].data, n, k, 1) };
    }
    case "dot":
      return {
        shape: [],
        dtype: "float32",
        data: Float64Array.of(sum([...a.data].map((x, i) => x * inputs[1].data[i]))),
      };
    case "bmm": {
      const [batch, n, k] = a.shape;
      const m = inputs[1].shape[2];
      const data = new Float64Array(batch * n * m);
      for (let b = 0; b < batch; b++)
        data.set(matmul2(a.data, inputs[1].data, n, k, m, b * n * k, b * k * m), b * n * m);
      return { shape: outShape, dtype: "float32", data };
    }
    case "addcmul":
    case "addcdiv": {
      const [x, t1, t2] = inputs;
      const v = numAttr(at, "value", 1);
      const data = new Float64Array(numel(outShape));
      for (let i = 0; i < data.length; i++) {
        const a1 = t1.data[broadcastSource(t1.shape, outShape, i)];
        const a2 = t2.data[broadcastSource(t2.shape, outShape, i)];
        data[i] =
          x.data[broadcastSource(x.shape, outShape, i)] + (op === "addcmul" ? v * a1 * a2 : (v * a1) / a2);
      }
      return { shape: outShape, dtype: "float32", data };
    }
    case "addmm": {
      const [bias, m1, m2] = inputs;
      const [n, k] = m1.shape;
      const prod = matmul2(m1.data, m2.data, n, k, m2.shape[1]);
      return {
        shape: outShape,
        dtype: "float32",
        data: prod.map((v, i) => v + bias.data[broadcastSource(bias.shape, outShape, i)]),
      };
    }
    case "mse_loss": {
      const y = inputs[1];
      return reduction(
        a.data.map((x, i) => sq(x - y.data[i])),
        a.shape,
        attrs.reduction,
      );
    }
    case "binary_cross_entropy": {
      const y = inputs[1];
      const w = attrs.weight as F64 | null;
      // ATen clamps each log at -100
      const loss = a.data.map((x, i) => {
        const l = (y.data[i] - 1) * Math.max(Math.log1p(-x), -100) - y.data[i] * Math.max(Math.log(x), -100);
        return l * weightAt(w, a.shape, i);
      });
      return reduction(loss, a.shape, attrs.reduction);
    }
    case "binary_cross_entropy_with_logits": {
      const y = inputs[1];
      const w = attrs.weight as F64 | null;
      const pw = attrs.posWeight as F64 | null;
      const loss = a.data.map((x, i) => {
        const yi = y.data[i];
        const factor = pw ? 1 + (pw.data[broadcastSource(pw.shape, a.shape, i)] - 1) * yi : 1;
        return ((1 - yi) * x - logSigmoid(x) * factor) * weightAt(w, a.shape, i);
      });
      return reduction(loss, a.shape, attrs.reduction);
    }
    case "nll_loss": {
      const target = attrs.target as F64;
      const w = attrs.weight as F64 | null;
      const ignore = numAttr(at, "ignoreIndex", -100);
      const classes = a.shape[a.shape.length - 1];
      const batch = a.shape.length === 1 ? 1 : a.shape[0];
      const per = new Float64Array(batch);
      let total = 0;
      for (let b = 0; b < batch; b++) {
        const t = target.data[b];
        if (t === ignore) continue;
        const wt = w ? w.data[t] : 1;
        per[b] = -a.data[b * classes + t] * wt;
        total += wt;
      }
      if (attrs.reduction === "none" && a.shape.length === 2)
        return { shape: [batch], dtype: "float32", data: per };
      const s = sum([...per]);
      return {
        shape: [],
        dtype: "float32",
        data: Float64Array.of(attrs.reduction === "mean" ? s / total : s),
      };
    }
    case "scatter": {
      // scatter_add (plain scatter is a selection): self plus src at the indexed places
      const src = inputs[1];
      const index = attrs.index as F64;
      const data = Float64Array.from(a.data);
      const targets = indexedTargets(a.shape, attrs.dim as number, index);
      const sstrides = src.shape.map((_, d) => numel(src.shape.slice(d + 1)));
      const istrides = index.shape.map((_, d) => numel(index.shape.slice(d + 1)));
      targets.forEach((t, k) => {
        let p = 0;
        for (let d = 0; d < index.shape.length && src.shape.length > 0; d++)
          p += (Math.floor(k / istrides[d]) % index.shape[d]) * sstrides[d];
        data[t] += src.data[p];
      });
      return { shape: a.shape, dtype: a.dtype, data };
    }
    case "index_add": {
      const src = inputs[1];
      const index = attrs.index as F64;
      const alpha = numAttr(at, "alpha", 1);
      const shape = a.shape.length === 0 ? [1] : a.shape;
      const dim = attrs.dim as number;
      const size = shape[dim];
      const n = index.data.length;
      const outer = numel(shape.slice(0, dim));
      const inner = numel(shape.slice(dim + 1));
      const data = Float64Array.from(a.data);
      for (let o = 0; o < outer; o++)
        for (let k = 0; k < n; k++)
          for (let i = 0; i < inner; i++)
            data[(o * size + index.data[k]) * inner + i] += alpha * src.data[(o * n + k) * inner + i];
      return { shape: a.shape, dtype: a.dtype, data };
    }
    case "trace": {
      const [rows, cols] = a.shape;
      let t = 0;
      for (let i = 0; i < Math.min(rows, cols); i++) t += a.data[i * cols + i];
      return { shape: [], dtype: "float32", data: Float64Array.of(t) };
    }
    case "cumsum":
    case "cumprod": {
      const shape = a.shape.length === 0 ? [1] : a.shape;
      const d = attrs.dim as number;
      const dim = d < 0 ? d + shape.length : d;
      const size = shape[dim];
      const inner = numel(shape.slice(dim + 1));
      const data = Float64Array.from(a.data);
      for (let i = 0; i < data.length; i++) {
        if (Math.floor(i / inner) % size === 0) continue;
        if (op === "cumsum") data[i] += data[i - inner];
        else data[i] *= data[i - inner];
      }
      return { shape: a.shape, dtype: "float32", data };
    }
    case "lerp_tensor": {
      const [s0, e0, w0] = inputs;
      const data = new Float64Array(numel(outShape));
      for (let i = 0; i < data.length; i++) {
        const x = s0.data[broadcastSource(s0.shape, outShape, i)];
        const y = e0.data[broadcastSource(e0.shape, outShape, i)];
        data[i] = x + w0.data[broadcastSource(w0.shape, outShape, i)] * (y - x);
      }
      return { shape: outShape, dtype: "float32", data };
    }
    case "clamp_tensor": {
      const lo = at.hasMin === true ? inputs[1] : null;
      const hi = at.hasMax === true ? inputs[lo ? 2 : 1] : null;
      const data = new Float64Array(numel(outShape));
      for (let i = 0; i < data.length; i++) {
        const x = a.data[broadcastSource(a.shape, outShape, i)];
        const mn = lo ? lo.data[broadcastSource(lo.shape, outShape, i)] : -Infinity;
        const mx = hi ? hi.data[broadcastSource(hi.shape, outShape, i)] : Infinity;
        data[i] = mn !== mn || mx !== mx ? NaN : x !== x ? x : Math.min(Math.max(x, mn), mx);
      }
      return { shape: outShape, dtype: "float32", data };
    }
    case "cdist": {
      const b = inputs[1];
      const [r1, m] = a.shape.slice(-2);
      const r2 = b.shape[b.shape.length - 2];
      const data = new Float64Array(numel(outShape));
      const batch = data.length / (r1 * r2 || 1);
      for (let z = 0; z < batch; z++)
        for (let i = 0; i < r1; i++)
          for (let j = 0; j < r2; j++) {
            let s = 0;
            for (let k = 0; k < m; k++) s += sq(a.data[(z * r1 + i) * m + k] - b.data[(z * r2 + j) * m + k]);
            data[(z * r1 + i) * r2 + j] = Math.sqrt(s);
          }
      return { shape: outShape, dtype: "float32", data };
    }
    case "masked_fill": {
      const mask = attrs.mask as F64;
      const value = attrs.value as number;
      return {
        shape: a.shape,
        dtype: a.dtype,
        data: a.data.map((x, i) => (mask.data[broadcastSource(mask.shape, a.shape, i)] ? value : x)),
      };
    }
    case "native_layer_norm":
    case "native_batch_norm":
    case "prelu":
    case "constant_pad_nd":
      return normOp(op, inputs, attrs);
    default:
      return CONV_OPS.has(op) ? convF64(op, inputs, attrs) : null;
  }
}

/** The normalization layers, prelu and constant padding in float64 (ops/norm.ts's float32 kernels). */
function normOp(op: string, inputs: F64[], attrs: F64Attrs): F64 {
  const a = inputs[0];
  const at = attrs as Attrs;
  const weight = attrs.hasWeight ? inputs[1] : null;
  const bias = attrs.hasBias ? inputs[attrs.hasWeight ? 2 : 1] : null;
  const data = new Float64Array(a.data.length);
  if (op === "native_layer_norm") {
    const n = numel(attrs.normalizedShape as number[]);
    const eps = numAttr(at, "eps", 1e-5);
    for (let r = 0; r * n < data.length; r++) {
      const xs = [...a.data.subarray(r * n, r * n + n)];
      const m = sum(xs) / n;
      const rstd = 1 / Math.sqrt(variance(xs, 0) + eps);
      xs.forEach((x, j) => {
        data[r * n + j] = (x - m) * rstd * (weight ? weight.data[j] : 1) + (bias ? bias.data[j] : 0);
      });
    }
    return { shape: a.shape, dtype: "float32", data };
  }
  if (op === "native_batch_norm") {
    const C = a.shape[1];
    const L = numel(a.shape.slice(2));
    const eps = numAttr(at, "eps", 1e-5);
    for (let c = 0; c < C; c++) {
      const idx: number[] = [];
      for (let b = 0; b < a.shape[0]; b++) for (let l = 0; l < L; l++) idx.push((b * C + c) * L + l);
      const xs = idx.map((i) => a.data[i]);
      const m = attrs.training ? sum(xs) / xs.length : (attrs.runningMean as F64).data[c];
      const v = attrs.training ? variance(xs, 0) : (attrs.runningVar as F64).data[c];
      const rstd = 1 / Math.sqrt(v + eps);
      idx.forEach((i) => {
        data[i] = (a.data[i] - m) * rstd * (weight ? weight.data[c] : 1) + (bias ? bias.data[c] : 0);
      });
    }
    return { shape: a.shape, dtype: "float32", data };
  }
  if (op === "prelu") {
    const w = inputs[1];
    const C = a.shape.length >= 2 ? a.shape[1] : 1;
    const L = numel(a.shape.slice(2));
    a.data.forEach((x, i) => {
      const wi = w.data.length === 1 ? w.data[0] : w.data[Math.floor(i / L) % C];
      data[i] = x > 0 ? x : wi * x;
    });
    return { shape: a.shape, dtype: "float32", data };
  }
  // constant_pad_nd: the engine pads a tensor of positions with -1, then positions become values
  const pos = positions(a.shape, 0);
  const out = silently(() => noGrad(() => getOp(op).forward([pos], { pad: attrs.pad, value: -1 })));
  const value = numAttr(at, "value", 0);
  return {
    shape: [...out.shape],
    dtype: "float32",
    data: Float64Array.from(out.values, (p) => (p < 0 ? value : a.data[p])),
  };
}

/** A float32 engine tensor holding `offset + i` at position i (exact below 2^24 elements). */
function positions(shape: number[], offset: number): Tensor {
  const n = numel(shape);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = offset + i;
  return new Tensor(data, shape, "float32");
}

function engineTensor(t: F64): Tensor {
  const data =
    t.dtype === "float32"
      ? Float32Array.from(t.data)
      : t.dtype === "int64"
        ? Float64Array.from(t.data)
        : Uint8Array.from(t.data);
  return new Tensor(data, t.shape, t.dtype);
}

/** A movement op through the engine: float inputs become position tensors, the result says where each element came from. */
function moveOp(op: string, inputs: F64[], engineAttrs: Record<string, unknown>): F64 {
  const all: number[] = [];
  const args = inputs.map((t) => {
    if (t.dtype !== "float32") return engineTensor(t);
    const p = positions(t.shape, all.length);
    for (const v of t.data) all.push(v);
    return p;
  });
  if (all.length >= 2 ** 24)
    throw new TorchError(
      "NotImplementedError",
      `gradlens cannot replay '${op}' on more than 2^24 elements in float64`,
    );
  const out = silently(() => noGrad(() => getOp(op).forward(args, engineAttrs)));
  if (out.dtype !== "float32")
    return { shape: [...out.shape], dtype: out.dtype, data: Float64Array.from(out.values) };
  return { shape: [...out.shape], dtype: "float32", data: Float64Array.from(out.values, (p) => all[p]) };
}

/** A selection op through the engine on positions from 1 (0 marks a zero, or scatter's value). */
function selectOp(op: string, inputs: F64[], engineAttrs: Record<string, unknown>): F64 {
  const all: number[] = [];
  const args = inputs.map((t) => {
    const p = positions(t.shape, all.length + 1);
    for (const v of t.data) all.push(v);
    return p;
  });
  if (all.length >= 2 ** 24 - 1)
    throw new TorchError(
      "NotImplementedError",
      `gradlens cannot replay '${op}' on more than 2^24 elements in float64`,
    );
  const value = typeof engineAttrs.value === "number" ? engineAttrs.value : null;
  if (engineAttrs.add)
    throw new TorchError("NotImplementedError", `gradlens cannot replay scatter_add in float64 yet`);
  const attrs = value === null ? engineAttrs : { ...engineAttrs, value: 0 };
  const out = silently(() => noGrad(() => getOp(op).forward(args, attrs)));
  const data = Float64Array.from(out.values, (p) => (p === 0 ? (value ?? 0) : all[p - 1]));
  return { shape: [...out.shape], dtype: "float32", data };
}

/** sort / topk through the engine on the ranks of the values (ties stay ties, NaN stays NaN). */
function rankedOp(op: string, a: F64, engineAttrs: Record<string, unknown>): F64 {
  const distinct = [...new Set(Array.from(a.data).filter((x) => x === x))].sort((x, y) => x - y);
  const rank = new Map(distinct.map((x, i) => [x, i]));
  const ranks = Float32Array.from(a.data, (x) => (x === x ? rank.get(x)! : NaN));
  const out = silently(() =>
    noGrad(() => getOp(op).forward([new Tensor(ranks, a.shape, "float32")], engineAttrs)),
  );
  return {
    shape: [...out.shape],
    dtype: "float32",
    data: Float64Array.from(out.values, (r) => (r === r ? distinct[r] : NaN)),
  };
}

/** The flat positions in a tensor of `shape` that the elements of `index` address along `dim`. */
function indexedTargets(shape: readonly number[], dim: number, index: F64): number[] {
  const rank = shape.length;
  const strides = shape.map((_, d) => numel(shape.slice(d + 1)));
  const istrides = index.shape.map((_, d) => numel(index.shape.slice(d + 1)));
  return Array.from(index.data, (v, k) => {
    let p = 0;
    for (let d = 0; d < rank && index.shape.length > 0; d++) {
      const c = Math.floor(k / istrides[d]) % index.shape[d];
      p += (d === dim ? v : c) * strides[d];
    }
    return rank === 0 ? 0 : p;
  });
}

/**
 * One op in float64. `engineAttrs` are the attrs as the engine's forward takes them (tensors as
 * engine tensors), for the ops run through the engine. Throws a NotImplementedError naming the op
 * when it has no float64 path.
 */
export function evalF64(
  op: string,
  inputs: F64[],
  attrs: F64Attrs,
  engineAttrs: () => Record<string, unknown>,
  outShape: number[],
  outDtype: DType,
): F64 {
  // comparisons, argmax and the like: piecewise constant, so the float32 engine is exact enough
  if (outDtype !== "float32" && !MOVEMENT_OPS.has(op)) {
    const out = silently(() => noGrad(() => getOp(op).forward(inputs.map(engineTensor), engineAttrs())));
    return { shape: [...out.shape], dtype: out.dtype, data: Float64Array.from(out.values) };
  }
  if (MOVEMENT_OPS.has(op)) return moveOp(op, inputs, engineAttrs());
  // scatter_add_ recorded in place is the scatter op with add set
  if (op === "scatter_add") return evalF64("scatter", inputs, attrs, engineAttrs, outShape, outDtype);
  if (SELECT_OPS.has(op) && !(op === "scatter" && attrs.add)) return selectOp(op, inputs, engineAttrs());
  if (RANKED_OPS.has(op)) return rankedOp(op, inputs[0], engineAttrs());
  const r = mathOp(op, inputs, attrs, outShape);
  if (!r)
    throw new TorchError("NotImplementedError", `gradlens cannot evaluate the op '${op}' in float64 yet`);
  return r;
}

/** Ops with a float64 formula besides the elementwise ones of ./scalar.ts. */
const MATH_OPS = new Set([
  "sum",
  "mean",
  "prod",
  "max",
  "amax",
  "min",
  "amin",
  "var",
  "std",
  "norm",
  "logsumexp",
  "softmax",
  "log_softmax",
  "mm",
  "mv",
  "dot",
  "bmm",
  "addmm",
  "addcmul",
  "addcdiv",
  "mse_loss",
  "binary_cross_entropy",
  "binary_cross_entropy_with_logits",
  "nll_loss",
  "masked_fill",
  "lerp_tensor",
  "clamp_tensor",
  "cdist",
  "max_dim",
  "min_dim",
  "_to_copy",
  "trace",
  "cumprod",
  "scatter_add",
  "index_add",
  "cumsum",
  "native_layer_norm",
  "native_batch_norm",
  "prelu",
  "constant_pad_nd",
]);

/** Whether evalF64 can compute the op (a float output; non-float outputs always can). */
export function hasF64(op: string): boolean {
  return (
    MOVEMENT_OPS.has(op) ||
    SELECT_OPS.has(op) ||
    RANKED_OPS.has(op) ||
    UNARY[op] !== undefined ||
    BINARY[op] !== undefined ||
    MATH_OPS.has(op) ||
    CONV_OPS.has(op)
  );
}
