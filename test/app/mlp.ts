/** The seed MLP (grads turn NaN) through the TS engine, tensors named as the Python program names them. */
import { clamp, log, matmul, relu, rsub, sigmoid, tensor } from "../../src/engine/index.ts";
import { record, type Recorder } from "../../src/trace/recorder.ts";
import type { Trace } from "../../src/trace/schema.ts";

export function mlpTrace(): Trace {
  return record((rec: Recorder) => {
    const name = <T extends Parameters<Recorder["labelTensor"]>[0]>(t: T, n: string): T => (
      rec.labelTensor(t, n),
      t
    );
    const X = name(tensor([3.9, 90]), "X");
    const yTrue = name(tensor(0.0, { dtype: "float32" }), "y_true");
    const W1 = name(
      tensor(
        [
          [0.7576, 0.2793],
          [0.4031, 0.7347],
        ],
        { requiresGrad: true },
      ),
      "W1",
    );
    const b1 = name(tensor([0.0293, 0.7999], { requiresGrad: true }), "b1");
    const z1 = name(matmul(X, W1).add(b1), "z1");
    const o1 = name(relu(z1), "o1");
    const W2 = name(tensor([[0.3971], [0.7544]], { requiresGrad: true }), "W2");
    const b2 = name(tensor([0.5695], { requiresGrad: true }), "b2");
    const z2 = name(matmul(o1, W2).add(b2), "z2");
    const o2 = name(sigmoid(z2), "o2");
    const p = clamp(o2, 1e-8, 1 - 1e-8);
    const loss = name(
      yTrue
        .mul(log(p))
        .neg()
        .add(rsub(yTrue, 1).mul(log(rsub(p, 1)))),
      "loss",
    );
    loss.backward();
  }).trace;
}
