/**
 * Plain-data kernels the ops are built from: float32 rounding happens on store into Float32Array.
 *
 * Speed: a loop shared by every op calls a different callback each time, so V8's call site goes
 * megamorphic and nothing inlines (a 1e6-element add ran ~20× slower than a plain loop). Each
 * elementwise function therefore gets loops of its own, compiled from fixed templates with
 * `new Function` (a fresh function per compile, hence fresh type feedback): the call to `fn` inside
 * sees one callee and V8 inlines it. The function itself is passed in, never pasted into the source.
 */
import { allocate, castValue, type DType, promoteTypes, type Storage } from "./dtype.ts";
import { broadcastIndexMap, broadcastShapes, numel, sameShape, type Shape, stridesOf } from "./shape.ts";
import { orderedSum } from "./sumorder.ts";
import { Tensor } from "./tensor.ts";

type Fn1 = (x: number) => number;
type Fn2 = (x: number, y: number) => number;
type Fn3 = (x: number, y: number, z: number) => number;

/** Same-shape / contiguous loops. */
type Unary = (fn: Fn1, x: Storage, out: Storage, n: number) => void;
type Same2 = (fn: Fn2, x: Storage, y: Storage, out: Storage, n: number) => void;
type Same3 = (fn: Fn3, x: Storage, y: Storage, z: Storage, out: Storage, n: number) => void;
/** One row of a broadcast: both operands advance (vv), or one of them is held fixed (vs, sv). */
type RowVV = (
  fn: Fn2,
  x: Storage,
  xo: number,
  y: Storage,
  yo: number,
  out: Storage,
  oo: number,
  n: number,
) => void;
type RowVS = (fn: Fn2, x: Storage, xo: number, s: number, out: Storage, oo: number, n: number) => void;
type RowSV = (fn: Fn2, s: number, y: Storage, yo: number, out: Storage, oo: number, n: number) => void;

/** The loop templates: parameters, and the element expression whose result `v` is stored at `out[o]`. */
const TEMPLATES = {
  unary: ["fn, x, out, n", "i", "fn(x[i])"],
  same2: ["fn, x, y, out, n", "i", "fn(x[i], y[i])"],
  same3: ["fn, x, y, z, out, n", "i", "fn(x[i], y[i], z[i])"],
  vv: ["fn, x, xo, y, yo, out, oo, n", "oo + i", "fn(x[xo + i], y[yo + i])"],
  vs: ["fn, x, xo, s, out, oo, n", "oo + i", "fn(x[xo + i], s)"],
  sv: ["fn, s, y, yo, out, oo, n", "oo + i", "fn(s, y[yo + i])"],
} as const;
type Kind = keyof typeof TEMPLATES;
const KINDS = Object.keys(TEMPLATES) as Kind[];

/** castValue inlined: the Float32Array store rounds; int64 truncates (non-finite → 0); bool is truthiness. */
const STORE: Record<DType, string> = {
  float32: "v",
  int64: "Number.isFinite(v) ? Math.trunc(v) : 0",
  bool: "v ? 1 : 0",
};
const DTYPES: DType[] = ["float32", "int64", "bool"];

let compiled = 0;

function compile(kind: Kind, out: DType): (...args: never[]) => void {
  const [params, at, expr] = TEMPLATES[kind];
  // V8 caches `new Function` by source text and would hand back one shared function (and feedback):
  // a serial number keeps every loop its own
  const body = `"use strict"; // kernel ${++compiled}
for (let i = 0; i < n; i++) { const v = ${expr}; out[${at}] = ${STORE[out]}; }`;
  return new Function(...params.split(", "), body) as (...args: never[]) => void;
}

/** Compiled loops of one function (or one source text), by kind and operand/output dtypes. */
type Loops = Map<number, (...args: never[]) => void>;

