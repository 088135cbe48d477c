import { AccumulateGrad, type GradHook, type Node, runBackward } from "./autograd.ts";
import { allocate, type DType, isFloating, type Storage } from "./dtype.ts";
import { emit, silently } from "./events.ts";
import { MSG, TorchError } from "./errors.ts";
import { numel, sameShape, type Shape } from "./shape.ts";
import * as ops from "./ops/index.ts";
import { reprTensor } from "./repr.ts";

let nextTensorId = 1;

/** The buffer a tensor reads, shared by detach() and reshape-like views, with PyTorch's version counter. */
export interface TensorStorage {
  data: Storage;
  version: number;
}

export type Operand = Tensor | number | boolean;

/** A dense, contiguous tensor with PyTorch's autograd metadata. */
export class Tensor {
  /** Numeric ids only go up; the trace refers to tensors by them. */
  readonly id = nextTensorId++;
  readonly shape: readonly number[];
  readonly dtype: DType;
  storage: TensorStorage;
  private _requiresGrad = false;
  private _gradFn: Node | null = null;
  private _accumulator: AccumulateGrad | null = null;
  /** `.grad` without the non-leaf warning. */
  gradRaw: Tensor | null = null;
  retainsGrad = false;
  /** A Python number turned into a tensor for an op (`x * 2.0`): drawn as a constant stub. */
  isWrappedNumber = false;
  /** The program's name for this tensor, when known (set by the Python shim or the user). */
  label: string | null = null;

  constructor(data: Storage | TensorStorage, shape: Shape, dtype: DType) {
    this.storage = "version" in data ? data : { data, version: 0 };
    this.shape = [...shape];
    this.dtype = dtype;
    if (this.storage.data.length !== numel(shape)) {
      throw new Error(`storage of ${this.storage.data.length} elements for shape [${shape.join(", ")}]`);
    }
  }

  static empty(shape: Shape, dtype: DType = "float32"): Tensor {
    return new Tensor(allocate(dtype, numel(shape)), shape, dtype);
  }

  /** A Python scalar taking part in an op; ints are int64, floats float32, bools bool. */
  static wrap(value: number | boolean, dtype?: DType): Tensor {
    const dt: DType =
      dtype ?? (typeof value === "boolean" ? "bool" : Number.isInteger(value) ? "int64" : "float32");
    const t = Tensor.empty([], dt);
    t.values[0] = typeof value === "boolean" ? Number(value) : value;
    t.isWrappedNumber = true;
    return t;
  }

  static from(x: Operand, dtype?: DType): Tensor {
    return x instanceof Tensor ? x : Tensor.wrap(x, dtype);
  }

  /** The raw elements, row-major. Writing to it bypasses autograd. */
  get values(): Storage {
    return this.storage.data;
  }
  get version(): number {
    return this.storage.version;
  }
  bumpVersion(): void {
    this.storage.version++;
  }
  get requiresGrad(): boolean {
    return this._requiresGrad;
  }
  /** `x.requires_grad = flag`, with PyTorch's rules. */
  set requiresGrad(flag: boolean) {
    this.requiresGrad_(flag);
  }
  get gradFn(): Node | null {
    return this._gradFn;
  }
  /** Set by the op dispatcher only. */
  setGradFn(node: Node): void {
    this._gradFn = node;
    this._requiresGrad = true;
    node.outputTensor = this;
  }
  get isLeaf(): boolean {
    return this._gradFn === null;
  }
  /** The AccumulateGrad node of a leaf that requires grad (made once, as in PyTorch). */
  gradAccumulator(): AccumulateGrad | null {
    if (!this._requiresGrad || this._gradFn) return null;
    this._accumulator ??= new AccumulateGrad(this);
    return this._accumulator;
  }

  /** `.grad`; reading it on a non-leaf warns as PyTorch does. */
  get grad(): Tensor | null {
    if (!this.isLeaf && !this.retainsGrad)
      emit({ kind: "warning", category: "UserWarning", message: MSG.nonLeafGradWarning });
    return this.gradRaw;
  }
  set grad(g: Tensor | null) {
    this.gradRaw = g;
  }

