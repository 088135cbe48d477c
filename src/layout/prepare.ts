/**
 * The graph model (trace/graph.ts) made ready for layered layout:
 *
 * - Proxy stubs. Long edges are what make layered layout slow (DESIGN.md: 44 s vs 0.77 s for the same
 *   1,000 nodes), and a far-away reuse is hard to follow anyway. A source tensor used again far below
 *   its first use (a constant, a parameter) and an AccumulateGrad reached from far-apart grad_fns get
 *   a small proxy box at each such use. A wrapped Python number (`x * 2.0`) is always repeated at
 *   its uses: a number is cheaper to read twice than to follow.
 * - Scopes. Each call of an `nn.Module` or a user function (the trace's scope path, cut into calls)
 *   is a compound node; a collapsed scope is one box standing for everything inside.
 * - Size. Above `maxNodes` boxes the scopes collapse, deepest first, until the graph fits (ELK takes
 *   seconds, or runs out of stack, above ~1,500 nodes in one call).
 */
import type { Graph, GraphEdge, GraphNode } from "../trace/graph.ts";
import type { Trace } from "../trace/schema.ts";
import { opTitle } from "./op-label.ts";
import type { Direction, LayoutEdgeSpec, LayoutGraph, LayoutNodeSpec, ScopeSpec } from "./types.ts";

export const MAX_NODES = 1500;
/** "auto" also keeps the layout cost (see layoutCost) under COST_FACTOR × maxNodes: ~1 s of ELK. */
export const COST_FACTOR = 2.4;
export const CROSSING_COST = 6;
export const STUB_SPAN = 6;

export interface PrepareOptions {
  /** The trace the graph came from: tells wrapped numbers apart and cuts scopes into calls exactly. */
  trace?: Trace | null;
  /** Scope ids (`scope:fc1#2`, `iter:3`) or paths (`fc1`: every call) to collapse, or "auto" (default). */
  collapsed?: Iterable<string> | "auto";
  /** With "auto": scopes the user opened (ids or paths). */
  expanded?: Iterable<string>;
  /** "auto" collapses until at most this many boxes remain. Default 1,500. */
  maxNodes?: number;
  /** A reuse more than this many layers from the first use gets a proxy stub. Default 6. */
  stubSpan?: number;
  direction?: Direction;
  showValues?: boolean;
}

interface WorkNode {
  id: string;
  /** The graph node whose content the box shows. */
  g: GraphNode;
  stub: boolean;
  small: boolean;
  /** Scope chain (outermost first). */
  chain: string[];
}

interface WorkEdge {
  id: string;
  source: string;
  target: string;
  kind: GraphEdge["kind"];
}

// ---- layers ----

/** Longest-path layer of every node (0 for sources); nodes on a cycle get one past the deepest. */
export function longestPathLayers(
  ids: string[],
  edges: { source: string; target: string }[],
): Map<string, number> {
  const out = new Map<string, string[]>();
  const indeg = new Map<string, number>();
  for (const id of ids) {
    out.set(id, []);
    indeg.set(id, 0);
  }
  for (const e of edges) {
    if (!out.has(e.source) || !indeg.has(e.target)) continue;
    out.get(e.source)!.push(e.target);
    indeg.set(e.target, indeg.get(e.target)! + 1);
  }
  const layer = new Map<string, number>();
  const queue: string[] = [];
  for (const id of ids) if (indeg.get(id) === 0) queue.push(id);
  for (const id of queue) layer.set(id, 0);
  for (let i = 0; i < queue.length; i++) {
    const u = queue[i];
    const lu = layer.get(u)!;
    for (const v of out.get(u)!) {
      if ((layer.get(v) ?? -1) < lu + 1) layer.set(v, lu + 1);
      const d = indeg.get(v)! - 1;
      indeg.set(v, d);
      if (d === 0) queue.push(v);
    }
  }
  let deepest = 0;
  for (const l of layer.values()) deepest = Math.max(deepest, l);
  for (const id of ids) if (!layer.has(id) || indeg.get(id)! > 0) layer.set(id, deepest + 1);
  return layer;
}

// ---- stubs ----

