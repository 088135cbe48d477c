/**
 * torch.nn.functional: losses and activations, each forward beside its backward, with PyTorch 2.x's
 * grad_fn names and ATen's float32 formulas (rounded step by step with Math.fround, so saturation,
 * the BCE log clamp at -100 and the like land where PyTorch's do). Composite functionals (l1_loss,
 * cross_entropy, linear, dropout) record the graph PyTorch records: the ops ATen calls, in order.
 */
import { expSleef, sumToShape } from "../kernels.ts";
import { orderedSum } from "../sumorder.ts";
import { allocate, castValue, type DType, isFloating } from "../dtype.ts";
import { emit } from "../events.ts";
import { TorchError } from "../errors.ts";
import { isGradEnabled } from "../autograd.ts";
import { defineOp, type OpDef, runInplace } from "../registry.ts";
import { broadcastIndexMap, broadcastShapes, numel, sameShape, type Shape } from "../shape.ts";
import { Tensor } from "../tensor.ts";
import { bernoulliMask, defaultGenerator, type Generator } from "../random.ts";
import { abs, add, mul, neg, sub } from "./elementwise.ts";
import { logSoftmax, mean, sum } from "./reduce.ts";
import { expand, t as transposeMatrix, view } from "./view.ts";
import { matmul, matmulKernel } from "./linalg.ts";

const f = Math.fround;

export type Reduction = "none" | "mean" | "sum";

const TYPE_NAME: Record<DType, string> = { float32: "Float", int64: "Long", bool: "Bool" };

/** `torch.Size([2, 3])`, as PyTorch's Python messages print a shape. */
function torchSize(shape: Shape): string {
  return `torch.Size([${shape.join(", ")}])`;
}

/** A double as ATen's C++ messages print it (ostream: 6 significant digits). */
function cppDouble(v: number): string {
  if (Number.isNaN(v)) return "nan";
  if (!Number.isFinite(v)) return v > 0 ? "inf" : "-inf";
  return String(Number(v.toPrecision(6)));
}

/** `_Reduction.get_enum`: PyTorch's ValueError for anything but none/mean/sum. */
function checkReduction(reduction: string): Reduction {
  if (reduction !== "none" && reduction !== "mean" && reduction !== "sum") {
    throw new TorchError("ValueError", `${reduction} is not a valid value for reduction`);
  }
  return reduction;
}

/** The AT_DISPATCH error of a float-only kernel given an int or bool tensor. */
function requireFloat(a: Tensor, kernel: string): void {
  if (!isFloating(a.dtype)) {
    throw new TorchError("RuntimeError", `"${kernel}" not implemented for '${TYPE_NAME[a.dtype]}'`);
  }
}

/** apply_loss_reduction over an elementwise loss: mean is the float32 sum divided by the count. */
function reduceLoss(loss: Float32Array, shape: Shape, reduction: Reduction): Tensor {
  if (reduction === "none") return new Tensor(loss, shape, "float32");
  // sum() in ATen's order (cascade sum over the contiguous loss), then / numel for mean
  const s = orderedSum(
    loss,
    shape,
    shape.map((_, d) => d),
  )[0];
  const v = reduction === "sum" ? s : s / loss.length;
  return new Tensor(Float32Array.of(v), [], "float32");
}

/** The upstream grad at element i: one value after a reduction, elementwise for "none". */
function gradAt(g: Tensor): (i: number) => number {
  const gv = g.values;
  return gv.length === 1 ? () => gv[0] : (i) => gv[i];
}

/** Index map of an optional tensor broadcast to `shape` (identity when the shapes agree). */
function broadcastTo(t: Tensor, shape: Shape): (i: number) => number {
  if (sameShape(t.shape, shape)) return (i) => i;
  const map = broadcastIndexMap(t.shape, shape);
  return (i) => map[i];
}

/** An in-place multiply's broadcast rule: the other operand may not grow the result. */
function checkInplaceBroadcast(target: Shape, other: Shape): void {
  const shape = broadcastShapes(target, other);
  if (!sameShape(shape, target)) {
    throw new TorchError(
      "RuntimeError",
      `output with shape [${target.join(", ")}] doesn't match the broadcast shape [${shape.join(", ")}]`,
    );
  }
}

/**
 * Tensors an op takes but does not differentiate (class weights, targets given as indices) ride in
 * the attrs, so the grad_fn's next functions are the differentiable inputs only, as PyTorch's are;
 * like PyTorch, such a tensor may not require grad.
 */
function checkNotDifferentiable(fn: string, arg: string, t: Tensor | null): void {
  if (t && t.requiresGrad && isGradEnabled()) {
    throw new TorchError(
      "RuntimeError",
      `The function '${fn}' is not differentiable with respect to argument '${arg}'. This input cannot have requires_grad True.`,
    );
  }
}

/** F.mse_loss and F.l1_loss warn, then broadcast, when the target's size differs from the input's. */
function broadcastLossOperands(input: Tensor, target: Tensor): [Tensor, Tensor] {
  if (sameShape(input.shape, target.shape)) return [input, target];
  emit({
    kind: "warning",
    category: "UserWarning",
    message: `Using a target size (${torchSize(target.shape)}) that is different to the input size (${torchSize(input.shape)}). This will likely lead to incorrect results due to broadcasting. Please ensure they have the same size.`,
  });
  const shape = broadcastShapes(input.shape, target.shape);
  return [
    sameShape(input.shape, shape) ? input : expand(input, shape),
    sameShape(target.shape, shape) ? target : expand(target, shape),
  ];
}

/** An int operand promotes (its values are read as numbers); two int tensors have no kernel. */
function checkFloatOperands(a: Tensor, b: Tensor, kernel: string): void {
  if (!isFloating(a.dtype) && !isFloating(b.dtype)) requireFloat(a, kernel);
}

// ---- mse_loss ----

const runMseLoss = defineOp<{ reduction: Reduction }>({
  name: "mse_loss",
  gradFn: "MseLossBackward0",
  forward: ([x, y], { reduction }) => {
    const xv = x.values;
    const yv = y.values;
    const loss = new Float32Array(xv.length);
    for (let i = 0; i < loss.length; i++) {
      const d = f(xv[i] - yv[i]);
      loss[i] = d * d;
    }
    return reduceLoss(loss, x.shape, reduction);
  },
  // ATen's mse_backward: norm * (self - target) * grad, norm = 2 / numel for mean
  backward: (g, { inputs: [x, y], attrs: { reduction } }, [nx, ny]) => {
    const norm = reduction === "mean" ? f(2 / x.numel()) : 2;
    const gAt = gradAt(g);
    const side = (a: Tensor, b: Tensor) => {
      const av = a.values;
      const bv = b.values;
      const out = new Float32Array(av.length);
      for (let i = 0; i < out.length; i++) out[i] = f(norm * f(av[i] - bv[i])) * gAt(i);
      return new Tensor(out, a.shape, "float32");
    };
    return [nx ? side(x, y) : null, ny ? side(y, x) : null];
  },
});

