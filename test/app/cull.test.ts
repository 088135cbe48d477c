import { describe, expect, it } from "vitest";
import { cullRect, intersects, nearView, pointsBox, rectKey } from "../../src/app/cull.ts";
import { layoutGraph } from "../../src/layout/elk.ts";
import { nodeElk } from "../../src/layout/elk-node.ts";
import { prepareGraph } from "../../src/layout/prepare.ts";
import { buildScene } from "../../src/render/scene.ts";
import { graphAt, graphFull, stateAt } from "../../src/trace/graph.ts";
import { mlpTrace } from "./mlp.ts";

describe("culling to the view", () => {
  it("widens the view by half a view each way, snapped so small pans keep the same rectangle", () => {
    const a = cullRect({ x0: 100, y0: 100, x1: 500, y1: 300 });
    expect(a.x0).toBeLessThanOrEqual(-100);
    expect(a.x1).toBeGreaterThanOrEqual(700);
    expect(a.y0).toBeLessThanOrEqual(0);
    expect(a.y1).toBeGreaterThanOrEqual(400);
    const b = cullRect({ x0: 110, y0: 100, x1: 510, y1: 300 });
    expect(rectKey(b)).toBe(rectKey(a));
  });

  it("tells boxes in and out", () => {
    const r = { x0: 0, y0: 0, x1: 100, y1: 100 };
    expect(intersects(r, 50, 50, 10, 10)).toBe(true);
    expect(intersects(r, -20, -20, 25, 25)).toBe(true);
    expect(intersects(r, 101, 0, 10, 10)).toBe(false);
    expect(intersects(r, 0, -30, 10, 10)).toBe(false);
  });

  it("boxes a route once", () => {
    const pts = [
      { x: 5, y: 10 },
      { x: 5, y: 40 },
      { x: -3, y: 40 },
    ];
    expect(pointsBox(pts)).toEqual({ x0: -3, y0: 10, x1: 5, y1: 40 });
    expect(pointsBox(pts)).toBe(pointsBox(pts));
  });

  it("finds, from the layout alone, the scene nodes and edges that meet a rectangle", async () => {
    const trace = mlpTrace();
    const layout = await layoutGraph(nodeElk(), prepareGraph(graphFull(trace, "values"), { trace }));
    const k = trace.events.length - 3;
    const scene = buildScene(graphAt(trace, k, "values"), layout, {
      trace,
      step: stateAt(trace, k, "values"),
    });
    const r = {
      x0: layout.width * 0.3,
      y0: layout.height * 0.2,
      x1: layout.width * 0.7,
      y1: layout.height * 0.6,
    };
    const near = nearView(layout, r);
    const nodesIn = scene.nodes.filter((n) => intersects(r, n.x, n.y, n.w, n.h)).map((n) => n.id);
    const edgesIn = scene.edges
      .filter((e) => {
        const b = pointsBox(e.points);
        return intersects(r, b.x0, b.y0, b.x1 - b.x0, b.y1 - b.y0);
      })
      .map((e) => e.id);
    expect(nodesIn.length).toBeGreaterThan(2);
    expect(nodesIn.length).toBeLessThan(scene.nodes.length);
    expect(edgesIn.length).toBeGreaterThan(2);
    expect(scene.nodes.filter((n) => near.has(n.id)).map((n) => n.id)).toEqual(nodesIn);
    expect(scene.edges.filter((e) => near.has(e.id)).map((e) => e.id)).toEqual(edgesIn);
  });
});
