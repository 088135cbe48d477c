/**
 * Random autograd programs over the engine's ops, as data: leaves, SSA steps and one output. The
 * same program is emitted as Python (run under real PyTorch) and evaluated through the TS API, so
 * every op below has its two spellings side by side. Generation is top-down: `node(shape)` picks an
 * op able to produce that shape and recurses for its operands, so every program is well-shaped.
 */
import { Tensor } from "../../src/engine/tensor.ts";
import * as ops from "../../src/engine/ops/index.ts";

export type Shape = number[];
type Attrs = Record<string, any>;

export interface Leaf {
  name: string;
  shape: Shape;
  dtype: "float32" | "int64";
  data: number[];
  requiresGrad: boolean;
}

export interface Step {
  out: string;
  op: string;
  args: string[];
  attrs: Attrs;
}

export interface Program {
  id: number;
  leaves: Leaf[];
  steps: Step[];
  output: string;
  outShape: Shape;
  /** The gradient passed to `out.backward(...)`. */
  upstream: number[];
  /** How many transcendental ops the program runs (float32 rounding differences compound). */
  transcendental: number;
}

/** mulberry32: a small seeded PRNG, so a failing program can be regenerated from its seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const numel = (s: Shape) => s.reduce((a, b) => a * b, 1);

// ---- the ops: Python spelling and TS call side by side ----

interface OpSpec {
  py: (a: string[], attrs: Attrs) => string;
  ts: (a: Tensor[], attrs: Attrs) => Tensor;
  transcendental?: boolean;
}

/** A Python literal for a JS number: whole numbers stay ints, as `Tensor.wrap` treats them. */
export function pyNum(x: number): string {
  if (Number.isNaN(x)) return "float('nan')";
  if (!Number.isFinite(x)) return x > 0 ? "float('inf')" : "float('-inf')";
  return String(x);
}

const pyShape = (s: Shape) => (s.length === 1 ? `(${s[0]},)` : `(${s.join(", ")})`);

function unary(py: string, ts: (a: Tensor) => Tensor, transcendental = false): OpSpec {
  return { py: ([a]) => py.replace("$", a), ts: ([a]) => ts(a), transcendental };
}

