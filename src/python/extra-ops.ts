/**
 * Ops the Python surface needs that the engine does not export (yet): a dtype cast (`.float()`,
 * `.long()`, `.to(dtype)`), `where`, floor division and remainder.
 * Each is registered through the engine's own registry, and only when the engine has no op of that
 * name, so an engine version of it takes over without a change here.
 */
import * as ops from "../engine/ops/index.ts";
import { type OpDef, defineOp, getOp, registeredOps, runOp } from "../engine/registry.ts";
import { type DType, allocate } from "../engine/dtype.ts";
import { castTo, resultType, sumToShape } from "../engine/kernels.ts";
import { broadcastIndexMap, broadcastShapes, numel } from "../engine/shape.ts";
import { TorchError } from "../engine/errors.ts";
import { Tensor } from "../engine/tensor.ts";

function ensure<A>(def: OpDef<A>): (inputs: Tensor[], attrs: A) => Tensor {
  if (!registeredOps().includes(def.name)) defineOp(def);
  const registered = getOp(def.name) as OpDef<A>;
  return (inputs, attrs) => runOp(registered, inputs, attrs);
}

const engine = ops as Record<string, unknown>;

// ---- dtype casts: not differentiable between our dtypes (float32 -> float32 is no cast at all)

const runCast = ensure<{ dtype: DType }>({
  name: "_to_copy",
  gradFn: "ToCopyBackward0",
  // only called with another dtype (castTo returns its input for the same dtype)
  forward: ([a], { dtype }) => castTo(a, dtype),
});

/** `t.to(dtype)`: the same tensor when the dtype matches, as PyTorch returns self. */
export function toDtype(a: Tensor, dtype: DType): Tensor {
  return a.dtype === dtype ? a : runCast([a], { dtype });
}

// ---- where(condition, x, y)

const runWhere = ensure<Record<string, never>>({
  name: "where",
  gradFn: "WhereBackward0",
  forward: ([c, x, y]) => {
    if (c.dtype !== "bool") {
      throw new TorchError(
        "RuntimeError",
        `where expected condition to be a boolean tensor, but got a tensor with dtype ${c.dtype === "int64" ? "Long" : "Float"}`,
      );
    }
    const shape = broadcastShapes(broadcastShapes(c.shape, x.shape), y.shape);
    const dtype = resultType(x, y);
    const out = allocate(dtype, numel(shape));
    const cm = broadcastIndexMap(c.shape, shape);
    const xm = broadcastIndexMap(x.shape, shape);
    const ym = broadcastIndexMap(y.shape, shape);
    const cv = c.values;
    const xv = x.values;
    const yv = y.values;
    for (let i = 0; i < out.length; i++) out[i] = cv[cm[i]] ? xv[xm[i]] : yv[ym[i]];
    return new Tensor(out, shape, dtype);
  },
  backward: (g, { inputs: [c, x, y] }, [, nx, ny]) => {
    const cm = broadcastIndexMap(c.shape, g.shape);
    const side = (keep: boolean, like: Tensor) => {
      const out = new Float32Array(g.numel());
      const gv = g.values;
      for (let i = 0; i < out.length; i++) out[i] = (c.values[cm[i]] !== 0) === keep ? gv[i] : 0;
      return sumToShape(new Tensor(out, g.shape, "float32"), like.shape);
    };
    return [null, nx ? side(true, x) : null, ny ? side(false, y) : null];
  },
  saves: () => ({ inputs: [0], output: false }),
});

/** `torch.where(condition, x, y)` (WhereBackward0); the condition gets no grad. */
export function where(condition: Tensor, x: Tensor, y: Tensor): Tensor {
  if (typeof engine.where === "function") {
    return (engine.where as (c: Tensor, x: Tensor, y: Tensor) => Tensor)(condition, x, y);
  }
  return runWhere([condition, x, y], {});
}

// ---- floor division and remainder (Python's // and %), as ATen's div_floor and remainder kernels

const f32 = Math.fround;

function checkIntDivisor(b: Tensor): void {
  if (b.dtype !== "float32" && b.values.some((v) => v === 0)) {
    throw new TorchError("RuntimeError", "ZeroDivisionError");
  }
}