/**
 * A function seen a second time is a stable one (an op's own `fn`): it gets loops of its own. A first
 * sighting — or a closure made afresh on every call — uses loops shared by functions of the same
 * source text: closures from one site share V8's feedback cell, so those still inline; identical text
 * at different sites only makes that shared loop as slow as a generic one.
 */
const own = new WeakMap<object, Loops | null>();
const bySource = new Map<string, Loops>();

function loopsOf(fn: object): Loops {
  const mine = own.get(fn);
  if (mine) return mine;
  if (mine === null) {
    const fresh: Loops = new Map();
    own.set(fn, fresh);
    return fresh;
  }
  own.set(fn, null);
  const src = String(fn);
  let shared = bySource.get(src);
  if (!shared) bySource.set(src, (shared = new Map()));
  return shared;
}

/** The compiled loop of `kind` for `fn` over operands of `dtypes` (they pick the typed-array kinds). */
function loop<L>(fn: object, kind: Kind, out: DType, ...dtypes: DType[]): L {
  const loops = loopsOf(fn);
  // kind, output dtype and three operand dtypes (missing ones count as float32), in base 3
  let key = KINDS.indexOf(kind) * 3 + DTYPES.indexOf(out);
  for (let k = 0; k < 3; k++) key = key * 3 + (k < dtypes.length ? DTYPES.indexOf(dtypes[k]) : 0);
  let l = loops.get(key);
  if (!l) loops.set(key, (l = compile(kind, out)));
  return l as L;
}

/** PyTorch's result type: the highest category among operands (one dtype per category here). */
export function resultType(...ts: Tensor[]): DType {
  return ts.reduce<DType>((d, t) => promoteTypes(d, t.dtype), "bool");
}

/** Elementwise `fn` over one tensor. */
export function mapUnary(a: Tensor, fn: Fn1, outDtype: DType = a.dtype): Tensor {
  const n = a.numel();
  const out = allocate(outDtype, n);
  if (n > 0) loop<Unary>(fn, "unary", outDtype, a.dtype)(fn, a.values, out, n);
  return new Tensor(out, a.shape, outDtype);
}

/** Elementwise `fn(a, b, c)` over three tensors of one shape (a backward's grad, input and output). */
export function mapTernary(a: Tensor, b: Tensor, c: Tensor, fn: Fn3): Tensor {
  const n = a.numel();
  if (b.numel() !== n || c.numel() !== n) throw new Error("mapTernary: operands differ in size");
  const out = new Float32Array(n);
  if (n > 0)
    loop<Same3>(fn, "same3", "float32", a.dtype, b.dtype, c.dtype)(fn, a.values, b.values, c.values, out, n);
  return new Tensor(out, a.shape, "float32");
}

/**
 * Broadcasting as loops over rows: dims of size 1 dropped, adjacent dims merged where every operand
 * steps through them evenly. What is left ends in a row along which each operand advances (stride 1)
 * or stays (stride 0, broadcast): a bias [n, k] + [k] is n rows of k, [n, k] * [n, 1] n rows of k
 * against one number each. `strides[j][d]` is operand j's stride along dim d.
 */
interface RowPlan {
  sizes: number[];
  strides: number[][];
}

function planRows(outShape: Shape, shapes: Shape[]): RowPlan {
  const rank = outShape.length;
  const full = shapes.map((s) => {
    const st = stridesOf(s);
    const off = rank - s.length;
    return outShape.map((_, d) => (d < off || s[d - off] === 1 ? 0 : st[d - off]));
  });
  const sizes: number[] = [];
  const strides: number[][] = shapes.map(() => []);
  for (let d = 0; d < rank; d++) {
    const size = outShape[d];
    if (size === 1) continue;
    const last = sizes.length - 1;
    if (last >= 0 && strides.every((st, j) => st[last] === full[j][d] * size)) {
      sizes[last] *= size;
      strides.forEach((st, j) => (st[last] = full[j][d]));
    } else {
      sizes.push(size);
      strides.forEach((st, j) => st.push(full[j][d]));
    }
  }
  if (!sizes.length) {
    sizes.push(1);
    strides.forEach((st) => st.push(1));
  }
  return { sizes, strides };
}

