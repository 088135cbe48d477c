/**
 * Matrix products: mm, mv, dot, bmm, outer, and matmul composed of them exactly as PyTorch 2.x's
 * `_matmul_impl` does, so the recorded graph has PyTorch's nodes (MvBackward0, the unsqueeze/mm/squeeze_
 * of a vector-matrix product, the folded mm or the expanded bmm of batched products).
 */
import type { DType, Storage } from "../dtype.ts";
import { TorchError } from "../errors.ts";
import { defineOp } from "../registry.ts";
import { broadcastShapes, numel } from "../shape.ts";
import { Tensor } from "../tensor.ts";
import { mul } from "./elementwise.ts";
import { computeStride } from "../strided.ts";
import {
  contiguous,
  expand,
  mT,
  reshape,
  squeeze,
  squeezeInplace,
  t,
  unsafeView,
  unsqueeze,
} from "./view.ts";

type NoAttrs = Record<string, never>;

// ---------------------------------------------------------------------------------------------
// Kernels

/**
 * C = A·B for row-major A (m×k) and B (k×n), or B given as its transpose (n×k) when `bTransposed`.
 * A 4×4 register-blocked loop over B packed in 4-column panels. Each entry is the float32 sum of
 * float32 products in k order, as the reference BLAS behind Debian's PyTorch computes it (no FMA):
 * bit for bit the same, so a product that cancels (`x @ y` with a near-zero entry) prints as
 * PyTorch prints it.
 */
export function matmulKernel(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  m: number,
  k: number,
  n: number,
  bTransposed = false,
): Float32Array {
  const out = new Float32Array(m * n);
  if (m === 0 || n === 0) return out;
  const panels = (n + 3) >> 2;
  // panel jp holds B[p, 4jp .. 4jp+3] for p = 0..k-1, contiguous; the tail is zero-padded
  const packed = new Float64Array(panels * 4 * k);
  for (let jp = 0; jp < panels; jp++) {
    const j0 = jp * 4;
    const w = Math.min(4, n - j0);
    const base = jp * 4 * k;
    for (let c = 0; c < w; c++) {
      const j = j0 + c;
      if (bTransposed) for (let p = 0, q = base + c, s = j * k; p < k; p++, q += 4) packed[q] = b[s + p];
      else for (let p = 0, q = base + c, s = j; p < k; p++, q += 4, s += n) packed[q] = b[s];
    }
  }
  let i = 0;
  for (; i + 4 <= m; i += 4) {
    const r0 = i * k;
    const r1 = r0 + k;
    const r2 = r1 + k;
    const r3 = r2 + k;
    for (let jp = 0; jp < panels; jp++) {
      let c00 = 0,
        c01 = 0,
        c02 = 0,
        c03 = 0,
        c10 = 0,
        c11 = 0,
        c12 = 0,
        c13 = 0;
      let c20 = 0,
        c21 = 0,
        c22 = 0,
        c23 = 0,
        c30 = 0,
        c31 = 0,
        c32 = 0,
        c33 = 0;
      for (let p = 0, q = jp * 4 * k; p < k; p++, q += 4) {
        const b0 = packed[q];
        const b1 = packed[q + 1];
        const b2 = packed[q + 2];
        const b3 = packed[q + 3];
        const a0 = a[r0 + p];
        const a1 = a[r1 + p];
        const a2 = a[r2 + p];
        const a3 = a[r3 + p];
        c00 = Math.fround(c00 + Math.fround(a0 * b0));
        c01 = Math.fround(c01 + Math.fround(a0 * b1));
        c02 = Math.fround(c02 + Math.fround(a0 * b2));
        c03 = Math.fround(c03 + Math.fround(a0 * b3));
        c10 = Math.fround(c10 + Math.fround(a1 * b0));
        c11 = Math.fround(c11 + Math.fround(a1 * b1));
        c12 = Math.fround(c12 + Math.fround(a1 * b2));
        c13 = Math.fround(c13 + Math.fround(a1 * b3));
        c20 = Math.fround(c20 + Math.fround(a2 * b0));
        c21 = Math.fround(c21 + Math.fround(a2 * b1));
        c22 = Math.fround(c22 + Math.fround(a2 * b2));
        c23 = Math.fround(c23 + Math.fround(a2 * b3));
        c30 = Math.fround(c30 + Math.fround(a3 * b0));
        c31 = Math.fround(c31 + Math.fround(a3 * b1));
        c32 = Math.fround(c32 + Math.fround(a3 * b2));
        c33 = Math.fround(c33 + Math.fround(a3 * b3));
      }
      const j0 = jp * 4;
      const o0 = i * n + j0;
      const o1 = o0 + n;
      const o2 = o1 + n;
      const o3 = o2 + n;
      if (j0 + 4 <= n) {
        out[o0] = c00;
        out[o0 + 1] = c01;
        out[o0 + 2] = c02;
        out[o0 + 3] = c03;
        out[o1] = c10;
        out[o1 + 1] = c11;
        out[o1 + 2] = c12;
        out[o1 + 3] = c13;
        out[o2] = c20;
        out[o2 + 1] = c21;
        out[o2 + 2] = c22;
        out[o2 + 3] = c23;
        out[o3] = c30;
        out[o3 + 1] = c31;
        out[o3 + 2] = c32;
        out[o3 + 3] = c33;
      } else {
        const rows = [
          [c00, c01, c02, c03],
          [c10, c11, c12, c13],
          [c20, c21, c22, c23],
          [c30, c31, c32, c33],
        ];
        const w = n - j0;
        for (let r = 0; r < 4; r++) for (let c = 0; c < w; c++) out[o0 + r * n + c] = rows[r][c];
      }
    }
  }
  for (; i < m; i++) {
    const r0 = i * k;
    for (let jp = 0; jp < panels; jp++) {
      let c0 = 0,
        c1 = 0,
        c2 = 0,
        c3 = 0;
      for (let p = 0, q = jp * 4 * k; p < k; p++, q += 4) {
        const a0 = a[r0 + p];
        c0 = Math.fround(c0 + Math.fround(a0 * packed[q]));
        c1 = Math.fround(c1 + Math.fround(a0 * packed[q + 1]));
        c2 = Math.fround(c2 + Math.fround(a0 * packed[q + 2]));
        c3 = Math.fround(c3 + Math.fround(a0 * packed[q + 3]));
      }
      const j0 = jp * 4;
      const row = [c0, c1, c2, c3];
      for (let c = 0; c < Math.min(4, n - j0); c++) out[i * n + j0 + c] = row[c];
    }
  }
  return out;
}

