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
