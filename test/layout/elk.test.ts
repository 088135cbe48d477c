import { describe, expect, it } from "vitest";
import { graphAt, graphFull } from "../../src/trace/graph.ts";
import { prepareGraph } from "../../src/layout/prepare.ts";
import {
  components,
  layoutGraph,
  measureGraph,
  packComponents,
  toElk,
  warmUpGraph,
} from "../../src/layout/elk.ts";
import { createElk, nodeElk } from "../../src/layout/elk-node.ts";
import type { Layout, LayoutBox } from "../../src/layout/types.ts";
import { buildScene } from "../../src/render/scene.ts";
import { mlpNanTrace, sinSquareTrace, trainingTrace } from "./traces.ts";

function overlaps(a: LayoutBox, b: LayoutBox): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

function checkGeometry(l: Layout): void {
  const byId = new Map(l.nodes.map((n) => [n.id, n]));
  for (const n of l.nodes) {
    for (const v of [n.x, n.y, n.w, n.h]) expect(Number.isFinite(v)).toBe(true);
    expect(n.w).toBeGreaterThan(0);
    expect(n.h).toBeGreaterThan(0);
    expect(n.x).toBeGreaterThanOrEqual(0);
    expect(n.y).toBeGreaterThanOrEqual(0);
    expect(n.x + n.w).toBeLessThanOrEqual(l.width + 0.01);
    expect(n.y + n.h).toBeLessThanOrEqual(l.height + 0.01);
    if (n.parent) {
      // inside its scope box
      const p = byId.get(n.parent)!;
      expect(n.x).toBeGreaterThanOrEqual(p.x);
      expect(n.y).toBeGreaterThanOrEqual(p.y);
      expect(n.x + n.w).toBeLessThanOrEqual(p.x + p.w + 0.01);
      expect(n.y + n.h).toBeLessThanOrEqual(p.y + p.h + 0.01);
    }
  }
  // siblings never overlap
  const groups = new Map<string | null, LayoutBox[]>();
  for (const n of l.nodes) {
    if (!groups.has(n.parent)) groups.set(n.parent, []);
    groups.get(n.parent)!.push(n);
  }
  for (const [, sib] of groups) {
    for (let i = 0; i < sib.length; i++) {
      for (let j = i + 1; j < sib.length; j++)
        expect(overlaps(sib[i], sib[j]), `${sib[i].id} / ${sib[j].id}`).toBe(false);
    }
  }
  for (const e of l.edges) {
    expect(e.points.length).toBeGreaterThanOrEqual(2);
    for (const p of e.points) expect(Number.isFinite(p.x) && Number.isFinite(p.y)).toBe(true);
  }
}

describe("ELK JSON", () => {
  it("asks for layered layout, thoroughness 1, default placement, absolute coordinates", () => {
    const lg = prepareGraph(graphFull(mlpNanTrace(), "values"));
    const json = toElk(lg, measureGraph(lg));
    expect(json.layoutOptions).toMatchObject({
      "elk.algorithm": "layered",
      "elk.direction": "DOWN",
      "elk.layered.thoroughness": "1",
      "elk.hierarchyHandling": "INCLUDE_CHILDREN",
      "org.eclipse.elk.json.edgeCoords": "ROOT",
    });
    const text = JSON.stringify(json);
    expect(text).not.toMatch(/NETWORK_SIMPLEX|LONGEST_PATH|nodePlacement\.strategy|layering\.strategy/);
    // scopes are compound nodes holding their nodes
    const scope = json.children!.find((c) => c.id === "scope:binary_cross_entropy#1")!;
    expect(scope.children!.length).toBeGreaterThan(5);
    expect(scope.edges!.length).toBeGreaterThan(0);
  });

  it("lays each connected component out on its own, in program order", () => {
    const lg = prepareGraph(graphFull(trainingTrace(2), "values"));
    const comps = components(lg);
    expect(comps.length).toBeGreaterThan(1);
    const json = toElk(lg, measureGraph(lg));
    expect(json.layoutOptions!["elk.hierarchyHandling"]).toBe("SEPARATE_CHILDREN");
    expect(json.children!.map((c) => c.id)).toEqual(comps.map((_, k) => `component:${k}`));
  });

  it("packs components in rows, left to right, without overlap", () => {
    const p = packComponents([
      { w: 100, h: 50 },
      { w: 100, h: 80 },
      { w: 300, h: 40 },
    ]);
    expect(p.offsets[0]).toEqual({ x: 0, y: 0 });
    expect(p.offsets[1].x).toBeGreaterThan(100);
    expect(p.offsets[1].y).toBe(0);
    expect(p.width).toBeGreaterThanOrEqual(300);
  });
});

