/**
 * Strided layouts as PyTorch keeps them: a tensor reads its storage at `offset + Σ index[d] * strides[d]`
 * (strides in elements). These are ATen's layout predicates and geometry, on plain numbers, so the
 * engine decides view-or-copy, contiguity and memory overlap exactly where PyTorch does.
 */
import { allocate, type DType, type Storage } from "./dtype.ts";
import { numel, type Shape } from "./shape.ts";

/** PyTorch's row-major strides: a size-0 dim counts as 1 (`torch.zeros(2, 0).stride()` is (1, 1)). */
export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = s;
    s *= Math.max(shape[d], 1);
  }
  return strides;
}

/** PyTorch's is_contiguous: row-major order, where the strides of size-1 dims do not matter. */
export function isContiguousLayout(shape: Shape, strides: readonly number[]): boolean {
  if (numel(shape) === 0) return true;
  let expected = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    const size = shape[d];
    if (size === 1) continue;
    if (strides[d] !== expected) return false;
    expected *= size;
  }
  return true;
}

/**
 * c10's compute_non_overlapping_and_dense: the elements fill a block of memory exactly once, in some
 * order of the dims (a permuted contiguous tensor, e.g. a transpose).
 */
export function isNonOverlappingAndDense(shape: Shape, strides: readonly number[]): boolean {
  const n = shape.length;
  if (n === 1) return shape[0] < 2 || strides[0] === 1;
  // dims by increasing stride, the size-0/1 dims last
  const perm = Array.from({ length: n }, (_, i) => i).sort((a, b) => {
    if (shape[a] < 2) return shape[b] < 2 ? 0 : 1;
    if (shape[b] < 2) return -1;
    return strides[a] - strides[b];
  });
  let required = 1;
  for (const d of perm) {
    if (shape[d] < 2) return true;
    if (strides[d] !== required) return false;
    required *= shape[d];
  }
  return true;
}

/** ATen's has_internal_overlap: "yes" only when a dim of size > 1 has stride 0 (an expand). */
export function hasInternalOverlap(shape: Shape, strides: readonly number[]): "no" | "yes" | "too hard" {
  if (isNonOverlappingAndDense(shape, strides)) return "no";
  for (let d = 0; d < shape.length; d++) if (strides[d] === 0 && shape[d] > 1) return "yes";
  return "too hard";
}

/** A layout over a storage, for the overlap checks. */
export interface Layout {
  shape: Shape;
  strides: readonly number[];
  offset: number;
}

/**
 * ATen's get_overlap_status for two layouts over the same storage: "full" when they are the same
 * elements in the same order, "partial" when their memory ranges intersect otherwise, "too hard"
 * when either is not dense (then PyTorch does not check).
 */
export function overlapStatus(a: Layout, b: Layout): "no" | "full" | "partial" | "too hard" {
  const na = numel(a.shape);
  const nb = numel(b.shape);
  if (na === 0 || nb === 0) return "no";
  if (!isNonOverlappingAndDense(a.shape, a.strides) || !isNonOverlappingAndDense(b.shape, b.strides)) {
    return "too hard";
  }
  const aEnd = a.offset + na;
  const bEnd = b.offset + nb;
  if (a.offset === b.offset && aEnd === bEnd) {
    const same = a.strides.length === b.strides.length && a.strides.every((s, i) => s === b.strides[i]);
    return same ? "full" : "partial";
  }
  return a.offset < bEnd && b.offset < aEnd ? "partial" : "no";
}

/**
 * ATen's computeStride (TensorUtils.cpp): the strides that view (shape, strides) as `newShape`
 * without copying, or null when a dim of the new shape would span two separately strided chunks.
 */