/** `F.mse_loss(input, target, reduction="mean")`: MseLossBackward0. */
export function mseLoss(input: Tensor, target: Tensor, reduction: Reduction = "mean"): Tensor {
  const [x, y] = broadcastLossOperands(input, target);
  const r = checkReduction(reduction);
  checkFloatOperands(x, y, "mse_cpu");
  return runMseLoss([x, y], { reduction: r });
}

/** `F.l1_loss`: ATen's composite `(input - target).abs()` then mean/sum (MeanBackward0, ...). */
export function l1Loss(input: Tensor, target: Tensor, reduction: Reduction = "mean"): Tensor {
  const [x, y] = broadcastLossOperands(input, target);
  const r = checkReduction(reduction);
  const loss = abs(sub(x, y));
  return r === "mean" ? mean(loss) : r === "sum" ? sum(loss) : loss;
}

// ---- smooth_l1_loss and huber_loss ----

/**
 * ATen's smooth_l1 / huber backward: the scalar kernel's formula per element (the vectorized one
 * differs by at most an ulp), with norm = 1/numel for mean. The target's grad is the same backward
 * with input and target swapped (derivatives.yaml), so a zero difference gives +0, not -0.
 */
function piecewiseLossBackward(
  g: Tensor,
  x: Tensor,
  y: Tensor,
  reduction: Reduction,
  grad: (d: number, g: number, norm: number) => number,
): Tensor {
  const norm = reduction === "mean" ? f(1 / x.numel()) : 1;
  const gAt = gradAt(g);
  const out = new Float32Array(x.numel());
  for (let i = 0; i < out.length; i++) out[i] = grad(f(x.values[i] - y.values[i]), gAt(i), norm);
  return new Tensor(out, x.shape, "float32");
}

const runSmoothL1Loss = defineOp<{ reduction: Reduction; beta: number }>({
  name: "smooth_l1_loss",
  gradFn: "SmoothL1LossBackward0",
  forward: ([x, y], { reduction, beta }) => {
    const b = f(beta);
    const loss = new Float32Array(x.numel());
    for (let i = 0; i < loss.length; i++) {
      const z = Math.abs(f(x.values[i] - y.values[i]));
      loss[i] = z < b ? f(f(0.5 * z) * z) / b : z - f(0.5 * b);
    }
    return reduceLoss(loss, x.shape, reduction);
  },
  backward: (g, { inputs: [x, y], attrs: { reduction, beta } }, [nx, ny]) => {
    const b = f(beta);
    const grad = (d: number, gi: number, norm: number) =>
      d <= -b ? f(-norm * gi) : d >= b ? f(norm * gi) : f(f(norm * d) * gi) / b;
    return [
      nx ? piecewiseLossBackward(g, x, y, reduction, grad) : null,
      ny ? piecewiseLossBackward(g, y, x, reduction, grad) : null,
    ];
  },
});

/** `F.smooth_l1_loss(input, target, reduction="mean", beta=1.0)`: SmoothL1LossBackward0. */
export function smoothL1Loss(
  input: Tensor,
  target: Tensor,
  reduction: Reduction = "mean",
  beta = 1.0,
): Tensor {
  const [x, y] = broadcastLossOperands(input, target);
  const r = checkReduction(reduction);
  if (beta < 0)
    throw new TorchError("RuntimeError", "smooth_l1_loss does not support negative values for beta.");
  checkFloatOperands(x, y, "smooth_l1_cpu");
  return runSmoothL1Loss([x, y], { reduction: r, beta });
}

const runHuberLoss = defineOp<{ reduction: Reduction; delta: number }>({
  name: "huber_loss",
  gradFn: "HuberLossBackward0",
  forward: ([x, y], { reduction, delta }) => {
    const d = f(delta);
    const loss = new Float32Array(x.numel());
    for (let i = 0; i < loss.length; i++) {
      const z = Math.abs(f(x.values[i] - y.values[i]));
      loss[i] = z < d ? f(0.5 * z) * z : d * f(z - f(0.5 * d));
    }
    return reduceLoss(loss, x.shape, reduction);
  },
  backward: (g, { inputs: [x, y], attrs: { reduction, delta } }, [nx, ny]) => {
    const dl = f(delta);
    const grad = (d: number, gi: number, norm: number) =>
      d <= -dl ? f(f(-norm * gi) * dl) : d >= dl ? f(f(norm * gi) * dl) : f(f(norm * d) * gi);
    return [
      nx ? piecewiseLossBackward(g, x, y, reduction, grad) : null,
      ny ? piecewiseLossBackward(g, y, x, reduction, grad) : null,
    ];
  },
});

/** `F.huber_loss(input, target, reduction="mean", delta=1.0)`: HuberLossBackward0. */
export function huberLoss(input: Tensor, target: Tensor, reduction: Reduction = "mean", delta = 1.0): Tensor {
  const [x, y] = broadcastLossOperands(input, target);
  const r = checkReduction(reduction);
  if (!(delta > 0))
    throw new TorchError("RuntimeError", "huber_loss does not support non-positive values for delta.");
  checkFloatOperands(x, y, "huber_cpu");
  // huber's TensorIterator computes in the input's dtype: a float target cannot land in an int input
  if (!isFloating(x.dtype)) {
    throw new TorchError(
      "RuntimeError",
      `result type Float can't be cast to the desired output type ${TYPE_NAME[x.dtype]}`,
    );
  }
  return runHuberLoss([x, y], { reduction: r, delta });
}

// ---- binary_cross_entropy ----

const EPSILON = f(1e-12);

