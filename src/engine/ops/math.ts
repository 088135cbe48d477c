/**
 * Math functions beyond the basic elementwise set (erf, erfc, erfinv, atan2, fmod, lerp, hypot,
 * logaddexp, clamp with tensor bounds) and the samplers (bernoulli, multinomial), each as ATen's CPU
 * kernels compute them on float32.
 */
import { defineOp } from "../registry.ts";
import { TorchError } from "../errors.ts";
import { Tensor, type Operand } from "../tensor.ts";
import { broadcastIndexMap, broadcastShapes, numel } from "../shape.ts";
import {
  castTo,
  expSleef,
  logSleef,
  mapBinary,
  mapTernary,
  mapTernaryBroadcast,
  mapUnary,
  resultType,
  sumToShape,
} from "../kernels.ts";
import { defaultGenerator, type Generator } from "../random.ts";

const f = Math.fround;
const fma = (a: number, b: number, c: number) => f(a * b + c);

// ---- erf, erfc, erfinv ----

/** glibc's float erf, exp and log as the scalar kernels call them (std::erf(float), ...); expf and logf are correctly rounded. */
const erff = (x: number) => erfGlibc(x);
const expf = (x: number) => f(Math.exp(x));
const logf = (x: number) => f(Math.log(x));

const ERFINV_A = [0.886226899, -1.645349621, 0.914624893, -0.140543331].map(f);
const ERFINV_B = [-2.118377725, 1.442710462, -0.329097515, 0.012229801].map(f);
const ERFINV_C = [-1.970840454, -1.624906493, 3.429567803, 1.641345311].map(f);
const ERFINV_D = [3.5438892, 1.6370678].map(f);
const TWO_OVER_SQRT_PI = f(2 / f(Math.sqrt(Math.PI)));

/**
 * ATen's calc_erfinv in float32: a rational first guess (central range 0.7), then two Newton steps
 * with std::erf and std::exp; GCC fuses the polynomials' multiply-adds.
 */
export function erfinvF32(y: number): number {
  const ay = Math.abs(y);
  if (!(ay <= 1)) return NaN;
  if (ay === 1) return y > 0 ? Infinity : -Infinity;
  let x: number;
  if (ay <= 0.7) {
    const z = f(y * y);
    const num = fma(fma(fma(ERFINV_A[3], z, ERFINV_A[2]), z, ERFINV_A[1]), z, ERFINV_A[0]);
    const dem = fma(fma(fma(fma(ERFINV_B[3], z, ERFINV_B[2]), z, ERFINV_B[1]), z, ERFINV_B[0]), z, 1);
    x = f(f(y * num) / dem);
  } else {
    const z = f(Math.sqrt(-logf(f(f(1 - ay) / 2))));
    const num = fma(fma(fma(ERFINV_C[3], z, ERFINV_C[2]), z, ERFINV_C[1]), z, ERFINV_C[0]);
    const dem = fma(fma(ERFINV_D[1], z, ERFINV_D[0]), z, 1);
    x = f((y < 0 || Object.is(y, -0) ? -Math.abs(num) : Math.abs(num)) / dem);
  }
  for (let k = 0; k < 2; k++) {
    x = f(x - f(f(erff(x) - y) / f(TWO_OVER_SQRT_PI * expf(f(-x * x)))));
  }
  return x;
}

// ---- the unary ops ----

interface MathUnary {
  name: string;
  gradFn: string;
  fn: (x: number) => number;
  grad: (g: number, x: number, y: number) => number;
  /** The error PyTorch raises for an integer or bool input, if it refuses one. */
  saves: "input" | "output";
}

function mathUnary(spec: MathUnary): (a: Tensor) => Tensor {
  const run = defineOp<Record<string, never>>({
    name: spec.name,
    gradFn: spec.gradFn,
    forward: ([a]) => mapUnary(a.dtype === "float32" ? a : castTo(a, "float32"), spec.fn, "float32"),
    backward: (g, { inputs: [x], out }) => [mapTernary(g, x, out, spec.grad)],
    saves: () => ({ inputs: spec.saves === "input" ? [0] : [], output: spec.saves === "output" }),
  });
  return (a) => run([a], {});
}

// 2 / sqrt(pi) and sqrt(pi) / 2 as the float32 scalars ATen's formulas multiply by
const TWO_OVER_SQRT_PI_F = f(2 / Math.sqrt(Math.PI));
const HALF_SQRT_PI_F = f(0.5 * Math.sqrt(Math.PI));

/** `torch.erf`: SLEEF's erff_u1, which ATen's vectorized erf runs on every element (bit for bit). */
export const erf = mathUnary({
  name: "erf",
  gradFn: "ErfBackward0",
  fn: (x) => erfSleef(x),
  // 2.0 / sqrt(M_PI) * exp(-(self.pow(2))) * grad
  grad: (g, x) => f(f(TWO_OVER_SQRT_PI_F * expSleef(-f(x * x))) * g),
  saves: "input",
});
/** `torch.erfc`: SLEEF's erfcf_u15, as ATen's vectorized erfc (bit for bit). */
export const erfc = mathUnary({
  name: "erfc",
  gradFn: "ErfcBackward0",
  fn: (x) => erfcSleef(x),
  // -2.0 / sqrt(M_PI) * exp(-(self.pow(2))) * grad
  grad: (g, x) => f(f(-TWO_OVER_SQRT_PI_F * expSleef(-f(x * x))) * g),
  saves: "input",
});
/** `torch.erfinv`: ATen's calc_erfinv (a rational guess and two Newton steps) in float32. */
export const erfinv = mathUnary({
  name: "erfinv",
  gradFn: "ErfinvBackward0",
  fn: erfinvF32,
  // 0.5 * sqrt(M_PI) * exp(self.erfinv().pow(2)) * grad
  grad: (g, x) => {
    const y = erfinvF32(x);
    return f(f(HALF_SQRT_PI_F * expSleef(f(y * y))) * g);
  },
  saves: "input",
});

// ---- binary ops ----

/**
 * A binary kernel as cpu_kernel_vec runs it on contiguous inputs: TensorIterator coalesces the
 * trailing dims in which each input is either whole or broadcast alike into rows; on each row the
 * vectorized form covers whole blocks of 16 and the scalar form the rest.
 */