function isWrapped(n: GraphNode, trace: Trace | null): boolean {
  if (!trace || !n.tensor) return false;
  return trace.tensors[n.tensor]?.wrapped === true;
}

function makeStubs(graph: Graph, trace: Trace | null, span: number) {
  const nodes: WorkNode[] = [];
  const byId = new Map<string, WorkNode>();
  for (const g of graph.nodes) {
    const w: WorkNode = {
      id: g.id,
      g,
      stub: g.stubFor !== null,
      small: g.kind === "constant" && isWrapped(g, trace),
      chain: [],
    };
    nodes.push(w);
    byId.set(g.id, w);
  }
  const edges: WorkEdge[] = graph.edges
    .filter((e) => byId.has(e.source) && byId.has(e.target))
    .map((e) => ({ id: e.id, source: e.source, target: e.target, kind: e.kind }));
  const layer = longestPathLayers(
    nodes.map((n) => n.id),
    edges,
  );

  const inDeg = new Map<string, number>();
  for (const e of edges) inDeg.set(e.target, (inDeg.get(e.target) ?? 0) + 1);
  // values view: a source's uses are its out-edges; autograd view: an AccumulateGrad's uses are its in-edges
  const usesOf = new Map<string, WorkEdge[]>();
  for (const e of edges) {
    const src = byId.get(e.source)!;
    const tgt = byId.get(e.target)!;
    if (
      graph.view === "values" &&
      !src.stub &&
      (src.g.kind === "leaf" || src.g.kind === "constant") &&
      !inDeg.get(src.id)
    ) {
      if (!usesOf.has(src.id)) usesOf.set(src.id, []);
      usesOf.get(src.id)!.push(e);
    } else if (graph.view === "autograd" && !tgt.stub && tgt.g.kind === "accumulate-grad") {
      if (!usesOf.has(tgt.id)) usesOf.set(tgt.id, []);
      usesOf.get(tgt.id)!.push(e);
    }
  }

  const stubsOf: Record<string, string[]> = {};
  /** Stubs go right before their consumer in model order, where ELK's order-keeping wants them. */
  const stubsBefore = new Map<string, WorkNode[]>();
  for (const [id, uses] of usesOf) {
    const orig = byId.get(id)!;
    const consumers: string[] = [];
    for (const e of uses) {
      const c = e.source === id ? e.target : e.source;
      if (!consumers.includes(c)) consumers.push(c);
    }
    if (consumers.length < 2) continue;
    const anchor = layer.get(consumers[0])!;
    const stubbed = new Map<string, string>();
    for (const c of consumers.slice(1)) {
      if (!orig.small && Math.abs(layer.get(c)! - anchor) <= span) continue;
      let sid = `${id}@${c}`;
      while (byId.has(sid)) sid += "~";
      const stub: WorkNode = { id: sid, g: orig.g, stub: true, small: orig.small, chain: [] };
      byId.set(sid, stub);
      if (!stubsBefore.has(c)) stubsBefore.set(c, []);
      stubsBefore.get(c)!.push(stub);
      stubbed.set(c, sid);
      (stubsOf[id] ??= []).push(sid);
    }
    for (const e of uses) {
      const c = e.source === id ? e.target : e.source;
      const sid = stubbed.get(c);
      if (!sid) continue;
      if (e.source === id) e.source = sid;
      else e.target = sid;
    }
  }
  const ordered: WorkNode[] = [];
  for (const n of nodes) ordered.push(...(stubsBefore.get(n.id) ?? []), n);
  return { nodes: ordered, byId, edges, stubsOf };
}

// ---- scopes ----

function prefixes(scope: string | null): string[] {
  if (!scope) return [];
  const parts = scope.split("/");
  return parts.map((_, i) => parts.slice(0, i + 1).join("/"));
}

interface Instance {
  id: string;
  path: string;
  depth: number;
  /** Ancestor instances then itself. */
  chain: string[];
  step: number;
}

/**
 * Cuts scope paths into calls: a scope left and entered again (the next iteration, a second call of the
 * same function) is a new instance. Events give the exact sequence; without a trace, op results in step order.
 */
