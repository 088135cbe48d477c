/**
 * The float32 summary pass in WebAssembly SIMD: sums and sums of squares in float64 (two lanes each
 * for the low and the high pair of every four elements), min, max, and the counts of zeros and
 * negatives, four elements per step. Recording a trace summarizes every tensor above the size cap;
 * in plain JS that pass cost as much as an elementwise op itself (~5 flops and compares per element),
 * here about a quarter of one, copy into wasm memory included.
 *
 * The module (~300 bytes) is assembled below rather than shipped as a binary, so the source stays
 * reviewable. Where WebAssembly or its SIMD is missing (or a CSP forbids compiling), `simdPass`
 * is null and the caller keeps its JS loop.
 */

/** Floats per call: 64 KiB, so the copy and the pass over it stay in cache. */
const CHUNK = 16384;
/** Where the function leaves its eight v128 accumulators: right after the chunk. */
const RESULTS = CHUNK * 4;

function uleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>>= 7;
    if (!n) return [...out, b];
    out.push(b | 0x80);
  }
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(b & 0x40)) || (n === -1 && b & 0x40)) return [...out, b];
    out.push(b | 0x80);
  }
}

const section = (id: number, bytes: number[]) => [id, ...uleb(bytes.length), ...bytes];
const name = (s: string) => [...uleb(s.length), ...[...s].map((c) => c.charCodeAt(0))];
/** A SIMD instruction: the 0xfd prefix, its opcode (LEB128), its immediates. */
const simd = (op: number, ...imm: number[]) => [0xfd, ...uleb(op), ...imm];
const get = (local: number) => [0x20, local];
const set = (local: number) => [0x21, local];

function f32x4Splat(x: number): number[] {
  const b = new Uint8Array(16);
  new Float32Array(b.buffer).fill(x);
  return simd(0x0c, ...b); // v128.const
}

const V128 = {
  load: 0x00,
  store: 0x0b,
  shuffle: 0x0d,
  f32x4Eq: 0x41,
  f32x4Lt: 0x43,
  f64x2PromoteLow: 0x5f,
  i32x4Add: 0xae,
  i32x4Sub: 0xb1,
  f32x4Pmin: 0xea,
  f32x4Pmax: 0xeb,
  f64x2Add: 0xf0,
  f64x2Mul: 0xf2,
};

/**
 * `pass(end)`: one pass over the floats at bytes [0, end), end a multiple of 32: eight floats a turn,
 * as two vectors A and B whose contributions are combined before they reach the accumulators (the
 * float64 sums of two float32 values are exact, so this costs no precision and halves the chains of
 * dependent adds).
 */
