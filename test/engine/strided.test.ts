/**
 * PyTorch's layouts against real PyTorch (test/fixtures/strides.json from gen_strides.py): seeded
 * chains of view ops, each step's shape, stride(), storage_offset() and is_contiguous(), values,
 * grad_fn graphs, the leaf's grad and its strides, and view()/reshape() of strided tensors (view's
 * strides or its error, reshape as a view or clone + _unsafe_view). Plus the layout predicates.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as ops from "../../src/engine/ops/index.ts";
import {
  computeStride,
  hasInternalOverlap,
  isContiguousLayout,
  isNonOverlappingAndDense,
  overlapStatus,
} from "../../src/engine/strided.ts";
import { Tensor } from "../../src/engine/tensor.ts";
import { compareTensor, fromRef, GOLDEN_TOL, type RefTensor } from "../differential/compare.ts";
import { expectTorchError, type Graph, graphOf, to2x } from "./ops/torch-graph.ts";

type Op = [string, ...unknown[]];
interface LayoutRef {
  shape: number[];
  stride: number[];
  offset: number;
  contiguous: boolean;
}
interface Chain {
  shape: number[];
  ops: Op[];
  steps: LayoutRef[];
  error?: [string, string];
  output?: RefTensor;
  graph?: Graph;
  upstream?: RefTensor;
  grad?: RefTensor;
  grad_stride?: number[];
}
interface ReshapeCase {
  shape: number[];
  ops: Op[];
  target: number[];
  base: LayoutRef;
  view?: LayoutRef;
  view_error?: [string, string];
  reshape: LayoutRef;
  reshape_graph: Graph;
}

interface PointwiseCase {
  op: string;
  x: { shape: number[]; ops: Op[] };
  y?: { shape: number[]; ops: Op[] };
  layout: LayoutRef;
  value: RefTensor;
  view_ok: boolean;
}

const fixture = JSON.parse(readFileSync(new URL("../fixtures/strides.json", import.meta.url), "utf8")) as {
  chains: Chain[];
  reshapes: ReshapeCase[];
  pointwise: PointwiseCase[];
  matmul: {
    a: { shape: number[]; ops: Op[] };
    b: { shape: number[]; ops: Op[] };
    value: RefTensor;
    stride: number[];
    grad_a: RefTensor;
    grad_b: RefTensor;
  }[];
};

/** The fixture's leaf: arange(n) * 0.5 - 1, requiring grad. */
function leaf(shape: number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return new Tensor(
    Float32Array.from({ length: n }, (_, i) => i * 0.5 - 1),
    shape,
    "float32",
  ).requiresGrad_();
}

/** gen_strides.py's `apply`: one op of a chain. */
function apply(t: Tensor, op: Op): Tensor {
  const [name, ...a] = op as [string, ...any[]];
  switch (name) {
    case "t":
      return t.t();
    case "T":
      return t.T;
    case "mT":
      return ops.mT(t);
    case "transpose":
      return t.transpose(a[0], a[1]);
    case "permute":
      return t.permute(a[0]);
    case "unsqueeze":
      return t.unsqueeze(a[0]);
    case "squeeze":
      return a.length ? t.squeeze(a[0]) : t.squeeze();
    case "select":
      return ops.select(t, a[0], a[1]);
    case "slice":
      // Python's t[:, ..., start:stop:step] at dim a[0]
      return t.index(...new Array(a[0]).fill({}), { start: a[1], stop: a[2], step: a[3] });
    case "narrow":
      return ops.narrow(t, a[0], a[1], a[2]);
    case "expand":
      return t.expand(...a[0]);
    case "view":
      return t.view(...a[0]);
    case "reshape":
      return t.reshape(...a[0]);
    case "flatten":
      return t.flatten(a[0], a[1]);
    case "contiguous":
      return ops.contiguous(t);
    case "clone":
      return t.clone();
    case "chunk":
      return ops.chunk(t, a[0], a[1])[a[2]];
    case "split":
      return ops.split(t, a[0], a[1])[a[2]];
    case "unbind":
      return ops.unbind(t, a[0])[a[1]];
  }
  throw new Error(`unknown op ${name}`);
}

function layoutOf(t: Tensor): LayoutRef {
  return {
    shape: [...t.shape],
    stride: t.stride() as number[],
    offset: t.storageOffset,
    contiguous: t.isContiguous(),
  };
}

const opText = (op: Op) =>
  `${op[0]}(${op
    .slice(1)
    .map((x) => JSON.stringify(x))
    .join(", ")})`;