/** Integer products (int64 tensors): exact in float64 up to 2^53. */
function matmulInt(
  a: Storage,
  b: Storage,
  m: number,
  k: number,
  n: number,
  bTransposed: boolean,
): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[i * k + p] * (bTransposed ? b[j * k + p] : b[p * n + j]);
      out[i * n + j] = s;
    }
  }
  return out;
}

function product(a: Storage, b: Storage, m: number, k: number, n: number, dtype: DType, bT = false): Storage {
  return dtype === "int64" ? matmulInt(a, b, m, k, n, bT) : matmulKernel(a, b, m, k, n, bT);
}

/** A row-major m×n matrix transposed (a copy). */
function transposed(a: Storage, m: number, n: number): Float32Array {
  const out = new Float32Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[j * m + i] = a[i * n + j];
  return out;
}

// ---------------------------------------------------------------------------------------------
// Checks with PyTorch's texts

/** c10's dtype names, as in `expected m1 and m2 to have the same dtype, but got: float != long int`. */
function c10Name(dtype: DType): string {
  return dtype === "float32" ? "float" : dtype === "int64" ? "long int" : "bool";
}

/** ScalarType names, as in `expected scalar type Float but found Long`. */
function scalarName(dtype: DType): string {
  return dtype === "float32" ? "Float" : dtype === "int64" ? "Long" : "Bool";
}

function noBool(dtype: DType, kernel: string): void {
  if (dtype === "bool") throw new TorchError("RuntimeError", `"${kernel}" not implemented for 'Bool'`);
}

/** What mm's and friends' backward saves: `self` for mat2's grad, `mat2` for self's grad. */
function crossSaves(_ctx: unknown, [na, nb]: boolean[]) {
  return { inputs: [...(nb ? [0] : []), ...(na ? [1] : [])], output: false };
}

// ---------------------------------------------------------------------------------------------
// mm, mv, dot, bmm, outer

const runMm = defineOp<NoAttrs>({
  name: "mm",
  gradFn: "MmBackward0",
  forward: ([a, b]) => {
    const [m, k] = a.shape;
    const n = b.shape[1];
    return new Tensor(product(a.values, b.values, m, k, n, a.dtype), [m, n], a.dtype);
  },
  backward: (g, { inputs: [a, b] }, [na, nb]) => {
    const [m, k] = a.shape;
    const n = b.shape[1];
    return [
      na ? new Tensor(matmulKernel(g.values, b.values, m, n, k, true), [m, k], "float32") : null,
      nb ? new Tensor(matmulKernel(transposed(a.values, m, k), g.values, k, m, n), [k, n], "float32") : null,
    ];
  },
  saves: crossSaves,
});