export const OPS: Record<string, OpSpec> = {
  neg: unary("-$", (a) => a.neg()),
  abs: unary("torch.abs($)", (a) => a.abs()),
  sqrt: unary("torch.sqrt($)", (a) => a.sqrt(), true),
  exp: unary("torch.exp($)", (a) => a.exp(), true),
  log: unary("torch.log($)", (a) => a.log(), true),
  sin: unary("torch.sin($)", (a) => a.sin(), true),
  cos: unary("torch.cos($)", (a) => a.cos(), true),
  tan: unary("torch.tan($)", (a) => a.tan(), true),
  tanh: unary("torch.tanh($)", (a) => a.tanh(), true),
  sigmoid: unary("torch.sigmoid($)", (a) => a.sigmoid(), true),
  relu: unary("torch.relu($)", (a) => a.relu()),
  reciprocal: unary("torch.reciprocal($)", (a) => a.reciprocal()),
  gelu: unary("gelu($)", (a) => ops.gelu(a), true),
  softplus: unary("F.softplus($)", (a) => ops.softplus(a), true),
  leaky_relu: {
    py: ([a], { slope }) => `F.leaky_relu(${a}, ${pyNum(slope)})`,
    ts: ([a], { slope }) => ops.leakyRelu(a, slope),
  },
  clamp: {
    py: ([a], { min, max }) =>
      min === null
        ? `torch.clamp(${a}, max=${pyNum(max)})`
        : max === null
          ? `torch.clamp(${a}, min=${pyNum(min)})`
          : `torch.clamp(${a}, ${pyNum(min)}, ${pyNum(max)})`,
    ts: ([a], { min, max }) => a.clamp(min, max),
  },
  add: { py: ([a, b]) => `${a} + ${b}`, ts: ([a, b]) => a.add(b) },
  sub: { py: ([a, b]) => `${a} - ${b}`, ts: ([a, b]) => a.sub(b) },
  mul: { py: ([a, b]) => `${a} * ${b}`, ts: ([a, b]) => a.mul(b) },
  div: { py: ([a, b]) => `${a} / ${b}`, ts: ([a, b]) => a.div(b) },
  maximum: { py: ([a, b]) => `torch.maximum(${a}, ${b})`, ts: ([a, b]) => ops.maximum(a, b) },
  minimum: { py: ([a, b]) => `torch.minimum(${a}, ${b})`, ts: ([a, b]) => ops.minimum(a, b) },
  pow_tt: { py: ([a, b]) => `torch.pow(${a}, ${b})`, ts: ([a, b]) => a.pow(b), transcendental: true },
  // a tensor with a Python number, on either side
  add_s: { py: ([a], { s }) => `${a} + ${pyNum(s)}`, ts: ([a], { s }) => a.add(s) },
  radd_s: { py: ([a], { s }) => `${pyNum(s)} + ${a}`, ts: ([a], { s }) => ops.add(s, a) },
  sub_s: { py: ([a], { s }) => `${a} - ${pyNum(s)}`, ts: ([a], { s }) => a.sub(s) },
  rsub_s: { py: ([a], { s }) => `${pyNum(s)} - ${a}`, ts: ([a], { s }) => ops.rsub(a, s) },
  mul_s: { py: ([a], { s }) => `${a} * ${pyNum(s)}`, ts: ([a], { s }) => a.mul(s) },
  rmul_s: { py: ([a], { s }) => `${pyNum(s)} * ${a}`, ts: ([a], { s }) => ops.mul(s, a) },
  div_s: { py: ([a], { s }) => `${a} / ${pyNum(s)}`, ts: ([a], { s }) => a.div(s) },
  rdiv_s: { py: ([a], { s }) => `${pyNum(s)} / ${a}`, ts: ([a], { s }) => ops.rdiv(a, s) },
  pow_s: { py: ([a], { s }) => `${a} ** ${pyNum(s)}`, ts: ([a], { s }) => a.pow(s), transcendental: true },
  rpow_s: {
    py: ([a], { s }) => `${pyNum(s)} ** ${a}`,
    ts: ([a], { s }) => ops.rpow(a, s),
    transcendental: true,
  },
  // reductions
  sum: { py: ([a]) => `${a}.sum()`, ts: ([a]) => a.sum() },
  mean: { py: ([a]) => `${a}.mean()`, ts: ([a]) => a.mean() },
  max: { py: ([a]) => `${a}.max()`, ts: ([a]) => a.max() },
  sum_dim: {
    py: ([a], { dim, keepdim }) => `${a}.sum(dim=${pyDims(dim)}, keepdim=${pyBool(keepdim)})`,
    ts: ([a], { dim, keepdim }) => a.sum(dim, keepdim),
  },
  mean_dim: {
    py: ([a], { dim, keepdim }) => `${a}.mean(dim=${pyDims(dim)}, keepdim=${pyBool(keepdim)})`,
    ts: ([a], { dim, keepdim }) => a.mean(dim, keepdim),
  },
  logsumexp: {
    py: ([a], { dim, keepdim }) => `torch.logsumexp(${a}, dim=${pyDims(dim)}, keepdim=${pyBool(keepdim)})`,
    ts: ([a], { dim, keepdim }) => a.logsumexp(dim, keepdim),
    transcendental: true,
  },
  softmax: {
    py: ([a], { dim }) => `torch.softmax(${a}, dim=${dim})`,
    ts: ([a], { dim }) => a.softmax(dim),
    transcendental: true,
  },
  log_softmax: {
    py: ([a], { dim }) => `torch.log_softmax(${a}, dim=${dim})`,
    ts: ([a], { dim }) => a.logSoftmax(dim),
    transcendental: true,
  },
  // products
  matmul: { py: ([a, b]) => `torch.matmul(${a}, ${b})`, ts: ([a, b]) => ops.matmul(a, b) },
  matmul_op: { py: ([a, b]) => `${a} @ ${b}`, ts: ([a, b]) => a.matmul(b) },
  mm: { py: ([a, b]) => `torch.mm(${a}, ${b})`, ts: ([a, b]) => ops.mm(a, b) },
  mv: { py: ([a, b]) => `torch.mv(${a}, ${b})`, ts: ([a, b]) => ops.mv(a, b) },
  dot: { py: ([a, b]) => `torch.dot(${a}, ${b})`, ts: ([a, b]) => ops.dot(a, b) },
  linear: { py: ([a, b]) => `F.linear(${a}, ${b})`, ts: ([a, b]) => ops.linear(a, b) },
  linear_bias: { py: ([a, b, c]) => `F.linear(${a}, ${b}, ${c})`, ts: ([a, b, c]) => ops.linear(a, b, c) },
  // views
  t: { py: ([a]) => `${a}.t()`, ts: ([a]) => a.t() },
  T: { py: ([a]) => `${a}.T`, ts: ([a]) => a.T },
  transpose: {
    py: ([a], { d0, d1 }) => `${a}.transpose(${d0}, ${d1})`,
    ts: ([a], { d0, d1 }) => a.transpose(d0, d1),
  },
  permute: {
    py: ([a], { dims }) => `${a}.permute(${dims.join(", ")})`,
    ts: ([a], { dims }) => a.permute(dims),
  },
  reshape: {
    py: ([a], { shape }) => `${a}.reshape(${pyShape(shape)})`,
    ts: ([a], { shape }) => a.reshape(...shape),
  },
  view_flat: { py: ([a]) => `${a}.view(-1)`, ts: ([a]) => a.view(-1) },
  view: { py: ([a], { shape }) => `${a}.view(${pyShape(shape)})`, ts: ([a], { shape }) => a.view(...shape) },
  flatten: { py: ([a]) => `${a}.flatten()`, ts: ([a]) => a.flatten() },
  squeeze: { py: ([a]) => `${a}.squeeze()`, ts: ([a]) => a.squeeze() },
  squeeze_dim: { py: ([a], { dim }) => `${a}.squeeze(${dim})`, ts: ([a], { dim }) => a.squeeze(dim) },
  unsqueeze: { py: ([a], { dim }) => `${a}.unsqueeze(${dim})`, ts: ([a], { dim }) => a.unsqueeze(dim) },
  expand: {
    py: ([a], { shape }) => `${a}.expand(${shape.join(", ")})`,
    ts: ([a], { shape }) => a.expand(...shape),
  },
  // indexing
  select0: { py: ([a], { i }) => `${a}[${i}]`, ts: ([a], { i }) => a.index(i) },
  select1: { py: ([a], { i }) => `${a}[:, ${i}]`, ts: ([a], { i }) => a.index({}, i) },
  slice0: {
    py: ([a], { start, stop }) => `${a}[${start}:${stop}]`,
    ts: ([a], { start, stop }) => a.index({ start, stop }),
  },
  cat: {
    py: (a, { dim }) => `torch.cat([${a.join(", ")}], dim=${dim})`,
    ts: (a, { dim }) => ops.cat(a, dim),
  },
  stack: {
    py: (a, { dim }) => `torch.stack([${a.join(", ")}], dim=${dim})`,
    ts: (a, { dim }) => ops.stack(a, dim),
  },
  // losses
  mse_loss: { py: ([a, b]) => `F.mse_loss(${a}, ${b})`, ts: ([a, b]) => ops.mseLoss(a, b) },
  bce: {
    py: ([a, y]) => `F.binary_cross_entropy(${a}, ${y})`,
    ts: ([a, y]) => ops.binaryCrossEntropy(a, y),
    transcendental: true,
  },
  bce_logits: {
    py: ([a, y]) => `F.binary_cross_entropy_with_logits(${a}, ${y})`,
    ts: ([a, y]) => ops.binaryCrossEntropyWithLogits(a, y),
    transcendental: true,
  },
  cross_entropy: {
    py: ([a, y]) => `F.cross_entropy(${a}, ${y})`,
    ts: ([a, y]) => ops.crossEntropy(a, y),
    transcendental: true,
  },
};