describe("view chains vs PyTorch: strides, offsets, contiguity, values, graphs, grads", () => {
  fixture.chains.forEach((c, k) => {
    it(`chain ${k}: [${c.shape.join(", ")}] ${c.ops.map(opText).join(" → ")}`, () => {
      const x = leaf(c.shape);
      let t = x;
      c.steps.forEach((step, i) => {
        t = apply(t, c.ops[i]);
        expect(layoutOf(t), `after ${opText(c.ops[i])}`).toEqual(step);
      });
      if (c.error) {
        expectTorchError(() => apply(t, c.ops[c.steps.length]), c.error[0], c.error[1]);
        return;
      }
      expect(compareTensor(t, c.output!, GOLDEN_TOL), "values").toBeNull();
      expect(graphOf(t.gradFn), "grad_fn graph").toEqual(to2x(c.graph!));
      t.backward(fromRef(c.upstream!));
      expect(compareTensor(x.grad!, c.grad!, GOLDEN_TOL), "leaf grad").toBeNull();
      expect(x.grad!.stride(), "leaf grad strides").toEqual(c.grad_stride);
    });
  });
});

describe("view() and reshape() of strided tensors vs PyTorch", () => {
  for (const c of fixture.reshapes) {
    it(`[${c.shape.join(", ")}] ${c.ops.map(opText).join(" → ") || "(contiguous)"} as [${c.target.join(", ")}]`, () => {
      let t = leaf(c.shape);
      for (const op of c.ops) t = apply(t, op);
      expect(layoutOf(t)).toEqual(c.base);
      if (c.view_error) {
        expectTorchError(() => t.view(...c.target), c.view_error[0], c.view_error[1]);
      } else {
        expect(layoutOf(t.view(...c.target))).toEqual(c.view);
      }
      const r = t.reshape(...c.target);
      expect(layoutOf(r)).toEqual(c.reshape);
      expect(graphOf(r.gradFn)).toEqual(to2x(c.reshape_graph));
      // a reshape that copies is no view of t: it has its own storage
      expect(r.storage === t.storage).toBe(c.view !== undefined);
    });
  }
});

const UNARY: Record<string, (x: Tensor) => Tensor> = {
  neg: (x) => x.neg(),
  exp: (x) => x.exp(),
  sigmoid: (x) => x.sigmoid(),
  relu: (x) => x.relu(),
  mul_scalar: (x) => x.mul(2),
  rsub_scalar: (x) => ops.rsub(x, 2),
  pow_scalar: (x) => x.pow(2),
  clamp: (x) => x.clamp(0, 1),
  gt_scalar: (x) => x.gt(0),
  gelu: (x) => ops.gelu(x),
  leaky_relu: (x) => ops.leakyRelu(x),
  clone: (x) => x.clone(),
  softmax: (x) => x.softmax(-1),
  sum_keepdim: (x) => x.sum(0, true),
};
const BINARY: Record<string, (x: Tensor, y: Tensor) => Tensor> = {
  add: (x, y) => x.add(y),
  mul: (x, y) => x.mul(y),
  maximum: (x, y) => x.maximum(y),
  lt: (x, y) => x.lt(y),
};

const made = (m: { shape: number[]; ops: Op[] }) => {
  let t = leaf(m.shape).detach();
  for (const op of m.ops) t = apply(t, op);
  return t;
};
const madeText = (m: { shape: number[]; ops: Op[] }) =>
  `[${m.shape.join(", ")}]${m.ops.map((o) => "." + opText(o)).join("")}`;

describe("pointwise ops lay their output out as their inputs (TensorIterator) vs PyTorch", () => {
  for (const c of fixture.pointwise) {
    const args = c.y ? `${madeText(c.x)}, ${madeText(c.y)}` : madeText(c.x);
    it(`${c.op}(${args})`, () => {
      const x = made(c.x);
      const out = c.y ? BINARY[c.op](x, made(c.y)) : UNARY[c.op](x);
      expect(layoutOf(out)).toEqual(c.layout);
      expect(compareTensor(out, c.value, GOLDEN_TOL)).toBeNull();
      if (c.view_ok) expect(out.view(-1).shape).toEqual([out.numel()]);
      else expect(() => out.view(-1)).toThrow(/view size is not compatible/);
    });
  }
});

