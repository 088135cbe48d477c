/**
 * The layout benches' graphs and their dagre peer, with no Node-only imports: bench/layout.ts runs
 * them in Node, bench/layout-browser-page.ts in a Chromium page.
 */
import dagre from "@dagrejs/dagre";
import { add, manualSeed, mul, randn, tanh, type Tensor } from "../src/engine/index.ts";
import { measureGraph } from "../src/layout/elk.ts";
import type { LayoutGraph } from "../src/layout/types.ts";
import { graphFull, type Graph } from "../src/trace/graph.ts";
import { record } from "../src/trace/recorder.ts";
import type { Trace } from "../src/trace/schema.ts";

/** One forward + backward of a scalar MLP of `depth` layers of `width` neurons (micrograd's picture). */
export function scalarMlpTrace(width: number, depth: number, seed = 1): Trace {
  manualSeed(seed);
  const res = record((r) => {
    let xs: Tensor[] = Array.from({ length: width }, () => randn([]));
    for (let k = 0; k < depth; k++) {
      r.pushScope(`layer${k + 1}`);
      const next: Tensor[] = [];
      for (let j = 0; j < width; j++) {
        r.pushScope(`n${j + 1}`);
        let act = mul(randn([], { requiresGrad: true }), xs[0]);
        for (let i = 1; i < xs.length; i++) act = add(act, mul(randn([], { requiresGrad: true }), xs[i]));
        next.push(tanh(add(act, randn([], { requiresGrad: true }))));
        r.popScope();
      }
      xs = next;
      r.popScope();
    }
    let loss = xs[0];
    for (let i = 1; i < xs.length; i++) loss = add(loss, xs[i]);
    loss.backward();
  });
  if (res.error) throw res.error;
  return res.trace;
}

/** The autograd-view graph of a scalar MLP with at least `nodes` nodes. */
export function backwardGraph(nodes: number): { trace: Trace; graph: Graph } {
  const width = nodes <= 200 ? 3 : nodes <= 2000 ? 5 : 8;
  for (let depth = 1; ; depth++) {
    const trace = scalarMlpTrace(width, depth);
    const graph = graphFull(trace, "autograd");
    if (graph.nodes.length >= nodes) return { trace, graph };
  }
}

/** dagre on a prepared graph: the same boxes, sizes, compound nodes and edges ELK gets. */
export function dagreLayout(lg: LayoutGraph): { width: number; height: number } {
  const sizes = measureGraph(lg);
  const g = new dagre.graphlib.Graph({ compound: true, multigraph: true });
  g.setGraph({ rankdir: lg.direction === "DOWN" ? "TB" : "LR", nodesep: 16, ranksep: 26, edgesep: 8 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of lg.nodes) {
    const compound = n.kind === "scope" && !n.collapsed;
    g.setNode(n.id, compound ? {} : { width: sizes[n.id].w, height: sizes[n.id].h });
    if (n.parent) g.setParent(n.id, n.parent);
  }
  for (const e of lg.edges) g.setEdge(e.source, e.target, {}, e.id);
  dagre.layout(g);
  const label = g.graph();
  return { width: label.width ?? 0, height: label.height ?? 0 };
}
