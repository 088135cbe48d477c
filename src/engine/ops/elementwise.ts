/** Elementwise ops: each forward with its backward beside it. Results round to float32 on store. */
import { defineOp, type OpDef, runInplace, getOp } from "../registry.ts";
import type { DType } from "../dtype.ts";
import { TorchError } from "../errors.ts";
import { Tensor, type Operand } from "../tensor.ts";
import { sum } from "./reduce.ts";
import { view } from "./view.ts";
import {
  castTo,
  expf32,
  expSleef,
  logSleef,
  tanhSleef,
  sinSleef,
  cosSleef,
  mapBinary,
  mapTernary,
  mapTernaryBroadcast,
  mapUnary,
  resultType,
  sumToShape,
} from "../kernels.ts";

const f = Math.fround;

/** C's pow: 1 ** y and (-1) ** ±inf are 1 even for a NaN y, where JS gives NaN. */
export function cpow(x: number, y: number): number {
  if (x === 1 || (x === -1 && (y === Infinity || y === -Infinity))) return 1;
  return Math.pow(x, y);
}

/** Elementwise map over the grad and the saved input/output (all of one shape). */
function mapGrad(g: Tensor, x: Tensor, y: Tensor, fn: (g: number, x: number, y: number) => number): Tensor {
  return mapTernary(g, x, y, fn);
}

// The hot elementwise functions, made once: a kernel compiles its own loop for each function it sees
// again, so a closure made afresh on every call would miss that loop.
const ADD = (x: number, y: number) => x + y;
const SUB = (x: number, y: number) => x - y;
const MUL = (x: number, y: number) => x * y;
const DIV = (x: number, y: number) => x / y;
const NEG = (x: number) => -x;
const NEG_MUL = (x: number, q: number) => -x * q;

interface UnarySpec {
  name: string;
  gradFn: string;
  fn: (x: number) => number;
  /** d(out)/d(x) times g, from g, the input x and the output y; computed in float32 steps. */
  grad: (g: number, x: number, y: number) => number;
  /** What PyTorch saves: the input (`self`) or the result. */
  saves: "input" | "output" | "none";
  /** Integer input stays integer (neg, abs); otherwise it is computed in float32. */
  keepsInt?: boolean;
  /** `grad` as differentiable ops (ATen's formula), for create_graph=True. */
  diff?: (g: Tensor, x: Tensor, y: Tensor) => Tensor;
  /**
   * ATen's vectorized form, when it differs from `fn`: cpu_kernel_vec runs it on whole blocks of 16
   * float32 elements (two AVX2 vectors) and `fn`, the scalar form, on the rest.
   */
  vecFn?: (x: number) => number;
}

const VEC_BLOCK = 16;

function unaryOp(spec: UnarySpec): (a: Tensor) => Tensor {
  const run = defineOp<Record<string, never>>({
    name: spec.name,
    gradFn: spec.gradFn,
    forward: ([a]) => {
      const dtype: DType = spec.keepsInt && a.dtype !== "bool" ? a.dtype : "float32";
      const input = dtype === a.dtype ? a : castTo(a, "float32");
      const out = mapUnary(input, spec.fn, dtype);
      if (spec.vecFn && dtype === "float32") {
        const n = input.numel();
        const iv = input.values;
        const ov = out.values;
        for (let i = 0; i < n - (n % VEC_BLOCK); i++) ov[i] = spec.vecFn(iv[i]);
      }
      return out;
    },
    backward: (g, { inputs: [x], out }) => [mapGrad(g, x, out, spec.grad)],
    diffBackward: spec.diff ? (g, { inputs: [x], out }) => [spec.diff!(g, x, out)] : undefined,
    saves: () => ({ inputs: spec.saves === "input" ? [0] : [], output: spec.saves === "output" }),
  });
  return (a) => run([a], {});
}