  requiresGrad_(flag = true): this {
    if (!this.isLeaf) {
      if (flag) return this;
      throw new TorchError("RuntimeError", MSG.requiresGradNonLeaf);
    }
    if (flag && !isFloating(this.dtype)) throw new TorchError("RuntimeError", MSG.onlyFloatGrad);
    this._requiresGrad = flag;
    return this;
  }

  retainGrad(): void {
    if (!this._requiresGrad) throw new TorchError("RuntimeError", MSG.retainGradNoGrad);
    if (this.isLeaf || this.retainsGrad) return;
    this.retainsGrad = true;
    this._gradFn!.retainGradTensor = this;
  }

  /** `register_hook`: runs on this tensor's grad during backward; may return a replacement. */
  registerHook(hook: GradHook): () => void {
    if (!this._requiresGrad) {
      throw new TorchError(
        "RuntimeError",
        "cannot register a hook on a tensor that doesn't require gradient",
      );
    }
    const node = this._gradFn ?? this.gradAccumulator()!;
    node.preHooks.push(hook);
    return () => {
      const i = node.preHooks.indexOf(hook);
      if (i >= 0) node.preHooks.splice(i, 1);
    };
  }

  backward(gradient?: Tensor | null, opts: { retainGraph?: boolean } = {}): void {
    if (!this._requiresGrad) throw new TorchError("RuntimeError", MSG.noGradFn);
    let g = gradient ?? null;
    if (!g) {
      if (this.numel() !== 1) throw new TorchError("RuntimeError", MSG.implicitScalar);
      // the implicit seed grad is not a tensor the program made: no "create" event for it
      g = silently(() => ops.onesLike(this));
    } else if (!sameShape(g.shape, this.shape)) {
      throw new TorchError(
        "RuntimeError",
        `Mismatch in shape: grad_output[0] has a shape of torch.Size([${g.shape.join(", ")}]) and output[0] has a shape of torch.Size([${this.shape.join(", ")}]).`,
      );
    }
    runBackward([this], [g], opts);
  }

  /** A new tensor sharing storage, cut from the graph. */
  detach(): Tensor {
    const t = new Tensor(this.storage, this.shape, this.dtype);
    t.label = this.label;
    return t;
  }
  detach_(): this {
    this._gradFn = null;
    this._requiresGrad = false;
    return this;
  }

  numel(): number {
    return this.values.length;
  }
  dim(): number {
    return this.shape.length;
  }
  size(dim?: number): number[] | number {
    if (dim === undefined) return [...this.shape];
    return this.shape[dim < 0 ? dim + this.shape.length : dim];
  }
  item(): number {
    if (this.numel() !== 1) throw new TorchError("RuntimeError", MSG.itemNumel(this.numel()));
    return this.values[0];
  }
  /** Nested arrays (a number for a 0-dim tensor); bools as booleans. */
  tolist(): unknown {
    const conv = (v: number) => (this.dtype === "bool" ? v !== 0 : v);
    if (this.shape.length === 0) return conv(this.values[0]);
    const build = (dim: number, offset: number, stride: number): unknown[] => {
      const n = this.shape[dim];
      const inner = stride / n;
      const out: unknown[] = [];
      for (let i = 0; i < n; i++) {
        out.push(
          dim === this.shape.length - 1
            ? conv(this.values[offset + i])
            : build(dim + 1, offset + i * inner, inner),
        );
      }
      return out;
    };
    return build(0, 0, this.numel());
  }
  hasNaN(): boolean {
    for (const v of this.values) if (v !== v) return true;
    return false;
  }

  /** PyTorch's repr: `tensor([1., 2.], requires_grad=True)`. */
  toString(): string {
    return reprTensor(this);
  }

