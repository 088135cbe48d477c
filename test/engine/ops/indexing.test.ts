/**
 * The indexing, sorting and triangular ops of src/engine/ops/indexing.ts against numbers printed by
 * PyTorch 1.13 (/usr/bin/python3; the script is in the comment at the end): value, grad_fn name,
 * indices, and the input's grad after `(out * upstream).sum().backward()` with upstream 1, 2, 3, ...
 * Ties are broken as PyTorch's CPU kernels break them (libstdc++'s sort / nth_element / partial_sort).
 */
import { describe, expect, it } from "vitest";
import { arange, mul, sum, Tensor, tensor } from "../../../src/engine/index.ts";
import * as I from "../../../src/engine/ops/indexing.ts";
import { opTitle } from "../../../src/layout/op-label.ts";
import { expectTorchError, graphOf } from "./torch-graph.ts";

// prettier-ignore
const EXPECTED = {
  gather: { out: [[2.0, 0.5], [0.0, 0.0], [2.0, 7.0]], gradFn: "GatherBackward0", grad: [[2.0, 0.0, 0.0, 1.0], [0.0, 7.0, 0.0, 0.0], [6.0, 0.0, 5.0, 0.0]] },
  gather0: { out: [[7.0, -1.25, -6.5, 1.5]], gradFn: "GatherBackward0", grad: [[0.0, 2.0, 0.0, 0.0], [0.0, 0.0, 3.0, 4.0], [1.0, 0.0, 0.0, 0.0]] },
  index_select: { out: [[2.0, 2.0, 0.5], [1.5, 1.5, 4.0], [-0.5, -0.5, 7.0]], gradFn: "IndexSelectBackward0", grad: [[3.0, 0.0, 0.0, 3.0], [6.0, 0.0, 0.0, 9.0], [9.0, 0.0, 0.0, 15.0]] },
  scatter: { out: [[0.5, -1.25, 3.0, 9.0], [8.0, 0.0, -6.5, 1.5], [7.0, 7.0, 2.0, -0.5]], gradFn: "ScatterBackward0", grad: [[1.0, 2.0, 3.0, 0.0], [0.0, 6.0, 7.0, 8.0], [9.0, 0.0, 11.0, 12.0]] },
  scatter_add: { out: [[1.5, -1.25, 3.0, 3.0], [4.0, 1.0, -6.5, 1.5], [7.0, 8.0, 3.0, -0.5]], gradFn: "ScatterAddBackward0", grad: [[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0], [9.0, 10.0, 11.0, 12.0]] },
  sort: { out: [[-1.25, 0.5, 2.0, 3.0], [-6.5, 0.0, 1.5, 4.0], [-0.5, 2.0, 7.0, 8.0]], gradFn: "SortBackward0", indices: [[1, 0, 3, 2], [2, 1, 3, 0], [3, 2, 0, 1]], grad: [[2.0, 1.0, 4.0, 3.0], [8.0, 6.0, 5.0, 7.0], [11.0, 12.0, 10.0, 9.0]] },
  sort_desc0: { out: [[7.0, 8.0, 3.0, 2.0], [4.0, 0.0, 2.0, 1.5], [0.5, -1.25, -6.5, -0.5]], gradFn: "SortBackward0", indices: [[2, 2, 0, 0], [1, 1, 2, 1], [0, 0, 1, 2]], grad: [[9.0, 10.0, 3.0, 4.0], [5.0, 6.0, 11.0, 8.0], [1.0, 2.0, 7.0, 12.0]] },
  topk: { out: [[3.0, 2.0], [4.0, 1.5], [8.0, 7.0]], gradFn: "TopkBackward0", indices: [[2, 3], [0, 3], [1, 0]], grad: [[0.0, 0.0, 1.0, 2.0], [3.0, 0.0, 0.0, 4.0], [6.0, 5.0, 0.0, 0.0]] },
  topk_small0: { out: [[0.5, -1.25, -6.5, -0.5]], gradFn: "TopkBackward0", indices: [[0, 0, 1, 2]], grad: [[1.0, 2.0, 0.0, 0.0], [0.0, 0.0, 3.0, 0.0], [0.0, 0.0, 0.0, 4.0]] },
  flip: { out: [[-0.5, 2.0, 8.0, 7.0], [1.5, -6.5, 0.0, 4.0], [2.0, 3.0, -1.25, 0.5]], gradFn: "FlipBackward0", grad: [[12.0, 11.0, 10.0, 9.0], [8.0, 7.0, 6.0, 5.0], [4.0, 3.0, 2.0, 1.0]] },
  roll: { out: [[8.0, 2.0, -0.5, 7.0], [-1.25, 3.0, 2.0, 0.5], [0.0, -6.5, 1.5, 4.0]], gradFn: "RollBackward0", grad: [[8.0, 5.0, 6.0, 7.0], [12.0, 9.0, 10.0, 11.0], [4.0, 1.0, 2.0, 3.0]] },
  roll_flat: { out: [[1.5, 7.0, 8.0, 2.0], [-0.5, 0.5, -1.25, 3.0], [2.0, 4.0, 0.0, -6.5]], gradFn: "RollBackward0", grad: [[6.0, 7.0, 8.0, 9.0], [10.0, 11.0, 12.0, 1.0], [2.0, 3.0, 4.0, 5.0]] },
  tril: { out: [[0.5, -1.25, 0.0, 0.0], [4.0, 0.0, -6.5, 0.0], [7.0, 8.0, 2.0, -0.5]], gradFn: "TrilBackward0", grad: [[1.0, 2.0, 0.0, 0.0], [5.0, 6.0, 7.0, 0.0], [9.0, 10.0, 11.0, 12.0]] },
  triu: { out: [[0.5, -1.25, 3.0, 2.0], [4.0, 0.0, -6.5, 1.5], [0.0, 8.0, 2.0, -0.5]], gradFn: "TriuBackward0", grad: [[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0], [0.0, 10.0, 11.0, 12.0]] },
  diag: { out: [-1.25, -6.5, -0.5], gradFn: "DiagBackward0", grad: [[0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 2.0, 0.0], [0.0, 0.0, 0.0, 3.0]] },
  trace: { out: 2.5, gradFn: "TraceBackward0", grad: [[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0]] },
  cumprod: { out: [[0.5, -0.625, -1.875, -3.75], [4.0, 0.0, -0.0, -0.0], [7.0, 56.0, 112.0, -56.0]], gradFn: "CumprodBackward0", grad: [[-42.75, 17.5, -6.875, -7.5], [5.0, -470.0, 0.0, 0.0], [169.0, 140.0, 280.0, 1344.0]] },
  cumprod0: { out: [[0.5, -1.25, 3.0, 2.0], [2.0, -0.0, -19.5, 3.0], [14.0, -0.0, -39.0, -1.5]], gradFn: "CumprodBackward0", grad: [[273.0, 2.0, -185.5, 7.0], [34.0, -107.5, 87.0, 4.0], [18.0, 0.0, -214.5, 36.0]] },
};

