import { describe, expect, it } from "vitest";
import { Tensor, mul, sin, tensor, add } from "../../src/engine/index.ts";
import { record } from "../../src/trace/recorder.ts";
import { graphFull, type Graph, type GraphEdge, type GraphNode } from "../../src/trace/graph.ts";
import { COST_FACTOR, MAX_NODES, longestPathLayers, prepareGraph } from "../../src/layout/prepare.ts";
import { scalarMlpTrace } from "../../bench/layout.ts";
import { mlpNanTrace, trainingTrace } from "./traces.ts";

function node(id: string, kind: GraphNode["kind"], extra: Partial<GraphNode> = {}): GraphNode {
  return {
    id,
    kind,
    label: id,
    tensor: null,
    gradFn: null,
    attrs: null,
    shape: [],
    dtype: "float32",
    preview: null,
    nonfinite: null,
    grad: null,
    gradNonfinite: null,
    scope: null,
    line: null,
    step: 0,
    iteration: 0,
    isNew: false,
    stubFor: null,
    ...extra,
  };
}

function edge(source: string, target: string, order = 0): GraphEdge {
  return {
    id: `${source}>${target}:${order}`,
    source,
    target,
    kind: "forward",
    order,
    grad: null,
    gradNonfinite: null,
    gradStep: null,
    step: 0,
    isNew: false,
  };
}

/** c feeds the first op and, again, an op 12 layers further down a chain. */
function farReuseGraph(): Graph {
  const nodes: GraphNode[] = [node("x", "leaf"), node("c", "constant")];
  const edges: GraphEdge[] = [];
  let prev = "x";
  for (let i = 0; i < 12; i++) {
    nodes.push(node(`op${i}`, "op"), node(`t${i}`, "tensor", { step: i }));
    edges.push(edge(prev, `op${i}`), edge(`op${i}`, `t${i}`));
    if (i === 0 || i === 11) edges.push(edge("c", `op${i}`, 1));
    prev = `t${i}`;
  }
  return { view: "values", step: 11, nodes, edges };
}

describe("longestPathLayers", () => {
  it("puts every node one below its deepest input", () => {
    const l = longestPathLayers(
      ["a", "b", "c", "d"],
      [
        { source: "a", target: "b" },
        { source: "b", target: "c" },
        { source: "a", target: "c" },
        { source: "c", target: "d" },
      ],
    );
    expect([...l.entries()]).toEqual([
      ["a", 0],
      ["b", 1],
      ["c", 2],
      ["d", 3],
    ]);
  });
});

describe("proxy stubs", () => {
  it("draws a constant reused far below its first use as a stub at the far use", () => {
    const lg = prepareGraph(farReuseGraph(), { stubSpan: 6 });
    expect(lg.stubsOf).toEqual({ c: ["c@op11"] });
    const stub = lg.nodes.find((n) => n.id === "c@op11")!;
    expect(stub).toMatchObject({ stub: true, node: "c", kind: "constant" });
    // the far edge now starts at the stub, keeping the graph edge's id
    expect(lg.edges.find((e) => e.id === "c>op11:1")).toMatchObject({ source: "c@op11", target: "op11" });
    expect(lg.edges.find((e) => e.id === "c>op0:1")).toMatchObject({ source: "c", target: "op0" });
    // a stub comes right before its consumer in model order
    const ids = lg.nodes.map((n) => n.id);
    expect(ids.indexOf("c@op11")).toBe(ids.indexOf("op11") - 1);
  });

  it("keeps a near reuse as an edge", () => {
    const lg = prepareGraph(farReuseGraph(), { stubSpan: 40 });
    expect(lg.stubsOf).toEqual({});
  });

  it("repeats a wrapped Python number at every use after the first", () => {
    const { trace } = record((r) => {
      const a = tensor(1.5, { requiresGrad: true });
      r.labelTensor(a, "a");
      const two = Tensor.wrap(2.0);
      const b = mul(a, two);
      const c = mul(sin(b), two);
      add(c, two).backward();
    });
    // graph.ts's own far-reuse stubs off: these stubs are the layout's
    const g = graphFull(trace, "values", { stubDepth: 1e9 });
    const wrapped = g.nodes.filter((n) => n.tensor && trace.tensors[n.tensor].wrapped);
    expect(wrapped).toHaveLength(1);
    const id = wrapped[0].id;
    const lg = prepareGraph(g, { trace });
    expect(lg.stubsOf[id]).toHaveLength(2);
    const boxes = lg.nodes.filter((n) => n.node === id);
    expect(boxes.map((b) => [b.small, b.stub])).toEqual([
      [true, false],
      [true, true],
      [true, true],
    ]);
    // each box of the number has exactly one edge
    for (const b of boxes) expect(lg.edges.filter((e) => e.source === b.id)).toHaveLength(1);
  });

  it("gives an AccumulateGrad reached again far away a stub in the autograd view", () => {
    const { trace } = record(() => {
      const w = tensor(0.5, { requiresGrad: true });
      let h = mul(w, w);
      for (let i = 0; i < 10; i++) h = sin(h);
      mul(h, w).backward();
    });
    const lg = prepareGraph(graphFull(trace, "autograd", { stubDepth: 1e9 }), { trace, stubSpan: 4 });
    const acc = lg.nodes.filter((n) => n.kind === "accumulate-grad");
    expect(acc.filter((n) => n.stub)).toHaveLength(1);
    // the leaf keeps one AccumulateGrad edge
    expect(lg.edges.filter((e) => e.target.startsWith("t") && e.source === acc[0].id)).toHaveLength(1);
  });
});

