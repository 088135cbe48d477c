/** Tensor payloads in the trace: lossless JSON encoding of elements, and one-pass health summaries. */
import type { DataValue, Summary, TensorRecord } from "./schema.ts";
import { simdPass } from "./summary-simd.ts";

export type NonFinite = "nan" | "inf" | "-inf" | null;

/** A number as the trace stores it: NaN, ±Infinity and -0 become strings JSON can hold. */
export function encodeValue(v: number): DataValue {
  if (v !== v) return "nan";
  if (v === Infinity) return "inf";
  if (v === -Infinity) return "-inf";
  if (v === 0 && 1 / v < 0) return "-0";
  return v;
}

export function decodeValue(d: DataValue): number {
  if (typeof d === "number") return d;
  if (d === "nan") return NaN;
  if (d === "inf") return Infinity;
  if (d === "-inf") return -Infinity;
  return -0;
}

/** A record's elements as numbers (NaN, ±Infinity, -0 restored), or null when only the summary was kept. */
export function tensorValues(rec: TensorRecord): number[] | null {
  return rec.data ? rec.data.map(decodeValue) : null;
}

/** The first `n` elements as numbers, for a node preview; null above the size cap. */
export function previewValues(rec: TensorRecord, n = 6): number[] | null {
  if (!rec.data) return null;
  const out: number[] = [];
  for (let i = 0; i < rec.data.length && i < n; i++) out.push(decodeValue(rec.data[i]));
  return out;
}

/** The flag a value is drawn with: nan wins over inf, inf over -inf. */
export function nonFiniteOf(s: Summary): NonFinite {
  return s.nan > 0 ? "nan" : s.pos_inf > 0 ? "inf" : s.neg_inf > 0 ? "-inf" : null;
}

function emptySummary(numel: number): Summary {
  return {
    numel,
    min: null,
    max: null,
    mean: null,
    norm: null,
    nan: 0,
    pos_inf: 0,
    neg_inf: 0,
    zero: 0,
    negative: 0,
    positive: 0,
  };
}

interface Pass {
  sum: number;
  sq: number;
  mn: number;
  mx: number;
  neg: number;
  pos: number;
}

/**
 * The all-finite pass over float32 data in JS (where the SIMD pass of summary-simd.ts cannot run, and
 * for short buffers), its own copy so the JIT sees one array type. Signs come
 * from the sign bit (branch-free: random signs would mispredict), two elements per turn with two
 * accumulators each: about the cost of one elementwise op.
 */
function passF32(values: Float32Array): Pass {
  const bits = new Int32Array(values.buffer, values.byteOffset, values.length);
  const n = values.length;
  let s0 = 0;
  let s1 = 0;
  let q0 = 0;
  let q1 = 0;
  let mn = Infinity;
  let mx = -Infinity;
  let sign = 0;
  let zero = 0;
  let negZero = 0;
  const even = n & ~1;
  for (let i = 0; i < even; i += 2) {
    const v = values[i];
    const w = values[i + 1];
    s0 += v;
    s1 += w;
    q0 += v * v;
    q1 += w * w;
    if (v < mn) mn = v;
    if (v > mx) mx = v;
    if (w < mn) mn = w;
    if (w > mx) mx = w;
    const a = bits[i] >>> 31;
    const b = bits[i + 1] >>> 31;
    sign += a + b;
    if (v === 0) {
      zero++;
      negZero += a;
    }
    if (w === 0) {
      zero++;
      negZero += b;
    }
  }
  if (even < n) {
    const v = values[even];
    s0 += v;
    q0 += v * v;
    if (v < mn) mn = v;
    if (v > mx) mx = v;
    const a = bits[even] >>> 31;
    sign += a;
    if (v === 0) {
      zero++;
      negZero += a;
    }
  }
  const neg = sign - negZero;
  return { sum: s0 + s1, sq: q0 + q1, mn, mx, neg, pos: n - neg - zero };
}

/** Below this many elements a wasm call is not worth it. */
const SIMD_MIN = 256;

function passFloat32(values: Float32Array): Pass {
  const simd = values.length >= SIMD_MIN ? simdPass() : null;
  return simd ? simd(values) : passF32(values);
}

function passAny(values: ArrayLike<number>): Pass {
  let sum = 0;
  let sq = 0;
  let mn = Infinity;
  let mx = -Infinity;
  let neg = 0;
  let pos = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    sum += v;
    sq += v * v;
    if (v < mn) mn = v;
    if (v > mx) mx = v;
    if (v < 0) neg++;
    else if (v > 0) pos++;
  }
  return { sum, sq, mn, mx, neg, pos };
}

/**
 * Health of a buffer in one pass. The common all-finite case runs a tight loop; only a buffer whose
 * sum came out non-finite (it holds nan/±inf) is counted again element by element. Sums are float64:
 * float32 and int64 data cannot overflow them.
 */
export function summarize(values: ArrayLike<number>): Summary {
  const n = values.length;
  const s = emptySummary(n);
  if (n === 0) return s;
  const p = values instanceof Float32Array ? passFloat32(values) : passAny(values);
  if (!Number.isFinite(p.sum)) return summarizeSlow(values, s);
  // `+ 0` turns -0 into 0: the summary is plain JSON, where -0 would not survive
  s.min = p.mn + 0;
  s.max = p.mx + 0;
  s.mean = p.sum / n + 0;
  s.norm = Math.sqrt(p.sq);
  s.negative = p.neg;
  s.positive = p.pos;
  s.zero = n - p.neg - p.pos;
  return s;
}

/** Element-by-element counts, for buffers holding non-finite values. */
function summarizeSlow(values: ArrayLike<number>, s: Summary): Summary {
  let sum = 0;
  let sq = 0;
  let mn = Infinity;
  let mx = -Infinity;
  let finite = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== v) s.nan++;
    else if (v === Infinity) s.pos_inf++;
    else if (v === -Infinity) s.neg_inf++;
    else {
      finite++;
      sum += v;
      sq += v * v;
      if (v < mn) mn = v;
      if (v > mx) mx = v;
      if (v < 0) s.negative++;
      else if (v > 0) s.positive++;
      else s.zero++;
    }
  }
  if (finite > 0) {
    s.min = mn + 0;
    s.max = mx + 0;
    s.mean = sum / finite + 0;
    s.norm = Math.sqrt(sq);
  }
  return s;
}

/** A buffer's JSON payload: all elements up to `cap`, else null (the summary stands for it). */
export function encodeData(values: ArrayLike<number>, cap: number): DataValue[] | null {
  const n = values.length;
  if (n > cap) return null;
  const out: DataValue[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    // finite non-zero numbers are the common case: one comparison chain each
    out[i] = v === v && v !== 0 && v !== Infinity && v !== -Infinity ? v : encodeValue(v);
  }
  return out;
}

/**
 * The shortest decimal that reads back (rounded to float32) as the same float32: `0.1` rather than
 * `0.10000000149011612`. Used when writing float32 data, which parseTrace rounds back with fround.
 */
export function formatFloat32(v: number): string {
  if (Number.isInteger(v) && Math.abs(v) < 2 ** 24) return String(v);
  // 9 significant digits always read back; fewer do from some count on: search for it
  let lo = 1;
  let hi = 9;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (Math.fround(Number(v.toPrecision(mid))) === v) hi = mid;
    else lo = mid + 1;
  }
  return String(Number(v.toPrecision(lo)));
}