export const neg = unaryOp({
  name: "neg",
  gradFn: "NegBackward0",
  fn: (x) => -x,
  grad: (g) => -g,
  diff: (g) => neg(g),
  saves: "none",
  keepsInt: true,
});
export const abs = unaryOp({
  name: "abs",
  gradFn: "AbsBackward0",
  fn: Math.abs,
  // grad * sgn(x), where sgn(NaN) is 0
  grad: (g, x) => f(g * (x > 0 ? 1 : x < 0 ? -1 : 0)),
  saves: "input",
  keepsInt: true,
});
export const sqrt = unaryOp({
  name: "sqrt",
  gradFn: "SqrtBackward0",
  fn: Math.sqrt,
  grad: (g, _x, y) => f(g / f(2 * y)),
  diff: (g, _x, y) => div(g, mul(y, 2)),
  saves: "output",
});
export const exp = unaryOp({
  name: "exp",
  gradFn: "ExpBackward0",
  fn: expSleef,
  grad: (g, _x, y) => f(g * y),
  diff: (g, _x, y) => mul(g, y),
  saves: "output",
});
export const log = unaryOp({
  name: "log",
  gradFn: "LogBackward0",
  // ATen's vectorized log: SLEEF's logf_u10 for every element
  fn: logSleef,
  grad: (g, x) => f(g / x),
  diff: (g, x) => div(g, x),
  saves: "input",
});
export const sin = unaryOp({
  name: "sin",
  gradFn: "SinBackward0",
  // ATen's vectorized sin: SLEEF's sinf_u10 for every element
  fn: sinSleef,
  // grad * self.cos(): the cos op, SLEEF's like the forward
  grad: (g, x) => f(g * cosSleef(x)),
  diff: (g, x) => mul(g, cos(x)),
  saves: "input",
});
export const cos = unaryOp({
  name: "cos",
  gradFn: "CosBackward0",
  // ATen's vectorized cos: SLEEF's cosf_u10 for every element
  fn: cosSleef,
  grad: (g, x) => f(g * -sinSleef(x)),
  diff: (g, x) => mul(g, neg(sin(x))),
  saves: "input",
});
export const tan = unaryOp({
  name: "tan",
  gradFn: "TanBackward0",
  fn: Math.tan,
  grad: (g, _x, y) => f(g * f(1 + f(y * y))),
  saves: "output",
});
export const tanh = unaryOp({
  name: "tanh",
  gradFn: "TanhBackward0",
  fn: Math.tanh,
  // the vectorized form on whole blocks: SLEEF's tanhf_u10
  vecFn: tanhSleef,
  // ATen's tanh_backward, a * (1 - b * b): GCC fuses 1 - b * b into one FMA (one rounding)
  grad: (g, _x, y) => f(g * f(1 - y * y)),
  diff: (g, _x, y) => tanhBackward(g, y),
  saves: "output",
});
export const sigmoid = unaryOp({
  name: "sigmoid",
  gradFn: "SigmoidBackward0",
  // float32 step by step as ATen does: exp, then 1 + e, then 1 / d (1 ulp apart from one rounding at 6.7)
  fn: (x) => f(1 / f(1 + expf32(-x))),
  // the vectorized form: the same steps with SLEEF's exp
  vecFn: (x) => f(1 / f(1 + expSleef(-x))),
  // ATen's sigmoid_backward: grad * (1 - y) * y, in that order (it decides inf × 0 = nan in the seed MLP)
  grad: (g, _x, y) => f(f(g * f(1 - y)) * y),
  diff: (g, _x, y) => sigmoidBackward(g, y),
  saves: "output",
});
export const relu = unaryOp({
  name: "relu",
  gradFn: "ReluBackward0",
  // clamp_min(x, 0): NaN and -0. pass through
  fn: (x) => (x < 0 ? 0 : x),
  // threshold_backward: result <= 0 ? 0 : grad, so a NaN result passes the grad
  grad: (g, _x, y) => (y <= 0 ? 0 : g),
  diff: (g, _x, y) => thresholdBackward(g, y),
  saves: "output",
  keepsInt: true,
});
export const reciprocal = unaryOp({
  name: "reciprocal",
  gradFn: "ReciprocalBackward0",
  fn: (x) => 1 / x,
  grad: (g, _x, y) => f(-g * f(y * y)),
  saves: "output",
});

// tanh's and sigmoid's backward as ops of their own (ATen's tanh_backward, sigmoid_backward), so
// create_graph can differentiate them again, by derivatives.yaml's formulas
const TANH_BW = (g: number, y: number) => f(g * f(1 - y * y));
const SIGMOID_BW = (g: number, y: number) => f(f(g * f(1 - y)) * y);

