/**
 * The seed notebooks' scenarios (../shared/golden/seed-notebooks.py) through the TS API, against
 * what real PyTorch computed: test/fixtures/seeds.json, made by test/fixtures/gen_seeds.py with
 * every number at full float32 precision.
 */
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { Tensor } from "../../src/engine/tensor.ts";
import * as ops from "../../src/engine/ops/index.ts";
import { noGrad } from "../../src/engine/autograd.ts";
import { addListener, type EngineEvent } from "../../src/engine/events.ts";
import { TorchError } from "../../src/engine/errors.ts";
import { pyFormat } from "../../src/engine/pyformat.ts";
import { decodeNumber, type JsonNumber } from "../differential/compare.ts";

const ref = JSON.parse(readFileSync(new URL("../fixtures/seeds.json", import.meta.url), "utf8"));

const { tensor, sigmoid, clamp, log, relu, matmul, dot, sin, exp } = ops;

/** A float32 scalar: JS cannot tell `0.0` from `0`, and `tensor(0)` is int64 as in PyTorch. */
const f32 = (v: number, requiresGrad = false) => tensor(v, { dtype: "float32", requiresGrad });

/** Equal to PyTorch's float32 result: bit for bit unless some ulps are allowed. */
function expectF32(actual: number, expected: JsonNumber, ulps = 0): void {
  const e = decodeNumber(expected);
  if (!Number.isFinite(e)) {
    expect(actual).toBe(e);
    return;
  }
  expect(Math.abs(actual - e)).toBeLessThanOrEqual(
    ulps * 2 ** (Math.floor(Math.log2(Math.abs(e) || 1)) - 23),
  );
}

function values(t: Tensor | null): number[] {
  expect(t).not.toBeNull();
  return Array.from(t!.values);
}

/** The notebook's (correct) BCE. */
function binaryCrossEntropyLoss(prediction: Tensor, target: Tensor): Tensor {
  const p = clamp(prediction, 1e-8, 1 - 1e-8);
  return target
    .mul(log(p))
    .add(ops.rsub(target, 1).mul(log(ops.rsub(p, 1))))
    .neg();
}

/** The fourth notebook's BCE with the misplaced minus: -(y log p) + (1 - y) log(1 - p). */
function signBuggedBce(yTrue: Tensor, yPred: Tensor): Tensor {
  const p = clamp(yPred, 1e-8, 1 - 1e-8);
  return yTrue
    .mul(log(p))
    .neg()
    .add(ops.rsub(yTrue, 1).mul(log(ops.rsub(p, 1))));
}

let unlisten: (() => void) | null = null;
afterEach(() => {
  unlisten?.();
  unlisten = null;
});

describe("seed: BCE perceptron (case_bce_autograd)", () => {
  function run() {
    const x = f32(6.7);
    const y = f32(0);
    const w = f32(1, true);
    const b = f32(0, true);
    const z = w.mul(x).add(b);
    const yPred = sigmoid(z);
    const loss = binaryCrossEntropyLoss(yPred, y);
    return { x, y, w, b, z, yPred, loss };
  }

  it("gives loss 6.7012 and grads 6.6918 / 0.9988 (full float32 digits)", () => {
    const { w, b, z, yPred, loss } = run();
    const r = ref.bce_autograd;
    expectF32(z.item(), r.z);
    expectF32(yPred.item(), r.y_pred);
    expectF32(loss.item(), r.loss);
    expect(loss.item().toFixed(4)).toBe("6.7012");
    loss.backward();
    // PyTorch's f-string printed dL/dw = 6.6917619705200195, dL/db = 0.9987704753875732
    expectF32(w.grad!.item(), r.w_grad);
    expectF32(b.grad!.item(), r.b_grad);
    expect(w.grad!.item().toFixed(4)).toBe("6.6918");
    expect(b.grad!.item().toFixed(4)).toBe("0.9988");
  });

  it("formats the grads into an f-string as PyTorch did: every digit of the float32", () => {
    const { w, b, loss } = run();
    loss.backward();
    // f"{t}" of a 0-dim tensor is format(t.item(), "")
    expect(`dL/dw = ${pyFormat(w.grad!.item())}, dL/db = ${pyFormat(b.grad!.item())}`).toBe(
      ref.bce_autograd.fstring,
    );
  });

  it("has PyTorch's grad_fn names along the graph", () => {
    const { z, yPred, loss } = run();
    expect(z.gradFn!.name).toBe("AddBackward0");
    expect(yPred.gradFn!.name).toBe("SigmoidBackward0");
    expect(loss.gradFn!.name).toBe("NegBackward0");
  });

  it("prints what PyTorch printed", () => {
    const { w, b, z, yPred, loss } = run();
    const before = [w, b, z, yPred, loss].map(String);
    loss.backward();
    expect([...before, String(w.grad), String(b.grad)]).toEqual(ref.bce_autograd.reprs);
  });

  it("with an int64 label tensor(0) promotes to float32 and gives the same loss", () => {
    const y = tensor(0);
    expect(y.dtype).toBe("int64");
    expect(String(y)).toBe(ref.int_label.y_repr);
    const loss = binaryCrossEntropyLoss(sigmoid(f32(1).mul(f32(6.7)).add(f32(0))), y);
    expect(loss.dtype).toBe("float32");
    expectF32(loss.item(), ref.int_label.loss);
  });
});

