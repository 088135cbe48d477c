/**
 * Normalization layers, embeddings and a few small nn functionals: F.layer_norm
 * (NativeLayerNormBackward0), F.batch_norm (NativeBatchNormBackward0, with the running statistics
 * updated as ATen updates them), F.embedding (EmbeddingBackward0), mish, hardswish, F.pad (constant
 * mode: ConstantPadNdBackward0). Float32 results as ATen's CPU kernels compute them: row statistics
 * in double rounded to float (ATen's Welford moments and double accumulators land within an ulp),
 * the per-element transforms rounded step by step with Math.fround.
 */
import { TorchError } from "../errors.ts";
import { isFloating } from "../dtype.ts";
import { defineOp } from "../registry.ts";
import { numel, type Shape } from "../shape.ts";
import { Tensor } from "../tensor.ts";

const f = Math.fround;

const TYPE_NAME: Record<string, string> = { float32: "Float", int64: "Long", bool: "Bool" };

function requireFloat(a: Tensor, kernel: string): void {
  if (!isFloating(a.dtype)) {
    throw new TorchError("RuntimeError", `"${kernel}" not implemented for '${TYPE_NAME[a.dtype]}'`);
  }
}

// ---- layer_norm ----

interface LayerNormAttrs {
  normalizedShape: number[];
  eps: number;
  hasWeight: boolean;
  hasBias: boolean;
}

/** Per-row mean and rstd (float32) of `x` viewed as M rows of N. */
function rowMoments(xv: ArrayLike<number>, M: number, N: number, eps: number) {
  const mean = new Float32Array(M);
  const rstd = new Float32Array(M);
  const e = f(eps);
  for (let i = 0; i < M; i++) {
    let s = 0;
    for (let j = 0; j < N; j++) s += xv[i * N + j];
    const m = s / N;
    let v = 0;
    for (let j = 0; j < N; j++) v += (xv[i * N + j] - m) * (xv[i * N + j] - m);
    mean[i] = f(m);
    const varf = f(Math.max(v / N, 0));
    rstd[i] = f(1 / f(Math.sqrt(f(varf + e))));
  }
  return { mean, rstd };
}

const runLayerNorm = defineOp<LayerNormAttrs>({
  name: "native_layer_norm",
  gradFn: "NativeLayerNormBackward0",
  forward: (inputs, { normalizedShape, eps, hasWeight, hasBias }) => {
    const x = inputs[0];
    const w = hasWeight ? inputs[1].values : null;
    const b = hasBias ? inputs[hasWeight ? 2 : 1].values : null;
    const N = numel(normalizedShape);
    const M = N === 0 ? 0 : x.numel() / N;
    const xv = x.values;
    const { mean, rstd } = rowMoments(xv, M, N, eps);
    const out = new Float32Array(x.numel());
    for (let i = 0; i < M; i++) {
      const scale = rstd[i];
      const bias = f(-scale * mean[i]);
      for (let j = 0; j < N; j++) {
        // the compiler fuses each multiply-add (AVX2 kernels built with FMA)
        let y = f(xv[i * N + j] * scale + bias);
        if (w || b) y = f(y * (w ? w[j] : 1) + (b ? b[j] : 0));
        out[i * N + j] = y;
      }
    }
    return new Tensor(out, x.shape, "float32");
  },
  backward: (g, { inputs, attrs: { normalizedShape, eps, hasWeight, hasBias } }, needs) => {
    const x = inputs[0];
    const w = hasWeight ? inputs[1].values : null;
    const N = numel(normalizedShape);
    const M = N === 0 ? 0 : x.numel() / N;
    const xv = x.values;
    const gv = g.values;
    const { mean, rstd } = rowMoments(xv, M, N, eps);
    const dx = needs[0] ? new Float32Array(x.numel()) : null;
    const dw = hasWeight && needs[1] ? new Float64Array(N) : null;
    const db = hasBias && needs[hasWeight ? 2 : 1] ? new Float64Array(N) : null;
    for (let i = 0; i < M; i++) {
      const a = rstd[i];
      const mu = mean[i];
      if (dx) {
        let ds = 0;
        let dbs = 0;
        for (let j = 0; j < N; j++) {
          const k = i * N + j;
          const gw = f(gv[k] * (w ? w[j] : 1));
          ds += f(gw * xv[k]);
          dbs += gw;
        }
        const dsf = f(ds);
        const dbf = f(dbs);
        const scale = f(1 / N);
        const bb = f(f(f(f(f(f(dbf * mu) - dsf) * a) * a) * a) * scale);
        const c = f(f(-bb * mu) - f(f(dbf * a) * scale));
        for (let j = 0; j < N; j++) {
          const k = i * N + j;
          dx[k] = f(f(f(f(a * gv[k]) * (w ? w[j] : 1)) + f(bb * xv[k])) + c);
        }
      }
      for (let j = 0; j < N; j++) {
        const k = i * N + j;
        if (dw) dw[j] += f(gv[k] * f(f(xv[k] - mu) * a));
        if (db) db[j] += gv[k];
      }
    }
    const out: (Tensor | null)[] = [dx ? new Tensor(dx, x.shape, "float32") : null];
    if (hasWeight) out.push(dw ? new Tensor(Float32Array.from(dw), [...normalizedShape], "float32") : null);
    if (hasBias) out.push(db ? new Tensor(Float32Array.from(db), [...normalizedShape], "float32") : null);
    return out;
  },
});

