/**
 * Indexing, sorting and triangular ops with PyTorch 2.x's grad_fn names and PyTorch's error texts:
 * gather / scatter / scatter_add / index_select, sort / argsort / topk (ties broken exactly as
 * PyTorch's CPU kernels break them: libstdc++'s std::sort, nth_element and partial_sort, replayed),
 * flip / roll / tril / triu / diag / trace / cumprod / nonzero.
 *
 * The index tensors are not differentiable: they ride in the attrs (as masked_fill's mask does) and
 * are pushed onto the node's saved tensors, so the node's next functions are the differentiable
 * inputs only, as in PyTorch.
 */
import { allocate, castValue, type DType, type Storage } from "../dtype.ts";
import { TorchError } from "../errors.ts";
import { defineOp, getOp, runInplace } from "../registry.ts";
import { formatShape, normalizeDim, numel, type Shape, stridesOf } from "../shape.ts";
import { Tensor } from "../tensor.ts";
import { arange, zeros } from "./creation.ts";
import { div, mul } from "./elementwise.ts";
import { cumsum } from "./reduce.ts";
import { expand, unbind, unsqueeze, view } from "./view.ts";

const f = Math.fround;

function noSaves() {
  return { inputs: [] as number[], output: false };
}

/** Saves `t` on the grad_fn of `out` (an index PyTorch keeps for backward). */
function saveOn(out: Tensor, t: Tensor, isOutput = false): void {
  out.gradFn?.saved.push({ tensor: t, version: t.version, isOutput });
}

