import { TorchError } from "./errors.ts";

export type Shape = readonly number[];

export function numel(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** PyTorch's broadcasting rule, with its error text for a mismatch. */
export function broadcastShapes(a: Shape, b: Shape): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  // from the last dim, as ATen's infer_size: the error names the right-most mismatching dim
  for (let i = n - 1; i >= 0; i--) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new TorchError(
        "RuntimeError",
        `The size of tensor a (${da}) must match the size of tensor b (${db}) at non-singleton dimension ${i}`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/**
 * For each flat index of `outShape`, the flat index into a tensor of `inShape` broadcast to it.
 * Returned as an Int32Array map so inner loops stay simple.
 */
export function broadcastIndexMap(inShape: Shape, outShape: Shape): Int32Array {
  const n = numel(outShape);
  const map = new Int32Array(n);
  const rank = outShape.length;
  const offset = rank - inShape.length;
  const inStrides = stridesOf(inShape);
  const effStrides = new Array<number>(rank).fill(0);
  for (let i = 0; i < inShape.length; i++) effStrides[i + offset] = inShape[i] === 1 ? 0 : inStrides[i];
  const idx = new Array<number>(rank).fill(0);
  let flat = 0;
  for (let k = 0; k < n; k++) {
    map[k] = flat;
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]++;
      flat += effStrides[d];
      if (idx[d] < outShape[d]) break;
      flat -= effStrides[d] * idx[d];
      idx[d] = 0;
    }
  }
  return map;
}

/** Wraps a possibly negative dim, with PyTorch's IndexError text. */
export function normalizeDim(dim: number, rank: number): number {
  const r = Math.max(rank, 1);
  if (dim < -r || dim >= r) {
    throw new TorchError(
      "IndexError",
      `Dimension out of range (expected to be in range of [${-r}, ${r - 1}], but got ${dim})`,
    );
  }
  return dim < 0 ? dim + r : dim;
}

export function formatShape(shape: Shape): string {
  return `[${shape.join(", ")}]`;
}