/** `F.layer_norm(x, normalized_shape, weight=None, bias=None, eps=1e-5)`: NativeLayerNormBackward0. */
export function layerNorm(
  x: Tensor,
  normalizedShape: number[],
  weight: Tensor | null = null,
  bias: Tensor | null = null,
  eps = 1e-5,
): Tensor {
  const w = weight ?? null;
  const b = bias ?? null;
  const ns = [...normalizedShape];
  const shapeText = (s: readonly number[]) => `[${s.join(", ")}]`;
  if (ns.length < 1) {
    throw new TorchError(
      "RuntimeError",
      `Expected normalized_shape to be at least 1-dimensional, i.e., containing at least one element, but got normalized_shape = ${shapeText(ns)}`,
    );
  }
  for (const [t, name] of [
    [w, "weight"],
    [b, "bias"],
  ] as const) {
    if (t && shapeText(t.shape) !== shapeText(ns)) {
      throw new TorchError(
        "RuntimeError",
        `Expected ${name} to be of same shape as normalized_shape, but got ${name} of shape ${shapeText(t.shape)} and normalized_shape = ${shapeText(ns)}`,
      );
    }
  }
  const rank = x.shape.length;
  const off = rank - ns.length;
  if (off < 0 || ns.some((s, i) => x.shape[off + i] !== s)) {
    throw new TorchError(
      "RuntimeError",
      `Given normalized_shape=${shapeText(ns)}, expected input with shape [*, ${ns.join(", ")}], but got input of size${shapeText(x.shape)}`,
    );
  }
  requireFloat(x, "LayerNormKernelImpl");
  const inputs = [x, ...(w ? [w] : []), ...(b ? [b] : [])];
  return runLayerNorm(inputs, { normalizedShape: ns, eps, hasWeight: !!w, hasBias: !!b });
}

// ---- batch_norm ----

interface BatchNormAttrs {
  training: boolean;
  eps: number;
  hasWeight: boolean;
  hasBias: boolean;
  /** The running statistics used in eval (null in training): read, never differentiated. */
  runningMean: Tensor | null;
  runningVar: Tensor | null;
}

/** Channel c's elements of an (N, C, *) tensor: calls `fn(flatIndex)` for each. */
function channelIndices(shape: Shape, c: number): number[] {
  const N = shape[0];
  const C = shape[1];
  const L = numel(shape.slice(2));
  const out: number[] = [];
  for (let n = 0; n < N; n++) for (let l = 0; l < L; l++) out.push((n * C + c) * L + l);
  return out;
}