/** For each element of a tensor of `shape` (row-major), its offset in a tensor of `strides`, skipping `skip`. */
function offsetsExcept(shape: Shape, strides: readonly number[], skip: number): Int32Array {
  const n = numel(shape);
  const out = new Int32Array(n);
  const rank = shape.length;
  const idx = new Array<number>(rank).fill(0);
  let off = 0;
  for (let k = 0; k < n; k++) {
    out[k] = off;
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]++;
      if (d !== skip) off += strides[d];
      if (idx[d] < shape[d]) break;
      if (d !== skip) off -= strides[d] * idx[d];
      idx[d] = 0;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// gather / scatter / scatter_add

interface IndexAttrs {
  dim: number;
  index: Tensor;
}

/** The flat positions in `selfShape` the elements of `index` address along `dim` (checked). */
function indexedPositions(selfShape: Shape, dim: number, index: Tensor): Int32Array {
  const rank = selfShape.length;
  const size = rank === 0 ? 1 : selfShape[dim];
  if (index.numel() === 0) return new Int32Array(0);
  const ishape = index.shape.length === 0 ? [1] : index.shape;
  const sshape = rank === 0 ? [1] : selfShape;
  const sstrides = stridesOf(sshape);
  const base = offsetsExcept(ishape, sstrides, dim);
  const iv = index.values;
  const pos = new Int32Array(base.length);
  for (let k = 0; k < base.length; k++) {
    const i = iv[k];
    if (i < 0 || i >= size) {
      throw new TorchError(
        "RuntimeError",
        `index ${i} is out of bounds for dimension ${dim} with size ${size}`,
      );
    }
    pos[k] = base[k] + i * sstrides[dim];
  }
  return pos;
}

function checkIndexDtype(index: Tensor, name: string): void {
  if (index.dtype !== "int64")
    throw new TorchError("RuntimeError", `${name}(): Expected dtype int64 for index`);
}

function gatherCheck(self: Tensor, dim: number, index: Tensor): void {
  const rank = Math.max(self.dim(), 1);
  if (Math.max(index.dim(), 1) !== rank) {
    throw new TorchError(
      "RuntimeError",
      "Index tensor must have the same number of dimensions as input tensor",
    );
  }
  if (self.dim() === 0 || index.dim() === 0) return;
  for (let d = 0; d < rank; d++) {
    if (d !== dim && index.shape[d] > self.shape[d]) {
      throw new TorchError(
        "RuntimeError",
        `Size does not match at dimension ${d} expected index ${formatShape(index.shape)} to be smaller than self ${formatShape(self.shape)} apart from dimension ${dim}`,
      );
    }
  }
}

function scatterCheck(self: Tensor, dim: number, index: Tensor, src: Tensor | null): void {
  const rank = Math.max(self.dim(), 1);
  if (index.numel() === 0) return;
  if (Math.max(index.dim(), 1) !== rank) {
    throw new TorchError(
      "RuntimeError",
      "Index tensor must have the same number of dimensions as self tensor",
    );
  }
  if (src && Math.max(src.dim(), 1) !== rank) {
    throw new TorchError(
      "RuntimeError",
      "Index tensor must have the same number of dimensions as src tensor",
    );
  }
  if (self.dim() === 0 || index.dim() === 0) return;
  for (let d = 0; d < rank; d++) {
    const isz = index.shape[d];
    if ((d !== dim && isz > self.shape[d]) || (src && src.dim() > 0 && isz > src.shape[d])) {
      const tail = src ? ` and to be smaller size than src ${formatShape(src.shape)}` : "";
      throw new TorchError(
        "RuntimeError",
        `Expected index ${formatShape(index.shape)} to be smaller than self ${formatShape(self.shape)} apart from dimension ${dim}${tail}`,
      );
    }
  }
}

/** The row-major position in `src` of each element of `index` (src is at least index's size). */
function srcPositions(src: Tensor, index: Tensor): Int32Array {
  if (src.dim() === 0 || index.dim() === 0) return new Int32Array(index.numel());
  return offsetsExcept(index.shape, stridesOf(src.shape), -1);
}

const runGather = defineOp<IndexAttrs>({
  name: "gather",
  gradFn: "GatherBackward0",
  forward: ([a], { dim, index }) => {
    const pos = indexedPositions(a.shape, dim, index);
    const out = allocate(a.dtype, pos.length);
    const av = a.values;
    for (let k = 0; k < pos.length; k++) out[k] = av[pos[k]];
    return new Tensor(out, index.shape, a.dtype);
  },
  // ATen's gather_backward: zeros(self.sizes()).scatter_add_(dim, index, grad)
  backward: (g, { inputs: [a], attrs: { dim, index } }) => {
    const pos = indexedPositions(a.shape, dim, index);
    const out = new Float32Array(a.numel());
    const gv = g.values;
    for (let k = 0; k < pos.length; k++) out[pos[k]] = f(out[pos[k]] + gv[k]);
    return [new Tensor(out, a.shape, "float32")];
  },
  diffBackward: (g, { inputs: [a], attrs: { dim, index } }) => [scatterAdd(zeros(a.shape), dim, index, g)],
  saves: noSaves,
});

/** `torch.gather(a, dim, index)`: GatherBackward0. */
export function gather(a: Tensor, dim: number, index: Tensor): Tensor {
  const d = normalizeDim(dim, a.dim());
  checkIndexDtype(index, "gather");
  gatherCheck(a, d, index);
  const out = runGather([a], { dim: d, index });
  saveOn(out, index);
  return out;
}

interface ScatterAttrs extends IndexAttrs {
  value: number | null;
  add: boolean;
}

const runScatter = defineOp<ScatterAttrs>({
  name: "scatter",
  gradFn: (inputs, { add, value }) =>
    add ? "ScatterAddBackward0" : value === null ? "ScatterBackward0" : "ScatterBackward1",
  forward: ([a, src], { dim, index, value, add }) => {
    const pos = indexedPositions(a.shape, dim, index);
    const out = a.values.slice();
    if (src) {
      const sp = srcPositions(src, index);
      const sv = src.values;
      for (let k = 0; k < pos.length; k++) {
        const v = sv[sp[k]];
        out[pos[k]] = add ? castValue(a.dtype, out[pos[k]] + v) : v;
      }
    } else {
      const v = castValue(a.dtype, value!);
      for (let k = 0; k < pos.length; k++) out[pos[k]] = v;
    }
    return new Tensor(out, a.shape, a.dtype);
  },
  backward: (g, { inputs: [a, src], attrs: { dim, index, add } }, [na, ns]) => {
    const pos = indexedPositions(a.shape, dim, index);
    const gv = g.values;
    let ga: Tensor | null = null;
    if (na) {
      const out = Float32Array.from(gv);
      if (!add) for (let k = 0; k < pos.length; k++) out[pos[k]] = 0;
      ga = new Tensor(out, a.shape, "float32");
    }
    let gs: Tensor | null = null;
    if (ns && src) {
      // ATen's grad.gather(dim, index) has index's shape: the engine refuses it for a larger src
      if (formatShape(src.shape) !== formatShape(index.shape)) {
        throw new TorchError(
          "RuntimeError",
          `Function ${add ? "ScatterAddBackward0" : "ScatterBackward0"} returned an invalid gradient at index 1 - got ${formatShape(index.shape)} but expected shape compatible with ${formatShape(src.shape)}`,
        );
      }
      const out = new Float32Array(src.numel());
      const sp = srcPositions(src, index);
      for (let k = 0; k < pos.length; k++) out[sp[k]] = gv[pos[k]];
      gs = new Tensor(out, src.shape, "float32");
    }
    return src ? [ga, gs] : [ga];
  },
  diffBackward: (g, { inputs: [, src], attrs: { dim, index, add } }, [na, ns]) => {
    const ga = na ? (add ? g : scatter(g, dim, index, 0)) : null;
    if (!src) return [ga];
    // ATen: grad.gather(dim, index)
    if (ns && formatShape(src.shape) !== formatShape(index.shape)) {
      throw new TorchError(
        "RuntimeError",
        `Function ${add ? "ScatterAddBackward0" : "ScatterBackward0"} returned an invalid gradient at index 1 - got ${formatShape(index.shape)} but expected shape compatible with ${formatShape(src.shape)}`,
      );
    }
    return [ga, ns ? gather(g, dim, index) : null];
  },
  saves: noSaves,
});

function checkScatterDtypes(self: Tensor, src: Tensor | null, index: Tensor, name: string): void {
  checkIndexDtype(index, name);
  if (src && src.dtype !== self.dtype) {
    throw new TorchError("RuntimeError", `${name}(): Expected self.dtype to be equal to src.dtype`);
  }
}

/** `a.scatter(dim, index, src)` (ScatterBackward0) or with a number value (ScatterBackward1). */
export function scatter(a: Tensor, dim: number, index: Tensor, src: Tensor | number | boolean): Tensor {
  const d = normalizeDim(dim, a.dim());
  const s = src instanceof Tensor ? src : null;
  checkScatterDtypes(a, s, index, "scatter");
  scatterCheck(a, d, index, s);
  const out = runScatter(s ? [a, s] : [a], { dim: d, index, value: s ? null : Number(src), add: false });
  saveOn(out, index);
  return out;
}

/** `a.scatter_add(dim, index, src)`: ScatterAddBackward0. */
export function scatterAdd(a: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  const d = normalizeDim(dim, a.dim());
  checkScatterDtypes(a, src, index, "scatter_add");
  scatterCheck(a, d, index, src);
  const out = runScatter([a, src], { dim: d, index, value: null, add: true });
  saveOn(out, index);
  return out;
}

/** `a.scatter_(dim, index, src)` / `a.scatter_add_(dim, index, src)`: in place, same grad_fns. */
export function scatterInplace(
  a: Tensor,
  dim: number,
  index: Tensor,
  src: Tensor | number | boolean,
  add = false,
): Tensor {
  const d = normalizeDim(dim, a.dim());
  const s = src instanceof Tensor ? src : null;
  checkScatterDtypes(a, s, index, add ? "scatter_add_" : "scatter_");
  scatterCheck(a, d, index, s);
  const attrs = { dim: d, index, value: s ? null : Number(src), add };
  runInplace(getOp("scatter"), a, s ? [s] : [], attrs, add ? "scatter_add_" : "scatter_");
  saveOn(a, index);
  return a;
}

// ---------------------------------------------------------------------------------------------
// index_select

const runIndexSelect = defineOp<IndexAttrs>({
  name: "index_select",
  gradFn: "IndexSelectBackward0",
  forward: ([a], { dim, index }) => {
    const shape = a.dim() === 0 ? [] : [...a.shape];
    const size = a.dim() === 0 ? 1 : a.shape[dim];
    const n = index.numel();
    if (a.dim() > 0) shape[dim] = n;
    const iv = index.values;
    for (let k = 0; k < n; k++) {
      if (iv[k] < 0 || iv[k] >= size) {
        throw new TorchError(
          "RuntimeError",
          `INDICES element is out of DATA bounds, id=${iv[k]} axis_dim=${size}`,
        );
      }
    }
    const outer = a.dim() === 0 ? 1 : numel(a.shape.slice(0, dim));
    const inner = a.dim() === 0 ? 1 : numel(a.shape.slice(dim + 1));
    const out = allocate(a.dtype, outer * n * inner);
    const av = a.values;
    for (let o = 0; o < outer; o++) {
      for (let k = 0; k < n; k++) {
        const from = (o * size + iv[k]) * inner;
        const to = (o * n + k) * inner;
        for (let i = 0; i < inner; i++) out[to + i] = av[from + i];
      }
    }
    return new Tensor(out, shape, a.dtype);
  },
  // ATen: zeros(self.sizes()).index_add_(dim, index, grad)
  backward: (g, { inputs: [a], attrs: { dim, index } }) => [
    indexAdded(new Tensor(new Float32Array(a.numel()), a.shape, "float32"), dim, index, g),
  ],
  diffBackward: (g, { inputs: [a], attrs: { dim, index } }) => [indexAdd(zeros(a.shape), dim, index, g)],
  saves: noSaves,
});

/** `torch.index_select(a, dim, index)`: IndexSelectBackward0. */
export function indexSelect(a: Tensor, dim: number, index: Tensor): Tensor {
  const d = normalizeDim(dim, a.dim());
  if (index.dim() > 1) throw new TorchError("IndexError", "index_select(): Index is supposed to be a vector");
  if (index.dtype !== "int64") {
    throw new TorchError("RuntimeError", "index_select(): Expected dtype int32 or int64 for index");
  }
  const out = runIndexSelect([a], { dim: d, index });
  saveOn(out, index);
  return out;
}

/** `a` plus `src` added at `index` along `dim` (a new tensor; index checked). */
function indexAdded(a: Tensor, dim: number, index: Tensor, src: Tensor, alpha = 1): Tensor {
  const size = a.dim() === 0 ? 1 : a.shape[dim];
  const n = index.numel();
  const outer = a.dim() === 0 ? 1 : numel(a.shape.slice(0, dim));
  const inner = a.dim() === 0 ? 1 : numel(a.shape.slice(dim + 1));
  const out = a.values.slice();
  const sv = src.values;
  const iv = index.values;
  for (let k = 0; k < n; k++) {
    if (iv[k] < 0 || iv[k] >= size) {
      throw new TorchError("IndexError", `index out of range in self`);
    }
  }
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < n; k++) {
      const to = (o * size + iv[k]) * inner;
      const from = (o * n + k) * inner;
      for (let i = 0; i < inner; i++)
        out[to + i] = castValue(
          a.dtype,
          out[to + i] + (alpha === 1 ? sv[from + i] : f(alpha * sv[from + i])),
        );
    }
  }
  return new Tensor(out, a.shape, a.dtype);
}

