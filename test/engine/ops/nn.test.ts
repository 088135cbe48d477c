/**
 * torch.nn.functional against PyTorch 1.13 (test/fixtures/nn.json from gen_nn.py): output, dtype,
 * shape, grad_fn, the graph of grad_fn names below it, warnings, and each input's grad for the
 * recorded upstream, within the acceptance tolerance; errors by type and text. Also the golden
 * cases of ../shared/golden/ops.json for these ops.
 */
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { Tensor } from "../../../src/engine/tensor.ts";
import * as ops from "../../../src/engine/ops/index.ts";
import type { Node } from "../../../src/engine/autograd.ts";
import { addListener, type EngineEvent } from "../../../src/engine/events.ts";
import { TorchError } from "../../../src/engine/errors.ts";
import {
  compareTensor,
  fromRef,
  GOLDEN_TOL,
  normalizeGradFnName,
  type RefTensor,
} from "../../differential/compare.ts";

type Graph = [string, (Graph | null)[]] | null;

interface Case {
  name: string;
  expr: string;
  seed?: number;
  inputs: Record<string, RefTensor & { requires_grad: boolean }>;
  error?: { type: string; message: string };
  warnings?: string[];
  output?: RefTensor;
  grad_fn?: string | null;
  graph?: Graph;
  upstream?: RefTensor;
  grads?: Record<string, RefTensor | null>;
  backward_error?: string;
}

const fixture = JSON.parse(readFileSync(new URL("../../fixtures/nn.json", import.meta.url), "utf8")) as {
  cases: Case[];
};

type In = Record<string, Tensor>;

