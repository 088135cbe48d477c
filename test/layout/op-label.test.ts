import { describe, expect, it } from "vitest";
import {
  clamp,
  mean,
  pow,
  select,
  slice,
  sum,
  tensor,
  transpose,
  unsqueeze,
} from "../../src/engine/index.ts";
import { MAX_OP_LABEL, opTitle, shortNumber } from "../../src/layout/op-label.ts";
import { graphFull } from "../../src/trace/graph.ts";
import { record } from "../../src/trace/recorder.ts";

describe("opTitle", () => {
  it("shows the exponent of x ** k as the program wrote it", () => {
    expect(opTitle("pow", { exponent: 2, floatExponent: false })).toBe("** 2");
    expect(opTitle("pow", { exponent: 2, floatExponent: true })).toBe("** 2.0");
    expect(opTitle("pow", { exponent: 0.5, floatExponent: true })).toBe("** 0.5");
    expect(opTitle("pow", { exponent: -1, floatExponent: false })).toBe("** -1");
  });

  it("shows clamp's bounds as the float32 op used them (1 - 1e-8 is 1.)", () => {
    expect(opTitle("clamp", { min: 1e-8, max: 0.99999999 }, "float32")).toBe("clamp [1e-08, 1]");
    expect(opTitle("clamp", { min: 0.1, max: 0.75 }, "int64")).toBe("clamp [0.1, 0.75]");
    // the double bounds as written would not fit a pill: the bare name
    expect(opTitle("clamp", { min: 1e-8, max: 0.99999999 }, null)).toBe("clamp");
    expect(opTitle("clamp", { min: 0, max: null }, "float32")).toBe("clamp ≥ 0");
    expect(opTitle("clamp", { min: null, max: { float: "inf" } }, "float32")).toBe("clamp ≤ inf");
  });

  it("shows dims of reductions and views, and leaves defaults out", () => {
    expect(opTitle("sum", { dim: [0], keepdim: false, dtype: null })).toBe("sum dim=0");
    expect(opTitle("sum", { dim: null, keepdim: false, dtype: null })).toBe("sum");
    expect(opTitle("mean", { dim: [0, 1], keepdim: true })).toBe("mean dim=(0, 1) keepdim");
    expect(opTitle("std", { dim: null, keepdim: false, correction: 0 })).toBe("std correction=0");
    expect(opTitle("var", { dim: null, keepdim: false, correction: 1 })).toBe("var");
    expect(opTitle("squeeze", { dims: [0], gradFn: "SqueezeBackward4" })).toBe("squeeze dim=0");
    expect(opTitle("squeeze", { dims: null, gradFn: "SqueezeBackward0" })).toBe("squeeze");
    expect(opTitle("unsqueeze", { dim: 1 })).toBe("unsqueeze dim=1");
    expect(opTitle("cat", { dim: 0 })).toBe("cat");
    expect(opTitle("cat", { dim: 1 })).toBe("cat dim=1");
    expect(opTitle("add", { alpha: 1 })).toBe("add");
    expect(opTitle("sub", { alpha: 2 })).toBe("sub alpha=2");
    expect(opTitle("view", { shape: [2, 3], strides: [3, 1] })).toBe("view (2, 3)");
    expect(opTitle("reshape", { shape: [6], strides: [1] })).toBe("reshape (6,)");
    expect(opTitle("transpose", { dim0: 0, dim1: 1 })).toBe("transpose 0, 1");
  });

  it("writes an index as Python does", () => {
    expect(opTitle("select", { dim: 0, index: 2 })).toBe("[2]");
    expect(opTitle("select", { dim: 1, index: 0 })).toBe("[:, 0]");
    expect(opTitle("slice", { dim: 1, start: 1, length: 2, step: 1 })).toBe("[:, 1:3]");
    expect(opTitle("slice", { dim: 0, start: 0, length: 3, step: 2 })).toBe("[0:5:2]");
  });

  it("keeps the bare name for ops without attributes, unknown ones and labels too long for a pill", () => {
    expect(opTitle("mm", {})).toBe("mm");
    expect(opTitle("sigmoid", null)).toBe("sigmoid");
    expect(opTitle("frobnicate", { k: 3 })).toBe("frobnicate");
    const long = opTitle("view", { shape: [1024, 1024, 3, 7, 11], strides: [] });
    expect(long).toBe("view");
    expect([...opTitle("mean", { dim: [0, 1], keepdim: true })].length).toBeLessThanOrEqual(MAX_OP_LABEL);
  });

  it("writes numbers as Python does, without a trailing .0", () => {
    expect([2, 0.5, 1e-8, 1e20, -0.25, NaN, -Infinity].map((v) => shortNumber(v))).toEqual([
      "2",
      "0.5",
      "1e-08",
      "1e+20",
      "-0.25",
      "nan",
      "-inf",
    ]);
    expect(shortNumber(0.1, true)).toBe("0.1");
    expect(shortNumber(1 - 1e-8, true)).toBe("1");
  });
});

describe("op labels from a recorded program", () => {
  it("reads the attributes the engine records", () => {
    const { trace, error } = record(() => {
      const x = tensor(
        [
          [1, 2],
          [3, 4],
        ],
        { dtype: "float32", requiresGrad: true },
      );
      const y = clamp(pow(x, 2), 1e-8, 1 - 1e-8);
      const z = slice(transpose(unsqueeze(select(y, 1, 0), 0), 0, 1), 0, 0, 1);
      sum(z, 0).add(mean(y)).backward();
    });
    expect(error).toBeNull();
    const titles = graphFull(trace, "values")
      .nodes.filter((n) => n.kind === "op")
      .map((n) => opTitle(n.label!, n.attrs, n.dtype));
    expect(titles).toEqual([
      "** 2",
      "clamp [1e-08, 1]",
      "[:, 0]",
      "unsqueeze dim=0",
      "transpose 0, 1",
      "[0:1]",
      "sum dim=0",
      "mean",
      "add",
    ]);
  });
});
