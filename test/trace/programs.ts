/**
 * The seed programs of ../shared/golden/seed-notebooks.py written against the engine's TS API, with the
 * source lines and variable names the Python shim would report. References: test/fixtures/trace_seeds.json
 * (real PyTorch, from test/fixtures/gen_trace_seeds.py).
 */
import { readFileSync } from "node:fs";
import { noGrad } from "../../src/engine/autograd.ts";
import * as ops from "../../src/engine/ops/index.ts";
import type { Tensor } from "../../src/engine/tensor.ts";
import type { Recorder } from "../../src/trace/recorder.ts";
import { decodeValue } from "../../src/trace/values.ts";
import type { DataValue } from "../../src/trace/schema.ts";

export interface RefTensor {
  shape: number[];
  data: DataValue[];
}
export interface RefNodeRun {
  name: string;
  grad_outputs: (RefTensor | null)[];
  grad_inputs: (RefTensor | null)[];
}
export interface RefProgram {
  values: Record<string, RefTensor>;
  grads: Record<string, RefTensor>;
  backward: RefNodeRun[];
}

export const REF = JSON.parse(
  readFileSync(new URL("../fixtures/trace_seeds.json", import.meta.url), "utf8"),
) as {
  square_sin: RefProgram;
  bce: RefProgram;
  mlp_nan: RefProgram;
  accumulate: { grads_after_each_backward: RefTensor[]; after_zero: RefTensor };
};

export const refValues = (r: RefTensor): number[] => r.data.map(decodeValue);

const f32 = (data: number | number[] | number[][], requiresGrad = false): Tensor =>
  ops.tensor(data, { dtype: "float32", requiresGrad });

/** Names `t` as the shim does after an assignment, and returns it. */
function name<T extends Tensor>(rec: Recorder, t: T, label: string): T {
  rec.labelTensor(t, label);
  return t;
}

/** x = tensor(3.0, requires_grad=True); y = x**2; z = torch.sin(y); z.backward() */
export function squareSin(rec: Recorder): Record<string, Tensor> {
  rec.setSource(1);
  const x = name(rec, f32(3, true), "x");
  rec.setSource(2);
  const y = name(rec, ops.pow(x, 2), "y");
  rec.setSource(3);
  const z = name(rec, ops.sin(y), "z");
  rec.setSource(4);
  z.backward();
  return { x, y, z };
}

/** The second seed notebook's BCE perceptron by autograd, with its loss in a `bce` scope. */
export function bce(rec: Recorder): Record<string, Tensor> {
  rec.setSource(1);
  const x = name(rec, f32(6.7), "x");
  rec.setSource(2);
  const y = name(rec, f32(0), "y");
  rec.setSource(3);
  const w = name(rec, f32(1, true), "w");
  rec.setSource(4);
  const b = name(rec, f32(0, true), "b");
  rec.setSource(5);
  const z = name(rec, ops.add(ops.mul(w, x), b), "z");
  rec.setSource(6);
  const yPred = name(rec, ops.sigmoid(z), "y_pred");
  rec.setSource(7);
  rec.pushScope("binary_cross_entropy_loss");
  rec.setSource(10);
  const p = name(rec, ops.clamp(yPred, 1e-8, 1 - 1e-8), "prediction");
  rec.setSource(11);
  const loss = ops.neg(ops.add(ops.mul(y, ops.log(p)), ops.mul(ops.rsub(y, 1), ops.log(ops.rsub(p, 1)))));
  rec.popScope();
  rec.setSource(7);
  name(rec, loss, "loss");
  rec.setSource(8);
  loss.backward();
  return { x, y, w, b, z, yPred, p, loss };
}

/** x = tensor(2.0, requires_grad=True); three times y = x**2; y.backward(); then x.grad.zero_() */
export function accumulate(rec: Recorder): Record<string, Tensor> {
  rec.setSource(1);
  const x = name(rec, f32(2, true), "x");
  for (let i = 0; i < 3; i++) {
    rec.setSource(3);
    const y = name(rec, ops.pow(x, 2), "y");
    rec.setSource(4);
    y.backward();
  }
  rec.setSource(6);
  x.grad!.zero_();
  return { x };
}

/** Three steps of gradient descent on (w*x - 1)^2, updating w in place under no_grad. */
export function trainLoop(rec: Recorder, steps = 3): Record<string, Tensor> {
  rec.setSource(1);
  const w = name(rec, f32(0.25, true), "w");
  rec.setSource(2);
  const x = name(rec, f32(2), "x");
  for (let i = 0; i < steps; i++) {
    rec.setSource(4);
    const loss = name(rec, ops.pow(ops.sub(ops.mul(w, x), 1), 2), "loss");
    rec.setSource(5);
    loss.backward();
    rec.setSource(6);
    noGrad(() => w.sub_(ops.mul(w.grad!, 0.1)));
    rec.setSource(7);
    w.grad!.zero_();
  }
  return { w, x };
}

/** The seed MLP whose grads all turn NaN: o2 saturates to 1. in float32, log(1 - 1) = -inf. */
export function mlpNan(rec: Recorder): Record<string, Tensor> {
  rec.setSource(1);
  const X = name(rec, f32([3.9, 90]), "X");
  rec.setSource(2);
  const yTrue = name(rec, f32(0), "y_true");
  rec.setSource(3);
  const W1 = name(
    rec,
    f32(
      [
        [0.7576, 0.2793],
        [0.4031, 0.7347],
      ],
      true,
    ),
    "W1",
  );
  rec.setSource(4);
  const b1 = name(rec, f32([0.0293, 0.7999], true), "b1");
  rec.setSource(5);
  const z1 = name(rec, ops.add(ops.matmul(X, W1), b1), "z1");
  rec.setSource(6);
  const o1 = name(rec, ops.relu(z1), "o1");
  rec.setSource(7);
  const W2 = name(rec, f32([[0.3971], [0.7544]], true), "W2");
  rec.setSource(8);
  const b2 = name(rec, f32([0.5695], true), "b2");
  rec.setSource(9);
  const z2 = name(rec, ops.add(ops.matmul(o1, W2), b2), "z2");
  rec.setSource(10);
  const o2 = name(rec, ops.sigmoid(z2), "o2");
  rec.setSource(11);
  rec.pushScope("binary_cross_entropy");
  rec.setSource(14);
  const p = name(rec, ops.clamp(o2, 1e-8, 1 - 1e-8), "y_pred");
  rec.setSource(15);
  const loss = ops.add(
    ops.neg(ops.mul(yTrue, ops.log(p))),
    ops.mul(ops.rsub(yTrue, 1), ops.log(ops.rsub(p, 1))),
  );
  rec.popScope();
  rec.setSource(11);
  name(rec, loss, "loss");
  rec.setSource(12);
  loss.backward();
  return { X, yTrue, W1, b1, z1, o1, W2, b2, z2, o2, p, loss };
}