function vecBinary(
  a: Tensor,
  b: Tensor,
  vec: (x: number, y: number) => number,
  scalar: (x: number, y: number) => number,
): Tensor {
  const out = mapBinary(a, b, vec, "float32");
  const shape = out.shape;
  const n = out.numel();
  const mode = (t: Tensor, d: number) => {
    const k = d - (shape.length - t.shape.length);
    return k < 0 || t.shape[k] === 1 ? 0 : 1;
  };
  let row = 1;
  const last = shape.length - 1;
  for (let d = last; d >= 0; d--) {
    if (shape[d] !== 1 && (mode(a, d) !== mode(a, last) || mode(b, d) !== mode(b, last))) break;
    row *= shape[d];
  }
  const tail = row ? row % 16 : 0;
  if (tail === 0 || n === 0) return out;
  const sc = mapBinary(a, b, scalar, "float32");
  for (let start = 0; start < n; start += row) {
    for (let i = start + row - tail; i < start + row; i++) out.values[i] = sc.values[i];
  }
  return out;
}

/** An integer or bool input as float32 (atan2 of integers is computed in float). */
const floatInput = (t: Tensor) => (t.dtype === "float32" ? t : castTo(t, "float32"));

const runAtan2 = defineOp<Record<string, never>>({
  name: "atan2",
  gradFn: "Atan2Backward0",
  forward: ([a, b]) => vecBinary(floatInput(a), floatInput(b), atan2Sleef, atan2Glibc),
  // recip = (self * self + other * other).reciprocal(); grad * other * recip, grad * -self * recip
  backward: (g, { inputs: [a, b] }, [na, nb]) => {
    const recip = mapBinary(a, b, (y, x) => f(1 / f(f(y * y) + f(x * x))), "float32");
    return [
      na
        ? sumToShape(
            mapTernaryBroadcast(g, b, recip, (gi, x, r) => f(f(gi * x) * r)),
            a.shape,
          )
        : null,
      nb
        ? sumToShape(
            mapTernaryBroadcast(g, a, recip, (gi, y, r) => f(f(gi * -y) * r)),
            b.shape,
          )
        : null,
    ];
  },
});
/** `torch.atan2(input, other)`: the angle of (other, input), Atan2Backward0; SLEEF's atan2f_u1 (bit for bit), glibc's atan2f (nearest here) in a row's tail. */
export function atan2(a: Operand, b: Operand): Tensor {
  return runAtan2([Tensor.from(a), Tensor.from(b)], {});
}

const runFmod = defineOp<Record<string, never>>({
  name: "fmod",
  gradFn: (inputs) => (inputs[1].isWrappedNumber ? "FmodBackward0" : "FmodBackward1"),
  forward: ([a, b]) => {
    const dtype = resultType(a, b);
    if (dtype !== "float32" && b.values.some((v) => v === 0)) {
      throw new TorchError("RuntimeError", "ZeroDivisionError");
    }
    return mapBinary(a, b, (x, y) => x % y, dtype === "bool" ? "int64" : dtype);
  },
  // self: grad; other: -grad * self.div(other, rounding_mode="trunc")
  backward: (g, { inputs: [a, b] }, [na, nb]) => [
    na ? sumToShape(g, a.shape) : null,
    nb
      ? sumToShape(
          mapTernaryBroadcast(g, a, b, (gi, x, y) => f(-gi * Math.trunc(f(x / y)))),
          b.shape,
        )
      : null,
  ],
  saves: (_ctx, [, nb]) => ({ inputs: nb ? [0, 1] : [], output: false }),
});
/** `torch.fmod(input, other)`: C's fmod, the result takes the dividend's sign. */
export function fmod(a: Operand, b: Operand): Tensor {
  return runFmod([Tensor.from(a), Tensor.from(b)], {});
}

const runHypot = defineOp<Record<string, never>>({
  name: "hypot",
  gradFn: "HypotBackward0",
  forward: ([a, b]) => mapBinary(a, b, (x, y) => f(Math.hypot(x, y)), "float32"),
  // grad * self / result, grad * other / result
  backward: (g, { inputs: [a, b], out }, [na, nb]) => [
    na
      ? sumToShape(
          mapTernaryBroadcast(g, a, out, (gi, x, r) => f(f(gi * x) / r)),
          a.shape,
        )
      : null,
    nb
      ? sumToShape(
          mapTernaryBroadcast(g, b, out, (gi, y, r) => f(f(gi * y) / r)),
          b.shape,
        )
      : null,
  ],
  saves: () => ({ inputs: [0, 1], output: true }),
});
/** `torch.hypot(input, other)`: sqrt(input² + other²) without overflow. */
export function hypot(a: Tensor, b: Tensor): Tensor {
  const dtype = resultType(a, b);
  if (dtype !== "float32") {
    throw new TorchError(
      "RuntimeError",
      `"hypot_cpu" not implemented for '${dtype === "int64" ? "Long" : "Bool"}'`,
    );
  }
  return runHypot([a, b], {});
}

// ATen's logaddexp kernel: m + log(1 + exp(-|a - b|)); its vectorized form (SLEEF's exp and log) on
// rows of 16-blocks as vecBinary lays them out, the scalar one (glibc's, correctly rounded here) on the rest
const logaddexpWith =
  (exp: (x: number) => number, log: (x: number) => number) =>
  (a: number, b: number): number => {
    if (a === b && (a === Infinity || a === -Infinity)) return a;
    if (a !== a || b !== b) return NaN;
    return f(Math.max(a, b) + log(f(1 + exp(-Math.abs(f(a - b))))));
  };
