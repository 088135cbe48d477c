/**
 * Creation ops: tensors made from data, constants and random draws. Each tells the listener what it
 * made (a "create" event: a leaf or a constant of the program); none has a grad_fn.
 */
import { allocate, castValue, type DType, isFloating, promoteTypes } from "../dtype.ts";
import { emit } from "../events.ts";
import { TorchError } from "../errors.ts";
import { defineOp, type OpDef, runInplace } from "../registry.ts";
import { numel, type Shape } from "../shape.ts";
import { Tensor } from "../tensor.ts";
import { defaultGenerator, fillNormal, fillUniform, type Generator, permutation } from "../random.ts";

export { manualSeed, initialSeed, Generator, defaultGenerator } from "../random.ts";

export interface CreateOptions {
  dtype?: DType;
  requiresGrad?: boolean;
}

export interface RandomOptions extends CreateOptions {
  generator?: Generator;
}

/** Data for tensor(): numbers, booleans, 1-element tensors, nested in arrays. */
export type NestedData = number | boolean | Tensor | ArrayLike<number> | readonly NestedData[];

/** A size as PyTorch takes it: `zeros(3)`, `zeros([2, 3])`, `zeros([])` for a 0-dim tensor. */
export type SizeArg = number | Shape;

// torch.tensor(..., requires_grad=True) words it with a capital O, unlike requires_grad_().
const ONLY_FLOAT_GRAD = "Only Tensors of floating point and complex dtype can require gradients";

const TYPE_NAME: Record<DType, string> = { float32: "Float", int64: "Long", bool: "Bool" };

/** A double as C++'s ostream prints it in ATen's messages (6 significant digits, `inf`, `nan`). */
function cppDouble(v: number): string {
  if (Number.isNaN(v)) return "nan";
  if (!Number.isFinite(v)) return v > 0 ? "inf" : "-inf";
  return String(Number(v.toPrecision(6)));
}

function sizeOf(size: SizeArg): number[] {
  const shape = typeof size === "number" ? [size] : [...size];
  for (const d of shape) {
    if (!Number.isInteger(d)) throw new TorchError("TypeError", `size must contain integers, got ${d}`);
    if (d < 0) {
      throw new TorchError(
        "RuntimeError",
        `Trying to create tensor with negative dimension ${d}: [${shape.join(", ")}]`,
      );
    }
  }
  return shape;
}

/** Marks a freshly made tensor as the program's leaf (requires_grad) and tells the listener. */
function created(t: Tensor, op: string, requiresGrad = false): Tensor {
  if (requiresGrad) {
    if (!isFloating(t.dtype)) throw new TorchError("RuntimeError", ONLY_FLOAT_GRAD);
    t.requiresGrad_(true);
  }
  emit({ kind: "create", tensor: t, op });
  return t;
}

function isSequence(x: unknown): x is ArrayLike<unknown> {
  return Array.isArray(x) || (ArrayBuffer.isView(x) && !(x instanceof DataView));
}

function scalarDType(x: unknown): DType {
  if (typeof x === "boolean") return "bool";
  if (typeof x === "number") return Number.isInteger(x) ? "int64" : "float32";
  if (x instanceof Tensor) return x.dtype;
  throw new TorchError("TypeError", `Could not infer dtype of ${typeof x}`);
}

/**
 * PyTorch's infer_scalar_type: the promoted type of every element, where an empty list counts as
 * the default float32 (so `[[], [1]]` is float32).
 */
function inferDType(data: unknown): DType {
  if (!isSequence(data)) return scalarDType(data);
  if (data.length === 0) return "float32";
  if (ArrayBuffer.isView(data)) {
    return data instanceof Float32Array || data instanceof Float64Array ? "float32" : "int64";
  }
  let dt = inferDType(data[0]);
  for (let i = 1; i < data.length; i++) dt = promoteTypes(dt, inferDType(data[i]));
  return dt;
}

