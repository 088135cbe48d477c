/**
 * A few planted-fault programs of test/fixtures/faults/ written against the TS API and recorded with
 * the trace recorder, with the lines, scopes and variable names the Python shim reports for the .py
 * files, so the analysis can be tested without Pyodide. References: test/fixtures/faults/expected.json
 * and test/fixtures/analysis.json (real PyTorch).
 */
import { noGrad } from "../../src/engine/autograd.ts";
import * as ops from "../../src/engine/ops/index.ts";
import type { Tensor } from "../../src/engine/tensor.ts";
import { record, type Recorder } from "../../src/trace/recorder.ts";
import type { Trace } from "../../src/trace/schema.ts";

const f32 = (data: number | number[] | number[][], requiresGrad = false): Tensor =>
  ops.tensor(data, { dtype: "float32", requiresGrad });

function at<T extends Tensor>(rec: Recorder, line: number, label: string | null, make: () => T): T {
  rec.setSource(line);
  const t = make();
  if (label) rec.labelTensor(t, label);
  return t;
}

/** test/fixtures/faults/mlp_nan.py (the seed MLP). */
export function mlpNan(rec: Recorder): Record<string, Tensor> {
  const X = at(rec, 4, "X", () => f32([3.9, 90]));
  const yTrue = at(rec, 5, "y_true", () => f32(0));
  const W1 = at(rec, 14, "W1", () =>
    f32(
      [
        [0.7576, 0.2793],
        [0.4031, 0.7347],
      ],
      true,
    ),
  );
  const b1 = at(rec, 15, "b1", () => f32([0.0293, 0.7999], true));
  const z1 = at(rec, 16, "z1", () => ops.add(ops.matmul(X, W1), b1));
  const o1 = at(rec, 17, "o1", () => ops.relu(z1));
  const W2 = at(rec, 18, "W2", () => f32([[0.3971], [0.7544]], true));
  const b2 = at(rec, 19, "b2", () => f32([0.5695], true));
  const z2 = at(rec, 20, "z2", () => ops.add(ops.matmul(o1, W2), b2));
  const o2 = at(rec, 21, "o2", () => ops.sigmoid(z2));
  rec.pushScope("binary_cross_entropy");
  const p = at(rec, 10, "y_pred", () => ops.clamp(o2, 1e-8, 1 - 1e-8));
  const out = at(rec, 11, null, () =>
    ops.add(ops.neg(ops.mul(yTrue, ops.log(p))), ops.mul(ops.rsub(yTrue, 1), ops.log(ops.rsub(p, 1)))),
  );
  rec.popScope();
  const loss = at(rec, 23, "loss", () => out);
  rec.setSource(25);
  loss.backward();
  return { X, W1, b1, W2, b2, z2, o2, loss };
}

/** test/fixtures/faults/lr_diverge.py: w, b by gradient descent with lr = 0.5 (diverges). */
export function lrDiverge(rec: Recorder, steps = 60): Record<string, Tensor> {
  const xs = at(rec, 4, "xs", () => f32([1, 2, 3, 4]));
  const ys = at(rec, 5, "ys", () => f32([3, 5, 7, 9]));
  const w = at(rec, 6, "w", () => f32(0, true));
  const b = at(rec, 7, "b", () => f32(0, true));
  let loss = w;
  for (let step = 0; step < steps; step++) {
    const pred = at(rec, 11, "pred", () => ops.add(ops.mul(w, xs), b));
    loss = at(rec, 12, "loss", () => ops.mean(ops.pow(ops.sub(pred, ys), 2)));
    rec.setSource(13);
    loss.backward();
    rec.setSource(15);
    noGrad(() => w.sub_(ops.mul(0.5, w.grad!)));
    rec.setSource(16);
    noGrad(() => b.sub_(ops.mul(0.5, b.grad!)));
    rec.setSource(17);
    w.grad!.zero_();
    rec.setSource(18);
    b.grad!.zero_();
  }
  return { w, b, loss };
}

/** test/fixtures/faults/sqrt_zero_nan.py: 0 / (2 × sqrt(0)) in SqrtBackward0. */
export function sqrtZeroNan(rec: Recorder): Record<string, Tensor> {
  const x = at(rec, 4, "x", () => f32([0, 1], true));
  const r = at(rec, 5, "r", () => ops.sqrt(x));
  const y = at(rec, 6, "y", () => ops.mul(r, f32([0, 3])));
  const loss = at(rec, 7, "loss", () => ops.sum(y));
  rec.setSource(8);
  loss.backward();
  return { x, loss };
}

/** A two-layer MLP trained by hand-written SGD (the benchmark's and compaction test's training run). */
export function mlpTraining(rec: Recorder, steps: number, lr = 0.1): Record<string, Tensor> {
  const X = at(rec, 1, "X", () =>
    f32([
      [0, 1],
      [1, 0],
      [1, 1],
      [0, 0],
    ]),
  );
  const Y = at(rec, 2, "Y", () => f32([[1], [1], [0], [0]]));
  const W1 = at(rec, 3, "W1", () =>
    f32(
      [
        [0.5, -0.3, 0.8],
        [0.2, 0.7, -0.6],
      ],
      true,
    ),
  );
  const b1 = at(rec, 4, "b1", () => f32([0.1, -0.1, 0.05], true));
  const W2 = at(rec, 5, "W2", () => f32([[0.9], [-0.4], [0.6]], true));
  const b2 = at(rec, 6, "b2", () => f32([0], true));
  const params = [W1, b1, W2, b2];
  let loss = b2;
  for (let step = 0; step < steps; step++) {
    const h = at(rec, 8, "h", () => ops.relu(ops.add(ops.matmul(X, W1), b1)));
    const out = at(rec, 9, "out", () => ops.add(ops.matmul(h, W2), b2));
    loss = at(rec, 10, "loss", () => ops.mean(ops.pow(ops.sub(out, Y), 2)));
    rec.setSource(11);
    loss.backward();
    rec.setSource(13);
    noGrad(() => {
      for (const p of params) p.sub_(ops.mul(p.grad!, lr));
    });
    rec.setSource(14);
    for (const p of params) p.grad!.zero_();
  }
  return { W1, b1, W2, b2, loss };
}

/** Records a program and returns its trace (throws if it failed). */
export function trace(fn: (rec: Recorder) => unknown): Trace {
  const r = record(fn);
  if (r.error) throw r.error;
  return r.trace;
}