function pyDims(dim: number | number[]): string {
  return Array.isArray(dim) ? `(${dim.join(", ")},)` : String(dim);
}
const pyBool = (b: boolean) => (b ? "True" : "False");

// ---- the generator ----

const UNARY = [
  "neg",
  "abs",
  "sqrt",
  "exp",
  "log",
  "sin",
  "cos",
  "tan",
  "tanh",
  "sigmoid",
  "relu",
  "reciprocal",
  "gelu",
  "softplus",
  "leaky_relu",
  "clamp",
];
/** Ops whose operand is usually made positive (`abs(x) + 0.5`) so that most results are finite. */
const NEEDS_POSITIVE = new Set(["sqrt", "log", "reciprocal", "rdiv_s"]);

class Generator {
  readonly leaves: Leaf[] = [];
  readonly steps: Step[] = [];
  private readonly shapes = new Map<string, Shape>();
  private n = 0;

  constructor(
    readonly rand: () => number,
    private readonly maxSteps: number,
  ) {}

  int(lo: number, hi: number): number {
    return lo + Math.floor(this.rand() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.rand() * xs.length)];
  }
  chance(p: number): boolean {
    return this.rand() < p;
  }
  /** Two-decimal values, exactly the same float32 in both engines (never -0, which Python would read as 0). */
  value(lo = -2, hi = 2): number {
    return Math.round((lo + this.rand() * (hi - lo)) * 100) / 100 + 0;
  }
  shape(maxRank = 3): Shape {
    const rank = this.int(0, maxRank);
    return Array.from({ length: rank }, () => this.int(1, 4));
  }

  leaf(shape: Shape, opts: Partial<Leaf> = {}): string {
    const name = `x${this.leaves.length}`;
    const data = opts.data ?? Array.from({ length: numel(shape) }, () => this.value());
    this.leaves.push({ name, shape, dtype: "float32", requiresGrad: true, ...opts, data });
    this.shapes.set(name, shape);
    return name;
  }

  step(op: string, args: string[], attrs: Attrs, shape: Shape): string {
    const out = `v${this.n++}`;
    this.steps.push({ out, op, args, attrs });
    this.shapes.set(out, shape);
    return out;
  }

  /** An expression of exactly this shape. */
  node(shape: Shape, depth: number): string {
    if (depth <= 0 || this.steps.length >= this.maxSteps || this.chance(0.08)) {
      const same = [...this.shapes].filter(
        ([name, s]) =>
          s.join() === shape.join() && !this.leaves.find((l) => l.name === name && !l.requiresGrad),
      );
      if (same.length && this.chance(0.3)) return this.pick(same)[0];
      return this.leaf(shape);
    }
    for (;;) {
      const made = this.pick(PRODUCERS)(this, shape, depth - 1);
      if (made !== null) return made;
    }
  }

  /** `abs(x) + 0.5`, mostly: keeps log/sqrt/reciprocal in their domain. */
  positive(shape: Shape, depth: number): string {
    const x = this.node(shape, depth);
    if (!this.chance(0.85)) return x;
    return this.step("add_s", [this.step("abs", [x], {}, shape)], { s: 0.5 }, shape);
  }

  /** A shape that broadcasts to `shape`: fewer leading dims, some dims 1. */
  broadcastable(shape: Shape): Shape {
    const drop = this.chance(0.3) ? this.int(0, shape.length) : 0;
    return shape.slice(drop).map((d) => (this.chance(0.3) ? 1 : d));
  }
}

