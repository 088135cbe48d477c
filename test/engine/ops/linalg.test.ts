/**
 * Matrix products against real PyTorch (test/fixtures/linalg.json from gen_linalg.py, PyTorch 1.13;
 * 2.x graphs and texts where they differ, from 2.x's source, are in the fixture too) and against the
 * linalg cases of ../shared/golden/ops.json.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as ops from "../../../src/engine/ops/index.ts";
import { matmulKernel, viewStrides } from "../../../src/engine/ops/linalg.ts";
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
  output: RefTensor;
  graph: Graph;
  graph_2x?: Graph;
  upstream?: RefTensor;
  grads?: Record<string, RefTensor | null>;
}
interface ErrorCase {
  name: string;
  expr: string;
  inputs: Record<string, RefInput>;
  type: string;
  message: string;
  message_2x?: string;
}
interface Script {
  name: string;
  type: string;
  message: string;
}

const fixture = JSON.parse(readFileSync(new URL("../../fixtures/linalg.json", import.meta.url), "utf8")) as {
  cases: Case[];
  errors: ErrorCase[];
  scripts: Script[];
};

type Inputs = Record<string, Tensor>;

/** Each fixture case → the TS call equivalent to its Python `expr`. */
const CALLS: Record<string, (x: Inputs) => Tensor> = {
  dot: ({ a, b }) => ops.dot(a, b),
  dot_one_grad: ({ a, b }) => a.dot(b),
  mv: ({ a, b }) => ops.mv(a, b),
  mm: ({ a, b }) => ops.mm(a, b),
  mm_tails: ({ a, b }) => a.matmul(b),
  mm_larger: ({ a, b }) => a.matmul(b),
  mm_64: ({ a, b }) => a.matmul(b),
  mm_k0: ({ a, b }) => a.matmul(b),
  matmul_dot: ({ a, b }) => ops.matmul(a, b),
  matmul_mv: ({ a, b }) => ops.matmul(a, b),
  matmul_vm: ({ a, b }) => ops.matmul(a, b),
  matmul_vm_only_vec_grad: ({ a, b }) => ops.matmul(a, b),
  matmul_mm: ({ a, b }) => ops.matmul(a, b),
  matmul_3d_2d: ({ a, b }) => ops.matmul(a, b),
  matmul_3d_2d_nograd_b: ({ a, b }) => ops.matmul(a, b),
  matmul_3d_1d: ({ a, b }) => ops.matmul(a, b),
  matmul_4d_2d: ({ a, b }) => ops.matmul(a, b),
  matmul_2d_3d: ({ a, b }) => ops.matmul(a, b),
  matmul_1d_3d: ({ a, b }) => ops.matmul(a, b),
  matmul_2d_3d_nograd_a: ({ a, b }) => ops.matmul(a, b),
  matmul_1d_3d_nograd_a: ({ a, b }) => ops.matmul(a, b),
  matmul_3d_3d: ({ a, b }) => ops.matmul(a, b),
  matmul_broadcast_batch: ({ a, b }) => ops.matmul(a, b),
  matmul_3d_3d_batch1_nograd: ({ a, b }) => ops.matmul(a, b),
  matmul_3d_3d_batch1: ({ a, b }) => ops.matmul(a, b),
  matmul_3d_1d_nograd_b: ({ a, b }) => ops.matmul(a, b),
  bmm: ({ a, b }) => ops.bmm(a, b),
  outer: ({ a, b }) => ops.outer(a, b),
  mm_int: ({ a, b }) => ops.matmul(a, b),
  mv_int: ({ a, b }) => ops.matmul(a, b),
  dot_int: ({ a, b }) => ops.matmul(a, b),
  matmul_int_batched: ({ a, b }) => ops.matmul(a, b),
};