const LOGADDEXP_VEC = logaddexpWith(expSleef, logSleef);
const LOGADDEXP_SCALAR = logaddexpWith(
  (x) => f(Math.exp(x)),
  (x) => f(Math.log(x)),
);
function logaddexpForward(a: Tensor, b: Tensor): Tensor {
  return vecBinary(a, b, LOGADDEXP_VEC, LOGADDEXP_SCALAR);
}
const runLogaddexp = defineOp<Record<string, never>>({
  name: "logaddexp",
  gradFn: "LogaddexpBackward0",
  forward: ([a, b]) => logaddexpForward(a, b),
  // grad / (1 + exp(other - self)), grad / (1 + exp(self - other))
  backward: (g, { inputs: [a, b] }, [na, nb]) => [
    na
      ? sumToShape(
          mapTernaryBroadcast(g, a, b, (gi, x, y) => f(gi / f(1 + expSleef(f(y - x))))),
          a.shape,
        )
      : null,
    nb
      ? sumToShape(
          mapTernaryBroadcast(g, a, b, (gi, x, y) => f(gi / f(1 + expSleef(f(x - y))))),
          b.shape,
        )
      : null,
  ],
});
/** `torch.logaddexp(input, other)`: log(e^input + e^other). */
export function logaddexp(a: Tensor, b: Tensor): Tensor {
  const dtype = resultType(a, b);
  if (dtype !== "float32") {
    throw new TorchError(
      "RuntimeError",
      `"logaddexp_cpu" not implemented for '${dtype === "int64" ? "Long" : "Bool"}'`,
    );
  }
  return runLogaddexp([a, b], {});
}

// ---- lerp ----

/** ATen's lerp in float32: from the start below |w| = 0.5, from the end above (GCC fuses each into an FMA). */
function lerpValue(s: number, e: number, w: number): number {
  const d = f(e - s);
  return Math.abs(w) < 0.5 ? f(s + w * d) : f(e - d * f(1 - w));
}

const runLerpScalar = defineOp<{ weight: number }>({
  name: "lerp",
  gradFn: "LerpBackward0",
  forward: ([a, b], { weight }) => {
    const w = f(weight);
    return mapBinary(a, b, (s, e) => lerpValue(s, e, w), "float32");
  },
  // self: grad * (1 - weight), end: grad * weight
  backward: (g, { inputs: [a, b], attrs: { weight } }, [na, nb]) => [
    na
      ? sumToShape(
          mapUnary(g, (gi) => f(gi * f(1 - weight)), "float32"),
          a.shape,
        )
      : null,
    nb
      ? sumToShape(
          mapUnary(g, (gi) => f(gi * f(weight)), "float32"),
          b.shape,
        )
      : null,
  ],
  saves: () => ({ inputs: [], output: false }),
});

const runLerpTensor = defineOp<Record<string, never>>({
  name: "lerp_tensor",
  gradFn: "LerpBackward1",
  forward: ([a, b, w]) => mapTernaryBroadcast(a, b, w, lerpValue),
  // self: grad * (1 - weight), end: grad * weight, weight: grad * (end - self)
  backward: (g, { inputs: [a, b, w] }, [na, nb, nw]) => [
    na
      ? sumToShape(
          mapTernaryBroadcast(g, w, w, (gi, x) => f(gi * f(1 - x))),
          a.shape,
        )
      : null,
    nb
      ? sumToShape(
          mapTernaryBroadcast(g, w, w, (gi, x) => f(gi * x)),
          b.shape,
        )
      : null,
    nw
      ? sumToShape(
          mapTernaryBroadcast(g, a, b, (gi, s, e) => f(gi * f(e - s))),
          w.shape,
        )
      : null,
  ],
  saves: (_ctx, [na, nb, nw]) => ({
    inputs: [...(nw ? [0, 1] : []), ...(na || nb ? [2] : [])],
    output: false,
  }),
});

function lerpDtypes(start: Tensor, end: Tensor, weight?: Tensor): void {
  if (start.dtype !== end.dtype) {
    throw new TorchError(
      "RuntimeError",
      `expected dtype ${TYPE_NAMES[start.dtype]} for \`end\` but got dtype ${TYPE_NAMES[end.dtype]}`,
    );
  }
  if (weight && weight.dtype !== start.dtype) {
    throw new TorchError(
      "RuntimeError",
      `expected dtype ${TYPE_NAMES[start.dtype]} for \`weight\` but got dtype ${TYPE_NAMES[weight.dtype]}`,
    );
  }
  if (start.dtype !== "float32") {
    throw new TorchError(
      "RuntimeError",
      `"lerp_kernel_scalar" not implemented for '${TYPE_NAMES[start.dtype]}'`,
    );
  }
}
const TYPE_NAMES = { float32: "float", int64: "long int", bool: "bool" } as const;

/** `torch.lerp(start, end, weight)`: a number weight is LerpBackward0, a tensor one LerpBackward1. */
export function lerp(start: Tensor, end: Tensor, weight: Operand): Tensor {
  if (weight instanceof Tensor && !weight.isWrappedNumber) {
    lerpDtypes(start, end, weight);
    return runLerpTensor([start, end, weight], {});
  }
  lerpDtypes(start, end);
  return runLerpScalar([start, end], { weight: Tensor.from(weight).values[0] });
}

// ---- clamp with tensor bounds ----

const runClampTensor = defineOp<{ hasMin: boolean; hasMax: boolean }>({
  name: "clamp_tensor",
  gradFn: "ClampBackward0",
  forward: (inputs, { hasMin, hasMax }) => {
    const [a] = inputs;
    const lo = hasMin ? inputs[1] : null;
    const hi = hasMax ? inputs[hasMin ? 2 : 1] : null;
    const dtype = resultType(...inputs);
    const none = Tensor.from(NaN);
    const shape = broadcastShapes(broadcastShapes(a.shape, lo ? lo.shape : []), hi ? hi.shape : []);
    const lt = lo ?? none;
    const ht = hi ?? none;
    const [am, lm, hm] = [a, lt, ht].map((t) => broadcastIndexMap(t.shape, shape));
    const out = Tensor.empty(shape, dtype);
    const ov = out.values;
    for (let i = 0; i < ov.length; i++) {
      let x = a.values[am[i]];
      const mn = lo ? lt.values[lm[i]] : -Infinity;
      const mx = hi ? ht.values[hm[i]] : Infinity;
      if (mn !== mn || mx !== mx) x = NaN;
      else if (x === x) x = Math.min(Math.max(x, mn), mx);
      ov[i] = x;
    }
    return out;
  },
  // self: where(min <= self <= max, grad, 0); min: where(self < min [and min < max], grad, 0);
  // max: where(self > max [or max < min], grad, 0)
  backward: (g, { inputs, attrs: { hasMin, hasMax } }, needs) => {
    const [a] = inputs;
    const lo = hasMin ? inputs[1] : null;
    const hi = hasMax ? inputs[hasMin ? 2 : 1] : null;
    const none = Tensor.from(NaN);
    const lt = lo ?? none;
    const ht = hi ?? none;
    const grads: (Tensor | null)[] = [];
    grads.push(
      needs[0]
        ? sumToShape(
            mapFour(g, a, lt, ht, (gi, x, mn, mx) => ((!lo || x >= mn) && (!hi || x <= mx) ? gi : 0)),
            a.shape,
          )
        : null,
    );
    if (lo) {
      grads.push(
        needs[1]
          ? sumToShape(
              mapFour(g, a, lt, ht, (gi, x, mn, mx) => (x < mn && (!hi || mn < mx) ? gi : 0)),
              lo.shape,
            )
          : null,
      );
    }
    if (hi) {
      grads.push(
        needs[grads.length]
          ? sumToShape(
              mapFour(g, a, lt, ht, (gi, x, mn, mx) => (x > mx || (lo !== null && mx < mn) ? gi : 0)),
              hi.shape,
            )
          : null,
      );
    }
    return grads;
  },
});