/** PyTorch's compute_sizes: the lengths along the first element at each depth. */
function inferShape(data: unknown): number[] {
  const shape: number[] = [];
  let x: unknown = data;
  while (isSequence(x)) {
    shape.push(x.length);
    if (x.length === 0) break;
    x = x[0];
  }
  return shape;
}

function scalarValue(x: unknown, dtype: DType): number {
  if (isSequence(x)) {
    const msg =
      dtype === "float32"
        ? "must be real number, not list"
        : "'list' object cannot be interpreted as an integer";
    throw new TorchError("TypeError", msg);
  }
  if (x instanceof Tensor) {
    if (x.numel() !== 1) {
      throw new TorchError("ValueError", "only one element tensors can be converted to Python scalars");
    }
    return castValue(dtype, x.values[0]);
  }
  return castValue(dtype, typeof x === "boolean" ? Number(x) : (x as number));
}

/** Writes nested data into `out` row-major, with PyTorch's errors for ragged input. */
function store(data: unknown, shape: number[], dim: number, out: number[], dtype: DType): void {
  if (dim === shape.length) {
    out.push(scalarValue(data, dtype));
    return;
  }
  if (!isSequence(data)) throw new TorchError("TypeError", "not a sequence");
  if (data.length !== shape[dim]) {
    throw new TorchError(
      "ValueError",
      `expected sequence of length ${shape[dim]} at dim ${dim} (got ${data.length})`,
    );
  }
  for (let i = 0; i < data.length; i++) store(data[i], shape, dim + 1, out, dtype);
}

/**
 * `torch.tensor(data)`: any float makes float32, all ints int64, all bools bool. A JS whole number
 * counts as a Python int (`tensor(1)` is int64); pass `{dtype: "float32"}` to get a float. JS cannot
 * tell `1.0` from `1`, so `{requiresGrad: true}` without a dtype means float32 (the only dtype that
 * may require grad); the Python shim always passes Python's own inference.
 */
export function tensor(data: NestedData, opts: CreateOptions = {}): Tensor {
  if (data instanceof Tensor) return copyConstruct(data, opts);
  const inferred = inferDType(data);
  const dtype = opts.dtype ?? (opts.requiresGrad && inferred === "int64" ? "float32" : inferred);
  const shape = inferShape(data);
  const flat: number[] = [];
  // like PyTorch, an empty result reads nothing (so [[], [1]] is a 2x0 tensor)
  if (numel(shape) > 0) store(data, shape, 0, flat, dtype);
  const values = allocate(dtype, flat.length);
  values.set(flat);
  return created(new Tensor(values, shape, dtype), "tensor", opts.requiresGrad);
}

/** `torch.tensor(t)`: a detached copy of the whole tensor, with PyTorch's warning. */
function copyConstruct(src: Tensor, opts: CreateOptions): Tensor {
  emit({
    kind: "warning",
    category: "UserWarning",
    message:
      "To copy construct from a tensor, it is recommended to use sourceTensor.clone().detach() or sourceTensor.clone().detach().requires_grad_(True), rather than torch.tensor(sourceTensor).",
  });
  const dtype = opts.dtype ?? src.dtype;
  const values = allocate(dtype, src.numel());
  for (let i = 0; i < values.length; i++) values[i] = castValue(dtype, src.values[i]);
  return created(new Tensor(values, src.shape, dtype), "tensor", opts.requiresGrad);
}

/** The dtype of a fill value, as PyTorch's full() infers it. */
function valueDType(value: number | boolean): DType {
  if (typeof value === "boolean") return "bool";
  return Number.isInteger(value) ? "int64" : "float32";
}

function filledTensor(shape: number[], value: number, dtype: DType): Tensor {
  const t = Tensor.empty(shape, dtype);
  t.values.fill(castValue(dtype, value));
  return t;
}

export function zeros(size: SizeArg, opts: CreateOptions = {}): Tensor {
  return created(filledTensor(sizeOf(size), 0, opts.dtype ?? "float32"), "zeros", opts.requiresGrad);
}

