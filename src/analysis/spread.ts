/**
 * How non-finite values spread from where they were born: forward through the ops that read them,
 * backward through the nodes that passed (or made) non-finite grads, into leaves' `.grad`, and on
 * through the optimizer's in-place updates into later iterations. Given as the ids graph.ts gives
 * nodes and edges in both views, so the render can draw the path in red.
 */
import { graphFull, type View } from "../trace/graph.ts";
import { baseTensorId, type Trace } from "../trace/schema.ts";
import { nonFiniteOf, type NonFinite } from "../trace/values.ts";
import { lookup, opInputs } from "./lookup.ts";
import { nonFiniteOrigin, type NonFiniteReport, type Origin } from "./origin.ts";

export interface SpreadView {
  nodes: string[];
  edges: string[];
  /** Graph id (node or edge) → the worst value it carries on the path (nan over inf over -inf). */
  flags: Record<string, Exclude<NonFinite, null>>;
}

export interface SpreadPath {
  /** Forward events on the path (ops whose non-finite output came from the origin) and their outputs. */
  forward: { events: number[]; records: string[] };
  /** Backward and accumulate events that passed non-finite grads on, and the grads. */
  backward: { events: number[]; records: string[] };
  /** Leaves (first record ids) whose `.grad` became non-finite along the path. */
  leaves: string[];
  values: SpreadView;
  autograd: SpreadView;
}

const RANK: Record<Exclude<NonFinite, null>, number> = { nan: 3, inf: 2, "-inf": 1 };

class Marks {
  nodes = new Set<string>();
  edges = new Set<string>();
  flags: Record<string, Exclude<NonFinite, null>> = {};

  add(set: "nodes" | "edges", id: string, flag: NonFinite): void {
    this[set].add(id);
    if (flag && (!this.flags[id] || RANK[flag] > RANK[this.flags[id]])) this.flags[id] = flag;
  }
}

/** Graph edges by their logical ends (stubs resolved to what they stand for). */
function edgeIndex(trace: Trace, view: View) {
  const g = graphFull(trace, view);
  const stubFor = new Map<string, string>();
  for (const n of g.nodes) if (n.stubFor) stubFor.set(n.id, n.stubFor);
  const resolve = (id: string) => stubFor.get(id) ?? id;
  const byKey = new Map<string, { id: string; source: string; target: string }[]>();
  for (const e of g.edges) {
    const key = `${resolve(e.source)}>${resolve(e.target)}:${e.order}`;
    const list = byKey.get(key);
    const item = { id: e.id, source: e.source, target: e.target };
    if (list) list.push(item);
    else byKey.set(key, [item]);
  }
  const nodeIds = new Set(g.nodes.map((n) => n.id));
  return { byKey, nodeIds };
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

  return {
    forward: { events: fwdEvents, records: fwdEvents.map((k) => outOf(trace, k)) },
    backward: { events: bwdEvents, records: [...new Set(bwdRecords)] },
    leaves: [...leaves],
    values: valuesView(trace, fwdEvents, bwdEvents, tainted),
    autograd: autogradView(trace, fwdEvents, bwdEvents, tainted),
  };
}

function outOf(trace: Trace, k: number): string {
  const e = trace.events[k];
  return e.kind === "create" || e.kind === "op" || e.kind === "inplace" ? e.out : "";
}

function finish(m: Marks): SpreadView {
  return { nodes: [...m.nodes], edges: [...m.edges], flags: m.flags };
}

