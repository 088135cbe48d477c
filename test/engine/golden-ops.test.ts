/**
 * Every case of ../shared/golden/ops.json (real PyTorch 1.13 numbers) through the TS API: output
 * values, dtype, shape, grad_fn name, and each input's grad after `out.backward(upstream)`.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Tensor } from "../../src/engine/tensor.ts";
import * as ops from "../../src/engine/ops/index.ts";
import {
  compareTensor,
  fromRef,
  GOLDEN_TOL,
  normalizeGradFnName,
  type RefTensor,
} from "../differential/compare.ts";

interface GoldenCase {
  op: string;
  expr: string;
  inputs: Record<string, RefTensor>;
  output: RefTensor;
  grad_fn: string | null;
  upstream: RefTensor;
  grads: Record<string, RefTensor | null>;
}

const GOLDEN_PATH = new URL("../../../shared/golden/ops.json", import.meta.url);
const golden = JSON.parse(readFileSync(GOLDEN_PATH, "utf8")) as { cases: GoldenCase[] };

type Inputs = Record<string, Tensor>;

/** The golden target of binary_cross_entropy: `b.detach().abs().clamp(0, 1)`. */
const probTarget = (b: Tensor) => b.detach().abs().clamp(0, 1);

/** Each golden op name → the TS call equivalent to its Python `expr`. */
const CALLS: Record<string, (x: Inputs) => Tensor> = {
  neg: ({ a }) => a.neg(),
  abs: ({ a }) => a.abs(),
  sqrt: ({ a }) => a.sqrt(),
  exp: ({ a }) => a.exp(),
  log: ({ a }) => a.log(),
  sin: ({ a }) => a.sin(),
  cos: ({ a }) => a.cos(),
  tan: ({ a }) => a.tan(),
  tanh: ({ a }) => a.tanh(),
  sigmoid: ({ a }) => a.sigmoid(),
  relu: ({ a }) => a.relu(),
  reciprocal: ({ a }) => a.reciprocal(),
  clamp: ({ a }) => a.clamp(-0.5, 0.7),
  clamp_min: ({ a }) => a.clamp(0.1),
  pow2: ({ a }) => a.pow(2),
  pow3: ({ a }) => a.pow(3),
  pow_half: ({ a }) => a.pow(0.5),
  pow_neg: ({ a }) => a.pow(-1.5),
  rpow: ({ a }) => ops.rpow(a, 2.0),
  pow_tt: ({ a, b }) => ops.pow(a, b),
  add: ({ a, b }) => a.add(b),
  sub: ({ a, b }) => a.sub(b),
  mul: ({ a, b }) => a.mul(b),
  div: ({ a, b }) => a.div(b),
  add_scalar: ({ a }) => a.add(2.5),
  radd_scalar: ({ a }) => ops.add(2.5, a),
  mul_scalar: ({ a }) => a.mul(3.0),
  rmul_scalar: ({ a }) => ops.mul(3.0, a),
  sub_scalar: ({ a }) => a.sub(1.5),
  rsub_scalar: ({ a }) => ops.rsub(a, 1),
  div_scalar: ({ a }) => a.div(4.0),
  rdiv_scalar: ({ a }) => ops.rdiv(a, 1.0),
  maximum: ({ a, b }) => ops.maximum(a, b),
  minimum: ({ a, b }) => ops.minimum(a, b),
  sum: ({ a }) => a.sum(),
  mean: ({ a }) => a.mean(),
  sum_dim0: ({ a }) => a.sum(0),
  sum_dim1_keep: ({ a }) => a.sum(1, true),
  mean_dim1: ({ a }) => a.mean(1),
  mean_dim0_keep: ({ a }) => a.mean(0, true),
  max_all: ({ a }) => a.max(),
  matmul_mv: ({ a, b }) => ops.matmul(a, b),
  matmul_vm: ({ a, b }) => ops.matmul(b, a),
  matmul_mm: ({ a, b }) => a.matmul(b),
  mm: ({ a, b }) => ops.mm(a, b),
  dot: ({ a, b }) => ops.dot(a, b),
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
  softmax: ({ a }) => a.softmax(-1),
  log_softmax: ({ a }) => a.logSoftmax(-1),
  logsumexp: ({ a }) => a.logsumexp(1),
  mse_loss: ({ a, b }) => ops.mseLoss(a, b),
  bce: ({ a, b }) => ops.binaryCrossEntropy(ops.sigmoid(a), probTarget(b)),
  bce_logits: ({ a, b }) => ops.binaryCrossEntropyWithLogits(a, probTarget(b)),
  cross_entropy: ({ a }) => ops.crossEntropy(a, new Tensor(Float64Array.from([2, 0]), [2], "int64")),
  leaky_relu: ({ a }) => ops.leakyRelu(a, 0.1),
  gelu: ({ a }) => ops.gelu(a),
  softplus: ({ a }) => ops.softplus(a),
  linear: ({ a, b }) => ops.linear(a, b),
};

describe("golden ops (../shared/golden/ops.json, PyTorch 1.13)", () => {
  it("has a TS call for every golden op", () => {
    const missing = [...new Set(golden.cases.map((c) => c.op))].filter((op) => !(op in CALLS));
    expect(missing).toEqual([]);
    expect(golden.cases.length).toBe(213);
  });

  golden.cases.forEach((c, i) => {
    it(`${c.op} #${i}: ${c.expr}`, () => {
      const inputs: Inputs = {};
      for (const [name, ref] of Object.entries(c.inputs)) inputs[name] = fromRef(ref, true);
      const out = CALLS[c.op](inputs);

      expect(compareTensor(out, c.output, GOLDEN_TOL), "output").toBeNull();
      expect(normalizeGradFnName(out.gradFn?.name), "grad_fn").toBe(normalizeGradFnName(c.grad_fn));

      out.backward(fromRef(c.upstream));
      for (const [name, ref] of Object.entries(c.grads)) {
        const grad = inputs[name].grad;
        if (ref === null) expect(grad, `${name}.grad`).toBeNull();
        else expect(compareTensor(grad, ref, GOLDEN_TOL), `${name}.grad`).toBeNull();
      }
    });
  });
});