const runBinaryCrossEntropy = defineOp<{ reduction: Reduction; weight: Tensor | null }>({
  name: "binary_cross_entropy",
  gradFn: "BinaryCrossEntropyBackward0",
  forward: ([x, y], { reduction, weight: w }) => {
    const xv = x.values;
    const yv = y.values;
    const loss = new Float32Array(xv.length);
    for (let i = 0; i < loss.length; i++) {
      const xi = xv[i];
      const yi = yv[i];
      if (!(xi >= 0 && xi <= 1)) {
        throw new TorchError("RuntimeError", "all elements of input should be between 0 and 1");
      }
      if (!(yi >= 0 && yi <= 1)) {
        throw new TorchError("RuntimeError", "all elements of target should be between 0 and 1");
      }
      // the log clamp at -100 keeps log(0) finite, as ATen does
      const log1mx = Math.max(f(Math.log1p(-xi)), -100);
      const logx = Math.max(f(Math.log(xi)), -100);
      loss[i] = f(f(yi - 1) * log1mx) - f(yi * logx);
    }
    if (w) {
      const wAt = broadcastTo(w, x.shape);
      const wv = w.values;
      for (let i = 0; i < loss.length; i++) loss[i] = loss[i] * wv[wAt(i)];
    }
    return reduceLoss(loss, x.shape, reduction);
  },
  backward: (g, { inputs: [x, y], attrs: { reduction, weight: w } }, [nx, ny]) => {
    const xv = x.values;
    const yv = y.values;
    const n = xv.length;
    const gAt = gradAt(g);
    const wv = w?.values;
    const wAt = w ? broadcastTo(w, x.shape) : null;
    const finish = (out: Float32Array) => {
      if (wv) for (let i = 0; i < n; i++) out[i] = out[i] * wv[wAt!(i)];
      if (reduction === "mean") for (let i = 0; i < n; i++) out[i] = out[i] / n;
      return new Tensor(out, x.shape, "float32");
    };
    let gx: Tensor | null = null;
    let gy: Tensor | null = null;
    if (nx) {
      // grad * (x - y) / max((1 - x) * x, EPSILON)
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        const denom = Math.max(f(f(1 - xv[i]) * xv[i]), EPSILON);
        out[i] = f(gAt(i) * f(xv[i] - yv[i])) / denom;
      }
      gx = finish(out);
    }
    if (ny) {
      // binary_cross_entropy_target_backward: -logit(x) * grad
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = -f(Math.log(f(xv[i] / f(1 - xv[i])))) * gAt(i);
      gy = finish(out);
    }
    return [gx, gy];
  },
});

/**
 * `F.binary_cross_entropy(input, target, weight=None, reduction="mean")`: input and target in [0, 1],
 * each log clamped at -100 (BinaryCrossEntropyBackward0).
 */
export function binaryCrossEntropy(
  input: Tensor,
  target: Tensor,
  weight: Tensor | null = null,
  reduction: Reduction = "mean",
): Tensor {
  const r = checkReduction(reduction);
  if (!sameShape(input.shape, target.shape)) {
    throw new TorchError(
      "ValueError",
      `Using a target size (${torchSize(target.shape)}) that is different to the input size (${torchSize(input.shape)}) is deprecated. Please ensure they have the same size.`,
    );
  }
  // the loss' TensorIterator wants the target in the input's dtype
  if (target.dtype !== input.dtype) {
    throw new TorchError(
      "RuntimeError",
      `Found dtype ${TYPE_NAME[target.dtype]} but expected ${TYPE_NAME[input.dtype]}`,
    );
  }
  requireFloat(input, "binary_cross_entropy");
  let w: Tensor | null = null;
  if (weight) {
    w = expand(weight, broadcastShapes(target.shape, weight.shape));
    checkInplaceBroadcast(input.shape, w.shape);
  }
  checkNotDifferentiable("binary_cross_entropy", "weight", w);
  return runBinaryCrossEntropy([input, target], { reduction: r, weight: w });
}

// ---- binary_cross_entropy_with_logits ----

/** ATen's CPU log_sigmoid: min(x, 0) - log1p(exp(-|x|)), stable for large |x|. */
function logSigmoidValue(x: number): number {
  return f(Math.min(x, 0) - f(Math.log1p(f(Math.exp(-Math.abs(x))))));
}

/** ATen's CPU sigmoid: 1 / (1 + exp(-x)) in float32. */
function sigmoidValue(x: number): number {
  return f(1 / f(1 + f(Math.exp(-x))));
}

interface LogitsAttrs {
  reduction: Reduction;
  weight: Tensor | null;
  posWeight: Tensor | null;
}

const runBceWithLogits = defineOp<LogitsAttrs>({
  name: "binary_cross_entropy_with_logits",
  gradFn: "BinaryCrossEntropyWithLogitsBackward0",
  // PyTorch 2.x: (1 - y) * x - log_sigmoid(x) * (1 + (pos_weight - 1) * y)
  forward: ([x, y], attrs) => {
    const { weight: w, posWeight: pw } = attrs;
    const xv = x.values;
    const yv = y.values;
    const n = xv.length;
    const loss = new Float32Array(n);
    const pwAt = pw ? broadcastTo(pw, x.shape) : null;
    for (let i = 0; i < n; i++) {
      let lsi = logSigmoidValue(xv[i]);
      if (pw) lsi = f(lsi * f(f(f(pw.values[pwAt!(i)] - 1) * yv[i]) + 1));
      loss[i] = f(f(1 - yv[i]) * xv[i]) - lsi;
    }
    if (w) {
      const wAt = broadcastTo(w, x.shape);
      for (let i = 0; i < n; i++) loss[i] = loss[i] * w.values[wAt(i)];
    }
    return reduceLoss(loss, x.shape, attrs.reduction);
  },
  backward: (g, { inputs: [x, y], attrs }, needs) => {
    const { weight: w, posWeight: pw } = attrs;
    const xv = x.values;
    const yv = y.values;
    const n = xv.length;
    const gAt = gradAt(g);
    const pwAt = pw ? broadcastTo(pw, x.shape) : null;
    const wAt = w ? broadcastTo(w, x.shape) : null;
    const finish = (out: Float32Array) => {
      if (w) for (let i = 0; i < n; i++) out[i] = out[i] * w.values[wAt!(i)];
      if (attrs.reduction === "mean") for (let i = 0; i < n; i++) out[i] = out[i] / n;
      return new Tensor(out, x.shape, "float32");
    };
    const grads: (Tensor | null)[] = [null, null];
    if (needs[0]) {
      const out = new Float32Array(n);
      // input.sigmoid(): whole 16-element blocks vectorized (SLEEF's exp), the rest scalar
      const vecEnd = n - (n % 16);
      for (let i = 0; i < n; i++) {
        const s = i < vecEnd ? f(1 / f(1 + expSleef(-xv[i]))) : sigmoidValue(xv[i]);
        let gi: number;
        if (pw) {
          const tt = f(pw.values[pwAt!(i)] * yv[i]);
          gi = f(f(f(f(tt + 1) - yv[i]) * s) - tt);
        } else {
          gi = f(s - yv[i]);
        }
        out[i] = gi * gAt(i);
      }
      grads[0] = finish(out);
    }
    if (needs[1]) {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        const gt = pw ? f(logSigmoidValue(-xv[i]) - f(logSigmoidValue(xv[i]) * pw.values[pwAt!(i)])) : -xv[i];
        out[i] = gt * gAt(i);
      }
      grads[1] = finish(out);
    }
    return grads;
  },
});

/**
 * `F.binary_cross_entropy_with_logits(input, target, weight=None, pos_weight=None, reduction="mean")`:
 * the stable formula through log_sigmoid (BinaryCrossEntropyWithLogitsBackward0).
 */