export function computeStride(shape: Shape, strides: readonly number[], newShape: Shape): number[] | null {
  if (shape.length === 0) return newShape.map(() => 1);
  const n = numel(shape);
  if (n === 0) {
    if (shape.length === newShape.length && shape.every((s, i) => s === newShape[i])) return [...strides];
    // the strides a resize would give: contiguous, with size-0 dims counted as 1
    const out = new Array<number>(newShape.length);
    for (let d = newShape.length - 1; d >= 0; d--) {
      out[d] = d === newShape.length - 1 ? 1 : Math.max(newShape[d + 1], 1) * out[d + 1];
    }
    return out;
  }
  const out = new Array<number>(newShape.length);
  let viewD = newShape.length - 1;
  // stride of the innermost element of the current chunk of contiguous dims
  let chunkBase = strides[strides.length - 1];
  let tensorNumel = 1;
  let viewNumel = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    tensorNumel *= shape[d];
    // the end of a chunk: the next dim out is not laid right after this one
    if (d === 0 || (shape[d - 1] !== 1 && strides[d - 1] !== tensorNumel * chunkBase)) {
      while (viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] === 1)) {
        out[viewD] = viewNumel * chunkBase;
        viewNumel *= newShape[viewD];
        viewD--;
      }
      if (viewNumel !== tensorNumel) return null;
      if (d > 0) {
        chunkBase = strides[d - 1];
        tensorNumel = 1;
        viewNumel = 1;
      }
    }
  }
  return viewD === -1 ? out : null;
}

/** Storage positions of the layout's elements, in row-major (logical) order. */
export function stridedPositions(shape: Shape, strides: readonly number[], offset: number): Int32Array {
  const n = numel(shape);
  const pos = new Int32Array(n);
  if (n === 0) return pos;
  const rank = shape.length;
  const idx = new Array<number>(rank).fill(0);
  let flat = offset;
  for (let k = 0; k < n; k++) {
    pos[k] = flat;
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]++;
      flat += strides[d];
      if (idx[d] < shape[d]) break;
      flat -= strides[d] * idx[d];
      idx[d] = 0;
    }
  }
  return pos;
}

/** Copies the layout's elements of `src` into `out`, row-major (the inner dim as a tight loop). */
export function gatherInto(
  src: Storage,
  out: Storage,
  shape: Shape,
  strides: readonly number[],
  offset: number,
): void {
  const n = out.length;
  if (n === 0) return;
  const rank = shape.length;
  if (rank === 0) {
    out[0] = src[offset];
    return;
  }
  const last = rank - 1;
  const lastN = shape[last];
  const lastS = strides[last];
  const idx = new Array<number>(rank).fill(0);
  let base = offset;
  let o = 0;
  for (;;) {
    for (let j = 0, p = base; j < lastN; j++, p += lastS) out[o++] = src[p];
    let d = last - 1;
    for (; d >= 0; d--) {
      idx[d]++;
      base += strides[d];
      if (idx[d] < shape[d]) break;
      base -= strides[d] * idx[d];
      idx[d] = 0;
    }
    if (d < 0 || o >= n) return;
  }
}

/** The layout's elements of `src` as a new row-major buffer of `dtype`. */
export function gather(
  src: Storage,
  dtype: DType,
  shape: Shape,
  strides: readonly number[],
  offset: number,
): Storage {
  const out = allocate(dtype, numel(shape));
  gatherInto(src, out, shape, strides, offset);
  return out;
}

/** Writes row-major `values` into the layout's elements of `dst` (the reverse of gatherInto). */
export function scatterInto(
  dst: Storage,
  values: ArrayLike<number>,
  shape: Shape,
  strides: readonly number[],
  offset: number,
): void {
  const pos = stridedPositions(shape, strides, offset);
  for (let k = 0; k < pos.length; k++) dst[pos[k]] = values[k];
}

/** The largest storage position the layout reads, or -1 when it has no element. */
export function lastPosition(shape: Shape, strides: readonly number[], offset: number): number {
  let last = offset;
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 0) return -1;
    last += (shape[d] - 1) * strides[d];
  }
  return last;
}

/**
 * The strides `empty_like(t)` (clone, `.to(dtype)`) gives under PyTorch's preserve format: t's own
 * when its elements are dense (a permuted tensor stays permuted), else dense strides in the order
 * of t's (ATen's infer_dense_strides: dims sorted by stride as TensorIterator sorts them, stride-0
 * dims left in place).
 */