const runTanhBackward = defineOp<Record<string, never>>({
  name: "tanh_backward",
  gradFn: "TanhBackwardBackward0",
  forward: ([g, y]) => mapBinary(g, y, TANH_BW, "float32"),
  // grad_output: tanh_backward(grad, output); output: grad * (-2. * output * grad_output)
  backward: (gg, { inputs: [g, y] }, [ng, ny]) => [
    ng ? mapBinary(gg, y, TANH_BW, "float32") : null,
    ny ? mapTernary(gg, y, g, (a, b, c) => f(a * f(f(-2 * b) * c))) : null,
  ],
  diffBackward: (gg, { inputs: [g, y] }, [ng, ny]) => [
    ng ? tanhBackward(gg, y) : null,
    ny ? mul(gg, mul(mul(y, -2), g)) : null,
  ],
});
function tanhBackward(g: Tensor, y: Tensor): Tensor {
  return runTanhBackward([g, y], {});
}

const runSigmoidBackward = defineOp<Record<string, never>>({
  name: "sigmoid_backward",
  gradFn: "SigmoidBackwardBackward0",
  forward: ([g, y]) => mapBinary(g, y, SIGMOID_BW, "float32"),
  // grad_output: sigmoid_backward(grad, output); output: grad * grad_output * (-2 * output + 1)
  backward: (gg, { inputs: [g, y] }, [ng, ny]) => [
    ng ? mapBinary(gg, y, SIGMOID_BW, "float32") : null,
    ny ? mapTernary(gg, y, g, (a, b, c) => f(f(a * c) * f(f(-2 * b) + 1))) : null,
  ],
  diffBackward: (gg, { inputs: [g, y] }, [ng, ny]) => [
    ng ? sigmoidBackward(gg, y) : null,
    ny ? mul(mul(gg, g), add(mul(y, -2), 1)) : null,
  ],
});
function sigmoidBackward(g: Tensor, y: Tensor): Tensor {
  return runSigmoidBackward([g, y], {});
}

// relu's backward, ATen's threshold_backward(grad, result, 0): grad where result > 0. Its own grads:
// grad_output gets threshold_backward(grad, self, 0), self gets zeros (no grad_fn)
const THRESHOLD_BW = (g: number, y: number) => (y <= 0 ? 0 : g);
const runThresholdBackward = defineOp<Record<string, never>>({
  name: "threshold_backward",
  gradFn: "ThresholdBackwardBackward0",
  forward: ([g, y]) => mapBinary(g, y, THRESHOLD_BW, "float32"),
  backward: (gg, { inputs: [, y] }, [ng, ny]) => [
    ng ? mapBinary(gg, y, THRESHOLD_BW, "float32") : null,
    ny ? mapUnary(gg, () => 0) : null,
  ],
  diffBackward: (gg, { inputs: [, y] }, [ng, ny]) => [
    ng ? thresholdBackward(gg, y) : null,
    ny ? mapUnary(gg, () => 0) : null,
  ],
  saves: () => ({ inputs: [1], output: false }),
});
function thresholdBackward(g: Tensor, y: Tensor): Tensor {
  return runThresholdBackward([g, y], {});
}

/**
 * ATen's sum_to as differentiable ops (create_graph): sum over the broadcast dims with keepdim,
 * then a view to `shape` when leading dims went (SumBackward1, ViewBackward0); to 0-dim a full sum.
 */
function sameShapeGrad(g: Tensor, shape: readonly number[]): Tensor {
  if (g.shape.length === shape.length && g.shape.every((n, i) => n === shape[i])) return g;
  if (shape.length === 0) return sum(g);
  const leading = g.shape.length - shape.length;
  const dims = g.shape
    .map((_, d) => d)
    .filter((d) => d < leading || (shape[d - leading] === 1 && g.shape[d] !== 1));
  const summed = dims.length ? sum(g, dims, true) : g;
  return leading > 0 ? view(summed, shape) : summed;
}

/** float32's largest finite value: nan_to_num's default for ±inf. */
const FLOAT32_MAX = 3.4028234663852886e38;