type Producer = (g: Generator, shape: Shape, depth: number) => string | null;

const PRODUCERS: Producer[] = [
  // unary elementwise (weighted: appears three times)
  ...Array.from({ length: 3 }, (): Producer => (g, shape, depth) => {
    const op = g.pick(UNARY);
    const x = NEEDS_POSITIVE.has(op) ? g.positive(shape, depth) : g.node(shape, depth);
    const attrs: Attrs = {};
    if (op === "leaky_relu") attrs.slope = g.pick([0.01, 0.1, 0.2]);
    if (op === "clamp") {
      const lo = g.value(-1.5, 0);
      const hi = g.value(0.1, 1.5);
      const which = g.int(0, 2);
      attrs.min = which === 2 ? null : lo;
      attrs.max = which === 1 ? null : hi;
    }
    return g.step(op, [x], attrs, shape);
  }),
  // binary with broadcasting, either operand the smaller
  ...Array.from({ length: 3 }, (): Producer => (g, shape, depth) => {
    const op = g.pick(["add", "sub", "mul", "div", "maximum", "minimum", "pow_tt"]);
    const small = g.broadcastable(shape);
    let a: string;
    let b: string;
    if (op === "pow_tt") {
      a = g.positive(shape, depth);
      b = g.node(small, depth);
    } else if (op === "div") {
      a = g.node(shape, depth);
      b = g.positive(small, depth);
    } else {
      a = g.node(shape, depth);
      b = g.node(small, depth);
    }
    const swap = op !== "pow_tt" && op !== "div" && g.chance(0.5);
    return g.step(op, swap ? [b, a] : [a, b], {}, shape);
  }),
  // a Python number on either side
  (g, shape, depth) => {
    const op = g.pick([
      "add_s",
      "radd_s",
      "sub_s",
      "rsub_s",
      "mul_s",
      "rmul_s",
      "div_s",
      "rdiv_s",
      "pow_s",
      "rpow_s",
    ]);
    let s = g.pick([0.5, 1.5, 2, 3, -1, -0.5, 2.5, 1]);
    if (op === "pow_s") s = g.pick([2, 3, 0.5, -1, 1.5, -1.5, 0, 1]);
    if (op === "rpow_s") s = g.pick([2, 0.5, 3, 1.5, 2.5]);
    const x =
      NEEDS_POSITIVE.has(op) || (op === "pow_s" && !Number.isInteger(s))
        ? g.positive(shape, depth)
        : g.node(shape, depth);
    return g.step(op, [x], { s }, shape);
  },
  // softmax family along a dim
  (g, shape, depth) => {
    if (shape.length === 0) return null;
    const op = g.pick(["softmax", "log_softmax"]);
    const dim = g.int(-shape.length, shape.length - 1);
    return g.step(op, [g.node(shape, depth)], { dim }, shape);
  },
  // full reductions and losses make a scalar
  (g, shape, depth) => {
    if (shape.length !== 0) return null;
    const op = g.pick(["sum", "mean", "max", "mse_loss", "bce", "bce_logits", "cross_entropy"]);
    if (op === "cross_entropy") {
      const n = g.int(1, 4);
      const c = g.int(2, 4);
      const target = g.leaf([n], {
        dtype: "int64",
        requiresGrad: false,
        data: Array.from({ length: n }, () => g.int(0, c - 1)),
      });
      return g.step(op, [g.node([n, c], depth), target], {}, shape);
    }
    const inner = g.shape();
    if (op === "mse_loss") return g.step(op, [g.node(inner, depth), g.node(inner, depth)], {}, shape);
    if (op === "bce" || op === "bce_logits") {
      const target = g.leaf(inner, {
        requiresGrad: false,
        data: Array.from({ length: numel(inner) }, () => g.pick([0, 1, g.value(0, 1)])),
      });
      const x = g.node(inner, depth);
      const input = op === "bce" ? g.step("sigmoid", [x], {}, inner) : x;
      return g.step(op, [input, target], {}, shape);
    }
    return g.step(op, [g.node(inner, depth)], {}, shape);
  },
  // reductions along dims
  (g, shape, depth) => {
    if (shape.length >= 3) return null;
    const op = g.pick(["sum_dim", "mean_dim", "logsumexp"]);
    const keepdim = g.chance(0.4);
    let input: Shape;
    let dim: number;
    if (keepdim) {
      const ones = shape.flatMap((d, i) => (d === 1 ? [i] : []));
      if (!ones.length) return null;
      dim = g.pick(ones);
      input = shape.map((d, i) => (i === dim ? g.int(2, 4) : d));
    } else {
      dim = g.int(0, shape.length);
      input = [...shape.slice(0, dim), g.int(1, 4), ...shape.slice(dim)];
    }
    const d = g.chance(0.3) ? dim - input.length : dim;
    return g.step(op, [g.node(input, depth)], { dim: d, keepdim }, shape);
  },
  // matrix products in every 1-D / 2-D combination
  (g, shape, depth) => {
    const k = g.int(1, 4);
    if (shape.length === 0) {
      return g.step(g.pick(["dot", "matmul"]), [g.node([k], depth), g.node([k], depth)], {}, shape);
    }
    if (shape.length === 1) {
      const [m] = shape;
      if (g.chance(0.5)) {
        return g.step(g.pick(["mv", "matmul"]), [g.node([m, k], depth), g.node([k], depth)], {}, shape);
      }
      return g.step("matmul", [g.node([k], depth), g.node([k, m], depth)], {}, shape);
    }
    if (shape.length === 2) {
      const [m, n] = shape;
      const op = g.pick(["mm", "matmul", "matmul_op", "linear", "linear_bias"]);
      if (op === "linear" || op === "linear_bias") {
        const args = [g.node([m, k], depth), g.node([n, k], depth)];
        if (op === "linear_bias") args.push(g.node([n], depth));
        return g.step(op, args, {}, shape);
      }
      return g.step(op, [g.node([m, k], depth), g.node([k, n], depth)], {}, shape);
    }
    return null;
  },
  // transposes and permutations
  (g, shape, depth) => {
    if (shape.length < 2) return null;
    if (shape.length === 2) {
      const op = g.pick(["t", "T", "transpose"]);
      const attrs = op === "transpose" ? { d0: 0, d1: g.pick([1, -1]) } : {};
      return g.step(op, [g.node([shape[1], shape[0]], depth)], attrs, shape);
    }
    if (g.chance(0.5)) {
      const d0 = g.int(0, shape.length - 1);
      const d1 = g.int(0, shape.length - 1);
      const input = [...shape];
      [input[d0], input[d1]] = [input[d1], input[d0]];
      return g.step("transpose", [g.node(input, depth)], { d0, d1 }, shape);
    }
    const dims = [0, 1, 2].sort(() => g.rand() - 0.5);
    // out[i] = in[dims[i]]
    const input: Shape = new Array(3);
    dims.forEach((d, i) => (input[d] = shape[i]));
    return g.step("permute", [g.node(input, depth)], { dims }, shape);
  },
  // reshape-like
  (g, shape, depth) => {
    const n = numel(shape);
    const op = g.pick(["reshape", "view_flat", "flatten", "squeeze", "squeeze_dim", "unsqueeze", "expand"]);
    if (op === "reshape") {
      const factors = [n];
      if (n % 2 === 0 && n > 2 && g.chance(0.5)) factors.splice(0, 1, 2, n / 2);
      const input = g.chance(0.3) ? [...factors, 1] : factors;
      return g.step(op, [g.node(input, depth)], { shape }, shape);
    }
    if (op === "view_flat" || op === "flatten") {
      if (shape.length !== 1) return null;
      const [m] = shape;
      const input = m % 2 === 0 && m > 2 ? [2, m / 2] : [1, m];
      return g.step(op, [g.node(input, depth)], {}, shape);
    }
    if (op === "squeeze") {
      if (shape.includes(1) || shape.length > 2) return null;
      const at = g.int(0, shape.length);
      return g.step(op, [g.node([...shape.slice(0, at), 1, ...shape.slice(at)], depth)], {}, shape);
    }
    if (op === "squeeze_dim") {
      if (shape.length > 2) return null;
      const at = g.int(0, shape.length);
      const input = [...shape.slice(0, at), 1, ...shape.slice(at)];
      return g.step(op, [g.node(input, depth)], { dim: g.chance(0.3) ? at - input.length : at }, shape);
    }
    if (op === "unsqueeze") {
      const ones = shape.flatMap((d, i) => (d === 1 ? [i] : []));
      if (!ones.length) return null;
      const at = g.pick(ones);
      const dim = g.chance(0.3) ? at - shape.length : at;
      return g.step(op, [g.node([...shape.slice(0, at), ...shape.slice(at + 1)], depth)], { dim }, shape);
    }
    if (shape.length === 0 || n === 1) return null;
    const input = shape.slice(g.chance(0.3) ? 1 : 0).map((d) => (g.chance(0.5) ? 1 : d));
    return g.step("expand", [g.node(input, depth)], { shape }, shape);
  },
  // indexing and slicing
  (g, shape, depth) => {
    const op = g.pick(["select0", "select1", "slice0"]);
    if (op === "select0" && shape.length < 3) {
      const n = g.int(1, 3);
      return g.step(op, [g.node([n, ...shape], depth)], { i: g.int(-n, n - 1) }, shape);
    }
    if (op === "select1" && shape.length >= 1 && shape.length < 3) {
      const n = g.int(1, 3);
      return g.step(op, [g.node([shape[0], n, ...shape.slice(1)], depth)], { i: g.int(-n, n - 1) }, shape);
    }
    if (op === "slice0" && shape.length >= 1) {
      const extra = g.int(0, 2);
      const start = g.int(0, extra);
      return g.step(
        op,
        [g.node([shape[0] + extra, ...shape.slice(1)], depth)],
        { start, stop: start + shape[0] },
        shape,
      );
    }
    return null;
  },
  // cat and stack
  (g, shape, depth) => {
    if (shape.length === 0) return null;
    const dim = g.int(0, shape.length - 1);
    if (g.chance(0.5)) {
      if (shape[dim] < 2 && !g.chance(0.5)) return null;
      const m = shape[dim];
      const parts = m >= 2 ? [g.int(1, m - 1)] : [m];
      if (m >= 2) parts.push(m - parts[0]);
      const args = parts.map((k) =>
        g.node(
          shape.map((d, i) => (i === dim ? k : d)),
          depth,
        ),
      );
      return g.step("cat", args, { dim: g.chance(0.3) ? dim - shape.length : dim }, shape);
    }
    if (shape[dim] > 3) return null;
    const part = [...shape.slice(0, dim), ...shape.slice(dim + 1)];
    const args = Array.from({ length: shape[dim] }, () => g.node(part, depth));
    return g.step("stack", args, { dim }, shape);
  },
];