describe("seed: perceptron with the sign-bugged BCE (case_perceptron_sign_bug)", () => {
  function run() {
    const x = f32(6.7);
    const yTrue = f32(0);
    const w = f32(1, true);
    const b = f32(0, true);
    const z = dot(x.unsqueeze(0), w.unsqueeze(0)).add(b.unsqueeze(0));
    const loss = signBuggedBce(yTrue, sigmoid(z));
    return { w, b, z, loss };
  }

  it("gives loss -6.7012 and grads -6.6918 / -0.9988", () => {
    const { w, b, z, loss } = run();
    const r = ref.sign_bug;
    expect(z.shape).toEqual([1]);
    expectF32(z.values[0], r.z[0]);
    expectF32(loss.values[0], r.loss[0]);
    loss.backward();
    expectF32(w.grad!.item(), r.w_grad);
    expectF32(b.grad!.item(), r.b_grad);
    expect(w.grad!.item().toFixed(4)).toBe("-6.6918");
    expect(b.grad!.item().toFixed(4)).toBe("-0.9988");
  });

  it("prints what PyTorch printed", () => {
    const { w, b, z, loss } = run();
    const before = [String(z), String(loss)];
    loss.backward();
    expect([...before, String(w.grad), String(b.grad)]).toEqual(ref.sign_bug.reprs);
  });
});

describe("seed: the MLP whose sigmoid saturates (case_mlp_nan)", () => {
  function run() {
    const X = tensor([3.9, 90]);
    const yTrue = f32(0);
    const W1 = tensor(
      [
        [0.7576, 0.2793],
        [0.4031, 0.7347],
      ],
      { requiresGrad: true },
    );
    const b1 = tensor([0.0293, 0.7999], { requiresGrad: true });
    const z1 = matmul(X, W1).add(b1);
    const o1 = relu(z1);
    const W2 = tensor([[0.3971], [0.7544]], { requiresGrad: true });
    const b2 = tensor([0.5695], { requiresGrad: true });
    const z2 = matmul(o1, W2).add(b2);
    const o2 = sigmoid(z2);
    const loss = signBuggedBce(yTrue, o2);
    return { X, W1, b1, W2, b2, z1, z2, o2, loss };
  }

  it("saturates o2 to exactly 1 in float32, so the loss is -inf", () => {
    const { X, z1, z2, o2, loss } = run();
    const r = ref.mlp_nan;
    expect(X.dtype).toBe("float32");
    // a dot product's float32 sum may round differently from PyTorch's kernel: one ulp
    values(z1).forEach((v, i) => expectF32(v, r.z1[i], 1));
    values(z2).forEach((v, i) => expectF32(v, r.z2[i], 1));
    expect(values(o2)).toEqual([1]);
    expect(values(loss)).toEqual([-Infinity]);
  });

  it("puts NaN in every element of W1, b1, W2 and b2 grads", () => {
    const { W1, b1, W2, b2, loss } = run();
    loss.backward();
    const r = ref.mlp_nan;
    for (const [t, name] of [
      [W1, "W1_grad"],
      [b1, "b1_grad"],
      [W2, "W2_grad"],
      [b2, "b2_grad"],
    ] as const) {
      expect(values(t.grad).map(String), name).toEqual(
        (r[name] as JsonNumber[]).map((v) => String(decodeNumber(v))),
      );
    }
    expect(W1.grad!.shape).toEqual([2, 2]);
    expect(W2.grad!.shape).toEqual([2, 1]);
  });

  it("prints what PyTorch printed", () => {
    const { W1, b1, W2, b2, z1, o2, loss } = run();
    const before = [String(z1), String(o2), String(loss)];
    loss.backward();
    expect([...before, String(W1.grad), String(W2.grad), String(b1.grad), String(b2.grad)]).toEqual(
      ref.mlp_nan.reprs,
    );
  });
});

describe("seed: vector mean (case_vector_mean)", () => {
  it("gives grads 2x/3 = [0.6667, 1.3333, 2.0000]", () => {
    const x = tensor([1.0, 2.0, 3.0], { requiresGrad: true, dtype: "float32" });
    const y = x.pow(2).mean();
    expectF32(y.item(), ref.vector_mean.y);
    y.backward();
    values(x.grad).forEach((v, i) => expectF32(v, ref.vector_mean.x_grad[i]));
    expect(x.grad!.zero_()).toBe(x.grad);
    expect(values(x.grad)).toEqual([0, 0, 0]);
  });

  it("prints what PyTorch printed", () => {
    const x = tensor([1.0, 2.0, 3.0], { requiresGrad: true, dtype: "float32" });
    const y = x.pow(2).mean();
    const reprs = [String(x), String(y)];
    y.backward();
    reprs.push(String(x.grad), String(x.grad!.zero_()));
    expect(reprs).toEqual(ref.vector_mean.reprs);
  });
});