function valuesView(trace: Trace, fwd: number[], bwd: number[], tainted: Set<string>): SpreadView {
  const { byKey, nodeIds } = edgeIndex(trace, "values");
  const { opOfNode } = lookup(trace);
  const m = new Marks();
  const flag = (rec: string | null) => (rec ? nonFiniteOf(trace.tensors[rec].summary) : null);
  const mark = (source: string, target: string, order: number, f: NonFinite) => {
    for (const edge of byKey.get(`${source}>${target}:${order}`) ?? []) {
      m.add("edges", edge.id, f);
      m.add("nodes", edge.source, f);
      m.add("nodes", edge.target, f);
    }
  };
  for (const k of fwd) {
    const e = trace.events[k];
    if (e.kind === "create") {
      if (nodeIds.has(e.out)) m.add("nodes", e.out, flag(e.out));
      continue;
    }
    if (e.kind !== "op" && e.kind !== "inplace") continue;
    const op = `op${k}`;
    const f = flag(e.out);
    m.add("nodes", op, f);
    mark(op, e.out, 0, f);
    const ins = e.kind === "op" ? e.inputs : [e.target, ...e.inputs];
    ins.forEach((r, i) => {
      if (r && tainted.has(r)) mark(r, op, i, flag(r));
    });
  }
  for (const k of bwd) {
    const e = trace.events[k];
    if (e.kind === "accumulate") {
      if (nodeIds.has(e.tensor)) m.add("nodes", e.tensor, flag(e.total));
      continue;
    }
    if (e.kind !== "backward") continue;
    const p = opOfNode.get(e.node);
    if (p === undefined) continue;
    const opEv = trace.events[p];
    if (opEv.kind !== "op" && opEv.kind !== "inplace") continue;
    const op = `op${p}`;
    const g = e.grad_outputs[0] ?? null;
    if (g && flag(g)) mark(op, opEv.out, 0, flag(g));
    const ins = opEv.kind === "op" ? opEv.inputs : [opEv.target, ...opEv.inputs];
    e.grad_inputs.forEach((gi, j) => {
      const r = ins[j];
      if (gi && r && flag(gi)) mark(r, op, j, flag(gi));
    });
  }
  return finish(m);
}

function autogradView(trace: Trace, fwd: number[], bwd: number[], tainted: Set<string>): SpreadView {
  const { byKey, nodeIds } = edgeIndex(trace, "autograd");
  const { producer } = lookup(trace);
  const m = new Marks();
  const flag = (rec: string | null) => (rec ? nonFiniteOf(trace.tensors[rec].summary) : null);
  const mark = (source: string, target: string, order: number, f: NonFinite) => {
    for (const edge of byKey.get(`${source}>${target}:${order}`) ?? []) {
      m.add("edges", edge.id, f);
      m.add("nodes", edge.source, f);
      m.add("nodes", edge.target, f);
    }
  };
  // forward: the grad_fn nodes of ops on the path, and the edges between them
  for (const k of fwd) {
    const e = trace.events[k];
    if ((e.kind !== "op" && e.kind !== "inplace") || !e.grad_fn) continue;
    const f = flag(e.out);
    if (nodeIds.has(e.grad_fn)) m.add("nodes", e.grad_fn, f);
    const ins = e.kind === "op" ? e.inputs : [e.target, ...e.inputs];
    trace.nodes[e.grad_fn].next.forEach(([next], j) => {
      const r = ins[j];
      if (!next || !r || !tainted.has(r)) return;
      const pk = producer.get(r);
      const pe = pk === undefined ? null : trace.events[pk];
      if (pe && (pe.kind === "op" || pe.kind === "inplace") && pe.grad_fn === next)
        mark(e.grad_fn!, next, j, flag(r));
    });
  }
  for (const k of bwd) {
    const e = trace.events[k];
    if (e.kind === "accumulate") {
      const f = flag(e.total);
      if (nodeIds.has(e.node)) m.add("nodes", e.node, f);
      mark(e.node, baseTensorId(e.tensor), 0, f);
      continue;
    }
    if (e.kind !== "backward") continue;
    const g = e.grad_outputs[0] ?? null;
    if (nodeIds.has(e.node))
      m.add("nodes", e.node, flag(g) ?? flag(e.grad_inputs.find((x) => x && flag(x)) ?? null));
    trace.nodes[e.node].next.forEach(([next], j) => {
      const gi = e.grad_inputs[j];
      if (next && gi && flag(gi)) mark(e.node, next, j, flag(gi));
    });
  }
  return finish(m);
}