export function preservedStrides(shape: Shape, strides: readonly number[]): number[] {
  if (isNonOverlappingAndDense(shape, strides)) return [...strides];
  const ndim = shape.length;
  const perm = Array.from({ length: ndim }, (_, i) => ndim - 1 - i);
  const shouldSwap = (d0: number, d1: number): number => {
    const s0 = strides[d0];
    const s1 = strides[d1];
    if (s0 === 0 || s1 === 0) return 0;
    if (s0 !== s1) return s0 < s1 ? -1 : 1;
    return shape[d0] > shape[d1] ? 1 : 0;
  };
  for (let i = 1; i < ndim; i++) {
    let dim1 = i;
    for (let dim0 = i - 1; dim0 >= 0; dim0--) {
      const c = shouldSwap(perm[dim0], perm[dim1]);
      if (c > 0) {
        [perm[dim0], perm[dim1]] = [perm[dim1], perm[dim0]];
        dim1 = dim0;
      } else if (c < 0) {
        break;
      }
    }
  }
  const out = new Array<number>(ndim);
  let next = 1;
  for (const d of perm) {
    out[d] = next;
    if (shape[d] > 1) next *= shape[d];
  }
  return out;
}

/**
 * The strides TensorIterator gives the fresh output of a pointwise op over `inputs` (broadcast to
 * `shape`), or null for row-major: the inputs' common strides when they all share one dense layout
 * (its fast path), else row-major in the order of the dims sorted by the inputs' strides (its
 * reorder_dimensions, ignoring broadcast dims), so `x.t() * 2` is laid out like `x.t()`.
 */
export function pointwiseStrides(shape: Shape, inputs: readonly Layout[]): number[] | null {
  const ndim = shape.length;
  if (ndim === 0 || inputs.length === 0) return null;
  const sameShape = (s: Shape) => s.length === ndim && s.every((x, d) => x === shape[d]);
  if (inputs.every((t) => sameShape(t.shape))) {
    if (inputs.every((t) => isContiguousLayout(t.shape, t.strides))) return null;
    const first = inputs[0].strides;
    if (
      inputs.every(
        (t) => isNonOverlappingAndDense(t.shape, t.strides) && t.strides.every((s, d) => s === first[d]),
      )
    ) {
      return [...first];
    }
  }
  // each input's strides over the broadcast shape: 0 on broadcast dims
  const strides = inputs.map((t) => {
    const pad = ndim - t.shape.length;
    return shape.map((size, d) => {
      const k = d - pad;
      return k < 0 || (t.shape[k] === 1 && size !== 1) ? 0 : t.strides[k];
    });
  });
  // 1: dim0 goes after (outside) dim1; -1: before; 0: no input decides
  const shouldSwap = (dim0: number, dim1: number): number => {
    for (const st of strides) {
      const s0 = st[dim0];
      const s1 = st[dim1];
      if (s0 === 0 || s1 === 0) continue;
      if (s0 !== s1) return s0 < s1 ? -1 : 1;
      if (shape[dim0] > shape[dim1]) return 1;
    }
    return 0;
  };
  // perm[0] is the innermost dim; start from row-major and insertion-sort as TensorIterator does
  const perm = Array.from({ length: ndim }, (_, i) => ndim - 1 - i);
  for (let i = 1; i < ndim; i++) {
    let dim1 = i;
    for (let dim0 = i - 1; dim0 >= 0; dim0--) {
      const c = shouldSwap(perm[dim0], perm[dim1]);
      if (c > 0) {
        [perm[dim0], perm[dim1]] = [perm[dim1], perm[dim0]];
        dim1 = dim0;
      } else if (c < 0) {
        break;
      }
    }
  }
  if (perm.every((p, j) => p === ndim - 1 - j)) return null;
  const out = new Array<number>(ndim);
  let next = 1;
  for (const d of perm) {
    out[d] = next;
    next *= shape[d];
  }
  return out;
}
