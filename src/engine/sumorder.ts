/**
 * float32 sums in the order ATen's CPU sum kernel adds (aten/src/ATen/native/cpu/SumKernel.cpp,
 * AVX2 build, as Debian's PyTorch 1.13 runs): float32 accumulators, a cascade of levels every 16
 * adds, four interleaved partial sums per row, eight vector lanes for a contiguous row of 8 or
 * more. The order decides the last bit, and the last bit decides what prints when a sum cancels:
 * PyTorch's `(x - x.T).mean()` is -1.3245e-08, not 0.
 */
import type { Storage } from "./dtype.ts";

const f = Math.fround;
const LANES = 8;
const ILP = 4;

/** multi_row_sum for one row: `n` values `at(0..n-1)` through four cascade levels. */
function cascade(at: (i: number) => number, n: number): number {
  const power = Math.max(4, Math.floor(Math.ceil(Math.log2(Math.max(n, 1))) / 4));
  const step = 1 << power;
  const mask = step - 1;
  const acc = [0, 0, 0, 0];
  let i = 0;
  while (i + step <= n) {
    for (let j = 0; j < step; j++, i++) acc[0] = f(acc[0] + at(i));
    for (let j = 1; j < 4; j++) {
      acc[j] = f(acc[j] + acc[j - 1]);
      acc[j - 1] = 0;
      if ((i & (mask << (j * power))) !== 0) break;
    }
  }
  for (; i < n; i++) acc[0] = f(acc[0] + at(i));
  return f(f(f(acc[0] + acc[1]) + acc[2]) + acc[3]);
}

/** row_sum: four interleaved cascades, the leftovers added to the first, then the four added up. */
function rowSum(at: (i: number) => number, n: number): number {
  const rows = Math.floor(n / ILP);
  const partial = [0, 1, 2, 3].map((k) => cascade((r) => at(r * ILP + k), rows));
  for (let i = rows * ILP; i < n; i++) partial[0] = f(partial[0] + at(i));
  return f(f(f(partial[0] + partial[1]) + partial[2]) + partial[3]);
}

/** vectorized_inner_sum: a row_sum per lane over whole vectors, then the tail, then the lanes. */
function laneSum(at: (i: number) => number, n: number): number {
  const vectors = Math.floor(n / LANES);
  let total = 0;
  for (let i = vectors * LANES; i < n; i++) total = f(total + at(i));
  for (let lane = 0; lane < LANES; lane++) total = f(total + rowSum((v) => at(v * LANES + lane), vectors));
  return total;
}

interface LoopDim {
  size: number;
  /** Stride in the input, in elements (row-major). */
  stride: number;
  /** Stride in the output, in elements; 0 for a reduced dim. */
  out: number;
}

/**
 * Sums of a row-major tensor of `shape` over `dims`, one per kept position (row-major over the kept
 * dims, as a keepdim result), each added in ATen's order. TensorIterator's loop order: reduced dims
 * innermost, each kind by input stride, adjacent dims coalesced; the kernel sees the two innermost,
 * and the outer ones add their partial sums into the output in turn.
 */
export function orderedSum(src: Storage, shape: readonly number[], dims: readonly number[]): Float32Array {
  const rank = shape.length;
  const inStride = new Array<number>(rank);
  const outStride = new Array<number>(rank);
  for (let d = rank - 1, si = 1, so = 1; d >= 0; d--) {
    inStride[d] = si;
    si *= shape[d];
    outStride[d] = dims.includes(d) ? 0 : so;
    if (!dims.includes(d)) so *= shape[d];
  }
  const order = shape
    .map((_, d) => d)
    .filter((d) => shape[d] !== 1)
    .sort((a, b) => Number(outStride[b] === 0) - Number(outStride[a] === 0) || inStride[a] - inStride[b]);
  const loop: LoopDim[] = [];
  for (const d of order) {
    const prev = loop[loop.length - 1];
    const reduced = outStride[d] === 0;
    if (
      prev &&
      (prev.out === 0) === reduced &&
      prev.stride * prev.size === inStride[d] &&
      (reduced || prev.out * prev.size === outStride[d])
    ) {
      prev.size *= shape[d];
    } else loop.push({ size: shape[d], stride: inStride[d], out: outStride[d] });
  }
  const out = new Float32Array(shape.reduce((n, s, d) => (dims.includes(d) ? n : n * s), 1));
  const [d0 = { size: 1, stride: 0, out: 0 }, d1 = { size: 1, stride: 0, out: 0 }] = loop;
  const outer = loop.slice(2);
  const idx = new Array<number>(outer.length).fill(0);
  for (;;) {
    let base = 0;
    let outBase = 0;
    outer.forEach((l, i) => {
      base += idx[i] * l.stride;
      outBase += idx[i] * l.out;
    });
    loop2d(src, out, base, outBase, d0, d1);
    let i = 0;
    for (; i < outer.length && ++idx[i] === outer[i].size; i++) idx[i] = 0;
    if (i === outer.length) break;
  }
  return out;
}

/** cascade_sum's 2-D loop over the two innermost dims (reduced first when there is one). */
function loop2d(
  src: Storage,
  out: Float32Array,
  base: number,
  outBase: number,
  a: LoopDim,
  b: LoopDim,
): void {
  if (a.out !== 0) {
    // nothing reduced here: each element adds into its own output
    for (let j = 0; j < b.size; j++) {
      for (let k = 0; k < a.size; k++) {
        const o = outBase + j * b.out + k * a.out;
        out[o] = f(out[o] + src[base + j * b.stride + k * a.stride]);
      }
    }
    return;
  }
  // the kernel's row of `a.size` values for output column j
  const column = (j: number) => {
    const start = base + j * b.stride;
    return (k: number) => src[start + k * a.stride];
  };
  const n = a.size;
  let blocked = 0;
  let lanes = false;
  if (a.stride === 1 && n >= LANES) lanes = true;
  else if (b.stride === 1 && b.size >= LANES) blocked = Math.floor(b.size / (ILP * LANES)) * ILP * LANES;
  else if (!(a.stride < b.stride)) blocked = Math.floor(b.size / ILP) * ILP;
  for (let j = 0; j < b.size; j++) {
    const at = column(j);
    const s = lanes ? laneSum(at, n) : j < blocked ? cascade(at, n) : rowSum(at, n);
    const o = outBase + j * b.out;
    out[o] = f(out[o] + s);
  }
}
