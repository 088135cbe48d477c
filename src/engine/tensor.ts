import { AccumulateGrad, type GradHook, type Node, runBackward } from "./autograd.ts";
import { allocate, type DType, isFloating, type Storage } from "./dtype.ts";
import { emit, silently } from "./events.ts";
import { MSG, TorchError } from "./errors.ts";
import { numel, sameShape, type Shape } from "./shape.ts";
import * as ops from "./ops/index.ts";
import { reprTensor } from "./repr.ts";
import { contiguousStrides, gather, isContiguousLayout, lastPosition, scatterInto } from "./strided.ts";
import { asStridedBackward, type ViewMeta, viewRebaseError } from "./views.ts";

let nextTensorId = 1;

/**
 * Bumped by every write into any storage: a strided tensor's cached row-major copy of its elements
 * is good while this has not moved.
 */
let writeEpoch = 0;

/** The buffer a tensor reads, shared by detach() and views, with PyTorch's version counter. */
export interface TensorStorage {
  data: Storage;
  version: number;
}

export type Operand = Tensor | number | boolean;

/**
 * A tensor with PyTorch's layout and autograd metadata. Its elements sit in `storage.data` at
 * `storageOffset + Σ index[d] * strides[d]`, as PyTorch's do: views (transpose, select, expand, ...)
 * share their base's storage, so writes through a view reach the base. `values` is always the
 * row-major (contiguous) sequence of the elements, which is what every kernel reads.
 */
export class Tensor {
  /** Numeric ids only go up; the trace refers to tensors by them. */
  readonly id = nextTensorId++;
  readonly shape: readonly number[];
  readonly dtype: DType;
  /** PyTorch's strides, in elements (`t.stride()`). */
  readonly strides: readonly number[];
  /** Where element 0 sits in the storage (`t.storage_offset()`). */
  readonly storageOffset: number;
  storage: TensorStorage;
  /** Set on the result of a view op: PyTorch's `_base` and how the view was made. */
  viewMeta: ViewMeta | null = null;
  private readonly _numel: number;
  private readonly _contiguous: boolean;
  /** `values` of a contiguous tensor: the storage itself or a window of it (writes go through). */
  private _window: Storage | null = null;
  /** `values` of a strided tensor: a row-major copy, good while `_cacheEpoch === writeEpoch`. */
  private _cache: Storage | null = null;
  private _cacheEpoch = -1;
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

