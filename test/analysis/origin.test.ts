/**
 * Origins and their explanations on TS-API recordings of the fault programs (test/analysis/programs.ts),
 * against real PyTorch: where the origin is (test/fixtures/faults/expected.json) and the values the
 * explanation quotes (test/fixtures/analysis.json).
 */
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { fmt } from "../../src/analysis/format.ts";
import { backwardOrigin, forwardOrigin, nonFiniteOrigin } from "../../src/analysis/origin.ts";
import { lrDiverge, mlpNan, sqrtZeroNan, trace } from "./programs.ts";

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), "utf8"));
const EXPECTED = fixture("faults/expected.json").programs;
const REF = fixture("analysis.json");

describe("the seed MLP", () => {
  const t = trace(mlpNan);
  const report = nonFiniteOrigin(t);
  const exp = EXPECTED.mlp_nan;
  const ref = REF.mlp_nan;

  test("forward origin is the log of 1 - y_pred, where PyTorch's first -inf appears", () => {
    const f = report.forward!;
    expect([f.op, f.line, f.iteration]).toEqual([exp.forward.op, exp.forward.line, exp.forward.iteration]);
    expect(f.value).toBe(ref.loss);
    expect(f.scope).toBe("binary_cross_entropy");
    const rec = t.tensors[f.tensor];
    expect(t.events[f.event]).toMatchObject({ kind: "op", op: "log", out: f.tensor });
    expect(rec.summary.neg_inf).toBe(1);
    expect(f.inputs.every((r) => t.tensors[r].summary.neg_inf + t.tensors[r].summary.nan === 0)).toBe(true);
  });

  test("its cause walks back to float32 rounding: sigmoid saturates, the clamp bound is 1.0, 1 - 1.0 = 0", () => {
    const steps = forwardOrigin(t)!.cause.steps;
    const gap = Number(ref.sigmoid_gap.toPrecision(2));
    expect(ref.o2).toBe(1);
    expect(ref.clamp_max_float32).toBe(1);
    expect(steps.map((s) => [s.op, s.line, s.formula, s.note])).toEqual([
      [
        "sigmoid",
        21,
        `sigmoid(${fmt(ref.z2)}) = 1.0`,
        `exactly 1.0 - ${fmt(gap, "double")}, which float32 rounds to 1.0`,
      ],
      [
        "clamp",
        10,
        "clamp(1.0, min=1e-08, max=0.99999999) = 1.0",
        "the upper bound 0.99999999 is 1.0 in float32, so the clamp gives 1.0",
      ],
      ["rsub", 11, "1 - 1.0 = 0", null],
      ["log", 11, "log(0) = -inf", "the log of 0 is -inf"],
    ]);
    expect(forwardOrigin(t)!.cause.text).toMatch(
      /^`log\(1 - y_pred\)` = -inf at line 11: sigmoid\(67\.469\) = 1\.0 /,
    );
  });

  test("backward origin is SigmoidBackward0 (anomaly mode's node): -inf × (1 - 1.0) × 1.0 = nan", () => {
    const b = report.backward!;
    expect([b.op, b.line, b.iteration]).toEqual([
      exp.backward.node,
      exp.backward.line,
      exp.backward.iteration,
    ]);
    expect(b.callLine).toBe(25);
    expect(b.value).toBe("nan");
    const last = b.cause.steps[b.cause.steps.length - 1];
    expect(last.symbolic).toBe("grad × (1 - y) × y, y = sigmoid(x)");
    expect(last.formula).toBe("-inf × (1 - 1.0) × 1.0 = nan");
    expect(last.note).toBe("-inf × 0 = nan: infinity times zero is undefined");
    // the -inf it received was born as 1 / 0 in LogBackward0
    expect(b.cause.steps[0]).toMatchObject({
      op: "LogBackward0",
      line: 11,
      formula: "1.0 / 0 = inf",
      note: "division by zero",
    });
    expect(report.backwardInf).toMatchObject({ op: "LogBackward0", value: "inf", line: 11 });
  });
});

test("a diverging loop: the forward origin is in iteration 21, the NaN node in iteration 45, as in PyTorch", () => {
  const t = trace((rec) => lrDiverge(rec));
  const exp = EXPECTED.lr_diverge;
  const f = forwardOrigin(t)!;
  expect([f.op, f.line, f.iteration]).toEqual([exp.forward.op, exp.forward.line, exp.forward.iteration]);
  // the mean's sum overflows before it divides: PyTorch's losses stay finite up to iteration 20
  const losses: (number | string)[] = REF.runs.lr_diverge.loss;
  expect(losses.slice(0, 21).every((l) => typeof l === "number")).toBe(true);
  expect(losses[21]).toBe("inf");
  expect(f.cause.text).toContain("iteration 21");
  const { origin } = backwardOrigin(t);
  expect([origin!.op, origin!.line, origin!.iteration]).toEqual([
    exp.backward.node,
    exp.backward.line,
    exp.backward.iteration,
  ]);
});

test("sqrt at 0 with a zero upstream grad: no forward origin, SqrtBackward0 makes 0 / (2 × 0) = nan", () => {
  const t = trace(sqrtZeroNan);
  const exp = EXPECTED.sqrt_zero_nan;
  const { forward, backward } = nonFiniteOrigin(t);
  expect(forward).toBeNull();
  expect(exp.forward).toBeNull();
  expect([backward!.op, backward!.line]).toEqual([exp.backward.node, exp.backward.line]);
  expect(backward!.cause.steps.at(-1)).toMatchObject({
    formula: "0 / (2 × 0) = nan",
    note: "zero divided by zero is undefined",
  });
});
