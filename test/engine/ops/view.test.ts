/**
 * Shape ops and Python indexing against real PyTorch (test/fixtures/view.json from gen_view.py,
 * PyTorch 1.13, with 2.x's names and texts where they differ) and the shape cases of
 * ../shared/golden/ops.json.
 */
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { noGrad, runBackward } from "../../../src/engine/autograd.ts";
import { addListener, type EngineEvent } from "../../../src/engine/events.ts";
import * as ops from "../../../src/engine/ops/index.ts";
import type { IndexSpec } from "../../../src/engine/ops/view.ts";
import { Tensor } from "../../../src/engine/tensor.ts";
import {
  compareTensor,
  fromRef,
  GOLDEN_TOL,
  normalizeGradFnName,
  type RefTensor,
} from "../../differential/compare.ts";
import { expectTorchError, type Graph, graphOf, to2x } from "./torch-graph.ts";

interface RefInput extends RefTensor {
  requires_grad: boolean;
}
interface Case {
  name: string;
  expr: string;
  inputs: Record<string, RefInput>;
  output?: RefTensor;
  outputs?: RefTensor[];
  graph?: Graph;
  graphs?: Graph[];
  is_input?: string[];
  version?: number;
  upstream?: RefTensor;
  upstreams?: RefTensor[];
  grads?: Record<string, RefTensor | null>;
}
interface ErrorCase {
  name: string;
  expr: string;
  inputs?: Record<string, RefInput>;
  type: string;
  message: string;
  message_2x?: string;
}

const fixture = JSON.parse(readFileSync(new URL("../../fixtures/view.json", import.meta.url), "utf8")) as {
  cases: Case[];
  errors: ErrorCase[];
  errors_2x: ErrorCase[];
  scripts: { name: string; type: string; message: string }[];
  repeatable: { name: string; grad: number[] }[];
};

type Inputs = Record<string, Tensor>;
const long = (values: number[], shape = [values.length]) =>
  new Tensor(Float64Array.from(values), shape, "int64");
/** `a = w * 1; a[spec] = value; out = a` as the fixture's __setitem__ programs do. */
const setOnCopy = (w: Tensor, spec: IndexSpec[], value: Tensor | number) =>
  ops.indexPut_(w.mul(1), spec, value);