/**
 * Programs whose last op must fail, to compare PyTorch's error type and text: mismatched shapes for
 * broadcasting, products, cat/stack and view, and out-of-range dims, indices and class targets.
 */
const FAILING: ((g: Generator) => void)[] = [
  (g) => {
    const a = Array.from({ length: g.int(1, 3) }, () => g.int(2, 4));
    const b = [...a];
    const d = g.int(0, a.length - 1);
    b[d] = a[d] === 4 ? 3 : a[d] + 1;
    const op = g.pick(["add", "sub", "mul", "div", "maximum", "pow_tt"]);
    g.step(op, [g.leaf(a), g.leaf(b.slice(g.int(0, d)))], {}, []);
  },
  (g) => {
    const [m, k, n] = [g.int(1, 4), g.int(1, 4), g.int(1, 4)];
    const k2 = k === 4 ? 3 : k + 1;
    const op = g.pick(["mm", "matmul", "matmul_op"]);
    g.step(op, [g.leaf([m, k]), g.leaf([k2, n])], {}, []);
  },
  (g) => {
    const [m, k, n] = [g.int(1, 4), g.int(1, 4), g.int(1, 4)];
    g.step("linear", [g.leaf([m, k]), g.leaf([n, k === 4 ? 3 : k + 1])], {}, []);
  },
  (g) => {
    const k = g.int(1, 4);
    const k2 = k === 4 ? 3 : k + 1;
    const which = g.int(0, 3);
    if (which === 0) g.step("mv", [g.leaf([g.int(1, 4), k]), g.leaf([k2])], {}, []);
    else if (which === 1) g.step(g.pick(["dot", "matmul"]), [g.leaf([k]), g.leaf([k2])], {}, []);
    else if (which === 2) g.step("matmul", [g.leaf([k]), g.leaf([k2, g.int(1, 4)])], {}, []);
    else g.step("matmul", [g.leaf([g.int(1, 4), k]), g.leaf([k2])], {}, []);
  },
  (g) => {
    const shape = [g.int(2, 4), g.int(2, 4)];
    const n = numel(shape);
    g.step("view", [g.leaf(shape)], { shape: g.chance(0.5) ? [n + 1] : [2, n + 1] }, []);
  },
  (g) => {
    const shape = Array.from({ length: g.int(1, 3) }, () => g.int(1, 3));
    const bad = g.chance(0.5) ? shape[0] + g.int(0, 2) : -shape[0] - 1 - g.int(0, 2);
    g.step("select0", [g.leaf(shape)], { i: bad }, []);
  },
  (g) => {
    const shape = Array.from({ length: g.int(1, 3) }, () => g.int(1, 3));
    const dim = g.chance(0.5) ? shape.length + g.int(0, 1) : -shape.length - 1;
    const op = g.pick([
      "sum_dim",
      "mean_dim",
      "logsumexp",
      "softmax",
      "log_softmax",
      "unsqueeze",
      "squeeze_dim",
    ]);
    // unsqueeze accepts one more dim on each side
    const d = op !== "unsqueeze" ? dim : dim >= 0 ? dim + 1 : dim - 1;
    g.step(op, [g.leaf(shape)], { dim: d, keepdim: false }, []);
  },
  (g) => {
    const a = [g.int(1, 3), g.int(2, 4)];
    const b = [g.int(1, 3), a[1] === 4 ? 3 : a[1] + 1];
    if (g.chance(0.5)) g.step("cat", [g.leaf(a), g.leaf(b)], { dim: 0 }, []);
    else g.step("stack", [g.leaf(a), g.leaf(b)], { dim: g.int(0, 2) }, []);
  },
  (g) => {
    g.step("t", [g.leaf([g.int(1, 3), g.int(1, 3), g.int(1, 3)])], {}, []);
  },
  (g) => {
    const [n, c] = [g.int(1, 3), g.int(2, 4)];
    const data = Array.from({ length: n }, () => g.int(0, c - 1));
    data[g.int(0, n - 1)] = g.chance(0.5) ? c + g.int(0, 2) : -1 - g.int(0, 1);
    const target = g.leaf([n], { dtype: "int64", requiresGrad: false, data });
    g.step("cross_entropy", [g.leaf([n, c]), target], {}, []);
  },
];