const runNanToNum = defineOp<{ nan: number; posinf: number; neginf: number }>({
  name: "nan_to_num",
  gradFn: "NanToNumBackward0",
  forward: ([a], { nan, posinf, neginf }) => {
    if (a.dtype !== "float32") return mapUnary(a, (x) => x, a.dtype);
    const [n, p, m] = [f(nan), f(posinf), f(neginf)];
    return mapUnary(
      a,
      (x) => (Number.isNaN(x) ? n : x === Infinity ? p : x === -Infinity ? m : x),
      "float32",
    );
  },
  // ATen: grad * isfinite(self)
  backward: (g, { inputs: [a] }) => [mapGrad(g, a, a, (gi, x) => (Number.isFinite(x) ? gi : 0))],
  saves: () => ({ inputs: [0], output: false }),
});

/** `torch.nan_to_num(a, nan=0.0, posinf=None, neginf=None)`: ±inf default to float32's extremes. */
export function nanToNum(
  a: Tensor,
  nan = 0,
  posinf: number | null = null,
  neginf: number | null = null,
): Tensor {
  return runNanToNum([a], { nan, posinf: posinf ?? FLOAT32_MAX, neginf: neginf ?? -FLOAT32_MAX });
}

/** A binary op's operand: a tensor, or a Python number wrapped as a 0-dim tensor. */
function operands(a: Operand, b: Operand): [Tensor, Tensor] {
  return [Tensor.from(a), Tensor.from(b)];
}

function binaryForward(fn: (x: number, y: number) => number, trueDivide = false) {
  return ([a, b]: Tensor[]) => {
    let dtype = resultType(a, b);
    if (trueDivide) dtype = "float32";
    return mapBinary(a, b, fn, dtype === "bool" ? "bool" : dtype);
  };
}

/**
 * `x + sign * alpha * y` as ATen's add kernel computes it: alpha cast to the dtype, then one fused
 * multiply-add (its vectorized and scalar loops both use fmadd), so one rounding on float32.
 */
function alphaTimes(alpha: number, dtype: DType, sign: 1 | -1): (x: number, y: number) => number {
  if (dtype !== "float32") return (x, y) => x + sign * alpha * y;
  const fa = sign * f(alpha);
  // fa * y is exact in double (24 × 24 bits); the sum rounds once more to float32 on store
  return (x, y) => x + fa * y;
}

const addDef: OpDef<{ alpha: number }> = {
  name: "add",
  gradFn: "AddBackward0",
  forward: ([a, b], { alpha }) => {
    const dtype = resultType(a, b);
    if (dtype === "bool" && alpha === 1) return mapBinary(a, b, (x, y) => x || y, "bool");
    if (alpha === 1) return mapBinary(a, b, ADD, dtype);
    return mapBinary(a, b, alphaTimes(alpha, dtype, 1), dtype);
  },
  backward: (g, { inputs: [a, b], attrs: { alpha } }, [na, nb]) => [
    na ? sumToShape(g, a.shape) : null,
    nb ? sumToShape(alpha === 1 ? g : mapUnary(g, (x) => x * alpha), b.shape) : null,
  ],
  diffBackward: (g, { inputs: [a, b], attrs: { alpha } }, [na, nb]) => [
    na ? sameShapeGrad(g, a.shape) : null,
    nb ? sameShapeGrad(alpha === 1 ? g : mul(g, alpha), b.shape) : null,
  ],
  saves: () => ({ inputs: [], output: false }),
};
const runAdd = defineOp(addDef);
export function add(a: Operand, b: Operand, alpha = 1): Tensor {
  return runAdd(operands(a, b), { alpha });
}

/** ATen's sub_check: no bool operand (a bool Python number counts), for `-` and rsub alike. */
function subCheck(a: Tensor, b: Tensor): void {
  if (a.dtype === "bool" && b.dtype === "bool") {
    throw new TorchError(
      "RuntimeError",
      "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or `logical_xor()` operator instead.",
    );
  }
  if (a.dtype === "bool" || b.dtype === "bool") {
    throw new TorchError(
      "RuntimeError",
      "Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.",
    );
  }
}