const runIndexAdd = defineOp<IndexAttrs & { alpha: number }>({
  name: "index_add",
  gradFn: "IndexAddBackward0",
  forward: ([a, src], { dim, index, alpha }) => indexAdded(a, dim, index, src, alpha),
  // ATen: self: grad; source: grad.index_select(dim, index) (a 0-dim source takes it squeezed)
  backward: (g, { inputs: [, src], attrs: { dim, index, alpha } }, [na, ns]) => [
    na ? g : null,
    ns ? reshapeTo(silentIndexSelect(g, dim, index), src.shape, alpha) : null,
  ],
  diffBackward: (g, { inputs: [, src], attrs: { dim, index, alpha } }, [na, ns]) => {
    if (ns && (src.dim() === 0 || alpha !== 1)) {
      throw new TorchError(
        "NotImplementedError",
        "gradlens does not support create_graph=True through index_add of a 0-dim source or with alpha yet",
      );
    }
    // ATen: grad.index_select(dim, index).expand_as(source), an ExpandBackward0 even to the same shape
    return [na ? g : null, ns ? expand(indexSelect(g, dim, index), src.shape) : null];
  },
  saves: noSaves,
});

function silentIndexSelect(g: Tensor, dim: number, index: Tensor): Tensor {
  return getOp("index_select").forward([g], { dim, index });
}

function reshapeTo(t: Tensor, shape: Shape, alpha: number): Tensor {
  const v = alpha === 1 ? t.values : Float32Array.from(t.values, (x) => alpha * x);
  return new Tensor(v, shape, t.dtype);
}

function indexAddChecks(a: Tensor, d: number, index: Tensor, src: Tensor): void {
  if (index.dim() > 1) throw new TorchError("IndexError", "index_add_(): Index is supposed to be a vector");
  if (index.dtype !== "int64") {
    const got = index.dtype === "float32" ? "Float" : "Bool";
    throw new TorchError(
      "RuntimeError",
      `index_add_(): Expected dtype int32/int64 for index but got: ${got}`,
    );
  }
  if (src.dtype !== a.dtype) {
    throw new TorchError("RuntimeError", "index_add_(): self and source must have the same scalar type");
  }
  const expected = a.dim() === 0 ? [] : a.shape.map((s, k) => (k === d ? index.numel() : s));
  if (src.dim() > 0 && formatShape(src.shape) !== formatShape(expected)) {
    throw new TorchError(
      "RuntimeError",
      `index_add_(): Number of indices (${index.numel()}) should be equal to source.size(dim): (${src.dim() > d ? src.shape[d] : 1}), for dim: ${d}`,
    );
  }
}

/** `a.index_add(dim, index, source, alpha=1)`: IndexAddBackward0. */
export function indexAdd(a: Tensor, dim: number, index: Tensor, src: Tensor, alpha = 1): Tensor {
  const d = normalizeDim(dim, a.dim());
  indexAddChecks(a, d, index, src);
  const out = runIndexAdd([a, src], { dim: d, index, alpha });
  saveOn(out, index);
  return out;
}

/** `a.index_add_(dim, index, source, alpha=1)`: in place, IndexAddBackward0. */
export function indexAddInplace(a: Tensor, dim: number, index: Tensor, src: Tensor, alpha = 1): Tensor {
  const d = normalizeDim(dim, a.dim());
  indexAddChecks(a, d, index, src);
  runInplace(getOp("index_add"), a, [src], { dim: d, index, alpha }, "index_add_");
  saveOn(a, index);
  return a;
}

// ---------------------------------------------------------------------------------------------
// index_fill

/** The flat positions (each once) of the slices at `index` along `dim`. */
function filledPositions(shape: Shape, dim: number, index: Tensor): number[] {
  const s = shape.length === 0 ? [1] : shape;
  const size = s[dim];
  const outer = numel(s.slice(0, dim));
  const inner = numel(s.slice(dim + 1));
  const picked = new Set<number>();
  for (const v of index.values) {
    if (v < -size || v >= size) {
      throw new TorchError(
        "IndexError",
        `index ${v} is out of bounds for dimension ${dim} with size ${size}`,
      );
    }
    picked.add(v < 0 ? v + size : v);
  }
  const out: number[] = [];
  for (let o = 0; o < outer; o++)
    for (const j of picked) for (let i = 0; i < inner; i++) out.push((o * size + j) * inner + i);
  return out;
}

const runIndexFill = defineOp<IndexAttrs & { value: number | null }>({
  name: "index_fill",
  gradFn: (inputs) => (inputs.length > 1 ? "IndexFillBackward1" : "IndexFillBackward0"),
  forward: ([a, v], { dim, index, value }) => {
    const out = a.values.slice();
    const fill = castValue(a.dtype, v ? v.values[0] : value!);
    for (const p of filledPositions(a.shape, dim, index)) out[p] = fill;
    return new Tensor(out, a.shape, a.dtype);
  },
  backward: (g, { inputs: [a], attrs: { dim, index } }, [na, nv]) => {
    const pos = filledPositions(a.shape, dim, index);
    const gv = g.values;
    let filled = 0;
    for (const p of pos) filled += gv[p];
    const kept = Float32Array.from(gv);
    for (const p of pos) kept[p] = 0;
    return [
      na ? new Tensor(kept, a.shape, "float32") : null,
      nv ? new Tensor(Float32Array.of(filled), [], "float32") : null,
    ];
  },
  diffBackward: (g, { attrs: { dim, index } }, [na, nv]) => {
    if (nv) {
      throw new TorchError(
        "NotImplementedError",
        "gradlens does not support create_graph=True through IndexFillBackward1 to its value yet",
      );
    }
    return [na ? indexFill(g, dim, index, 0) : null, null];
  },
  saves: noSaves,
});