describe("seed: gradient accumulation (case_accumulate)", () => {
  it("accumulates 4 → 8 → 12 across backward calls, and zero_ resets it", () => {
    const x = f32(2, true);
    const seen: number[] = [];
    for (let i = 0; i < 3; i++) {
      x.pow(2).backward();
      seen.push(x.grad!.item());
    }
    expect(seen).toEqual(ref.accumulate.grads);
    const g = x.grad!;
    expect(String(g.zero_())).toBe(ref.accumulate.zeroed);
    expect(x.grad).toBe(g);
    expect(String(x.grad)).toBe(ref.accumulate.after);
  });
});

describe("seed: turning off tracking (case_turn_off_tracking)", () => {
  const message = "element 0 of tensors does not require grad and does not have a grad_fn";

  function expectNoGradError(fn: () => void): void {
    let caught: unknown = null;
    try {
      fn();
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(TorchError);
    expect((caught as TorchError).pyType).toBe("RuntimeError");
    expect((caught as TorchError).message).toBe(message);
  }

  it("uses PyTorch's message", () => {
    expect(ref.errors.requires_grad_false).toBe(message);
    expect(ref.errors.detach).toBe(message);
    expect(ref.errors.no_grad).toBe(message);
  });

  it("requires_grad_(False) makes backward fail", () => {
    const x = f32(2, true);
    expect(x.requiresGrad_(false)).toBe(x);
    expect(String(x)).toBe(ref.errors.requires_grad_false_repr);
    const y = x.pow(2);
    expect(String(y)).toBe(ref.errors.y_repr);
    expect(y.gradFn).toBeNull();
    expectNoGradError(() => y.backward());
  });

  it("detach() cuts the graph; its grad stays None", () => {
    const x = f32(2, true);
    const z = x.detach();
    expect(z.requiresGrad).toBe(false);
    const y = x.pow(2);
    const y1 = z.pow(2);
    y.backward();
    expect(x.grad!.item()).toBe(4);
    expectNoGradError(() => y1.backward());
    expect(z.grad).toBe(ref.errors.detach_grad);
  });

  it("noGrad makes backward fail", () => {
    const x = f32(2, true);
    const y = noGrad(() => x.pow(2));
    expect(y.requiresGrad).toBe(false);
    expect(String(y)).toBe(ref.errors.no_grad_repr);
    expectNoGradError(() => y.backward());
  });
});

describe("seed: .grad of a non-leaf (case_non_leaf_grad)", () => {
  it("is null and emits PyTorch's UserWarning through the listener", () => {
    const r = ref.non_leaf_grad;
    const x = f32(4, true);
    const y = x.pow(2);
    const z = sin(y);
    expect(String(z)).toBe(r.z_repr);
    z.backward();
    expectF32(x.grad!.item(), r.x_grad);
    const events: EngineEvent[] = [];
    unlisten = addListener((e) => events.push(e));
    expect(y.grad).toBe(r.y_grad);
    const warnings = events.filter((e) => e.kind === "warning");
    expect(warnings).toHaveLength(1);
    const w = warnings[0] as Extract<EngineEvent, { kind: "warning" }>;
    expect(w.category).toBe(r.warnings[0].category);
    // The "(Triggered internally at <file>:<line>.)" suffix names PyTorch's build; the text before it is PyTorch's.
    const [torchText] = (r.warnings[0].message as string).split(" (Triggered internally at");
    const [ours, suffix] = w.message.split(" (Triggered internally at");
    expect(ours).toBe(torchText);
    expect(suffix).toMatch(/^ .*TensorBody\.h:\d+\.\)$/);
    expect([y.isLeaf, x.isLeaf, z.isLeaf]).toEqual(r.is_leaf);
  });

  it("does not warn for a leaf or a tensor that retains grad", () => {
    const x = f32(4, true);
    const y = x.pow(2);
    y.retainGrad();
    sin(y).backward();
    const events: EngineEvent[] = [];
    unlisten = addListener((e) => events.push(e));
    expect(x.grad).not.toBeNull();
    expect(y.grad).not.toBeNull();
    expect(events.filter((e) => e.kind === "warning")).toEqual([]);
  });
});

describe("seed: chains of sin and exp (case_sin_chain, case_exp_chain)", () => {
  for (const r of ref.sin_chain) {
    it(`d sin(x²)/dx at x = ${r.v}`, () => {
      const x = f32(r.v, true);
      const y = x.pow(2);
      const z = sin(y);
      expectF32(z.item(), r.z);
      const reprs = [String(x), String(y), String(z)];
      z.backward();
      expectF32(x.grad!.item(), r.x_grad);
      expect([...reprs, String(x.grad)]).toEqual(r.reprs);
    });
  }

  it("d exp(sin(x²))/dx at x = 5.47", () => {
    let x = f32(5.47, true);
    sin(x.pow(2)).backward();
    expectF32(x.grad!.item(), ref.exp_chain.sin_grad);
    x = f32(5.47, true);
    exp(sin(x.pow(2))).backward();
    expectF32(x.grad!.item(), ref.exp_chain.exp_grad);
  });
});