const subDef: OpDef<{ alpha: number }> = {
  name: "sub",
  gradFn: "SubBackward0",
  forward: ([a, b], { alpha }) => {
    subCheck(a, b);
    const dtype = resultType(a, b);
    return mapBinary(a, b, alpha === 1 ? SUB : alphaTimes(alpha, dtype, -1), dtype);
  },
  backward: (g, { inputs: [a, b], attrs: { alpha } }, [na, nb]) => [
    na ? sumToShape(g, a.shape) : null,
    nb
      ? sumToShape(
          // -x * 1 is -x for every x (NaN, ±inf, ±0 alike)
          mapUnary(g, alpha === 1 ? NEG : (x) => -x * alpha),
          b.shape,
        )
      : null,
  ],
  diffBackward: (g, { inputs: [a, b], attrs: { alpha } }, [na, nb]) => [
    na ? sameShapeGrad(g, a.shape) : null,
    nb ? sameShapeGrad(alpha === 1 ? neg(g) : mul(neg(g), alpha), b.shape) : null,
  ],
  saves: () => ({ inputs: [], output: false }),
};
const runSub = defineOp(subDef);
export function sub(a: Operand, b: Operand, alpha = 1): Tensor {
  return runSub(operands(a, b), { alpha });
}

/** `scalar - a` as Python's `1 - t` (PyTorch's rsub with a Scalar: RsubBackward1). */
const runRsub = defineOp<{ alpha: number }>({
  name: "rsub",
  gradFn: (inputs) => (inputs[1].isWrappedNumber ? "RsubBackward1" : "RsubBackward0"),
  forward: ([a, b]) => {
    subCheck(a, b);
    return mapBinary(b, a, SUB, resultType(a, b));
  },
  backward: (g, { inputs: [a, b] }, [na, nb]) => [
    na ? sumToShape(mapUnary(g, NEG), a.shape) : null,
    nb ? sumToShape(g, b.shape) : null,
  ],
  diffBackward: (g, { inputs: [a, b] }, [na, nb]) => [
    na ? sameShapeGrad(neg(g), a.shape) : null,
    nb ? sameShapeGrad(g, b.shape) : null,
  ],
  saves: () => ({ inputs: [], output: false }),
});
/** `other - a`, computed as PyTorch's rsub(a, other). */
export function rsub(a: Operand, other: Operand): Tensor {
  return runRsub(operands(a, other), { alpha: 1 });
}

const mulDef: OpDef<Record<string, never>> = {
  name: "mul",
  gradFn: "MulBackward0",
  forward: binaryForward(MUL),
  backward: (g, { inputs: [a, b] }, [na, nb]) => [
    na ? sumToShape(mapBinary(g, b, MUL, "float32"), a.shape) : null,
    nb ? sumToShape(mapBinary(g, a, MUL, "float32"), b.shape) : null,
  ],
  diffBackward: (g, { inputs: [a, b] }, [na, nb]) => [
    na ? sameShapeGrad(mul(g, b), a.shape) : null,
    nb ? sameShapeGrad(mul(g, a), b.shape) : null,
  ],
  // mul saves `other` for self's grad and `self` for other's grad
  saves: (_ctx, [na, nb]) => ({ inputs: [...(nb ? [0] : []), ...(na ? [1] : [])], output: false }),
};
const runMul = defineOp(mulDef);
export function mul(a: Operand, b: Operand): Tensor {
  return runMul(operands(a, b), {});
}

const divDef: OpDef<Record<string, never>> = {
  name: "div",
  gradFn: "DivBackward0",
  forward: binaryForward(DIV, true),
  backward: (g, { inputs: [a, b] }, [na, nb]) => [
    na ? sumToShape(mapBinary(g, b, DIV, "float32"), a.shape) : null,
    // ATen: -grad * ((self / other) / other)
    nb
      ? sumToShape(
          mapBinary(g, mapBinary(mapBinary(a, b, DIV, "float32"), b, DIV, "float32"), NEG_MUL, "float32"),
          b.shape,
        )
      : null,
  ],
  // ATen: grad / other, and -grad * ((self / other) / other)
  diffBackward: (g, { inputs: [a, b] }, [na, nb]) => [
    na ? sameShapeGrad(div(g, b), a.shape) : null,
    nb ? sameShapeGrad(mul(neg(g), div(div(a, b), b)), b.shape) : null,
  ],
  saves: (_ctx, [na, nb]) => ({ inputs: nb ? [0, 1] : na ? [1] : [], output: false }),
};
const runDiv = defineOp(divDef);
export function div(a: Operand, b: Operand): Tensor {
  return runDiv(operands(a, b), {});
}

