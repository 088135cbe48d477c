/**
 * The compiled elementwise kernels against the plain definitions they replace: for every broadcast
 * pattern (same shape, scalar on either side, rows, columns, interleaved size-1 dims) and every
 * output dtype, mapBinary equals an explicit index-by-index broadcast, sumToShape equals adding each
 * element of the grad into its target in flat order, and results stay right when many functions
 * (some with identical source text, some made afresh per call) share the kernels.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { castValue, type DType } from "../../src/engine/dtype.ts";
import { castTo, expf32, mapBinary, mapTernary, mapUnary, sumToShape } from "../../src/engine/kernels.ts";
import { broadcastIndexMap, broadcastShapes, numel } from "../../src/engine/shape.ts";
import { Tensor } from "../../src/engine/tensor.ts";

const SEED = 4242;
type Shape = number[];

function tensorOf(shape: Shape, data: number[], dtype: DType): Tensor {
  const t = Tensor.empty(shape, dtype);
  data.forEach((v, i) => (t.values[i] = castValue(dtype, v)));
  return t;
}

/** Two shapes that broadcast: one drawn, the other made by setting some of its dims to 1 or dropping leading ones. */
const pairArb = fc
  .array(fc.integer({ min: 1, max: 5 }), { minLength: 0, maxLength: 4 })
  .chain((full) =>
    fc.tuple(
      fc.constant(full),
      fc.array(fc.boolean(), { minLength: full.length, maxLength: full.length }),
      fc.array(fc.boolean(), { minLength: full.length, maxLength: full.length }),
      fc.nat({ max: full.length }),
      fc.boolean(),
    ),
  )
  .map(([full, oneA, oneB, drop, swap]) => {
    const a = full.map((d, i) => (oneA[i] ? 1 : d));
    const b = full.map((d, i) => (oneB[i] && !oneA[i] ? 1 : d)).slice(drop);
    return swap ? [b, a] : [a, b];
  });

const valueArb = fc.oneof(
  { weight: 6, arbitrary: fc.float({ min: -100, max: 100, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom(0, -0, 1, -1, NaN, Infinity, -Infinity, 2.5, -3.5) },
);

function dataFor(shape: Shape) {
  return fc.array(valueArb, { minLength: numel(shape), maxLength: numel(shape) });
}

/** The definition: index maps for both operands, castValue on store. */
function referenceBinary(
  a: Tensor,
  b: Tensor,
  fn: (x: number, y: number) => number,
  dtype: DType,
): { shape: Shape; values: number[] } {
  const shape = broadcastShapes(a.shape, b.shape);
  const am = broadcastIndexMap(a.shape, shape);
  const bm = broadcastIndexMap(b.shape, shape);
  const values = Array.from({ length: numel(shape) }, (_, i) =>
    castValue(dtype, fn(a.values[am[i]], b.values[bm[i]])),
  );
  return { shape, values };
}

const same = (got: ArrayLike<number>, want: ArrayLike<number>) => {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++)
    if (!Object.is(got[i], want[i])) expect([i, got[i]]).toEqual([i, want[i]]);
};

const FNS: [string, (x: number, y: number) => number][] = [
  ["add", (x, y) => x + y],
  ["mul", (x, y) => x * y],
  ["div", (x, y) => x / y],
  ["max", (x, y) => (x !== x || y !== y ? NaN : Math.max(x, y))],
  ["lt", (x, y) => (x < y ? 1 : 0)],
];

describe("mapBinary", () => {
  it("equals an explicit broadcast for every pattern and output dtype", () => {
    fc.assert(
      fc.property(
        pairArb.chain(([sa, sb]) => fc.tuple(fc.constant(sa), fc.constant(sb), dataFor(sa), dataFor(sb))),
        fc.constantFrom<DType>("float32", "int64", "bool"),
        fc.constantFrom<DType>("float32", "int64", "bool"),
        ([sa, sb, da, db], inType, outType) => {
          // every function on every run: the first sighting and the dedicated loops both get used
          for (const [, fn] of FNS) {
            const a = tensorOf(sa, da, inType);
            const b = tensorOf(sb, db, "float32");
            const want = referenceBinary(a, b, fn, outType);
            const got = mapBinary(a, b, fn, outType);
            expect(got.shape).toEqual(want.shape);
            expect(got.dtype).toBe(outType);
            same(got.values, want.values);
          }
        },
      ),
      { numRuns: 400, seed: SEED },
    );
  });

  it("handles the bias, column and scalar patterns of a layer", () => {
    const x = tensorOf([3, 4], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], "float32");
    const bias = tensorOf([4], [0.5, -1, 2, 0], "float32");
    const col = tensorOf([3, 1], [2, -1, 0], "float32");
    const add = (p: number, q: number) => p + q;
    const mul = (p: number, q: number) => p * q;
    same(mapBinary(x, bias, add, "float32").values, [1.5, 1, 5, 4, 5.5, 5, 9, 8, 9.5, 9, 13, 12]);
    same(mapBinary(bias, x, add, "float32").values, [1.5, 1, 5, 4, 5.5, 5, 9, 8, 9.5, 9, 13, 12]);
    same(mapBinary(x, col, mul, "float32").values, [2, 4, 6, 8, -5, -6, -7, -8, 0, 0, 0, 0]);
    same(mapBinary(col, bias, mul, "float32").values, [1, -2, 4, 0, -0.5, 1, -2, -0, 0, -0, 0, 0]);
    same(
      mapBinary(x, tensorOf([], [3], "int64"), mul, "float32").values,
      [3, 6, 9, 12, 15, 18, 21, 24, 27, 30, 33, 36],
    );
    expect(
      mapBinary(tensorOf([0, 3], [], "float32"), tensorOf([3], [1, 2, 3], "float32"), add, "float32").shape,
    ).toEqual([0, 3]);
  });

  it("rounds float32 results on store and keeps closures made per call apart", () => {
    const a = tensorOf([3], [0.1, 0.2, 1e30], "float32");
    for (const alpha of [1, 3, 0.5, 7]) {
      // a fresh closure each call, with identical source text: the shared loop must use this one
      const got = mapBinary(a, a, (x, y) => x + alpha * y, "float32").values;
      same(
        got,
        [0.1, 0.2, 1e30].map((v) => Math.fround(Math.fround(v) + alpha * Math.fround(v))),
      );
    }
  });
});

