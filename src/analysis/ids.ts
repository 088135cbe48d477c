/**
 * Graph ids as src/trace/graph.ts names nodes and edges, built from the trace alone (no graph needed):
 * tensor records (`t3`, `t3.1`), op nodes `op<event>`, grad_fn / AccumulateGrad nodes by node id,
 * leaves and backward roots by their first record id in the autograd view, edges
 * `<source>><target>:<order>`. Where the graph drew a proxy stub (`t3@op57`), `resolver` maps the
 * stub back to what it stands for.
 */
import type { Graph } from "../trace/graph.ts";

export const opNodeId = (event: number): string => `op${event}`;

export const edgeId = (source: string, target: string, order: number): string =>
  `${source}>${target}:${order}`;

/** Stub id → the node it stands for, over a laid-out graph. */
export function resolver(graph: Pick<Graph, "nodes">): {
  resolve: (id: string) => string;
  hasNode: (id: string) => boolean;
} {
  const stubFor = new Map<string, string>();
  const ids = new Set<string>();
  for (const n of graph.nodes) {
    ids.add(n.id);
    if (n.stubFor) stubFor.set(n.id, n.stubFor);
  }
  return { resolve: (id) => stubFor.get(id) ?? id, hasNode: (id) => ids.has(id) };
}