/** Each fixture case → the TS equivalent of its Python expression or program. */
const CALLS: Record<string, (x: Inputs) => Tensor | Tensor[]> = {
  view: ({ a }) => a.view(3, 2),
  view_infer: ({ a }) => a.view(-1, 4),
  reshape: ({ a }) => a.reshape(3, -1),
  reshape_0d: ({ a }) => a.reshape(1),
  flatten: ({ a }) => a.flatten(),
  flatten_from1: ({ a }) => a.flatten(1),
  flatten_0_1: ({ a }) => a.flatten(0, 1),
  flatten_0d: ({ a }) => a.flatten(),
  flatten_same_dim: ({ a }) => a.flatten(1, 1),
  squeeze: ({ a }) => a.squeeze(),
  squeeze_dim: ({ a }) => a.squeeze(-1),
  squeeze_dim_not_one: ({ a }) => a.squeeze(1),
  squeeze_0d: ({ a }) => a.squeeze(),
  unsqueeze: ({ a }) => a.unsqueeze(1),
  unsqueeze_neg: ({ a }) => a.unsqueeze(-3),
  contiguous: ({ a }) => ops.contiguous(a),
  t: ({ a }) => a.t(),
  t_1d: ({ a }) => a.t(),
  T: ({ a }) => a.T,
  T_3d: ({ a }) => a.T,
  mT: ({ a }) => ops.mT(a),
  transpose: ({ a }) => a.transpose(0, 2),
  transpose_same: ({ a }) => a.transpose(1, 1),
  transpose_neg: ({ a }) => a.transpose(-1, -2),
  permute: ({ a }) => a.permute([2, 0, 1]),
  permute_neg: ({ a }) => a.permute([-1, 1, 0]),
  expand: ({ a }) => a.expand(2, 3, 4),
  expand_keep: ({ a }) => a.expand(4, -1),
  expand_same: ({ a }) => a.expand(2, 3),
  clone: ({ a }) => a.clone(),
  repeat: ({ a }) => ops.repeat(a, [2, 1, 3]),
  repeat_same_rank: ({ a }) => ops.repeat(a, [3, 2]),
  cat_dim1: ({ a, b }) => ops.cat([a, b], 1),
  cat_neg: ({ a, b, c }) => ops.cat([a, b, c], -2),
  cat_skips_empty: ({ a, e }) => ops.cat([e, a, e]),
  cat_promotes: ({ a, b }) => ops.cat([a, b]),
  stack_dim1: ({ a, b }) => ops.stack([a, b], 1),
  stack_last: ({ a, b, c }) => ops.stack([a, b, c], -1),
  split: ({ a }) => ops.split(a, 2),
  split_sizes: ({ a }) => ops.split(a, [1, 4], 1),
  chunk: ({ a }) => ops.chunk(a, 3, 1),
  select: ({ a }) => ops.select(a, 1, -1),
  narrow: ({ a }) => ops.narrow(a, 2, 1, 2),
  get_int: ({ a }) => a.index(1),
  get_neg_int: ({ a }) => a.index(-1),
  get_col: ({ a }) => a.index({}, 1),
  get_slice: ({ a }) => a.index({ start: 1 }),
  get_slice_full_range: ({ a }) => a.index({ start: 0, stop: 2 }),
  get_slice_step: ({ a }) => a.index({ step: 2 }),
  get_slice_empty: ({ a }) => a.index({}, { start: 3, stop: 1 }),
  get_slice_clamped: ({ a }) => a.index({ start: -10, stop: 10 }),
  get_none: ({ a }) => a.index(null),
  get_ellipsis: ({ a }) => a.index("..."),
  get_ellipsis_int: ({ a }) => a.index("...", 0),
  get_ellipsis_none: ({ a }) => a.index("...", null, {}),
  get_slice_int: ({ a }) => a.index({ start: 1 }, 0),
  get_int_slice: ({ a }) => a.index(0, { start: 1 }),
  get_int_int: ({ a }) => a.index(0, 1),
  get_int_int_int: ({ a }) => a.index(1, -1, -2),
  get_full_then_int: ({ a }) => a.index({ start: 0, stop: 2 }, 1),
  get_slice_none_int: ({ a }) => a.index({}, null, 1),
  get_int_ellipsis_int: ({ a }) => a.index(0, "...", 1),
  get_int_step: ({ a }) => a.index(0, { start: 0, stop: 10, step: 3 }),
  get_three_slices: ({ a }) => a.index({ start: -1 }, { start: 1, stop: 2 }, { step: 2 }),
  get_trailing_none: ({ a }) => a.index({}, {}, {}, null),
  get_true: ({ a }) => a.index(true),
  get_false: ({ a }) => a.index(false),
  get_int_true: ({ a }) => a.index(0, true),
  get_0d_int_tensor: ({ a, i }) => a.index(i),
  get_0d_bool_tensor: ({ a, m }) => a.index(m),
  get_index: ({ a, i }) => a.index(i),
  get_index_neg: ({ a, i }) => a.index(i),
  get_index_2d: ({ a, i }) => a.index(i),
  get_index_col: ({ a, i }) => a.index({}, i),
  get_index_pair: ({ a, i, j }) => a.index(i, j),
  get_index_pair_broadcast: ({ a, i, j }) => a.index(i, j),
  get_int_index: ({ a, i }) => a.index(0, i),
  get_index_slice_int: ({ a, i }) => a.index(i, {}, 0),
  get_slice_int_index: ({ a, i }) => a.index({}, 0, i),
  get_index_int_index: ({ a, i, j }) => a.index(i, 0, j),
  get_separated_indices: ({ a, i, j }) => a.index(i, {}, j),
  get_none_index: ({ a, i }) => a.index(null, i),
  get_mask: ({ a }) => a.index(a.gt(0)),
  get_mask_rows: ({ a, m }) => a.index(m),
  get_mask_2d_of_3d: ({ a, m }) => a.index(m),
  get_mask_then_int_2x: ({ a, m }) => a.index(m, 0),
  get_int_mask: ({ a, m }) => a.index(0, m),
  get_slice_mask: ({ a, m }) => a.index({}, m),
  get_index_int: ({ a, i }) => a.index(i, 0),
  get_index_dup_grads: ({ a, i }) => a.index(i),
  get_int64_tensor: ({ a, i }) => a.index(i, { start: 1 }),
  set_int_number: ({ w }) => setOnCopy(w, [0], 5),
  set_int_tensor: ({ w, v }) => setOnCopy(w, [1], v),
  set_int_0d_tensor: ({ w, v }) => setOnCopy(w, [0], v),
  set_col_broadcast: ({ w, v }) => setOnCopy(w, [{}, 1], v),
  set_slice_broadcast: ({ w, v }) => setOnCopy(w, [{}, { start: 1 }], v),
  set_elem: ({ w, v }) => setOnCopy(w, [0, 2], v),
  set_full_slice_number: ({ w }) => setOnCopy(w, [{}], 3),
  set_optimized_slice: ({ w }) => setOnCopy(w, [{ start: 0, stop: 2 }], 3),
  set_ellipsis_number: ({ w }) => setOnCopy(w, ["..."], 3),
  set_ellipsis_tensor: ({ w, v }) => setOnCopy(w, ["..."], v),
  set_leading_ones: ({ w, v }) => setOnCopy(w, [0], v),
  set_none: ({ w, v }) => setOnCopy(w, [null], v),
  set_true: ({ w, v }) => setOnCopy(w, [true], v),
  set_false: ({ w, v }) => setOnCopy(w, [false], v),
  set_mask_number: ({ w }) => {
    const a = w.mul(1);
    return ops.indexPut_(a, [a.gt(0)], 0);
  },
  set_mask_0d_tensor: ({ w, v }) => {
    const a = w.mul(1);
    return ops.indexPut_(a, [a.gt(0)], v);
  },
  set_mask_long_value: ({ w }) => {
    const a = w.mul(1);
    return ops.indexPut_(a, [a.gt(0)], long([1], []));
  },
  set_index_rows: ({ w, v }) => setOnCopy(w, [long([0, 2])], v),
  set_index_pair: ({ w, v }) => setOnCopy(w, [long([0, 1]), long([1, 2])], v),
  set_int_then_index: ({ w }) => setOnCopy(w, [0, long([0, 2])], 7),
  set_index_then_slice: ({ w }) => setOnCopy(w, [long([0, 1]), {}], 0),
  set_index_dup: ({ w, v }) => setOnCopy(w, [long([0, 2, 3])], v),
  set_untracked_base: ({ v }) =>
    ops.indexPut_(new Tensor(new Float32Array(3), [3], "float32"), [{ start: 1 }], v),
  set_int64_base: () => ops.indexPut_(new Tensor(new Float64Array(6), [2, 3], "int64"), [0], 2.7),
  set_under_no_grad: ({ w }) => {
    noGrad(() => ops.indexPut_(w, [0], 1));
    return w.detach().clone();
  },
};