/** Batch mean, invstd and the sum of squared deviations per channel (double, then float32). */
function batchStats(x: Tensor, eps: number) {
  const C = x.shape[1];
  const xv = x.values;
  const mean = new Float32Array(C);
  const invstd = new Float32Array(C);
  const meanD = new Float64Array(C);
  const varSum = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    const idx = channelIndices(x.shape, c);
    let s = 0;
    for (const i of idx) s += xv[i];
    const m = s / idx.length;
    let v = 0;
    for (const i of idx) v += (xv[i] - m) * (xv[i] - m);
    meanD[c] = m;
    varSum[c] = v;
    mean[c] = f(m);
    invstd[c] = f(1 / Math.sqrt(v / idx.length + eps));
  }
  return { mean, invstd, meanD, varSum };
}

/** The per-channel mean and invstd the transform uses. */
function channelStats(x: Tensor, attrs: BatchNormAttrs) {
  if (attrs.training) return batchStats(x, attrs.eps);
  const rm = attrs.runningMean!.values;
  const rv = attrs.runningVar!.values;
  const C = x.shape[1];
  const mean = new Float32Array(C);
  const invstd = new Float32Array(C);
  for (let c = 0; c < C; c++) {
    mean[c] = rm[c];
    invstd[c] = f(1 / f(Math.sqrt(f(rv[c] + f(attrs.eps)))));
  }
  return { mean, invstd };
}

const runBatchNorm = defineOp<BatchNormAttrs>({
  name: "native_batch_norm",
  gradFn: "NativeBatchNormBackward0",
  forward: (inputs, attrs) => {
    const x = inputs[0];
    const w = attrs.hasWeight ? inputs[1].values : null;
    const b = attrs.hasBias ? inputs[attrs.hasWeight ? 2 : 1].values : null;
    const { mean, invstd } = channelStats(x, attrs);
    const xv = x.values;
    const out = new Float32Array(x.numel());
    for (let c = 0; c < x.shape[1]; c++) {
      const alpha = f(invstd[c] * (w ? w[c] : 1));
      const beta = f((b ? b[c] : 0) - f(mean[c] * alpha));
      for (const i of channelIndices(x.shape, c)) out[i] = f(xv[i] * alpha + beta);
    }
    return new Tensor(out, x.shape, "float32");
  },
  backward: (g, { inputs, attrs }, needs) => {
    const x = inputs[0];
    const w = attrs.hasWeight ? inputs[1].values : null;
    const { mean, invstd } = channelStats(x, attrs);
    const xv = x.values;
    const gv = g.values;
    const C = x.shape[1];
    const dx = needs[0] ? new Float32Array(x.numel()) : null;
    const dw = attrs.hasWeight && needs[1] ? new Float32Array(C) : null;
    const db = attrs.hasBias && needs[attrs.hasWeight ? 2 : 1] ? new Float32Array(C) : null;
    for (let c = 0; c < C; c++) {
      const idx = channelIndices(x.shape, c);
      const n = idx.length;
      let sum = 0;
      let dotp = 0;
      for (const i of idx) {
        sum += gv[i];
        dotp += f(f(xv[i] - mean[c]) * gv[i]);
      }
      const sumf = f(sum);
      const dotpf = f(dotp);
      const inv = invstd[c];
      const wc = w ? w[c] : 1;
      if (dx) {
        if (attrs.training) {
          const k = f(f(f(dotpf * inv) * inv) / n);
          const gradMean = f(sumf / n);
          for (const i of idx) {
            const d = f(f(xv[i] - mean[c]) * k);
            dx[i] = f(f(f(f(gv[i] - gradMean) - d) * inv) * wc);
          }
        } else {
          const s = f(inv * wc);
          for (const i of idx) dx[i] = f(gv[i] * s);
        }
      }
      if (dw) dw[c] = f(dotpf * inv);
      if (db) db[c] = sumf;
    }
    const out: (Tensor | null)[] = [dx ? new Tensor(dx, x.shape, "float32") : null];
    if (attrs.hasWeight) out.push(dw ? new Tensor(dw, [C], "float32") : null);
    if (attrs.hasBias) out.push(db ? new Tensor(db, [C], "float32") : null);
    return out;
  },
  // native_batch_norm_backward takes the input and weight, not the bias
  saves: ({ attrs }) => ({ inputs: attrs.hasWeight ? [0, 1] : [0], output: false }),
});