/** `a.index_fill(dim, index, value)`: IndexFillBackward0 (a number) or IndexFillBackward1 (a 0-dim tensor). */
export function indexFill(a: Tensor, dim: number, index: Tensor, value: Tensor | number | boolean): Tensor {
  const d = normalizeDim(dim, a.dim());
  if (index.dim() > 1) throw new TorchError("RuntimeError", "Index has to be a vector/scalar");
  if (index.dtype !== "int64")
    throw new TorchError("IndexError", "index_fill_(): Expected dtype int64 for index.");
  let out: Tensor;
  if (value instanceof Tensor) {
    if (value.dim() !== 0) {
      throw new TorchError(
        "RuntimeError",
        `index_fill_ only supports a 0-dimensional value tensor, but got tensor with ${value.dim()} dimension(s).`,
      );
    }
    out = runIndexFill([a, value], { dim: d, index, value: null });
  } else {
    out = runIndexFill([a], { dim: d, index, value: Number(value) });
  }
  saveOn(out, index);
  return out;
}

// ---------------------------------------------------------------------------------------------
// libstdc++'s sorting algorithms, replayed so that ties come out as PyTorch's CPU kernels leave them

type Less = (x: number, y: number) => boolean;

/** (key, index) pairs sorted in place by `less` on the keys: std::sort, std::nth_element, ... */
class PairSort {
  constructor(
    readonly keys: number[],
    readonly idx: number[],
    readonly less: Less,
  ) {}

  private comp(i: number, j: number): boolean {
    return this.less(this.keys[i], this.keys[j]);
  }

  private swap(i: number, j: number): void {
    const k = this.keys[i];
    this.keys[i] = this.keys[j];
    this.keys[j] = k;
    const x = this.idx[i];
    this.idx[i] = this.idx[j];
    this.idx[j] = x;
  }

  private moveMedianToFirst(result: number, a: number, b: number, c: number): void {
    if (this.comp(a, b)) {
      if (this.comp(b, c)) this.swap(result, b);
      else if (this.comp(a, c)) this.swap(result, c);
      else this.swap(result, a);
    } else if (this.comp(a, c)) this.swap(result, a);
    else if (this.comp(b, c)) this.swap(result, c);
    else this.swap(result, b);
  }

  private unguardedPartition(first: number, last: number, pivot: number): number {
    for (;;) {
      while (this.comp(first, pivot)) first++;
      last--;
      while (this.comp(pivot, last)) last--;
      if (!(first < last)) return first;
      this.swap(first, last);
      first++;
    }
  }

  private partitionPivot(first: number, last: number): number {
    const mid = first + ((last - first) >> 1);
    this.moveMedianToFirst(first, first + 1, mid, last - 1);
    return this.unguardedPartition(first + 1, last, first);
  }

  /** Insertion sort of [first, last): stable, as libstdc++'s (guarded or not) is. */
  insertionSort(first: number, last: number): void {
    const { keys, idx, less } = this;
    for (let i = first + 1; i < last; i++) {
      const k = keys[i];
      const x = idx[i];
      let j = i;
      while (j > first && less(k, keys[j - 1])) {
        keys[j] = keys[j - 1];
        idx[j] = idx[j - 1];
        j--;
      }
      keys[j] = k;
      idx[j] = x;
    }
  }

  private adjustHeap(first: number, hole: number, len: number, key: number, ix: number): void {
    const { keys, idx } = this;
    const top = hole;
    let second = hole;
    while (second < Math.trunc((len - 1) / 2)) {
      second = 2 * (second + 1);
      if (this.comp(first + second, first + second - 1)) second--;
      keys[first + hole] = keys[first + second];
      idx[first + hole] = idx[first + second];
      hole = second;
    }
    if ((len & 1) === 0 && second === Math.trunc((len - 2) / 2)) {
      second = 2 * (second + 1);
      keys[first + hole] = keys[first + second - 1];
      idx[first + hole] = idx[first + second - 1];
      hole = second - 1;
    }
    // __push_heap
    let parent = Math.trunc((hole - 1) / 2);
    while (hole > top && this.less(keys[first + parent], key)) {
      keys[first + hole] = keys[first + parent];
      idx[first + hole] = idx[first + parent];
      hole = parent;
      parent = Math.trunc((hole - 1) / 2);
    }
    keys[first + hole] = key;
    idx[first + hole] = ix;
  }

  private makeHeap(first: number, last: number): void {
    const len = last - first;
    if (len < 2) return;
    for (let parent = Math.trunc((len - 2) / 2); ; parent--) {
      this.adjustHeap(first, parent, len, this.keys[first + parent], this.idx[first + parent]);
      if (parent === 0) return;
    }
  }

  private popHeap(first: number, last: number, result: number): void {
    const key = this.keys[result];
    const ix = this.idx[result];
    this.keys[result] = this.keys[first];
    this.idx[result] = this.idx[first];
    this.adjustHeap(first, 0, last - first, key, ix);
  }

  private heapSelect(first: number, middle: number, last: number): void {
    this.makeHeap(first, middle);
    for (let i = middle; i < last; i++) if (this.comp(i, first)) this.popHeap(first, middle, i);
  }

  private sortHeap(first: number, last: number): void {
    while (last - first > 1) {
      last--;
      this.popHeap(first, last, last);
    }
  }

  /** std::partial_sort(first, middle, last). */
  partialSort(first: number, middle: number, last: number): void {
    this.heapSelect(first, middle, last);
    this.sortHeap(first, middle);
  }

  private introsortLoop(first: number, last: number, depth: number): void {
    while (last - first > 16) {
      if (depth === 0) {
        this.partialSort(first, last, last);
        return;
      }
      depth--;
      const cut = this.partitionPivot(first, last);
      this.introsortLoop(cut, last, depth);
      last = cut;
    }
  }

  /** std::sort(first, last). */
  sort(first: number, last: number): void {
    if (last - first < 2) return;
    this.introsortLoop(first, last, 2 * Math.floor(Math.log2(last - first)));
    this.insertionSort(first, last);
  }

  /** std::stable_sort: any stable sort gives the same order. */
  stableSort(): void {
    const { keys, idx, less } = this;
    const order = Array.from({ length: keys.length }, (_, i) => i);
    order.sort((i, j) => (less(keys[i], keys[j]) ? -1 : less(keys[j], keys[i]) ? 1 : i - j));
    const k2 = order.map((i) => keys[i]);
    const i2 = order.map((i) => idx[i]);
    for (let i = 0; i < keys.length; i++) {
      keys[i] = k2[i];
      idx[i] = i2[i];
    }
  }

