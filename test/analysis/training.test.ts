/** Training runs: per-iteration loss and grad norms against PyTorch's, the first bad iteration, compaction. */
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import {
  compactTrace,
  firstBadIteration,
  keptIterations,
  parseRun,
  serializeRun,
  trainingRun,
} from "../../src/analysis/training.ts";
import { graphFull, iterations } from "../../src/trace/graph.ts";
import { parseTrace, serializeTrace } from "../../src/trace/io.ts";
import { lrDiverge, trace } from "./programs.ts";

const REF = JSON.parse(readFileSync(new URL("../fixtures/analysis.json", import.meta.url), "utf8")).runs
  .lr_diverge;
const decode = (v: number | string) =>
  v === "nan" ? NaN : v === "inf" ? Infinity : v === "-inf" ? -Infinity : (v as number);

const t = trace((rec) => lrDiverge(rec));

describe("trainingRun on a diverging loop", () => {
  const run = trainingRun(t);
  test("one entry per backward() call, with PyTorch's loss and grad norms", () => {
    expect(run.iterations).toHaveLength(REF.loss.length);
    expect(run.params.map((p) => p.label)).toEqual(["w", "b"]);
    run.iterations.forEach((it, i) => {
      const loss = decode(REF.loss[i]);
      if (Number.isFinite(loss)) expect(Math.abs(it.loss! - loss) / loss).toBeLessThan(1e-5);
      else expect(it.loss).toBe(loss);
      for (const p of run.params) {
        const n = decode(REF.grad_norms[i][p.label!]);
        if (Number.isFinite(n)) expect(Math.abs(it.gradNorms[p.id] - n) / n).toBeLessThan(1e-5);
        else expect(Number.isNaN(n) ? Number.isNaN(it.gradNorms[p.id]) : it.gradNorms[p.id] === n).toBe(true);
      }
    });
  });
  test("first bad iteration: exploding once a grad norm passes 1e3, non-finite where PyTorch's loss is inf", () => {
    const firstExplode = REF.grad_norms.findIndex((g: Record<string, number>) =>
      Object.values(g).some((n) => decode(n) > 1e3),
    );
    expect(firstBadIteration(t)).toEqual({ iteration: firstExplode, reason: "exploding" });
    const firstInf = REF.loss.findIndex((l: number | string) => !Number.isFinite(decode(l)));
    expect(firstBadIteration(t, { explodeAbove: Infinity })).toEqual({
      iteration: firstInf,
      reason: "nonfinite",
    });
    expect(run.iterations[firstInf].nonFinite).toBe(true);
    expect(run.iterations[firstInf - 1].nonFinite).toBe(false);
  });
  test("a healthy run has no bad iteration", () => {
    expect(firstBadIteration(trace((rec) => lrDiverge(rec, 1)))).toBeNull();
  });
});

describe("compaction", () => {
  test("kept iterations: first, last, every k-th and around the anomaly", () => {
    expect(keptIterations(60, 2, { every: 10 })).toEqual([0, 1, 2, 3, 4, 10, 20, 30, 40, 50, 59]);
    expect(keptIterations(60, [2, 33], { every: 20, around: 1 })).toEqual([
      0, 1, 2, 3, 20, 32, 33, 34, 40, 59,
    ]);
    expect(keptIterations(5, null, { every: 100 })).toEqual([0, 4]);
    expect(keptIterations(1000, null)).toHaveLength(101);
  });

  const run = compactTrace(t, { every: 10 });
  test("the compacted trace is valid, holds only the kept iterations, and lays out", () => {
    // 60 backward() calls, then the last update and zero_() after the loop; around the first
    // explosion (2) and the first inf (21, where PyTorch's loss is inf)
    expect(REF.loss[21]).toBe("inf");
    expect(run.kept).toEqual([0, 1, 2, 3, 4, 10, 19, 20, 21, 22, 23, 30, 40, 50, 59, 60]);
    expect(iterations(run.trace)).toHaveLength(run.kept.length);
    const again = parseTrace(serializeTrace(run.trace));
    expect(again.events).toEqual(run.trace.events);
    expect(graphFull(run.trace, "values").nodes.length).toBeGreaterThan(0);
    expect(graphFull(run.trace, "autograd").edges.length).toBeGreaterThan(0);
    expect(serializeTrace(run.trace).length).toBeLessThan(serializeTrace(t).length / 3);
  });
  test("every iteration keeps its loss and grad norms (7 digits), and a kept one all its detail", () => {
    const full = trainingRun(t).iterations;
    const compact = trainingRun(parseRun(serializeRun(run))).iterations;
    expect(compact).toHaveLength(full.length);
    compact.forEach((it, i) => {
      const f = full[i];
      if (Number.isFinite(f.loss!))
        expect(it.loss!).toBeCloseTo(f.loss!, -Math.floor(Math.log10(Math.abs(f.loss!) || 1)) + 5);
      else expect(it.loss).toBe(f.loss);
      expect(it.nonFinite).toBe(f.nonFinite);
      expect(it.start >= 0).toBe(run.kept.includes(i));
    });
    expect(run.first_bad).toEqual(firstBadIteration(t));
  });
  test("a malformed run is refused", () => {
    expect(() => parseRun('{"format":"x"}')).toThrow("not a gradlens run");
    const text = serializeRun(run).replace(/"loss":\[/, '"loss":[1,');
    expect(() => parseRun(text)).toThrow("one entry per iteration");
  });
});