const ERROR_CALLS: Record<string, (x: Inputs) => unknown> = {
  view_invalid: ({ a }) => a.view(4, 2),
  view_invalid_infer: ({ a }) => a.view(5, -1),
  view_two_infer: ({ a }) => a.reshape(-1, -1),
  view_negative: ({ a }) => a.view(-2, 3),
  view_zero_infer: ({ a }) => a.view(0, -1),
  flatten_order: ({ a }) => a.flatten(2, 1),
  flatten_range: ({ a }) => a.flatten(0, 3),
  unsqueeze_range: ({ a }) => a.unsqueeze(4),
  unsqueeze_range_neg: ({ a }) => a.unsqueeze(-5),
  squeeze_range: ({ a }) => a.squeeze(3),
  t_3d: ({ a }) => a.t(),
  transpose_range: ({ a }) => a.transpose(0, 3),
  permute_len: ({ a }) => a.permute([0, 1]),
  permute_dup: ({ a }) => a.permute([0, 0, 1]),
  permute_dup_neg: ({ a }) => a.permute([1, -1]),
  permute_range: ({ a }) => a.permute([0, 2]),
  expand_fewer: ({ a }) => a.expand(2, 3),
  expand_mismatch: ({ a }) => a.expand(3, 3, 4),
  expand_leading_infer: ({ a }) => a.expand(-1, 2, 3, 4),
  repeat_fewer: ({ a }) => ops.repeat(a, [2]),
  cat_empty: () => ops.cat([]),
  cat_0d: ({ a, b }) => ops.cat([a, b]),
  cat_rank: ({ a, b }) => ops.cat([a, b]),
  cat_sizes: ({ a, b }) => ops.cat([a, b], 0),
  cat_dim: ({ a, b }) => ops.cat([a, b], 2),
  stack_empty: () => ops.stack([]),
  stack_sizes: ({ a, b }) => ops.stack([a, b]),
  stack_sizes_last: ({ a, b }) => ops.stack([a, b], 1),
  stack_dim: ({ a, b }) => ops.stack([a, b], 2),
  split_sizes_sum: ({ a }) => ops.split(a, [1, 2], 1),
  split_negative: ({ a }) => ops.split(a, -1),
  split_0d: ({ a }) => ops.split(a, 1),
  chunk_zero: ({ a }) => ops.chunk(a, 0),
  select_range: ({ a }) => ops.select(a, 0, 5),
  select_0d: ({ a }) => ops.select(a, 0, 0),
  narrow_start: ({ a }) => ops.narrow(a, 1, 4, 1),
  narrow_length: ({ a }) => ops.narrow(a, 1, 2, 2),
  get_out_of_range: ({ a }) => a.index(5),
  get_out_of_range_neg: ({ a }) => a.index(-3),
  get_out_of_range_dim1: ({ a }) => a.index({}, 5),
  get_out_of_range_after_none: ({ a }) => a.index(null, 5),
  get_out_of_range_after_ellipsis: ({ a }) => a.index("...", 5),
  get_too_many: ({ a }) => a.index(0, 0, 0, 0),
  get_0d_zero: ({ a }) => a.index(0),
  get_0d_one: ({ a }) => a.index(1),
  get_0d_slice: ({ a }) => a.index({ start: 1 }),
  get_0d_tuple: ({ a }) => ops.index(a, [0, "..."]),
  get_float: ({ a }) => a.index(1.5),
  get_float_tensor: ({ a, i }) => a.index(i.detach()),
  get_mask_shape: ({ a, m }) => a.index(m),
  get_index_range: ({ a, i }) => a.index(i),
  get_index_range_neg: ({ a, i }) => a.index(i),
  get_index_broadcast: ({ a, i, j }) => a.index(i, j),
  get_step_zero: ({ a }) => a.index({ step: 0 }),
  get_step_negative: ({ a }) => a.index({ step: -1 }),
  set_leaf: ({ w }) => ops.indexPut_(w, ["..."], 1),
  set_leaf_slice: ({ w }) => ops.indexPut_(w, [{ start: 0, stop: 3 }], 1),
  set_leaf_view: ({ w }) => ops.indexPut_(w, [{}], 1),
  set_leaf_int: ({ w }) => ops.indexPut_(w, [0], 1),
  set_leaf_mask: ({ w }) => ops.indexPut_(w, [w.gt(0)], 1),
  set_shape: ({ w }) => setOnCopy(w, [0], new Tensor(new Float32Array(6).fill(1), [2, 3], "float32")),
  set_shape_expand: ({ w }) => setOnCopy(w, [0], new Tensor(new Float32Array(2).fill(1), [2], "float32")),
  set_index_shape: ({ w }) => {
    const a = w.mul(1);
    return ops.indexPut_(a, [a.gt(0)], new Tensor(new Float32Array(7).fill(1), [7], "float32"));
  },
  set_out_of_range: ({ w }) => setOnCopy(w, [2], 1),
  set_index_dtype: ({ w }) => setOnCopy(w, [long([0, 1])], long([1], [])),
};

