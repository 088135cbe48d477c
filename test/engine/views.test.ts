/**
 * In-place writes through views against real PyTorch (test/fixtures/strides.json, gen_strides.py's
 * programs): the base sees the write, base and views share one version counter, the base's grad_fn
 * becomes CopySlices and the view's AsStridedBackward0, grads flow through them; and PyTorch's
 * refusals (views of leaves, multi-output views, views made in no_grad mode, expanded targets,
 * partially overlapping inputs, a second backward through CopySlices).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { noGrad } from "../../src/engine/autograd.ts";
import { addListener, type EngineEvent } from "../../src/engine/events.ts";
import * as ops from "../../src/engine/ops/index.ts";
import { Tensor } from "../../src/engine/tensor.ts";
import { compareTensor, GOLDEN_TOL, type RefTensor } from "../differential/compare.ts";
import { expectTorchError, type Graph, graphOf, to2x } from "./ops/torch-graph.ts";

interface Recorded {
  value: RefTensor;
  version: number;
  layout: { shape: number[]; stride: number[]; offset: number; contiguous: boolean };
  graph: Graph;
  is_leaf: boolean;
  requires_grad: boolean;
}
interface Program {
  name: string;
  code: string;
  tensors: Record<string, Recorded>;
  /** The tensor the program backpropagates from (with ones). */
  root?: string;
  grads?: Record<string, RefTensor | null>;
}

const fixture = JSON.parse(readFileSync(new URL("../fixtures/strides.json", import.meta.url), "utf8")) as {
  programs: Program[];
  errors: { name: string; code: string; error: [string, string] }[];
};

type Env = Record<string, Tensor>;

const layoutOf = (t: Tensor) => ({
  shape: [...t.shape],
  stride: t.stride(),
  offset: t.storageOffset,
  contiguous: t.isContiguous(),
});

/** `torch.arange(n.).view(shape)`: float32, a view of the arange as in the Python programs. */
const arange = (n: number, shape: number[] = [n]) => ops.arange(0, n, 1, { dtype: "float32" }).view(...shape);
const floats = (values: number[]) => ops.tensor(values, { dtype: "float32" });
const all = { start: null, stop: null };