/** `torch.mm(a, b)`: MmBackward0. */
export function mm(a: Tensor, b: Tensor): Tensor {
  if (a.dim() !== 2) throw new TorchError("RuntimeError", "self must be a matrix");
  if (b.dim() !== 2) throw new TorchError("RuntimeError", "mat2 must be a matrix");
  if (a.shape[1] !== b.shape[0]) {
    throw new TorchError(
      "RuntimeError",
      `mat1 and mat2 shapes cannot be multiplied (${a.shape[0]}x${a.shape[1]} and ${b.shape[0]}x${b.shape[1]})`,
    );
  }
  if (a.dtype !== b.dtype) {
    throw new TorchError(
      "RuntimeError",
      `expected m1 and m2 to have the same dtype, but got: ${c10Name(a.dtype)} != ${c10Name(b.dtype)}`,
    );
  }
  noBool(a.dtype, "addmm_impl_cpu_");
  return runMm([a, b], {});
}

const runMv = defineOp<NoAttrs>({
  name: "mv",
  gradFn: "MvBackward0",
  forward: ([a, v]) => {
    const [m, k] = a.shape;
    return new Tensor(product(a.values, v.values, m, k, 1, a.dtype), [m], a.dtype);
  },
  backward: (g, { inputs: [a, v] }, [na, nv]) => {
    const [m, k] = a.shape;
    let ga: Tensor | null = null;
    if (na) {
      // ger(grad, vec): one product per entry
      const out = new Float32Array(m * k);
      for (let i = 0; i < m; i++) for (let j = 0; j < k; j++) out[i * k + j] = g.values[i] * v.values[j];
      ga = new Tensor(out, [m, k], "float32");
    }
    const gv = nv
      ? new Tensor(matmulKernel(transposed(a.values, m, k), g.values, k, m, 1), [k], "float32")
      : null;
    return [ga, gv];
  },
  saves: crossSaves,
});

/** `torch.mv(mat, vec)`: MvBackward0. */
export function mv(a: Tensor, v: Tensor): Tensor {
  if (a.dim() === 0) {
    throw new TorchError("IndexError", "Dimension specified as 0 but tensor has no dimensions");
  }
  if (a.dim() !== 2 || v.dim() !== 1) {
    throw new TorchError("RuntimeError", `vector + matrix @ vector expected, got 1, ${a.dim()}, ${v.dim()}`);
  }
  if (a.shape[1] !== v.shape[0]) {
    throw new TorchError(
      "RuntimeError",
      `size mismatch, got input (${a.shape[0]}), mat (${a.shape[0]}x${a.shape[1]}), vec (${v.shape[0]})`,
    );
  }
  if (a.dtype !== v.dtype) {
    throw new TorchError(
      "RuntimeError",
      `expected scalar type ${scalarName(a.dtype)} but found ${scalarName(v.dtype)}`,
    );
  }
  noBool(a.dtype, "addmv_impl_cpu");
  return runMv([a, v], {});
}

const runDot = defineOp<NoAttrs>({
  name: "dot",
  gradFn: "DotBackward0",
  forward: ([a, b]) => {
    const av = a.values;
    const bv = b.values;
    let s = 0;
    // sdot: float32 products summed in order, like the kernel above
    for (let i = 0; i < av.length; i++) s = Math.fround(s + Math.fround(av[i] * bv[i]));
    const out = Tensor.empty([], a.dtype);
    out.values[0] = s;
    return out;
  },
  backward: (g, { inputs: [a, b] }, [na, nb]) => {
    const scale = (x: Tensor) =>
      new Tensor(
        Float32Array.from(x.values, (v) => v * g.values[0]),
        x.shape,
        "float32",
      );
    return [na ? scale(b) : null, nb ? scale(a) : null];
  },
  saves: crossSaves,
});

/** `torch.dot(a, b)` of two 1-D tensors: DotBackward0. */
export function dot(a: Tensor, b: Tensor): Tensor {
  if (a.dim() !== 1 || b.dim() !== 1) {
    throw new TorchError("RuntimeError", `1D tensors expected, but got ${a.dim()}D and ${b.dim()}D tensors`);
  }
  if (a.dtype !== b.dtype) {
    throw new TorchError(
      "RuntimeError",
      `dot : expected both vectors to have same dtype, but found ${scalarName(a.dtype)} and ${scalarName(b.dtype)}`,
    );
  }
  if (a.numel() !== b.numel()) {
    throw new TorchError(
      "RuntimeError",
      `inconsistent tensor size, expected tensor [${a.numel()}] and src [${b.numel()}] to have the same number of elements, but got ${a.numel()} and ${b.numel()} elements respectively`,
    );
  }
  noBool(a.dtype, "dot");
  return runDot([a, b], {});
}