/** The TS call for each fixture case, named as in gen_nn.py. */
const CALLS: Record<string, (x: In) => Tensor> = {
  mse_mean: ({ a, b }) => ops.mseLoss(a, b),
  mse_sum: ({ a, b }) => ops.mseLoss(a, b, "sum"),
  mse_none: ({ a, b }) => ops.mseLoss(a, b, "none"),
  mse_broadcast: ({ a, b }) => ops.mseLoss(a, b),
  mse_broadcast_target: ({ a, b }) => ops.mseLoss(a, b),
  mse_int_target: ({ a, b }) => ops.mseLoss(a, b),
  mse_long: ({ a, b }) => ops.mseLoss(a, b),
  mse_bad_reduction: ({ a, b }) => ops.mseLoss(a, b, "bad" as ops.Reduction),
  mse_int_int: ({ a, b }) => ops.mseLoss(a, b),
  mse_broadcast_error: ({ a, b }) => ops.mseLoss(a, b),
  l1_mean: ({ a, b }) => ops.l1Loss(a, b),
  l1_sum: ({ a, b }) => ops.l1Loss(a, b, "sum"),
  l1_none: ({ a, b }) => ops.l1Loss(a, b, "none"),
  l1_broadcast: ({ a, b }) => ops.l1Loss(a, b),
  bce_mean: ({ p, y }) => ops.binaryCrossEntropy(p, y),
  bce_sum: ({ p, y }) => ops.binaryCrossEntropy(p, y, null, "sum"),
  bce_none: ({ p, y }) => ops.binaryCrossEntropy(p, y, null, "none"),
  bce_weight: ({ p, y, w }) => ops.binaryCrossEntropy(p, y, w),
  bce_weight_broadcast: ({ p, y, w }) => ops.binaryCrossEntropy(p, y, w, "none"),
  bce_target_grad: ({ p, y }) => ops.binaryCrossEntropy(p, y),
  bce_clamp: ({ p, y }) => ops.binaryCrossEntropy(p, y, null, "none"),
  bce_hard_labels: ({ p, y }) => ops.binaryCrossEntropy(p, y),
  bce_input_range: ({ p, y }) => ops.binaryCrossEntropy(p, y),
  bce_input_negative: ({ p, y }) => ops.binaryCrossEntropy(p, y),
  bce_input_nan: ({ p, y }) => ops.binaryCrossEntropy(p, y),
  bce_size_mismatch: ({ p, y }) => ops.binaryCrossEntropy(p, y),
  bcel_mean: ({ a, y }) => ops.binaryCrossEntropyWithLogits(a, y),
  bcel_sum: ({ a, y }) => ops.binaryCrossEntropyWithLogits(a, y, null, null, "sum"),
  bcel_none: ({ a, y }) => ops.binaryCrossEntropyWithLogits(a, y, null, null, "none"),
  bcel_extreme: ({ a, y }) => ops.binaryCrossEntropyWithLogits(a, y, null, null, "none"),
  bcel_weight: ({ a, y, w }) => ops.binaryCrossEntropyWithLogits(a, y, w),
  bcel_pos_weight: ({ a, y, pw }) => ops.binaryCrossEntropyWithLogits(a, y, null, pw),
  bcel_both_weights: ({ a, y, w, pw }) => ops.binaryCrossEntropyWithLogits(a, y, w, pw, "sum"),
  bcel_target_grad: ({ a, y }) => ops.binaryCrossEntropyWithLogits(a, y),
  bcel_target_grad_pos_weight: ({ a, y, pw }) => ops.binaryCrossEntropyWithLogits(a, y, null, pw),
  bcel_size_mismatch: ({ a, y }) => ops.binaryCrossEntropyWithLogits(a, y),
  nll_2d: ({ a, t }) => ops.nllLoss(a, t),
  nll_1d: ({ a, t }) => ops.nllLoss(a, t),
  nll_1d_sum: ({ a, t }) => ops.nllLoss(a, t, "sum"),
  nll_none: ({ a, t }) => ops.nllLoss(a, t, "none"),
  nll_weight: ({ a, t, w }) => ops.nllLoss(a, t, { weight: w }),
  nll_weight_none: ({ a, t, w }) => ops.nllLoss(a, t, { weight: w, reduction: "none" }),
  nll_ignore: ({ a, t }) => ops.nllLoss(a, t, { ignoreIndex: 1 }),
  nll_long_batch: ({ a, t, w }) => ops.nllLoss(a, t, { weight: w }),
  nll_out_of_bounds: ({ a, t }) => ops.nllLoss(a, t),
  nll_negative_target: ({ a, t }) => ops.nllLoss(a, t),
  nll_batch_mismatch: ({ a, t }) => ops.nllLoss(a, t),
  nll_float_target: ({ a, t }) => ops.nllLoss(a, t),
  nll_1d_size_mismatch: ({ a, t }) => ops.nllLoss(a, t),
  nll_weight_size: ({ a, t, w }) => ops.nllLoss(a, t, { weight: w }),
  nll_0d_input: ({ a, t }) => ops.nllLoss(a, t),
  ce_mean: ({ a, t }) => ops.crossEntropy(a, t),
  ce_sum: ({ a, t }) => ops.crossEntropy(a, t, "sum"),
  ce_none: ({ a, t }) => ops.crossEntropy(a, t, "none"),
  ce_1d: ({ a, t }) => ops.crossEntropy(a, t),
  ce_ignore: ({ a, t }) => ops.crossEntropy(a, t),
  ce_all_ignored: ({ a, t }) => ops.crossEntropy(a, t),
  ce_weight: ({ a, t, w }) => ops.crossEntropy(a, t, { weight: w }),
  ce_large_logits: ({ a, t }) => ops.crossEntropy(a, t),
  ce_long_batch: ({ a, t }) => ops.crossEntropy(a, t),
  ce_probs: ({ a, p }) => ops.crossEntropy(a, p),
  ce_probs_sum: ({ a, p }) => ops.crossEntropy(a, p, "sum"),
  ce_probs_none: ({ a, p }) => ops.crossEntropy(a, p, "none"),
  ce_probs_1d: ({ a, p }) => ops.crossEntropy(a, p),
  ce_probs_weight: ({ a, p, w }) => ops.crossEntropy(a, p, { weight: w }),
  ce_probs_smoothing: ({ a, p }) => ops.crossEntropy(a, p, { labelSmoothing: 0.2 }),
  ce_smoothing: ({ a, t }) => ops.crossEntropy(a, t, { labelSmoothing: 0.1 }),
  ce_smoothing_sum: ({ a, t }) => ops.crossEntropy(a, t, { labelSmoothing: 0.3, reduction: "sum" }),
  ce_smoothing_none: ({ a, t }) => ops.crossEntropy(a, t, { labelSmoothing: 0.3, reduction: "none" }),
  ce_smoothing_ignore: ({ a, t }) => ops.crossEntropy(a, t, { labelSmoothing: 0.1 }),
  ce_smoothing_weight: ({ a, t, w }) => ops.crossEntropy(a, t, { weight: w, labelSmoothing: 0.1 }),
  ce_out_of_bounds: ({ a, t }) => ops.crossEntropy(a, t),
  ce_batch_mismatch: ({ a, t }) => ops.crossEntropy(a, t),
  ce_float_target_shape: ({ a, t }) => ops.crossEntropy(a, t),
  ce_smoothing_too_big: ({ a, t }) => ops.crossEntropy(a, t, { labelSmoothing: 1.5 }),
  ce_weight_size: ({ a, t, w }) => ops.crossEntropy(a, t, { weight: w }),
  ce_bad_reduction: ({ a, t }) => ops.crossEntropy(a, t, "avg" as ops.Reduction),
  leaky_relu_default: ({ a }) => ops.leakyRelu(a),
  leaky_relu_slope: ({ a }) => ops.leakyRelu(a, 0.2),
  leaky_relu_negative_slope: ({ a }) => ops.leakyRelu(a, -0.5),
  leaky_relu_nan: ({ a }) => ops.leakyRelu(a, 0.1),
  leaky_relu_int: ({ a }) => ops.leakyRelu(a),
  gelu_none: ({ a }) => ops.gelu(a),
  gelu_tanh: ({ a }) => ops.gelu(a, "tanh"),
  gelu_long: ({ a }) => ops.gelu(a),
  gelu_tanh_long: ({ a }) => ops.gelu(a, "tanh"),
  gelu_bad_approximate: ({ a }) => ops.gelu(a, "foo" as "none"),
  gelu_int: ({ a }) => ops.gelu(a),
  softplus_default: ({ a }) => ops.softplus(a),
  softplus_beta: ({ a }) => ops.softplus(a, 2, 1),
  softplus_large: ({ a }) => ops.softplus(a),
  softplus_int: ({ a }) => ops.softplus(a),
  elu_default: ({ a }) => ops.elu(a),
  elu_alpha: ({ a }) => ops.elu(a, 0.5),
  silu: ({ a }) => ops.silu(a),
  elu_int: ({ a }) => ops.elu(a),
  silu_int: ({ a }) => ops.silu(a),
  logsigmoid_int: ({ a }) => ops.logsigmoid(a),
  hardtanh_bool: ({ a }) => ops.hardtanh(a),
  bce_int: ({ a }) => ops.binaryCrossEntropy(a, a),
  l1_int: ({ a }) => ops.l1Loss(a, a),
  ce_int: ({ a, t }) => ops.crossEntropy(a, t),
  dropout_int: ({ a }) => ops.dropout(a, 0.5),
  hardtanh_default: ({ a }) => ops.hardtanh(a),
  hardtanh_bounds: ({ a }) => ops.hardtanh(a, -0.5, 0.25),
  hardtanh_int: ({ a }) => ops.hardtanh(a),
  relu6: ({ a }) => ops.relu6(a),
  logsigmoid: ({ a }) => ops.logsigmoid(a),
  logsigmoid_long: ({ a }) => ops.logsigmoid(a),
  masked_fill: ({ a, m }) => ops.maskedFill(a, m, 0.5),
  masked_fill_grow: ({ a, m }) => ops.maskedFill(a, m, -1),
  masked_fill_tensor_value: ({ a, m, v }) => ops.maskedFill(a, m, v),
  masked_fill_int: ({ a, m }) => ops.maskedFill(a, m, 2.7),
  masked_fill_shape_error: ({ a, m }) => ops.maskedFill(a, m, 0.5),
  linear_2d: ({ x, w }) => ops.linear(x, w),
  linear_2d_bias: ({ x, w, b }) => ops.linear(x, w, b),
  linear_1d: ({ x, w }) => ops.linear(x, w),
  linear_1d_bias: ({ x, w, b }) => ops.linear(x, w, b),
  linear_3d_bias: ({ x, w, b }) => ops.linear(x, w, b),
  linear_3d: ({ x, w }) => ops.linear(x, w),
  linear_bias_broadcast: ({ x, w, b }) => ops.linear(x, w, b),
  linear_bias_constant: ({ x, w, b }) => ops.linear(x, w, b),
  linear_shape_error: ({ x, w }) => ops.linear(x, w),
  linear_bias_error: ({ x, w, b }) => ops.linear(x, w, b),
  linear_1d_bias_error: ({ x, w, b }) => ops.linear(x, w, b),
  dropout_p1: ({ a }) => ops.dropout(a, 1.0),
  dropout_bad_p: ({ a }) => ops.dropout(a, 1.5),
  dropout_negative_p: ({ a }) => ops.dropout(a, -0.1),
  dropout_half: ({ a }) => ops.dropout(a, 0.5),
  dropout_02: ({ a }) => ops.dropout(a, 0.2),
  dropout_09: ({ a }) => ops.dropout(a, 0.9),
};

