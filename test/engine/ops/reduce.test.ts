/**
 * The reductions of src/engine/ops/reduce.ts against real PyTorch: test/fixtures/reduce.json
 * (made by gen_reduce.py with PyTorch 1.13) and the reduction cases of ../shared/golden/ops.json.
 * Each case checks values, dtype, shape, grad_fn name, the indices of max/min along a dim, the
 * input's grad after `out.backward(upstream)`, or PyTorch's exception type and text.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { DType } from "../../../src/engine/dtype.ts";
import { runBackward } from "../../../src/engine/autograd.ts";
import { TorchError } from "../../../src/engine/errors.ts";
import { Tensor } from "../../../src/engine/tensor.ts";
import * as R from "../../../src/engine/ops/reduce.ts";
import { compareTensor, fromRef, GOLDEN_TOL, type RefTensor } from "../../differential/compare.ts";

interface Spec {
  fn: string;
  dim?: number | number[];
  keepdim?: boolean;
  dtype?: DType;
  correction?: number;
  unbiased?: boolean;
  p?: number | string;
}

interface Case {
  name: string;
  call: Spec;
  input: RefTensor;
  error?: { type: string; message: string };
  output?: RefTensor;
  indices?: RefTensor;
  grad_fn?: string | null;
  upstream?: RefTensor;
  grad?: RefTensor | null;
  grad_error?: { type: string; message: string };
}

const fixture = JSON.parse(readFileSync(new URL("../../fixtures/reduce.json", import.meta.url), "utf8")) as {
  cases: Case[];
};

type Result = Tensor | { values: Tensor; indices: Tensor };

/** The engine call equivalent to the fixture's PyTorch call (see gen_reduce.py's `call`). */
function run(s: Spec, a: Tensor): Result {
  const keepdim = s.keepdim ?? false;
  const dim = s.dim;
  const one = dim as number;
  const varOpts =
    s.unbiased !== undefined
      ? { unbiased: s.unbiased }
      : s.correction !== undefined
        ? { correction: s.correction }
        : undefined;
  switch (s.fn) {
    case "sum":
      return R.sum(a, dim, keepdim, s.dtype);
    case "mean":
      return R.mean(a, dim, keepdim);
    case "max":
      return R.max(a);
    case "min":
      return R.min(a);
    case "maxDim":
      return R.maxDim(a, one, keepdim);
    case "minDim":
      return R.minDim(a, one, keepdim);
    case "argmax":
      return R.argmax(a, one, keepdim);
    case "argmin":
      return R.argmin(a, one, keepdim);
    case "amax":
      return R.amax(a, dim, keepdim);
    case "amin":
      return R.amin(a, dim, keepdim);
    case "prod":
      return R.prod(a, one, keepdim, s.dtype);
    case "var":
      return R.var(a, dim, varOpts, keepdim);
    case "std":
      return R.std(a, dim, varOpts, keepdim);
    case "norm": {
      const p = s.p === "inf" ? Infinity : s.p === "-inf" ? -Infinity : (s.p as number | undefined);
      return R.norm(a, p, dim, keepdim);
    }
    case "all":
      return R.all(a, dim, keepdim);
    case "any":
      return R.any(a, dim, keepdim);
    case "logsumexp":
      return R.logsumexp(a, dim!, keepdim);
    case "softmax":
      return R.softmax(a, one);
    case "logSoftmax":
      return R.logSoftmax(a, one);
  }
  throw new Error(`no engine call for ${s.fn}`);
}

/** d(sum(out * upstream))/d(a), as torch.autograd.grad computes it (null when no grad reaches a). */
function gradOf(out: Tensor, upstream: Tensor, a: Tensor, retainGraph = false): Tensor | null {
  return runBackward([out], [upstream], { inputs: [a], retainGraph })!.get(a) ?? null;
}

function thrown(fn: () => unknown): TorchError {
  try {
    fn();
  } catch (e) {
    if (e instanceof TorchError) return e;
    throw e;
  }
  throw new Error("expected a TorchError, nothing was thrown");
}

/**
 * Where PyTorch 2.x's var_backward differs from 1.13's (gradlens follows 2.x): over all dims with
 * dof <= 0, 2.x returns grad * (x == mean ? nan : inf) (torch/csrc/autograd/FunctionsManual.cpp),
 * where 1.13 returned 2/0 * grad * 0 for a 0-dim input, and a wrongly shaped grad (an error) for a
 * one-element vector. Here x == mean always, so every grad is nan.
 */
const TORCH2_GRADS: Record<string, number[]> = {
  "var 0-dim dim 0": [NaN],
  "var one element": [NaN],
  "std one element": [NaN],
};