describe("scopes", () => {
  it("makes each call of a scope a compound node, nested as the scope path", () => {
    const lg = prepareGraph(graphFull(trainingTrace(2), "values"));
    const scopes = lg.scopes.map((s) => [s.id, s.parent]);
    expect(scopes).toEqual([
      ["scope:model#1", null],
      ["scope:model/fc1#1", "scope:model#1"],
      ["scope:model/fc2#1", "scope:model#1"],
      ["scope:model#2", null],
      ["scope:model/fc1#2", "scope:model#2"],
      ["scope:model/fc2#2", "scope:model#2"],
    ]);
    // parents come before children
    const seen = new Set<string>();
    for (const n of lg.nodes) {
      if (n.parent) expect(seen.has(n.parent)).toBe(true);
      seen.add(n.id);
    }
  });

  it("collapses a scope into one box, merging the edges that cross it", () => {
    const g = graphFull(mlpNanTrace(), "values");
    const open = prepareGraph(g);
    // the scope's nodes, and the stubs placed in it (a stub sits in its consumer's scope)
    const inside = open.nodes.filter((n) => n.parent === "scope:binary_cross_entropy#1").map((n) => n.id);
    expect(inside).toContain("op16");
    expect(inside.length).toBeGreaterThan(5);
    const lg = prepareGraph(g, { collapsed: ["binary_cross_entropy"] });
    const box = lg.nodes.find((n) => n.id === "scope:binary_cross_entropy#1")!;
    // members counts graph nodes (a stub made by the layout is not one)
    const graphIds = new Set(g.nodes.map((n) => n.id));
    expect(box).toMatchObject({
      kind: "scope",
      collapsed: true,
      members: inside.filter((id) => graphIds.has(id)).length,
    });
    for (const id of inside) {
      if (graphIds.has(id)) expect(lg.nodeOf[id]).toBe(box.id);
      expect(lg.nodes.some((n) => n.id === id)).toBe(false);
    }
    expect(lg.nodes.length).toBe(open.nodes.length - inside.length);
    // no edge inside the box; every crossing graph edge maps to a layout edge touching the box
    for (const e of lg.edges) expect(e.source === box.id && e.target === box.id).toBe(false);
    // over the open layout's edges: their ends are after stubbing
    for (const e of open.edges) {
      const a = inside.includes(e.source);
      const b = inside.includes(e.target);
      if (a && b) expect(lg.edgeOf[e.id]).toBeUndefined();
      else if (a || b) {
        const le = lg.edges.find((x) => x.id === lg.edgeOf[e.id])!;
        expect([le.source, le.target]).toContain(box.id);
        expect(le.members).toContain(e.id);
      }
    }
  });

  it("collapses scopes deepest first when the graph is over maxNodes", () => {
    const g = graphFull(trainingTrace(3, 3), "values");
    expect(prepareGraph(g).scopes.every((s) => !s.collapsed)).toBe(true);
    const few = prepareGraph(g, { maxNodes: 60 });
    expect(few.oversize).toBe(false);
    expect(few.nodes.length).toBeLessThanOrEqual(60);
    const collapsed = few.scopes.filter((s) => s.collapsed);
    expect(collapsed.length).toBeGreaterThan(0);
    expect(new Set(collapsed.map((s) => s.depth)).size).toBe(1);
    // tighter still: only the last iteration keeps detail, older ones are one box each
    const fewer = prepareGraph(g, { maxNodes: 25 });
    expect(fewer.nodes.length).toBeLessThanOrEqual(25);
    expect(fewer.scopes.some((s) => s.id.startsWith("iter:") && s.collapsed)).toBe(true);
  });

  it("keeps a scope the user expanded open under auto collapse", () => {
    const g = graphFull(trainingTrace(3, 3), "values");
    const lg = prepareGraph(g, { maxNodes: 60, expanded: ["scope:model/fc1#1"] });
    expect(lg.scopes.find((s) => s.id === "scope:model/fc1#1")?.collapsed ?? false).toBe(false);
  });

  it("cuts a big graph without scopes into parts of the run, collapsed", () => {
    // a chain of 450 ops (900 nodes) with no scope at all
    const nodes: GraphNode[] = [node("x", "leaf")];
    const edges: GraphEdge[] = [];
    let prev = "x";
    for (let i = 0; i < 450; i++) {
      nodes.push(node(`op${i}`, "op", { step: i }), node(`t${i}`, "tensor", { step: i }));
      edges.push(edge(prev, `op${i}`), edge(`op${i}`, `t${i}`));
      prev = `t${i}`;
    }
    const g: Graph = { view: "values", step: 449, nodes, edges };
    const lg = prepareGraph(g, { maxNodes: 100 });
    expect(lg.oversize).toBe(false);
    expect(lg.scopes.map((s) => [s.id, s.label, s.members])).toEqual([
      ["part:0", "steps 1–100", 200],
      ["part:1", "steps 100–200", 200],
      ["part:2", "steps 200–300", 200],
      ["part:3", "steps 300–400", 200],
      ["part:4", "steps 400–450", 101],
    ]);
    expect(lg.nodes.every((n) => n.kind === "scope" && n.collapsed)).toBe(true);
    // parts chained by the edges between them
    expect(lg.edges.map((e) => [e.source, e.target])).toEqual([
      ["part:0", "part:1"],
      ["part:1", "part:2"],
      ["part:2", "part:3"],
      ["part:3", "part:4"],
    ]);
    // one part opened by the user
    const open = prepareGraph(g, { maxNodes: 300, expanded: ["part:2"] });
    expect(open.scopes.find((s) => s.id === "part:2")!.collapsed).toBe(false);
    expect(open.nodes.filter((n) => n.parent === "part:2")).toHaveLength(200);
  });

  it("collapses further when edges across scopes would make ELK slow, not only when boxes are many", () => {
    // a scalar MLP of 18 layers × 8 neurons (~5,000 nodes), each neuron a scope inside its layer's
    const t = scalarMlpTrace(8, 18);
    const g = graphFull(t, "autograd");
    expect(g.nodes.length).toBeGreaterThan(5000);
    // neurons collapsed: 170 boxes, but ~1,000 edges between layer compounds (3.2 s of ELK)
    const neurons = prepareGraph(g, { trace: t, collapsed: ["nothing"] }).scopes.filter((s) => s.depth === 2);
    const byNeuron = prepareGraph(g, { trace: t, collapsed: neurons.map((s) => s.id) });
    expect(byNeuron.nodes.length).toBeLessThan(MAX_NODES);
    const crossing = byNeuron.edges.filter((e) => {
      const p = (id: string) => byNeuron.nodes.find((n) => n.id === id)!.parent;
      return p(e.source) !== p(e.target);
    }).length;
    expect(byNeuron.nodes.length + byNeuron.edges.length + 5 * crossing).toBeGreaterThan(
      COST_FACTOR * MAX_NODES,
    );
    // so "auto" shows the layers as boxes
    const auto = prepareGraph(g, { trace: t });
    expect(auto.scopes.filter((s) => s.collapsed).map((s) => s.depth)).toEqual(new Array(18).fill(1));
    expect(auto.nodes.length).toBeLessThan(40);
  });
});