const runBmm = defineOp<NoAttrs>({
  name: "bmm",
  gradFn: "BmmBackward0",
  forward: ([a, b]) => {
    const [bs, m, k] = a.shape;
    const n = b.shape[2];
    const out = a.dtype === "int64" ? new Float64Array(bs * m * n) : new Float32Array(bs * m * n);
    for (let i = 0; i < bs; i++) {
      const av = a.values.subarray(i * m * k, (i + 1) * m * k);
      const bv = b.values.subarray(i * k * n, (i + 1) * k * n);
      out.set(product(av, bv, m, k, n, a.dtype), i * m * n);
    }
    return new Tensor(out, [bs, m, n], a.dtype);
  },
  backward: (g, { inputs: [a, b] }, [na, nb]) => {
    const [bs, m, k] = a.shape;
    const n = b.shape[2];
    const ga = na ? new Float32Array(bs * m * k) : null;
    const gb = nb ? new Float32Array(bs * k * n) : null;
    for (let i = 0; i < bs; i++) {
      const gi = g.values.subarray(i * m * n, (i + 1) * m * n);
      if (ga)
        ga.set(matmulKernel(gi, b.values.subarray(i * k * n, (i + 1) * k * n), m, n, k, true), i * m * k);
      if (gb) {
        const at = transposed(a.values.subarray(i * m * k, (i + 1) * m * k), m, k);
        gb.set(matmulKernel(at, gi, k, m, n), i * k * n);
      }
    }
    return [ga && new Tensor(ga, a.shape, "float32"), gb && new Tensor(gb, b.shape, "float32")];
  },
  saves: crossSaves,
});

/** `torch.bmm(a, b)` of two 3-D tensors with the same batch: BmmBackward0. */
export function bmm(a: Tensor, b: Tensor): Tensor {
  if (a.dim() !== 3) throw new TorchError("RuntimeError", "batch1 must be a 3D tensor");
  if (b.dim() !== 3) throw new TorchError("RuntimeError", "batch2 must be a 3D tensor");
  if (b.shape[0] !== a.shape[0] || b.shape[1] !== a.shape[2]) {
    throw new TorchError(
      "RuntimeError",
      `Expected size for first two dimensions of batch2 tensor to be: [${a.shape[0]}, ${a.shape[2]}] but got: [${b.shape[0]}, ${b.shape[1]}].`,
    );
  }
  if (a.dtype !== b.dtype) {
    throw new TorchError(
      "RuntimeError",
      `expected scalar type ${scalarName(a.dtype)} but found ${scalarName(b.dtype)}`,
    );
  }
  noBool(a.dtype, "bmm");
  return runBmm([a, b], {});
}

/** `torch.outer(a, b)`: PyTorch computes `a.reshape(n, 1) * b` (MulBackward0 over ViewBackward0). */
export function outer(a: Tensor, b: Tensor): Tensor {
  if (a.dim() !== 1)
    throw new TorchError("RuntimeError", `outer: Expected 1-D argument self, but got ${a.dim()}-D`);
  if (b.dim() !== 1)
    throw new TorchError("RuntimeError", `outer: Expected 1-D argument vec2, but got ${b.dim()}-D`);
  return mul(reshape(a, [a.shape[0], 1]), b);
}

// ---------------------------------------------------------------------------------------------
// matmul

/** ATen's computeStride (see strided.ts), kept under its old name. */
export const viewStrides = computeStride;

/** Strides of the last-two-dims transpose (`t.mT`) of a tensor with `strides`. */
function swapLastTwo(strides: readonly number[]): number[] {
  const s = [...strides];
  const r = s.length;
  [s[r - 2], s[r - 1]] = [s[r - 1], s[r - 2]];
  return s;
}