function floorDivFloat(a: number, b: number): number {
  if (b === 0) return f32(a / b);
  const mod = a % b;
  let div = f32(f32(a - mod) / b);
  if (mod !== 0 && b < 0 !== mod < 0) div = f32(div - 1);
  if (div === 0) return Math.sign(a / b) < 0 || Object.is(a / b, -0) ? -0 : 0;
  let fl = Math.floor(div);
  if (div - fl > 0.5) fl += 1;
  return fl;
}

function floorDivInt(a: number, b: number): number {
  return Math.floor(a / b);
}

function binaryValues(a: Tensor, b: Tensor, dtype: DType, fn: (x: number, y: number) => number): Tensor {
  const shape = broadcastShapes(a.shape, b.shape);
  const out = allocate(dtype, numel(shape));
  const am = broadcastIndexMap(a.shape, shape);
  const bm = broadcastIndexMap(b.shape, shape);
  for (let i = 0; i < out.length; i++) out[i] = fn(a.values[am[i]], b.values[bm[i]]);
  return new Tensor(out, shape, dtype);
}

const runFloorDivide = ensure<Record<string, never>>({
  name: "floor_divide",
  gradFn: "NotImplemented",
  forward: ([a, b]) => {
    const dtype = resultType(a, b) === "bool" ? "int64" : resultType(a, b);
    if (dtype !== "float32") checkIntDivisor(b);
    return binaryValues(a, b, dtype, dtype === "float32" ? floorDivFloat : floorDivInt);
  },
});

/** `a // b`: floor division (not differentiable in PyTorch either). */
export function floorDivide(a: Tensor, b: Tensor): Tensor {
  if (a.requiresGrad || b.requiresGrad) {
    throw new TorchError(
      "NotImplementedError",
      "gradlens does not support floor division (//) of tensors that require grad yet",
    );
  }
  return runFloorDivide([a, b], {});
}

function remainderFloat(a: number, b: number): number {
  const mod = a % b;
  return mod !== 0 && b < 0 !== mod < 0 ? f32(mod + b) : mod;
}

function remainderInt(a: number, b: number): number {
  const r = a % b;
  return r !== 0 && r < 0 !== b < 0 ? r + b : r;
}

const runRemainder = ensure<Record<string, never>>({
  name: "remainder",
  gradFn: "RemainderBackward0",
  forward: ([a, b]) => {
    const dtype = resultType(a, b) === "bool" ? "int64" : resultType(a, b);
    if (dtype !== "float32") checkIntDivisor(b);
    return binaryValues(a, b, dtype, dtype === "float32" ? remainderFloat : remainderInt);
  },
  // d/da = 1; d/db = -floor_divide(a, b)
  backward: (g, { inputs: [a, b] }, [na, nb]) => [
    na ? sumToShape(g, a.shape) : null,
    nb
      ? sumToShape(
          binaryValues(g, binaryValues(a, b, "float32", floorDivFloat), "float32", (x, q) => -x * q),
          b.shape,
        )
      : null,
  ],
  saves: (_ctx, [, nb]) => ({ inputs: nb ? [0, 1] : [], output: false }),
});

/** `a % b`: Python's remainder (the sign of the divisor), RemainderBackward0. */
export function remainder(a: Tensor, b: Tensor): Tensor {
  return runRemainder([a, b], {});
}

// ---- more unary math (ATen's derivative formulas, float32 step by step)

const LN2 = Math.fround(Math.LN2);
const LN10 = Math.fround(Math.LN10);

/** Round half to even, as ATen's round (nearbyint). */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

interface Unary {
  name: string;
  gradFn: string;
  fn: (x: number) => number;
  /** d/dx times g from g, x and y = fn(x); null for ATen's zero gradient (floor, sign, ...). */
  grad: ((g: number, x: number, y: number) => number) | null;
  saves: "input" | "output" | "none";
  /** Integer input keeps its dtype (floor of an int64 is that int64). */
  keepsInt?: boolean;
}

