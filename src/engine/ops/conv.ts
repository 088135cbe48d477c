/**
 * Convolution and pooling over NCHW (and NCL, run as NC1L): F.conv1d/conv2d (ConvolutionBackward0),
 * max_pool2d (MaxPool2DWithIndicesBackward0), avg_pool2d (AvgPool2DBackward0) and
 * adaptive_avg_pool2d (AdaptiveAvgPool2DBackward0). The kernels are generic over the rounding
 * (Math.fround here, the identity for the float64 replay of src/analysis/f64.ts): each output is
 * summed in double precision and rounded once, so it lands within float32 rounding of PyTorch's
 * oneDNN / im2col sums whatever their order.
 */
import { TorchError } from "../errors.ts";
import { isFloating } from "../dtype.ts";
import { defineOp } from "../registry.ts";
import { Tensor } from "../tensor.ts";

const f = Math.fround;
type Round = (x: number) => number;
type Pair = [number, number];

/** Geometry of a 2-D convolution or pooling window. */
export interface Window2d {
  kernel: Pair;
  stride: Pair;
  padding: Pair;
  dilation: Pair;
}

// ---- kernels (shared with the float64 replay) ----

/** The output columns ow whose input column ow·s - p + j·d lies inside [0, W). */
function colRange(OW: number, W: number, s: number, p: number, off: number): [number, number] {
  const lo = Math.max(0, Math.ceil((p - off) / s));
  const hi = Math.min(OW, Math.floor((W - 1 + p - off) / s) + 1);
  return [lo, hi];
}

/** conv2d forward: x [N, C, H, W], w [O, C/groups, kH, kW], bias [O] or null → [N, O, OH, OW]. */
export function convForwardKernel(
  x: ArrayLike<number>,
  xs: readonly number[],
  w: ArrayLike<number>,
  ws: readonly number[],
  b: ArrayLike<number> | null,
  win: Omit<Window2d, "kernel">,
  groups: number,
  round: Round,
): { data: number[]; shape: number[] } {
  const [N, C, H, W] = xs;
  const [O, Cg, kH, kW] = ws;
  const [sH, sW] = win.stride;
  const [pH, pW] = win.padding;
  const [dH, dW] = win.dilation;
  const OH = Math.floor((H + 2 * pH - dH * (kH - 1) - 1) / sH) + 1;
  const OW = Math.floor((W + 2 * pW - dW * (kW - 1) - 1) / sW) + 1;
  const Og = O / groups;
  const out = new Array<number>(N * O * OH * OW);
  // each output plane accumulates in double precision, the bias first, then channel by channel
  const acc = new Float64Array(OH * OW);
  for (let n = 0; n < N; n++)
    for (let o = 0; o < O; o++) {
      const g = Math.floor(o / Og);
      acc.fill(b ? b[o] : 0);
      for (let c = 0; c < Cg; c++) {
        const xc = (n * C + g * Cg + c) * H;
        const wc = (o * Cg + c) * kH;
        for (let i = 0; i < kH; i++)
          for (let j = 0; j < kW; j++) {
            const wv = w[(wc + i) * kW + j];
            const off = j * dW;
            const [lo, hi] = colRange(OW, W, sW, pW, off);
            for (let oh = 0; oh < OH; oh++) {
              const ih = oh * sH - pH + i * dH;
              if (ih < 0 || ih >= H) continue;
              const xr = (xc + ih) * W - pW + off;
              const orow = oh * OW;
              for (let ow = lo; ow < hi; ow++) acc[orow + ow] += wv * x[xr + ow * sW];
            }
          }
      }
      const base = (n * O + o) * OH * OW;
      for (let k = 0; k < acc.length; k++) out[base + k] = round(acc[k]);
    }
  return { data: out, shape: [N, O, OH, OW] };
}