/** Where each row starts in an operand with `strides` (an odometer over all dims but the last). */
function rowStarts({ sizes }: RowPlan, strides: number[]): Int32Array {
  const r = sizes.length - 1;
  let rows = 1;
  for (let d = 0; d < r; d++) rows *= sizes[d];
  const starts = new Int32Array(rows);
  const idx = new Array<number>(r).fill(0);
  let off = 0;
  for (let k = 0; k < rows; k++) {
    starts[k] = off;
    for (let d = r - 1; d >= 0; d--) {
      off += strides[d];
      if (++idx[d] < sizes[d]) break;
      off -= strides[d] * sizes[d];
      idx[d] = 0;
    }
  }
  return starts;
}

/** mapTernary for operands that broadcast: `fn(s, t1, t2)` over their broadcast shape, float32 out (addcmul, addcdiv, lerp). */
export function mapTernaryBroadcast(
  s: Tensor,
  t1: Tensor,
  t2: Tensor,
  fn: (s: number, a: number, b: number) => number,
): Tensor {
  const shape = broadcastShapes(broadcastShapes(s.shape, t1.shape), t2.shape);
  const out = new Float32Array(numel(shape));
  const [sm, am, bm] = [s, t1, t2].map((t) => broadcastIndexMap(t.shape, shape));
  const [sv, av, bv] = [s.values, t1.values, t2.values];
  for (let i = 0; i < out.length; i++) out[i] = fn(sv[sm[i]], av[am[i]], bv[bm[i]]);
  return new Tensor(out, shape, "float32");
}

/** Elementwise `fn` over two tensors, broadcast. */
export function mapBinary(a: Tensor, b: Tensor, fn: Fn2, outDtype: DType): Tensor {
  const shape = sameShape(a.shape, b.shape) ? a.shape : broadcastShapes(a.shape, b.shape);
  const n = numel(shape);
  const out = allocate(outDtype, n);
  const av = a.values;
  const bv = b.values;
  const [da, db] = [a.dtype, b.dtype];
  if (n === 0) {
    // nothing to compute
  } else if (av.length === n && bv.length === n) {
    // equal sizes after broadcasting: the same element order (only size-1 dims differ)
    loop<Same2>(fn, "same2", outDtype, da, db)(fn, av, bv, out, n);
  } else if (bv.length === 1) {
    loop<RowVS>(fn, "vs", outDtype, da)(fn, av, 0, bv[0], out, 0, n);
  } else if (av.length === 1) {
    loop<RowSV>(fn, "sv", outDtype, db)(fn, av[0], bv, 0, out, 0, n);
  } else {
    const plan = planRows(shape, [a.shape, b.shape]);
    const [sa, sb] = plan.strides;
    const last = plan.sizes.length - 1;
    const len = plan.sizes[last];
    const as = rowStarts(plan, sa);
    const bs = rowStarts(plan, sb);
    if (sa[last] && sb[last]) {
      const row = loop<RowVV>(fn, "vv", outDtype, da, db);
      for (let r = 0; r < as.length; r++) row(fn, av, as[r], bv, bs[r], out, r * len, len);
    } else if (sa[last]) {
      const row = loop<RowVS>(fn, "vs", outDtype, da);
      for (let r = 0; r < as.length; r++) row(fn, av, as[r], bv[bs[r]], out, r * len, len);
    } else {
      const row = loop<RowSV>(fn, "sv", outDtype, db);
      for (let r = 0; r < as.length; r++) row(fn, av[as[r]], bv, bs[r], out, r * len, len);
    }
  }
  return new Tensor(out, shape, outDtype);
}

const identity: Fn1 = (x) => x;

