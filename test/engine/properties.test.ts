/**
 * Property tests (fast-check, seeded): broadcasting against a reference implementation that is
 * itself checked against PyTorch (test/fixtures/broadcast.json from gen_broadcast.py), binary ops
 * against explicit expansion, and gradients of random compositions of differentiable ops against
 * central finite differences of an independent float64 implementation.
 */
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Tensor } from "../../src/engine/tensor.ts";
import * as ops from "../../src/engine/ops/index.ts";
import { broadcastShapes } from "../../src/engine/shape.ts";
import { TorchError } from "../../src/engine/errors.ts";

const SEED = 20240611;
const broadcastRef = JSON.parse(readFileSync(new URL("../fixtures/broadcast.json", import.meta.url), "utf8"));

type Shape = number[];
const numel = (s: Shape) => s.reduce((a, b) => a * b, 1);

/** PyTorch's infer_size, written out: align right, a dim of 1 stretches, scan from the last dim. */
function referenceBroadcast(a: Shape, b: Shape): { shape: Shape } | { error: string } {
  const n = Math.max(a.length, b.length);
  const out: Shape = new Array(n);
  for (let i = n - 1; i >= 0; i--) {
    const da = i - (n - a.length) >= 0 ? a[i - (n - a.length)] : 1;
    const db = i - (n - b.length) >= 0 ? b[i - (n - b.length)] : 1;
    if (da !== db && da !== 1 && db !== 1) {
      return {
        error: `The size of tensor a (${da}) must match the size of tensor b (${db}) at non-singleton dimension ${i}`,
      };
    }
    out[i] = da === 1 ? db : da;
  }
  return { shape: out };
}

/** The broadcast shape of two shapes known to broadcast. */
function broadcastOf(a: Shape, b: Shape): Shape {
  const r = referenceBroadcast(a, b);
  if (!("shape" in r)) throw new Error(r.error);
  return r.shape;
}

function engineBroadcast(a: Shape, b: Shape): { shape: Shape } | { error: string } {
  try {
    return { shape: broadcastShapes(a, b) };
  } catch (e) {
    if (e instanceof TorchError) return { error: e.message };
    throw e;
  }
}

const shapeArb = fc.array(fc.constantFrom(1, 1, 2, 3, 4), { minLength: 0, maxLength: 4 });

function f32(shape: Shape, data: number[], requiresGrad = false): Tensor {
  const t = new Tensor(Float32Array.from(data), shape, "float32");
  if (requiresGrad) t.requiresGrad_(true);
  return t;
}

/** A shape broadcastable to `out`: some leading dims dropped, some dims set to 1. */
function broadcastableArb(out: Shape): fc.Arbitrary<Shape> {
  return fc
    .tuple(
      fc.integer({ min: 0, max: out.length }),
      fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }),
    )
    .map(([drop, ones]) => out.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d)));
}

const valuesArb = (n: number) =>
  fc.array(fc.float({ min: -4, max: 4, noNaN: true, noDefaultInfinity: true }), {
    minLength: n,
    maxLength: n,
  });

/** Flat index into a tensor of `shape` broadcast to `out`, for the output's flat index k. */
function sourceIndex(k: number, out: Shape, shape: Shape): number {
  let idx = 0;
  let stride = 1;
  let rem = k;
  const offset = out.length - shape.length;
  const coords = new Array(out.length);
  for (let d = out.length - 1; d >= 0; d--) {
    coords[d] = rem % out[d];
    rem = Math.floor(rem / out[d]);
  }
  for (let d = shape.length - 1; d >= 0; d--) {
    idx += (shape[d] === 1 ? 0 : coords[d + offset]) * stride;
    stride *= shape[d];
  }
  return idx;
}