/** conv2d backward: the grads of input, weight and bias from the output's grad g [N, O, OH, OW]. */
export function convBackwardKernel(
  g: ArrayLike<number>,
  x: ArrayLike<number>,
  xs: readonly number[],
  w: ArrayLike<number>,
  ws: readonly number[],
  win: Omit<Window2d, "kernel">,
  groups: number,
  round: Round,
): { gx: number[]; gw: number[]; gb: number[] } {
  const [N, C, H, W] = xs;
  const [O, Cg, kH, kW] = ws;
  const [sH, sW] = win.stride;
  const [pH, pW] = win.padding;
  const [dH, dW] = win.dilation;
  const OH = Math.floor((H + 2 * pH - dH * (kH - 1) - 1) / sH) + 1;
  const OW = Math.floor((W + 2 * pW - dW * (kW - 1) - 1) / sW) + 1;
  const Og = O / groups;
  const gx = new Float64Array(N * C * H * W);
  const gw = new Float64Array(O * Cg * kH * kW);
  const gb = new Float64Array(O);
  for (let n = 0; n < N; n++)
    for (let o = 0; o < O; o++) {
      const grp = Math.floor(o / Og);
      const gbase = (n * O + o) * OH * OW;
      for (let k = 0; k < OH * OW; k++) gb[o] += g[gbase + k];
      for (let c = 0; c < Cg; c++) {
        const xc = (n * C + grp * Cg + c) * H;
        const wc = (o * Cg + c) * kH;
        for (let i = 0; i < kH; i++)
          for (let j = 0; j < kW; j++) {
            const wi = (wc + i) * kW + j;
            const wv = w[wi];
            const off = j * dW;
            const [lo, hi] = colRange(OW, W, sW, pW, off);
            let sw = 0;
            for (let oh = 0; oh < OH; oh++) {
              const ih = oh * sH - pH + i * dH;
              if (ih < 0 || ih >= H) continue;
              const xr = (xc + ih) * W - pW + off;
              const grow = gbase + oh * OW;
              for (let ow = lo; ow < hi; ow++) {
                const gv = g[grow + ow];
                const xi = xr + ow * sW;
                gx[xi] += gv * wv;
                sw += gv * x[xi];
              }
            }
            gw[wi] += sw;
          }
      }
    }
  return { gx: Array.from(gx, round), gw: Array.from(gw, round), gb: Array.from(gb, round) };
}

/** ATen's pooling_output_shape (ceil_mode keeps the last window only if it starts inside the input or left padding). */
export function poolOutSize(
  size: number,
  k: number,
  pad: number,
  stride: number,
  dil: number,
  ceil: boolean,
): number {
  const num = size + 2 * pad - dil * (k - 1) - 1 + (ceil ? stride - 1 : 0);
  let out = Math.floor(num / stride) + 1;
  if (ceil && (out - 1) * stride >= size + pad) out--;
  return out;
}

/** max_pool2d forward: values and flat (h * W + w) argmax indices per plane; NaN wins as ATen's does. */
export function maxPoolKernel(
  x: ArrayLike<number>,
  xs: readonly number[],
  win: Window2d,
  ceil: boolean,
): { data: number[]; indices: number[]; shape: number[] } {
  const [N, C, H, W] = xs;
  const [kH, kW] = win.kernel;
  const [sH, sW] = win.stride;
  const [pH, pW] = win.padding;
  const [dH, dW] = win.dilation;
  const OH = poolOutSize(H, kH, pH, sH, dH, ceil);
  const OW = poolOutSize(W, kW, pW, sW, dW, ceil);
  const data = new Array<number>(N * C * OH * OW);
  const indices = new Array<number>(data.length);
  let k = 0;
  for (let p = 0; p < N * C; p++)
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++) {
        let best = -Infinity;
        let at = -1;
        for (let i = 0; i < kH; i++) {
          const ih = oh * sH - pH + i * dH;
          if (ih < 0 || ih >= H) continue;
          for (let j = 0; j < kW; j++) {
            const iw = ow * sW - pW + j * dW;
            if (iw < 0 || iw >= W) continue;
            const v = x[(p * H + ih) * W + iw];
            if (v > best || Number.isNaN(v) || at < 0) {
              if (at >= 0 && Number.isNaN(best)) continue;
              best = v;
              at = ih * W + iw;
            }
          }
        }
        data[k] = best;
        indices[k++] = at;
      }
  return { data, indices, shape: [N, C, OH, OW] };
}