const X = [
  [0.5, -1.25, 3.0, 2.0],
  [4.0, 0.0, -6.5, 1.5],
  [7.0, 8.0, 2.0, -0.5],
];
const idx = (v: unknown) => tensor(v as number[], { dtype: "int64" });

type Result = Tensor | { values: Tensor; indices: Tensor };
const CALLS: Record<keyof typeof EXPECTED, (x: Tensor) => Result> = {
  gather: (x) =>
    I.gather(
      x,
      1,
      idx([
        [3, 0],
        [1, 1],
        [2, 0],
      ]),
    ),
  gather0: (x) => I.gather(x, 0, idx([[2, 0, 1, 1]])),
  index_select: (x) => I.indexSelect(x, 1, idx([3, 3, 0])),
  scatter: (x) => I.scatter(x, 1, idx([[3], [0], [1]]), tensor([[9], [8], [7]], { dtype: "float32" })),
  scatter_add: (x) => I.scatterAdd(x, 0, idx([[0, 1, 2, 0]]), tensor([[1, 1, 1, 1]], { dtype: "float32" })),
  sort: (x) => I.sort(x, 1),
  sort_desc0: (x) => I.sort(x, 0, true),
  topk: (x) => I.topk(x, 2),
  topk_small0: (x) => I.topk(x, 1, 0, false),
  flip: (x) => I.flip(x, [0, 1]),
  roll: (x) => I.roll(x, [1, -1], [0, 1]),
  roll_flat: (x) => I.roll(x, 5),
  tril: (x) => I.tril(x, 1),
  triu: (x) => I.triu(x, -1),
  diag: (x) => I.diag(x, 1),
  trace: (x) => I.trace(x),
  cumprod: (x) => I.cumprod(x, 1),
  cumprod0: (x) => I.cumprod(x, 0),
};