const UNARY: Unary[] = [
  {
    name: "rsqrt",
    gradFn: "RsqrtBackward0",
    fn: (x) => 1 / Math.sqrt(x),
    saves: "output",
    grad: (g, _x, y) => f32(f32(-0.5 * g) * f32(f32(y * y) * y)),
  },
  {
    name: "log1p",
    gradFn: "Log1PBackward0",
    fn: Math.log1p,
    saves: "input",
    grad: (g, x) => f32(g / f32(x + 1)),
  },
  {
    name: "expm1",
    gradFn: "Expm1Backward0",
    fn: Math.expm1,
    saves: "output",
    grad: (g, _x, y) => f32(g * f32(y + 1)),
  },
  {
    name: "log2",
    gradFn: "Log2Backward0",
    fn: Math.log2,
    saves: "input",
    grad: (g, x) => f32(g / f32(x * LN2)),
  },
  {
    name: "log10",
    gradFn: "Log10Backward0",
    fn: Math.log10,
    saves: "input",
    grad: (g, x) => f32(g / f32(x * LN10)),
  },
  {
    name: "sinh",
    gradFn: "SinhBackward0",
    fn: Math.sinh,
    saves: "input",
    grad: (g, x) => f32(g * f32(Math.cosh(x))),
  },
  {
    name: "cosh",
    gradFn: "CoshBackward0",
    fn: Math.cosh,
    saves: "input",
    grad: (g, x) => f32(g * f32(Math.sinh(x))),
  },
  {
    name: "asin",
    gradFn: "AsinBackward0",
    fn: Math.asin,
    saves: "input",
    grad: (g, x) => f32(g * f32(1 / Math.sqrt(f32(f32(-x * x) + 1)))),
  },
  {
    name: "acos",
    gradFn: "AcosBackward0",
    fn: Math.acos,
    saves: "input",
    grad: (g, x) => f32(g * -f32(1 / Math.sqrt(f32(f32(-x * x) + 1)))),
  },
  {
    name: "atan",
    gradFn: "AtanBackward0",
    fn: Math.atan,
    saves: "input",
    grad: (g, x) => f32(g / f32(f32(x * x) + 1)),
  },
  {
    name: "sign",
    gradFn: "SignBackward0",
    fn: (x) => (x !== x ? 0 : Math.sign(x)),
    saves: "none",
    grad: null,
    keepsInt: true,
  },
  { name: "floor", gradFn: "FloorBackward0", fn: Math.floor, saves: "none", grad: null, keepsInt: true },
  { name: "ceil", gradFn: "CeilBackward0", fn: Math.ceil, saves: "none", grad: null, keepsInt: true },
  { name: "round", gradFn: "RoundBackward0", fn: roundHalfEven, saves: "none", grad: null, keepsInt: true },
  { name: "trunc", gradFn: "TruncBackward0", fn: Math.trunc, saves: "none", grad: null, keepsInt: true },
  { name: "frac", gradFn: "FracBackward0", fn: (x) => f32(x - Math.trunc(x)), saves: "none", grad: (g) => g },
];

const unaryRunners = new Map<string, (a: Tensor) => Tensor>();
for (const u of UNARY) {
  const run = ensure<Record<string, never>>({
    name: u.name,
    gradFn: u.gradFn,
    forward: ([a]) => {
      const dtype: DType = u.keepsInt && a.dtype === "int64" ? "int64" : "float32";
      if (u.keepsInt && a.dtype === "bool") {
        throw new TorchError("RuntimeError", `"${u.name}_cpu" not implemented for 'Bool'`);
      }
      const out = allocate(dtype, a.numel());
      const v = a.values;
      for (let i = 0; i < out.length; i++) out[i] = dtype === "int64" ? v[i] : u.fn(v[i]);
      if (u.name === "sign" && dtype === "int64")
        for (let i = 0; i < out.length; i++) out[i] = Math.sign(v[i]);
      return new Tensor(out, a.shape, dtype);
    },
    backward: (g, { inputs: [a], out }) => {
      const grad = new Float32Array(g.numel());
      const gv = g.values;
      if (u.grad) {
        const xv = a.values;
        const yv = out.values;
        for (let i = 0; i < grad.length; i++) grad[i] = u.grad(gv[i], xv[i], yv[i]);
      }
      return [new Tensor(grad, a.shape, "float32")];
    },
    saves: () => ({ inputs: u.saves === "input" ? [0] : [], output: u.saves === "output" }),
  });
  unaryRunners.set(u.name, (a) => run([a], {}));
}