export function binaryCrossEntropyWithLogits(
  input: Tensor,
  target: Tensor,
  weight: Tensor | null = null,
  posWeight: Tensor | null = null,
  reduction: Reduction = "mean",
): Tensor {
  const r = checkReduction(reduction);
  if (!sameShape(input.shape, target.shape)) {
    throw new TorchError(
      "ValueError",
      `Target size (${torchSize(target.shape)}) must be the same as input size (${torchSize(input.shape)})`,
    );
  }
  requireFloat(input, "log_sigmoid_cpu");
  // ATen's (1 - target).mul_(input): in place on an int target
  if (target.dtype === "bool") {
    throw new TorchError(
      "RuntimeError",
      "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or `logical_xor()` operator instead.",
    );
  }
  if (target.dtype === "int64") {
    throw new TorchError("RuntimeError", "result type Float can't be cast to the desired output type Long");
  }
  if (posWeight) checkInplaceBroadcast(input.shape, broadcastShapes(posWeight.shape, target.shape));
  if (weight) checkInplaceBroadcast(input.shape, weight.shape);
  checkNotDifferentiable("binary_cross_entropy_with_logits", "weight", weight);
  checkNotDifferentiable("binary_cross_entropy_with_logits", "pos_weight", posWeight);
  return runBceWithLogits([input, target], { reduction: r, weight, posWeight });
}

// ---- nll_loss and cross_entropy ----

interface NllAttrs {
  target: Tensor;
  weight: Tensor | null;
  reduction: Reduction;
  ignoreIndex: number;
}

function checkTarget(t: number, classes: number): void {
  if (!(t >= 0 && t < classes)) throw new TorchError("IndexError", `Target ${t} is out of bounds.`);
}

/**
 * The reduced nll_loss as ATen's CPU kernel sums it: float32 partial sums in a cascade of levels
 * (16 elements per level), returning the loss sum and the total weight (count of kept targets, or
 * the sum of their class weights).
 */
function nllSums(x: Tensor, target: Tensor, w: Tensor | null, ignoreIndex: number) {
  const classes = x.shape[x.shape.length - 1];
  const xv = x.values;
  const tv = target.values;
  const batch = x.shape.length === 1 ? 1 : x.shape[0];
  const levels = 8;
  const levelPower = Math.max(4, Math.floor(Math.ceil(Math.log2(Math.max(batch, 1))) / levels));
  const levelMask = (1 << levelPower) - 1;
  const lossSums = new Array<number>(levels).fill(0);
  const weightSums = new Array<number>(levels).fill(0);
  let ignored = 0;
  for (let b = 0; b < batch; b++) {
    const t = tv[b];
    if (t === ignoreIndex) {
      ignored++;
      continue;
    }
    checkTarget(t, classes);
    const v = xv[b * classes + t];
    if (w) {
      const wt = w.values[t];
      lossSums[0] = f(lossSums[0] - f(v * wt));
      weightSums[0] = f(weightSums[0] + wt);
    } else {
      lossSums[0] = f(lossSums[0] - v);
    }
    for (let j = 0; j + 1 < levels; j++) {
      if ((b & (levelMask << (j * levelPower))) !== 0) break;
      weightSums[j + 1] = f(weightSums[j + 1] + weightSums[j]);
      lossSums[j + 1] = f(lossSums[j + 1] + lossSums[j]);
      weightSums[j] = 0;
      lossSums[j] = 0;
    }
  }
  return {
    loss: lossSums.reduce((acc, v) => f(acc + v), 0),
    totalWeight: w ? weightSums.reduce((acc, v) => f(acc + v), 0) : batch - ignored,
  };
}

const runNllLoss = defineOp<NllAttrs>({
  name: "nll_loss",
  gradFn: "NllLossBackward0",
  forward: ([x], { target, weight: w, reduction, ignoreIndex }) => {
    const classes = x.shape[x.shape.length - 1];
    const xv = x.values;
    const tv = target.values;
    const batch = x.shape.length === 1 ? 1 : x.shape[0];
    if (reduction === "none" && x.shape.length === 2) {
      const out = new Float32Array(batch);
      for (let b = 0; b < batch; b++) {
        const t = tv[b];
        if (t === ignoreIndex) continue;
        checkTarget(t, classes);
        out[b] = -xv[b * classes + t] * (w ? w.values[t] : 1);
      }
      return new Tensor(out, [batch], "float32");
    }
    const { loss, totalWeight } = nllSums(x, target, w, ignoreIndex);
    return new Tensor(Float32Array.of(reduction === "mean" ? f(loss / totalWeight) : loss), [], "float32");
  },
  backward: (g, { inputs: [x], attrs: { target, weight: w, reduction, ignoreIndex } }) => {
    const classes = x.shape[x.shape.length - 1];
    const tv = target.values;
    const gv = g.values;
    const out = new Float32Array(x.numel());
    const perRow = reduction === "none" && x.shape.length === 2;
    const scale = perRow
      ? 0
      : -(reduction === "mean" ? f(gv[0] / nllSums(x, target, w, ignoreIndex).totalWeight) : gv[0]);
    for (let b = 0; b < tv.length; b++) {
      const t = tv[b];
      if (t === ignoreIndex) continue;
      const wt = w ? w.values[t] : 1;
      out[b * classes + t] = perRow ? -wt * gv[b] : w ? wt * scale : scale;
    }
    return [new Tensor(out, x.shape, "float32")];
  },
});

export interface NllLossOptions {
  weight?: Tensor | null;
  reduction?: Reduction;
  ignoreIndex?: number;
}

/**
 * `F.nll_loss(input, target, weight=None, ignore_index=-100, reduction="mean")` for 1-D input (one
 * sample, 0-dim target) and 2-D input (a batch): NllLossBackward0. The third argument is the
 * reduction or an options object.
 */
export function nllLoss(input: Tensor, target: Tensor, opts: Reduction | NllLossOptions = {}): Tensor {
  const o = typeof opts === "string" ? { reduction: opts } : opts;
  const reduction = checkReduction(o.reduction ?? "mean");
  const ignoreIndex = o.ignoreIndex ?? -100;
  const weight = o.weight ?? null;
  const dim = input.shape.length;
  if (dim < 1) throw new TorchError("ValueError", `Expected 1 or more dimensions (got ${dim})`);
  if (dim !== 1 && input.shape[0] !== (target.shape[0] ?? 1)) {
    throw new TorchError(
      "ValueError",
      `Expected input batch_size (${input.shape[0]}) to match target batch_size (${target.shape[0]}).`,
    );
  }
  if (dim > 2) {
    throw new TorchError("NotImplementedError", `gradlens does not support nll_loss on ${dim}-D input yet`);
  }
  if (target.shape.length > 1) {
    throw new TorchError("RuntimeError", "0D or 1D target tensor expected, multi-target not supported");
  }
  if (dim === 1 && target.shape.length !== 0) {
    throw new TorchError(
      "RuntimeError",
      `size mismatch (got input: [${input.shape.join(", ")}], target: [${target.shape.join(", ")}])`,
    );
  }
  const classes = input.shape[dim - 1];
  if (weight && (weight.shape.length !== 1 || weight.numel() !== classes)) {
    throw new TorchError(
      "RuntimeError",
      `weight tensor should be defined either for all ${classes} classes or no classes but got weight tensor of shape: [${weight.shape.join(", ")}]`,
    );
  }
  requireFloat(input, "nll_loss_out_frame");
  if (target.dtype !== "int64") {
    throw new TorchError("RuntimeError", `expected scalar type Long but found ${TYPE_NAME[target.dtype]}`);
  }
  checkNotDifferentiable("nll_loss_forward", "weight", weight);
  return runNllLoss([input], { target, weight, reduction, ignoreIndex });
}