class ScopeCalls {
  readonly instances = new Map<string, Instance>();
  private readonly count = new Map<string, number>();
  private readonly starts = new Map<string, Instance[]>();
  private readonly atStep = new Map<number, string[]>();

  constructor(seq: { step: number; scope: string | null }[]) {
    let prevPaths: string[] = [];
    let prevChain: string[] = [];
    for (const { step, scope } of seq) {
      const paths = prefixes(scope);
      const chain: string[] = [];
      let same = true;
      for (let i = 0; i < paths.length; i++) {
        same = same && prevPaths[i] === paths[i];
        chain.push(same ? prevChain[i] : this.open(paths[i], i + 1, chain, step).id);
      }
      this.atStep.set(step, chain);
      prevPaths = paths;
      prevChain = chain;
    }
  }

  private open(path: string, depth: number, parents: string[], step: number): Instance {
    const n = (this.count.get(path) ?? 0) + 1;
    this.count.set(path, n);
    const id = `scope:${path}#${n}`;
    const inst: Instance = { id, path, depth, chain: [...parents.slice(0, depth - 1), id], step };
    this.instances.set(id, inst);
    if (!this.starts.has(path)) this.starts.set(path, []);
    this.starts.get(path)!.push(inst);
    return inst;
  }

  /** The scope chain of something in `scope` at `step`. */
  chainFor(scope: string | null, step: number): string[] {
    const paths = prefixes(scope);
    if (!paths.length) return [];
    const here = this.atStep.get(step);
    const depth = paths.length;
    if (here && here.length >= depth && this.instances.get(here[depth - 1])!.path === paths[depth - 1]) {
      return here.slice(0, depth);
    }
    const starts = this.starts.get(paths[depth - 1]);
    if (starts) {
      let best = starts[0];
      for (const s of starts) if (s.step <= step) best = s;
      return best.chain;
    }
    // a scope only a node mentions: one call, opened now, under its parents' latest calls
    const parents = depth > 1 ? this.chainFor(paths[depth - 2], step) : [];
    return this.open(paths[depth - 1], depth, parents, step).chain;
  }
}

function assignScopes(graph: Graph, work: ReturnType<typeof makeStubs>, trace: Trace | null): ScopeCalls {
  const seq = trace
    ? trace.events.map((e, k) => ({ step: k, scope: e.scope }))
    : graph.nodes
        .filter((n) => n.stubFor === null && (n.kind === "op" || n.kind === "tensor" || n.kind === "grad-fn"))
        .map((n) => ({ step: n.step, scope: n.scope }));
  const calls = new ScopeCalls(seq);
  const neighbour = new Map<string, string>();
  for (const e of work.edges) {
    if (!neighbour.has(e.source)) neighbour.set(e.source, e.target);
    if (!neighbour.has(e.target)) neighbour.set(e.target, e.source);
  }
  for (const w of work.nodes) if (!w.stub) w.chain = calls.chainFor(w.g.scope, w.g.step);
  // a stub sits in its consumer's scope (a consumer is never a stub)
  for (const w of work.nodes) {
    if (!w.stub) continue;
    const c = neighbour.get(w.id);
    w.chain = c ? work.byId.get(c)!.chain : [];
  }
  return calls;
}

// ---- collapse ----

interface Resolved {
  nodeOf: Map<string, string>;
  boxes: number;
}

function resolve(work: WorkNode[], collapsed: Set<string>): Resolved {
  const nodeOf = new Map<string, string>();
  for (const w of work) {
    let box = w.id;
    for (const s of w.chain) {
      if (collapsed.has(s)) {
        box = s;
        break;
      }
    }
    nodeOf.set(w.id, box);
  }
  // expanded compounds count once, collapsed ones once, nodes once; scopes hidden inside collapsed ones not at all
  let boxes = 0;
  const counted = new Set<string>();
  for (const w of work) {
    const box = nodeOf.get(w.id)!;
    for (const s of w.chain) {
      if (s === box) break;
      if (!counted.has(s)) {
        counted.add(s);
        boxes++;
      }
    }
    if (!counted.has(box)) {
      counted.add(box);
      boxes++;
    }
  }
  return { nodeOf, boxes };
}