const ERROR_CALLS: Record<string, (x: Inputs) => unknown> = {
  matmul_0d: ({ a, b }) => ops.matmul(a, b),
  matmul_0d_right: ({ a, b }) => ops.matmul(a, b),
  dot_size: ({ a, b }) => ops.dot(a, b),
  matmul_dot_size: ({ a, b }) => ops.matmul(a, b),
  dot_2d: ({ a, b }) => ops.dot(a, b),
  dot_dtype: ({ a, b }) => ops.dot(a, b),
  dot_bool: ({ a, b }) => ops.dot(a, b),
  mv_size: ({ a, b }) => ops.mv(a, b),
  matmul_mv_size: ({ a, b }) => ops.matmul(a, b),
  mv_vec_vec: ({ a, b }) => ops.mv(a, b),
  mv_mat_mat: ({ a, b }) => ops.mv(a, b),
  mv_0d: ({ a, b }) => ops.mv(a, b),
  mv_dtype: ({ a, b }) => ops.mv(a, b),
  mm_shapes: ({ a, b }) => ops.mm(a, b),
  matmul_mm_shapes: ({ a, b }) => ops.matmul(a, b),
  mm_self_1d: ({ a, b }) => ops.mm(a, b),
  mm_mat2_1d: ({ a, b }) => ops.mm(a, b),
  mm_dtype: ({ a, b }) => ops.mm(a, b),
  matmul_vm_shapes: ({ a, b }) => ops.matmul(a, b),
  matmul_vm_shapes2: ({ a, b }) => ops.matmul(a, b),
  matmul_3d_2d_shapes: ({ a, b }) => ops.matmul(a, b),
  matmul_2d_3d_shapes: ({ a, b }) => ops.matmul(a, b),
  matmul_3d_1d_shapes: ({ a, b }) => ops.matmul(a, b),
  matmul_batch_broadcast: ({ a, b }) => ops.matmul(a, b),
  matmul_bmm_inner: ({ a, b }) => ops.matmul(a, b),
  bmm_2d: ({ a, b }) => ops.bmm(a, b),
  bmm_sizes: ({ a, b }) => ops.bmm(a, b),
  bmm_batch: ({ a, b }) => ops.bmm(a, b),
  bmm_dtype: ({ a, b }) => ops.bmm(a, b),
  outer_2d: ({ a, b }) => ops.outer(a, b),
  outer_2d_vec2: ({ a, b }) => ops.outer(a, b),
};

function inputsOf(refs: Record<string, RefInput>): Inputs {
  const out: Inputs = {};
  for (const [k, ref] of Object.entries(refs)) out[k] = fromRef(ref, ref.requires_grad);
  return out;
}