/** avg_pool2d forward (ATen's divide factor: padded window, clipped window or divisor_override). */
export function avgPoolKernel(
  x: ArrayLike<number>,
  xs: readonly number[],
  win: Omit<Window2d, "dilation">,
  ceil: boolean,
  countIncludePad: boolean,
  divisor: number | null,
  round: Round,
  grad?: ArrayLike<number>,
): { data: number[]; shape: number[] } {
  const [N, C, H, W] = xs;
  const [kH, kW] = win.kernel;
  const [sH, sW] = win.stride;
  const [pH, pW] = win.padding;
  const OH = poolOutSize(H, kH, pH, sH, 1, ceil);
  const OW = poolOutSize(W, kW, pW, sW, 1, ceil);
  const data = new Array<number>(N * C * OH * OW);
  const gx = grad ? new Float64Array(N * C * H * W) : null;
  let k = 0;
  for (let p = 0; p < N * C; p++)
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++) {
        let h0 = oh * sH - pH;
        let w0 = ow * sW - pW;
        let h1 = Math.min(h0 + kH, H + pH);
        let w1 = Math.min(w0 + kW, W + pW);
        const poolSize = (h1 - h0) * (w1 - w0);
        h0 = Math.max(h0, 0);
        w0 = Math.max(w0, 0);
        h1 = Math.min(h1, H);
        w1 = Math.min(w1, W);
        const factor = divisor ?? (countIncludePad ? poolSize : (h1 - h0) * (w1 - w0));
        if (gx && grad) spreadMean(gx, grad[k++] / factor, p, H, W, h0, h1, w0, w1);
        else data[k++] = round(windowSum(x, p, H, W, h0, h1, w0, w1) / factor);
      }
  if (gx) return { data: Array.from(gx, round), shape: [N, C, H, W] };
  return { data, shape: [N, C, OH, OW] };
}

/** The sum of plane `p`'s window rows h0..h1, columns w0..w1 (an average pool's forward). */
function windowSum(
  x: ArrayLike<number>,
  p: number,
  H: number,
  W: number,
  h0: number,
  h1: number,
  w0: number,
  w1: number,
): number {
  let s = 0;
  for (let ih = h0; ih < h1; ih++) for (let iw = w0; iw < w1; iw++) s += x[(p * H + ih) * W + iw];
  return s;
}

/** Adds `g` (an output grad over the window's divisor) to every input of the window (an average pool's backward). */
function spreadMean(
  gx: Float64Array,
  g: number,
  p: number,
  H: number,
  W: number,
  h0: number,
  h1: number,
  w0: number,
  w1: number,
): void {
  for (let ih = h0; ih < h1; ih++) for (let iw = w0; iw < w1; iw++) gx[(p * H + ih) * W + iw] += g;
}

/** adaptive_avg_pool2d forward, or its backward when `grad` is given (windows floor(o·I/O) .. ceil((o+1)·I/O)). */
export function adaptiveAvgPoolKernel(
  x: ArrayLike<number>,
  xs: readonly number[],
  outSize: Pair,
  round: Round,
  grad?: ArrayLike<number>,
): { data: number[]; shape: number[] } {
  const [N, C, H, W] = xs;
  const [OH, OW] = outSize;
  const data = new Array<number>(N * C * OH * OW);
  const gx = grad ? new Float64Array(N * C * H * W) : null;
  let k = 0;
  for (let p = 0; p < N * C; p++)
    for (let oh = 0; oh < OH; oh++) {
      const h0 = Math.floor((oh * H) / OH);
      const h1 = Math.ceil(((oh + 1) * H) / OH);
      for (let ow = 0; ow < OW; ow++) {
        const w0 = Math.floor((ow * W) / OW);
        const w1 = Math.ceil(((ow + 1) * W) / OW);
        const count = (h1 - h0) * (w1 - w0);
        if (gx && grad) spreadMean(gx, grad[k++] / count, p, H, W, h0, h1, w0, w1);
        else data[k++] = round(windowSum(x, p, H, W, h0, h1, w0, w1) / count);
      }
    }
  if (gx) return { data: Array.from(gx, round), shape: [N, C, H, W] };
  return { data, shape: [N, C, OH, OW] };
}

// ---- helpers ----

const f32 = (data: number[], shape: number[]) => new Tensor(Float32Array.from(data), shape, "float32");

/** A 3-D (N, C, L) shape as the 4-D (N, C, 1, L) the kernels take. */
const as4d = (shape: readonly number[]) =>
  shape.length === 3 ? [shape[0], shape[1], 1, shape[2]] : [...shape];

/** An unbatched (C, H, W) input is run as a batch of one, as ATen does. */
function batched(shape: readonly number[], dims: number): number[] {
  return shape.length === dims + 1 ? [1, ...shape] : [...shape];
}