function inputsOf(refs: Record<string, RefInput> = {}): Inputs {
  const out: Inputs = {};
  for (const [k, ref] of Object.entries(refs)) out[k] = fromRef(ref, ref.requires_grad);
  return out;
}

function checkGrads(c: Case, inputs: Inputs): void {
  for (const [name, ref] of Object.entries(c.grads ?? {})) {
    const grad = inputs[name].grad;
    if (ref === null) expect(grad, `${name}.grad`).toBeNull();
    else expect(compareTensor(grad, ref, GOLDEN_TOL), `${name}.grad`).toBeNull();
  }
}

/** The graph PyTorch 2.x builds for `a[m, 0]` with a 2-D mask: select, then the mask's index. */
const GRAPH_2X: Record<string, Graph> = {
  get_mask_then_int_2x: ["IndexBackward0", ["SelectBackward0", ["AccumulateGrad"]]],
};

describe("shape ops and indexing vs PyTorch (test/fixtures/view.json)", () => {
  it("has a TS call for every fixture case", () => {
    expect(fixture.cases.map((c) => c.name).filter((n) => !(n in CALLS))).toEqual([]);
    const errors = [...fixture.errors, ...fixture.errors_2x];
    expect(errors.map((c) => c.name).filter((n) => !(n in ERROR_CALLS))).toEqual([]);
  });

  for (const c of fixture.cases) {
    it(`${c.name}: ${c.expr}`, () => {
      const inputs = inputsOf(c.inputs);
      const result = CALLS[c.name](inputs);
      if (Array.isArray(result)) {
        expect(result.length).toBe(c.outputs!.length);
        result.forEach((t, k) => {
          expect(compareTensor(t, c.outputs![k], GOLDEN_TOL), `output ${k}`).toBeNull();
          expect(graphOf(t.gradFn), `graph ${k}`).toEqual(to2x(c.graphs![k]));
        });
        runBackward(
          result,
          c.upstreams!.map((u) => fromRef(u)),
        );
        checkGrads(c, inputs);
        return;
      }
      expect(compareTensor(result, c.output!, GOLDEN_TOL), "output").toBeNull();
      expect(graphOf(result.gradFn), "grad_fn graph").toEqual(GRAPH_2X[c.name] ?? to2x(c.graph!));
      for (const k of c.is_input ?? []) expect(result, `returns ${k} itself`).toBe(inputs[k]);
      if (c.name.startsWith("set_") && c.name !== "set_under_no_grad") expect(result.version).toBe(c.version);
      if (!c.upstream) return;
      result.backward(fromRef(c.upstream));
      checkGrads(c, inputs);
    });
  }

  for (const e of [...fixture.errors, ...fixture.errors_2x]) {
    it(`error ${e.name}: ${e.expr}`, () => {
      const inputs = e.inputs
        ? inputsOf(e.inputs)
        : {
            w: new Tensor(Float32Array.from([1, -2, 3, -4, 5, -6]), [2, 3], "float32").requiresGrad_(),
          };
      expectTorchError(() => ERROR_CALLS[e.name](inputs), e.type, e.message_2x ?? e.message);
    });
  }
});