/** Every tenth program is one whose last op fails in PyTorch. */
export function generateProgram(id: number, seed: number): Program {
  const rand = rng(seed);
  const g = new Generator(rand, 16);
  if (id % 10 === 9) {
    g.pick(FAILING)(g);
    const output = g.steps[g.steps.length - 1].out;
    return { id, leaves: g.leaves, steps: g.steps, output, outShape: [], upstream: [], transcendental: 0 };
  }
  // a third of the programs end in a scalar, where the losses and full reductions live
  const outShape = g.chance(0.33) ? [] : g.shape();
  const output = g.node(outShape, g.int(2, 5));
  const transcendental = g.steps.filter((s) => OPS[s.op].transcendental).length;
  const upstream = Array.from({ length: numel(outShape) }, () => g.value());
  return { id, leaves: g.leaves, steps: g.steps, output, outShape, upstream, transcendental };
}

// ---- Python emission ----

function pyNested(data: number[], shape: Shape): string {
  if (shape.length === 0) return pyNum(data[0]);
  const inner = numel(shape.slice(1));
  const parts = [];
  for (let i = 0; i < shape[0]; i++)
    parts.push(pyNested(data.slice(i * inner, (i + 1) * inner), shape.slice(1)));
  return `[${parts.join(", ")}]`;
}