function mapFour(
  g: Tensor,
  a: Tensor,
  b: Tensor,
  c: Tensor,
  fn: (g: number, x: number, y: number, z: number) => number,
): Tensor {
  const shape = g.shape;
  const out = new Float32Array(numel(shape));
  const [am, bm, cm] = [a, b, c].map((t) => broadcastIndexMap(t.shape, shape));
  for (let i = 0; i < out.length; i++)
    out[i] = fn(g.values[i], a.values[am[i]], b.values[bm[i]], c.values[cm[i]]);
  return new Tensor(out, shape, "float32");
}

/** `torch.clamp(input, min, max)` with tensor bounds (either may be null): ClampBackward0. */
export function clampTensor(a: Tensor, min: Tensor | null, max: Tensor | null): Tensor {
  if (!min && !max) {
    throw new TorchError("RuntimeError", "torch.clamp: At least one of 'min' or 'max' must not be None");
  }
  const inputs = [a, ...(min != null ? [min] : []), ...(max != null ? [max] : [])];
  return runClampTensor(inputs, { hasMin: min != null, hasMax: max != null });
}

// ---- samplers ----

const runBernoulli = defineOp<{ generator: Generator }>({
  name: "bernoulli",
  gradFn: "BernoulliBackward0",
  // ATen's CPU bernoulli_(Tensor p) on float p: bernoulli_distribution<float>, i.e. a 24-bit uniform
  // float below p, one draw per element in order
  forward: ([p], { generator }) => {
    const out = Tensor.empty(p.shape, p.dtype);
    const pv = p.values;
    const ov = out.values;
    for (let i = 0; i < ov.length; i++) ov[i] = generator.uniformFloat() < pv[i] ? 1 : 0;
    return out;
  },
  backward: (g) => [mapUnary(g, () => 0, "float32")],
  saves: () => ({ inputs: [], output: false }),
});

const runBernoulliScalar = defineOp<{ p: number; generator: Generator }>({
  name: "bernoulli_p",
  gradFn: "BernoulliBackward1",
  // bernoulli_(double p): bernoulli_distribution<double>, a 53-bit uniform double below p
  forward: ([a], { p, generator }) => {
    const out = Tensor.empty(a.shape, a.dtype);
    const ov = out.values;
    for (let i = 0; i < ov.length; i++) ov[i] = generator.uniformDouble() < p ? 1 : 0;
    return out;
  },
  backward: (g) => [mapUnary(g, () => 0, "float32")],
  saves: () => ({ inputs: [], output: false }),
});

/** `torch.bernoulli(input)` (probabilities in input) or `torch.bernoulli(input, p)`. */
export function bernoulli(
  a: Tensor,
  p: number | null = null,
  generator: Generator = defaultGenerator,
): Tensor {
  if (p !== null) {
    if (!(p >= 0 && p <= 1)) {
      throw new TorchError("RuntimeError", `bernoulli_ expects p to be in [0, 1], but got p=${p}`);
    }
    return runBernoulliScalar([a], { p, generator });
  }
  if (a.dtype !== "float32") {
    throw new TorchError(
      "RuntimeError",
      `"bernoulli_tensor_cpu_p_" not implemented for '${a.dtype === "int64" ? "Long" : "Bool"}'`,
    );
  }
  const pv = a.values;
  for (let i = 0; i < pv.length; i++) {
    if (!(pv[i] >= 0 && pv[i] <= 1)) {
      throw new TorchError(
        "RuntimeError",
        "Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could this error message be improved?  If so, please report an enhancement request to PyTorch.)",
      );
    }
  }
  return runBernoulli([a], { generator });
}

/** `t.bernoulli_(p)` in place, p a number or a tensor of probabilities (broadcast to t). */
export function bernoulliFill(t: Tensor, p: number | Tensor, generator: Generator = defaultGenerator): void {
  const v = t.values;
  if (typeof p === "number") {
    if (!(p >= 0 && p <= 1)) {
      throw new TorchError("RuntimeError", `bernoulli_ expects p to be in [0, 1], but got p=${p}`);
    }
    for (let i = 0; i < v.length; i++) v[i] = generator.uniformDouble() < p ? 1 : 0;
    return;
  }
  const map = broadcastIndexMap(p.shape, t.shape);
  for (let i = 0; i < v.length; i++) v[i] = generator.uniformFloat() < p.values[map[i]] ? 1 : 0;
}

/**
 * `torch.multinomial(input, n, replacement)` as ATen's CPU kernel (1.13: n = 1 with replacement takes the replacement path). Without replacement:
 * q ~ Exp(1) per element (exponential_distribution<double>, -log(1 - u) on a 53-bit uniform), then the
 * top n of p / q in float32. With replacement: the float32 running sum normalized, then a 53-bit
 * uniform and a binary search per sample.
 */