describe("saved tensors of indexing", () => {
  const script = (name: string) => fixture.scripts.find((s) => s.name === name)!;
  const ones = (n: number) => new Tensor(new Float32Array(n).fill(1), [n], "float32");

  it("IndexBackward0 saves the indices: a second backward fails", () => {
    const a = ones(3).requiresGrad_();
    const y = a.index(long([0, 2]));
    y.backward(ones(2));
    const s = script("index_second_backward");
    expectTorchError(() => y.backward(ones(2)), s.type, s.message);
  });

  it("IndexBackward0 sees indices modified in place", () => {
    const a = ones(3).requiresGrad_();
    const i = long([0, 2]);
    const y = a.index(i);
    i.add_(0);
    const s = script("index_modified_indices");
    expectTorchError(() => y.backward(ones(2)), s.type, s.message);
  });

  const REPEAT: Record<string, (a: Tensor) => Tensor> = {
    select: (a) => a.index(0),
    slice: (a) => a.index({ start: 1 }),
    view: (a) => a.view(3),
    cat: (a) => ops.cat([a, a]),
  };
  for (const r of fixture.repeatable) {
    it(`${r.name} saves no tensor: backward twice accumulates`, () => {
      const a = ones(3).requiresGrad_();
      const y = REPEAT[r.name](a);
      const up = new Tensor(new Float32Array(y.numel()).fill(1), y.shape, "float32");
      y.backward(up);
      y.backward(up);
      expect(Array.from(a.grad!.values)).toEqual(r.grad);
    });
  }
});

