import { describe, expect, it } from "vitest";
import { pyFloatRepr, pyFormat, pyIntRepr, pyExp, pyFixed } from "../../src/engine/pyformat.ts";
import fixture from "../fixtures/pyformat.json";

type Case = [kind: "float" | "int" | "bool", x: string, spec: string | null, out: string];
const cases = fixture.cases as Case[];

/** The fixture stores floats as Python reprs, which JS parses exactly (but for nan and inf). */
function parseFloatRepr(s: string): number {
  if (s === "nan") return NaN;
  if (s === "inf") return Infinity;
  if (s === "-inf") return -Infinity;
  return Number(s);
}

function run([kind, x, spec]: Case): string {
  if (kind === "bool") return pyFormat(x === "True", spec ?? "");
  if (kind === "int") return spec === null ? pyIntRepr(BigInt(x)) : pyFormat(BigInt(x), spec);
  const v = parseFloatRepr(x);
  return spec === null ? pyFloatRepr(v) : pyFormat(v, spec);
}

describe("pyformat against Python 3.11 (test/fixtures/gen_pyformat.py)", () => {
  it(`matches every one of the ${cases.length} fixture cases`, () => {
    const failures = cases
      .map((c) => ({ c, got: run(c) }))
      .filter(({ c, got }) => got !== c[3])
      .map(
        ({ c, got }) =>
          `${c[0]} ${c[1]} '${c[2]}': expected ${JSON.stringify(c[3])}, got ${JSON.stringify(got)}`,
      );
    expect(failures.slice(0, 20)).toEqual([]);
  });

  it("raises Python's ValueError texts", () => {
    for (const e of fixture.errors) {
      const x = e.kind === "int" ? BigInt(e.x) : Number(e.x);
      expect(() => pyFormat(x, e.spec), e.spec).toThrow(e.error);
    }
  });
});

describe("pyFloatRepr", () => {
  it("prints the shortest round-trip digits with Python's exponent rules", () => {
    expect(pyFloatRepr(Math.fround(6.6917619705200195))).toBe("6.6917619705200195");
    expect(pyFloatRepr(1e-7)).toBe("1e-07");
    expect(pyFloatRepr(1e16)).toBe("1e+16");
    expect(pyFloatRepr(1e15)).toBe("1000000000000000.0");
    expect(pyFloatRepr(0.0001)).toBe("0.0001");
    expect(pyFloatRepr(-0)).toBe("-0.0");
    expect(pyFloatRepr(3)).toBe("3.0");
    expect(pyFloatRepr(NaN)).toBe("nan");
    expect(pyFloatRepr(-Infinity)).toBe("-inf");
  });
});

describe("Python rounding where JS differs", () => {
  it("rounds exact ties half to even (JS's toFixed rounds them away from zero)", () => {
    expect((2.5).toFixed(0)).toBe("3");
    expect(pyFixed(2.5, 0)).toBe("2");
    expect(pyFixed(-2.5, 0)).toBe("-2");
    expect(pyFixed(0.125, 2)).toBe("0.12");
    expect(pyFixed(0.375, 2)).toBe("0.38");
    expect(pyExp(12.5, 1)).toBe("1.2e+01");
  });
  it("writes two-digit exponents", () => {
    expect(pyExp(1e-10, 4)).toBe("1.0000e-10");
    expect(pyExp(Math.fround(1e-5), 4)).toBe("1.0000e-05");
    expect(pyExp(1e100, 2)).toBe("1.00e+100");
  });
  it("keeps the sign of negative zero unless 'z' is given", () => {
    expect(pyFixed(-0.0001, 2)).toBe("-0.00");
    expect(pyFormat(-0.0001, "z.2f")).toBe("0.00");
  });
  it("formats a whole number as an int only when asked", () => {
    expect(pyFormat(3)).toBe("3.0");
    expect(pyFormat(3, "", "int")).toBe("3");
    expect(pyFormat(1234567, ",", "int")).toBe("1,234,567");
    expect(pyIntRepr(1e21)).toBe("1000000000000000000000");
  });
});