export function multinomial(
  p: Tensor,
  n: number,
  replacement = false,
  generator: Generator = defaultGenerator,
): Tensor {
  if (p.shape.length < 1 || p.shape.length > 2) {
    throw new TorchError("RuntimeError", "prob_dist must be 1 or 2 dim");
  }
  if (p.dtype !== "float32") {
    throw new TorchError(
      "RuntimeError",
      `multinomial only supports floating-point dtypes for input, got: ${p.dtype === "int64" ? "Long" : "Bool"}`,
    );
  }
  if (!(n > 0)) throw new TorchError("RuntimeError", "cannot sample n_sample <= 0 samples");
  const k = p.shape[p.shape.length - 1];
  if (!replacement && n > k) {
    throw new TorchError(
      "RuntimeError",
      "cannot sample n_sample > prob_dist.size(-1) samples without replacement",
    );
  }
  const rows = p.shape.length === 2 ? p.shape[0] : 1;
  const pv = p.values;
  const outShape = p.shape.length === 2 ? [rows, n] : [n];
  const out = Tensor.empty(outShape, "int64");
  const ov = out.values;
  if (!replacement) {
    let max = -Infinity;
    let min = Infinity;
    let nan = false;
    for (let i = 0; i < pv.length; i++) {
      if (pv[i] !== pv[i]) nan = true;
      max = Math.max(max, pv[i]);
      min = Math.min(min, pv[i]);
    }
    if (nan || !(max < Infinity && min >= 0)) {
      throw new TorchError("RuntimeError", "probability tensor contains either `inf`, `nan` or element < 0");
    }
    for (let r = 0; r < rows; r++) {
      let s = 0;
      for (let j = 0; j < k; j++) s += pv[r * k + j];
      if (s === 0)
        throw new TorchError("RuntimeError", "invalid multinomial distribution (sum of probabilities <= 0)");
    }
    const q = new Float32Array(pv.length);
    for (let i = 0; i < q.length; i++) q[i] = f(-Math.log(1 - generator.uniformDouble()));
    for (let i = 0; i < q.length; i++) q[i] = f(pv[i] / q[i]);
    for (let r = 0; r < rows; r++) {
      const idx = Array.from({ length: k }, (_, j) => j);
      // largest first; the first index among equals
      idx.sort((x, y) => q[r * k + y] - q[r * k + x] || x - y);
      for (let j = 0; j < n; j++) ov[r * n + j] = idx[j];
    }
    return out;
  }
  const cum = new Float32Array(k);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let j = 0; j < k; j++) {
      const v = pv[r * k + j];
      if (!(v >= 0)) {
        throw new TorchError(
          "RuntimeError",
          "invalid multinomial distribution (encountering probability entry < 0)",
        );
      }
      if (!Number.isFinite(v)) {
        throw new TorchError(
          "RuntimeError",
          "invalid multinomial distribution (encountering probability entry = infinity or NaN)",
        );
      }
      s = f(s + v);
      cum[j] = s;
    }
    if (!(s > 0))
      throw new TorchError("RuntimeError", "invalid multinomial distribution (sum of probabilities <= 0)");
    for (let j = 0; j < k; j++) cum[j] = f(cum[j] / s);
    cum[k - 1] = 1;
    for (let j = 0; j < n; j++) {
      const u = generator.uniformDouble();
      let left = 0;
      let right = k;
      while (right - left > 0) {
        const mid = left + Math.floor((right - left) / 2);
        if (cum[mid] < u) left = mid + 1;
        else right = mid;
      }
      ov[r * n + j] = left;
    }
  }
  return out;
}

/** The values of `t.bernoulli_(p)` for a tensor p (broadcast to t): a fresh tensor of t's shape and dtype. */
export function bernoulliLike(t: Tensor, p: Tensor, generator: Generator = defaultGenerator): Tensor {
  const out = Tensor.empty(t.shape, t.dtype);
  bernoulliFill(out, p, generator);
  return out;
}

// ---- cdist (p = 2, ATen's direct kernel: at most 25 rows a side) ----

const runCdist = defineOp<Record<string, never>>({
  name: "cdist",
  gradFn: "CdistBackward0",
  // per pair: the squares of the differences accumulated in order (fused), then sqrt
  forward: ([a, b]) => {
    const [r1, m] = a.shape.slice(-2);
    const r2 = b.shape[b.shape.length - 2];
    const batch = a.shape.length === 3 ? a.shape[0] : 1;
    const shape = [...a.shape.slice(0, -2), r1, r2];
    const out = new Float32Array(batch * r1 * r2);
    const av = a.values;
    const bv = b.values;
    for (let z = 0; z < batch; z++) {
      for (let i = 0; i < r1; i++) {
        for (let j = 0; j < r2; j++) {
          let agg = 0;
          for (let k = 0; k < m; k++) {
            const d = f(av[(z * r1 + i) * m + k] - bv[(z * r2 + j) * m + k]);
            agg = f(agg + d * d);
          }
          out[(z * r1 + i) * r2 + j] = f(Math.sqrt(agg));
        }
      }
    }
    return new Tensor(out, shape, "float32");
  },
  // _cdist_backward: Σ_j grad * diff / dist (0 where dist is 0), j in order; x2's by the same with roles swapped
  backward: (g, { inputs: [a, b], out }, [na, nb]) => {
    const grad = (x: Tensor, y: Tensor, transposed: boolean) => {
      const [r1, m] = x.shape.slice(-2);
      const r2 = y.shape[y.shape.length - 2];
      const batch = x.shape.length === 3 ? x.shape[0] : 1;
      const res = new Float32Array(x.numel());
      const at = (z: number, i: number, j: number) =>
        transposed ? (z * r2 + j) * r1 + i : (z * r1 + i) * r2 + j;
      for (let z = 0; z < batch; z++) {
        for (let i = 0; i < r1; i++) {
          for (let j = 0; j < r2; j++) {
            const dist = out.values[at(z, i, j)];
            const gij = g.values[at(z, i, j)];
            for (let k = 0; k < m; k++) {
              const diff = f(x.values[(z * r1 + i) * m + k] - y.values[(z * r2 + j) * m + k]);
              const term = dist === 0 ? 0 : f(f(gij * diff) / dist);
              res[(z * r1 + i) * m + k] = f(res[(z * r1 + i) * m + k] + term);
            }
          }
        }
      }
      return new Tensor(res, x.shape, "float32");
    };
    return [na ? grad(a, b, false) : null, nb ? grad(b, a, true) : null];
  },
  saves: () => ({ inputs: [0, 1], output: true }),
});
/** `torch.cdist(x1, x2)` with p = 2 on rows of 2-D (or same-batch 3-D) tensors: CdistBackward0. */
export function cdist(a: Tensor, b: Tensor): Tensor {
  return runCdist([a, b], {});
}