/**
 * `F.batch_norm(x, running_mean, running_var, weight, bias, training, momentum, eps)` over an
 * (N, C, *) input: NativeBatchNormBackward0. In training the batch statistics normalize and, when
 * given, the running statistics move: `momentum * stat + (1 - momentum) * running` with the
 * unbiased variance, in double as ATen computes them. Not training, the running statistics normalize.
 */
export function batchNorm(
  x: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  weight: Tensor | null = null,
  bias: Tensor | null = null,
  training = false,
  momentum = 0.1,
  eps = 1e-5,
): Tensor {
  const rm = runningMean ?? null;
  const rv = runningVar ?? null;
  const w = weight ?? null;
  const b = bias ?? null;
  if (x.shape.length < 2) {
    throw new TorchError("ValueError", `expected 2D or 3D input (got ${x.shape.length}D input)`);
  }
  const C = x.shape[1];
  // ATen's order: each running statistic (defined in eval), then weight and bias
  for (const [t, name, needed] of [
    [rm, "running_mean", !training],
    [rv, "running_var", !training],
    [w, "weight", false],
    [b, "bias", false],
  ] as const) {
    if (!t && needed) {
      throw new TorchError("RuntimeError", `${name} must be defined in evaluation mode`);
    }
    if (t && t.numel() !== C) {
      throw new TorchError("RuntimeError", `${name} should contain ${C} elements not ${t.numel()}`);
    }
  }
  requireFloat(x, "batch_norm");
  const inputs = [x, ...(w ? [w] : []), ...(b ? [b] : [])];
  const out = runBatchNorm(inputs, {
    training,
    eps,
    hasWeight: !!w,
    hasBias: !!b,
    runningMean: training ? null : rm,
    runningVar: training ? null : rv,
  });
  if (training && (rm || rv)) {
    const { meanD, varSum } = batchStats(x, eps);
    const n = x.numel() / C;
    if (rm) {
      const old = rm.values;
      rm.writeValues(Float32Array.from(meanD, (m, c) => momentum * m + (1 - momentum) * old[c]));
      rm.bumpVersion();
    }
    if (rv) {
      const old = rv.values;
      rv.writeValues(Float32Array.from(varSum, (v, c) => momentum * (v / (n - 1)) + (1 - momentum) * old[c]));
      rv.bumpVersion();
    }
  }
  return out;
}

// ---- embedding ----

interface EmbeddingAttrs {
  indices: Tensor;
  paddingIdx: number;
}

const runEmbedding = defineOp<EmbeddingAttrs>({
  name: "embedding",
  gradFn: "EmbeddingBackward0",
  forward: ([w], { indices }) => {
    const D = w.shape[1];
    const iv = indices.values;
    const wv = w.values;
    const out = new Float32Array(iv.length * D);
    for (let k = 0; k < iv.length; k++) {
      const r = iv[k];
      for (let j = 0; j < D; j++) out[k * D + j] = wv[r * D + j];
    }
    return new Tensor(out, [...indices.shape, D], "float32");
  },
  backward: (g, { inputs: [w], attrs: { indices, paddingIdx } }) => {
    const D = w.shape[1];
    const iv = indices.values;
    const gv = g.values;
    const out = new Float32Array(w.numel());
    for (let k = 0; k < iv.length; k++) {
      const r = iv[k];
      if (r === paddingIdx) continue;
      for (let j = 0; j < D; j++) out[r * D + j] = f(out[r * D + j] + gv[k * D + j]);
    }
    return [new Tensor(out, w.shape, "float32")];
  },
  saves: () => ({ inputs: [], output: false }),
});