describe("mapUnary, mapTernary, castTo", () => {
  it("apply the function and the output dtype's store", () => {
    fc.assert(
      fc.property(
        fc.array(valueArb, { maxLength: 40 }),
        fc.constantFrom<DType>("float32", "int64", "bool"),
        (xs, out) => {
          const a = tensorOf([xs.length], xs, "float32");
          for (const fn of [(x: number) => x * 1.5, Math.exp, (x: number) => (x < 0 ? 0 : x)]) {
            same(
              mapUnary(a, fn, out).values,
              Array.from(a.values, (x) => castValue(out, fn(x))),
            );
          }
          same(
            castTo(a, out).values,
            Array.from(a.values, (x) => castValue(out, x)),
          );
          const t = mapTernary(a, a, a, (g, x, y) => g * x - y);
          same(
            t.values,
            Array.from(a.values, (x) => Math.fround(x * x - x)),
          );
        },
      ),
      { numRuns: 300, seed: SEED },
    );
  });

  it("casts int64 and bool to float32 and to each other", () => {
    const i = tensorOf([4], [3, -2, 0, 2 ** 30 + 1], "int64");
    same(castTo(i, "float32").values, [3, -2, 0, Math.fround(2 ** 30 + 1)]);
    same(castTo(i, "bool").values, [1, 1, 0, 1]);
    same(castTo(tensorOf([2], [1, 0], "bool"), "int64").values, [1, 0]);
    same(castTo(tensorOf([3], [2.7, -2.7, NaN], "float32"), "int64").values, [2, -2, 0]);
  });
});

describe("sumToShape", () => {
  // the order of the adds is ATen's (bit-exact against PyTorch in sumorder.test.ts); here: every
  // element lands in its target, within float32 accumulation error of the exact sum
  it("adds each element into its target", () => {
    fc.assert(
      fc.property(
        pairArb.chain(([sa, sb]) => {
          const out = broadcastShapes(sa, sb);
          return fc.tuple(fc.constant(out), fc.constant(sa), dataFor(out));
        }),
        ([gShape, target, data]) => {
          const g = tensorOf(gShape, data, "float32");
          if (gShape.join() === target.join()) {
            expect(sumToShape(g, target)).toBe(g);
            return;
          }
          const acc = new Float64Array(numel(target));
          const mag = new Float64Array(numel(target));
          const map = broadcastIndexMap(target, gShape);
          for (let i = 0; i < g.values.length; i++) {
            acc[map[i]] += g.values[i];
            mag[map[i]] += Math.abs(g.values[i]);
          }
          const got = sumToShape(g, target);
          expect(got.shape).toEqual(target);
          const adds = g.values.length / acc.length;
          acc.forEach((exact, i) => {
            const bound = (adds + 1) * 2 ** -24 * mag[i];
            if (!(Math.abs(got.values[i] - exact) <= bound)) expect([i, got.values[i]]).toEqual([i, exact]);
          });
        },
      ),
      { numRuns: 500, seed: SEED },
    );
  });

  it("sums a bias grad over rows and a column grad along them", () => {
    const g = tensorOf([3, 2], [1, 2, 3, 4, 5, 6], "float32");
    same(sumToShape(g, [2]).values, [9, 12]);
    same(sumToShape(g, [3, 1]).values, [3, 7, 11]);
    same(sumToShape(g, [1, 1]).values, [21]);
    same(sumToShape(g, []).values, [21]);
    expect(sumToShape(g, [3, 2])).toBe(g);
  });
});

describe("expf32", () => {
  it("is Math.fround(Math.exp(x)) bit for bit, across the float32 range", () => {
    const bits = new Uint32Array(1);
    const x32 = new Float32Array(bits.buffer);
    let wrong = 0;
    // every 331st bit pattern (13 million values: all exponents, both signs, NaNs, infinities)
    for (let b = 0; b < 2 ** 32; b += 331) {
      bits[0] = b;
      const x = x32[0];
      if (!Object.is(expf32(x), Math.fround(Math.exp(x)))) wrong++;
    }
    expect(wrong).toBe(0);
  });

  it("at the edges: zeros, the fallback range, non-finite inputs, doubles", () => {
    for (const x of [
      0, -0, 1, -1, 86.99, -86.99, 87, -87, 88, 88.7228, 89, -103.9, -104, -150, 1e-30, -1e-30,
    ]) {
      expect(Object.is(expf32(x), Math.fround(Math.exp(x)))).toBe(true);
    }
    expect(expf32(Infinity)).toBe(Infinity);
    expect(expf32(-Infinity)).toBe(0);
    expect(expf32(NaN)).toBeNaN();
    for (let k = 0; k < 10000; k++) {
      const x = Math.sin(k) * 90;
      expect(expf32(x)).toBe(Math.fround(Math.exp(x)));
    }
  });
});
