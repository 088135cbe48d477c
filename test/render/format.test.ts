import { describe, expect, it } from "vitest";
import cases from "../fixtures/render_format.json";
import { formatValues, valueText } from "../../src/render/format.ts";
import { textWidth } from "../../src/layout/text.ts";

const decode = (v: number | string): number =>
  v === "nan" ? NaN : v === "inf" ? Infinity : v === "-inf" ? -Infinity : (v as number);

describe("short value formatting", () => {
  it("formats elements as PyTorch's _Formatter does (fixture from torch 1.13)", () => {
    for (const c of cases) {
      const values = c.values.map(decode).map((v) => (Object.is(v, 0) && 1 / (v as number) < 0 ? -0 : v));
      expect(formatValues(values), JSON.stringify(c.values)).toEqual(c.text);
    }
  });

  it("spells int64 and bool as PyTorch prints them", () => {
    expect(formatValues([3, -2], "int64")).toEqual(["3", "-2"]);
    expect(formatValues([1, 0], "bool")).toEqual(["True", "False"]);
  });

  it("shows as many elements as fit, then an ellipsis", () => {
    const src = { values: [0.1, 0.2, 0.3, 0.4], numel: 4, dtype: "float32" as const, summary: null };
    expect(valueText(src, 10, 1000)).toBe("[0.1000, 0.2000, 0.3000, …]");
    const narrow = valueText(src, 10, 90);
    expect(narrow).toBe("[0.1000, …]");
    expect(textWidth(narrow, 10, "mono")).toBeLessThanOrEqual(90);
    expect(valueText({ ...src, values: [0.5], numel: 1 }, 10, 100)).toBe("0.5000");
  });

  it("shows the range of a tensor kept only as a summary", () => {
    const summary = {
      numel: 5000,
      min: -1,
      max: 2,
      mean: 0,
      norm: 1,
      nan: 1,
      pos_inf: 0,
      neg_inf: 0,
      zero: 0,
      negative: 1,
      positive: 1,
    };
    expect(valueText({ values: null, numel: 5000, dtype: "float32", summary }, 10, 1000)).toBe(
      "-1. … 2. nan",
    );
  });
});