  /** std::nth_element(first, nth, last). */
  nthElement(first: number, nth: number, last: number): void {
    if (first === last || nth === last) return;
    let depth = 2 * Math.floor(Math.log2(last - first));
    while (last - first > 3) {
      if (depth === 0) {
        this.heapSelect(first, nth + 1, last);
        this.swap(first, nth);
        return;
      }
      depth--;
      const cut = this.partitionPivot(first, last);
      if (cut <= nth) first = cut;
      else last = cut;
    }
    this.insertionSort(first, last);
  }
}

const isNaN_ = (x: number) => x !== x;
/** ATen's comparators: NaN sorts as the largest value. */
const ascending: Less = (x, y) => (!isNaN_(x) && isNaN_(y)) || x < y;
const descending: Less = (x, y) => (isNaN_(x) && !isNaN_(y)) || x > y;

/** Runs `fn` on each row along `dim` of `a` ((keys, original indices) arrays), writing `k` results per row. */
function alongDim(
  a: Tensor,
  dim: number,
  k: number,
  fn: (keys: number[], idx: number[]) => void,
): { values: Tensor; indices: Tensor } {
  const shape = a.dim() === 0 ? [1] : a.shape;
  const size = shape[dim];
  const outer = numel(shape.slice(0, dim));
  const inner = numel(shape.slice(dim + 1));
  const outShape = a.dim() === 0 ? [] : shape.map((s, d) => (d === dim ? k : s));
  const vals = allocate(a.dtype, outer * k * inner);
  const inds = new Float64Array(outer * k * inner);
  const av = a.values;
  const keys = new Array<number>(size);
  const idx = new Array<number>(size);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      for (let j = 0; j < size; j++) {
        keys[j] = av[(o * size + j) * inner + i];
        idx[j] = j;
      }
      fn(keys, idx);
      for (let j = 0; j < k; j++) {
        const at = (o * k + j) * inner + i;
        vals[at] = keys[j];
        inds[at] = idx[j];
      }
    }
  }
  return { values: new Tensor(vals, outShape, a.dtype), indices: new Tensor(inds, outShape, "int64") };
}

/** The indices of a sort / topk call, kept beside its values tensor for backward. */
const indicesOf = new WeakMap<Tensor, Tensor>();

/** ATen's value_selecting_reduction_backward: zeros(sizes).scatter_(dim, indices, grad). */
function selectedGrad(g: Tensor, a: Tensor, dim: number, indices: Tensor): Tensor {
  if (a.dim() === 0) return new Tensor(Float32Array.from(g.values), [], "float32");
  const pos = indexedPositions(a.shape, dim, indices);
  const out = new Float32Array(a.numel());
  const gv = g.values;
  for (let k = 0; k < pos.length; k++) out[pos[k]] = gv[k];
  return new Tensor(out, a.shape, "float32");
}

function selectedDiffGrad(g: Tensor, a: Tensor, dim: number, indices: Tensor): Tensor {
  if (a.dim() === 0) return g;
  return scatter(zeros(a.shape), dim, indices, g);
}

interface SortAttrs {
  dim: number;
  descending: boolean;
  stable: boolean;
}

const runSort = defineOp<SortAttrs>({
  name: "sort",
  gradFn: (_inputs, { stable }) => (stable ? "SortBackward1" : "SortBackward0"),
  forward: ([a], { dim, descending: desc, stable }) => {
    const size = a.dim() === 0 ? 1 : a.shape[dim];
    const less = desc ? descending : ascending;
    const r = alongDim(a, dim, size, (keys, idx) => {
      const s = new PairSort(keys, idx, less);
      if (stable) s.stableSort();
      else s.sort(0, keys.length);
    });
    indicesOf.set(r.values, r.indices);
    return r.values;
  },
  backward: (g, { inputs: [a], out, attrs: { dim } }) => [selectedGrad(g, a, dim, indicesOf.get(out)!)],
  diffBackward: (g, { inputs: [a], out, attrs: { dim } }) => [
    selectedDiffGrad(g, a, dim, indicesOf.get(out)!),
  ],
  saves: noSaves,
});

/** `torch.sort(a, dim, descending, stable)`: {values (SortBackward0/1), indices}. */
export function sort(a: Tensor, dim = -1, desc = false, stable = false): { values: Tensor; indices: Tensor } {
  const d = normalizeDim(dim, a.dim());
  const values = runSort([a], { dim: d, descending: desc, stable });
  const indices = indicesOf.get(values)!;
  saveOn(values, indices, true);
  return { values, indices };
}

/** `torch.argsort(a, dim, descending, stable)`: the indices of sort (not differentiable). */
export function argsort(a: Tensor, dim = -1, desc = false, stable = false): Tensor {
  return sort(a.detach(), dim, desc, stable).indices;
}

interface TopkAttrs {
  k: number;
  dim: number;
  largest: boolean;
  sorted: boolean;
}

const runTopk = defineOp<TopkAttrs>({
  name: "topk",
  gradFn: "TopkBackward0",
  forward: ([a], { k, dim, largest, sorted }) => {
    const less = largest ? descending : ascending;
    const r = alongDim(a, dim, k, (keys, idx) => {
      if (k === 0) return;
      const s = new PairSort(keys, idx, less);
      // ATen's topk_impl_loop: partial_sort when k is small against the dim, else nth_element + sort
      if (k * 64 <= keys.length) s.partialSort(0, k, keys.length);
      else {
        s.nthElement(0, k - 1, keys.length);
        if (sorted) s.sort(0, k - 1);
      }
    });
    indicesOf.set(r.values, r.indices);
    return r.values;
  },
  backward: (g, { inputs: [a], out, attrs: { dim } }) => [selectedGrad(g, a, dim, indicesOf.get(out)!)],
  diffBackward: (g, { inputs: [a], out, attrs: { dim } }) => [
    selectedDiffGrad(g, a, dim, indicesOf.get(out)!),
  ],
  saves: noSaves,
});

/** `torch.topk(a, k, dim=-1, largest=True, sorted=True)`: {values (TopkBackward0), indices}. */
export function topk(
  a: Tensor,
  k: number,
  dim = -1,
  largest = true,
  sorted = true,
): { values: Tensor; indices: Tensor } {
  const d = normalizeDim(dim, a.dim());
  const size = a.dim() === 0 ? 1 : a.shape[d];
  if (k < 0 || k > size) throw new TorchError("RuntimeError", "selected index k out of range");
  const values = runTopk([a], { k, dim: d, largest, sorted });
  const indices = indicesOf.get(values)!;
  saveOn(values, indices, true);
  return { values, indices };
}

// ---------------------------------------------------------------------------------------------
// median

