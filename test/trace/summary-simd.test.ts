/**
 * The WebAssembly SIMD summary pass against the summary's definition, element by element: buffers
 * long enough to take the SIMD path (and several of its 64 KiB chunks), lengths that leave a tail of
 * 1-7 elements, zeros of both signs, and non-finite values (which send summarize to its exact
 * counting loop).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { simdPass } from "../../src/trace/summary-simd.ts";
import type { Summary } from "../../src/trace/schema.ts";
import { summarize } from "../../src/trace/values.ts";

function reference(values: Float32Array): Summary {
  const s: Summary = {
    numel: values.length,
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
  let finite = 0;
  let sum = 0;
  let sq = 0;
  let mn = Infinity;
  let mx = -Infinity;
  for (const v of values) {
    if (Number.isNaN(v)) s.nan++;
    else if (v === Infinity) s.pos_inf++;
    else if (v === -Infinity) s.neg_inf++;
    else {
      finite++;
      sum += v;
      sq += v * v;
      mn = Math.min(mn, v);
      mx = Math.max(mx, v);
      if (v === 0) s.zero++;
      else if (v < 0) s.negative++;
      else s.positive++;
    }
  }
  if (finite) Object.assign(s, { min: mn + 0, max: mx + 0, mean: sum / finite, norm: Math.sqrt(sq) });
  return s;
}

function expectSummary(got: Summary, want: Summary, scale: number): void {
  expect({ ...got, mean: 0, norm: 0 }).toEqual({ ...want, mean: 0, norm: 0 });
  if (want.mean === null) expect(got.mean).toBeNull();
  // float64 sums in another order: equal to ~1e-16 of the magnitudes summed
  else expect(Math.abs(got.mean! - want.mean)).toBeLessThanOrEqual(1e-12 * scale);
  if (want.norm === null) expect(got.norm).toBeNull();
  else expect(Math.abs(got.norm! - want.norm)).toBeLessThanOrEqual(1e-12 * want.norm);
}

/** Seeded float32 data of length n: mostly uniform in [-r, r], with runs of zeros and -0. */
function data(n: number, seed: number, r: number): Float32Array {
  let a = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0;
    const u = a / 2 ** 32;
    out[i] = u < 0.1 ? 0 : u < 0.15 ? -0 : (u * 2 - 1) * r;
  }
  return out;
}

describe("SIMD summary pass", () => {
  it("runs here (Node has WebAssembly SIMD)", () => {
    expect(simdPass()).not.toBeNull();
  });

  it("equals the definition on long buffers, any length, any scale", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 256, max: 40_000 }),
        fc.integer(),
        fc.constantFrom(1, 1e-30, 3e38, 1e6),
        (n, seed, r) => {
          const values = data(n, seed, r);
          let scale = 0;
          for (const v of values) scale += Math.abs(v);
          expectSummary(summarize(values), reference(values), scale / n);
        },
      ),
      { numRuns: 60, seed: 11 },
    );
  });

  it("keeps the extremes and counts wherever they sit (lanes, tails, chunk edges)", () => {
    for (const n of [256, 257, 263, 16384, 16391, 32768 + 5]) {
      for (const at of [0, 1, 3, 4, 7, n >> 1, 16383, n - 1].filter((k) => k < n)) {
        const values = new Float32Array(n).fill(0.5);
        values[at] = -7;
        values[(at + 1) % n] = 9;
        values[(at + 2) % n] = -0;
        expectSummary(summarize(values), reference(values), 1);
      }
    }
  });

  it("leaves non-finite buffers to the exact count", () => {
    for (const bad of [NaN, Infinity, -Infinity]) {
      const values = data(1000, 5, 1);
      values[517] = bad;
      values[3] = bad;
      expectSummary(summarize(values), reference(values), 1);
    }
  });

  it("never writes -0", () => {
    const s = summarize(new Float32Array(300).fill(-0));
    expect(Object.is(s.min, -0) || Object.is(s.max, -0) || Object.is(s.mean, -0)).toBe(false);
    expect(s).toMatchObject({ zero: 300, negative: 0, positive: 0, norm: 0 });
  });
});