/** `scalar / a` as Python's `1.0 / t`: PyTorch computes reciprocal(a) * scalar (MulBackward0). */
export function rdiv(a: Tensor, scalar: number): Tensor {
  return mul(reciprocal(a), scalar);
}

/**
 * `x ** exponent` on float32 as ATen's pow kernel computes it: sqrt, rsqrt, reciprocal, x*x,
 * x*x*x and 1/(x*x) for those exponents (float32 steps; `(-0.) ** 0.5` is -0. and its grad -inf),
 * C's pow otherwise.
 */
function powScalarFn(exponent: number): (x: number) => number {
  if (exponent === 0.5) return Math.sqrt;
  if (exponent === -0.5) return (x) => f(1 / f(Math.sqrt(x)));
  if (exponent === -1) return (x) => 1 / x;
  if (exponent === 2) return (x) => x * x;
  if (exponent === 3) return (x) => f(f(x * x) * x);
  if (exponent === -2) return (x) => 1 / f(x * x);
  return (x) => cpow(x, exponent);
}

const runPowScalar = defineOp<{ exponent: number; floatExponent: boolean }>({
  name: "pow",
  gradFn: "PowBackward0",
  forward: ([a], { exponent, floatExponent }) => {
    const intResult = a.dtype !== "float32" && !floatExponent;
    if (intResult && exponent < 0)
      throw new TorchError("RuntimeError", "Integers to negative integer powers are not allowed.");
    const dtype = intResult ? "int64" : "float32";
    const fn = dtype === "float32" ? powScalarFn(exponent) : (x: number) => cpow(x, exponent);
    return mapUnary(castTo(a, dtype), fn, dtype);
  },
  backward: (g, { inputs: [a], attrs: { exponent } }) => {
    // ATen: grad * (exponent * self.pow(exponent - 1)), the pow through the same kernel
    const lower = powScalarFn(exponent - 1);
    return [
      exponent === 0 ? mapUnary(g, () => 0) : mapGrad(g, a, a, (gi, x) => f(gi * f(exponent * f(lower(x))))),
    ];
  },
  // ATen: grad * (exponent * self.pow(exponent - 1))
  diffBackward: (g, { inputs: [a], attrs: { exponent } }) => [
    exponent === 0 ? mapUnary(g, () => 0) : mul(g, mul(pow(a, exponent - 1), exponent)),
  ],
  saves: () => ({ inputs: [0], output: false }),
});

const runPowTensor = defineOp<Record<string, never>>({
  name: "pow_tensor",
  gradFn: "PowBackward1",
  forward: ([a, b]) => {
    const dtype = resultType(a, b);
    return mapBinary(a, b, (x, y) => cpow(x, y), dtype === "bool" ? "int64" : dtype);
  },
  backward: (g, { inputs: [a, b], out }, [na, nb]) => [
    // ATen: where(exponent == 0, 0, grad * exponent * pow(self, exponent - 1)): an inf grad stays out
    na
      ? sumToShape(
          mapBinary(
            mapBinary(
              g,
              mapBinary(a, b, (x, y) => f(y * f(cpow(x, y - 1))), "float32"),
              MUL,
              "float32",
            ),
            b,
            (p, y) => (y === 0 ? 0 : p),
            "float32",
          ),
          a.shape,
        )
      : null,
    nb
      ? sumToShape(
          mapBinary(
            g,
            // ATen: where(self == 0 & exponent >= 0, 0, result * log(self))
            mapBinary(
              mapBinary(a, b, (x, y) => (x === 0 && y >= 0 ? 1 : 0), "float32"),
              mapBinary(out, a, (r, x) => f(r * f(Math.log(x))), "float32"),
              (z, v) => (z ? 0 : v),
              "float32",
            ),
            MUL,
            "float32",
          ),
          b.shape,
        )
      : null,
  ],
  saves: () => ({ inputs: [0, 1], output: true }),
});

/**
 * `a ** exponent`: a number exponent (or a wrapped Python number) is PowBackward0, a tensor exponent
 * PowBackward1. A whole-valued JS number counts as a Python int; wrap 2.0 as float32 for a float.
 */
export function pow(a: Operand, exponent: Operand): Tensor {
  if (a instanceof Tensor && (!(exponent instanceof Tensor) || exponent.isWrappedNumber)) {
    const e = Tensor.from(exponent);
    return runPowScalar([a], { exponent: e.values[0], floatExponent: e.dtype === "float32" });
  }
  return runPowTensor(operands(a, exponent), {});
}