/**
 * The lower median of `keys` and its index, as ATen's median kernels pick it: the first NaN when
 * there is one, else the ((n - 1) / 2)-th element of the order by (value, index), ties by index.
 */
function medianOf(keys: ArrayLike<number>): { value: number; index: number } {
  const n = keys.length;
  for (let i = 0; i < n; i++) if (keys[i] !== keys[i]) return { value: NaN, index: i };
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((i, j) => keys[i] - keys[j] || i - j);
  const index = order[(n - 1) >> 1];
  return { value: keys[index], index };
}

const runMedian = defineOp<Record<string, never>>({
  name: "median",
  gradFn: "MedianBackward0",
  forward: ([a]) => {
    const value = a.numel() === 0 ? NaN : medianOf(a.values).value;
    return new Tensor(allocate(a.dtype, 1).fill(castValue(a.dtype, value)), [], a.dtype);
  },
  // ATen's evenly_distribute_backward: the grad shared by every element equal to the median
  backward: (g, { inputs: [a], out }) => {
    const m = out.values[0];
    const av = a.values;
    const hit = (x: number) => x === m || (x !== x && m !== m);
    let count = 0;
    for (const x of av) if (hit(x)) count++;
    const share = f(g.values[0] / count);
    return [
      new Tensor(
        Float32Array.from(av, (x) => (hit(x) ? share : 0)),
        a.shape,
        "float32",
      ),
    ];
  },
  saves: () => ({ inputs: [0], output: true }),
});

const runMedianDim = defineOp<{ dim: number; keepdim: boolean }>({
  name: "median_dim",
  gradFn: "MedianBackward1",
  forward: ([a], { dim, keepdim }) => {
    const r = alongDim(a, dim, 1, (keys, idx) => {
      const { value, index } = medianOf(keys);
      keys[0] = value;
      idx[0] = index;
    });
    const shape = a.dim() === 0 ? [] : keepdim ? r.values.shape : a.shape.filter((_, d) => d !== dim);
    const values = new Tensor(r.values.values, shape, a.dtype);
    indicesOf.set(values, new Tensor(r.indices.values, shape, "int64"));
    return values;
  },
  backward: (g, { inputs: [a], out, attrs: { dim } }) => {
    const idx = indicesOf.get(out)!;
    const kept = a.dim() === 0 ? [] : a.shape.map((s, d) => (d === dim ? 1 : s));
    return [
      selectedGrad(new Tensor(g.values, kept, "float32"), a, dim, new Tensor(idx.values, kept, "int64")),
    ];
  },
  saves: noSaves,
});

/** `torch.median(a)`: the lower median (MedianBackward0); NaN when any element is NaN or a is empty. */
export function median(a: Tensor): Tensor {
  return runMedian([a], {});
}

/** `torch.median(a, dim, keepdim)`: {values (MedianBackward1), indices}. */
export function medianDim(a: Tensor, dim: number, keepdim = false): { values: Tensor; indices: Tensor } {
  const d = normalizeDim(dim, a.dim());
  if (a.dim() > 0 && a.shape[d] === 0) {
    throw new TorchError("IndexError", `median(): Expected reduction dim ${d} to have non-zero size.`);
  }
  const values = runMedianDim([a], { dim: d, keepdim });
  const indices = indicesOf.get(values)!;
  saveOn(values, indices, true);
  return { values, indices };
}

// ---------------------------------------------------------------------------------------------
// flip / roll

