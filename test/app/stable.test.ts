import { describe, expect, it } from "vitest";
import { AUTO, collapseKey, toggleScope } from "../../src/app/collapse.ts";
import { edgeKey, nodeKey, sameData, shareScene } from "../../src/app/stable.ts";
import { layoutGraph } from "../../src/layout/elk.ts";
import { nodeElk } from "../../src/layout/elk-node.ts";
import { prepareGraph } from "../../src/layout/prepare.ts";
import { buildScene } from "../../src/render/scene.ts";
import type { Scene } from "../../src/render/types.ts";
import { graphAt, graphFull, stateAt } from "../../src/trace/graph.ts";
import { mlpTrace } from "./mlp.ts";

const node = (id: string, fill: string) => ({ id, x: 1, y: 2, body: { fill }, texts: [{ text: id }] });

function scene(nodes: ReturnType<typeof node>[]): Scene {
  return { nodes, edges: [], scopes: [], legend: null } as unknown as Scene;
}

describe("structural sharing between steps", () => {
  it("keeps the objects of nodes that did not change, and takes the new ones that did", () => {
    const a = scene([node("t1", "#fff"), node("t2", "#fff"), node("t3", "#fff")]);
    const b = scene([node("t1", "#fff"), node("t2", "#f00"), node("t4", "#fff")]);
    const s = shareScene(a, b)!;
    expect(s.nodes[0]).toBe(a.nodes[0]);
    expect(s.nodes[1]).toBe(b.nodes[1]);
    expect(s.nodes[2]).toBe(b.nodes[2]);
    expect(s.nodes.map((n) => n.id)).toEqual(["t1", "t2", "t4"]);
  });

  it("passes through when there is nothing to share with", () => {
    const b = scene([node("t1", "#fff")]);
    expect(shareScene(null, b)).toBe(b);
    expect(shareScene(b, null)).toBeNull();
  });

  it("compares plain data deeply", () => {
    expect(sameData({ a: [1, { b: "x" }] }, { a: [1, { b: "x" }] })).toBe(true);
    expect(sameData({ a: [1, { b: "x" }] }, { a: [1, { b: "y" }] })).toBe(false);
    expect(sameData([1, 2], { 0: 1, 1: 2 })).toBe(false);
    expect(sameData({ a: 1 }, { a: 1, b: undefined })).toBe(false);
    expect(sameData(null, {})).toBe(false);
    expect(sameData(NaN, NaN)).toBe(true);
  });
});

describe("change keys on a real run", () => {
  it.each(["values", "autograd"] as const)(
    "whenever a node or edge differs between consecutive steps (%s view), its key differs",
    async (view) => {
      const trace = mlpTrace();
      const layout = await layoutGraph(
        nodeElk(),
        prepareGraph(graphFull(trace, view), { trace, showValues: true }),
      );
      let prev: Scene | null = null;
      let compared = 0;
      for (const theme of ["light", "dark"] as const) {
        for (let k = -1; k < trace.events.length; k++) {
          const next = buildScene(
            graphAt(trace, k, view),
            layout,
            { trace, step: stateAt(trace, k, view) },
            { theme },
          );
          if (prev) {
            const old = new Map(prev.nodes.map((n) => [n.id, n]));
            for (const n of next.nodes) {
              const o = old.get(n.id);
              if (o && JSON.stringify(o) !== JSON.stringify(n)) {
                expect(nodeKey(o), `node ${n.id} at step ${k}`).not.toBe(nodeKey(n));
                compared++;
              }
            }
            const oldE = new Map(prev.edges.map((e) => [e.id, e]));
            for (const e of next.edges) {
              const o = oldE.get(e.id);
              if (o && JSON.stringify(o) !== JSON.stringify(e)) {
                expect(edgeKey(o), `edge ${e.id} at step ${k}`).not.toBe(edgeKey(e));
                compared++;
              }
            }
            const shared = shareScene(prev, next)!;
            expect(JSON.stringify(shared)).toBe(JSON.stringify(next));
          }
          prev = next;
        }
      }
      expect(compared).toBeGreaterThan(30);
    },
  );
});

describe("folding scopes", () => {
  it("opening a scope the layout folded keeps the automatic choice for the rest", () => {
    const c = toggleScope(AUTO, "scope:fc1#1", false, ["scope:fc1#1", "scope:fc2#1"]);
    expect(c).toEqual({ mode: "auto", expanded: ["scope:fc1#1"] });
  });

  it("folding a scope makes the folded set explicit, starting from what was folded", () => {
    const c = toggleScope(AUTO, "scope:bce#1", true, ["scope:fc2#1"]);
    expect(c).toEqual({ mode: "explicit", collapsed: ["scope:fc2#1", "scope:bce#1"] });
    expect(toggleScope(c, "scope:fc2#1", false, [])).toEqual({
      mode: "explicit",
      collapsed: ["scope:bce#1"],
    });
  });

  it("keys do not depend on order", () => {
    expect(collapseKey({ mode: "explicit", collapsed: ["b", "a"] })).toBe(
      collapseKey({ mode: "explicit", collapsed: ["a", "b"] }),
    );
    expect(collapseKey(AUTO)).not.toBe(collapseKey({ mode: "explicit", collapsed: [] }));
  });
});