/** `base ** t` with a Python number base (`2.0 ** t`): PyTorch's pow(Scalar, Tensor), PowBackward1 in 1.13. */
export function rpow(t: Tensor, base: number): Tensor {
  return runPowTensor([Tensor.wrap(base), t], {});
}

const runClamp = defineOp<{ min: number | null; max: number | null }>({
  name: "clamp",
  gradFn: "ClampBackward1",
  forward: ([a], { min, max }) => {
    const dtype =
      a.dtype === "int64" &&
      ((min !== null && !Number.isInteger(min)) || (max !== null && !Number.isInteger(max)))
        ? "float32"
        : a.dtype;
    // NaN stays NaN; the float32 bounds are what PyTorch compares with (1 - 1e-8 becomes 1.)
    const lo = min === null ? -Infinity : dtype === "float32" ? f(min) : min;
    const hi = max === null ? Infinity : dtype === "float32" ? f(max) : max;
    return mapUnary(a, (x) => (x !== x ? x : Math.min(Math.max(x, lo), hi)), dtype);
  },
  backward: (g, { inputs: [a], attrs: { min, max } }) => {
    const lo = min === null ? -Infinity : f(min);
    const hi = max === null ? Infinity : f(max);
    return [mapGrad(g, a, a, (gi, x) => (x >= lo && x <= hi ? gi : 0))];
  },
  saves: () => ({ inputs: [0], output: false }),
});
export function clamp(a: Tensor, min?: number | null, max?: number | null): Tensor {
  if ((min === undefined || min === null) && (max === undefined || max === null)) {
    throw new TorchError("RuntimeError", "torch.clamp: At least one of 'min' or 'max' must not be None");
  }
  return runClamp([a], { min: min ?? null, max: max ?? null });
}

function extremumOp(
  name: "maximum" | "minimum",
  gradFn: string,
  pick: (x: number, y: number) => number,
  loses: (x: number, y: number) => boolean,
) {
  const run = defineOp<Record<string, never>>({
    name,
    gradFn,
    forward: ([a, b]) => mapBinary(a, b, (x, y) => (x !== x || y !== y ? NaN : pick(x, y)), resultType(a, b)),
    backward: (g, { inputs: [a, b] }, [na, nb]) => {
      // ATen: where(self == other, grad / 2, grad), masked to the side that won
      const share = (mine: Tensor, other: Tensor) =>
        mapBinary(
          g,
          mapBinary(mine, other, (x, y) => (x === y ? 0.5 : loses(x, y) ? 0 : 1), "float32"),
          // masked_fill, not a product: a NaN grad stays out of the losing side
          (gi, s) => (s === 0 ? 0 : gi * s),
          "float32",
        );
      return [na ? sumToShape(share(a, b), a.shape) : null, nb ? sumToShape(share(b, a), b.shape) : null];
    },
    saves: () => ({ inputs: [0, 1], output: false }),
  });
  return (a: Tensor, b: Tensor) => run([a, b], {});
}
export const maximum = extremumOp("maximum", "MaximumBackward0", Math.max, (x, y) => x < y);
export const minimum = extremumOp("minimum", "MinimumBackward0", Math.min, (x, y) => x > y);

function comparisonOp(name: string, fn: (x: number, y: number) => boolean) {
  const run = defineOp<Record<string, never>>({
    name,
    gradFn: "",
    forward: ([a, b]) => mapBinary(a, b, (x, y) => (fn(x, y) ? 1 : 0), "bool"),
  });
  return (a: Operand, b: Operand) => run(operands(a, b), {});
}
export const eq = comparisonOp("eq", (x, y) => x === y);
export const ne = comparisonOp("ne", (x, y) => x !== y);
export const lt = comparisonOp("lt", (x, y) => x < y);
export const le = comparisonOp("le", (x, y) => x <= y);
export const gt = comparisonOp("gt", (x, y) => x > y);
export const ge = comparisonOp("ge", (x, y) => x >= y);

/** In-place form of a registered op: `a.add_(b)` runs op `add` and writes into `a`. */
export function inplace(
  target: Tensor,
  op: string,
  others: Tensor[],
  attrs: Record<string, unknown>,
): Tensor {
  return runInplace(getOp(op), target, others, attrs, `${op}_`);
}