/** `tensor * scalar` as ATen's C++ calls it (the Scalar overload: MulBackward1). */
const runMulScalar = defineOp<{ other: number }>({
  name: "mul.Scalar",
  gradFn: "MulBackward1",
  forward: ([a], { other }) => {
    const s = f(other);
    const out = new Float32Array(a.numel());
    for (let i = 0; i < out.length; i++) out[i] = a.values[i] * s;
    return new Tensor(out, a.shape, "float32");
  },
  backward: (g, { attrs: { other } }) => {
    const s = f(other);
    const out = new Float32Array(g.numel());
    for (let i = 0; i < out.length; i++) out[i] = g.values[i] * s;
    return [new Tensor(out, g.shape, "float32")];
  },
  saves: () => ({ inputs: [], output: false }),
});

/** `tensor / scalar` as ATen's C++ calls it (DivBackward1). */
const runDivScalar = defineOp<{ other: number }>({
  name: "div.Scalar",
  gradFn: "DivBackward1",
  forward: ([a], { other }) => {
    const s = f(other);
    const out = new Float32Array(a.numel());
    for (let i = 0; i < out.length; i++) out[i] = a.values[i] / s;
    return new Tensor(out, a.shape, "float32");
  },
  backward: (g, { attrs: { other } }) => {
    const s = f(other);
    const out = new Float32Array(g.numel());
    for (let i = 0; i < out.length; i++) out[i] = g.values[i] / s;
    return [new Tensor(out, g.shape, "float32")];
  },
  saves: () => ({ inputs: [], output: false }),
});

/**
 * masked_fill: `value` where the (broadcast) mask is true. A number value is MaskedFillBackward0; a
 * 0-dim tensor value is MaskedFillBackward1 and gets the sum of the masked grad. The mask is not
 * differentiable, so it rides in the attrs.
 */
const maskedFillDef: OpDef<{ mask: Tensor; value: number | null }> = {
  name: "masked_fill",
  gradFn: (inputs) => (inputs.length > 1 ? "MaskedFillBackward1" : "MaskedFillBackward0"),
  forward: ([a, valueTensor], { mask, value }) => {
    // ATen broadcasts the mask against self (the mask is "tensor a" in the size error)
    const shape = broadcastShapes(mask.shape, a.shape);
    const fill = castValue(a.dtype, valueTensor ? valueTensor.values[0] : value!);
    const out = allocate(a.dtype, numel(shape));
    const at = broadcastTo(a, shape);
    const mt = broadcastTo(mask, shape);
    for (let i = 0; i < out.length; i++) out[i] = mask.values[mt(i)] ? fill : a.values[at(i)];
    return new Tensor(out, shape, a.dtype);
  },
  backward: (g, { inputs: [a], attrs: { mask } }, [na, nv]) => {
    const mt = broadcastTo(mask, g.shape);
    const kept = new Float32Array(g.numel());
    let filled = 0;
    for (let i = 0; i < kept.length; i++) {
      if (mask.values[mt(i)]) filled += g.values[i];
      else kept[i] = g.values[i];
    }
    return [
      na ? sumToShape(new Tensor(kept, g.shape, "float32"), a.shape) : null,
      nv ? new Tensor(Float32Array.of(filled), [], "float32") : null,
    ];
  },
  saves: () => ({ inputs: [], output: false }),
};
const runMaskedFill = defineOp(maskedFillDef);

/** `a.masked_fill(mask, value)`: MaskedFillBackward0 (a number value) or MaskedFillBackward1 (a 0-dim tensor). */
export function maskedFill(a: Tensor, mask: Tensor, value: number | boolean | Tensor): Tensor {
  if (value instanceof Tensor) {
    if (value.dim() !== 0) {
      throw new TorchError(
        "RuntimeError",
        `masked_fill_ only supports a 0-dimensional value tensor, but got tensor with ${value.dim()} dimension(s).`,
      );
    }
    return runMaskedFill([a, value], { mask, value: null });
  }
  return runMaskedFill([a], { mask, value: Number(value) });
}

export interface CrossEntropyOptions extends NllLossOptions {
  labelSmoothing?: number;
}

/**
 * `F.cross_entropy(input, target, weight=None, ignore_index=-100, reduction="mean",
 * label_smoothing=0.0)`, recorded as PyTorch records it: log_softmax over the class dim, then
 * nll_loss (NllLossBackward0) for class indices; for class probabilities (a float target of the
 * input's shape) `-(log_softmax * target).sum() / batch` (DivBackward1); with label smoothing,
 * ATen's mix of the two. The third argument is the reduction or an options object.
 */
export function crossEntropy(
  input: Tensor,
  target: Tensor,
  opts: Reduction | CrossEntropyOptions = {},
): Tensor {
  const o = typeof opts === "string" ? { reduction: opts } : opts;
  const reduction = checkReduction(o.reduction ?? "mean");
  const ignoreIndex = o.ignoreIndex ?? -100;
  const smoothing = o.labelSmoothing ?? 0;
  const weight = o.weight ?? null;
  const classDim = input.shape.length === 1 ? 0 : 1;
  const classes = input.shape[classDim];
  const checkSmoothing = () => {
    if (smoothing > 1) {
      throw new TorchError(
        "RuntimeError",
        `label_smoothing must be between 0.0 and 1.0. Got: ${cppDouble(smoothing)}`,
      );
    }
  };
  if (input.shape.length > 2) {
    throw new TorchError(
      "NotImplementedError",
      `gradlens does not support cross_entropy on ${input.shape.length}-D input yet`,
    );
  }
  if (sameShape(input.shape, target.shape)) {
    if (!isFloating(target.dtype)) {
      throw new TorchError(
        "RuntimeError",
        `Expected floating point type for target with class probabilities, got ${TYPE_NAME[target.dtype]}`,
      );
    }
    if (ignoreIndex >= 0) {
      throw new TorchError("RuntimeError", "ignore_index is not supported for floating point target");
    }
    if (weight && (weight.shape.length !== 1 || weight.numel() !== classes)) {
      throw new TorchError(
        "RuntimeError",
        `cross_entropy: weight tensor should be defined either for all ${classes} classes or no classes but got weight tensor of shape: [${weight.shape.join(", ")}]`,
      );
    }
    const logp = logSoftmax(input, classDim);
    let probs = target;
    if (smoothing > 0) {
      checkSmoothing();
      probs = add(runMulScalar([target], { other: 1 - smoothing }), smoothing / classes);
    }
    let prod = mul(logp, probs);
    if (weight) prod = mul(prod, input.shape.length > 1 ? view(weight, [1, classes]) : weight);
    if (reduction === "none") return neg(sum(prod, classDim));
    const total = neg(sum(prod));
    if (reduction === "sum") return total;
    // an integer division in ATen: numel / n_classes
    return runDivScalar([total], { other: Math.trunc(input.numel() / classes) });
  }
  if (smoothing > 0) {
    checkSmoothing();
    return crossEntropyLabelSmoothing(input, target, { reduction, ignoreIndex, weight, smoothing });
  }
  return nllLoss(logSoftmax(input, classDim), target, { reduction, ignoreIndex, weight });
}