describe("views share storage as PyTorch's do", () => {
  const base = () => new Tensor(Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3], "float32");

  it.each([
    ["view", (a: Tensor) => a.view(-1)],
    ["reshape", (a: Tensor) => a.reshape(3, 2)],
    ["flatten", (a: Tensor) => a.flatten()],
    ["unsqueeze", (a: Tensor) => a.unsqueeze(0)],
    ["squeeze", (a: Tensor) => a.unsqueeze(0).squeeze()],
    ["a[None]", (a: Tensor) => a.index(null)],
    ["a[...]", (a: Tensor) => a.index("...")],
  ])("%s: an in-place write shows through, and the version counter is shared", (_name, fn) => {
    const a = base();
    const v = fn(a);
    v.mul_(10);
    expect(a.tolist()).toEqual([
      [10, 20, 30],
      [40, 50, 60],
    ]);
    expect(a.version).toBe(1);
    expect(v.version).toBe(1);
  });

  it("a[i] = x on a view writes through to the base", () => {
    const a = base();
    ops.indexPut_(a.view(-1), [{ start: 4 }], 0);
    expect(a.tolist()).toEqual([
      [1, 2, 3],
      [4, 0, 0],
    ]);
  });

  it("a saved view modified in place breaks backward like the base would", () => {
    const w = base().requiresGrad_();
    const h = w.mul(2);
    const y = h.view(-1).sin();
    h.add_(1);
    expect(() => y.backward(new Tensor(new Float32Array(6).fill(1), [6], "float32"))).toThrow(
      /modified by an inplace operation/,
    );
  });
});

