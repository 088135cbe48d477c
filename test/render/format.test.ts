import { describe, expect, it } from "vitest";
import cases from "../fixtures/render_format.json";
import nested from "../fixtures/render_nested.json";
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

  it("nests brackets as PyTorch prints a tensor of that shape (fixture from torch 1.13)", () => {
    for (const c of nested) {
      const values = c.values.map(decode);
      const src = { values, numel: values.length, dtype: "float32" as const, summary: null, shape: c.shape };
      expect(valueText(src, 10, 10_000), JSON.stringify(c.shape)).toBe(c.text);
    }
  });

  it("tells a shape-(1,) tensor from a 0-dim one, as PyTorch does: [1.] and 1.", () => {
    const one = { values: [1], numel: 1, dtype: "float32" as const, summary: null };
    expect(valueText({ ...one, shape: [] }, 10, 100)).toBe("1.");
    expect(valueText({ ...one, shape: [1] }, 10, 100)).toBe("[1.]");
    expect(valueText({ ...one, shape: [1, 1] }, 10, 100)).toBe("[[1.]]");
  });

  it("keeps the leading elements of a nested tensor that does not fit, closing each level with …", () => {
    const src = {
      values: [0.7576, 0.2793, 0.4031, 0.7347],
      numel: 4,
      dtype: "float32" as const,
      summary: null,
      shape: [2, 2],
    };
    // just the width of the text expected: the next longer form does not fit
    const fits = (text: string) => valueText(src, 10, textWidth(text, 10, "mono"));
    for (const text of ["[[0.7576, 0.2793], [0.4031, …]]", "[[0.7576, 0.2793], …]", "[[0.7576, …], …]"])
      expect(fits(text)).toBe(text);
    const column = { ...src, values: [1, 2, 3, 4, 5, 6], numel: 40, shape: [40, 1] };
    expect(valueText(column, 10, 1000)).toBe("[[1.], [2.], [3.], …]");
  });
});