/** The fixture's programs, written with the TS API; each returns its named tensors. */
const PROGRAMS: Record<string, () => Env> = {
  setitem_on_t: () => {
    const w = arange(6, [2, 3]).requiresGrad_();
    const a = w.mul(1);
    const v = a.t();
    ops.indexPut_(v, [0], 5);
    return { w, a, v };
  },
  select_zero_: () => {
    const w = arange(6, [2, 3]).requiresGrad_();
    const a = w.mul(1);
    const v = a.index(0);
    v.zero_();
    return { w, a, v };
  },
  column_mul_: () => {
    const w = arange(6, [2, 3]).requiresGrad_();
    const a = w.mul(1);
    const v = a.index(all, 1);
    v.mul_(2);
    return { w, a, v };
  },
  column_mul_backward_from_view: () => {
    const w = arange(6, [2, 3]).requiresGrad_();
    const a = w.mul(1);
    const v = a.index(all, 1);
    v.mul_(2);
    const y = v.mul(3);
    return { w, a, v, y };
  },
  T_add_: () => {
    const w = arange(6, [2, 3]).requiresGrad_();
    const a = w.mul(1);
    const v = a.T;
    v.add_(1);
    return { w, a, v };
  },
  T_add_tensor_: () => {
    const w = arange(6, [2, 3]).requiresGrad_();
    const b = floats([1, 2]).requiresGrad_();
    const a = w.mul(1);
    const v = a.T;
    v.add_(b);
    return { w, b, a, v };
  },
  mul_by_grad_tensor: () => {
    const w = arange(6, [2, 3]).requiresGrad_();
    const b = floats([1, -2, 3]).requiresGrad_();
    const a = w.mul(1);
    a.index(1).mul_(b);
    return { w, b, a };
  },
  untracked_base_tracked_value: () => {
    const a = ops.zeros([2, 3]);
    const b = floats([1, 2, 3]).requiresGrad_();
    const v = a.index(1);
    const u = a.index(0);
    v.add_(b);
    const y = u.add(0);
    return { a, b, v, u, y };
  },
  sibling_view_sees_write: () => {
    const w = arange(6, [2, 3]).requiresGrad_();
    const a = w.mul(1);
    const u = a.index(all, 0);
    const v = a.index(0);
    v.mul_(10);
    const y = u.mul(1);
    return { w, a, u, v, y };
  },
  base_write_regrads_view: () => {
    const w = arange(6, [2, 3]).requiresGrad_();
    const a = w.mul(1);
    const v = a.index(1);
    a.mul_(3);
    const y = v.mul(1);
    return { w, a, v, y };
  },
  view_of_view_write: () => {
    const w = arange(24, [2, 3, 4]).requiresGrad_();
    const a = w.mul(1);
    const v = a.transpose(0, 2).index(1);
    v.sub_(1);
    return { w, a, v };
  },
  slice_step_write: () => {
    const w = arange(8).requiresGrad_();
    const a = w.mul(1);
    const v = a.index({ start: 1, step: 3 });
    v.div_(4);
    return { w, a, v };
  },
  narrow_fill_: () => {
    const w = arange(6, [2, 3]).requiresGrad_();
    const a = w.mul(1);
    ops.narrow(a, 1, 1, 2).fill_(7);
    return { w, a };
  },
  unsqueeze_view_write: () => {
    const w = arange(6, [2, 3]).requiresGrad_();
    const a = w.mul(1);
    const v = a.unsqueeze(0).view(6);
    ops.indexPut_(v, [{ start: 2, stop: 4 }], -1);
    return { w, a, v };
  },
  expand_fill_: () => {
    const a = ops.ones([3]);
    const e = a.expand(2, 3);
    e.fill_(2);
    return { a, e };
  },
  expand_setitem: () => {
    const a = ops.ones([3]);
    const e = a.expand(2, 3);
    ops.indexPut_(e, [0], 4);
    return { a, e };
  },
  chunk_write_no_grad: () => {
    const a = arange(6, [2, 3]);
    const xs = ops.chunk(a, 3, 1);
    xs[1].mul_(2);
    return { a };
  },
  detach_view_write: () => {
    const w = arange(3).requiresGrad_();
    const v = w.detach().index({ start: 1 });
    v.mul_(5);
    return { w, v };
  },
  no_grad_write_through: () => {
    const w = arange(6, [2, 3]).requiresGrad_();
    noGrad(() => {
      w.index(0).mul_(2);
      ops.indexPut_(w.t(), [2], 9);
    });
    return { w };
  },
  two_writes_two_views: () => {
    const w = arange(6, [2, 3]).requiresGrad_();
    const a = w.mul(1);
    a.index(0).add_(1);
    a.index(all, 2).mul_(2);
    return { w, a };
  },
  retain_grad_view: () => {
    const w = arange(6, [2, 3]).requiresGrad_();
    const a = w.mul(1);
    const v = a.index(0);
    v.retainGrad();
    v.mul_(3);
    const y = v.sum();
    return { w, a, v, y };
  },
  contiguous_clone_of_t: () => {
    const w = arange(6, [2, 3]).requiresGrad_();
    const c = ops.contiguous(w.t());
    c.mul_(2);
    return { w, c };
  },
  reshape_copy_is_not_a_view: () => {
    const w = arange(6, [2, 3]).requiresGrad_();
    const a = w.mul(1);
    const r = a.t().reshape(-1);
    r.mul_(0);
    return { w, a, r };
  },
  reshape_view_writes_base: () => {
    const w = arange(6, [2, 3]).requiresGrad_();
    const a = w.mul(1);
    const r = a.reshape(-1);
    ops.indexPut_(r, [0], 100);
    return { w, a, r };
  },
};

/** The fixture's failing programs. */
const ERRORS: Record<string, () => unknown> = {
  view_of_leaf: () => ops.ones([2, 3], { requiresGrad: true }).index(0).mul_(2),
  t_of_leaf: () => ops.ones([2, 3], { requiresGrad: true }).t().add_(1),
  chunk_inplace: () => ops.chunk(ops.ones([2, 3], { requiresGrad: true }).mul(1), 3, 1)[1].mul_(2),
  split_inplace: () => ops.split(ops.ones([2, 3], { requiresGrad: true }).mul(1), 2, 1)[1].mul_(2),
  unbind_inplace: () => ops.unbind(ops.ones([2, 3], { requiresGrad: true }).mul(1), 1)[2].mul_(2),
  view_of_chunk_inplace: () =>
    ops
      .split(ops.ones([2, 3], { requiresGrad: true }).mul(1), 2, 1)[1]
      .index(0)
      .mul_(2),
  chunk_after_base_write: () => {
    const a = ops.ones([2, 3], { requiresGrad: true }).mul(1);
    const xs = ops.chunk(a, 3, 1);
    a.mul_(2);
    return xs[0].gradFn;
  },
  no_grad_view_inplace: () => {
    const a = ops.ones([2, 3], { requiresGrad: true }).mul(1);
    noGrad(() => a.index(0)).mul_(2);
  },
  no_grad_view_of_leaf: () => {
    const w = ops.ones([2, 3], { requiresGrad: true });
    noGrad(() => w.index(0)).mul_(2);
  },
  no_grad_view_base_written: () => {
    const a = ops.ones([2, 3], { requiresGrad: true }).mul(1);
    const v = noGrad(() => a.index(0));
    a.mul_(2);
    return v.gradFn;
  },
  no_grad_view_tracked_value: () => {
    const a = ops.zeros([3]);
    const b = ops.ones([2], { requiresGrad: true });
    noGrad(() => a.index({ stop: 2 })).add_(b);
  },
  expand_add_: () => ops.ones([3]).expand(2, 3).add_(1),
  expand_mul_: () => ops.ones([3]).expand(2, 3).mul_(2),
  expand_copy_: () => ops.indexPut_(ops.ones([3]).expand(2, 3), [all], ops.ones([2, 3])),
  expand_uniform_: () => ops.uniform_(ops.ones([3]).expand(2, 3)),
  partial_overlap_t: () => {
    const a = ops.ones([3, 3]);
    a.add_(a.t());
  },
  partial_overlap_rows: () => {
    const a = ops.ones([3, 3]);
    a.index({ start: 0, stop: 2 }).mul_(a.index({ start: 1, stop: 3 }));
  },
  view_detach_: () => ops.ones([3], { requiresGrad: true }).mul(1).index({ start: 1 }).detach_(),
  saved_view_base_written: () => {
    const a = ops.ones([2, 3], { requiresGrad: true }).mul(1);
    const y = a.index(0).sin();
    a.mul_(2);
    y.sum().backward();
  },
  copyslices_second_backward: () => {
    const a = ops.zeros([3]);
    const b = ops.ones([2], { requiresGrad: true });
    a.index({ stop: 2 }).add_(b);
    const l = a.sum();
    l.backward();
    l.backward();
  },
};

