/**
 * Real traces for layout and render tests: small programs run on the engine with the recorder,
 * the seed notebooks' scenarios written against the TS API.
 */
import {
  add,
  clamp,
  log,
  manualSeed,
  matmul,
  mul,
  neg,
  randn,
  relu,
  rsub,
  sigmoid,
  sin,
  tensor,
  type Tensor,
} from "../../src/engine/index.ts";
import { type Recorder, record } from "../../src/trace/recorder.ts";
import type { Trace } from "../../src/trace/schema.ts";

/** The trace of a program that must run without error (a fixture that fails says so). */
function ok(res: { trace: Trace; error: Error | null }): Trace {
  if (res.error) throw res.error;
  return res.trace;
}

function named(r: Recorder, t: Tensor, name: string): Tensor {
  r.labelTensor(t, name);
  return t;
}

/** y = sin(x²) at x = 2, then backward: the chain of the seed notebook. */
export function sinSquareTrace(): Trace {
  return ok(
    record((r) => {
      const x = named(r, tensor(2.0, { dtype: "float32", requiresGrad: true }), "x");
      const y = named(r, sin(mul(x, x)), "y");
      y.backward();
    }),
  );
}

/** The seed MLP whose grads turn NaN (src/examples/mlp-nan.py), with bce as a user-function scope. */
export function mlpNanTrace(): Trace {
  return ok(
    record(
      (r) => {
        const X = named(r, tensor([3.9, 90]), "X");
        const yTrue = named(r, tensor(0.0, { dtype: "float32" }), "y_true");
        const bce = (yt: Tensor, yp: Tensor): Tensor => {
          r.pushScope("binary_cross_entropy");
          const eps = 1e-8;
          const c = named(r, clamp(yp, eps, 1 - eps), "y_pred");
          const out = add(neg(mul(yt, log(c))), mul(rsub(yt, 1), log(rsub(c, 1))));
          r.popScope();
          return out;
        };
        const W1 = named(
          r,
          tensor(
            [
              [0.7576, 0.2793],
              [0.4031, 0.7347],
            ],
            { requiresGrad: true },
          ),
          "W1",
        );
        const b1 = named(r, tensor([0.0293, 0.7999], { requiresGrad: true }), "b1");
        const z1 = named(r, add(matmul(X, W1), b1), "z1");
        const o1 = named(r, relu(z1), "o1");
        const W2 = named(r, tensor([[0.3971], [0.7544]], { requiresGrad: true }), "W2");
        const b2 = named(r, tensor([0.5695], { requiresGrad: true }), "b2");
        const z2 = named(r, add(matmul(o1, W2), b2), "z2");
        const o2 = named(r, sigmoid(z2), "o2");
        const loss = named(r, bce(yTrue, o2), "loss");
        loss.backward();
      },
      { title: "MLP: NaN gradients" },
    ),
  );
}

/**
 * A training loop of `iterations` steps on a `width`-wide, `depth`-deep MLP with scalar-free tensors,
 * each layer a scope `model/fc<k>`: the parameters are reused every iteration (proxy stubs).
 */
export function trainingTrace(iterations: number, depth = 2, width = 3, seed = 0): Trace {
  manualSeed(seed);
  return ok(
    record((r) => {
      const x = named(r, randn([width]), "x");
      const params: Tensor[] = [];
      for (let k = 0; k < depth; k++)
        params.push(named(r, randn([width, width], { requiresGrad: true }), `W${k + 1}`));
      for (let it = 0; it < iterations; it++) {
        r.pushScope("model");
        let h = x;
        for (let k = 0; k < depth; k++) {
          r.pushScope(`fc${k + 1}`);
          h = relu(matmul(params[k], h));
          r.popScope();
        }
        r.popScope();
        const loss = named(r, mul(h, h).sum(), "loss");
        loss.backward();
        for (const p of params) p.grad!.zero_();
      }
    }),
  );
}

/** A program whose label is markup: it must stay text in the SVG. */
export function markupTrace(): Trace {
  return ok(
    record((r) => {
      const a = named(r, tensor(1.5, { requiresGrad: true }), `<img src=x onerror="alert(1)">`);
      r.pushScope(`<g onload="alert(2)">&amp;`);
      const b = named(r, mul(a, 2.0), `a & "b" 'c' ∂L/∂w x²`);
      r.popScope();
      b.backward();
    }),
  );
}
