import { scaleLog } from "d3-scale";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { logScale } from "../../src/render/scene.ts";

describe("logScale", () => {
  it("gives d3's clamped scaleLog to the bit, inside and outside the domain", () => {
    const pos = fc.double({ min: 1e-30, max: 1e30, noNaN: true });
    fc.assert(
      fc.property(pos, pos, pos, (p, q, x) => {
        const domain: [number, number] = [Math.min(p, q), Math.max(p, q)];
        const d3 = scaleLog().domain(domain).range([0, 1]).clamp(true);
        expect(Object.is(logScale(domain)(x), d3(x))).toBe(true);
      }),
      { seed: 6, numRuns: 2000 },
    );
  });

  it("maps the ends to 0 and 1 and a one-point domain to the middle, as d3 does", () => {
    const s = logScale([1e-3, 10]);
    expect([s(1e-3), s(10), s(1e-9), s(1e9), s(Infinity)]).toEqual([0, 1, 0, 1, 1]);
    expect(logScale([2, 2])(5)).toBe(scaleLog().domain([2, 2]).range([0, 1]).clamp(true)(5));
  });
});