/**
 * What a layout costs ELK, in units of a plain node: a box or an edge costs 1, an edge between boxes
 * of different containers CROSSING_COST (ELK layered with INCLUDE_CHILDREN routes it through every
 * level). Measured (CPU, bench/layout.ts graphs): 1,040 nodes flat 0.74 s, in scopes 1.1 s (~200
 * crossing edges: ~1.8 ms each against ~0.33 ms a node or an edge); 170 collapsed neurons in 18
 * layer compounds with ~1,000 crossing edges 3.2 s, the same boxes flat 0.8 s.
 */
function layoutCost(
  work: WorkNode[],
  edges: WorkEdge[],
  collapsed: Set<string>,
): { boxes: number; cost: number } {
  const { nodeOf, boxes } = resolve(work, collapsed);
  const parentOf = new Map<string, string | null>();
  for (const w of work) {
    const box = nodeOf.get(w.id)!;
    if (parentOf.has(box)) continue;
    const i = box === w.id ? w.chain.length : w.chain.indexOf(box);
    parentOf.set(box, i > 0 ? w.chain[i - 1] : null);
  }
  const seen = new Set<string>();
  let cost = boxes;
  for (const e of edges) {
    const a = nodeOf.get(e.source)!;
    const b = nodeOf.get(e.target)!;
    if (a === b) continue;
    const key = `${a}>${b}`;
    if ((collapsed.has(a) || collapsed.has(b)) && seen.has(key)) continue;
    seen.add(key);
    cost += parentOf.get(a) === parentOf.get(b) ? 1 : CROSSING_COST;
  }
  return { boxes, cost };
}

function matches(ids: Iterable<string> | undefined, scope: { id: string; path: string }): boolean {
  if (!ids) return false;
  for (const s of ids) if (s === scope.id || s === scope.path) return true;
  return false;
}

interface ScopeInfo {
  id: string;
  path: string;
  depth: number;
  label: string;
}

/** The collapsed set "auto" picks: the most detail that fits in `max` boxes. */
function autoCollapse(
  work: WorkNode[],
  edges: WorkEdge[],
  scopes: ScopeInfo[],
  max: number,
  expanded: Iterable<string> | undefined,
): { collapsed: Set<string>; oversize: boolean } {
  const keep = (s: ScopeInfo) => !matches(expanded, s);
  const calls = scopes.filter((s) => !s.id.startsWith("iter:"));
  const depth = Math.max(0, ...calls.map((s) => s.depth));
  const atDepth = (d: number, within: (s: ScopeInfo) => boolean) =>
    calls.filter((s) => s.depth === d && within(s) && keep(s)).map((s) => s.id);
  // candidates from most to least detail
  const candidates: string[][] = [[]];
  for (let d = depth; d >= 1; d--) candidates.push(atDepth(d, () => true));
  const iters = scopes.filter((s) => s.id.startsWith("iter:"));
  if (iters.length > 1) {
    // older iterations as one box each, the last one with as much detail as fits
    const last = iters[iters.length - 1];
    const older = iters
      .slice(0, -1)
      .filter(keep)
      .map((s) => s.id);
    const inLastSet = new Set<string>();
    for (const w of work) if (w.chain[0] === last.id) for (const s of w.chain) inLastSet.add(s);
    const inLast = (s: ScopeInfo) => inLastSet.has(s.id);
    candidates.push(older);
    for (let d = depth; d >= 1; d--) candidates.push([...older, ...atDepth(d, inLast)]);
    candidates.push([...older, ...(keep(last) ? [last.id] : [])]);
  }
  let tightest = new Set<string>();
  for (const c of candidates) {
    tightest = new Set(c);
    const { boxes, cost } = layoutCost(work, edges, tightest);
    if (boxes <= max && cost <= COST_FACTOR * max) return { collapsed: tightest, oversize: false };
  }
  return { collapsed: tightest, oversize: true };
}

/** Nodes per part when a graph too big to draw whole has no scopes to collapse. */
export const PART_SIZE = 200;

/**
 * Replaces every node's scopes by a part of the run: `PART_SIZE` consecutive nodes in step order (a
 * stub goes with its consumer). Each part collapses to one box and can be expanded on its own.
 */