// ---- SLEEF's erff_u1 (Sleef_erff8_u10, what ATen's Vectorized<float>::erf runs on AVX2) ----

/** A float32 double-float: the value x + y. */
type DF = [number, number];
/** The float32 fused multiply-adds: a*b is exact in double for float32 operands, so one rounding. */
const fmapn = (x: number, y: number, z: number) => f(x * y - z);
const fmanp = (x: number, y: number, z: number) => f(z - x * y);
const dfFromDouble = (d: number): DF => [f(d), f(d - f(d))];
const dfmulFF = (x: number, y: number): DF => {
  const s = f(x * y);
  return [s, fmapn(x, y, s)];
};
const dfmulDFF = (x: DF, y: number): DF => {
  const s = f(x[0] * y);
  return [s, fma(x[1], y, fmapn(x[0], y, s))];
};
const dfmulDFDF = (x: DF, y: DF): DF => {
  const s = f(x[0] * y[0]);
  return [s, fma(x[0], y[1], fma(x[1], y[0], fmapn(x[0], y[0], s)))];
};
const dfsqu = (x: DF): DF => {
  const s = f(x[0] * x[0]);
  return [s, fma(f(x[0] + x[0]), x[1], fmapn(x[0], x[0], s))];
};
const dfadd2DFF = (x: DF, y: number): DF => {
  const rx = f(x[0] + y);
  const v = f(rx - x[0]);
  const ry = f(f(x[0] - f(rx - v)) + f(y - v));
  return [rx, f(ry + x[1])];
};
const dfadd2DFDF = (x: DF, y: DF): DF => {
  const rx = f(x[0] + y[0]);
  const v = f(rx - x[0]);
  const ry = f(f(x[0] - f(rx - v)) + f(y[0] - v));
  return [rx, f(ry + f(x[1] + y[1]))];
};
const dfaddFDF = (x: number, y: DF): DF => {
  const rx = f(x + y[0]);
  return [rx, f(f(f(x - rx) + y[0]) + y[1])];
};
const R_LN2F = f(1.4426950408889634);
const L2UF = f(0.693145751953125);
const L2LF = f(0.000001428606765330187);
const rintf = (x: number) => {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
};
const ldexp2 = (x: number, q: number) => {
  const h = q >> 1;
  return f(f(x * 2 ** h) * 2 ** (q - h));
};

function expk2f(d: DF): DF {
  const q = rintf(f(f(d[0] + d[1]) * R_LN2F));
  let s = dfadd2DFF(d, f(q * -L2UF));
  s = dfadd2DFF(s, f(q * -L2LF));
  let u = f(0.0001980960224);
  u = fma(u, s[0], f(0.001394256484));
  u = fma(u, s[0], f(0.008333456703));
  u = fma(u, s[0], f(0.04166637361));
  let t = dfadd2DFF(dfmulDFF(s, u), f(0.16666665941423425));
  t = dfadd2DFF(dfmulDFDF(s, t), 0.5);
  t = dfadd2DFDF(s, dfmulDFDF(dfsqu(s), t));
  t = dfaddFDF(1, t);
  if (d[0] < -104) return [0, 0];
  return [ldexp2(t[0], q), ldexp2(t[1], q)];
}

const ERF_C = [
  [0.00007089292194, -0.00001792667899, -0.000009495757695],
  [-0.0007768311189, 0.000393763301, 0.0002481465926],
  [0.005159463733, -0.003949181177, -0.002918176819],
  [-0.02683781274, 0.0244547464, 0.02059706673],
  [0.1128318012, -0.107099615, -0.09901899844],
].map((r) => r.map(f));
const ERF_D1 = [-0.37612587600065744, -0.6345889059084104, -0.6435980505478917].map(dfFromDouble);
const ERF_D2 = [1.1283791602105915, -1.128798558266945, -1.1246148774284557].map(dfFromDouble);

/** `torch.erf` on float32 as SLEEF's erff_u1 computes it (double-float arithmetic with FMAs). */
export function erfSleef(x: number): number {
  if (x !== x) return NaN;
  const a = Math.abs(x);
  const k = a < 1.1 ? 0 : a < 2.4 ? 1 : 2;
  const u = k === 0 ? f(a * a) : a;
  let t = ERF_C[0][k];
  for (let i = 1; i < 5; i++) t = fma(t, u, ERF_C[i][k]);
  let d = dfmulFF(t, u);
  d = dfadd2DFDF(d, ERF_D1[k]);
  d = dfmulDFF(d, u);
  d = dfadd2DFDF(d, ERF_D2[k]);
  d = dfmulDFF(d, a);
  if (k !== 0) {
    const e = expk2f(d);
    d = dfaddFDF(1, [-e[0], -e[1]]);
  }
  const v = a < 4 ? f(d[0] + d[1]) : 1;
  return x < 0 || Object.is(x, -0) ? -v : v;
}

const dfdiv = (n: DF, d: DF): DF => {
  const t = f(1 / d[0]);
  const s = f(n[0] * t);
  const u = fmapn(t, n[0], s);
  const v = fmanp(d[1], t, fmanp(d[0], t, 1));
  return [s, fma(s, v, fma(n[1], t, u))];
};

const ERFC_C = [
  [-0.00008638041618, -0.000006236977242, -0.3869504035, 1.115344167],
  [0.0006000166177, 0.00005749821503, 1.288077235, -0.9454904199],
  [-0.001665703603, 0.000006002851478, -1.816803217, -0.3667259514],
  [0.0001795156277, -0.002851036377, 1.249150872, 0.7155663371],
  [0.01914106123, 0.02260518074, -0.1328857988, -0.01262947265],
].map((r) => r.map(f));
const ERFC_D = [
  [-0.10277535934393028, -0.10524758345933863, -0.4823653103330453, -0.49896154625453765],
  [-0.6366194832084819, -0.635609463574589, -0.0013445020322453399, -0.00004711995434228485],
  [-1.128379177905374, -1.1285598737666862, -0.572319781150473, -0.572364030327966],
].map((r) => r.map(dfFromDouble));