/** For each row-major element of the output, the row-major position in `a` it comes from. */
function mappedPositions(shape: Shape, from: (coords: number[]) => number): Int32Array {
  const n = numel(shape);
  const out = new Int32Array(n);
  const rank = shape.length;
  const idx = new Array<number>(rank).fill(0);
  for (let k = 0; k < n; k++) {
    out[k] = from(idx);
    for (let d = rank - 1; d >= 0; d--) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

function moved(a: Tensor, pos: Int32Array): Tensor {
  const out = allocate(a.dtype, pos.length);
  const av = a.values;
  for (let k = 0; k < pos.length; k++) out[k] = av[pos[k]];
  return new Tensor(out, a.shape, a.dtype);
}

function movedBack(g: Tensor, pos: Int32Array): Tensor {
  const out = new Float32Array(pos.length);
  const gv = g.values;
  for (let k = 0; k < pos.length; k++) out[pos[k]] = gv[k];
  return new Tensor(out, g.shape, "float32");
}

function flipPositions(shape: Shape, dims: readonly number[]): Int32Array {
  const st = stridesOf(shape);
  return mappedPositions(shape, (c) => {
    let p = 0;
    for (let d = 0; d < shape.length; d++) p += (dims.includes(d) ? shape[d] - 1 - c[d] : c[d]) * st[d];
    return p;
  });
}

const runFlip = defineOp<{ dims: number[] }>({
  name: "flip",
  gradFn: "FlipBackward0",
  forward: ([a], { dims }) => moved(a, flipPositions(a.shape, dims)),
  backward: (g, { attrs: { dims } }) => [movedBack(g, flipPositions(g.shape, dims))],
  diffBackward: (g, { attrs: { dims } }) => [flip(g, dims)],
  saves: noSaves,
});

function uniqueDims(dims: readonly number[], rank: number): number[] {
  const out: number[] = [];
  for (const d of dims) {
    const n = normalizeDim(d, rank);
    if (out.includes(n))
      throw new TorchError("RuntimeError", `dim ${n} appears multiple times in the list of dims`);
    out.push(n);
  }
  return out;
}

/** `torch.flip(a, dims)`: FlipBackward0. */
export function flip(a: Tensor, dims: readonly number[]): Tensor {
  const ds = uniqueDims(dims, a.dim());
  return runFlip([a], { dims: a.dim() === 0 ? [] : ds });
}

function rollPositions(shape: Shape, shifts: readonly number[], dims: readonly number[]): Int32Array {
  if (dims.length === 0) {
    // flattened: roll the row-major order
    const n = numel(shape);
    const s = n === 0 ? 0 : ((-shifts[0] % n) + n) % n;
    return Int32Array.from({ length: n }, (_, k) => (k + s) % n);
  }
  const st = stridesOf(shape);
  return mappedPositions(shape, (c) => {
    let p = 0;
    for (let d = 0; d < shape.length; d++) {
      const j = dims.indexOf(d);
      let x = c[d];
      if (j >= 0) {
        for (let q = 0; q < dims.length; q++) if (dims[q] === d) x -= shifts[q];
        x = ((x % shape[d]) + shape[d]) % shape[d];
      }
      p += x * st[d];
    }
    return p;
  });
}

const runRoll = defineOp<{ shifts: number[]; dims: number[] }>({
  name: "roll",
  gradFn: "RollBackward0",
  forward: ([a], { shifts, dims }) => moved(a, rollPositions(a.shape, shifts, dims)),
  backward: (g, { attrs: { shifts, dims } }) => [movedBack(g, rollPositions(g.shape, shifts, dims))],
  diffBackward: (g, { attrs: { shifts, dims } }) => [
    roll(
      g,
      shifts.map((s) => -s),
      dims,
    ),
  ],
  saves: noSaves,
});

/** `torch.roll(a, shifts, dims)`: RollBackward0. */
export function roll(
  a: Tensor,
  shifts: number | readonly number[],
  dims: number | readonly number[] = [],
): Tensor {
  const sh = typeof shifts === "number" ? [shifts] : [...shifts];
  const ds = typeof dims === "number" ? [dims] : [...dims];
  if (ds.length === 0 && sh.length !== 1) {
    throw new TorchError(
      "RuntimeError",
      `shifts and dimensions must align. shifts: ${sh.length}, dims:${ds.length}`,
    );
  }
  if (ds.length > 0 && sh.length !== ds.length) {
    throw new TorchError(
      "RuntimeError",
      `shifts and dimensions must align. shifts: ${sh.length}, dims:${ds.length}`,
    );
  }
  const nd = ds.map((d) => normalizeDim(d, a.dim()));
  return runRoll([a], { shifts: sh, dims: a.dim() === 0 ? [] : nd });
}

// ---------------------------------------------------------------------------------------------
// tril / triu / diag / trace

function triKeep(upper: boolean, diagonal: number, i: number, j: number): boolean {
  return upper ? j - i >= diagonal : j - i <= diagonal;
}

function triMasked(a: Tensor, upper: boolean, diagonal: number, dtype: DType): Tensor {
  const [rows, cols] = a.shape.slice(-2);
  const src = a.values;
  const out = allocate(dtype, src.length);
  for (let k = 0; k < src.length; k++) {
    const j = k % cols;
    const i = Math.floor(k / cols) % rows;
    if (triKeep(upper, diagonal, i, j)) out[k] = src[k];
  }
  return new Tensor(out, a.shape, dtype);
}

function triOp(name: "tril" | "triu") {
  const upper = name === "triu";
  const run = defineOp<{ diagonal: number }>({
    name,
    gradFn: upper ? "TriuBackward0" : "TrilBackward0",
    forward: ([a], { diagonal }) => triMasked(a, upper, diagonal, a.dtype),
    backward: (g, { attrs: { diagonal } }) => [triMasked(g, upper, diagonal, "float32")],
    diffBackward: (g, { attrs: { diagonal } }) => [upper ? triu(g, diagonal) : tril(g, diagonal)],
    saves: noSaves,
  });
  return (a: Tensor, diagonal = 0): Tensor => {
    checkTriRank(a);
    return run([a], { diagonal });
  };
}

function checkTriRank(a: Tensor): void {
  if (a.dim() === 0) {
    throw new TorchError("IndexError", "Dimension specified as -2 but tensor has no dimensions");
  }
  if (a.dim() < 2) {
    throw new TorchError(
      "IndexError",
      `Dimension out of range (expected to be in range of [-1, 0], but got -2)`,
    );
  }
}

/** `a.tril_(diagonal)` / `a.triu_(diagonal)`: in place, TrilBackward0 / TriuBackward0. */
export function triInplace(a: Tensor, upper: boolean, diagonal = 0): Tensor {
  checkTriRank(a);
  const name = upper ? "triu" : "tril";
  return runInplace(getOp(name), a, [], { diagonal }, `${name}_`);
}

/** `torch.tril(a, diagonal=0)`: TrilBackward0. */
export const tril = triOp("tril");
/** `torch.triu(a, diagonal=0)`: TriuBackward0. */
export const triu = triOp("triu");

/** The flat positions in a [rows, cols] matrix of its `diagonal`-th diagonal. */
function diagonalPositions(rows: number, cols: number, diagonal: number): number[] {
  const len = diagonal >= 0 ? Math.min(rows, cols - diagonal) : Math.min(rows + diagonal, cols);
  const out: number[] = [];
  for (let i = 0; i < len; i++) out.push(diagonal >= 0 ? i * cols + i + diagonal : (i - diagonal) * cols + i);
  return out;
}

const runDiag = defineOp<{ diagonal: number }>({
  name: "diag",
  gradFn: "DiagBackward0",
  forward: ([a], { diagonal }) => {
    const av = a.values;
    if (a.dim() === 1) {
      const n = a.shape[0] + Math.abs(diagonal);
      const out = allocate(a.dtype, n * n);
      diagonalPositions(n, n, diagonal).forEach((p, i) => (out[p] = av[i]));
      return new Tensor(out, [n, n], a.dtype);
    }
    const pos = diagonalPositions(a.shape[0], a.shape[1], diagonal);
    const out = allocate(a.dtype, pos.length);
    pos.forEach((p, i) => (out[i] = av[p]));
    return new Tensor(out, [pos.length], a.dtype);
  },
  backward: (g, { inputs: [a], attrs: { diagonal } }) => {
    const gv = g.values;
    if (a.dim() === 1) {
      const pos = diagonalPositions(g.shape[0], g.shape[1], diagonal);
      return [
        new Tensor(
          Float32Array.from(pos, (p) => gv[p]),
          a.shape,
          "float32",
        ),
      ];
    }
    const out = new Float32Array(a.numel());
    diagonalPositions(a.shape[0], a.shape[1], diagonal).forEach((p, i) => (out[p] = gv[i]));
    return [new Tensor(out, a.shape, "float32")];
  },
  diffBackward: (g, { inputs: [a], attrs: { diagonal } }) => {
    // ATen's diag_backward: grad.diag(diagonal) for a vector or a square matrix, else diagonal_backward
    if (a.dim() === 1 || a.shape[0] === a.shape[1]) return [diag(g, diagonal)];
    return [runDiagonalBackward([g], { shape: [...a.shape], diagonal })];
  },
  saves: noSaves,
});

/** ATen's diagonal_backward (of a 2-D input): the grad laid on the diagonal of zeros. */
const runDiagonalBackward = defineOp<{ shape: number[]; diagonal: number }>({
  name: "diagonal_backward",
  gradFn: "DiagonalBackwardBackward0",
  forward: ([g], { shape, diagonal }) => {
    const out = new Float32Array(numel(shape));
    const gv = g.values;
    diagonalPositions(shape[0], shape[1], diagonal).forEach((p, i) => (out[p] = gv[i]));
    return new Tensor(out, shape, "float32");
  },
  backward: (gg, { inputs: [g], attrs: { shape, diagonal } }) => {
    const v = gg.values;
    return [
      new Tensor(
        Float32Array.from(diagonalPositions(shape[0], shape[1], diagonal), (p) => v[p]),
        g.shape,
        "float32",
      ),
    ];
  },
  saves: noSaves,
});

/** `torch.diag(a, diagonal=0)`: a vector to a diagonal matrix, a matrix to its diagonal (DiagBackward0). */
export function diag(a: Tensor, diagonal = 0): Tensor {
  if (a.dim() !== 1 && a.dim() !== 2) throw new TorchError("RuntimeError", "matrix or a vector expected");
  if (a.dim() === 2) {
    const [rows, cols] = a.shape;
    const len = diagonal >= 0 ? Math.min(rows, cols - diagonal) : Math.min(rows + diagonal, cols);
    // PyTorch 1.13 sizes the result before it clamps: a diagonal past the matrix overflows
    if (len < 0) throw new TorchError("RuntimeError", "numel: integer multiplication overflow");
  }
  return runDiag([a], { diagonal });
}

const runTrace = defineOp<Record<string, never>>({
  name: "trace",
  gradFn: "TraceBackward0",
  forward: ([a]) => {
    const [rows, cols] = a.shape;
    const av = a.values;
    const dtype = a.dtype === "float32" ? "float32" : "int64";
    let s = 0;
    // ATen's trace_cpu accumulates in the accumulate type (double for float)
    for (let i = 0; i < Math.min(rows, cols); i++) s += av[i * cols + i];
    return new Tensor(allocate(dtype, 1).fill(castValue(dtype, s)), [], dtype);
  },
  backward: (g, { inputs: [a] }) => {
    const [rows, cols] = a.shape;
    const out = new Float32Array(a.numel());
    for (let i = 0; i < Math.min(rows, cols); i++) out[i * cols + i] = g.values[0];
    return [new Tensor(out, a.shape, "float32")];
  },
  // ATen's trace_backward: zeros(n * m).index_fill_(0, arange(0, n * m, m + 1), grad).view(n, m)
  diffBackward: (g, { inputs: [a] }) => {
    const [rows, cols] = a.shape;
    const diagonal = arange(0, rows * cols, cols + 1, { dtype: "int64" });
    return [view(indexFill(zeros([rows * cols]), 0, diagonal, g), [rows, cols])];
  },
  saves: noSaves,
});

/** `torch.trace(a)`: the sum of a matrix's diagonal (TraceBackward0). */
export function trace(a: Tensor): Tensor {
  if (a.dim() !== 2) {
    throw new TorchError("RuntimeError", `trace: expected a matrix, but got tensor with dim ${a.dim()}`);
  }
  return runTrace([a], {});
}

// ---------------------------------------------------------------------------------------------
// cumprod

function cumprodRows(src: Storage, shape: Shape, dim: number, dtype: DType): Tensor {
  const s = shape.length === 0 ? [1] : shape;
  const size = s[dim];
  const outer = numel(s.slice(0, dim));
  const inner = numel(s.slice(dim + 1));
  const out = allocate(dtype, src.length);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      // ATen's cumprod accumulates in the accumulate type (double for float)
      let acc = 1;
      for (let j = 0; j < size; j++) {
        const at = (o * size + j) * inner + i;
        acc *= src[at];
        out[at] = dtype === "float32" ? f(acc) : acc;
      }
    }
  }
  return new Tensor(out, shape, dtype);
}