function cutIntoParts(work: WorkNode[], edges: WorkEdge[]): ScopeInfo[] {
  const consumer = new Map<string, string>();
  for (const e of edges) {
    if (!consumer.has(e.source)) consumer.set(e.source, e.target);
    if (!consumer.has(e.target)) consumer.set(e.target, e.source);
  }
  const partOf = new Map<string, number>();
  const steps: [number, number][] = [];
  let i = 0;
  for (const w of work) {
    if (w.stub) continue;
    const k = Math.floor(i++ / PART_SIZE);
    partOf.set(w.id, k);
    const st = w.g.step;
    steps[k] = steps[k] ? [Math.min(steps[k][0], st), Math.max(steps[k][1], st)] : [st, st];
  }
  for (const w of work) {
    const k = w.stub ? (partOf.get(consumer.get(w.id) ?? "") ?? 0) : partOf.get(w.id)!;
    w.chain = [`part:${k}`];
  }
  return steps.map(([a, b], k) => ({
    id: `part:${k}`,
    path: `part ${k + 1}`,
    depth: 1,
    label: a === b ? `step ${a + 1}` : `steps ${a + 1}–${b + 1}`,
  }));
}

// ---- the prepared graph ----

function titleOf(g: GraphNode): string {
  if (g.kind === "op" && g.label !== null) return opTitle(g.label, g.attrs, g.dtype);
  return g.label ?? "";
}

/**
 * A pill (op, Python number) that holds nan / ±inf at some step keeps room for the badge beside its
 * text, so the badge never covers the text nor an edge (a pill's value never changes: its output
 * record is fixed; grads reach tensors, not ops).
 */
function keepsBadgeRoom(w: WorkNode): boolean {
  return (w.small || w.g.kind === "op") && (w.g.nonfinite !== null || w.g.gradNonfinite !== null);
}

function mayHaveGrad(g: GraphNode, view: Graph["view"]): boolean {
  if (view === "autograd") return g.kind !== "op" && g.kind !== "constant";
  return g.kind === "leaf" || (g.kind === "tensor" && g.gradFn !== null);
}