describe("events", () => {
  let events: EngineEvent[] = [];
  let stop: (() => void) | null = null;
  const listen = () => {
    events = [];
    stop = addListener((e) => events.push(e));
  };
  afterEach(() => stop?.());

  it("a[1:, 0] records slice then select, as PyTorch's graph has them", () => {
    const a = new Tensor(new Float32Array(6), [3, 2], "float32");
    listen();
    a.index({ start: 1 }, 0);
    expect(events.map((e) => (e.kind === "op" ? e.op : e.kind))).toEqual(["slice", "select"]);
  });

  it("a[mask] records one index op with the mask as an input", () => {
    const a = new Tensor(new Float32Array(3), [3], "float32");
    const m = new Tensor(Uint8Array.from([1, 0, 1]), [3], "bool");
    listen();
    a.index(m);
    expect(events.length).toBe(1);
    const e = events[0];
    expect(e.kind === "op" && e.op === "index" && e.inputs).toEqual([a, m]);
  });

  it("a[0] = v is one in-place event on a with CopySlices", () => {
    const a = new Tensor(new Float32Array(6), [2, 3], "float32");
    const v = new Tensor(Float32Array.from([1, 2, 3]), [3], "float32").requiresGrad_();
    listen();
    ops.indexPut_(a, [0], v);
    expect(events.length).toBe(1);
    const e = events[0];
    expect(e.kind).toBe("inplace");
    if (e.kind !== "inplace") return;
    expect(e.tensor).toBe(a);
    expect(e.gradFn?.name).toBe("CopySlices");
    expect(a.requiresGrad && !a.isLeaf).toBe(true);
  });

  it("x.T warns once on other than 2-D tensors, with PyTorch 2.x's texts", () => {
    ops.resetWarnOnce();
    listen();
    const three = new Tensor(new Float32Array(8), [2, 2, 2], "float32");
    const shapes = [three.T, three.T, new Tensor(new Float32Array(1), [], "float32").T].map((x) => x.shape);
    expect(shapes).toEqual([[2, 2, 2], [2, 2, 2], []]);
    expect(new Tensor(new Float32Array(4), [2, 2], "float32").T.shape).toEqual([2, 2]);
    const warnings = events.flatMap((e) => (e.kind === "warning" ? [e.message] : []));
    expect(warnings).toEqual([
      // aten/src/ATen/native/TensorShape.cpp numpy_T (TORCH_WARN_ONCE)
      "The use of `x.T` on tensors of dimension other than 2 to reverse their shape is deprecated and it will throw an error in a future release. Consider `x.mT` to transpose batches of matrices or `x.permute(*torch.arange(x.ndim - 1, -1, -1))` to reverse the dimensions of a tensor.",
      "Tensor.T is deprecated on 0-D tensors. This function is the identity in these cases.",
    ]);
  });
});

interface GoldenCase {
  op: string;
  expr: string;
  inputs: Record<string, RefTensor>;
  output: RefTensor;
  grad_fn: string;
  upstream: RefTensor;
  grads: Record<string, RefTensor>;
}
const golden = JSON.parse(
  readFileSync(new URL("../../../../shared/golden/ops.json", import.meta.url), "utf8"),
) as { cases: GoldenCase[] };

const GOLDEN_CALLS: Record<string, (x: Inputs) => Tensor> = {
  t: ({ a }) => a.t(),
  T: ({ a }) => a.T,
  transpose: ({ a }) => a.transpose(0, 1),
  reshape: ({ a }) => a.reshape(3, 2),
  view: ({ a }) => a.view(-1),
  unsqueeze0: ({ a }) => a.unsqueeze(0),
  unsqueeze_last: ({ a }) => a.unsqueeze(-1),
  squeeze: ({ a }) => a.squeeze(),
  flatten: ({ a }) => a.flatten(),
  index_row: ({ a }) => a.index(0),
  index_col: ({ a }) => a.index({}, 1),
  slice: ({ a }) => a.index({ start: 1 }),
  cat: ({ a, b }) => ops.cat([a, b], 0),
  stack: ({ a, b }) => ops.stack([a, b]),
};

describe("shape ops vs ../shared/golden/ops.json", () => {
  const cases = golden.cases.filter((c) => c.op in GOLDEN_CALLS);
  it("covers the golden shape ops", () => {
    expect(new Set(cases.map((c) => c.op))).toEqual(new Set(Object.keys(GOLDEN_CALLS)));
  });
  cases.forEach((c, i) => {
    it(`${c.op} #${i}: ${c.expr}`, () => {
      const inputs: Inputs = {};
      for (const [k, ref] of Object.entries(c.inputs)) inputs[k] = fromRef(ref, true);
      const out = GOLDEN_CALLS[c.op](inputs);
      expect(compareTensor(out, c.output, GOLDEN_TOL), "output").toBeNull();
      expect(normalizeGradFnName(out.gradFn?.name)).toBe(normalizeGradFnName(c.grad_fn));
      out.backward(fromRef(c.upstream));
      for (const [k, ref] of Object.entries(c.grads)) {
        expect(compareTensor(inputs[k].grad, ref, GOLDEN_TOL), `${k}.grad`).toBeNull();
      }
    });
  });
});