/** ATen's cross_entropy_loss_label_smoothing (PyTorch 2.x). */
function crossEntropyLabelSmoothing(
  input: Tensor,
  target: Tensor,
  o: { reduction: Reduction; ignoreIndex: number; weight: Tensor | null; smoothing: number },
): Tensor {
  const classDim = input.shape.length === 1 ? 0 : 1;
  const classes = input.shape[classDim];
  const logp = logSoftmax(input, classDim);
  const nll = nllLoss(logp, target, { reduction: o.reduction, ignoreIndex: o.ignoreIndex, weight: o.weight });
  const weighted = o.weight
    ? mul(logp, input.shape.length > 1 ? view(o.weight, [1, classes]) : o.weight)
    : logp;
  const smooth = neg(sum(weighted, classDim));
  const ignoreMask = new Tensor(
    Uint8Array.from(target.values, (t) => (t === o.ignoreIndex ? 1 : 0)),
    target.shape,
    "bool",
  );
  runInplace(maskedFillDef, smooth, [], { mask: ignoreMask, value: 0 }, "masked_fill_");
  let ret: Tensor;
  if (o.reduction === "none") ret = smooth;
  else if (o.reduction === "sum") ret = sum(smooth);
  else {
    // mean: divided by the number of targets kept (or the sum of their class weights)
    let denom = 0;
    for (let i = 0; i < target.numel(); i++) {
      const t = target.values[i];
      if (t !== o.ignoreIndex) denom = o.weight ? f(denom + o.weight.values[t]) : denom + 1;
    }
    const d = new Tensor(
      o.weight ? Float32Array.of(denom) : Float64Array.of(denom),
      [],
      o.weight ? "float32" : "int64",
    );
    ret = smooth.sum().div(d);
  }
  return add(
    runMulScalar([nll], { other: 1 - o.smoothing }),
    runMulScalar([ret], { other: o.smoothing / classes }),
  );
}

// ---- activations ----

interface ActivationSpec<A> {
  name: string;
  gradFn: string;
  /** The kernel name in PyTorch's error for int input. */
  kernel: string;
  fn: (x: number, attrs: A) => number;
  /** d(out)/d(x) times the grad, from the grad and the saved input. */
  grad: (g: number, x: number, attrs: A) => number;
  /**
   * ATen's vectorized forms where they round differently (another erf, SLEEF's exp): run on whole
   * blocks of 16 elements, as cpu_kernel_vec does, `fn` and `grad` on the rest. Null: the same as fn.
   */
  vec?: (attrs: A) => { fn: (x: number) => number; grad: (g: number, x: number) => number } | null;
  /** The vectorized forms cover every element (a oneDNN kernel: no scalar tail). */
  vecAll?: boolean;
}

const VEC_BLOCK = 16;

function activation<A>(spec: ActivationSpec<A>): (a: Tensor, attrs: A) => Tensor {
  const run = defineOp<A>({
    name: spec.name,
    gradFn: spec.gradFn,
    forward: ([a], attrs) => {
      const out = new Float32Array(a.numel());
      const av = a.values;
      const vec = spec.vec?.(attrs);
      const vecEnd = vec ? (spec.vecAll ? out.length : out.length - (out.length % VEC_BLOCK)) : 0;
      for (let i = 0; i < vecEnd; i++) out[i] = vec!.fn(av[i]);
      for (let i = vecEnd; i < out.length; i++) out[i] = spec.fn(av[i], attrs);
      return new Tensor(out, a.shape, "float32");
    },
    backward: (g, { inputs: [a], attrs }) => {
      const out = new Float32Array(a.numel());
      const av = a.values;
      const gv = g.values;
      const vec = spec.vec?.(attrs);
      const vecEnd = vec ? (spec.vecAll ? out.length : out.length - (out.length % VEC_BLOCK)) : 0;
      for (let i = 0; i < vecEnd; i++) out[i] = vec!.grad(gv[i], av[i]);
      for (let i = vecEnd; i < out.length; i++) out[i] = spec.grad(gv[i], av[i], attrs);
      return [new Tensor(out, a.shape, "float32")];
    },
  });
  return (a, attrs) => {
    requireFloat(a, spec.kernel);
    return run([a], attrs);
  };
}

const runLeakyRelu = activation<{ negativeSlope: number }>({
  name: "leaky_relu",
  gradFn: "LeakyReluBackward0",
  kernel: "leaky_relu_cpu",
  fn: (x, { negativeSlope }) => (x > 0 ? x : x * f(negativeSlope)),
  grad: (g, x, { negativeSlope }) => (x > 0 ? g : g * f(negativeSlope)),
});

/** `F.leaky_relu(a, negative_slope=0.01)`: LeakyReluBackward0. */
export function leakyRelu(a: Tensor, negativeSlope = 0.01): Tensor {
  return runLeakyRelu(a, { negativeSlope });
}

/** erf in double: 2/√π · e^(-x²) · Σ (2x²)ⁿ x / (1·3···(2n+1)); every term is positive, so no cancellation. */
function erf(x: number): number {
  if (x !== x) return x;
  const ax = Math.abs(x);
  if (ax >= 6) return Math.sign(x);
  const x2 = 2 * ax * ax;
  let term = ax;
  let total = ax;
  for (let n = 1; n < 500; n++) {
    term *= x2 / (2 * n + 1);
    total += term;
    if (term < total * 1e-17) break;
  }
  const v = (2 / Math.sqrt(Math.PI)) * Math.exp(-ax * ax) * total;
  return x < 0 ? -v : v;
}

const SQRT1_2 = f(Math.SQRT1_2);