export function prepareGraph(graph: Graph, opts: PrepareOptions = {}): LayoutGraph {
  const trace = opts.trace ?? null;
  const work = makeStubs(graph, trace, opts.stubSpan ?? STUB_SPAN);
  const calls = assignScopes(graph, work, trace);

  // iteration groups, offered to "auto" only when every call lies within one iteration
  const scopes: ScopeInfo[] = [];
  const used = new Set<string>();
  for (const w of work.nodes) for (const s of w.chain) used.add(s);
  for (const inst of calls.instances.values()) {
    if (used.has(inst.id))
      scopes.push({ id: inst.id, path: inst.path, depth: inst.depth, label: inst.path.split("/").pop()! });
  }
  const auto = opts.collapsed === undefined || opts.collapsed === "auto";
  const max = opts.maxNodes ?? MAX_NODES;
  if (auto && work.nodes.length > max) {
    const iterOf = new Map<string, Set<number>>();
    const nodeIter = (w: WorkNode) => w.g.iteration;
    for (const w of work.nodes) {
      for (const s of w.chain) {
        if (!iterOf.has(s)) iterOf.set(s, new Set());
        iterOf.get(s)!.add(nodeIter(w));
      }
    }
    const iterations = [...new Set(work.nodes.map(nodeIter))].sort((a, b) => a - b);
    if (iterations.length > 1 && [...iterOf.values()].every((s) => s.size === 1)) {
      for (const k of iterations)
        scopes.push({ id: `iter:${k}`, path: `iteration ${k}`, depth: 0, label: `iteration ${k}` });
      for (const w of work.nodes) w.chain = [`iter:${nodeIter(w)}`, ...w.chain];
    }
  }

  let collapsed: Set<string>;
  let oversize = false;
  if (auto) {
    ({ collapsed, oversize } = autoCollapse(work.nodes, work.edges, scopes, max, opts.expanded));
    if (oversize) {
      // no scope structure small enough: fall back to parts of the program, in step order
      scopes.length = 0;
      scopes.push(...cutIntoParts(work.nodes, work.edges));
      ({ collapsed, oversize } = autoCollapse(work.nodes, work.edges, scopes, max, opts.expanded));
    }
  } else {
    collapsed = new Set(
      scopes.filter((s) => matches(opts.collapsed as Iterable<string>, s)).map((s) => s.id),
    );
  }
  const { nodeOf } = resolve(work.nodes, collapsed);

  // members per scope, and which scopes are drawn (not inside a collapsed one)
  const members = new Map<string, number>();
  for (const w of work.nodes) {
    if (w.stub && work.stubsOf[w.g.id]?.includes(w.id)) continue;
    for (const s of w.chain) members.set(s, (members.get(s) ?? 0) + 1);
  }
  const scopeById = new Map(scopes.map((s) => [s.id, s]));
  const parentOfScope = new Map<string, string | null>();
  for (const w of work.nodes) w.chain.forEach((s, i) => parentOfScope.set(s, i > 0 ? w.chain[i - 1] : null));

  const nodes: LayoutNodeSpec[] = [];
  const emitted = new Set<string>();
  const emitScope = (id: string): void => {
    if (emitted.has(id)) return;
    const parent = parentOfScope.get(id) ?? null;
    if (parent) emitScope(parent);
    emitted.add(id);
    const s = scopeById.get(id)!;
    nodes.push({
      id,
      kind: "scope",
      parent,
      node: null,
      stub: false,
      small: false,
      collapsed: collapsed.has(id),
      members: members.get(id) ?? 0,
      title: s.label,
      shape: null,
      dtype: null,
      mayHaveGrad: false,
      badge: false,
    });
  };
  for (const w of work.nodes) {
    const box = nodeOf.get(w.id)!;
    if (box !== w.id) {
      emitScope(box);
      continue;
    }
    const parent = w.chain.length ? w.chain[w.chain.length - 1] : null;
    if (parent) emitScope(parent);
    nodes.push({
      id: w.id,
      kind: w.g.kind,
      parent,
      node: w.g.id,
      stub: w.stub,
      small: w.small,
      collapsed: false,
      members: 0,
      title: titleOf(w.g),
      shape: w.g.shape,
      dtype: w.g.dtype,
      mayHaveGrad: mayHaveGrad(w.g, graph.view) && !w.stub,
      badge: keepsBadgeRoom(w),
    });
  }

  const edges: LayoutEdgeSpec[] = [];
  const edgeOf: Record<string, string> = {};
  const merged = new Map<string, LayoutEdgeSpec>();
  for (const e of work.edges) {
    const s = nodeOf.get(e.source)!;
    const t = nodeOf.get(e.target)!;
    if (s === t) continue;
    if (collapsed.has(s) || collapsed.has(t)) {
      const key = `${s}>${t}`;
      let m = merged.get(key);
      if (!m) {
        m = { id: key, source: s, target: t, kind: e.kind, members: [] };
        merged.set(key, m);
        edges.push(m);
      }
      m.members.push(e.id);
      edgeOf[e.id] = key;
    } else {
      edges.push({ id: e.id, source: s, target: t, kind: e.kind, members: [e.id] });
      edgeOf[e.id] = e.id;
    }
  }
  // a merged edge of one member keeps that edge's id (data-id stays the graph's)
  for (const m of merged.values()) {
    if (m.members.length === 1) {
      m.id = m.members[0];
      edgeOf[m.id] = m.id;
    }
  }

  const nodeOfRec: Record<string, string> = {};
  for (const g of graph.nodes) nodeOfRec[g.id] = nodeOf.get(g.id)!;
  const scopeSpecs: ScopeSpec[] = nodes
    .filter((n) => n.kind === "scope")
    .map((n) => {
      const s = scopeById.get(n.id)!;
      return {
        id: n.id,
        path: s.path,
        label: s.label,
        depth: s.depth,
        parent: n.parent,
        collapsed: n.collapsed,
        members: n.members,
      };
    });
  return {
    view: graph.view,
    direction: opts.direction ?? "DOWN",
    nodes,
    edges,
    scopes: scopeSpecs,
    nodeOf: nodeOfRec,
    edgeOf,
    stubsOf: work.stubsOf,
    oversize,
    showValues: opts.showValues ?? true,
  };
}