/** Converts a tensor to another dtype (a copy). */
export function castTo(a: Tensor, dtype: DType): Tensor {
  if (a.dtype === dtype) return a;
  if (dtype === "float32" || a.dtype === "bool") {
    // TypedArray#set converts as a store does: float32 rounding; bool's 0/1 are exact everywhere
    const out = allocate(dtype, a.numel());
    out.set(a.values);
    return new Tensor(out, a.shape, dtype);
  }
  return mapUnary(a, identity, dtype);
}

/**
 * Sums a broadcast gradient back to `shape`: the reverse of broadcasting, which every binary op's
 * backward needs. One sum over the broadcast dims, as ATen's sum_to does, added in its order.
 */
export function sumToShape(g: Tensor, shape: Shape): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const leading = g.shape.length - shape.length;
  const dims = g.shape
    .map((s, d) => d)
    .filter((d) => d < leading || (shape[d - leading] === 1 && g.shape[d] !== 1));
  return new Tensor(orderedSum(g.values, g.shape, dims), shape, "float32");
}

const fr = Math.fround;
/** float32 fused multiply-add: the product is exact in float64, the sum rounds (twice, rarely apart). */
const fmaf = (a: number, b: number, c: number) => fr(a * b + c);
/** Round half to even, as cvtps2dq does. */
function rintf(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
const R_LN2F = fr(1.4426950408889634);
const L2UF = fr(0.693145751953125);
const L2LF = fr(1.428606765330187045e-6);
const EXP_POLY = [
  0.00139304355252534151077271, 0.00833336077630519866943359, 0.0416664853692054748535156,
  0.166666671633720397949219, 0.5,
].map(fr);

/**
 * `torch.exp` on float32: SLEEF's expf_u10 (AVX2, with FMA), which ATen's vectorized exp runs for
 * every element, tail included. It is within 1 ulp of e^x but not always the nearest float32 (1
 * value in 10 differs from expf32), and prints differ where a result cancels.
 */
export function expSleef(x: number): number {
  if (x !== x) return NaN;
  const d = fr(x);
  const q = rintf(fr(d * R_LN2F));
  let s = fmaf(q, -L2UF, d);
  s = fmaf(q, -L2LF, s);
  let u = fr(0.000198527617612853646278381);
  for (const c of EXP_POLY) u = fmaf(u, s, c);
  u = fr(1 + fmaf(fr(s * s), u, s));
  const half = q >> 1;
  u = fr(fr(u * 2 ** half) * 2 ** (q - half));
  if (d < -104) return 0;
  if (d > 100) return Infinity;
  return u;
}

/** exp's table: 2^(k/256), and the powers of two that scale it. */
const EXP_TABLE = Float64Array.from({ length: 256 }, (_, k) => Math.pow(2, k / 256));
const POW2 = Float64Array.from({ length: 321 }, (_, m) => Math.pow(2, m - 160));
/** How far the fast value may be from e^x, relatively, for its float32 rounding to be trusted. */
const EXP_SLACK = 2 ** -36;

/**
 * `Math.fround(Math.exp(x))`, bit for bit, in about 60% of the time: e^x = 2^(j/256) · e^r with
 * |r| ≤ ln2/512 and a cubic for e^r (relative error < 2e-13). When every number within EXP_SLACK of
 * that value rounds to the same float32, so does the true e^x and so does Math.exp's (< 1 ulp of a
 * double away); otherwise (about 1 element in 3,000) and outside (-87, 88), where float32 results
 * stop being normal, Math.exp decides.
 */
export function expf32(x: number): number {
  if (!(x > -87 && x < 88)) return Math.fround(Math.exp(x));
  // round to the nearest integer by the 1.5·2^52 trick (no call, no branch)
  const jd = x * (256 / Math.LN2) + 6755399441055744 - 6755399441055744;
  const r = x - jd * (Math.LN2 / 256);
  const j = jd | 0;
  const y = (1 + r * (1 + r * (0.5 + r * (1 / 6)))) * EXP_TABLE[j & 255] * POW2[(j >> 8) + 160];
  const lo = Math.fround(y * (1 - EXP_SLACK));
  if (lo === Math.fround(y * (1 + EXP_SLACK))) return lo;
  return Math.fround(Math.exp(x));
}

export function filled(shape: Shape, value: number, dtype: DType = "float32"): Tensor {
  const t = Tensor.empty(shape, dtype);
  t.values.fill(castValue(dtype, value));
  return t;
}

export { stridesOf };

/**
 * ATen's `vec::reduce_all` / `map_reduce_all` of a float32 row (AVX2, 8 lanes): `first(k)` is the
 * mapped element k (rounded), `step(acc, k)` folds element k into a lane. Below 8 elements the mapped
 * values are added in order; otherwise lane j starts at element j, takes every 8th element after it
 * (the partial last block into the first lanes), and the lanes are added as a tree.
 */
export function laneReduce(
  size: number,
  first: (k: number) => number,
  step: (acc: number, k: number) => number,
): number {
  if (size === 0) return 0;
  if (size < 8) {
    let acc = first(0);
    for (let k = 1; k < size; k++) acc = fr(acc + first(k));
    return acc;
  }
  const lanes = [first(0), first(1), first(2), first(3), first(4), first(5), first(6), first(7)];
  let d = 8;
  for (; d < size - (size % 8); d += 8) for (let j = 0; j < 8; j++) lanes[j] = step(lanes[j], d + j);
  for (let j = 0; d + j < size; j++) lanes[j] = step(lanes[j], d + j);
  // vec_reduce_all's AVX2 shuffles: halves, then pairs, then neighbours
  const h = [0, 1, 2, 3].map((j) => fr(lanes[j] + lanes[j + 4]));
  return fr(fr(h[0] + h[2]) + fr(h[1] + h[3]));
}

// SLEEF's logf_u10 (AVX2 with FMA) in double-float steps: the log of a float32 as a sum hi + lo.
const LN2_HI = fr(0.69314718246459960938);
const LN2_LO = fr(-1.904654323148236017e-9);
const LOG_C = [0.3027294874, 0.3996108174, 0.666669488].map(fr);
const f32buf = new Float32Array(1);
const i32buf = new Int32Array(f32buf.buffer);

/** (a + b) as a double-float pair, any magnitudes. */
function twoSum(a: number, b: number): [number, number] {
  const s = fr(a + b);
  const v = fr(s - a);
  return [s, fr(fr(a - fr(s - v)) + fr(b - v))];
}

/**
 * `torch.log` on float32 as ATen's vectorized log runs it: SLEEF's logf_u10 for every element, tail
 * included (within 1 ulp of ln x, not always the nearest float32).
 */
export function logSleef(x: number): number {
  let d = fr(x);
  if (d !== d || d < 0) return NaN;
  if (d === 0) return -Infinity;
  if (d === Infinity) return Infinity;
  const tiny = d < 1.1754943508222875e-38;
  if (tiny) d = fr(d * 18446744073709551616);
  // e = ilogb(d / 0.75), m = d * 2^-e (in [0.75, 1.5))
  f32buf[0] = fr(d * fr(1 / 0.75));
  let e = ((i32buf[0] >> 23) & 0xff) - 0x7f;
  f32buf[0] = d;
  i32buf[0] += -e << 23;
  const m = f32buf[0];
  if (tiny) e -= 64;
  // s = ln2 * e as a double-float product
  const ef = fr(e);
  const sx = fr(LN2_HI * ef);
  let sy = fmaf(LN2_LO, ef, fmaf(LN2_HI, ef, -sx));
  // x = (m - 1) / (m + 1) as a double-float quotient
  const [nx, ny] = twoSum(-1, m);
  const [dx, dy] = twoSum(1, m);
  const t = fr(1 / dx);
  const qx = fr(nx * t);
  const u = fmaf(t, nx, -qx);
  const v = fmaf(-dy, t, fmaf(-dx, t, 1));
  const qy = fmaf(qx, v, fmaf(ny, t, u));
  const x2 = fr(qx * qx);
  let c = LOG_C[0];
  c = fmaf(c, x2, LOG_C[1]);
  c = fmaf(c, x2, LOG_C[2]);
  // s += 2x (double-float add, |s| >= |2x| assumed as SLEEF's dfadd)
  let shi = fr(sx + fr(qx * 2));
  sy = fr(fr(fr(fr(sx - shi) + fr(qx * 2)) + sy) + fr(qy * 2));
  // s += x^3 * c
  const w = fr(fr(x2 * qx) * c);
  const s2 = fr(shi + w);
  sy = fr(fr(fr(shi - s2) + w) + sy);
  shi = s2;
  return fr(shi + sy);
}

// ---- SLEEF's tanhf_u10 (AVX2 with FMA), in double-float steps

type DF = [number, number];
const dfAdd2FF = (x: DF, y: number): DF => {
  const s = fr(x[0] + y);
  const v = fr(s - x[0]);
  return [s, fr(fr(fr(x[0] - fr(s - v)) + fr(y - v)) + x[1])];
};
const dfAdd2NF = (x: number, y: DF): DF => {
  const s = fr(x + y[0]);
  const v = fr(s - x);
  return [s, fr(fr(fr(x - fr(s - v)) + fr(y[0] - v)) + y[1])];
};
const dfAdd2: (x: DF, y: DF) => DF = (x, y) => {
  const s = fr(x[0] + y[0]);
  const v = fr(s - x[0]);
  return [s, fr(fr(fr(x[0] - fr(s - v)) + fr(y[0] - v)) + fr(x[1] + y[1]))];
};
const dfMulF = (x: DF, y: number): DF => {
  const s = fr(x[0] * y);
  return [s, fmaf(x[1], y, fmaf(x[0], y, -s))];
};
const dfMul = (x: DF, y: DF): DF => {
  const s = fr(x[0] * y[0]);
  return [s, fmaf(x[0], y[1], fmaf(x[1], y[0], fmaf(x[0], y[0], -s)))];
};
const dfSqu = (x: DF): DF => {
  const s = fr(x[0] * x[0]);
  return [s, fmaf(fr(x[0] + x[0]), x[1], fmaf(x[0], x[0], -s))];
};
const dfRec = (d: DF): DF => {
  const s = fr(1 / d[0]);
  return [s, fr(s * fmaf(-d[1], s, fmaf(-d[0], s, 1)))];
};
const dfDiv = (n: DF, d: DF): DF => {
  const t = fr(1 / d[0]);
  const s = fr(n[0] * t);
  const u = fmaf(t, n[0], -s);
  const v = fmaf(-d[1], t, fmaf(-d[0], t, 1));
  return [s, fmaf(s, v, fmaf(n[1], t, u))];
};
const EXPK2_POLY = [0.1980960224e-3, 0.1394256484e-2, 0.8333456703e-2, 0.4166637361e-1].map(fr);

/** SLEEF's expk2f: e^d for a double-float d, as a double-float. */
function expk2f(d: DF): DF {
  const q = rintf(fr(fr(d[0] + d[1]) * R_LN2F));
  let s = dfAdd2FF(d, fr(q * -L2UF));
  s = dfAdd2FF(s, fr(q * -L2LF));
  let u = EXPK2_POLY[0];
  for (let i = 1; i < 4; i++) u = fmaf(u, s[0], EXPK2_POLY[i]);
  let t = dfAdd2FF(dfMulF(s, u), fr(0.1666666567325592));
  t = dfAdd2FF(dfMul(s, t), 0.5);
  t = dfAdd2(s, dfMul(dfSqu(s), t));
  t = dfAdd2NF(1, t);
  const half = q >> 1;
  const scale = (v: number) => fr(fr(v * 2 ** half) * 2 ** (q - half));
  if (d[0] < -104) return [0, 0];
  return [scale(t[0]), scale(t[1])];
}

/**
 * `torch.tanh`'s vectorized form: SLEEF's tanhf_u10, (e^y - e^-y) / (e^y + e^-y) in double-float
 * for y = |x|, 1 beyond 8.66, the sign of x.
 */
export function tanhSleef(x: number): number {
  if (x !== x) return NaN;
  const ax = Math.abs(fr(x));
  let y: number;
  if (ax > fr(8.664339742)) y = 1;
  else {
    const d = expk2f([ax, 0]);
    const e = dfRec(d);
    const q = dfDiv(dfAdd2(d, [-e[0], -e[1]]), dfAdd2(d, e));
    y = fr(q[0] + q[1]);
    if (y !== y) y = 1;
  }
  return x < 0 || Object.is(x, -0) ? -y : y;
}

// ---- SLEEF's sinf_u10 / cosf_u10 (AVX2 with FMA) for |x| < 125; beyond, Math's value

const PI_A2F = 3.1414794921875;
const PI_B2F = fr(0.00011315941810607910156);
const PI_C2F = fr(1.9841872589410058936e-9);
const M_1_PIF = fr(1 / Math.PI);
const SIN_POLY = [
  2.6083159809786593541503e-6, -0.0001981069071916863322258, 0.00833307858556509017944336,
].map(fr);

const dfAdd2NN = (x: number, y: number): DF => {
  const s = fr(x + y);
  const v = fr(s - x);
  return [s, fr(fr(x - fr(s - v)) + fr(y - v))];
};

/** The sin/cos kernel on a reduced double-float s: s * (1 + s^2 * poly). */
function sinKernel(s: DF): number {
  const t = s;
  const sq = dfSqu(s);
  let u = SIN_POLY[0];
  u = fmaf(u, sq[0], SIN_POLY[1]);
  u = fmaf(u, sq[0], SIN_POLY[2]);
  const a = fr(-0.166666597127914428710938);
  const b = fr(u * sq[0]);
  const inner: DF = [fr(a + b), fr(fr(a - fr(a + b)) + b)];
  const m = dfMul(inner, sq);
  const xs = fr(1 + m[0]);
  const x: DF = [xs, fr(fr(fr(1 - xs) + m[0]) + m[1])];
  return fmaf(t[0], x[0], fmaf(t[1], x[0], fr(t[0] * x[1])));
}

/** `torch.sin` as ATen's vectorized sin runs it on every element: SLEEF's sinf_u10. */
export function sinSleef(x: number): number {
  const d = fr(x);
  if (!(Math.abs(d) < 125)) return fr(Math.sin(d));
  const u = rintf(fr(d * M_1_PIF));
  const v = fmaf(u, -PI_A2F, d);
  let s = dfAdd2NN(v, fr(u * -PI_B2F));
  const w = fr(u * -PI_C2F);
  const hi = fr(s[0] + w);
  s = [hi, fr(fr(fr(s[0] - hi) + w) + s[1])];
  const r = sinKernel(s);
  if (Object.is(d, -0)) return -0;
  return (u & 1) === 1 ? -r : r;
}

/** `torch.cos` likewise: SLEEF's cosf_u10. */
export function cosSleef(x: number): number {
  const d = fr(x);
  if (!(Math.abs(d) < 125)) return fr(Math.cos(d));
  const dq = fmaf(rintf(fmaf(d, M_1_PIF, -0.5)), 2, 1);
  let s = dfAdd2NN(d, fr(dq * fr(-PI_A2F * 0.5)));
  s = dfAdd2FF(s, fr(dq * fr(-PI_B2F * 0.5)));
  s = dfAdd2FF(s, fr(dq * fr(-PI_C2F * 0.5)));
  const r = sinKernel(s);
  return (dq & 2) === 0 ? -r : r;
}