describe("in-place writes through views vs PyTorch", () => {
  it("every fixture program has a TS version", () => {
    expect(fixture.programs.map((p) => p.name).filter((n) => !(n in PROGRAMS))).toEqual([]);
    expect(fixture.errors.map((p) => p.name).filter((n) => !(n in ERRORS))).toEqual([]);
  });

  for (const p of fixture.programs) {
    it(`${p.name}: ${p.code.replaceAll("\n", "; ")}`, () => {
      const env = PROGRAMS[p.name]();
      for (const [name, ref] of Object.entries(p.tensors)) {
        const t = env[name];
        expect(compareTensor(t, ref.value, GOLDEN_TOL), `${name} values`).toBeNull();
        expect(t.version, `${name}._version`).toBe(ref.version);
        expect(layoutOf(t), `${name} layout`).toEqual(ref.layout);
        // grad_fn first: reading it refreshes a view's grad_fn, as PyTorch's getter does
        expect(graphOf(t.gradFn), `${name}.grad_fn`).toEqual(to2x(ref.graph));
        expect(t.isLeaf, `${name}.is_leaf`).toBe(ref.is_leaf);
        expect(t.requiresGrad, `${name}.requires_grad`).toBe(ref.requires_grad);
      }
      if (!p.grads) return;
      const r = env[p.root!];
      r.backward(ops.onesLike(r));
      for (const [name, ref] of Object.entries(p.grads)) {
        const g = env[name].grad;
        if (ref === null) expect(g, `${name}.grad`).toBeNull();
        else expect(compareTensor(g!, ref, GOLDEN_TOL), `${name}.grad`).toBeNull();
      }
    });
  }

  for (const e of fixture.errors) {
    it(`refuses ${e.name}: ${e.code.replaceAll("\n", "; ")}`, () => {
      expectTorchError(() => ERRORS[e.name](), e.error[0], e.error[1]);
    });
  }
});

describe("events of writes through views", () => {
  it("the in-place event names the view's new grad_fn, whose next function is the base's CopySlices", () => {
    const events: EngineEvent[] = [];
    const stop = addListener((e) => events.push(e));
    try {
      const a = arange(6, [2, 3]).requiresGrad_().mul(1);
      const v = a.index(all, 1);
      v.mul_(2);
      const e = events.at(-1)!;
      expect(e.kind).toBe("inplace");
      if (e.kind !== "inplace") return;
      expect(e.tensor).toBe(v);
      expect(e.gradFn?.name).toBe("AsStridedBackward0");
      expect(e.gradFn?.nextFunctions[0][0]).toBe(a.gradFn);
      expect(a.gradFn?.name).toBe("CopySlices");
    } finally {
      stop();
    }
  });

  it("a[spec] = value through a view makes one event, on the tensor written", () => {
    const events: EngineEvent[] = [];
    const a = arange(6, [2, 3]).requiresGrad_().mul(1);
    const v = a.t();
    const stop = addListener((e) => events.push(e));
    try {
      ops.indexPut_(v, [0], 5);
    } finally {
      stop();
    }
    expect(events.map((e) => e.kind)).toEqual(["inplace"]);
    const e = events[0];
    if (e.kind === "inplace") {
      expect(e.tensor).toBe(v);
      expect(e.gradFn?.name).toBe("AsStridedBackward0");
      expect(e.gradFn?.nextFunctions[0][0]?.name).toBe("CopySlices");
    }
    expect(a.tolist()).toEqual([
      [5, 1, 2],
      [5, 4, 5],
    ]);
  });
});