function requireFloat(a: Tensor, kernel: string): void {
  if (!isFloating(a.dtype)) {
    const name = a.dtype === "int64" ? "Long" : "Bool";
    throw new TorchError("RuntimeError", `"${kernel}" not implemented for '${name}'`);
  }
}

// ---- convolution ----

export interface ConvAttrs {
  /** 1 for conv1d, 2 for conv2d. */
  dims: number;
  stride: Pair;
  padding: Pair;
  dilation: Pair;
  groups: number;
}

const runConvolution = defineOp<ConvAttrs>({
  name: "convolution",
  gradFn: "ConvolutionBackward0",
  forward: ([x, w, b], a) => {
    const xs = as4d(batched(x.shape, a.dims));
    const r = convForwardKernel(x.values, xs, w.values, as4d(w.shape), b ? b.values : null, a, a.groups, f);
    const shape = a.dims === 1 ? [r.shape[0], r.shape[1], r.shape[3]] : r.shape;
    return f32(r.data, x.shape.length === a.dims + 1 ? shape.slice(1) : shape);
  },
  backward: (g, { inputs: [x, w, b], attrs: a }, [nx, nw, nb]) => {
    const xs = as4d(batched(x.shape, a.dims));
    const r = convBackwardKernel(g.values, x.values, xs, w.values, as4d(w.shape), a, a.groups, f);
    return [
      nx ? f32(r.gx, [...x.shape]) : null,
      nw ? f32(r.gw, [...w.shape]) : null,
      ...(b ? [nb ? f32(r.gb, [...b.shape]) : null] : []),
    ];
  },
  saves: () => ({ inputs: [0, 1], output: false }),
});

const TYPE: Record<string, string> = { float32: "float", int64: "long int", bool: "bool" };

/**
 * `F.conv1d` / `F.conv2d` (dims 1 or 2): input (N, C, [H,] W) or unbatched, weight
 * (O, C/groups, [kH,] kW), optional bias (O); stride / padding / dilation as pairs (the first
 * ignored for conv1d). ATen's shape checks and their messages.
 */
export function convolution(
  x: Tensor,
  w: Tensor,
  bias: Tensor | null,
  dims: number,
  stride: Pair,
  padding: Pair,
  dilation: Pair,
  groups: number,
): Tensor {
  const k = dims + 2;
  if (x.shape.length !== k && x.shape.length !== k - 1) {
    throw new TorchError(
      "RuntimeError",
      `Expected ${k - 1}D (unbatched) or ${k}D (batched) input to conv${dims}d, but got input of size: [${x.shape.join(", ")}]`,
    );
  }
  const xs = batched(x.shape, dims);
  if (w.shape.length !== k) {
    const given = dims === 1 ? [stride[1]] : stride;
    throw new TorchError(
      "RuntimeError",
      `expected stride to be a single integer value or a list of ${w.shape.length - 2} values to match the convolution dimensions, but got stride=[${given.join(", ")}]`,
    );
  }
  const SCALAR: Record<string, string> = { float32: "Float", int64: "Long", bool: "Bool" };
  if (w.dtype !== x.dtype) {
    throw new TorchError(
      "RuntimeError",
      `expected scalar type ${SCALAR[x.dtype]} but found ${SCALAR[w.dtype]}`,
    );
  }
  if (bias && bias.dtype !== x.dtype) {
    throw new TorchError(
      "RuntimeError",
      `Input type (${TYPE[x.dtype]}) and bias type (${TYPE[bias.dtype]}) should be the same`,
    );
  }
  requireFloat(x, "slow_conv2d_cpu");
  if (groups <= 0) throw new TorchError("RuntimeError", "non-positive groups is not supported");
  for (const [name, v] of [
    ["stride", stride],
    ["dilation", dilation],
  ] as const)
    if (v.some((s) => s <= 0)) throw new TorchError("RuntimeError", `non-positive ${name} is not supported`);
  if (padding.some((p) => p < 0)) throw new TorchError("RuntimeError", "negative padding is not supported");
  const O = w.shape[0];
  if (O % groups !== 0) {
    throw new TorchError(
      "RuntimeError",
      `Given groups=${groups}, expected weight to be divisible by ${groups} at dimension 0, but got weight of size [[${w.shape.join(", ")}]] instead`,
    );
  }
  const C = xs[1];
  if (C !== w.shape[1] * groups) {
    throw new TorchError(
      "RuntimeError",
      `Given groups=${groups}, weight of size [${w.shape.join(", ")}], expected input[${xs.join(", ")}] to have ${w.shape[1] * groups} channels, but got ${C} channels instead`,
    );
  }
  if (bias && (bias.shape.length !== 1 || bias.shape[0] !== O)) {
    throw new TorchError(
      "RuntimeError",
      `Given weight of size [${w.shape.join(", ")}], expected bias to be 1-dimensional with ${O} elements, but got bias of size [${bias.shape.join(", ")}] instead`,
    );
  }
  const spatial = xs.slice(2);
  const ks = w.shape.slice(2);
  const off = 2 - dims;
  const padded = spatial.map((s, i) => s + 2 * padding[i + off]);
  const eff = ks.map((kk, i) => dilation[i + off] * (kk - 1) + 1);
  if (padded.some((p, i) => p < eff[i])) {
    throw new TorchError(
      "RuntimeError",
      `Calculated padded input size per channel: (${padded.join(" x ")}). Kernel size: (${eff.join(" x ")}). Kernel size can't be greater than actual input size`,
    );
  }
  return runConvolution(bias ? [x, w, bias] : [x, w], { dims, stride, padding, dilation, groups });
}

