/**
 * Shared by the fidelity tests: decoding reference tensors written by PyTorch (non-finite numbers
 * as the strings "nan", "inf", "-inf") and comparing our float32 results with them.
 */
import { Tensor } from "../../src/engine/tensor.ts";
import type { DType } from "../../src/engine/dtype.ts";

export type JsonNumber = number | string;

/** A tensor as the reference scripts write it: flat row-major data. */
export interface RefTensor {
  shape: number[];
  dtype: string;
  data: JsonNumber[];
}

export function decodeNumber(x: JsonNumber): number {
  if (typeof x === "number") return x;
  if (x === "nan") return NaN;
  if (x === "inf") return Infinity;
  if (x === "-inf") return -Infinity;
  throw new Error(`not a number in a reference file: ${JSON.stringify(x)}`);
}

export function refDType(dtype: string): DType {
  const d = dtype.replace(/^torch\./, "");
  if (d === "float32" || d === "int64" || d === "bool") return d;
  throw new Error(`unexpected dtype in a reference file: ${dtype}`);
}

/** A fresh leaf tensor from a reference tensor. */
export function fromRef(ref: RefTensor, requiresGrad = false): Tensor {
  const dtype = refDType(ref.dtype);
  const values = ref.data.map(decodeNumber);
  const data =
    dtype === "float32"
      ? Float32Array.from(values)
      : dtype === "int64"
        ? Float64Array.from(values)
        : Uint8Array.from(values);
  const t = new Tensor(data, ref.shape, dtype);
  if (requiresGrad) t.requiresGrad_(true);
  return t;
}

export interface Tolerance {
  /** Relative tolerance. */
  rel: number;
  /** Also accept a difference of one unit in this significant digit (6 → the 6th digit). */
  digit?: number;
  /** Absolute floor, as a fraction of the largest magnitude in the expected tensor (cancellation to ~0). */
  absOfMax?: number;
  /** Absolute floor: float32 noise around a true 0 (a softmax's grad summing to 0, `x - x`). */
  abs?: number;
}

/** The acceptance tolerance of issue 2: 1e-5 relative, or one unit in the 6th significant digit. */
export const GOLDEN_TOL: Tolerance = { rel: 1e-5, digit: 6, absOfMax: 1e-6 };

export function closeNumber(actual: number, expected: number, tol: Tolerance, scale = 0): boolean {
  if (Number.isNaN(expected)) return Number.isNaN(actual);
  if (!Number.isFinite(expected)) return actual === expected;
  if (!Number.isFinite(actual)) return false;
  if (actual === expected) return true;
  const diff = Math.abs(actual - expected);
  const mag = Math.abs(expected);
  if (diff <= tol.rel * mag) return true;
  if (tol.digit !== undefined && mag > 0) {
    const unit = 10 ** (Math.floor(Math.log10(mag)) - (tol.digit - 1));
    if (diff <= unit * 1.000001) return true;
  }
  if (tol.abs !== undefined && diff <= tol.abs) return true;
  return tol.absOfMax !== undefined && diff <= tol.absOfMax * scale;
}

/** null when equal within tolerance, else a message naming the first differing element. */
export function compareValues(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: Tolerance,
): string | null {
  if (actual.length !== expected.length) {
    return `length ${actual.length}, expected ${expected.length}`;
  }
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    if (Number.isFinite(expected[i])) scale = Math.max(scale, Math.abs(expected[i]));
  }
  for (let i = 0; i < expected.length; i++) {
    if (!closeNumber(actual[i], expected[i], tol, scale)) {
      return `element ${i}: got ${actual[i]}, expected ${expected[i]} (got [${Array.from(actual).join(", ")}], expected [${Array.from(expected).join(", ")}])`;
    }
  }
  return null;
}

/** Compares a tensor with a reference tensor: shape, dtype and values. */
export function compareTensor(actual: Tensor | null, expected: RefTensor, tol: Tolerance): string | null {
  if (!actual) return "got no tensor";
  if (actual.shape.join(",") !== expected.shape.join(",")) {
    return `shape [${actual.shape.join(", ")}], expected [${expected.shape.join(", ")}]`;
  }
  const dtype = refDType(expected.dtype);
  if (actual.dtype !== dtype) return `dtype ${actual.dtype}, expected ${dtype}`;
  return compareValues(actual.values, expected.data.map(decodeNumber), tol);
}

/**
 * grad_fn names that differ between PyTorch releases for the same op, as
 * ../shared/golden/compare_outputs.py treats them.
 */
export function normalizeGradFnName(name: string | null | undefined): string | null {
  if (!name) return null;
  return name
    .replace(/SqueezeBackward\d/g, "SqueezeBackwardN")
    .replace("ReshapeAliasBackward0", "ViewBackward0");
}

/**
 * PyTorch 1.13's error texts where PyTorch 2.x (which gradlens follows) words them differently.
 * mv: "size mismatch, got 1, 1x4,3" became "size mismatch, got input (1), mat (1x4), vec (3)".
 */
export function normalizeErrorMessage(message: string): string {
  return message.replace(
    /^size mismatch, got (\d+), (\d+)x(\d+),(\d+)$/,
    "size mismatch, got input ($1), mat ($2x$3), vec ($4)",
  );
}