// Abramowitz-Stegun 7.1.26 erf with FMAs and SLEEF's exp (ATen's AVX2 Vectorized<float>::erf)
const ERF_P = f(0.3275911);
const ERF_A = [1.061405429, -1.453152027, 1.421413741, -0.284496736, 0.254829592].map(f);
const fma = (a: number, b: number, c: number) => f(a * b + c);
function erfVec(x: number): number {
  const ax = Math.abs(x);
  const t = f(1 / fma(ERF_P, ax, 1));
  let r = ERF_A[0];
  for (let i = 1; i < 5; i++) r = fma(r, t, ERF_A[i]);
  const e = expSleef(-f(x * x));
  const v = fma(f(-e * t), r, 1);
  return x < 0 || Object.is(x, -0) ? -v : v;
}
// M_2_SQRTPI * M_SQRT1_2 * 0.5, and M_SQRT2 * M_2_SQRTPI * 0.5, as ATen's GeluKernel spells them
const GELU_PDF = f((2 / Math.sqrt(Math.PI)) * Math.SQRT1_2 * 0.5);
const GELU_TANH_BETA = f(Math.SQRT2 * (2 / Math.sqrt(Math.PI)) * 0.5);
const GELU_TANH_KAPPA = f(0.044715);

type GeluApproximate = "none" | "tanh";

const runGelu = activation<{ approximate: GeluApproximate }>({
  name: "gelu",
  gradFn: "GeluBackward0",
  kernel: "GeluKernelImpl",
  // Debian's PyTorch runs erf GELU (both ways) through oneDNN's gelu_erf on every element. Its
  // A&S 7.1.26 erf is what `vec` computes, with SLEEF's exp standing in for oneDNN's: nearer than
  // the exact erf (forward: 22% of elements 1 ulp off instead of 70%), not bit-exact.
  vecAll: true,
  fn: (x, { approximate }) => {
    if (approximate === "tanh") {
      const cube = f(f(x * x) * x);
      const inner = f(GELU_TANH_BETA * f(x + f(GELU_TANH_KAPPA * cube)));
      return f(0.5 * x) * f(1 + f(Math.tanh(inner)));
    }
    return f(x * 0.5) * f(1 + f(erf(f(x * SQRT1_2))));
  },
  grad: (g, x, { approximate }) => {
    if (approximate === "tanh") {
      const sq = f(x * x);
      const cube = f(sq * x);
      const inner = f(GELU_TANH_BETA * f(x + f(GELU_TANH_KAPPA * cube)));
      const th = f(Math.tanh(inner));
      const left = f(0.5 * x);
      const right = f(1 + th);
      const leftDerivative = f(0.5 * right);
      const tanhDerivative = f(1 - f(th * th));
      const innerDerivative = f(GELU_TANH_BETA * f(1 + f(f(3 * GELU_TANH_KAPPA) * sq)));
      const rightDerivative = f(f(left * tanhDerivative) * innerDerivative);
      return g * f(leftDerivative + rightDerivative);
    }
    const cdf = f(0.5 * f(1 + f(erf(f(x * SQRT1_2)))));
    const pdf = f(GELU_PDF * f(Math.exp(f(f(x * x) * -0.5))));
    return g * f(cdf + f(x * pdf));
  },
  vec: ({ approximate }) =>
    approximate === "tanh"
      ? null
      : {
          fn: (x) => f(f(x * 0.5) * f(1 + erfVec(f(x * SQRT1_2)))),
          // dy * (cdf + x * pdf), the multiply-add fused
          grad: (g, x) => {
            const cdf = f(0.5 * f(1 + erfVec(f(x * SQRT1_2))));
            const pdf = f(GELU_PDF * expSleef(f(f(x * x) * -0.5)));
            return f(g * fma(x, pdf, cdf));
          },
        },
});

/** `F.gelu(a, approximate="none")`: erf-based, or the tanh approximation (GeluBackward0). */
export function gelu(a: Tensor, approximate: GeluApproximate = "none"): Tensor {
  if (approximate !== "none" && approximate !== "tanh") {
    throw new TorchError("RuntimeError", "approximate argument must be either none or tanh.");
  }
  return runGelu(a, { approximate });
}

const runSoftplus = activation<{ beta: number; threshold: number }>({
  name: "softplus",
  gradFn: "SoftplusBackward0",
  kernel: "softplus_cpu",
  // linear above the threshold, where log1p(exp(x)) would be x in float32 anyway
  fn: (x, { beta, threshold }) => {
    const xb = f(x * f(beta));
    return xb > f(threshold) ? x : f(f(Math.log1p(f(Math.exp(xb)))) / f(beta));
  },
  grad: (g, x, { beta, threshold }) => {
    const xb = f(x * f(beta));
    if (xb > f(threshold)) return g;
    const z = f(Math.exp(xb));
    return f(g * z) / f(z + 1);
  },
});

/** `F.softplus(a, beta=1, threshold=20)`: SoftplusBackward0. */
export function softplus(a: Tensor, beta = 1, threshold = 20): Tensor {
  return runSoftplus(a, { beta, threshold });
}

const runElu = activation<{ alpha: number }>({
  name: "elu",
  gradFn: "EluBackward0",
  kernel: "elu_cpu",
  // PyTorch 2.x: expm1(x) * alpha for x < 0
  fn: (x, { alpha }) => (x < 0 ? f(Math.expm1(x)) * f(alpha) : x),
  grad: (g, x, { alpha }) => (x <= 0 ? f(g * f(alpha)) * f(Math.exp(x)) : g),
});

/** `F.elu(a, alpha=1.0)`: EluBackward0. */
export function elu(a: Tensor, alpha = 1.0): Tensor {
  return runElu(a, { alpha });
}

const runSilu = activation<Record<string, never>>({
  name: "silu",
  gradFn: "SiluBackward0",
  kernel: "silu_cpu",
  fn: (x) => x / f(1 + f(Math.exp(-x))),
  grad: (g, x) => {
    const s = f(1 / f(1 + f(Math.exp(-x))));
    return f(g * s) * f(1 + f(x * f(1 - s)));
  },
});

/** `F.silu(a)`: x * sigmoid(x) (SiluBackward0). */
export function silu(a: Tensor): Tensor {
  return runSilu(a, {});
}

const runLogSigmoid = activation<Record<string, never>>({
  name: "log_sigmoid",
  gradFn: "LogSigmoidBackward0",
  kernel: "log_sigmoid_cpu",
  fn: (x) => logSigmoidValue(x),
  // ATen's log_sigmoid_backward with buffer = exp(-|x|)
  grad: (g, x) => {
    const b = f(Math.exp(-Math.abs(x)));
    const negative = x < 0;
    const maxDeriv = negative ? 1 : 0;
    const sign = negative ? 1 : -1;
    return f(maxDeriv - f(sign * f(b / f(1 + b)))) * g;
  },
});

/** `F.logsigmoid(a)`: log(sigmoid(x)) computed stably (LogSigmoidBackward0). */
export function logsigmoid(a: Tensor): Tensor {
  return runLogSigmoid(a, {});
}