const runCumprod = defineOp<{ dim: number }>({
  name: "cumprod",
  gradFn: "CumprodBackward0",
  forward: ([a], { dim }) => cumprodRows(a.values, a.shape, dim, a.dtype === "float32" ? "float32" : "int64"),
  // ATen's cumprod_backward, for inputs without zeros: sum_{k>=j} g_k * out_k / x_j (reversed cumsum);
  // with zeros, the products of the other factors directly
  backward: (g, { inputs: [a], out, attrs: { dim } }) => {
    const s = a.shape.length === 0 ? [1] : a.shape;
    const size = s[dim];
    const outer = numel(s.slice(0, dim));
    const inner = numel(s.slice(dim + 1));
    const xv = a.values;
    const ov = out.values;
    const gv = g.values;
    const res = new Float32Array(a.numel());
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const at = (j: number) => (o * size + j) * inner + i;
        let hasZero = false;
        for (let j = 0; j < size; j++) if (xv[at(j)] === 0) hasZero = true;
        if (!hasZero) {
          // reversed_cumsum(output * grad).div(input); cumsum accumulates in double
          let acc = 0;
          for (let j = size - 1; j >= 0; j--) {
            acc += f(gv[at(j)] * ov[at(j)]);
            res[at(j)] = f(f(acc) / xv[at(j)]);
          }
        } else {
          for (let j = 0; j < size; j++) {
            // d out_k / d x_j = prod_{m<=k, m!=j} x_m
            let sum = 0;
            let prefix = 1;
            for (let m = 0; m < j; m++) prefix *= xv[at(m)];
            let prod = prefix;
            for (let k = j; k < size; k++) {
              if (k > j) prod *= xv[at(k)];
              sum += gv[at(k)] * prod;
            }
            res[at(j)] = f(sum);
          }
        }
      }
    }
    return [new Tensor(res, a.shape, "float32")];
  },
  // ATen's cumprod_backward for an input without zeros: reversed_cumsum(output * grad, dim).div(input)
  diffBackward: (g, { inputs: [a], out, attrs: { dim } }) => {
    const size = a.dim() === 0 ? 1 : a.shape[dim];
    if (a.numel() <= 1 || size === 1) return [g];
    if (a.values.some((v) => v === 0)) {
      throw new TorchError(
        "NotImplementedError",
        "gradlens does not support create_graph=True through CumprodBackward0 of an input with zeros yet",
      );
    }
    const w = mul(out, g);
    return [div(flip(cumsum(flip(w, [dim]), dim), [dim]), a)];
  },
  saves: () => ({ inputs: [0], output: true }),
});

/** `torch.cumprod(a, dim)`: CumprodBackward0; integers and bools give int64. */
export function cumprod(a: Tensor, dim: number): Tensor {
  const d = normalizeDim(dim, a.dim());
  return runCumprod([a], { dim: d });
}

// ---------------------------------------------------------------------------------------------
// nonzero

const runNonzero = defineOp<Record<string, never>>({
  name: "nonzero",
  gradFn: "NonzeroBackward0",
  forward: ([a]) => {
    const av = a.values;
    const rank = a.dim();
    const st = stridesOf(a.shape);
    const coords: number[] = [];
    let n = 0;
    for (let k = 0; k < av.length; k++) {
      if (av[k] === 0) continue;
      n++;
      for (let d = 0; d < rank; d++) coords.push(Math.floor(k / st[d]) % a.shape[d]);
    }
    return new Tensor(Float64Array.from(coords), [n, rank], "int64");
  },
});

/** `torch.nonzero(a)`: the [n, dim] int64 coordinates of the non-zero elements, in row-major order. */
export function nonzero(a: Tensor): Tensor {
  return runNonzero([a], {});
}

/** `torch.nonzero(a, as_tuple=True)`: ATen's nonzero_numpy, nonzero().unbind(1) (0-dim as 1-D). */
export function nonzeroTuple(a: Tensor): Tensor[] {
  return unbind(nonzero(a.dim() === 0 ? unsqueeze(a, 0) : a), 1);
}