/**
 * Where gradlens follows PyTorch 2.x and the 1.13 reference records something else: label
 * smoothing builds its mask with index_put/masked_select in 1.13 and masked_fill_ in 2.x; a 1-D or
 * 3-D matmul is linalg's graph (reshape/squeeze names changed across releases).
 */
const GRAPH_DIFFERS_IN_2X = new Set([
  "ce_smoothing",
  "ce_smoothing_sum",
  "ce_smoothing_none",
  "ce_smoothing_ignore",
  "ce_smoothing_weight",
  "linear_1d",
  "linear_1d_bias",
  "linear_3d",
]);

function graphOf(node: Node | null): Graph {
  if (!node) return null;
  return [normalizeGradFnName(node.name)!, node.nextFunctions.map(([n]) => graphOf(n))];
}

function normalizeGraph(g: Graph): Graph {
  if (!g) return null;
  return [normalizeGradFnName(g[0])!, g[1].map(normalizeGraph)];
}

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return null;
}

describe("nn functional ops match PyTorch (nn.json)", () => {
  let stop: (() => void) | null = null;
  afterEach(() => stop?.());

  it("has a TS call for every fixture case", () => {
    expect(fixture.cases.map((c) => c.name).filter((n) => !(n in CALLS))).toEqual([]);
  });

  for (const c of fixture.cases) {
    it(`${c.name}: ${c.expr}`, () => {
      const inputs: In = {};
      for (const [k, ref] of Object.entries(c.inputs)) inputs[k] = fromRef(ref, ref.requires_grad);
      if (c.seed !== undefined) ops.manualSeed(c.seed);
      const warnings: string[] = [];
      stop = addListener((e: EngineEvent) => {
        if (e.kind === "warning") warnings.push(e.message);
      });
      if (c.error) {
        const err = catchError(() => CALLS[c.name](inputs));
        expect(err).toBeInstanceOf(TorchError);
        expect({ type: (err as TorchError).pyType, message: (err as TorchError).message }).toEqual(c.error);
        return;
      }
      const out = CALLS[c.name](inputs);
      expect(compareTensor(out, c.output!, GOLDEN_TOL), "output").toBeNull();
      expect(normalizeGradFnName(out.gradFn?.name), "grad_fn").toBe(normalizeGradFnName(c.grad_fn));
      if (!GRAPH_DIFFERS_IN_2X.has(c.name))
        expect(graphOf(out.gradFn), "graph").toEqual(normalizeGraph(c.graph!));
      expect(warnings).toEqual(c.warnings);
      if (!c.upstream || c.backward_error) return;
      out.backward(fromRef(c.upstream));
      for (const [k, ref] of Object.entries(c.grads!)) {
        const g = inputs[k].grad;
        if (ref === null) expect(g, `${k}.grad`).toBeNull();
        else expect(compareTensor(g, ref, GOLDEN_TOL), `${k}.grad`).toBeNull();
      }
    });
  }
});