defineOp<Record<string, never>>({
  name: "zero",
  gradFn: "ZeroBackward0",
  forward: ([a]) => mapUnary(a, () => 0),
  backward: (g) => [mapUnary(g, () => 0)],
  saves: () => ({ inputs: [], output: false }),
});
defineOp<{ value: number }>({
  name: "fill",
  gradFn: "FillBackward0",
  forward: ([a], { value }) => mapUnary(a, () => value),
  backward: (g) => [mapUnary(g, () => 0)],
  saves: () => ({ inputs: [], output: false }),
});

// ---- addcmul / addcdiv: what the optimizers' updates are made of

function checkAddcFloat(name: string, ts: Tensor[]): void {
  if (ts.some((t) => t.dtype !== "float32")) {
    throw new TorchError(
      "NotImplementedError",
      `gradlens does not support ${name} of integer or bool tensors yet`,
    );
  }
}

const runAddcmul = defineOp<{ value: number }>({
  name: "addcmul",
  gradFn: "AddcmulBackward0",
  forward: ([s, t1, t2], { value }) => {
    checkAddcFloat("addcmul", [s, t1, t2]);
    const v = f(value);
    // ATen: self + value * t1 * t2, with value * t1 rounded and the rest one fused multiply-add
    return mapTernaryBroadcast(s, t1, t2, (x, a, b) => x + f(v * a) * b);
  },
  // ATen: grad * (tensor2 * value) and grad * (tensor1 * value)
  backward: (g, { inputs: [s, t1, t2], attrs: { value } }, [ns, n1, n2]) => [
    ns ? sumToShape(g, s.shape) : null,
    n1
      ? sumToShape(
          mapBinary(
            g,
            mapUnary(t2, (x) => x * f(value)),
            MUL,
            "float32",
          ),
          t1.shape,
        )
      : null,
    n2
      ? sumToShape(
          mapBinary(
            g,
            mapUnary(t1, (x) => x * f(value)),
            MUL,
            "float32",
          ),
          t2.shape,
        )
      : null,
  ],
  saves: (_ctx, [, n1, n2]) => ({ inputs: [...(n2 ? [1] : []), ...(n1 ? [2] : [])], output: false }),
});
/** `torch.addcmul(self, t1, t2, value=v)`: self + v * t1 * t2. */
export function addcmul(s: Operand, t1: Operand, t2: Operand, value = 1): Tensor {
  return runAddcmul([Tensor.from(s), Tensor.from(t1), Tensor.from(t2)], { value });
}

const runAddcdiv = defineOp<{ value: number }>({
  name: "addcdiv",
  gradFn: "AddcdivBackward0",
  forward: ([s, t1, t2], { value }) => {
    checkAddcFloat("addcdiv", [s, t1, t2]);
    const v = f(value);
    // ATen: self + value * t1 / t2, each step rounded (no fused step here)
    return mapTernaryBroadcast(s, t1, t2, (x, a, b) => x + f(f(v * a) / b));
  },
  // ATen: grad * (value / tensor2) and -grad * value * tensor1 / (tensor2 * tensor2)
  backward: (g, { inputs: [s, t1, t2], attrs: { value } }, [ns, n1, n2]) => [
    ns ? sumToShape(g, s.shape) : null,
    n1
      ? sumToShape(
          mapBinary(
            g,
            mapUnary(t2, (x) => f(value) / x),
            MUL,
            "float32",
          ),
          t1.shape,
        )
      : null,
    n2
      ? sumToShape(
          mapTernaryBroadcast(g, t1, t2, (gg, a, b) => f(f(f(-gg * f(value)) * a) / f(b * b))),
          t2.shape,
        )
      : null,
  ],
  saves: (_ctx, [, n1, n2]) => ({ inputs: n2 ? [1, 2] : n1 ? [2] : [], output: false }),
});
/** `torch.addcdiv(self, t1, t2, value=v)`: self + v * t1 / t2. */
export function addcdiv(s: Operand, t1: Operand, t2: Operand, value = 1): Tensor {
  return runAddcdiv([Tensor.from(s), Tensor.from(t1), Tensor.from(t2)], { value });
}
