/** Gradient check: float64 finite differences next to autograd, against PyTorch's float32 and float64 grads. */
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { gradcheck } from "../../src/analysis/gradcheck.ts";
import type { Trace } from "../../src/trace/schema.ts";
import { lrDiverge, mlpNan, mlpTraining, trace } from "./programs.ts";

const REF = JSON.parse(readFileSync(new URL("../fixtures/analysis.json", import.meta.url), "utf8"));

const leaf = (t: Trace, label: string) =>
  Object.values(t.tensors).find((r) => r.label === label && r.snapshot === 0)!.id;

describe("a 2-layer MLP, first iteration", () => {
  const t = trace((rec) => mlpTraining(rec, 3));
  test.each(["W1", "b1", "W2", "b2"])(
    "%s: autograd is PyTorch's float32 grad, finite differences its float64 grad",
    (name) => {
      const r = gradcheck(t, leaf(t, name), { iteration: 0 });
      const g32: number[] = REF.mlp_training_grads.float32[name];
      const g64: number[] = REF.mlp_training_grads.float64[name];
      expect(r.rows).toHaveLength(g32.length);
      r.rows.forEach((row, i) => {
        expect(row.autograd).toBeCloseTo(g32[i], 7);
        // central differences in float64 with eps 1e-6: error well below 1e-8 here
        expect(Math.abs(row.numeric - g64[i])).toBeLessThan(1e-8);
        expect(row.ok).toBe(true);
      });
      expect(r.ok).toBe(true);
      expect(r.maxRelError).toBeLessThan(1e-5);
      expect(r.iteration).toBe(0);
    },
  );

  test("later iterations check the parameters as updated in place, the last one by default", () => {
    const r = gradcheck(t, leaf(t, "W1"));
    expect(r.iteration).toBe(2);
    expect(r.record).not.toBe(leaf(t, "W1"));
    expect(r.ok).toBe(true);
    expect(r.rows[1].name).toBe("W1[0, 1]");
  });

  test("a subset of elements, and a wrong tolerance that fails", () => {
    const r = gradcheck(t, leaf(t, "W2"), { elements: [2], iteration: 0 });
    expect(r.rows.map((x) => x.element)).toEqual([2]);
    expect(gradcheck(t, leaf(t, "W2"), { iteration: 0, atol: 0, rtol: 0 }).ok).toBe(false);
  });
});

test("the seed MLP: autograd's NaN next to float64's finite derivative (0: the sigmoid saturates)", () => {
  const t = trace(mlpNan);
  const r = gradcheck(t, leaf(t, "W1"));
  const g64: number[] = REF.mlp_nan_float64.W1;
  r.rows.forEach((row, i) => {
    expect(Number.isNaN(row.autograd)).toBe(true);
    expect(row.numeric).toBeCloseTo(g64[i], 12);
    expect(row.ok).toBe(false);
  });
  expect(r.maxRelError).toBe(Infinity);
});

test("a scalar leaf of a diverging loop: each iteration against PyTorch's grad norms", () => {
  const t = trace((rec) => lrDiverge(rec, 4));
  for (let it = 0; it < 4; it++) {
    const r = gradcheck(t, leaf(t, "w"), { iteration: it });
    expect(Math.abs(r.rows[0].autograd)).toBeCloseTo(REF.runs.lr_diverge.grad_norms[it].w, 2);
    expect(r.ok).toBe(true);
  }
});

test("errors name the problem", () => {
  const t = trace((rec) => mlpTraining(rec, 1));
  const x = Object.values(t.tensors).find((r) => r.label === "X")!.id;
  expect(() => gradcheck(t, x)).toThrow("X is not a leaf that requires grad");
  expect(() => gradcheck(t, "t9999")).toThrow("no tensor record 't9999'");
});
