import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Summary } from "../../src/trace/schema.ts";
import { decodeValue, encodeData, encodeValue, nonFiniteOf, summarize } from "../../src/trace/values.ts";

/** The summary by definition, one element at a time, for comparison with the fast pass. */
function reference(values: ArrayLike<number>): Summary {
  const finite: number[] = [];
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
  for (const v of Array.from(values)) {
    if (Number.isNaN(v)) s.nan++;
    else if (v === Infinity) s.pos_inf++;
    else if (v === -Infinity) s.neg_inf++;
    else {
      finite.push(v);
      if (v === 0) s.zero++;
      else if (v < 0) s.negative++;
      else s.positive++;
    }
  }
  if (finite.length) {
    s.min = Math.min(...finite) + 0;
    s.max = Math.max(...finite) + 0;
    s.mean = finite.reduce((a, b) => a + b, 0) / finite.length;
    s.norm = Math.sqrt(finite.reduce((a, b) => a + b * b, 0));
  }
  return s;
}

function expectSummary(got: Summary, want: Summary): void {
  const { mean, norm, ...exact } = want;
  expect({ ...got, mean: 0, norm: 0 }).toEqual({ ...exact, mean: 0, norm: 0 });
  if (mean === null) expect(got.mean).toBeNull();
  else expect(got.mean!).toBeCloseTo(mean, 9);
  if (norm === null) expect(got.norm).toBeNull();
  else expect(Math.abs(got.norm! - norm)).toBeLessThanOrEqual(1e-12 * Math.max(1, norm));
}

const float32Value = fc.oneof(
  { weight: 8, arbitrary: fc.float({ min: -1e6, max: 1e6, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom(NaN, Infinity, -Infinity, 0, -0) },
);

describe("summarize", () => {
  it("counts and measures float32 data as the definition does (odd lengths, -0, nan, ±inf)", () => {
    fc.assert(
      fc.property(fc.array(float32Value, { maxLength: 41 }), (xs) => {
        const values = Float32Array.from(xs);
        expectSummary(summarize(values), reference(values));
      }),
      { numRuns: 500, seed: 3 },
    );
  });

  it("handles int64 and bool storage", () => {
    expectSummary(summarize(Float64Array.of(-3, 0, 5, 2 ** 40)), reference([-3, 0, 5, 2 ** 40]));
    expect(summarize(Uint8Array.of(1, 0, 1))).toMatchObject({ min: 0, max: 1, zero: 1, positive: 2 });
  });

  it("never writes -0 into the summary", () => {
    const s = summarize(Float32Array.of(-0, -0));
    expect(Object.is(s.min, -0) || Object.is(s.max, -0) || Object.is(s.mean, -0)).toBe(false);
    expect(s).toMatchObject({ zero: 2, negative: 0 });
  });

  it("flags nan before inf before -inf", () => {
    expect(nonFiniteOf(summarize(Float32Array.of(-Infinity, Infinity, NaN)))).toBe("nan");
    expect(nonFiniteOf(summarize(Float32Array.of(-Infinity, Infinity)))).toBe("inf");
    expect(nonFiniteOf(summarize(Float32Array.of(-Infinity, 1)))).toBe("-inf");
    expect(nonFiniteOf(summarize(Float32Array.of(1)))).toBeNull();
  });
});

describe("element encoding", () => {
  it("round-trips every float32 value including nan, ±inf and -0", () => {
    fc.assert(
      fc.property(float32Value, (v) => {
        expect(Object.is(decodeValue(encodeValue(v)), v)).toBe(true);
        expect(Object.is(decodeValue(JSON.parse(JSON.stringify(encodeValue(v)))), v)).toBe(true);
      }),
      { numRuns: 1000, seed: 5 },
    );
  });

  it("keeps data only up to the cap", () => {
    expect(encodeData(Float32Array.of(1, 2, 3), 3)).toEqual([1, 2, 3]);
    expect(encodeData(Float32Array.of(1, 2, 3), 2)).toBeNull();
  });
});
