/** Plain-data kernels the ops are built from: float32 rounding happens on store into Float32Array. */
import { allocate, castValue, type DType, promoteTypes } from "./dtype.ts";
import { broadcastIndexMap, broadcastShapes, numel, sameShape, type Shape, stridesOf } from "./shape.ts";
import { Tensor } from "./tensor.ts";

/** PyTorch's result type: the highest category among operands (one dtype per category here). */
export function resultType(...ts: Tensor[]): DType {
  return ts.reduce<DType>((d, t) => promoteTypes(d, t.dtype), "bool");
}

/** Elementwise `fn` over one tensor. */
export function mapUnary(a: Tensor, fn: (x: number) => number, outDtype: DType = a.dtype): Tensor {
  const out = allocate(outDtype, a.numel());
  const src = a.values;
  if (outDtype === "int64") for (let i = 0; i < src.length; i++) out[i] = castValue("int64", fn(src[i]));
  else if (outDtype === "bool") for (let i = 0; i < src.length; i++) out[i] = fn(src[i]) ? 1 : 0;
  else for (let i = 0; i < src.length; i++) out[i] = fn(src[i]);
  return new Tensor(out, a.shape, outDtype);
}

/** Elementwise `fn` over two tensors, broadcast. */
export function mapBinary(
  a: Tensor,
  b: Tensor,
  fn: (x: number, y: number) => number,
  outDtype: DType,
): Tensor {
  const shape = broadcastShapes(a.shape, b.shape);
  const n = numel(shape);
  const out = allocate(outDtype, n);
  const av = a.values;
  const bv = b.values;
  const store =
    outDtype === "float32"
      ? (i: number, v: number) => (out[i] = v)
      : outDtype === "int64"
        ? (i: number, v: number) => (out[i] = castValue("int64", v))
        : (i: number, v: number) => (out[i] = v ? 1 : 0);
  if (outDtype === "float32" && sameShape(a.shape, b.shape)) {
    for (let i = 0; i < n; i++) out[i] = fn(av[i], bv[i]);
  } else if (outDtype === "float32" && b.numel() === 1) {
    const y = bv[0];
    const am = sameShape(a.shape, shape) ? null : broadcastIndexMap(a.shape, shape);
    for (let i = 0; i < n; i++) out[i] = fn(av[am ? am[i] : i], y);
  } else if (outDtype === "float32" && a.numel() === 1) {
    const x = av[0];
    const bm = sameShape(b.shape, shape) ? null : broadcastIndexMap(b.shape, shape);
    for (let i = 0; i < n; i++) out[i] = fn(x, bv[bm ? bm[i] : i]);
  } else {
    const am = broadcastIndexMap(a.shape, shape);
    const bm = broadcastIndexMap(b.shape, shape);
    for (let i = 0; i < n; i++) store(i, fn(av[am[i]], bv[bm[i]]));
  }
  return new Tensor(out, shape, outDtype);
}

/** Converts a tensor to another dtype (a copy). */
export function castTo(a: Tensor, dtype: DType): Tensor {
  if (a.dtype === dtype) return a;
  return mapUnary(a, (x) => x, dtype);
}

/**
 * Sums a broadcast gradient back to `shape`: the reverse of broadcasting, which every binary op's
 * backward needs.
 */
export function sumToShape(g: Tensor, shape: Shape): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const out = new Float32Array(numel(shape));
  const acc = new Float64Array(out.length);
  const map = broadcastIndexMap(shape, g.shape);
  const gv = g.values;
  // accumulate in float32 order like PyTorch's sum would for small sizes; float64 then round is close enough
  for (let i = 0; i < gv.length; i++) acc[map[i]] += gv[i];
  for (let i = 0; i < out.length; i++) out[i] = acc[i];
  return new Tensor(out, shape, "float32");
}

export function filled(shape: Shape, value: number, dtype: DType = "float32"): Tensor {
  const t = Tensor.empty(shape, dtype);
  t.values.fill(castValue(dtype, value));
  return t;
}

export { stridesOf };
