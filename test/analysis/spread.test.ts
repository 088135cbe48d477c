/** The spread path on the seed MLP: every NaN grad of W1, b1, W2, b2 is on it, in both views. */
import { readFileSync } from "node:fs";
import { expect, test } from "vitest";
import { nonFiniteOrigin } from "../../src/analysis/origin.ts";
import { onGraph, spreadPath } from "../../src/analysis/spread.ts";
import { graphFull } from "../../src/trace/graph.ts";
import { mlpNan, trace } from "./programs.ts";

const REF = JSON.parse(readFileSync(new URL("../fixtures/analysis.json", import.meta.url), "utf8")).mlp_nan;

const t = trace(mlpNan);
const leafIds: Record<string, string> = Object.fromEntries(
  Object.values(t.tensors)
    .filter((r) => r.is_leaf && r.requires_grad && r.snapshot === 0)
    .map((r) => [r.label ?? r.id, r.id]),
);

test("the leaves whose grads PyTorch makes NaN are the spread path's leaves", () => {
  const path = spreadPath(t, nonFiniteOrigin(t));
  const nanLeaves = Object.entries(REF.grads as Record<string, { nan: number }>)
    .filter(([, c]) => c.nan > 0)
    .map(([name]) => leafIds[name]);
  expect(nanLeaves).toHaveLength(4);
  expect([...path.leaves].sort()).toEqual([...nanLeaves].sort());
});

test("values view: the path runs from the log through the loss, and back from the log's grad to each leaf", () => {
  const path = spreadPath(t);
  const g = graphFull(t, "values");
  const nodeIds = new Set(g.nodes.map((n) => n.id));
  const edgeIds = new Set(g.edges.map((e) => e.id));
  for (const id of path.values.nodes) expect(nodeIds.has(id)).toBe(true);
  for (const id of path.values.edges) expect(edgeIds.has(id)).toBe(true);
  // no stubs in this one-iteration graph: the path on the graph is the path
  expect(onGraph(path.values, g).edges).toEqual(path.values.edges);
  const origin = nonFiniteOrigin(t).forward!;
  expect(path.values.nodes.has(`op${origin.event}`)).toBe(true);
  expect(path.forward.events[0]).toBe(origin.event);
  for (const leaf of Object.values(leafIds)) {
    expect(path.values.nodes.has(leaf)).toBe(true);
    expect(path.values.flags.get(leaf)).toBe("nan");
    // the leaf's edge into the op that used it carries the NaN grad
    const into = g.edges.filter((e) => e.source === leaf);
    expect(into.some((e) => path.values.edges.has(e.id))).toBe(true);
  }
});

test("autograd view: SigmoidBackward0 and every AccumulateGrad → leaf edge are on the path", () => {
  const path = spreadPath(t);
  const g = graphFull(t, "autograd");
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  const sigmoid = g.nodes.find((n) => n.label === "SigmoidBackward0")!;
  expect(path.autograd.nodes.has(sigmoid.id)).toBe(true);
  expect(path.autograd.flags.get(sigmoid.id)).toBe("nan");
  for (const leaf of Object.values(leafIds)) {
    const edge = g.edges.find((e) => e.target === leaf && byId.get(e.source)!.kind === "accumulate-grad")!;
    expect(path.autograd.edges.has(edge.id)).toBe(true);
    expect(path.autograd.flags.get(edge.id)).toBe("nan");
  }
  // the -inf part before the NaN: LogBackward0 → RsubBackward1 → ClampBackward1 → SigmoidBackward0
  const names = [...path.autograd.nodes].map((id) => byId.get(id)?.label);
  expect(names).toEqual(expect.arrayContaining(["LogBackward0", "RsubBackward1", "ClampBackward1"]));
  expect(path.backward.events.length).toBeGreaterThan(0);
});

test("a diverging loop: on the laid-out graph, the path takes the AccumulateGrad stubs of later iterations", async () => {
  const { lrDiverge } = await import("./programs.ts");
  const t2 = trace((rec) => lrDiverge(rec, 50));
  const path = spreadPath(t2);
  const g = graphFull(t2, "autograd");
  const shown = onGraph(path.autograd, g);
  const edgeIds = new Set(g.edges.map((e) => e.id));
  for (const id of shown.edges) expect(edgeIds.has(id)).toBe(true);
  for (const id of shown.edges) expect(shown.flags.get(id)).toBeDefined();
  // w's and b's AccumulateGrad nodes are made once; later iterations reach them through stubs
  const stubs = new Set(g.nodes.filter((n) => n.stubFor !== null).map((n) => n.id));
  expect([...shown.nodes].filter((id) => stubs.has(id)).length).toBeGreaterThan(0);
  expect(shown.edges.size).toBeGreaterThan([...path.autograd.edges].filter((id) => edgeIds.has(id)).length);
});

test("a clean run has an empty spread path", async () => {
  const { lrDiverge } = await import("./programs.ts");
  const clean = trace((rec) => lrDiverge(rec, 3));
  const path = spreadPath(clean);
  expect(path.values.nodes.size).toBe(0);
  expect(path.autograd.edges.size).toBe(0);
  expect(path.leaves).toEqual([]);
});