// ---- max pooling ----

export interface PoolAttrs extends Window2d {
  ceilMode: boolean;
}

const runMaxPool2d = defineOp<PoolAttrs>({
  name: "max_pool2d",
  gradFn: "MaxPool2DWithIndicesBackward0",
  forward: ([x], a) => {
    const r = maxPoolKernel(x.values, batched(x.shape, 2), a, a.ceilMode);
    return f32(r.data, x.shape.length === 3 ? r.shape.slice(1) : r.shape);
  },
  backward: (g, { inputs: [x], attrs: a }) => {
    const xs = batched(x.shape, 2);
    const r = maxPoolKernel(x.values, xs, a, a.ceilMode);
    const [, , H, W] = xs;
    const [, , OH, OW] = r.shape;
    const gx = new Float32Array(x.numel());
    for (let i = 0; i < r.indices.length; i++) {
      const plane = Math.floor(i / (OH * OW));
      gx[plane * H * W + r.indices[i]] += g.values[i];
    }
    return [new Tensor(gx, [...x.shape], "float32")];
  },
});

/** The argmax indices of max_pool2d (int64, not differentiable): what return_indices=True returns. */
const runMaxPool2dIndices = defineOp<PoolAttrs>({
  name: "max_pool2d_indices",
  gradFn: "",
  forward: ([x], a) => {
    const r = maxPoolKernel(x.values, batched(x.shape, 2), a, a.ceilMode);
    return new Tensor(
      Float64Array.from(r.indices),
      x.shape.length === 3 ? r.shape.slice(1) : r.shape,
      "int64",
    );
  },
});

function checkPool(x: Tensor, a: Window2d): void {
  if (x.shape.length !== 3 && x.shape.length !== 4) {
    throw new TorchError("RuntimeError", "non-empty 3D or 4D (batch mode) tensor expected for input");
  }
  if (a.stride.some((s) => s === 0)) throw new TorchError("RuntimeError", "stride should not be zero");
  if (a.kernel.some((s) => s <= 0)) {
    throw new TorchError(
      "RuntimeError",
      `kernel size should be greater than zero, but got kH: ${a.kernel[0]} kW: ${a.kernel[1]}`,
    );
  }
  for (let d = 0; d < 2; d++) {
    if (a.padding[d] > a.kernel[d] / 2) {
      throw new TorchError(
        "RuntimeError",
        `pad should be at most half of kernel size, but got pad=${a.padding[d]} and kernel_size=${a.kernel[d]}`,
      );
    }
  }
}

function checkPoolOutput(x: Tensor, a: Window2d, ceil: boolean): void {
  const xs = batched(x.shape, 2);
  const [, C, H, W] = xs;
  const OH = poolOutSize(H, a.kernel[0], a.padding[0], a.stride[0], a.dilation[0], ceil);
  const OW = poolOutSize(W, a.kernel[1], a.padding[1], a.stride[1], a.dilation[1], ceil);
  if (OH < 1 || OW < 1) {
    throw new TorchError(
      "RuntimeError",
      `Given input size: (${C}x${H}x${W}). Calculated output size: (${C}x${OH}x${OW}). Output size is too small`,
    );
  }
}