/** ATen's should_fold: fold the batch of the larger operand into an mm or mv without a copy. */
function shouldFold(t1: Tensor, t2: Tensor): boolean {
  const t1Larger = t1.dim() >= t2.dim();
  const dimBig = t1Larger ? t1.dim() : t2.dim();
  const dimSmall = t1Larger ? t2.dim() : t1.dim();
  if (!(dimBig >= 3 && dimSmall <= 2)) return false;
  // folding keeps the small operand's grad from being materialized per batch (always, in 2.x)
  if (t1Larger ? t2.requiresGrad : t1.requiresGrad) return true;
  if (t1.dim() === 2) return false;
  const shape = t1Larger
    ? t1.shape
    : [...t2.shape.slice(0, -2), t2.shape[t2.dim() - 1], t2.shape[t2.dim() - 2]];
  if (numel(shape) === 0) return true;
  const strides = t1Larger ? [...t1.strides] : swapLastTwo(t2.strides);
  for (let i = 0; i < dimBig - 2; i++) if (strides[i] !== strides[i + 1] * shape[i + 1]) return false;
  return true;
}

/**
 * `torch.matmul(a, b)` / `a @ b`, as PyTorch 2.x's `_matmul_impl`: dot (1-D·1-D), mv (2-D@1-D),
 * unsqueeze + mm + squeeze_ (1-D@2-D, SqueezeBackward4), mm (2-D@2-D); a ≥3-D operand with a 1-D/2-D
 * one folds into mm/mv under _unsafe_view (transposing when the right one is larger); otherwise both
 * are expanded to the broadcast batch, reshaped to 3-D and multiplied by bmm.
 *
 * PyTorch 1.13 differs in batched products: it always folds ≥3-D @ ≤2-D and 1-D/2-D @ ≥3-D, and has
 * no squeeze of a size-1 batch for 3-D @ 3-D; it prints ReshapeAliasBackward0 where 2.x has
 * ViewBackward0, and SqueezeBackward3 where 2.x has SqueezeBackward4.
 */
export function matmul(t1: Tensor, t2: Tensor): Tensor {
  const d1 = t1.dim();
  const d2 = t2.dim();
  if (d1 === 0 || d2 === 0) {
    throw new TorchError(
      "RuntimeError",
      `both arguments to matmul need to be at least 1D, but they are ${d1}D and ${d2}D`,
    );
  }
  if (d1 === 1 && d2 === 1) return dot(t1, t2);
  if (d1 === 2 && d2 === 1) return mv(t1, t2);
  if (d1 === 1 && d2 === 2) return squeezeInplace(mm(unsqueeze(t1, 0), t2), 0);
  if (d1 === 2 && d2 === 2) return mm(t1, t2);
  if (shouldFold(t1, t2)) {
    const swap = d2 > d1;
    const x1 = swap ? mT(t2) : t1;
    const x2 = !swap ? t2 : d1 === 2 ? t(t1) : t1;
    const outShape = x1.shape.slice(0, -1);
    const folded = numel(outShape);
    const x1Folded = reshape(x1, [folded, x1.shape[x1.dim() - 1]]);
    if (x2.dim() === 2) {
      outShape.push(x2.shape[1]);
      const out = unsafeView(mm(x1Folded, x2), outShape);
      if (!swap) return out;
      return contiguous(mT(out));
    }
    return unsafeView(mv(x1Folded, x2), outShape);
  }
  const n = d1 > 1 ? t1.shape[d1 - 2] : 1;
  const m1 = t1.shape[d1 - 1];
  const batch1 = t1.shape.slice(0, Math.max(d1 - 2, 0));
  const m2 = d2 > 1 ? t2.shape[d2 - 2] : t2.shape[0];
  const p = d2 > 1 ? t2.shape[d2 - 1] : 1;
  const batch2 = t2.shape.slice(0, Math.max(d2 - 2, 0));
  // a size-1 batch that requires grad is squeezed so the product folds (no per-batch grad copies)
  if (d1 === 3 && d2 === 3 && batch1[0] !== batch2[0]) {
    if (batch1[0] === 1 && t1.requiresGrad) return matmul(squeeze(t1, 0), t2);
    if (batch2[0] === 1 && t2.requiresGrad) return matmul(t1, squeeze(t2, 0));
  }
  const batch = broadcastShapes(batch1, batch2);
  const count = numel(batch);
  const size1 = [...batch, n, m1];
  const x1 = reshape(expand(t1, size1), [count, n, m1]);
  const vectorRhs = d2 === 1;
  const size2 = vectorRhs ? [...batch, m2] : [...batch, m2, p];
  const e2 = expand(t2, size2);
  const x2 = vectorRhs ? unsqueeze(reshape(e2, [count, m2]), 2) : reshape(e2, [count, m2, p]);
  const outShape = [...batch, ...(d1 > 1 ? [n] : []), ...(d2 > 1 ? [p] : [])];
  const r = bmm(x1, x2);
  return unsafeView(vectorRhs ? squeeze(r, -1) : r, outShape);
}