describe("broadcasting", () => {
  it("the reference implementation agrees with PyTorch on 300 shape pairs", () => {
    for (const c of broadcastRef.cases) {
      const expected = "error" in c ? { error: c.error } : { shape: c.shape };
      expect(referenceBroadcast(c.a, c.b), `${JSON.stringify(c.a)} + ${JSON.stringify(c.b)}`).toEqual(
        expected,
      );
    }
  });

  it("the engine agrees with PyTorch on the same pairs (shape or error text)", () => {
    for (const c of broadcastRef.cases) {
      const expected = "error" in c ? { error: c.error } : { shape: c.shape };
      expect(engineBroadcast(c.a, c.b), `${JSON.stringify(c.a)} + ${JSON.stringify(c.b)}`).toEqual(expected);
    }
  });

  it("the engine's shape rule equals the reference on random shapes, through add as well", () => {
    fc.assert(
      fc.property(shapeArb, shapeArb, (a, b) => {
        const expected = referenceBroadcast(a, b);
        expect(engineBroadcast(a, b)).toEqual(expected);
        let got: { shape: Shape } | { error: string };
        try {
          got = {
            shape: [...f32(a, new Array(numel(a)).fill(1)).add(f32(b, new Array(numel(b)).fill(2))).shape],
          };
        } catch (e) {
          got = { error: (e as Error).message };
        }
        expect(got).toEqual(expected);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  const pairArb = shapeArb.chain((out) =>
    fc.tuple(fc.constant(out), broadcastableArb(out), broadcastableArb(out), fc.boolean()),
  );

  it("add and mul equal the same op on explicitly expanded operands, and grads sum back", () => {
    fc.assert(
      fc.property(
        pairArb.chain(([_out, sa, sb, swap]) => {
          const [a, b] = swap ? [sb, sa] : [sa, sb];
          return fc.tuple(
            fc.constant(a),
            fc.constant(b),
            valuesArb(numel(a)),
            valuesArb(numel(b)),
            valuesArb(numel(broadcastOf(a, b))),
            fc.constantFrom("add", "mul"),
          );
        }),
        ([sa, sb, va, vb, vup, op]) => {
          const out = broadcastOf(sa, sb);
          const a = f32(sa, va, true);
          const b = f32(sb, vb, true);
          const y = op === "add" ? a.add(b) : a.mul(b);
          expect([...y.shape]).toEqual(out);
          const av = a.values;
          const bv = b.values;
          const up = Float32Array.from(vup);
          const gradA = new Float64Array(av.length);
          const gradB = new Float64Array(bv.length);
          for (let k = 0; k < numel(out); k++) {
            const i = sourceIndex(k, out, sa);
            const j = sourceIndex(k, out, sb);
            const expected = op === "add" ? Math.fround(av[i] + bv[j]) : Math.fround(av[i] * bv[j]);
            expect(y.values[k]).toBe(expected);
            gradA[i] += op === "add" ? up[k] : Math.fround(up[k] * bv[j]);
            gradB[j] += op === "add" ? up[k] : Math.fround(up[k] * av[i]);
          }
          y.backward(f32(out, Array.from(up)));
          expect([...a.grad!.shape]).toEqual(sa);
          expect([...b.grad!.shape]).toEqual(sb);
          // the reduction order of a broadcast grad may differ from ours: a few float32 ulps
          const close = (got: ArrayLike<number>, want: Float64Array) => {
            const scale = Math.max(1e-30, ...Array.from(want, Math.abs));
            for (let i = 0; i < want.length; i++)
              expect(Math.abs(got[i] - want[i])).toBeLessThanOrEqual(1e-6 * scale);
          };
          close(a.grad!.values, gradA);
          close(b.grad!.values, gradB);
        },
      ),
      { seed: SEED, numRuns: 300 },
    );
  });
});

// ---- gradients against float64 finite differences ----

/** A float64 tensor for the reference implementation. */
interface ND {
  shape: Shape;
  data: Float64Array;
}

function ndMap(x: ND, f: (v: number) => number): ND {
  return { shape: x.shape, data: x.data.map(f) };
}

function ndBinary(x: ND, y: ND, f: (a: number, b: number) => number): ND {
  const ref = referenceBroadcast(x.shape, y.shape);
  if (!("shape" in ref)) throw new Error("shapes do not broadcast");
  const out = ref.shape;
  const data = new Float64Array(numel(out));
  for (let k = 0; k < data.length; k++) {
    data[k] = f(x.data[sourceIndex(k, out, x.shape)], y.data[sourceIndex(k, out, y.shape)]);
  }
  return { shape: out, data };
}

/** Along `dim`: each lane (the values sharing all other coords) mapped by `f`, keeping dims. */
function ndLanes(x: ND, dim: number, f: (lane: number[]) => number[]): ND {
  const d = dim < 0 ? dim + x.shape.length : dim;
  const n = x.shape[d];
  const inner = numel(x.shape.slice(d + 1));
  const outer = numel(x.shape.slice(0, d));
  const width = f(new Array(n).fill(0)).length;
  const shape = x.shape.map((s, i) => (i === d ? width : s));
  const data = new Float64Array(numel(shape));
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const lane = Array.from({ length: n }, (_, j) => x.data[(o * n + j) * inner + i]);
      f(lane).forEach((v, j) => (data[(o * width + j) * inner + i] = v));
    }
  }
  return { shape, data };
}

function ndMatmul(x: ND, y: ND): ND {
  const [m, k] = x.shape;
  const n = y.shape[1];
  const data = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += x.data[i * k + p] * y.data[p * n + j];
      data[i * n + j] = s;
    }
  return { shape: [m, n], data };
}

const sigmoid64 = (v: number) => 1 / (1 + Math.exp(-v));
const erf = (x: number): number => {
  // Abramowitz-Stegun 7.1.26 is too coarse for 1e-6 differences; use the series / continued fraction
  const t = Math.abs(x);
  if (t < 3) {
    let sum = t;
    let term = t;
    for (let n = 1; n < 60; n++) {
      term *= (-t * t) / n;
      sum += term / (2 * n + 1);
    }
    return Math.sign(x) * ((2 / Math.sqrt(Math.PI)) * sum);
  }
  return Math.sign(x) * (1 - Math.exp(-t * t) / (t * Math.sqrt(Math.PI)));
};

/** One step of a composition: the engine's call and its float64 reference, side by side. */
interface Layer {
  name: string;
  /** How many extra leaves the layer takes, and their shapes given the current shape. */
  extra: (shape: Shape) => Shape[];
  ts: (x: Tensor, extra: Tensor[]) => Tensor;
  ref: (x: ND, extra: ND[]) => ND;
  /** Whether the layer applies to a tensor of this shape. */
  fits?: (shape: Shape) => boolean;
}

const none = () => [];
const unaryLayer = (name: string, ts: (x: Tensor) => Tensor, f: (v: number) => number): Layer => ({
  name,
  extra: none,
  ts: (x) => ts(x),
  ref: (x) => ndMap(x, f),
});

/** Smooth ops only: finite differences are meaningless at a kink (relu, abs, clamp, max). */
const LAYERS: Layer[] = [
  unaryLayer("exp", (x) => x.exp(), Math.exp),
  unaryLayer("sin", (x) => x.sin(), Math.sin),
  unaryLayer("cos", (x) => x.cos(), Math.cos),
  unaryLayer("tanh", (x) => x.tanh(), Math.tanh),
  unaryLayer("sigmoid", (x) => x.sigmoid(), sigmoid64),
  unaryLayer(
    "neg",
    (x) => x.neg(),
    (v) => -v,
  ),
  unaryLayer(
    "square",
    (x) => x.pow(2),
    (v) => v * v,
  ),
  unaryLayer(
    "cube",
    (x) => x.pow(3),
    (v) => v * v * v,
  ),
  unaryLayer(
    "log(x²+1)",
    (x) => x.mul(x).add(1).log(),
    (v) => Math.log(v * v + 1),
  ),
  unaryLayer(
    "sqrt(x²+1)",
    (x) => x.pow(2).add(1).sqrt(),
    (v) => Math.sqrt(v * v + 1),
  ),
  unaryLayer(
    "(x²+1)^-1.5",
    (x) => x.pow(2).add(1).pow(-1.5),
    (v) => (v * v + 1) ** -1.5,
  ),
  unaryLayer(
    "1/(x²+1)",
    (x) => ops.rdiv(x.pow(2).add(1), 1.0),
    (v) => 1 / (v * v + 1),
  ),
  unaryLayer(
    "2**x",
    (x) => ops.rpow(x, 2.0),
    (v) => 2 ** v,
  ),
  unaryLayer(
    "1-x",
    (x) => ops.rsub(x, 1),
    (v) => 1 - v,
  ),
  unaryLayer(
    "x*1.5",
    (x) => x.mul(1.5),
    (v) => v * 1.5,
  ),
  unaryLayer(
    "softplus",
    (x) => ops.softplus(x),
    (v) => Math.log1p(Math.exp(v)),
  ),
  unaryLayer(
    "gelu",
    (x) => ops.gelu(x),
    (v) => 0.5 * v * (1 + erf(v / Math.SQRT2)),
  ),
  ...(["add", "sub", "mul", "div"] as const).map((op): Layer => ({
    name: op,
    extra: (s) => [s.map((d, i) => (i % 2 === 0 ? d : 1)).slice(s.length > 1 ? 1 : 0)],
    ts: (x, [y]) => (op === "div" ? x.div(y.pow(2).add(0.5)) : x[op](y)),
    ref: (x, [y]) =>
      ndBinary(x, y, (a, b) =>
        op === "add" ? a + b : op === "sub" ? a - b : op === "mul" ? a * b : a / (b * b + 0.5),
      ),
  })),
  {
    name: "softmax(-1)",
    extra: none,
    fits: (s) => s.length > 0,
    ts: (x) => x.softmax(-1),
    ref: (x) =>
      ndLanes(x, -1, (lane) => {
        const m = Math.max(...lane);
        const e = lane.map((v) => Math.exp(v - m));
        const s = e.reduce((a, b) => a + b, 0);
        return e.map((v) => v / s);
      }),
  },
  {
    name: "log_softmax(0)",
    extra: none,
    fits: (s) => s.length > 0,
    ts: (x) => x.logSoftmax(0),
    ref: (x) =>
      ndLanes(x, 0, (lane) => {
        const m = Math.max(...lane);
        const lse = m + Math.log(lane.reduce((a, v) => a + Math.exp(v - m), 0));
        return lane.map((v) => v - lse);
      }),
  },
  {
    name: "sum(0, keepdim)",
    extra: none,
    fits: (s) => s.length > 0,
    ts: (x) => x.sum(0, true),
    ref: (x) => ndLanes(x, 0, (lane) => [lane.reduce((a, b) => a + b, 0)]),
  },
  {
    name: "mean(-1, keepdim)",
    extra: none,
    fits: (s) => s.length > 0,
    ts: (x) => x.mean(-1, true),
    ref: (x) => ndLanes(x, -1, (lane) => [lane.reduce((a, b) => a + b, 0) / lane.length]),
  },
  {
    name: "logsumexp(-1, keepdim)",
    extra: none,
    fits: (s) => s.length > 0,
    ts: (x) => x.logsumexp(-1, true),
    ref: (x) =>
      ndLanes(x, -1, (lane) => {
        const m = Math.max(...lane);
        return [m + Math.log(lane.reduce((a, v) => a + Math.exp(v - m), 0))];
      }),
  },
  {
    name: "matmul",
    extra: (s) => [[s[1], 2]],
    fits: (s) => s.length === 2,
    ts: (x, [w]) => x.matmul(w),
    ref: (x, [w]) => ndMatmul(x, w),
  },
  {
    name: "transpose",
    extra: none,
    fits: (s) => s.length === 2,
    ts: (x) => x.t(),
    ref: (x) => {
      const [m, n] = x.shape;
      const data = new Float64Array(m * n);
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) data[j * m + i] = x.data[i * n + j];
      return { shape: [n, m], data };
    },
  },
];

interface Composition {
  shape: Shape;
  layers: Layer[];
  /** Seeds for the leaves' values, consumed in order. */
  values: number[];
}

const compositionArb: fc.Arbitrary<Composition> = fc
  .tuple(
    fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 0, maxLength: 3 }),
    fc.array(fc.nat({ max: LAYERS.length * 7 }), { minLength: 1, maxLength: 4 }),
    fc.array(fc.integer({ min: -150, max: 150 }), { minLength: 64, maxLength: 64 }),
  )
  .map(([shape, picks, ints]) => {
    // pick layers that fit the shape as it evolves; values are two-decimal, like the golden inputs
    const layers: Layer[] = [];
    let s = shape;
    for (const p of picks) {
      const fitting = LAYERS.filter((l) => !l.fits || l.fits(s));
      const layer = fitting[p % fitting.length];
      layers.push(layer);
      s = layer.ref({ shape: s, data: new Float64Array(numel(s)) }, layer.extra(s).map(zeros)).shape;
    }
    return { shape, layers, values: ints.map((v) => v / 100) };
  });

