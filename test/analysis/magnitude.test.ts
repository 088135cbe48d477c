/** Health numbers and grad magnitudes, against PyTorch's grads (test/fixtures/analysis.json). */
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { health, nodeHealth } from "../../src/analysis/health.ts";
import {
  DEFAULT_EXPLODE_ABOVE,
  DEFAULT_VANISH_BELOW,
  gradMagnitudes,
  logDomain,
  logScale01,
  magnitudeFlag,
  magnitudesOnGraph,
} from "../../src/analysis/magnitude.ts";
import { graphAt } from "../../src/trace/graph.ts";
import { lrDiverge, mlpNan, trace } from "./programs.ts";

const REF = JSON.parse(readFileSync(new URL("../fixtures/analysis.json", import.meta.url), "utf8"));

describe("health", () => {
  const t = trace(mlpNan);
  test("each leaf's grad counts the NaNs PyTorch's grad holds", () => {
    const g = graphAt(t, t.events.length - 1, "autograd");
    for (const [name, counts] of Object.entries(
      REF.mlp_nan.grads as Record<string, Record<string, number>>,
    )) {
      const node = g.nodes.find((n) => n.kind === "leaf" && n.label === name)!;
      const h = nodeHealth(t, node);
      expect(h.grad).toMatchObject({
        nan: counts.nan,
        posInf: counts.pos_inf,
        negInf: counts.neg_inf,
        numel: counts.numel,
      });
      expect(h.grad!.nonfinite).toBe("nan");
      expect(h.grad!.norm).toBeNull();
      expect(h.value!.finite).toBe(counts.numel);
    }
  });
  test("a record's health reuses its summary; an unknown id is an error", () => {
    const loss = Object.values(t.tensors).find((r) => r.label === "loss")!;
    expect(health(t, loss.id)).toMatchObject({ negInf: 1, finite: 0, min: null, nonfinite: "-inf" });
    expect(() => health(t, "t999")).toThrow("no tensor record 't999'");
  });
});

describe("thresholds and the log colour scale", () => {
  test("flags", () => {
    expect(magnitudeFlag(NaN)).toBe("nonfinite");
    expect(magnitudeFlag(Infinity)).toBe("nonfinite");
    expect(magnitudeFlag(DEFAULT_EXPLODE_ABOVE * 2)).toBe("exploding");
    expect(magnitudeFlag(DEFAULT_VANISH_BELOW / 2)).toBe("vanishing");
    expect(magnitudeFlag(0)).toBe("zero");
    expect(magnitudeFlag(1)).toBeNull();
    expect(magnitudeFlag(50, { explodeAbove: 10 })).toBe("exploding");
    expect(magnitudeFlag(0.5, { vanishBelow: 1 })).toBe("vanishing");
  });
  test("log domain is whole decades around the finite non-zero norms", () => {
    expect(logDomain([0.03, 2, 0, NaN, Infinity])).toEqual([0.01, 10]);
    expect(logDomain([1, 1])).toEqual([1, 10]);
    expect(logDomain([])).toEqual([DEFAULT_VANISH_BELOW, DEFAULT_EXPLODE_ABOVE]);
  });
  test("norms map to [0, 1] on a log scale", () => {
    expect(logScale01(1, [0.01, 100])).toBeCloseTo(0.5, 12);
    expect(logScale01(0.1, [0.01, 100])).toBeCloseTo(0.25, 12);
    expect(logScale01(1e-9, [0.01, 100])).toBe(0);
    expect(logScale01(1e9, [0.01, 100])).toBe(1);
    expect(logScale01(0, [0.01, 100])).toBe(0);
    expect(logScale01(NaN, [0.01, 100])).toBe(1);
  });
});

test("grad magnitudes of a diverging loop: leaf norms are PyTorch's, and explode past 1e3", () => {
  const t = trace((rec) => lrDiverge(rec, 3));
  // the step right after the third backward (before the update and zero_)
  const accs = t.events.map((e, k) => (e.kind === "accumulate" ? k : -1)).filter((k) => k >= 0);
  const step = accs[accs.length - 1];
  const m = gradMagnitudes(t, { step });
  const ref = REF.runs.lr_diverge.grad_norms[2] as Record<string, number>;
  for (const leaf of m.leaves) {
    expect(leaf.norm).toBeCloseTo(ref[leaf.label!], 3);
    expect(leaf.flag).toBe(ref[leaf.label!] > 1e3 ? "exploding" : null);
  }
  expect(m.leaves.map((l) => l.label).sort()).toEqual(["b", "w"]);
  // every edge backward passed in that iteration has a norm and a position on the colour key
  expect(m.edges.length).toBeGreaterThan(0);
  for (const e of m.edges) {
    expect(Number.isFinite(e.norm)).toBe(true);
    const x = logScale01(e.norm, m.domain);
    expect(x >= 0 && x <= 1).toBe(true);
  }
  expect(gradMagnitudes(t, { step, explodeAbove: 1e5 }).leaves.every((l) => l.flag === null)).toBe(true);
  // the edges are the graph's: what graph.ts's stepping shows on each edge at that step
  for (const view of ["values", "autograd"] as const) {
    const g = graphAt(t, step, view);
    const mv = gradMagnitudes(t, { step, view });
    const onG = magnitudesOnGraph(mv, g);
    const shown = new Map(g.edges.filter((e) => e.grad).map((e) => [e.id, e.grad]));
    expect(new Map(onG.map((e) => [e.edge, e.grad]))).toEqual(shown);
  }
});