/** The unary ops above by name (`rsqrt`, `floor`, ...). */
export function unary(name: string, a: Tensor): Tensor {
  const engineFn = (ops as Record<string, unknown>)[name];
  if (typeof engineFn === "function") return (engineFn as (a: Tensor) => Tensor)(a);
  const run = unaryRunners.get(name);
  if (!run) throw new TorchError("NotImplementedError", `gradlens does not support torch.${name} yet`);
  return run(a);
}

// ---- tests and logic: bool results, no grad

type Test = "isnan" | "isinf" | "isfinite" | "logical_not";
const TESTS: Record<Test, (x: number) => boolean> = {
  isnan: (x) => x !== x,
  isinf: (x) => x === Infinity || x === -Infinity,
  isfinite: (x) => Number.isFinite(x),
  logical_not: (x) => x === 0,
};
const testRunners = new Map<Test, (a: Tensor) => Tensor>();
for (const [name, pred] of Object.entries(TESTS) as [Test, (x: number) => boolean][]) {
  const run = ensure<Record<string, never>>({
    name,
    gradFn: "",
    forward: ([a]) => {
      const out = new Uint8Array(a.numel());
      const v = a.values;
      for (let i = 0; i < out.length; i++) out[i] = pred(v[i]) ? 1 : 0;
      return new Tensor(out, a.shape, "bool");
    },
  });
  testRunners.set(name, (a) => run([a], {}));
}

/** `torch.isnan`, `isinf`, `isfinite`, `logical_not`: bool tensors. */
export function predicate(test: Test, a: Tensor): Tensor {
  return testRunners.get(test)!(a);
}

type Logic = "and" | "or" | "xor";
const LOGIC: Record<Logic, (x: number, y: number) => number> = {
  and: (x, y) => (x !== 0 && y !== 0 ? 1 : 0),
  or: (x, y) => (x !== 0 || y !== 0 ? 1 : 0),
  xor: (x, y) => ((x !== 0) !== (y !== 0) ? 1 : 0),
};
const logicRunners = new Map<Logic, (a: Tensor, b: Tensor) => Tensor>();
for (const [op, fn] of Object.entries(LOGIC) as [Logic, (x: number, y: number) => number][]) {
  const run = ensure<Record<string, never>>({
    name: `logical_${op}`,
    gradFn: "",
    forward: ([a, b]) => binaryValues(a, b, "bool", fn),
  });
  logicRunners.set(op, (a, b) => run([a, b], {}));
}

/** `torch.logical_and/or/xor`, and `& | ^` on bool tensors. */
export function logical(op: Logic, a: Tensor, b: Tensor): Tensor {
  return logicRunners.get(op)!(a, b);
}

/** `a & b`, `a | b`, `a ^ b`: logical on bools; PyTorch's error on floats; ints are not supported yet. */
export function bitwise(op: Logic, a: Tensor, b: Tensor): Tensor {
  if (a.dtype === "float32" || b.dtype === "float32") {
    throw new TorchError("RuntimeError", `"bitwise_${op}_cpu" not implemented for 'Float'`);
  }
  if (a.dtype !== "bool" || b.dtype !== "bool") {
    throw new TorchError(
      "NotImplementedError",
      "gradlens does not support bitwise ops on integer tensors yet",
    );
  }
  return logical(op, a, b);
}

/** `~a`: logical not of a bool tensor. */
export function invert(a: Tensor): Tensor {
  if (a.dtype === "float32") {
    throw new TorchError(
      "TypeError",
      "~ (operator.invert) is only implemented on integer and Boolean-type tensors",
    );
  }
  if (a.dtype !== "bool") {
    throw new TorchError("NotImplementedError", "gradlens does not support ~ on integer tensors yet");
  }
  return predicate("logical_not", a);
}