describe("matmul of strided operands vs PyTorch: values, output strides, grads", () => {
  const tol = { rel: 1e-5, absOfMax: 1e-6 };
  for (const c of fixture.matmul) {
    it(`${madeText(c.a)} @ ${madeText(c.b)}`, () => {
      const ta = leaf(c.a.shape);
      const tb = leaf(c.b.shape);
      let a = ta;
      let b = tb;
      for (const op of c.a.ops) a = apply(a, op);
      for (const op of c.b.ops) b = apply(b, op);
      const r = a.matmul(b);
      expect(compareTensor(r, c.value, tol)).toBeNull();
      expect(r.stride()).toEqual(c.stride);
      r.backward(ops.onesLike(r));
      expect(compareTensor(ta.grad!, c.grad_a, tol)).toBeNull();
      expect(compareTensor(tb.grad!, c.grad_b, tol)).toBeNull();
    });
  }
});

describe("layout predicates (ATen's definitions)", () => {
  it("is_contiguous ignores the strides of size-1 dims and holds for empty tensors", () => {
    expect(isContiguousLayout([2, 1, 3], [3, 99, 1])).toBe(true);
    expect(isContiguousLayout([3, 2], [1, 3])).toBe(false);
    expect(isContiguousLayout([0, 2], [1, 5])).toBe(true);
    expect(isContiguousLayout([], [])).toBe(true);
  });

  it("non-overlapping and dense: permuted blocks yes, slices and expands no", () => {
    expect(isNonOverlappingAndDense([3, 2], [1, 3])).toBe(true);
    expect(isNonOverlappingAndDense([2, 2], [4, 1])).toBe(false);
    expect(isNonOverlappingAndDense([2, 3], [0, 1])).toBe(false);
    expect(isNonOverlappingAndDense([3], [2])).toBe(false);
    expect(isNonOverlappingAndDense([1], [7])).toBe(true);
  });

  it("internal overlap is 'yes' only for a stride-0 dim of size > 1", () => {
    expect(hasInternalOverlap([2, 3], [0, 1])).toBe("yes");
    expect(hasInternalOverlap([1, 3], [0, 1])).toBe("no");
    expect(hasInternalOverlap([3], [2])).toBe("too hard");
  });

  it("overlap status: full for the same elements, partial for a transpose of them or shifted rows", () => {
    const a = { shape: [3, 3], strides: [3, 1], offset: 0 };
    expect(overlapStatus(a, a)).toBe("full");
    expect(overlapStatus(a, { shape: [3, 3], strides: [1, 3], offset: 0 })).toBe("partial");
    expect(
      overlapStatus(
        { shape: [2, 3], strides: [3, 1], offset: 0 },
        { shape: [2, 3], strides: [3, 1], offset: 3 },
      ),
    ).toBe("partial");
    expect(
      overlapStatus({ shape: [3], strides: [1], offset: 0 }, { shape: [3], strides: [1], offset: 3 }),
    ).toBe("no");
    expect(overlapStatus(a, { shape: [3], strides: [3], offset: 0 })).toBe("too hard");
  });

  it("computeStride merges only dims laid out one after the other", () => {
    // a transpose cannot be flattened, a slice of whole rows can
    expect(computeStride([3, 2], [1, 3], [6])).toBeNull();
    expect(computeStride([2, 4], [4, 1], [8])).toEqual([1]);
    expect(computeStride([2, 2], [4, 1], [4])).toBeNull();
    // size-1 dims get the stride of the chunk they sit in
    expect(computeStride([2, 3], [3, 1], [2, 1, 3])).toEqual([3, 3, 1]);
    // 0-dim tensors view as all-ones strides; empty ones as a resize would lay them out
    expect(computeStride([], [], [1, 1])).toEqual([1, 1]);
    expect(computeStride([2, 0], [1, 2], [0, 4])).toEqual([4, 1]);
  });
});

describe("values of strided tensors", () => {
  it("a strided view's values follow writes to its base, and writeValues scatters back", () => {
    const a = new Tensor(Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3], "float32");
    const col = ops.select(a, 1, 1);
    expect(Array.from(col.values)).toEqual([2, 5]);
    a.values[4] = 50;
    // a raw write bypasses the version counter, so it is only seen after a tracked write
    a.bumpVersion();
    expect(Array.from(col.values)).toEqual([2, 50]);
    col.writeValues([-1, -2]);
    expect(a.tolist()).toEqual([
      [1, -1, 3],
      [4, -2, 6],
    ]);
    // a contiguous window aliases the storage
    const row = ops.select(a, 0, 1);
    row.values[0] = 40;
    expect(a.values[3]).toBe(40);
  });
});