/** `F.embedding(indices, weight, padding_idx=None)`: rows of weight (EmbeddingBackward0). */
export function embedding(indices: Tensor, weight: Tensor, paddingIdx: number | null = null): Tensor {
  if (indices.dtype !== "int64") {
    throw new TorchError(
      "RuntimeError",
      `Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; but got torch.${TYPE_NAME[indices.dtype]}Tensor instead (while checking arguments for embedding)`,
    );
  }
  if (weight.shape.length !== 2) {
    throw new TorchError("RuntimeError", "'weight' must be 2-D");
  }
  const rows = weight.shape[0];
  for (const v of indices.values) {
    if (v < 0 || v >= rows) throw new TorchError("IndexError", "index out of range in self");
  }
  const p = paddingIdx ?? -1;
  return runEmbedding([weight], { indices, paddingIdx: p < 0 ? -1 : p });
}

// ---- mish, hardswish ----

function unaryOp(
  name: string,
  gradFn: string,
  fn: (x: number) => number,
  grad: (g: number, x: number) => number,
) {
  return defineOp<Record<string, never>>({
    name,
    gradFn,
    forward: ([a]) => {
      const av = a.values;
      const out = new Float32Array(av.length);
      for (let i = 0; i < out.length; i++) out[i] = fn(av[i]);
      return new Tensor(out, a.shape, "float32");
    },
    backward: (g, { inputs: [a] }) => {
      const av = a.values;
      const gv = g.values;
      const out = new Float32Array(av.length);
      for (let i = 0; i < out.length; i++) out[i] = grad(gv[i], av[i]);
      return [new Tensor(out, a.shape, "float32")];
    },
  });
}

const tanhSoftplus = (x: number) => f(Math.tanh(f(Math.log1p(f(Math.exp(x))))));

const runMish = unaryOp(
  "mish",
  "MishBackward0",
  (x) => f(x * tanhSoftplus(x)),
  (g, x) => {
    const sig = f(1 / f(1 + f(Math.exp(-x))));
    const ts = tanhSoftplus(x);
    return f(g * f(ts + f(f(x * sig) * f(1 - f(ts * ts)))));
  },
);

/** `F.mish(a)`: x · tanh(softplus(x)) (MishBackward0). */
export function mish(a: Tensor): Tensor {
  requireFloat(a, "mish_cpu");
  return runMish([a], {});
}

const runHardswish = unaryOp(
  "hardswish",
  "HardswishBackward0",
  (x) => f(f(x * Math.min(Math.max(f(x + 3), 0), 6)) / 6),
  (g, x) => (x < -3 ? 0 : x <= 3 ? f(g * f(f(x / 3) + 0.5)) : g),
);

/** `F.hardswish(a)`: x · relu6(x + 3) / 6 (HardswishBackward0). */
export function hardswish(a: Tensor): Tensor {
  requireFloat(a, "hardswish_cpu");
  return runHardswish([a], {});
}

// ---- constant_pad_nd ----

interface PadAttrs {
  pad: number[];
  value: number;
}

/** The output shape and, per output element, its input element (-1: the fill value). */
function padMap(shape: Shape, pad: number[]): { outShape: number[]; src: Int32Array } {
  const rank = shape.length;
  const before = new Array<number>(rank).fill(0);
  const after = new Array<number>(rank).fill(0);
  for (let k = 0; k < pad.length / 2; k++) {
    before[rank - 1 - k] = pad[2 * k];
    after[rank - 1 - k] = pad[2 * k + 1];
  }
  const outShape = shape.map((s, d) => s + before[d] + after[d]);
  const n = numel(outShape);
  const src = new Int32Array(n);
  const inStrides = new Array<number>(rank);
  for (let d = rank - 1, s = 1; d >= 0; d--) {
    inStrides[d] = s;
    s *= shape[d];
  }
  for (let i = 0; i < n; i++) {
    let rest = i;
    let at = 0;
    for (let d = rank - 1; d >= 0; d--) {
      const o = rest % outShape[d];
      rest = (rest - o) / outShape[d];
      const p = o - before[d];
      if (at >= 0 && p >= 0 && p < shape[d]) at += p * inStrides[d];
      else at = -1;
    }
    src[i] = at;
  }
  return { outShape, src };
}

