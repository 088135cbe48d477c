/**
 * How non-finite values spread from where they were born: forward through the ops that read them,
 * backward through the nodes that passed (or made) non-finite grads, into leaves' `.grad`, and on
 * through the optimizer's in-place updates into later iterations. Given as the ids graph.ts gives
 * nodes and edges in both views (./ids.ts), so the render can draw the path in red; where the graph
 * drew a reuse as a proxy stub, `onGraph` maps the path onto the stub's ids.
 */
import { baseTensorId, type Trace } from "../trace/schema.ts";
import { nonFiniteOf, type NonFinite } from "../trace/values.ts";
import type { Graph } from "../trace/graph.ts";
import { edgeId, opNodeId, resolver } from "./ids.ts";
import { lookup, opInputs } from "./lookup.ts";
import { nonFiniteOrigin, type NonFiniteReport, type Origin } from "./origin.ts";

/** Sets and a map, not arrays and an object: the render asks "is this edge on the path?" of thousands. */
export interface SpreadView {
  /** Graph node and edge ids (a stub's original; see onGraph). */
  nodes: ReadonlySet<string>;
  edges: ReadonlySet<string>;
  /** Graph id (node or edge) → the worst value it carries on the path (nan over inf over -inf). */
  flags: ReadonlyMap<string, Exclude<NonFinite, null>>;
}

export interface SpreadPath {
  /** Forward events on the path (ops whose non-finite output came from the origin) and their outputs. */
  forward: { events: number[]; records: string[] };
  /** Backward and accumulate events that passed non-finite grads on, and the grads. */
  backward: { events: number[]; records: string[] };
  /** Leaves (first record ids) whose `.grad` became non-finite along the path, in the order the program made them. */
  leaves: string[];
  values: SpreadView;
  autograd: SpreadView;
}

const RANK: Record<Exclude<NonFinite, null>, number> = { nan: 3, inf: 2, "-inf": 1 };

class Marks {
  nodes = new Set<string>();
  edges = new Set<string>();
  flags = new Map<string, Exclude<NonFinite, null>>();

  add(set: "nodes" | "edges", id: string, flag: NonFinite): void {
    this[set].add(id);
    if (!flag) return;
    const had = this.flags.get(id);
    if (!had || RANK[flag] > RANK[had]) this.flags.set(id, flag);
  }

  edge(source: string, target: string, order: number, flag: NonFinite): void {
    this.add("edges", edgeId(source, target, order), flag);
    this.add("nodes", source, flag);
    this.add("nodes", target, flag);
  }

  finish(): SpreadView {
    return { nodes: this.nodes, edges: this.edges, flags: this.flags };
  }
}

/** The spread of non-finite values from the origins (computed if not given). */
export function spreadPath(trace: Trace, origin?: NonFiniteReport | Origin | null): SpreadPath {
  const report: NonFiniteReport =
    origin === undefined || origin === null
      ? nonFiniteOrigin(trace)
      : "direction" in origin
        ? {
            forward: origin.direction === "forward" ? origin : null,
            backward: origin.direction === "backward" ? origin : null,
            backwardInf: null,
          }
        : origin;
  const { opOfNode } = lookup(trace);
  const flag = (rec: string | null) => (rec ? nonFiniteOf(trace.tensors[rec].summary) : null);

  const tainted = new Set<string>();
  const fwdEvents: number[] = [];
  const bwdEvents: number[] = [];
  const bwdRecords: string[] = [];
  const leaves = new Set<string>();
  /** Nodes that will receive a tainted grad in the current backward pass. */
  let receiving = new Set<string>();
  const seeds = new Set<number>();
  for (const o of [report.forward, report.backward, report.backwardInf]) if (o) seeds.add(o.event);
  const start = Math.min(...seeds);

  for (let k = Number.isFinite(start) ? start : trace.events.length; k < trace.events.length; k++) {
    const e = trace.events[k];
    switch (e.kind) {
      case "create":
        if (seeds.has(k)) {
          tainted.add(e.out);
          fwdEvents.push(k);
        }
        break;
      case "op":
      case "inplace": {
        const fromTaint = opInputs(e).some((r) => tainted.has(r));
        if ((seeds.has(k) || fromTaint) && flag(e.out)) {
          tainted.add(e.out);
          fwdEvents.push(k);
        }
        break;
      }
      case "backward-start":
        receiving = new Set();
        if (tainted.has(e.grad) && e.node) receiving.add(e.node);
        break;
      case "backward": {
        const p = opOfNode.get(e.node);
        const opEv = p === undefined ? null : trace.events[p];
        const savedTainted =
          opEv && (opEv.kind === "op" || opEv.kind === "inplace")
            ? [...opInputs(opEv), opEv.out].some((r) => tainted.has(r))
            : false;
        const hot = seeds.has(k) || receiving.has(e.node) || savedTainted;
        if (!hot) break;
        const sent = e.grad_inputs.some((g) => g !== null && flag(g) !== null);
        if (!sent) break;
        bwdEvents.push(k);
        for (const g of e.grad_outputs) if (flag(g)) tainted.add(g);
        e.grad_inputs.forEach((g, j) => {
          if (!g || !flag(g)) return;
          tainted.add(g);
          bwdRecords.push(g);
          const next = trace.nodes[e.node].next[j]?.[0];
          if (next) receiving.add(next);
        });
        break;
      }
      case "accumulate":
        if ((receiving.has(e.node) || tainted.has(e.incoming)) && flag(e.total)) {
          bwdEvents.push(k);
          tainted.add(e.incoming);
          tainted.add(e.total);
          bwdRecords.push(e.total);
          leaves.add(baseTensorId(e.tensor));
        }
        break;
      default:
        break;
    }
  }

  const made = (id: string) => trace.tensors[id]?.tensor_id ?? 0;
  return {
    forward: { events: fwdEvents, records: fwdEvents.map((k) => outOf(trace, k)) },
    backward: { events: bwdEvents, records: [...new Set(bwdRecords)] },
    leaves: [...leaves].sort((a, b) => made(a) - made(b)),
    values: valuesView(trace, fwdEvents, bwdEvents, tainted),
    autograd: autogradView(trace, fwdEvents, bwdEvents, tainted),
  };
}