describe("layout with bundled ELK", () => {
  it("places a small graph: finite, inside the picture, no sibling overlaps", async () => {
    for (const view of ["values", "autograd"] as const) {
      const l = await layoutGraph(nodeElk(), prepareGraph(graphFull(sinSquareTrace(), view)));
      expect(l.nodes.length).toBeGreaterThan(2);
      checkGeometry(l);
    }
  });

  it("places scopes around their nodes, and components apart", async () => {
    for (const t of [mlpNanTrace(), trainingTrace(2)]) {
      for (const view of ["values", "autograd"] as const)
        checkGeometry(await layoutGraph(nodeElk(), prepareGraph(graphFull(t, view))));
    }
  });

  it("lays a collapsed scope out as one box", async () => {
    const g = graphFull(mlpNanTrace(), "values");
    const l = await layoutGraph(nodeElk(), prepareGraph(g, { collapsed: ["binary_cross_entropy"] }));
    checkGeometry(l);
    const box = l.nodes.find((n) => n.id === "scope:binary_cross_entropy#1")!;
    expect(box.h).toBeLessThan(60);
    expect(l.nodes.some((n) => n.parent === box.id)).toBe(false);
  });

  it("is deterministic: same input, same positions, with a fresh ELK too", async () => {
    const t = mlpNanTrace();
    const a = await layoutGraph(nodeElk(), prepareGraph(graphFull(t, "autograd"), { trace: t }));
    const b = await layoutGraph(
      createElk(),
      prepareGraph(graphFull(mlpNanTrace(), "autograd"), { trace: mlpNanTrace() }),
    );
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
  });

  it("keeps every node where it is while the graph grows step by step (layout once, steps reveal)", async () => {
    const t = mlpNanTrace();
    const layout = await layoutGraph(nodeElk(), prepareGraph(graphFull(t, "values"), { trace: t }));
    const where = new Map<string, string>();
    let seen = 0;
    for (let step = 0; step < t.events.length; step++) {
      const scene = buildScene(graphAt(t, step, "values"), layout, { trace: t }, { legend: false });
      expect(scene.width).toBe(layout.width);
      expect(scene.height).toBe(layout.height);
      for (const n of scene.nodes) {
        const pos = `${n.x},${n.y},${n.w},${n.h}`;
        if (where.has(n.id)) expect(pos, `${n.id} at step ${step}`).toBe(where.get(n.id));
        where.set(n.id, pos);
      }
      // nodes only appear
      expect(scene.nodes.length).toBeGreaterThanOrEqual(seen);
      seen = scene.nodes.length;
    }
    expect(seen).toBe(layout.nodes.filter((n) => n.id.indexOf("scope:") !== 0).length);
  });

  it("warms up on a made-up graph of the size asked: one connected program, laid out like a real one", async () => {
    for (const boxes of [60, 450]) {
      const lg = warmUpGraph(boxes);
      expect(lg.nodes.length).toBeGreaterThanOrEqual(boxes);
      expect(lg.nodes.length).toBeLessThan(boxes + 12);
      expect(components(lg)).toHaveLength(1);
      const ids = new Set(lg.nodes.map((n) => n.id));
      for (const e of lg.edges) expect(ids.has(e.source) && ids.has(e.target)).toBe(true);
      // the kinds a trace has: a leaf, constants (Python numbers as pills), ops and their results
      expect(new Set(lg.nodes.map((n) => n.kind))).toEqual(new Set(["leaf", "constant", "op", "tensor"]));
      const layout = await layoutGraph(nodeElk(), lg);
      checkGeometry(layout);
      expect(layout.edges.every((e) => e.points.length >= 2)).toBe(true);
    }
  });
});