export function toPython(p: Program): string {
  const lines = [`def p${p.id}():`];
  for (const l of p.leaves) {
    const grad = l.requiresGrad ? ", requires_grad=True" : "";
    lines.push(`    ${l.name} = torch.tensor(${pyNested(l.data, l.shape)}, dtype=torch.${l.dtype}${grad})`);
  }
  lines.push("    res = {}");
  lines.push("    try:");
  for (const s of p.steps) lines.push(`        ${s.out} = ${OPS[s.op].py(s.args, s.attrs)}`);
  lines.push(`        out = ${p.output}`);
  lines.push("    except Exception as e:");
  lines.push('        return {"error": err(e), "stage": "forward"}');
  lines.push('    res["out"] = enc(out)');
  lines.push('    res["grad_fn"] = out.grad_fn.name() if out.grad_fn is not None else None');
  lines.push("    if out.requires_grad:");
  lines.push("        try:");
  lines.push(
    `            out.backward(torch.tensor(${pyNested(p.upstream, p.outShape)}, dtype=torch.float32))`,
  );
  lines.push("        except Exception as e:");
  lines.push('            res["error"] = err(e)');
  lines.push('            res["stage"] = "backward"');
  const grads = p.leaves.filter((l) => l.requiresGrad).map((l) => `"${l.name}": enc(${l.name}.grad)`);
  lines.push(`    res["grads"] = {${grads.join(", ")}}`);
  lines.push("    return res");
  return lines.join("\n");
}