  /**
   * A tensor over `data` (a buffer, or a storage to share). Without `strides` the elements are the
   * whole buffer, row-major; with them, any layout that stays inside the buffer.
   */
  constructor(
    data: Storage | TensorStorage,
    shape: Shape,
    dtype: DType,
    strides?: readonly number[],
    storageOffset = 0,
  ) {
    this.storage = "version" in data ? data : { data, version: 0 };
    this.shape = [...shape];
    this.dtype = dtype;
    this._numel = numel(shape);
    const size = this.storage.data.length;
    if (strides === undefined) {
      if (size !== this._numel) {
        throw new Error(`storage of ${size} elements for shape [${shape.join(", ")}]`);
      }
      this.strides = contiguousStrides(shape);
      this.storageOffset = 0;
      this._contiguous = true;
    } else {
      if (strides.length !== shape.length || lastPosition(shape, strides, storageOffset) >= size) {
        throw new Error(
          `layout (shape [${shape.join(", ")}], strides [${strides.join(", ")}], offset ${storageOffset}) outside a storage of ${size} elements`,
        );
      }
      this.strides = [...strides];
      this.storageOffset = storageOffset;
      this._contiguous = isContiguousLayout(shape, strides);
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

  /**
   * The elements, row-major. For a contiguous tensor this is its part of the storage itself, so
   * writing to it writes the tensor (bypassing autograd; strided views of the storage see such a raw
   * write after the next tracked one); for a strided tensor (a transpose, a column) it is a copy:
   * write with `writeValues`.
   */
  get values(): Storage {
    const data = this.storage.data;
    if (this._contiguous) {
      if (this._window === null || this._window.buffer !== data.buffer) {
        const n = this._numel;
        this._window =
          this.storageOffset === 0 && n === data.length
            ? data
            : data.subarray(this.storageOffset, this.storageOffset + n);
      }
      return this._window;
    }
    if (this._cache === null || this._cacheEpoch !== writeEpoch) {
      this._cache = gather(data, this.dtype, this.shape, this.strides, this.storageOffset);
      this._cacheEpoch = writeEpoch;
    }
    return this._cache;
  }

  /** Writes row-major `src` (already of this dtype's values) into this tensor's storage elements. */
  writeValues(src: ArrayLike<number>): void {
    if (this._contiguous) {
      const dst = this.values;
      for (let i = 0; i < dst.length; i++) dst[i] = src[i];
    } else {
      scatterInto(this.storage.data, src, this.shape, this.strides, this.storageOffset);
    }
    writeEpoch++;
  }

  /** `t.stride()` / `t.stride(dim)`. */
  stride(dim?: number): number[] | number {
    if (dim === undefined) return [...this.strides];
    return this.strides[dim < 0 ? dim + this.strides.length : dim];
  }
  /** `t.is_contiguous()`. */
  isContiguous(): boolean {
    return this._contiguous;
  }
  /** `t._is_view()`: made by a view op (detach() shares storage but is not one). */
  isView(): boolean {
    return this.viewMeta !== null;
  }

  get version(): number {
    return this.storage.version;
  }
  bumpVersion(): void {
    this.storage.version++;
    writeEpoch++;
  }
  /** PyTorch's requires_grad: a view requires grad when its base does. */
  get requiresGrad(): boolean {
    return (
      this._requiresGrad ||
      this._gradFn !== null ||
      (this.viewMeta !== null && this.viewMeta.base.requiresGrad)
    );
  }
  /** `x.requires_grad = flag`, with PyTorch's rules. */
  set requiresGrad(flag: boolean) {
    this.requiresGrad_(flag);
  }
  /**
   * The grad_fn. A view whose storage was written in place since its grad_fn was set (through
   * itself, its base or another view) gets a new one, AsStridedBackward0 from its base, when next
   * asked, as PyTorch's VariableHooks::grad_fn does.
   */
  get gradFn(): Node | null {
    const meta = this.viewMeta;
    if (meta === null) return this._gradFn;
    if (this._gradFn === null && !meta.base.requiresGrad) return null;
    if (meta.attrVersion !== this.version) {
      const error = viewRebaseError(meta, this._gradFn, true);
      if (error) throw new TorchError("RuntimeError", error);
      const old = this._gradFn;
      const node = asStridedBackward(this, meta.base);
      node.outputTensor = this;
      // PyTorch 2.x moves the retain_grad hook to the new grad_fn
      if (this.retainsGrad && old) {
        old.retainGradTensor = null;
        node.retainGradTensor = this;
      }
      this._gradFn = node;
      meta.attrVersion = this.version;
    }
    return this._gradFn;
  }
  /** The grad_fn as last set, without a view's refresh (PyTorch's grad_fn_). */
  get gradFnRaw(): Node | null {
    return this._gradFn;
  }
  /** Set by the op dispatcher only. */
  setGradFn(node: Node): void {
    this._gradFn = node;
    this._requiresGrad = true;
    node.outputTensor = this;
    if (this.viewMeta) this.viewMeta.attrVersion = this.version;
  }
  /** PyTorch 2.x's is_leaf: no grad_fn set (a view's pending AsStridedBackward0 does not count). */
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
    if (!this.requiresGrad) throw new TorchError("RuntimeError", MSG.retainGradNoGrad);
    if (this.isLeaf || this.retainsGrad) return;
    this.retainsGrad = true;
    this.gradFn!.retainGradTensor = this;
  }

  /** `register_hook`: runs on this tensor's grad during backward; may return a replacement. */
  registerHook(hook: GradHook): () => void {
    if (!this.requiresGrad) {
      throw new TorchError(
        "RuntimeError",
        "cannot register a hook on a tensor that doesn't require gradient",
      );
    }
    const node = this.gradFn ?? this.gradAccumulator()!;
    node.preHooks.push(hook);
    return () => {
      const i = node.preHooks.indexOf(hook);
      if (i >= 0) node.preHooks.splice(i, 1);
    };
  }

  backward(gradient?: Tensor | null, opts: { retainGraph?: boolean } = {}): void {
    if (!this.requiresGrad) throw new TorchError("RuntimeError", MSG.noGradFn);
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

  /** A new tensor sharing storage (and the version counter), cut from the graph. */
  detach(): Tensor {
    const t = new Tensor(this.storage, this.shape, this.dtype, this.strides, this.storageOffset);
    t.label = this.label;
    return t;
  }
  detach_(): this {
    if (this.viewMeta) {
      throw new TorchError(
        "RuntimeError",
        "Can't detach views in-place. Use detach() instead. If you are using DistributedDataParallel (DDP) for training, and gradient_as_bucket_view is set as True, gradients are views of DDP buckets, and hence detach_() cannot be called on these gradients. To fix this error, please refer to the Optimizer.zero_grad() function in torch/optim/optimizer.py as the solution.",
      );
    }
    this._gradFn = null;
    this._requiresGrad = false;
    return this;
  }

  numel(): number {
    return this._numel;
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