function assemble(): Uint8Array<ArrayBuffer> {
  // param 0: end; local 1: i (i32); locals 2-15: v128
  const [END, I, A, B, ALO, AHI, BLO, BHI, S0, S1, Q0, Q1, MN, MX, ZEROS, NEGS] = Array.from(
    { length: 16 },
    (_, k) => k,
  );
  const zero = f32x4Splat(0);
  const update = (acc: number, ...op: number[]) => [...get(acc), ...op, ...set(acc)];
  const load = (offset: number) => simd(V128.load, 4, offset); // align 16
  const high = simd(V128.shuffle, 8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15);
  const widen = (v: number, lo: number, hi: number) => [
    ...[...get(v), ...simd(V128.f64x2PromoteLow), ...set(lo)],
    // the high two floats moved low, then widened
    ...[...get(v), ...get(v), ...high, ...simd(V128.f64x2PromoteLow), ...set(hi)],
  ];
  const square = (x: number) => [...get(x), ...get(x), ...simd(V128.f64x2Mul)];
  // a true compare is all ones (-1): subtracting it counts
  const count = (acc: number, cmp: number) =>
    update(
      acc,
      ...[...get(A), ...zero, ...simd(cmp), ...get(B), ...zero, ...simd(cmp)],
      ...simd(V128.i32x4Add),
      ...simd(V128.i32x4Sub),
    );
  const body = [
    ...[2, 1, 0x7f, 14, 0x7b], // locals: 1 × i32, 14 × v128 (zeroed)
    ...f32x4Splat(Infinity),
    ...set(MN),
    ...f32x4Splat(-Infinity),
    ...set(MX),
    ...[0x02, 0x40, 0x03, 0x40], // block, loop
    ...[...get(I), ...get(END), 0x4f, 0x0d, 1], // i >= end: break
    ...[...get(I), ...load(0), ...set(A), ...get(I), ...load(16), ...set(B)],
    ...widen(A, ALO, AHI),
    ...widen(B, BLO, BHI),
    ...update(S0, ...get(ALO), ...get(BLO), ...simd(V128.f64x2Add), ...simd(V128.f64x2Add)),
    ...update(S1, ...get(AHI), ...get(BHI), ...simd(V128.f64x2Add), ...simd(V128.f64x2Add)),
    ...update(Q0, ...square(ALO), ...square(BLO), ...simd(V128.f64x2Add), ...simd(V128.f64x2Add)),
    ...update(Q1, ...square(AHI), ...square(BHI), ...simd(V128.f64x2Add), ...simd(V128.f64x2Add)),
    // pmin/pmax (`b < a ? b : a`) are one instruction each; min/max handle NaN and ±0 in several,
    // and neither matters here: a NaN makes the sum NaN (the caller then counts element by element)
    // and the caller turns -0 into 0
    ...update(MN, ...get(A), ...get(B), ...simd(V128.f32x4Pmin), ...simd(V128.f32x4Pmin)),
    ...update(MX, ...get(A), ...get(B), ...simd(V128.f32x4Pmax), ...simd(V128.f32x4Pmax)),
    ...count(ZEROS, V128.f32x4Eq),
    ...count(NEGS, V128.f32x4Lt),
    ...[...get(I), 0x41, 32, 0x6a, ...set(I)], // i += 32
    ...[0x0c, 0, 0x0b, 0x0b], // continue; end loop, end block
    ...[S0, S1, Q0, Q1, MN, MX, ZEROS, NEGS].flatMap((acc, k) => [
      ...[0x41, ...sleb(RESULTS + 16 * k)],
      ...get(acc),
      ...simd(V128.store, 4, 0),
    ]),
    0x0b,
  ];
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, [1, 0x60, 1, 0x7f, 0]), // type: (i32) -> ()
    ...section(3, [1, 0]),
    ...section(5, [1, 0, 2]), // memory: 2 pages, the chunk and the results
    ...section(7, [2, ...name("pass"), 0, 0, ...name("mem"), 2, 0]),
    ...section(10, [1, ...uleb(body.length), ...body]),
  ]);
}

/** What one pass over float32 data found (finite data; non-finite values make `sum` non-finite). */
export interface F32Pass {
  sum: number;
  sq: number;
  mn: number;
  mx: number;
  neg: number;
  pos: number;
}

function instantiate(): ((values: Float32Array) => F32Pass) | null {
  let exports: WebAssembly.Exports;
  try {
    const bytes = assemble();
    if (typeof WebAssembly === "undefined" || !WebAssembly.validate(bytes)) return null;
    exports = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports;
  } catch {
    return null;
  }
  const buffer = (exports.mem as WebAssembly.Memory).buffer;
  const run = exports.pass as (end: number) => void;
  const chunk = new Float32Array(buffer, 0, CHUNK);
  const f64 = new Float64Array(buffer, RESULTS, 4 * 2);
  const f32 = new Float32Array(buffer, RESULTS + 64, 2 * 4);
  const i32 = new Int32Array(buffer, RESULTS + 96, 2 * 4);
  return (values) => {
    let sum = 0;
    let sq = 0;
    let mn = Infinity;
    let mx = -Infinity;
    let zero = 0;
    let neg = 0;
    const n = values.length;
    const whole = n & ~7;
    for (let off = 0; off < whole; off += CHUNK) {
      const len = Math.min(CHUNK, whole - off);
      chunk.set(values.subarray(off, off + len));
      run(len * 4);
      sum += f64[0] + f64[1] + f64[2] + f64[3];
      sq += f64[4] + f64[5] + f64[6] + f64[7];
      mn = Math.min(mn, f32[0], f32[1], f32[2], f32[3]);
      mx = Math.max(mx, f32[4], f32[5], f32[6], f32[7]);
      zero += i32[0] + i32[1] + i32[2] + i32[3];
      neg += i32[4] + i32[5] + i32[6] + i32[7];
    }
    for (let i = whole; i < n; i++) {
      const v = values[i];
      sum += v;
      sq += v * v;
      if (v < mn) mn = v;
      if (v > mx) mx = v;
      if (v === 0) zero++;
      else if (v < 0) neg++;
    }
    return { sum, sq, mn, mx, neg, pos: n - neg - zero };
  };
}

let pass: ((values: Float32Array) => F32Pass) | null | undefined;

/** The SIMD pass, or null where this runtime cannot run it. Compiled on first use. */
export function simdPass(): ((values: Float32Array) => F32Pass) | null {
  if (pass === undefined) pass = instantiate();
  return pass;
}