const runConstantPad = defineOp<PadAttrs>({
  name: "constant_pad_nd",
  gradFn: "ConstantPadNdBackward0",
  forward: ([a], { pad, value }) => {
    const { outShape, src } = padMap(a.shape, pad);
    const av = a.values;
    const out = a.dtype === "float32" ? new Float32Array(src.length) : new Float64Array(src.length);
    for (let i = 0; i < src.length; i++) out[i] = src[i] < 0 ? value : av[src[i]];
    return new Tensor(out, outShape, a.dtype === "float32" ? "float32" : "int64");
  },
  backward: (g, { inputs: [a], attrs: { pad } }) => {
    const { src } = padMap(a.shape, pad);
    const out = new Float32Array(a.numel());
    const gv = g.values;
    for (let i = 0; i < src.length; i++) if (src[i] >= 0) out[src[i]] = gv[i];
    return [new Tensor(out, a.shape, "float32")];
  },
  saves: () => ({ inputs: [], output: false }),
});

/** `F.pad(a, pad, mode="constant", value=0)`: ConstantPadNdBackward0 (negative pads unsupported). */
export function constantPad(a: Tensor, pad: number[], value = 0): Tensor {
  const p = [...pad];
  if (p.length % 2 !== 0) {
    throw new TorchError("RuntimeError", "Padding length must be divisible by 2");
  }
  if (p.length / 2 > a.shape.length) {
    throw new TorchError("RuntimeError", "Padding length too large");
  }
  if (p.some((v) => v < 0)) {
    throw new TorchError("NotImplementedError", "gradlens does not support F.pad with negative padding yet");
  }
  if (a.dtype === "bool") {
    throw new TorchError("NotImplementedError", "gradlens does not support F.pad of a bool tensor yet");
  }
  return runConstantPad([a], { pad: p, value: a.dtype === "float32" ? f(value) : Math.trunc(value) });
}

// ---- prelu ----

/** Index of the weight an element of `x` uses: its channel (dim 1), or the single weight. */
function preluChannel(x: Tensor, w: Tensor): (i: number) => number {
  if (w.numel() === 1 || x.shape.length < 2) return () => 0;
  const C = x.shape[1];
  const L = numel(x.shape.slice(2));
  return (i) => Math.floor(i / L) % C;
}

const runPrelu = defineOp<Record<string, never>>({
  name: "prelu",
  gradFn: "PreluKernelBackward0",
  forward: ([x, w]) => {
    const at = preluChannel(x, w);
    const xv = x.values;
    const wv = w.values;
    const out = new Float32Array(xv.length);
    for (let i = 0; i < out.length; i++) out[i] = xv[i] > 0 ? xv[i] : f(wv[at(i)] * xv[i]);
    return new Tensor(out, x.shape, "float32");
  },
  backward: (g, { inputs: [x, w] }, [nx, nw]) => {
    const at = preluChannel(x, w);
    const xv = x.values;
    const wv = w.values;
    const gv = g.values;
    const dx = new Float32Array(xv.length);
    const dw = new Float64Array(w.numel());
    for (let i = 0; i < xv.length; i++) {
      dx[i] = xv[i] > 0 ? gv[i] : f(wv[at(i)] * gv[i]);
      if (!(xv[i] > 0)) dw[at(i)] += f(xv[i] * gv[i]);
    }
    return [
      nx ? new Tensor(dx, x.shape, "float32") : null,
      nw ? new Tensor(Float32Array.from(dw), w.shape, "float32") : null,
    ];
  },
});

/** `F.prelu(x, weight)`: max(0, x) + weight · min(0, x), one weight or one per channel. */
export function prelu(x: Tensor, weight: Tensor): Tensor {
  requireFloat(x, "prelu_cpu");
  const C = x.shape.length >= 2 ? x.shape[1] : 1;
  if (weight.numel() !== 1 && weight.numel() !== C) {
    throw new TorchError(
      "RuntimeError",
      `Mismatch of parameter numbers and input channel size. Found parameter numbers = ${weight.numel()} and channel size = ${C}.`,
    );
  }
  return runPrelu([x, weight], {});
}