export function ones(size: SizeArg, opts: CreateOptions = {}): Tensor {
  return created(filledTensor(sizeOf(size), 1, opts.dtype ?? "float32"), "ones", opts.requiresGrad);
}

/** `torch.empty`: gradlens fills it with zeros (PyTorch leaves whatever memory held). */
export function empty(size: SizeArg, opts: CreateOptions = {}): Tensor {
  return created(filledTensor(sizeOf(size), 0, opts.dtype ?? "float32"), "empty", opts.requiresGrad);
}

/** `torch.full(size, value)`: the dtype follows the value (an int fill gives int64, as in 2.x). */
export function full(size: SizeArg, value: number | boolean, opts: CreateOptions = {}): Tensor {
  const dtype = opts.dtype ?? valueDType(value);
  return created(filledTensor(sizeOf(size), Number(value), dtype), "full", opts.requiresGrad);
}

export function zerosLike(a: Tensor, opts: CreateOptions = {}): Tensor {
  return created(filledTensor([...a.shape], 0, opts.dtype ?? a.dtype), "zeros_like", opts.requiresGrad);
}

export function onesLike(a: Tensor, opts: CreateOptions = {}): Tensor {
  return created(filledTensor([...a.shape], 1, opts.dtype ?? a.dtype), "ones_like", opts.requiresGrad);
}

export function emptyLike(a: Tensor, opts: CreateOptions = {}): Tensor {
  return created(filledTensor([...a.shape], 0, opts.dtype ?? a.dtype), "empty_like", opts.requiresGrad);
}

/** `torch.full_like`: keeps the input's dtype (2.7 into an int64 tensor is 2). */
export function fullLike(a: Tensor, value: number | boolean, opts: CreateOptions = {}): Tensor {
  const t = filledTensor([...a.shape], Number(value), opts.dtype ?? a.dtype);
  return created(t, "full_like", opts.requiresGrad);
}

/** `torch.eye(n, m)`. */
export function eye(n: number, m?: number, opts: CreateOptions = {}): Tensor {
  if (n < 0) throw new TorchError("RuntimeError", `n must be greater or equal to 0, got ${n}`);
  const cols = m ?? n;
  if (cols < 0) throw new TorchError("RuntimeError", `m must be greater or equal to 0, got ${cols}`);
  const t = filledTensor([n, cols], 0, opts.dtype ?? "float32");
  for (let i = 0; i < Math.min(n, cols); i++) t.values[i * cols + i] = 1;
  return created(t, "eye", opts.requiresGrad);
}

// ATen's CPU range kernels run vectorized over blocks of two AVX2 vectors (16 float32 or 8 int64
// lanes), each vector filled as base + k * step; the tail runs the scalar formula. Reproducing the
// split reproduces PyTorch's last bits.
function vecLanes(dtype: DType): number {
  return dtype === "float32" ? 8 : 4;
}

/**
 * `torch.arange(end)`, `arange(start, end)`, `arange(start, end, step)`: int64 when all are whole
 * numbers, else float32; the length is ceil((end - start) / step) computed in double.
 */
export function arange(start: number, end?: number, step = 1, opts: CreateOptions = {}): Tensor {
  if (end === undefined) {
    end = start;
    start = 0;
  }
  const allInt = [start, end, step].every((v) => Number.isInteger(v));
  const dtype = opts.dtype ?? (allInt ? "int64" : "float32");
  if (!Number.isFinite(start) || !Number.isFinite(end)) {
    throw new TorchError("RuntimeError", `unsupported range: ${cppDouble(start)} -> ${cppDouble(end)}`);
  }
  if (step === 0) throw new TorchError("RuntimeError", "step must be nonzero");
  if ((step > 0 && end < start) || (step < 0 && end > start)) {
    throw new TorchError("RuntimeError", "upper bound and larger bound inconsistent with step sign");
  }
  const n = Math.ceil((end - start) / step);
  const out = allocate(dtype, n);
  const first = start;
  const by = step;
  // accumulated in double (ATen's acc type for float), stored as float32
  fillRange(
    out,
    n,
    dtype,
    (i) => first + by * i,
    (base, k) => base + k * by,
  );
  return created(new Tensor(out, [n], dtype), "arange", opts.requiresGrad);
}