export const PY_PRELUDE = `import json, math, sys
import torch
import torch.nn.functional as F

def num(x):
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x

def enc(t):
    if t is None:
        return None
    return {"shape": list(t.shape), "dtype": str(t.dtype).replace("torch.", ""),
            "data": [num(float(v)) for v in t.detach().reshape(-1).tolist()]}

def err(e):
    return [type(e).__name__, str(e).split("\\n")[0]]

def gelu(x):
    # PyTorch 1.13's CPU gelu_backward reads a non-contiguous grad (from a permute or transpose
    # after it) as garbage, often zeros; PyTorch 2.x and gradlens do not. Hand it a contiguous one.
    y = F.gelu(x)
    if y.requires_grad:
        y.register_hook(lambda g: g.contiguous())
    return y
`;

/** One Python program running every generated program and printing one JSON line per program. */
export function pythonScript(programs: Program[]): string {
  const body = programs.map(toPython).join("\n\n");
  const calls = programs.map((p) => `r = p${p.id}()\nr["id"] = ${p.id}\nprint(json.dumps(r))`).join("\n");
  return `${PY_PRELUDE}\n${body}\n\n${calls}\n`;
}

// ---- evaluation through the TS API ----

export interface Result {
  out?: Tensor;
  gradFn?: string | null;
  grads?: Record<string, Tensor | null>;
  error?: [string, string];
  stage?: "forward" | "backward";
}

function toTensor(l: Leaf): Tensor {
  const data = l.dtype === "float32" ? Float32Array.from(l.data) : Float64Array.from(l.data);
  const t = new Tensor(data, l.shape, l.dtype);
  if (l.requiresGrad) t.requiresGrad_(true);
  return t;
}

function errorOf(e: unknown): [string, string] {
  if (e instanceof Error && "pyType" in e) return [String(e.pyType), e.message.split("\n")[0]];
  return ["JSError", e instanceof Error ? `${e.name}: ${e.message}` : String(e)];
}

export function evaluate(p: Program): Result {
  const env = new Map<string, Tensor>();
  for (const l of p.leaves) env.set(l.name, toTensor(l));
  let out: Tensor;
  try {
    for (const s of p.steps) {
      env.set(
        s.out,
        OPS[s.op].ts(
          s.args.map((a) => env.get(a)!),
          s.attrs,
        ),
      );
    }
    out = env.get(p.output)!;
  } catch (e) {
    return { error: errorOf(e), stage: "forward" };
  }
  const res: Result = { out, gradFn: out.gradFn?.name ?? null };
  if (out.requiresGrad) {
    try {
      out.backward(new Tensor(Float32Array.from(p.upstream), p.outShape, "float32"));
    } catch (e) {
      res.error = errorOf(e);
      res.stage = "backward";
    }
  }
  res.grads = {};
  for (const l of p.leaves) if (l.requiresGrad) res.grads[l.name] = env.get(l.name)!.grad;
  return res;
}