describe("linalg vs PyTorch (test/fixtures/linalg.json)", () => {
  it("has a TS call for every fixture case", () => {
    expect(fixture.cases.map((c) => c.name).filter((n) => !(n in CALLS))).toEqual([]);
    expect(fixture.errors.map((c) => c.name).filter((n) => !(n in ERROR_CALLS))).toEqual([]);
  });

  for (const c of fixture.cases) {
    it(`${c.name}: ${c.expr}`, () => {
      const inputs = inputsOf(c.inputs);
      const out = CALLS[c.name](inputs);
      expect(compareTensor(out, c.output, GOLDEN_TOL), "output").toBeNull();
      expect(graphOf(out.gradFn), "grad_fn graph").toEqual(c.graph_2x ?? to2x(c.graph));
      if (!c.upstream) return;
      out.backward(fromRef(c.upstream));
      for (const [name, ref] of Object.entries(c.grads!)) {
        const grad = inputs[name].grad;
        if (ref === null) expect(grad, `${name}.grad`).toBeNull();
        else expect(compareTensor(grad, ref, GOLDEN_TOL), `${name}.grad`).toBeNull();
      }
    });
  }

  for (const e of fixture.errors) {
    it(`error ${e.name}: ${e.expr}`, () => {
      expectTorchError(() => ERROR_CALLS[e.name](inputsOf(e.inputs)), e.type, e.message_2x ?? e.message);
    });
  }

  const script = (name: string) => fixture.scripts.find((s) => s.name === name)!;

  it("mm saves its operands: modifying one in place breaks backward", () => {
    const w = new Tensor(new Float32Array(6).fill(1), [2, 3], "float32").requiresGrad_();
    const b = new Tensor(new Float32Array(6).fill(1), [3, 2], "float32").requiresGrad_();
    const a = w.mul(2);
    const out = ops.mm(a, b);
    a.add_(1);
    const s = script("mm_saved_modified");
    expectTorchError(
      () => out.backward(new Tensor(new Float32Array(4).fill(1), [2, 2], "float32")),
      s.type,
      s.message,
    );
  });

  it("mm frees its saved operands after backward: a second backward fails", () => {
    const a = new Tensor(new Float32Array(6).fill(1), [2, 3], "float32").requiresGrad_();
    const b = new Tensor(new Float32Array(6).fill(1), [3, 2], "float32").requiresGrad_();
    const out = ops.mm(a, b);
    const up = new Tensor(new Float32Array(4).fill(1), [2, 2], "float32");
    out.backward(up);
    const s = script("mm_second_backward");
    expectTorchError(() => out.backward(up), s.type, s.message);
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
  matmul_mv: ({ a, b }) => ops.matmul(a, b),
  matmul_vm: ({ a, b }) => ops.matmul(b, a),
  matmul_mm: ({ a, b }) => a.matmul(b),
  mm: ({ a, b }) => ops.mm(a, b),
  dot: ({ a, b }) => ops.dot(a, b),
};

describe("linalg vs ../shared/golden/ops.json", () => {
  const cases = golden.cases.filter((c) => c.op in GOLDEN_CALLS);
  it("covers the golden linalg ops", () => {
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

  it("a vector-matrix product is unsqueeze, mm and the in-place squeeze_ (SqueezeBackward4 in 2.x)", () => {
    const c = golden.cases.find((x) => x.op === "matmul_vm")!;
    const out = ops.matmul(fromRef(c.inputs.b, true), fromRef(c.inputs.a, true));
    expect(graphOf(out.gradFn)).toEqual([
      "SqueezeBackward4",
      ["MmBackward0", ["UnsqueezeBackward0", ["AccumulateGrad"]], ["AccumulateGrad"]],
    ]);
  });
});

describe("matmulKernel", () => {
  /** One dot product at a time, float32 products added in k order: reference BLAS's sgemm loop (test/engine/sumorder.test.ts checks that order against PyTorch). */
  function reference(a: Float32Array, b: Float32Array, m: number, k: number, n: number): Float32Array {
    const out = new Float32Array(m * n);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s = Math.fround(s + Math.fround(a[i * k + p] * b[p * n + j]));
        out[i * n + j] = s;
      }
    }
    return out;
  }
  const filled = (n: number, seed: number) =>
    Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 7.1 + i * 1.3));

  it.each([
    [1, 1, 1],
    [3, 5, 2],
    [4, 4, 4],
    [5, 7, 9],
    [8, 3, 13],
    [17, 1, 6],
  ])("%i×%i @ %i×… with every tail size", (m, k, n) => {
    const a = filled(m * k, 1);
    const b = filled(k * n, 2);
    expect(Array.from(matmulKernel(a, b, m, k, n))).toEqual(Array.from(reference(a, b, m, k, n)));
  });

  it("takes B transposed", () => {
    const [m, k, n] = [6, 5, 7];
    const a = filled(m * k, 3);
    const b = filled(k * n, 4);
    const bT = new Float32Array(n * k);
    for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) bT[j * k + p] = b[p * n + j];
    expect(Array.from(matmulKernel(a, bT, m, k, n, true))).toEqual(Array.from(reference(a, b, m, k, n)));
  });

  it("gives zeros for an empty inner dimension and nothing for empty outer ones", () => {
    expect(Array.from(matmulKernel(new Float32Array(0), new Float32Array(0), 2, 0, 3))).toEqual([
      0, 0, 0, 0, 0, 0,
    ]);
    expect(matmulKernel(new Float32Array(0), new Float32Array(6), 0, 2, 3).length).toBe(0);
  });
});

describe("viewStrides (ATen's computeStride)", () => {
  it("views a contiguous tensor as any shape", () => {
    expect(viewStrides([2, 3, 4], [12, 4, 1], [6, 4])).toEqual([4, 1]);
  });
  it("cannot merge the dims of a transposed batch without a copy", () => {
    expect(viewStrides([2, 5, 4], [20, 1, 5], [10, 4])).toBeNull();
    expect(viewStrides([2, 1, 4], [4, 1, 1], [2, 4])).toEqual([4, 1]);
  });
  it("merges broadcast (stride 0) dims", () => {
    expect(viewStrides([2, 3, 4], [0, 0, 1], [6, 4])).toEqual([0, 1]);
    expect(viewStrides([2, 3, 4], [0, 4, 1], [6, 4])).toBeNull();
  });
});