function zeros(shape: Shape): ND {
  return { shape, data: new Float64Array(numel(shape)) };
}

describe("gradients of random compositions vs float64 finite differences", () => {
  it("agree within float32 accuracy", () => {
    fc.assert(
      fc.property(compositionArb, ({ shape, layers, values }) => {
        // leaves: the input, then each layer's extra operands
        let k = 0;
        const next = () => values[k++ % values.length];
        const leafShapes: Shape[] = [shape];
        let s = shape;
        for (const l of layers) {
          const extra = l.extra(s);
          leafShapes.push(...extra);
          s = l.ref(zeros(s), extra.map(zeros)).shape;
        }
        const leafData = leafShapes.map((ls) =>
          Float64Array.from({ length: numel(ls) }, () => Math.fround(next())),
        );
        const upstream = Float64Array.from({ length: numel(s) }, () => Math.fround(next() + 0.3));

        // float64 reference of sum(out * upstream)
        const f64 = (data: Float64Array[]): number => {
          let x: ND = { shape, data: data[0] };
          let j = 1;
          for (const l of layers) {
            const extra = l.extra(x.shape).map((es) => ({ shape: es, data: data[j++] }));
            x = l.ref(x, extra);
          }
          return x.data.reduce((acc, v, i) => acc + v * upstream[i], 0);
        };
        const base = f64(leafData);
        fc.pre(Number.isFinite(base) && Math.abs(base) < 1e4);

        // the engine, in float32
        const leaves = leafShapes.map((ls, i) => f32(ls, Array.from(leafData[i]), true));
        let x = leaves[0];
        let j = 1;
        for (const l of layers) {
          const extra = l.extra([...x.shape]).map(() => leaves[j++]);
          x = l.ts(x, extra);
        }
        expect([...x.shape]).toEqual(s);
        x.backward(f32(s, Array.from(upstream)));

        const h = 1e-6;
        leaves.forEach((leaf, li) => {
          const fd = leafData[li].map((v, e) => {
            const plus = leafData.map((d) => d.slice());
            const minus = leafData.map((d) => d.slice());
            plus[li][e] = v + h;
            minus[li][e] = v - h;
            return (f64(plus) - f64(minus)) / (2 * h);
          });
          const scale = Math.max(1, ...Array.from(fd, Math.abs));
          const grad = leaf.grad!.values;
          for (let e = 0; e < fd.length; e++) {
            const tol = 2e-3 * Math.max(Math.abs(fd[e]), 0.1 * scale);
            expect(
              Math.abs(grad[e] - fd[e]),
              `leaf ${li} element ${e}: engine ${grad[e]}, finite difference ${fd[e]} through ${layers.map((l) => l.name).join(" → ")}`,
            ).toBeLessThanOrEqual(tol);
          }
        });
      }),
      { seed: SEED, numRuns: 1000 },
    );
  });
});