  // ---- ops as methods (PyTorch names, camelCase) ----
  neg(): Tensor {
    return ops.neg(this);
  }
  abs(): Tensor {
    return ops.abs(this);
  }
  sqrt(): Tensor {
    return ops.sqrt(this);
  }
  exp(): Tensor {
    return ops.exp(this);
  }
  log(): Tensor {
    return ops.log(this);
  }
  sin(): Tensor {
    return ops.sin(this);
  }
  cos(): Tensor {
    return ops.cos(this);
  }
  tan(): Tensor {
    return ops.tan(this);
  }
  tanh(): Tensor {
    return ops.tanh(this);
  }
  sigmoid(): Tensor {
    return ops.sigmoid(this);
  }
  relu(): Tensor {
    return ops.relu(this);
  }
  reciprocal(): Tensor {
    return ops.reciprocal(this);
  }
  add(other: Operand, alpha?: number): Tensor {
    return ops.add(this, other, alpha);
  }
  sub(other: Operand, alpha?: number): Tensor {
    return ops.sub(this, other, alpha);
  }
  mul(other: Operand): Tensor {
    return ops.mul(this, other);
  }
  div(other: Operand): Tensor {
    return ops.div(this, other);
  }
  pow(exponent: Operand): Tensor {
    return ops.pow(this, exponent);
  }
  clamp(min?: number | null, max?: number | null): Tensor {
    return ops.clamp(this, min, max);
  }
  maximum(other: Tensor): Tensor {
    return ops.maximum(this, other);
  }
  minimum(other: Tensor): Tensor {
    return ops.minimum(this, other);
  }
  eq(other: Operand): Tensor {
    return ops.eq(this, other);
  }
  ne(other: Operand): Tensor {
    return ops.ne(this, other);
  }
  lt(other: Operand): Tensor {
    return ops.lt(this, other);
  }
  le(other: Operand): Tensor {
    return ops.le(this, other);
  }
  gt(other: Operand): Tensor {
    return ops.gt(this, other);
  }
  ge(other: Operand): Tensor {
    return ops.ge(this, other);
  }
  sum(dim?: number | number[] | null, keepdim = false): Tensor {
    return ops.sum(this, dim, keepdim);
  }
  mean(dim?: number | number[] | null, keepdim = false): Tensor {
    return ops.mean(this, dim, keepdim);
  }
  max(): Tensor {
    return ops.max(this);
  }
  min(): Tensor {
    return ops.min(this);
  }
  softmax(dim: number): Tensor {
    return ops.softmax(this, dim);
  }
  logSoftmax(dim: number): Tensor {
    return ops.logSoftmax(this, dim);
  }
  logsumexp(dim: number | number[], keepdim = false): Tensor {
    return ops.logsumexp(this, dim, keepdim);
  }
  matmul(other: Tensor): Tensor {
    return ops.matmul(this, other);
  }
  mm(other: Tensor): Tensor {
    return ops.mm(this, other);
  }
  mv(other: Tensor): Tensor {
    return ops.mv(this, other);
  }
  dot(other: Tensor): Tensor {
    return ops.dot(this, other);
  }
  t(): Tensor {
    return ops.t(this);
  }
  /** `.T`: reverses all dims (PermuteBackward0). */
  get T(): Tensor {
    return ops.numpyT(this);
  }
  transpose(dim0: number, dim1: number): Tensor {
    return ops.transpose(this, dim0, dim1);
  }
  permute(dims: number[]): Tensor {
    return ops.permute(this, dims);
  }
  reshape(...shape: number[]): Tensor {
    return ops.reshape(this, shape);
  }
  view(...shape: number[]): Tensor {
    return ops.view(this, shape);
  }
  flatten(startDim = 0, endDim = -1): Tensor {
    return ops.flatten(this, startDim, endDim);
  }
  squeeze(dim?: number): Tensor {
    return ops.squeeze(this, dim);
  }
  unsqueeze(dim: number): Tensor {
    return ops.unsqueeze(this, dim);
  }
  expand(...shape: number[]): Tensor {
    return ops.expand(this, shape);
  }
  clone(): Tensor {
    return ops.clone(this);
  }
  index(...spec: ops.IndexSpec[]): Tensor {
    return ops.index(this, spec);
  }

  // ---- in-place ops ----
  add_(other: Operand, alpha?: number): this {
    ops.inplace(this, "add", [Tensor.from(other)], { alpha: alpha ?? 1 });
    return this;
  }
  sub_(other: Operand, alpha?: number): this {
    ops.inplace(this, "sub", [Tensor.from(other)], { alpha: alpha ?? 1 });
    return this;
  }
  mul_(other: Operand): this {
    ops.inplace(this, "mul", [Tensor.from(other)], {});
    return this;
  }
  div_(other: Operand): this {
    ops.inplace(this, "div", [Tensor.from(other)], {});
    return this;
  }
  zero_(): this {
    ops.inplace(this, "zero", [], {});
    return this;
  }
  fill_(value: number): this {
    ops.inplace(this, "fill", [], { value });
    return this;
  }
}