/** `F.max_pool2d(x, kernel, stride, padding, dilation, ceil_mode)`: MaxPool2DWithIndicesBackward0. */
export function maxPool2d(
  x: Tensor,
  kernel: Pair,
  stride: Pair,
  padding: Pair,
  dilation: Pair,
  ceilMode: boolean,
): Tensor {
  const a = { kernel, stride, padding, dilation, ceilMode };
  checkPool(x, a);
  if (x.dtype === "bool") throw new TorchError("RuntimeError", `"max_pool2d" not implemented for 'Bool'`);
  requireFloat(x, "max_pool2d");
  checkPoolOutput(x, a, ceilMode);
  return runMaxPool2d([x], a);
}

/** The indices `F.max_pool2d(..., return_indices=True)` returns beside the values. */
export function maxPool2dIndices(
  x: Tensor,
  kernel: Pair,
  stride: Pair,
  padding: Pair,
  dilation: Pair,
  ceilMode: boolean,
): Tensor {
  return runMaxPool2dIndices([x], { kernel, stride, padding, dilation, ceilMode });
}

// ---- average pooling ----

export interface AvgPoolAttrs {
  kernel: Pair;
  stride: Pair;
  padding: Pair;
  ceilMode: boolean;
  countIncludePad: boolean;
  divisor: number | null;
}

const runAvgPool2d = defineOp<AvgPoolAttrs>({
  name: "avg_pool2d",
  gradFn: "AvgPool2DBackward0",
  forward: ([x], a) => {
    const r = avgPoolKernel(x.values, batched(x.shape, 2), a, a.ceilMode, a.countIncludePad, a.divisor, f);
    return f32(r.data, x.shape.length === 3 ? r.shape.slice(1) : r.shape);
  },
  backward: (g, { inputs: [x], attrs: a }) => {
    const xs = batched(x.shape, 2);
    const r = avgPoolKernel(x.values, xs, a, a.ceilMode, a.countIncludePad, a.divisor, f, g.values);
    return [f32(r.data, [...x.shape])];
  },
});

/** `F.avg_pool2d(x, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override)`: AvgPool2DBackward0. */
export function avgPool2d(
  x: Tensor,
  kernel: Pair,
  stride: Pair,
  padding: Pair,
  ceilMode: boolean,
  countIncludePad: boolean,
  divisor: number | null,
): Tensor {
  const a = { kernel, stride, padding, dilation: [1, 1] as Pair };
  checkPool(x, a);
  if (x.dtype === "bool")
    throw new TorchError("RuntimeError", `"avg_pool2d_out_frame" not implemented for 'Bool'`);
  if (divisor !== null && divisor === 0) throw new TorchError("RuntimeError", "divisor must be not zero");
  checkPoolOutput(x, a, ceilMode);
  return runAvgPool2d([x], { kernel, stride, padding, ceilMode, countIncludePad, divisor });
}

const runAdaptiveAvgPool2d = defineOp<{ outputSize: Pair }>({
  name: "adaptive_avg_pool2d",
  gradFn: "AdaptiveAvgPool2DBackward0",
  forward: ([x], { outputSize }) => {
    const r = adaptiveAvgPoolKernel(x.values, batched(x.shape, 2), outputSize, f);
    return f32(r.data, x.shape.length === 3 ? r.shape.slice(1) : r.shape);
  },
  backward: (g, { inputs: [x], attrs: { outputSize } }) => {
    const r = adaptiveAvgPoolKernel(x.values, batched(x.shape, 2), outputSize, f, g.values);
    return [f32(r.data, [...x.shape])];
  },
  saves: () => ({ inputs: [0], output: false }),
});

/** `F.adaptive_avg_pool2d(x, output_size)` for an output other than 1×1 (which is a mean): AdaptiveAvgPool2DBackward0. */
export function adaptiveAvgPool2d(x: Tensor, oh: number, ow: number): Tensor {
  if (x.shape.length !== 3 && x.shape.length !== 4) {
    throw new TorchError(
      "RuntimeError",
      `adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got [${x.shape.join(", ")}]`,
    );
  }
  requireFloat(x, "adaptive_avg_pool2d_cpu");
  return runAdaptiveAvgPool2d([x], { outputSize: [oh, ow] });
}