/** `torch.erfc` on float32 as SLEEF's erfcf_u15 computes it. */
export function erfcSleef(x: number): number {
  if (x !== x) return NaN;
  const a = Math.abs(x);
  const k = a < 1 ? 0 : a < 2.2 ? 1 : a < 4.3 ? 2 : 3;
  const near = a < 2.2;
  const u: DF = near ? [a, 0] : dfdiv([1, 0], [a, 0]);
  let t = ERFC_C[0][k];
  for (let i = 1; i < 5; i++) t = fma(t, u[0], ERFC_C[i][k]);
  let d = dfmulDFF(u, t);
  d = dfadd2DFDF(d, ERFC_D[0][k]);
  d = dfmulDFDF(d, u);
  d = dfadd2DFDF(d, ERFC_D[1][k]);
  d = dfmulDFDF(d, u);
  d = dfadd2DFDF(d, ERFC_D[2][k]);
  let e = dfmulDFF(near ? d : [-a, 0], a);
  if (!near) e = dfadd2DFDF(e, d);
  e = expk2f(e);
  if (!near) e = dfmulDFDF(e, u);
  let r = a < 10.1 ? f(e[0] + e[1]) : 0;
  if (x < 0 || Object.is(x, -0)) r = f(2 - r);
  return r;
}

// ---- glibc's erff (the Sun code in float32, no FMA in Debian's x86-64 libm): what calc_erfinv calls ----

const GE = {
  erx: 8.4506291151e-1,
  efx: 1.2837916613e-1,
  pp: [1.2837916613e-1, -3.2504209876e-1, -2.8481749818e-2, -5.770270247e-3, -2.3763017452e-5],
  qq: [1, 3.9791721106e-1, 6.50222525e-2, 5.0813062117e-3, 1.3249473704e-4, -3.9602282413e-6],
  pa: [
    -2.3621185683e-3, 4.1485610604e-1, -3.7220788002e-1, 3.1834661961e-1, -1.1089469492e-1, 3.5478305072e-2,
    -2.1663755178e-3,
  ],
  qa: [
    1, 1.0642088205e-1, 5.4039794207e-1, 7.1828655899e-2, 1.2617121637e-1, 1.3637083583e-2, 1.1984500103e-2,
  ],
  ra: [
    -9.8649440333e-3, -6.938585639e-1, -1.0558626175e1, -6.2375331879e1, -1.6239666748e2, -1.8460508728e2,
    -8.1287437439e1, -9.8143291473,
  ],
  sa: [
    1, 1.965127182e1, 1.3765776062e2, 4.3456588745e2, 6.4538726807e2, 4.2900814819e2, 1.0863500214e2,
    6.5702495575, -6.0424413532e-2,
  ],
  rb: [
    -9.864943102e-3, -7.9928326607e-1, -1.7757955551e1, -1.6063638306e2, -6.3756646729e2, -1.0250950928e3,
    -4.8351919556e2,
  ],
  sb: [
    1, 3.0338060379e1, 3.2579251099e2, 1.5367296143e3, 3.1998581543e3, 2.553050293e3, 4.7452853394e2,
    -2.2440952301e1,
  ],
};
const GEF = Object.fromEntries(
  Object.entries(GE).map(([k, v]) => [k, Array.isArray(v) ? v.map(f) : f(v)]),
) as unknown as { [K in keyof typeof GE]: (typeof GE)[K] };

/** Horner in float32 without fusing: c[0] + z*(c[1] + z*(...)). */
function hornerF(c: number[], z: number): number {
  let r = c[c.length - 1];
  for (let i = c.length - 2; i >= 0; i--) r = f(c[i] + f(z * r));
  return r;
}

const erffScratch = new DataView(new ArrayBuffer(4));

/** glibc 2.36's erff, float32 step by step (its expf is correctly rounded). */
export function erfGlibc(x: number): number {
  if (x !== x) return x;
  if (x === Infinity || x === -Infinity) return x > 0 ? 1 : -1;
  const ax = Math.abs(x);
  if (ax < 0.84375) {
    if (ax < 2 ** -28) return f(x + f(GEF.efx * x));
    const z = f(x * x);
    const y = f(hornerF(GEF.pp, z) / hornerF(GEF.qq, z));
    return f(x + f(x * y));
  }
  if (ax < 1.25) {
    const s = f(ax - 1);
    const pq = f(hornerF(GEF.pa, s) / hornerF(GEF.qa, s));
    return x >= 0 ? f(GEF.erx + pq) : f(-GEF.erx - pq);
  }
  if (ax >= 6) return x >= 0 ? f(1 - 1e-30) : f(1e-30 - 1);
  const s = f(1 / f(ax * ax));
  const small = ax < 2.857142925262451; // 0x4036DB6E
  const R = small ? hornerF(GEF.ra, s) : hornerF(GEF.rb, s);
  const S = small ? hornerF(GEF.sa, s) : hornerF(GEF.sb, s);
  erffScratch.setFloat32(0, ax);
  erffScratch.setUint32(0, erffScratch.getUint32(0) & 0xfffff000);
  const z = erffScratch.getFloat32(0);
  const r = f(f(Math.exp(f(f(-z * z) - 0.5625))) * f(Math.exp(f(f(f(z - ax) * f(z + ax)) + f(R / S)))));
  return x >= 0 ? f(1 - f(r / ax)) : f(f(r / ax) - 1);
}

// ---- SLEEF's atan2f_u1 (Sleef_atan2f8_u10, ATen's vectorized atan2) ----

const dfaddFF = (x: number, y: number): DF => {
  const rx = f(x + y);
  return [rx, f(f(x - rx) + y)];
};
const dfaddDFDF = (x: DF, y: DF): DF => {
  const rx = f(x[0] + y[0]);
  return [rx, f(f(f(f(x[0] - rx) + y[0]) + x[1]) + y[1])];
};
const ATAN_C = [
  -0.00176397908944636583328247, 0.0107900900766253471374512, -0.0309564601629972457885742,
  0.0577365085482597351074219, -0.0838950723409652709960938, 0.109463557600975036621094,
  -0.142626821994781494140625, 0.199983194470405578613281,
].map(f);
const HALF_PI_DF: DF = [f(1.5707963705062866211), f(-4.3711388286737928865e-8)];