function outOf(trace: Trace, k: number): string {
  const e = trace.events[k];
  return e.kind === "create" || e.kind === "op" || e.kind === "inplace" ? e.out : "";
}

function valuesView(trace: Trace, fwd: number[], bwd: number[], tainted: Set<string>): SpreadView {
  const { opOfNode } = lookup(trace);
  const m = new Marks();
  const flag = (rec: string | null) => (rec ? nonFiniteOf(trace.tensors[rec].summary) : null);
  for (const k of fwd) {
    const e = trace.events[k];
    if (e.kind === "create") {
      m.add("nodes", e.out, flag(e.out));
      continue;
    }
    if (e.kind !== "op" && e.kind !== "inplace") continue;
    const op = opNodeId(k);
    const f = flag(e.out);
    m.edge(op, e.out, 0, f);
    opInputs(e).forEach((r, i) => {
      if (tainted.has(r)) m.edge(r, op, i, flag(r));
    });
  }
  for (const k of bwd) {
    const e = trace.events[k];
    if (e.kind === "accumulate") {
      m.add("nodes", e.tensor, flag(e.total));
      continue;
    }
    if (e.kind !== "backward") continue;
    const p = opOfNode.get(e.node);
    if (p === undefined) continue;
    const opEv = trace.events[p];
    if (opEv.kind !== "op" && opEv.kind !== "inplace") continue;
    const op = opNodeId(p);
    const g = e.grad_outputs[0] ?? null;
    if (g && flag(g)) m.edge(op, opEv.out, 0, flag(g));
    const ins = opInputs(opEv);
    e.grad_inputs.forEach((gi, j) => {
      const r = ins[j];
      if (gi && r && flag(gi)) m.edge(r, op, j, flag(gi));
    });
  }
  return m.finish();
}

function autogradView(trace: Trace, fwd: number[], bwd: number[], tainted: Set<string>): SpreadView {
  const { producer } = lookup(trace);
  const m = new Marks();
  const flag = (rec: string | null) => (rec ? nonFiniteOf(trace.tensors[rec].summary) : null);
  // forward: the grad_fn nodes of ops on the path, and the edges between them
  for (const k of fwd) {
    const e = trace.events[k];
    if ((e.kind !== "op" && e.kind !== "inplace") || !e.grad_fn) continue;
    const node = e.grad_fn;
    m.add("nodes", node, flag(e.out));
    const ins = opInputs(e);
    trace.nodes[node].next.forEach(([next], j) => {
      const r = ins[j];
      if (!next || !r || !tainted.has(r)) return;
      const pk = producer.get(r);
      const pe = pk === undefined ? null : trace.events[pk];
      if (pe && (pe.kind === "op" || pe.kind === "inplace") && pe.grad_fn === next)
        m.edge(node, next, j, flag(r));
    });
  }
  for (const k of bwd) {
    const e = trace.events[k];
    if (e.kind === "accumulate") {
      m.edge(e.node, baseTensorId(e.tensor), 0, flag(e.total));
      continue;
    }
    if (e.kind !== "backward") continue;
    const g = e.grad_outputs[0] ?? null;
    m.add("nodes", e.node, flag(g) ?? flag(e.grad_inputs.find((x) => x && flag(x)) ?? null));
    trace.nodes[e.node].next.forEach(([next], j) => {
      const gi = e.grad_inputs[j];
      if (next && gi && flag(gi)) m.edge(e.node, next, j, flag(gi));
    });
  }
  return m.finish();
}

/**
 * The path on a laid-out graph: the ids of `view` plus those of the proxy stubs graph.ts drew for
 * them (a reuse in a later iteration, or far below its source), with their edges.
 */
export function onGraph(view: SpreadView, graph: Pick<Graph, "nodes" | "edges">): SpreadView {
  const r = resolver(graph);
  const m = new Marks();
  for (const id of view.nodes) if (r.hasNode(id)) m.add("nodes", id, view.flags.get(id) ?? null);
  for (const e of graph.edges) {
    const key = edgeId(r.resolve(e.source), r.resolve(e.target), e.order);
    if (!view.edges.has(key)) continue;
    m.add("edges", e.id, view.flags.get(key) ?? null);
    m.add("nodes", e.source, view.flags.get(r.resolve(e.source)) ?? null);
    m.add("nodes", e.target, view.flags.get(r.resolve(e.target)) ?? null);
  }
  return m.finish();
}