interface GoldenCase {
  op: string;
  inputs: Record<string, RefTensor>;
  output: RefTensor;
  grad_fn: string | null;
  upstream: RefTensor;
  grads: Record<string, RefTensor | null>;
}

const golden = JSON.parse(
  readFileSync(new URL("../../../../shared/golden/ops.json", import.meta.url), "utf8"),
) as { cases: GoldenCase[] };

const probTarget = (b: Tensor) => b.detach().abs().clamp(0, 1);
const GOLDEN_CALLS: Record<string, (x: In) => Tensor> = {
  mse_loss: ({ a, b }) => ops.mseLoss(a, b),
  bce: ({ a, b }) => ops.binaryCrossEntropy(ops.sigmoid(a), probTarget(b)),
  bce_logits: ({ a, b }) => ops.binaryCrossEntropyWithLogits(a, probTarget(b)),
  cross_entropy: ({ a }) => ops.crossEntropy(a, ops.tensor([2, 0])),
  leaky_relu: ({ a }) => ops.leakyRelu(a, 0.1),
  gelu: ({ a }) => ops.gelu(a),
  softplus: ({ a }) => ops.softplus(a),
  linear: ({ a, b }) => ops.linear(a, b),
};

describe("golden nn cases (../shared/golden/ops.json)", () => {
  const cases = golden.cases.filter((c) => c.op in GOLDEN_CALLS);
  it("covers every nn op of the golden file", () => {
    expect(new Set(cases.map((c) => c.op)).size).toBe(Object.keys(GOLDEN_CALLS).length);
  });
  cases.forEach((c, i) => {
    it(`${c.op} #${i}`, () => {
      const inputs: In = {};
      for (const [k, ref] of Object.entries(c.inputs)) inputs[k] = fromRef(ref, true);
      const out = GOLDEN_CALLS[c.op](inputs);
      expect(compareTensor(out, c.output, GOLDEN_TOL), "output").toBeNull();
      expect(out.gradFn?.name).toBe(c.grad_fn);
      out.backward(fromRef(c.upstream));
      for (const [k, ref] of Object.entries(c.grads)) {
        if (ref === null) expect(inputs[k].grad).toBeNull();
        else expect(compareTensor(inputs[k].grad, ref, GOLDEN_TOL), `${k}.grad`).toBeNull();
      }
    });
  });
});