describe("indexing ops against PyTorch", () => {
  for (const [name, exp] of Object.entries(EXPECTED)) {
    it(name, () => {
      const x = tensor(X, { requiresGrad: true });
      const r = CALLS[name as keyof typeof EXPECTED](x);
      const out = r instanceof Tensor ? r : r.values;
      expect(out.tolist()).toEqual(exp.out);
      expect(out.gradFn?.name).toBe(exp.gradFn);
      if ("indices" in exp && !(r instanceof Tensor)) expect(r.indices.tolist()).toEqual(exp.indices);
      const up = arange(1, out.numel() + 1).reshape(...out.shape);
      sum(mul(out, up)).backward();
      expect(x.grad!.tolist()).toEqual(exp.grad);
    });
  }

  it("keeps the index out of the node's next functions, as PyTorch does", () => {
    const x = tensor(X, { requiresGrad: true });
    const s = tensor([[9], [8], [7]], { dtype: "float32", requiresGrad: true });
    expect(graphOf(I.gather(x, 1, idx([[0], [1], [2]])).gradFn)).toEqual([
      "GatherBackward0",
      ["AccumulateGrad"],
    ]);
    expect(graphOf(I.scatter(x, 1, idx([[0], [1], [2]]), s).gradFn)).toEqual([
      "ScatterBackward0",
      ["AccumulateGrad"],
      ["AccumulateGrad"],
    ]);
    expect(graphOf(I.scatter(x, 1, idx([[0], [1], [2]]), 2).gradFn)).toEqual([
      "ScatterBackward1",
      ["AccumulateGrad"],
    ]);
  });

  it("breaks ties as PyTorch 1.13's std::sort, nth_element and partial_sort do", () => {
    const a = tensor(Array.from({ length: 40 }, (_, i) => (i * 7) % 5));
    expect(I.sort(a).indices.tolist()).toEqual([
      10, 20, 25, 15, 30, 35, 5, 0, 33, 8, 28, 13, 3, 38, 23, 18, 31, 1, 36, 26, 21, 6, 16, 11, 39, 19, 4, 34,
      9, 29, 14, 24, 12, 27, 32, 7, 17, 37, 2, 22,
    ]);
    expect(I.topk(a, 5).indices.tolist()).toEqual([27, 7, 32, 22, 12]);
    expect(I.topk(a, 5, -1, false).indices.tolist()).toEqual([15, 35, 30, 10, 25]);
    const b = tensor(Array.from({ length: 200 }, (_, i) => (i * 7) % 3));
    expect(I.topk(b, 2).indices.tolist()).toEqual([5, 2]);
    expect(I.topk(b, 2, -1, false).indices.tolist()).toEqual([3, 0]);
    expect(I.topk(tensor([[2, 2, 1, 2]]), 2, 1).indices.tolist()).toEqual([[1, 3]]);
    expect(I.sort(tensor([1, NaN, 2]), -1, true).indices.tolist()).toEqual([1, 2, 0]);
  });

  it("nonzero: coordinates in row-major order, as_tuple one tensor per dim", () => {
    expect(
      I.nonzero(
        tensor([
          [0, 1],
          [1, 0],
        ]),
      ).tolist(),
    ).toEqual([
      [0, 1],
      [1, 0],
    ]);
    expect(I.nonzero(tensor(5)).shape).toEqual([1, 0]);
    expect(I.nonzeroTuple(tensor([0, 3, 0, 4])).map((t) => t.tolist())).toEqual([[1, 3]]);
  });

  it("raises PyTorch's errors", () => {
    const x = tensor(X);
    expectTorchError(
      () => I.gather(x, 1, idx([[0, 4]])),
      "RuntimeError",
      "index 4 is out of bounds for dimension 1 with size 4",
    );
    expectTorchError(
      () => I.gather(x, 2, idx([[0]])),
      "IndexError",
      "Dimension out of range (expected to be in range of [-2, 1], but got 2)",
    );
    expectTorchError(
      () => I.indexSelect(x, 1, idx([4])),
      "RuntimeError",
      "INDICES element is out of DATA bounds, id=4 axis_dim=4",
    );
    expectTorchError(() => I.topk(x, 5), "RuntimeError", "selected index k out of range");
    expectTorchError(
      () => I.flip(x, [0, 0]),
      "RuntimeError",
      "dim 0 appears multiple times in the list of dims",
    );
    expectTorchError(
      () => I.roll(x, [1, 2], [0]),
      "RuntimeError",
      "shifts and dimensions must align. shifts: 2, dims:1",
    );
    expectTorchError(
      () => I.trace(tensor([1, 2])),
      "RuntimeError",
      "trace: expected a matrix, but got tensor with dim 1",
    );
    expectTorchError(() => I.diag(tensor(1)), "RuntimeError", "matrix or a vector expected");
  });

  it("labels the ops with what they did", () => {
    expect(opTitle("gather", { dim: 1 })).toBe("gather dim=1");
    expect(opTitle("scatter", { dim: 0, add: true })).toBe("scatter_add dim=0");
    expect(opTitle("topk", { k: 3, dim: 0, largest: false })).toBe("topk k=3 smallest");
    expect(opTitle("flip", { dims: [0] })).toBe("flip (0,)");
    expect(opTitle("tril", { diagonal: -1 })).toBe("tril -1");
    expect(opTitle("tril", { diagonal: 0 })).toBe("tril");
    expect(opTitle("median_dim", { dim: 1, keepdim: false })).toBe("median dim=1");
  });
});
