/**
 * Engine benchmarks: per-op time next to tfjs-cpu on the same shapes (elementwise on 1e6 elements,
 * matmul 64/256/512, a 2-layer MLP forward+backward), and the cost of recording a trace.
 */
import { Tensor } from "../src/engine/tensor.ts";
import { Recorder } from "../src/trace/recorder.ts";
import { DEFAULT_SIZE_CAP } from "../src/trace/schema.ts";
import { measureEach, randomValues, type Suite } from "./harness.ts";
import { loadTf, PEER } from "./tfjs.ts";

function tensor(shape: number[], seed: number, requiresGrad = false): Tensor {
  const t = new Tensor(
    randomValues(
      shape.reduce((a, b) => a * b, 1),
      seed,
    ),
    shape,
    "float32",
  );
  if (requiresGrad) t.requiresGrad_(true);
  return t;
}

const ELEMENTWISE_N = 1_000_000;

export const elementwise: Suite = {
  name: "elementwise",
  async run(report) {
    const tf = await loadTf();
    const a = tensor([ELEMENTWISE_N], 1);
    const b = tensor([ELEMENTWISE_N], 2);
    const ta = tf.tensor1d(a.values as Float32Array);
    const tb = tf.tensor1d(b.values as Float32Array);
    const cases: [string, () => Tensor, () => { dispose(): void }][] = [
      ["add", () => a.add(b), () => tf.add(ta, tb)],
      ["mul", () => a.mul(b), () => tf.mul(ta, tb)],
      ["exp", () => a.exp(), () => tf.exp(ta)],
      ["sigmoid", () => a.sigmoid(), () => tf.sigmoid(ta)],
    ];
    for (const [name, ours, peer] of cases) {
      const [o, p] = measureEach([() => void ours(), () => peer().dispose()]);
      report({ bench: `${name} 1e6`, unit: "ms", ours: o, peer: PEER, peer_value: p });
    }
    ta.dispose();
    tb.dispose();
  },
};

export const matmul: Suite = {
  name: "matmul",
  async run(report) {
    const tf = await loadTf();
    for (const n of [64, 256, 512]) {
      const a = tensor([n, n], 3);
      const b = tensor([n, n], 4);
      const ta = tf.tensor2d(a.values as Float32Array, [n, n]);
      const tb = tf.tensor2d(b.values as Float32Array, [n, n]);
      const budget = { budgetMs: n >= 512 ? 3000 : 1500, minSamples: 5 };
      const [o, p] = measureEach([() => void a.matmul(b), () => tf.matMul(ta, tb).dispose()], budget);
      report({ bench: `matmul ${n}x${n}`, unit: "ms", ours: o, peer: PEER, peer_value: p });
      ta.dispose();
      tb.dispose();
    }
  },
};

/** The MLP of every benchmark: batch 64, 256 → 256 (relu) → 10, mean squared error. */
const MLP = { batch: 64, input: 256, hidden: 256, output: 10 };

function mlpParams() {
  const { batch, input, hidden, output } = MLP;
  const scale = (t: Tensor, s: number) => {
    for (let i = 0; i < t.values.length; i++) t.values[i] *= s;
    return t;
  };
  return {
    X: tensor([batch, input], 5),
    Y: tensor([batch, output], 6),
    W1: scale(tensor([input, hidden], 7, true), 1 / 16),
    b1: tensor([hidden], 8, true),
    W2: scale(tensor([hidden, output], 9, true), 1 / 16),
    b2: tensor([output], 10, true),
  };
}

/** One training step's forward and backward through the engine; grads are cleared after. */
function mlpStep(p: ReturnType<typeof mlpParams>): void {
  const h = p.X.matmul(p.W1).add(p.b1).relu();
  const out = h.matmul(p.W2).add(p.b2);
  const loss = out.sub(p.Y).pow(2).mean();
  loss.backward();
  for (const t of [p.W1, p.b1, p.W2, p.b2]) t.grad = null;
}

export const mlp: Suite = {
  name: "mlp",
  async run(report) {
    const tf = await loadTf();
    const p = mlpParams();
    const t = (x: Tensor) => tf.tensor(x.values as Float32Array, [...x.shape]);
    const [X, Y, W1, b1, W2, b2] = [p.X, p.Y, p.W1, p.b1, p.W2, p.b2].map(t);
    const grads = tf.grads((w1, c1, w2, c2) => {
      const h = tf.relu(tf.add(tf.matMul(X, w1), c1));
      const out = tf.add(tf.matMul(h, w2), c2);
      return tf.mean(tf.square(tf.sub(out, Y)));
    });
    const { batch, input, hidden, output } = MLP;
    const [o, q] = measureEach([() => mlpStep(p), () => tf.tidy(() => void grads([W1, b1, W2, b2]))]);
    report({
      bench: `mlp ${batch}x${input}-${hidden}-${output} forward+backward`,
      unit: "ms",
      ours: o,
      peer: PEER,
      peer_value: q,
    });
    for (const x of [X, Y, W1, b1, W2, b2]) x.dispose();
  },
};

/**
 * Recording overhead: the same program with the trace recorder attached and without, on tensors
 * above the size cap (which the recorder summarizes rather than copies). The peer is the engine
 * running unrecorded.
 */
export const recording: Suite = {
  name: "recording",
  run(report) {
    const n = 100_000;
    if (n <= DEFAULT_SIZE_CAP) throw new Error("the recording benchmark must use tensors above the size cap");
    const x = tensor([n], 11, true);
    const w = tensor([n], 12, true);
    const b = tensor([n], 13);
    const chain = () => {
      const y = x.mul(w).add(b).sigmoid().mul(x).tanh().sum();
      y.backward();
      x.grad = null;
      w.grad = null;
    };
    const p = mlpParams();
    const programs: [string, () => void][] = [
      ["elementwise chain 1e5 forward+backward", chain],
      ["mlp forward+backward", () => mlpStep(p)],
    ];
    for (const [name, fn] of programs) {
      const recorded = () => {
        const rec = new Recorder().start();
        try {
          fn();
        } finally {
          rec.stop();
        }
      };
      const [withRecorder, without] = measureEach([recorded, fn]);
      report({
        bench: `recording overhead: ${name}`,
        unit: "ms",
        ours: withRecorder,
        peer: "engine without recorder",
        peer_value: without,
        overhead_pct: Math.round((withRecorder / without - 1) * 1000) / 10,
      });
    }
  },
};

export const engineSuites: Suite[] = [elementwise, matmul, mlp, recording];