describe("nn details", () => {
  it("BCE refuses a target outside [0, 1] (PyTorch 2.x's check; 1.13 had none)", () => {
    const p = ops.tensor([0.5, 0.5]);
    const y = ops.tensor([1.5, 0.0]);
    expect(() => ops.binaryCrossEntropy(p, y)).toThrow("all elements of target should be between 0 and 1");
  });

  it("a class weight that requires grad is refused, as PyTorch refuses a non-differentiable argument", () => {
    const a = ops.tensor([[0.5, 1.5, -1.0]], { requiresGrad: true });
    const w = ops.tensor([1.0, 2.0, 0.5], { requiresGrad: true });
    expect(() => ops.crossEntropy(a, ops.tensor([0]), { weight: w })).toThrow(
      "The function 'nll_loss_forward' is not differentiable with respect to argument 'weight'. This input cannot have requires_grad True.",
    );
    const y = ops.tensor([0, 1, 1], { dtype: "float32" });
    expect(() => ops.binaryCrossEntropyWithLogits(a.detach().view(3), y, null, w)).toThrow(
      "The function 'binary_cross_entropy_with_logits' is not differentiable with respect to argument 'pos_weight'. This input cannot have requires_grad True.",
    );
  });

  it("dropout that does nothing returns its input itself, as PyTorch does", () => {
    const a = ops.tensor([1, 2], { dtype: "float32", requiresGrad: true });
    expect(ops.dropout(a, 0.5, false)).toBe(a);
    expect(ops.dropout(a, 0)).toBe(a);
  });

  it("label smoothing records the in-place masked_fill_ of PyTorch 2.x", () => {
    const events: EngineEvent[] = [];
    const stop = addListener((e) => events.push(e));
    const a = ops.tensor(
      [
        [0.5, 1.5, -1.0],
        [0.1, 0.2, 0.3],
      ],
      { requiresGrad: true },
    );
    const loss = ops.crossEntropy(a, ops.tensor([0, 2]), { labelSmoothing: 0.1 });
    stop();
    expect(events.some((e) => e.kind === "inplace" && e.op === "masked_fill_")).toBe(true);
    const g = graphOf(loss.gradFn)!;
    expect(g[0]).toBe("AddBackward0");
    expect(g[1].map((x) => x![0])).toEqual(["MulBackward1", "MulBackward1"]);
    expect(g[1][1]![1][0]![0]).toBe("DivBackward0");
    expect(g[1][1]![1][0]![1][0]![1][0]![0]).toBe("MaskedFillBackward0");
  });
});