const runHardtanh = defineOp<{ minVal: number; maxVal: number }>({
  name: "hardtanh",
  gradFn: "HardtanhBackward0",
  forward: ([a], { minVal, maxVal }) => {
    const isFloat = a.dtype === "float32";
    const lo = isFloat ? f(minVal) : Math.trunc(minVal);
    const hi = isFloat ? f(maxVal) : Math.trunc(maxVal);
    const out = a.dtype === "float32" ? new Float32Array(a.numel()) : new Float64Array(a.numel());
    for (let i = 0; i < out.length; i++) {
      const x = a.values[i];
      out[i] = x !== x ? x : Math.min(Math.max(x, lo), hi);
    }
    return new Tensor(out, a.shape, a.dtype);
  },
  // zero at the bounds themselves, unlike clamp's backward
  backward: (g, { inputs: [a], attrs: { minVal, maxVal } }) => {
    const lo = f(minVal);
    const hi = f(maxVal);
    const out = new Float32Array(a.numel());
    for (let i = 0; i < out.length; i++) {
      const x = a.values[i];
      out[i] = x <= lo || x >= hi ? 0 : g.values[i];
    }
    return [new Tensor(out, a.shape, "float32")];
  },
});

/** `F.hardtanh(a, min_val=-1, max_val=1)`: HardtanhBackward0. */
export function hardtanh(a: Tensor, minVal = -1, maxVal = 1): Tensor {
  if (a.dtype === "bool") throw new TorchError("RuntimeError", "Bool inputs not supported for hardtanh");
  return runHardtanh([a], { minVal, maxVal });
}

/** `F.relu6(a)`: hardtanh(a, 0, 6), as ATen implements it (HardtanhBackward0). */
export function relu6(a: Tensor): Tensor {
  return hardtanh(a, 0, 6);
}

// ---- linear ----

/** A row-major m×n matrix transposed (n×m). */
function transposed(v: ArrayLike<number>, m: number, n: number): Float32Array {
  const out = new Float32Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[j * m + i] = v[i * n + j];
  return out;
}

const runAddmm = defineOp<Record<string, never>>({
  name: "addmm",
  gradFn: "AddmmBackward0",
  forward: ([bias, m1, m2]) => {
    const [n, k] = m1.shape;
    const m = m2.shape[1];
    const out = matmulKernel(m1.values, m2.values, n, k, m);
    const at = broadcastTo(bias, [n, m]);
    for (let i = 0; i < out.length; i++) out[i] = out[i] + bias.values[at(i)];
    return new Tensor(out, [n, m], "float32");
  },
  // self: grad (summed to the bias' shape); mat1: grad @ mat2ᵀ; mat2: mat1ᵀ @ grad
  backward: (g, { inputs: [bias, m1, m2] }, [nb, n1, n2]) => {
    const [n, k] = m1.shape;
    const m = m2.shape[1];
    return [
      nb ? sumToShape(g, bias.shape) : null,
      n1 ? new Tensor(matmulKernel(g.values, m2.values, n, m, k, true), [n, k], "float32") : null,
      n2 ? new Tensor(matmulKernel(transposed(m1.values, n, k), g.values, k, n, m), [k, m], "float32") : null,
    ];
  },
  // mat1 is saved for mat2's grad and mat2 for mat1's
  saves: (_ctx, [, n1, n2]) => ({ inputs: [...(n2 ? [1] : []), ...(n1 ? [2] : [])], output: false }),
});

/** `torch.addmm(bias, mat1, mat2)`: bias + mat1 @ mat2 (AddmmBackward0). */
export function addmm(bias: Tensor, mat1: Tensor, mat2: Tensor): Tensor {
  for (const [name, m] of [
    ["mat1", mat1],
    ["mat2", mat2],
  ] as const) {
    if (m.shape.length !== 2) {
      throw new TorchError("RuntimeError", `${name} must be a matrix, got ${m.shape.length}-D tensor`);
    }
  }
  const [n, k] = mat1.shape;
  const [k2, m] = mat2.shape;
  // ADDMM_META checks dtypes before shapes (an int batch through nn.Linear lands here)
  if (mat1.dtype !== mat2.dtype) {
    throw new TorchError("RuntimeError", "mat1 and mat2 must have the same dtype");
  }
  if (k !== k2) {
    throw new TorchError(
      "RuntimeError",
      `mat1 and mat2 shapes cannot be multiplied (${n}x${k} and ${k2}x${m})`,
    );
  }
  checkExpandable(bias.shape, [n, m]);
  return runAddmm([bias, mat1, mat2], {});
}

/** expand_size's rule for the bias of addmm, with ATen's error text. */
function checkExpandable(shape: Shape, target: number[]): void {
  const offset = target.length - shape.length;
  for (let i = shape.length - 1; i >= 0; i--) {
    const want = target[i + offset];
    if (shape[i] !== 1 && shape[i] !== want) {
      throw new TorchError(
        "RuntimeError",
        `The expanded size of the tensor (${want}) must match the existing size (${shape[i]}) at non-singleton dimension ${i + offset}.  Target sizes: [${target.join(", ")}].  Tensor sizes: [${shape.join(", ")}]`,
      );
    }
  }
}

/**
 * `F.linear(x, weight, bias=None)` as PyTorch 2.x's ATen records it: 2-D input with a bias is one
 * addmm(bias, x, weight.t()) (AddmmBackward0); contiguous 3-D input with a bias is view → addmm →
 * view; anything else is matmul(x, weight.t()) (MmBackward0 for 2-D x), then an in-place add of
 * the bias (AddBackward0).
 */
export function linear(x: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  const wt = transposeMatrix(weight);
  if (bias && x.shape.length === 2) return addmm(bias, x, wt);
  if (bias && x.shape.length === 3 && x.isContiguous()) {
    const [b, s, k] = x.shape;
    const out = addmm(bias, view(x, [b * s, k]), wt);
    return view(out, [b, s, out.shape[1]]);
  }
  const out = matmul(x, wt);
  if (bias) out.add_(bias);
  return out;
}

// ---- dropout ----

/**
 * `F.dropout(a, p=0.5, training=True)` on the CPU: `a * mask / (1 - p)` (MulBackward0), the mask
 * drawn as bernoulli_(1 - p) from the generator. Not training, or p = 0, returns `a` itself.
 */
export function dropout(
  a: Tensor,
  p = 0.5,
  training = true,
  generator: Generator = defaultGenerator,
): Tensor {
  if (p < 0 || p > 1) {
    throw new TorchError("ValueError", `dropout probability has to be between 0 and 1, but got ${p}`);
  }
  if (p === 0 || !training || a.numel() === 0) return a;
  if (p === 1) return mul(a, Tensor.empty([], a.dtype));
  // the float noise is divided in place by (1 - p), then multiplied into the input
  if (!isFloating(a.dtype)) {
    throw new TorchError(
      "RuntimeError",
      `result type Float can't be cast to the desired output type ${TYPE_NAME[a.dtype]}`,
    );
  }
  const keep = bernoulliMask(a.numel(), 1 - p, generator);
  const scale = f(1 / f(1 - p));
  const noise = new Float32Array(keep.length);
  for (let i = 0; i < noise.length; i++) noise[i] = keep[i] ? scale : 0;
  return mul(a, new Tensor(noise, a.shape, "float32"));
}