describe("reductions against PyTorch (test/fixtures/reduce.json)", () => {
  it("covers every reduction", () => {
    const fns = new Set(fixture.cases.map((c) => c.call.fn));
    expect([...fns].sort()).toEqual(
      [
        "all",
        "amax",
        "amin",
        "any",
        "argmax",
        "argmin",
        "logSoftmax",
        "logsumexp",
        "max",
        "maxDim",
        "mean",
        "min",
        "minDim",
        "norm",
        "prod",
        "softmax",
        "std",
        "sum",
        "var",
      ].sort(),
    );
  });

  for (const c of fixture.cases) {
    it(c.name, () => {
      const a = fromRef(c.input, c.input.dtype === "float32");
      if (c.error) {
        const e = thrown(() => run(c.call, a));
        expect(e.pyType).toBe(c.error.type);
        expect(e.message).toBe(c.error.message);
        return;
      }
      const result = run(c.call, a);
      const out = result instanceof Tensor ? result : result.values;
      expect(compareTensor(out, c.output!, GOLDEN_TOL), "output").toBeNull();
      if (c.indices) {
        expect(result).not.toBeInstanceOf(Tensor);
        expect(
          compareTensor((result as { indices: Tensor }).indices, c.indices, GOLDEN_TOL),
          "indices",
        ).toBeNull();
      }
      expect(out.gradFn?.name ?? null, "grad_fn").toBe(c.grad_fn);
      if (!c.upstream) return;

      const grad = gradOf(out, fromRef(c.upstream), a);
      const expected = TORCH2_GRADS[c.name];
      if (expected) {
        expect(Array.from(grad!.values)).toEqual(expected);
      } else if (c.grad === null) {
        expect(grad, "grad").toBeNull();
      } else {
        expect(c.grad_error, "PyTorch 1.13 failed here; list the 2.x value in TORCH2_GRADS").toBeUndefined();
        expect(compareTensor(grad, c.grad!, GOLDEN_TOL), "grad").toBeNull();
      }
    });
  }
});

interface GoldenCase {
  op: string;
  inputs: { a: RefTensor };
  output: RefTensor;
  grad_fn: string;
  upstream: RefTensor;
  grads: { a: RefTensor };
}

const golden = JSON.parse(
  readFileSync(new URL("../../../../shared/golden/ops.json", import.meta.url), "utf8"),
) as { cases: GoldenCase[] };

/** The golden ops this file owns, as Tensor methods. */
const GOLDEN_CALLS: Record<string, (a: Tensor) => Tensor> = {
  sum: (a) => a.sum(),
  mean: (a) => a.mean(),
  sum_dim0: (a) => a.sum(0),
  sum_dim1_keep: (a) => a.sum(1, true),
  mean_dim1: (a) => a.mean(1),
  mean_dim0_keep: (a) => a.mean(0, true),
  max_all: (a) => a.max(),
  softmax: (a) => a.softmax(-1),
  log_softmax: (a) => a.logSoftmax(-1),
  logsumexp: (a) => a.logsumexp(1),
};

describe("reductions against ../shared/golden/ops.json", () => {
  const cases = golden.cases.filter((c) => c.op in GOLDEN_CALLS);
  it("finds 30 golden reduction cases", () => expect(cases.length).toBe(30));
  cases.forEach((c, i) => {
    it(`${c.op} #${i}`, () => {
      const a = fromRef(c.inputs.a, true);
      const out = GOLDEN_CALLS[c.op](a);
      expect(compareTensor(out, c.output, GOLDEN_TOL), "output").toBeNull();
      expect(out.gradFn?.name).toBe(c.grad_fn);
      expect(compareTensor(gradOf(out, fromRef(c.upstream), a), c.grads.a, GOLDEN_TOL), "grad").toBeNull();
    });
  });
});

describe("reduction autograd details", () => {
  const leaf = (data: number[], shape: number[]) =>
    new Tensor(Float32Array.from(data), shape, "float32").requiresGrad_(true);

  it("a second backward through a node that saves nothing works, as in PyTorch (SumBackward0)", () => {
    const a = leaf([1, 2, 3], [3]);
    const s = R.sum(a);
    const one = new Tensor(Float32Array.of(1), [], "float32");
    gradOf(s, one, a);
    expect(Array.from(gradOf(s, one, a)!.values)).toEqual([1, 1, 1]);
  });

  it("a second backward through max(dim) fails: MaxBackward0 saves its indices", () => {
    const a = leaf([1, 5, 2, 0], [2, 2]);
    const { values } = R.maxDim(a, 1);
    const up = new Tensor(Float32Array.of(1, 1), [2], "float32");
    expect(Array.from(gradOf(values, up, a)!.values)).toEqual([0, 1, 1, 0]);
    const e = thrown(() => gradOf(values, up, a));
    expect(e.message).toMatch(/^Trying to backward through the graph a second time/);
  });

  it("softmax saves its result: modifying it in place breaks backward", () => {
    const a = leaf([1, 2, 3], [3]);
    const y = R.softmax(a, 0);
    const z = y.mul(1);
    y.detach().zero_();
    const e = thrown(() => gradOf(z, new Tensor(Float32Array.of(1, 1, 1), [3], "float32"), a));
    expect(e.message).toMatch(/modified by an inplace operation/);
  });

  it("an integer sum of a float tensor that requires grad carries no grad_fn", () => {
    const a = leaf([1.5, 2.7], [2]);
    const s = R.sum(a, null, false, "int64");
    expect(s.dtype).toBe("int64");
    expect(s.item()).toBe(3);
    expect(s.gradFn).toBeNull();
  });

  it("norm p=0 sends no grad (PyTorch leaves .grad None)", () => {
    const a = leaf([0, 2, -1], [3]);
    expect(gradOf(R.norm(a, 0), new Tensor(Float32Array.of(1), [], "float32"), a)).toBeNull();
  });

  it("norm accepts 'fro' as 2 and refuses the nuclear norm", () => {
    const a = leaf([3, 4], [2]);
    expect(R.norm(a, "fro").item()).toBe(5);
    expect(thrown(() => R.norm(a, "nuc")).pyType).toBe("NotImplementedError");
  });

  it("var takes unbiased as a boolean and refuses both unbiased and correction", () => {
    const a = leaf([1, 2, 4], [3]);
    expect(R.var(a, null, false).item()).toBeCloseTo(14 / 9, 6);
    expect(thrown(() => R.variance(a, null, { unbiased: true, correction: 1 })).pyType).toBe("TypeError");
  });
});