/** `torch.linspace(start, end, steps)`: float32 by default; the second half counts back from `end`. */
export function linspace(start: number, end: number, steps: number, opts: CreateOptions = {}): Tensor {
  if (steps < 0) throw new TorchError("RuntimeError", "number of steps must be non-negative");
  const dtype = opts.dtype ?? "float32";
  const out = allocate(dtype, steps);
  if (steps === 1) out[0] = castValue(dtype, start);
  else if (steps > 1) fillLinspace(out, start, end, steps, dtype);
  return created(new Tensor(out, [steps], dtype), "linspace", opts.requiresGrad);
}

/**
 * Fills a range as ATen's CPU kernels do: blocks of two vectors, each vector `lane(base, k)` from
 * its own base (stored in the element type first), then the scalar formula for the tail.
 */
function fillRange(
  out: Float32Array | Float64Array | Uint8Array,
  n: number,
  dtype: DType,
  at: (idx: number) => number,
  lane: (base: number, k: number) => number,
): void {
  const lanes = vecLanes(dtype);
  let i = 0;
  for (; i + 2 * lanes <= n; i += 2 * lanes) {
    for (let v = i; v < i + 2 * lanes; v += lanes) {
      const base = castValue(dtype, at(v));
      for (let k = 0; k < lanes; k++) out[v + k] = castValue(dtype, lane(base, k));
    }
  }
  for (; i < n; i++) out[i] = castValue(dtype, at(i));
}

function fillLinspace(
  out: Float32Array | Float64Array | Uint8Array,
  s: number,
  e: number,
  steps: number,
  dtype: DType,
): void {
  const f = Math.fround;
  const halfway = Math.floor(steps / 2);
  // float32: start, end and step are float32; integer types: a double step, each value truncated
  const isFloat = dtype === "float32";
  const start = isFloat ? f(s) : Math.trunc(s);
  const end = isFloat ? f(e) : Math.trunc(e);
  const step = isFloat ? f(f(end - start) / (steps - 1)) : (end - start) / (steps - 1);
  // the scalar formula is one fused multiply-add in the AVX2 build; the vector lanes are not fused
  const at = (idx: number) => (idx < halfway ? start + step * idx : end - step * (steps - idx - 1));
  const lane = isFloat
    ? (base: number, k: number) => base + f(k * step)
    : (base: number, k: number) => base + k * step;
  fillRange(out, steps, dtype, at, lane);
}

function checkFloatRandom(dtype: DType, kernel: string): void {
  if (dtype !== "float32") {
    throw new TorchError("RuntimeError", `"${kernel}" not implemented for '${TYPE_NAME[dtype]}'`);
  }
}

/** `torch.rand(size)`: uniform [0, 1), PyTorch's stream for the seed. */
export function rand(size: SizeArg, opts: RandomOptions = {}): Tensor {
  const dtype = opts.dtype ?? "float32";
  checkFloatRandom(dtype, "check_uniform_bounds");
  const t = Tensor.empty(sizeOf(size), dtype);
  fillUniform(t.values as Float32Array, 0, 1, opts.generator ?? defaultGenerator);
  return created(t, "rand", opts.requiresGrad);
}

/** `torch.randn(size)`: standard normal, PyTorch's stream for the seed. */
export function randn(size: SizeArg, opts: RandomOptions = {}): Tensor {
  const dtype = opts.dtype ?? "float32";
  checkFloatRandom(dtype, "normal_kernel_cpu");
  const t = Tensor.empty(sizeOf(size), dtype);
  fillNormal(t.values as Float32Array, 0, 1, opts.generator ?? defaultGenerator);
  return created(t, "randn", opts.requiresGrad);
}