function atan2kf(y: DF, x: DF): DF {
  let q = x[0] < 0 ? -2 : 0;
  if (x[0] < 0) x = [-x[0], -x[1]];
  const p = x[0] < y[0];
  if (p) q += 1;
  let s = p ? ([-x[0], -x[1]] as DF) : y;
  let t = p ? y : x;
  s = dfdiv(s, t);
  t = dfsqu(s);
  const nx = f(t[0] + t[1]);
  t = [nx, f(f(t[0] - nx) + t[1])];
  let u = ATAN_C[0];
  for (let i = 1; i < ATAN_C.length; i++) u = fma(u, t[0], ATAN_C[i]);
  t = dfmulDFDF(t, dfaddFF(f(-0.333332866430282592773438), f(u * t[0])));
  t = dfmulDFDF(s, dfaddFDF(1, t));
  return dfaddDFDF(dfmulDFF(HALF_PI_DF, q), t);
}

const signBit = (v: number) => v < 0 || Object.is(v, -0);
const mulsign = (v: number, s: number) => (signBit(s) ? -v : v);
const PI_2F = f(Math.PI / 2);
const PI_4F = f(Math.PI / 4);
const PI_F = f(Math.PI);
/** SLEEF's visinf2: m with d's sign bit or-ed in when d is infinite, else 0. */
const visinf2 = (d: number, m: number) => (Math.abs(d) === Infinity ? (signBit(d) ? -Math.abs(m) : m) : 0);

/** `torch.atan2(y, x)` on float32 as SLEEF's atan2f_u1 computes it. */
export function atan2Sleef(y: number, x: number): number {
  if (x !== x || y !== y) return NaN;
  if (Math.abs(x) < 2.938735877055719e-39) {
    x = f(x * 16777216);
    y = f(y * 16777216);
  }
  const d = atan2kf([Math.abs(y), 0], [x, 0]);
  let r = mulsign(f(d[0] + d[1]), x);
  if (Math.abs(x) === Infinity || x === 0) r = f(PI_2F - visinf2(x, mulsign(PI_2F, x)));
  if (Math.abs(y) === Infinity) r = f(PI_2F - visinf2(x, mulsign(PI_4F, x)));
  if (y === 0) r = signBit(x) ? PI_F : 0;
  return mulsign(r, y);
}

// ---- glibc's atan2f and atanf (the Sun code in float32): ATen's scalar atan2 on a row's tail ----

const ATANHI = [4.6364760399e-1, 7.8539812565e-1, 9.8279368877e-1, 1.5707962513].map(f);
const ATANLO = [5.012158244e-9, 3.7748947079e-8, 3.447321717e-8, 7.5497894159e-8].map(f);
const AT = [
  3.3333334327e-1, -2.0000000298e-1, 1.4285714924e-1, -1.1111110449e-1, 9.0908870101e-2, -7.6918758452e-2,
  6.6610731184e-2, -5.8335702866e-2, 4.9768779427e-2, -3.6531571299e-2, 1.6285819933e-2,
].map(f);

function atanGlibc(x0: number): number {
  let x = x0;
  const ax = Math.abs(x);
  if (ax >= 17179869184) {
    if (x !== x) return x;
    return x > 0 ? f(ATANHI[3] + ATANLO[3]) : f(-ATANHI[3] - ATANLO[3]);
  }
  let id = -1;
  if (ax < 0.4375) {
    if (ax < 2 ** -29) return x;
  } else {
    x = ax;
    if (ax < 1.1875) {
      if (ax < 0.6875) {
        id = 0;
        x = f(f(f(2 * x) - 1) / f(2 + x));
      } else {
        id = 1;
        x = f(f(x - 1) / f(x + 1));
      }
    } else if (ax < 2.4375) {
      id = 2;
      x = f(f(x - 1.5) / f(1 + f(1.5 * x)));
    } else {
      id = 3;
      x = f(-1 / x);
    }
  }
  const z = f(x * x);
  const w = f(z * z);
  const s1 = f(z * hornerF([AT[0], AT[2], AT[4], AT[6], AT[8], AT[10]], w));
  const s2 = f(w * hornerF([AT[1], AT[3], AT[5], AT[7], AT[9]], w));
  if (id < 0) return f(x - f(x * f(s1 + s2)));
  const r = f(ATANHI[id] - f(f(f(x * f(s1 + s2)) - ATANLO[id]) - x));
  return x0 < 0 ? -r : r;
}

const PI_LO = f(-8.7422776573e-8);
const PI_O_4 = f(7.8539818525e-1);

/** glibc's atan2f, float32 step by step. */
export function atan2Glibc(y: number, x: number): number {
  if (x !== x || y !== y) return NaN;
  if (x === 1) return atanGlibc(y);
  const m = (signBit(y) ? 1 : 0) | (signBit(x) ? 2 : 0);
  if (y === 0) return m < 2 ? y : m === 2 ? PI_F : -PI_F;
  if (x === 0) return signBit(y) ? -PI_2F : PI_2F;
  if (Math.abs(x) === Infinity) {
    if (Math.abs(y) === Infinity) return [PI_O_4, -PI_O_4, f(3 * PI_O_4), f(-3 * PI_O_4)][m];
    return [0, -0, PI_F, -PI_F][m];
  }
  if (Math.abs(y) === Infinity) return signBit(y) ? -PI_2F : PI_2F;
  erffScratch.setFloat32(0, Math.abs(y));
  const iy = erffScratch.getUint32(0);
  erffScratch.setFloat32(0, Math.abs(x));
  const ix = erffScratch.getUint32(0);
  const k = (iy - ix) >> 23;
  let z: number;
  if (k > 60) z = f(PI_2F + f(0.5 * PI_LO));
  else if (signBit(x) && k < -60) z = 0;
  else z = atanGlibc(Math.abs(f(y / x)));
  if (m === 0) return z;
  if (m === 1) return -z;
  if (m === 2) return f(PI_F - f(z - PI_LO));
  return f(f(z - PI_LO) - PI_F);
}
