/**
 * The engine's elementwise ops as exact float64 formulas on one element: the mathematical function
 * each float32 kernel approximates. Explanations use them to tell when float32 rounding decided a
 * result (`clamp(1.0, max=0.99999999)` is 0.99999999 in float64, 1.0 in float32); the float64 replay
 * (gradcheck) evaluates whole tensors with them.
 */
import type { AttrValue } from "../trace/schema.ts";

export type Attrs = Record<string, AttrValue>;

/** A number attribute, with `{float: "inf"}` decoded; `fallback` when absent or not a number. */
export function numAttr(attrs: Attrs, key: string, fallback: number): number {
  const v = attrs[key];
  if (typeof v === "number") return v;
  if (v && typeof v === "object" && !Array.isArray(v) && "float" in v) {
    return v.float === "nan" ? NaN : v.float === "inf" ? Infinity : -Infinity;
  }
  return fallback;
}

/** An optional number attribute (null / absent → null). */
export function optNumAttr(attrs: Attrs, key: string): number | null {
  const v = attrs[key];
  return v === null || v === undefined ? null : numAttr(attrs, key, NaN);
}

/** erf by its Taylor series in 2x²: every term positive, so no cancellation; ±1 beyond |x| ≥ 6. */
export function erf(x: number): number {
  if (x !== x) return x;
  const ax = Math.abs(x);
  if (ax >= 6) return Math.sign(x);
  const x2 = 2 * ax * ax;
  let term = ax;
  let total = ax;
  for (let n = 1; n < 500; n++) {
    term *= x2 / (2 * n + 1);
    total += term;
    if (term < total * 1e-17) break;
  }
  const v = (2 / Math.sqrt(Math.PI)) * Math.exp(-ax * ax) * total;
  return x < 0 ? -v : v;
}

/** erfc in double: 1 - erf below 3, the continued fraction above (no cancellation there). */
export function erfc(x: number): number {
  if (x !== x) return x;
  if (x < 0) return 2 - erfc(-x);
  if (x < 3) return 1 - erf(x);
  if (x > 27) return 0;
  let frac = x;
  for (let k = 60; k >= 1; k--) frac = x + k / 2 / frac;
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / frac;
}

/** erfinv in double: a first guess refined by Newton steps on erf. */
export function erfinv(y: number): number {
  if (!(Math.abs(y) <= 1)) return NaN;
  if (Math.abs(y) === 1) return y * Infinity;
  if (y === 0) return y;
  // Giles' single-precision guess, then Newton (quadratic convergence)
  const w = -Math.log((1 - y) * (1 + y));
  let x = Math.sign(y) * Math.sqrt(Math.max(0, w)) * 0.9;
  if (Math.abs(y) < 0.9) x = y * 0.886226925 * (1 + 0.2 * y * y);
  for (let k = 0; k < 60; k++) {
    const step = (erf(x) - y) / ((2 / Math.sqrt(Math.PI)) * Math.exp(-x * x));
    x -= step;
    if (Math.abs(step) <= 1e-16 * Math.abs(x)) break;
  }
  return x;
}

const sigmoid = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
const logSigmoid = (x: number) => Math.min(x, 0) - Math.log1p(Math.exp(-Math.abs(x)));

/** One-input elementwise ops: out = fn(x, attrs). */
export const UNARY: Record<string, (x: number, a: Attrs) => number> = {
  neg: (x) => -x,
  abs: Math.abs,
  sqrt: Math.sqrt,
  exp: Math.exp,
  log: Math.log,
  sin: Math.sin,
  cos: Math.cos,
  tan: Math.tan,
  tanh: Math.tanh,
  sigmoid,
  relu: (x) => (x > 0 ? x : x !== x ? x : 0),
  reciprocal: (x) => 1 / x,
  pow: (x, a) => Math.pow(x, numAttr(a, "exponent", NaN)),
  clamp: (x, a) => {
    if (x !== x) return x;
    const lo = optNumAttr(a, "min");
    const hi = optNumAttr(a, "max");
    return Math.min(Math.max(x, lo ?? -Infinity), hi ?? Infinity);
  },
  hardtanh: (x, a) =>
    x !== x ? x : Math.min(Math.max(x, numAttr(a, "minVal", -1)), numAttr(a, "maxVal", 1)),
  leaky_relu: (x, a) => (x > 0 ? x : x * numAttr(a, "negativeSlope", 0.01)),
  gelu: (x, a) => {
    if (a.approximate === "tanh") {
      const inner = Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x);
      return 0.5 * x * (1 + Math.tanh(inner));
    }
    return 0.5 * x * (1 + erf(x / Math.SQRT2));
  },
  softplus: (x, a) => {
    const beta = numAttr(a, "beta", 1);
    const xb = x * beta;
    return xb > numAttr(a, "threshold", 20) ? x : Math.log1p(Math.exp(xb)) / beta;
  },
  elu: (x, a) => (x < 0 ? Math.expm1(x) * numAttr(a, "alpha", 1) : x),
  silu: (x) => x * sigmoid(x),
  log_sigmoid: logSigmoid,
  mish: (x) => x * Math.tanh(x > 20 ? x : Math.log1p(Math.exp(x))),
  hardswish: (x) => (x !== x ? x : (x * Math.min(Math.max(x + 3, 0), 6)) / 6),
  "mul.Scalar": (x, a) => x * numAttr(a, "other", NaN),
  "div.Scalar": (x, a) => x / numAttr(a, "other", NaN),
  zero: () => 0,
  fill: (_x, a) => numAttr(a, "value", NaN),
  erf,
  erfc: (x) => erfc(x),
  erfinv: (x) => erfinv(x),
};

/** Two-input elementwise ops (broadcast): out = fn(a, b, attrs). `rsub(a, b)` is b - a, as the trace records it. */
export const BINARY: Record<string, (x: number, y: number, a: Attrs) => number> = {
  add: (x, y, a) => x + numAttr(a, "alpha", 1) * y,
  sub: (x, y, a) => x - numAttr(a, "alpha", 1) * y,
  rsub: (x, y) => y - x,
  mul: (x, y) => x * y,
  div: (x, y) => x / y,
  pow_tensor: (x, y) => Math.pow(x, y),
  floor_divide: (x, y) => Math.floor(x / y),
  // Python's %: the result takes the divisor's sign
  remainder: (x, y) => x - Math.floor(x / y) * y,
  maximum: (x, y) => (x !== x || y !== y ? NaN : Math.max(x, y)),
  minimum: (x, y) => (x !== x || y !== y ? NaN : Math.min(x, y)),
  atan2: (x, y) => Math.atan2(x, y),
  hypot: (x, y) => Math.hypot(x, y),
  // C's fmod: the result takes the dividend's sign (JS's % is fmod)
  fmod: (x, y) => x % y,
  logaddexp: (x, y) =>
    x === y && !Number.isFinite(x) ? x : Math.max(x, y) + Math.log1p(Math.exp(-Math.abs(x - y))),
  lerp: (x, y, a) => x + numAttr(a, "weight", NaN) * (y - x),
};

/** Float32's largest finite value. */
export const FLOAT32_MAX = 3.4028234663852886e38;
/** Float32's smallest positive (subnormal) value. */
export const FLOAT32_TINY = 1.401298464324817e-45;