export function randLike(a: Tensor, opts: RandomOptions = {}): Tensor {
  return rand(a.shape, { dtype: a.dtype, ...opts });
}

export function randnLike(a: Tensor, opts: RandomOptions = {}): Tensor {
  return randn(a.shape, { dtype: a.dtype, ...opts });
}

/**
 * `torch.randint(low, high, size)` or `randint(high, size)`: int64 in [low, high) by
 * `random() % (high - low) + low`.
 */
export function randint(low: number, high: number | Shape, size?: SizeArg, opts: RandomOptions = {}): Tensor {
  if (typeof high !== "number") {
    size = high;
    high = low;
    low = 0;
  }
  if (size === undefined) throw new TorchError("TypeError", "randint() missing required argument 'size'");
  if (low >= high) {
    throw new TorchError(
      "RuntimeError",
      `random_ expects 'from' to be less than 'to', but got from=${low} >= to=${high}`,
    );
  }
  const dtype = opts.dtype ?? "int64";
  const t = Tensor.empty(sizeOf(size), dtype);
  const gen = opts.generator ?? defaultGenerator;
  const v = t.values;
  for (let i = 0; i < v.length; i++) v[i] = castValue(dtype, gen.intFromTo(high - low, low));
  return created(t, "randint", opts.requiresGrad);
}

/** `torch.randperm(n)`: int64, PyTorch's shuffle for the seed. */
export function randperm(n: number, opts: RandomOptions = {}): Tensor {
  const shape = sizeOf([n]);
  const dtype = opts.dtype ?? "int64";
  const perm = permutation(n, opts.generator ?? defaultGenerator);
  const t = Tensor.empty(shape, dtype);
  for (let i = 0; i < n; i++) t.values[i] = castValue(dtype, perm[i]);
  return created(t, "randperm", opts.requiresGrad);
}

// In-place random fills (`t.uniform_(a, b)`, `t.normal_(m, s)`, what nn.init uses under no_grad):
// recorded as in-place ops, with PyTorch's error on a leaf that requires grad. The generator is
// passed beside the attrs (which the trace records) rather than in them.
let fillGenerator: Generator = defaultGenerator;

const uniformDef: OpDef<{ from: number; to: number }> = {
  name: "uniform",
  gradFn: "UniformBackward0",
  forward: ([a], { from, to }) => {
    checkFloatRandom(a.dtype, "check_uniform_bounds");
    const t = Tensor.empty(a.shape, a.dtype);
    fillUniform(t.values as Float32Array, from, to, fillGenerator);
    return t;
  },
};
const normalDef: OpDef<{ mean: number; std: number }> = {
  name: "normal",
  gradFn: "NormalBackward0",
  forward: ([a], { mean, std }) => {
    checkFloatRandom(a.dtype, "normal_kernel_cpu");
    if (std < 0) throw new TorchError("RuntimeError", `normal expects std >= 0.0, but found std ${std}`);
    const t = Tensor.empty(a.shape, a.dtype);
    fillNormal(t.values as Float32Array, mean, std, fillGenerator);
    return t;
  },
};
defineOp(uniformDef);
defineOp(normalDef);

function withGenerator<T>(generator: Generator, fn: () => T): T {
  const prev = fillGenerator;
  fillGenerator = generator;
  try {
    return fn();
  } finally {
    fillGenerator = prev;
  }
}

/** `t.uniform_(from, to)`. */
export function uniform_(t: Tensor, from = 0, to = 1, generator: Generator = defaultGenerator): Tensor {
  return withGenerator(generator, () => runInplace(uniformDef, t, [], { from, to }, "uniform_"));
}

/** `t.normal_(mean, std)`. */
export function normal_(t: Tensor, mean = 0, std = 1, generator: Generator = defaultGenerator): Tensor {
  return withGenerator(generator, () => runInplace(normalDef, t, [], { mean, std }, "normal_"));
}
