/** Numbers and formulas as explanations print them. */
import { expect, test } from "vitest";
import { expr, fmt } from "../../src/analysis/format.ts";
import {
  badNote,
  bin,
  call,
  evaluate,
  firstBadStep,
  neg,
  num,
  roundingNote,
  show,
} from "../../src/analysis/formula.ts";
import { mlpNan, trace } from "./programs.ts";

test("fmt: Python's spelling, zero as 0, never rounding a non-integer to an integer", () => {
  expect([fmt(1), fmt(0), fmt(-0), fmt(NaN), fmt(Infinity), fmt(-Infinity)]).toEqual([
    "1.0",
    "0",
    "-0",
    "nan",
    "inf",
    "-inf",
  ]);
  expect(fmt(Math.fround(0.99999994))).toBe("0.99999994");
  expect(fmt(Math.fround(67.46920013427734))).toBe("67.469");
  expect(fmt(1e-8, "double")).toBe("1e-08");
  expect(fmt(1 - 1e-8, "double")).toBe("0.99999999");
  expect(fmt(3, "int")).toBe("3");
  expect(fmt(2.6881171418161356e43, "double")).toBe("2.6881e+43");
});

test("formulas print with their numbers and find the step that broke", () => {
  const f = bin("×", bin("×", num(-Infinity), bin("-", num(1, "int"), num(1))), num(1));
  expect(show(f)).toBe("-inf × (1 - 1.0) × 1.0");
  expect(evaluate(f)).toBeNaN();
  expect(firstBadStep(f)).toMatchObject({
    text: "-inf × 0 = nan",
    words: "infinity times zero is undefined",
  });
  expect(badNote(bin("/", num(0), num(0)))).toBe("zero divided by zero is undefined");
  expect(show(bin("-", num(3e38), num(-3e38)))).toBe("3e+38 - (-3e+38)");
  expect(show(bin("**", num(-2), num(1.5, "double")))).toBe("(-2.0) ** 1.5");
  expect(show(neg(num(2)))).toBe("-2.0");
  expect(badNote(bin("**", num(-2), num(1.5, "double")))).toBe(
    "a negative number to a fractional power is undefined",
  );
  expect(badNote(call("exp", [num(100)], Math.exp))).toMatch(/^exp overflows float32 above 88\.72/);
  expect(badNote(call("log", [num(0)], Math.log))).toBe("the log of 0 is -inf");
});

test("rounding notes: only where float32 made a value exactly 0 or ±1", () => {
  const clampLike = call(
    "c",
    [num(1)],
    () => 0.99999999,
    () => 1,
  );
  expect(roundingNote(clampLike)).toBe("exactly 1.0 - 1e-08, which float32 rounds to 1.0");
  expect(roundingNote(bin("+", num(0.5), num(0.25)))).toBeNull();
});

test("expressions from the trace: variable names, infix ops, views hidden", () => {
  const t = trace(mlpNan);
  const byLabel = (l: string) => Object.values(t.tensors).find((r) => r.label === l)!.id;
  expect(expr(t, byLabel("z2"))).toBe("o1 @ W2 + b2");
  expect(expr(t, byLabel("loss"), 5)).toBe("-(y_true * log(y_pred)) + (1 - y_true) * log(1 - y_pred)");
  expect(expr(t, byLabel("y_pred"))).toBe("clamp(o2, min=1e-08, max=0.99999999)");
});
