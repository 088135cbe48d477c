/**
 * The trace folded into a plain graph model, in two views of the same run:
 *
 * - "values" (micrograd's picture): each tensor snapshot is a box and each op a small node between
 *   its inputs and its output (op nodes rather than edge labels, because an op has several inputs).
 *   Edges are "forward" (input → op, op → output); backward is drawn on them, in reverse: an edge
 *   carries the grad that flowed along it (the op's grad_fn output for op → out, its i-th grad input
 *   for input i → op).
 * - "autograd" (torchviz's picture): grad_fn nodes, AccumulateGrad nodes with their leaf tensors, and
 *   the tensor each backward() started from. Edges are "backward", pointing the way gradients flow:
 *   root → its grad_fn → next functions → AccumulateGrad → leaf.
 *
 * The graph only grows: a node or edge, once there, stays. So the whole run is laid out once
 * (graphFull), and a step only reveals a prefix of it and changes grads (stateAt), which replays a
 * precomputed list of changes instead of rebuilding anything. graphAt combines both. The index
 * behind them is built once per trace object (again if events were appended since): treat a trace
 * handed to these functions as read-only.
 *
 * Long edges make layered layout slow (DESIGN.md), so a tensor used in a later iteration than the one
 * it appeared in, or again far deeper in the graph than where it sits, is drawn as a proxy stub at the
 * use: a node with `stubFor` set to the node it stands for (same kind, label and values).
 */
import type { AttrValue, DType, EventBase, Trace, TraceEvent } from "./schema.ts";
import { baseTensorId } from "./schema.ts";
import { formatFloat32, type NonFinite, nonFiniteOf, previewValues } from "./values.ts";

export type View = "values" | "autograd";
export type NodeKind = "leaf" | "constant" | "tensor" | "grad-fn" | "accumulate-grad" | "op";
export type EdgeKind = "forward" | "backward";

export interface GraphNode {
  /** Tensor nodes are named by their record id (`t3`, `t3.1`; in the autograd view, by the tensor's first record id), grad_fn nodes by node id (`n4`), op nodes `op<event>`, stubs `<id>@<consumer>`. */
  id: string;
  /** leaf: requires grad and is a leaf; constant: a source tensor that does not; tensor: made by an op. */
  kind: NodeKind;
  /** The variable name, the op name, or the grad_fn name; a wrapped number's value; null if unknown. */
  label: string | null;
  /** The tensor record this node shows at this step (op / grad_fn nodes: their output). */
  tensor: string | null;
  /** The node id in `trace.nodes` (grad_fn of a tensor or op; the node itself in the autograd view). */
  gradFn: string | null;
  /** The op's attributes, for op nodes. */
  attrs: Record<string, AttrValue> | null;
  shape: number[] | null;
  dtype: DType | null;
  /** The first few values (NaN / ±Infinity as numbers); null above the size cap or for op nodes. */
  preview: number[] | null;
  nonfinite: NonFinite;
  /**
   * Values view: the grad of this tensor, summed over its uses, once its grad_fn has run (a leaf: its
   * `.grad`; partial grads travel on the edges first). Autograd view: the grad a node received.
   */
  grad: string | null;
  gradNonfinite: NonFinite;
  scope: string | null;
  line: number | null;
  /** The event index at which the node appears. */
  step: number;
  iteration: number;
  /** It appeared at exactly the step asked for. */
  isNew: boolean;
  /** For a proxy stub: the id of the node it stands for. */
  stubFor: string | null;
}

export interface GraphEdge {
  id: string;
  source: string;
  target: string;
  kind: EdgeKind;
  /** Input slot: the target's input index (forward) or the source's next_functions index (backward). */
  order: number;
  /** The grad that flowed along this edge in the current backward pass, once backward has passed it. */
  grad: string | null;
  gradNonfinite: NonFinite;
  /** The event at which that grad passed: the order of the backward animation. */
  gradStep: number | null;
  step: number;
  isNew: boolean;
}

export interface Graph {
  view: View;
  step: number;
  nodes: GraphNode[];
  edges: GraphEdge[];
}

export interface GraphOptions {
  /** A reuse deeper than this many layers below its source becomes a stub. Default 8. */
  stubDepth?: number;
}

/** The state at a step: which prefix of graphFull is visible and where grads are. */
export interface StepState {
  view: View;
  step: number;
  iteration: number;
  /** graphFull(trace, view).nodes[0 .. nodeCount) are visible (nodes are ordered by appearance). */
  nodeCount: number;
  edgeCount: number;
  /** Node id → grad record, for nodes that have one now (a stub reads its original's). */
  nodeGrad: Map<string, string>;
  /** Edge id → grad record that flowed along it in the current backward pass. */
  edgeGrad: Map<string, string>;
  /** Edge id → event at which its grad passed. */
  gradStep: Map<string, number>;
  /** Node id → the record it shows now, where it changed since it appeared (an autograd leaf updated in place). */
  nodeTensor: Map<string, string>;
  /** `.grad` of every tensor that has or had one (leaves, retained non-leaves), by first record id. */
  grads: Map<string, string | null>;
  /** Nodes and edges this very step added or changed (for the animation). */
  changedNodes: string[];
  changedEdges: string[];
}

// ---- iterations ----

export interface Iteration {
  index: number;
  /** First and last event of the iteration (inclusive). */
  start: number;
  end: number;
  /** The iteration's backward-start event, or null for trailing ops after the last backward. */
  backward: number | null;
}

/**
 * The run cut into iterations: each backward() call with the ops before it (issue 5: K counts the
 * backward() calls from 0; ops before a call belong to its iteration).
 */
export function iterations(trace: Trace): Iteration[] {
  const out: Iteration[] = [];
  const ev = trace.events;
  let start = 0;
  let backward: number | null = null;
  for (let k = 0; k < ev.length; k++) {
    if (ev[k].kind === "backward-start" && backward === null) backward = k;
    if (ev[k].kind === "backward-end" && ev[k + 1]?.kind !== "backward-end") {
      out.push({ index: out.length, start, end: k, backward });
      start = k + 1;
      backward = null;
    }
  }
  if (start < ev.length) out.push({ index: out.length, start, end: ev.length - 1, backward });
  return out;
}

/** The iteration that event `step` belongs to (0 before any event). */
export function iterationOf(trace: Trace, step: number): number {
  return indexOf(trace).iterAt[Math.max(0, Math.min(step, trace.events.length - 1))] ?? 0;
}

// ---- the index built once per trace and view ----

type StaticNode = Omit<
  GraphNode,
  "grad" | "gradNonfinite" | "isNew" | "preview" | "nonfinite" | "shape" | "dtype"
>;
type StaticEdge = Omit<GraphEdge, "grad" | "gradNonfinite" | "gradStep" | "isNew">;

type Change =
  | { t: "clear" }
  | { t: "node-grad"; id: string; grad: string | null }
  | { t: "edge-grad"; id: string; grad: string | null }
  | { t: "node-tensor"; id: string; tensor: string };

interface ViewIndex {
  nodes: StaticNode[];
  edges: StaticEdge[];
  nodeById: Map<string, StaticNode>;
  /** Number of nodes / edges visible after each event. */
  nodeCountAt: number[];
  edgeCountAt: number[];
  changes: Change[][];
  /** Nodes whose grad outlives a new backward pass (leaves, retained grads). */
  persistent: Set<string>;
  /** Each node as drawn before grads arrive, made on first use. */
  shown?: GraphNode[];
  /** The replayed grads every `spacing` events (made as steps are asked for), so a step replays a few events, not the run. */
  checkpoints: Map<number, Replay>;
  spacing: number;
  /** The last state asked for: the app asks for the same step twice (stateAt, then graphAt). */
  last: StepState | null;
  /** The node / edge object graphAt made last for each index: kept while it stays the same. */
  madeNodes: GraphNode[];
  madeEdges: GraphEdge[];
}

/** Where grads are after some event: what stateAt replays. */
interface Replay {
  nodeGrad: Map<string, string>;
  edgeGrad: Map<string, string>;
  gradStep: Map<string, number>;
  nodeTensor: Map<string, string>;
  grads: Map<string, string | null>;
}

function copyReplay(r: Replay): Replay {
  return {
    nodeGrad: new Map(r.nodeGrad),
    edgeGrad: new Map(r.edgeGrad),
    gradStep: new Map(r.gradStep),
    nodeTensor: new Map(r.nodeTensor),
    grads: new Map(r.grads),
  };
}

interface TraceIndex {
  /** What the index was built from: a trace still being recorded grows, and is indexed again. */
  events: number;
  iterAt: number[];
  views: Map<string, ViewIndex>;
}

const INDEX = new WeakMap<Trace, TraceIndex>();

function indexOf(trace: Trace): TraceIndex {
  let idx = INDEX.get(trace);
  if (!idx || idx.events !== trace.events.length) {
    const iterAt: number[] = new Array(trace.events.length);
    for (const it of iterations(trace)) for (let k = it.start; k <= it.end; k++) iterAt[k] = it.index;
    idx = { events: trace.events.length, iterAt, views: new Map() };
    INDEX.set(trace, idx);
  }
  return idx;
}

function viewIndex(trace: Trace, view: View, opts: GraphOptions): ViewIndex {
  const idx = indexOf(trace);
  const stubDepth = opts.stubDepth ?? 8;
  const key = `${view}:${stubDepth}`;
  let v = idx.views.get(key);
  if (!v) {
    const b = new Builder(trace, idx.iterAt, stubDepth);
    if (view === "values") buildValues(trace, b);
    else buildAutograd(trace, b);
    v = b.finish();
    idx.views.set(key, v);
  }
  return v;
}

/** Collects nodes, edges, depths and per-event changes while walking the events once. */
class Builder {
  readonly nodes: StaticNode[] = [];
  readonly edges: StaticEdge[] = [];
  readonly nodeById = new Map<string, StaticNode>();
  readonly edgeIds = new Set<string>();
  readonly depth = new Map<string, number>();
  readonly uses = new Map<string, number>();
  readonly changes: Change[][];
  readonly nodeCountAt: number[];
  readonly edgeCountAt: number[];
  readonly persistent = new Set<string>();
  step = 0;

  constructor(
    readonly trace: Trace,
    readonly iterAt: number[],
    readonly stubDepth: number,
  ) {
    const n = trace.events.length;
    this.changes = Array.from({ length: n }, () => []);
    this.nodeCountAt = new Array(n).fill(0);
    this.edgeCountAt = new Array(n).fill(0);
  }

  get event(): TraceEvent {
    return this.trace.events[this.step];
  }

  addNode(node: Omit<StaticNode, "step" | "iteration">, depth: number): StaticNode {
    const full: StaticNode = { ...node, step: this.step, iteration: this.iterAt[this.step] ?? 0 };
    this.nodes.push(full);
    this.nodeById.set(full.id, full);
    this.depth.set(full.id, depth);
    return full;
  }

  addEdge(source: string, target: string, kind: EdgeKind, order: number): string {
    const id = `${source}>${target}:${order}`;
    if (!this.edgeIds.has(id)) {
      this.edgeIds.add(id);
      this.edges.push({ id, source, target, kind, order, step: this.step });
    }
    return id;
  }

  /**
   * The node to connect for a use of `id` by `consumer` at `consumerDepth`: the node itself, or a
   * proxy stub when the use is in a later iteration, or a repeated use far below the node.
   */
  use(id: string, consumer: string, consumerDepth: number): string {
    const node = this.nodeById.get(id)!;
    const used = this.uses.get(id) ?? 0;
    this.uses.set(id, used + 1);
    const later = node.iteration < (this.iterAt[this.step] ?? 0);
    const far = used > 0 && consumerDepth - this.depth.get(id)! > this.stubDepth;
    if (!later && !far) return id;
    const stubId = `${id}@${consumer}`;
    if (!this.nodeById.has(stubId)) {
      const { step: _s, iteration: _i, ...rest } = node;
      this.addNode({ ...rest, id: stubId, stubFor: id }, consumerDepth - 1);
    }
    return stubId;
  }

  isStub(id: string): boolean {
    return this.nodeById.get(id)?.stubFor != null;
  }

  change(c: Change): void {
    this.changes[this.step].push(c);
  }

  where(e: EventBase): { scope: string | null; line: number | null } {
    return { scope: e.scope, line: e.source ? e.source.line : null };
  }

  finish(): ViewIndex {
    // edges were pushed in step order, nodes too: visible sets are prefixes
    let ni = 0;
    let ei = 0;
    for (let k = 0; k < this.trace.events.length; k++) {
      while (ni < this.nodes.length && this.nodes[ni].step <= k) ni++;
      while (ei < this.edges.length && this.edges[ei].step <= k) ei++;
      this.nodeCountAt[k] = ni;
      this.edgeCountAt[k] = ei;
    }
    return {
      nodes: this.nodes,
      edges: this.edges,
      nodeById: this.nodeById,
      nodeCountAt: this.nodeCountAt,
      edgeCountAt: this.edgeCountAt,
      changes: this.changes,
      persistent: this.persistent,
      checkpoints: new Map(),
      // at most ~256 checkpoints, however long the run
      spacing: Math.max(64, Math.ceil(this.trace.events.length / 256)),
      last: null,
      madeNodes: [],
      madeEdges: [],
    };
  }
}

/** A tensor's label: its variable name, or a wrapped number's value as Python writes it (`2.0`, `0.1`, `1`). */
function wrappedLabel(trace: Trace, recId: string): string | null {
  const rec = trace.tensors[recId];
  if (rec.label !== null) return rec.label;
  if (!rec.wrapped || !rec.data) return null;
  const v = rec.data[0];
  if (typeof v !== "number") return v;
  if (rec.dtype === "bool") return v ? "True" : "False";
  if (rec.dtype === "int64") return String(v);
  const text = formatFloat32(v);
  return /[.e]/.test(text) ? text : `${text}.0`;
}

// ---- values view ----

function buildValues(trace: Trace, b: Builder): void {
  /** grad_fn node id → where its grads land in this view. */
  const byGradFn = new Map<string, { outEdge: string; outNode: string; inEdges: (string | null)[] }>();
  const producedByOp = new Set<string>();

  const tensorNode = (recId: string, origin: EventBase): void => {
    if (b.nodeById.has(recId)) return;
    const rec = trace.tensors[recId];
    const kind: NodeKind =
      rec.requires_grad && rec.is_leaf
        ? "leaf"
        : producedByOp.has(recId) || !rec.is_leaf
          ? "tensor"
          : "constant";
    b.addNode(
      {
        id: recId,
        kind,
        label: wrappedLabel(trace, recId),
        tensor: recId,
        gradFn: rec.node,
        attrs: null,
        scope: rec.scope ?? origin.scope,
        line: origin.source ? origin.source.line : null,
        stubFor: null,
      },
      0,
    );
  };

  const setGrad = (recId: string | null, grad: string | null, persistent = false): void => {
    if (!recId || !b.nodeById.has(recId)) return;
    if (persistent) b.persistent.add(recId);
    b.change({ t: "node-grad", id: recId, grad });
  };

  /** An op node with its input edges (slots by position, null inputs skipped) and its output. */
  const opNode = (
    e: TraceEvent & { op: string; out: string; attrs: Record<string, AttrValue>; grad_fn: string | null },
    inputs: (string | null)[],
  ): void => {
    const k = b.step;
    const opId = `op${k}`;
    for (const r of inputs) if (r) tensorNode(r, e);
    const d0 = 1 + Math.max(0, ...inputs.map((r) => (r ? b.depth.get(r)! : 0)));
    const sources = inputs.map((r) => (r ? b.use(r, opId, d0) : null));
    const realDepths = sources.map((s) => (s && !b.isStub(s) ? b.depth.get(s)! : 0));
    const d = 1 + Math.max(0, ...realDepths);
    b.addNode(
      {
        id: opId,
        kind: "op",
        label: e.op,
        tensor: e.out,
        gradFn: e.grad_fn,
        attrs: e.attrs,
        ...b.where(e),
        stubFor: null,
      },
      d,
    );
    const inEdges = sources.map((s, i) => (s ? b.addEdge(s, opId, "forward", i) : null));
    producedByOp.add(e.out);
    tensorNode(e.out, e);
    b.depth.set(e.out, d + 1);
    const outEdge = b.addEdge(opId, e.out, "forward", 0);
    if (e.grad_fn) byGradFn.set(e.grad_fn, { outEdge, outNode: e.out, inEdges });
  };

  trace.events.forEach((e, k) => {
    b.step = k;
    switch (e.kind) {
      case "create":
        tensorNode(e.out, e);
        return;
      case "op":
        opNode(e, e.inputs);
        return;
      case "inplace":
        opNode(e, [e.target, ...e.inputs]);
        setGrad(e.grad_of, e.out, true);
        return;
      case "backward-start":
        b.change({ t: "clear" });
        setGrad(e.root, e.grad);
        return;
      case "backward": {
        const at = byGradFn.get(e.node);
        if (!at) return;
        const g = e.grad_outputs[0] ?? null;
        b.change({ t: "edge-grad", id: at.outEdge, grad: g });
        setGrad(at.outNode, g);
        e.grad_inputs.forEach((gi, i) => {
          const edge = at.inEdges[i];
          if (edge && gi) b.change({ t: "edge-grad", id: edge, grad: gi });
        });
        return;
      }
      case "accumulate":
        setGrad(e.tensor, e.total, true);
        return;
      case "retain-grad":
        setGrad(e.tensor, e.total, true);
        return;
      case "grad-set":
        setGrad(e.tensor, e.grad, true);
        return;
      default:
        return;
    }
  });
}

// ---- autograd view ----

function buildAutograd(trace: Trace, b: Builder): void {
  /** grad_fn node id → its edge per next_functions slot. */
  const nextEdges = new Map<string, (string | null)[]>();
  /** AccumulateGrad node id → its edge to the leaf. */
  const leafEdge = new Map<string, string>();

  /** Adds node `id` (and, first, any next node not yet there), walking iteratively: chains can be deep. */
  const ensure = (id: string, e: EventBase): void => {
    if (b.nodeById.has(id)) return;
    const stack: [string, boolean][] = [[id, false]];
    while (stack.length) {
      const [n, ready] = stack.pop()!;
      if (b.nodeById.has(n)) continue;
      const rec = trace.nodes[n];
      if (!ready) {
        stack.push([n, true]);
        for (const [m] of rec.next) if (m && !b.nodeById.has(m)) stack.push([m, false]);
        continue;
      }
      addNodeRecord(n, e);
    }
  };

  const addNodeRecord = (id: string, e: EventBase): void => {
    const rec = trace.nodes[id];
    const isAcc = rec.name === "AccumulateGrad";
    const d0 = 1 + Math.max(0, ...rec.next.map(([m]) => (m ? b.depth.get(m)! : 0)));
    b.addNode(
      {
        id,
        kind: isAcc ? "accumulate-grad" : "grad-fn",
        label: rec.name,
        tensor: rec.tensor,
        gradFn: id,
        attrs: null,
        ...b.where(e),
        stubFor: null,
      },
      isAcc ? 0 : d0,
    );
    if (isAcc && rec.tensor) {
      const leafId = baseTensorId(rec.tensor);
      if (!b.nodeById.has(leafId)) {
        const v = trace.tensors[rec.tensor];
        b.addNode(
          {
            id: leafId,
            kind: "leaf",
            label: wrappedLabel(trace, rec.tensor),
            tensor: rec.tensor,
            gradFn: null,
            attrs: null,
            scope: v.scope,
            line: trace.events[v.created_at]?.source?.line ?? null,
            stubFor: null,
          },
          0,
        );
      }
      leafEdge.set(id, b.addEdge(id, leafId, "backward", 0));
      return;
    }
    const targets = rec.next.map(([m]) => (m ? b.use(m, id, d0) : null));
    b.depth.set(id, 1 + Math.max(0, ...targets.map((t) => (t && !b.isStub(t) ? b.depth.get(t)! : 0))));
    nextEdges.set(
      id,
      targets.map((t, i) => (t ? b.addEdge(id, t, "backward", i) : null)),
    );
  };

  const setGrad = (id: string | null, grad: string | null, persistent = false): void => {
    if (!id || !b.nodeById.has(id)) return;
    if (persistent) b.persistent.add(id);
    b.change({ t: "node-grad", id, grad });
  };

  trace.events.forEach((e, k) => {
    b.step = k;
    switch (e.kind) {
      case "op":
        if (e.grad_fn) ensure(e.grad_fn, e);
        return;
      case "inplace": {
        if (e.grad_fn) ensure(e.grad_fn, e);
        if (e.grad_of) setGrad(baseTensorId(e.grad_of), e.out, true);
        const base = baseTensorId(e.out);
        if (b.nodeById.get(base)?.kind === "leaf") b.change({ t: "node-tensor", id: base, tensor: e.out });
        return;
      }
      case "backward-start": {
        b.change({ t: "clear" });
        if (!e.node) return;
        ensure(e.node, e);
        // a leaf root is its own AccumulateGrad's leaf: no root box, no cycle
        if (trace.nodes[e.node].name === "AccumulateGrad") return;
        const rootId = baseTensorId(e.root);
        if (!b.nodeById.has(rootId)) {
          const rec = trace.tensors[e.root];
          b.addNode(
            {
              id: rootId,
              kind: "tensor",
              label: rec.label,
              tensor: e.root,
              gradFn: e.node,
              attrs: null,
              scope: rec.scope,
              line: trace.events[rec.created_at]?.source?.line ?? null,
              stubFor: null,
            },
            (b.depth.get(e.node) ?? 0) + 1,
          );
        }
        const edge = b.addEdge(rootId, e.node, "backward", 0);
        b.change({ t: "edge-grad", id: edge, grad: e.grad });
        setGrad(rootId, e.grad);
        return;
      }
      case "backward": {
        setGrad(e.node, e.grad_outputs[0] ?? null);
        const edges = nextEdges.get(e.node);
        if (!edges) return;
        e.grad_inputs.forEach((g, i) => {
          if (edges[i] && g) b.change({ t: "edge-grad", id: edges[i]!, grad: g });
        });
        return;
      }
      case "accumulate": {
        setGrad(e.node, e.incoming);
        const edge = leafEdge.get(e.node);
        if (edge) b.change({ t: "edge-grad", id: edge, grad: e.incoming });
        setGrad(baseTensorId(e.tensor), e.total, true);
        return;
      }
      case "grad-set":
        setGrad(baseTensorId(e.tensor), e.grad, true);
        return;
      default:
        return;
    }
  });
}

// ---- public API ----

function clampStep(trace: Trace, step: number): number {
  return Math.max(-1, Math.min(Math.trunc(step), trace.events.length - 1));
}

/** Applies the changes and grads of events (from, to] to `r`. */
function replay(trace: Trace, v: ViewIndex, r: Replay, from: number, to: number): void {
  const { nodeGrad, edgeGrad, gradStep, nodeTensor, grads } = r;
  for (let k = from + 1; k <= to; k++) {
    for (const c of v.changes[k]) {
      if (c.t === "clear") {
        edgeGrad.clear();
        gradStep.clear();
        for (const id of [...nodeGrad.keys()]) if (!v.persistent.has(id)) nodeGrad.delete(id);
      } else if (c.t === "node-grad") {
        if (c.grad === null) nodeGrad.delete(c.id);
        else nodeGrad.set(c.id, c.grad);
      } else if (c.t === "edge-grad") {
        if (c.grad === null) {
          edgeGrad.delete(c.id);
          gradStep.delete(c.id);
        } else {
          edgeGrad.set(c.id, c.grad);
          gradStep.set(c.id, k);
        }
      } else {
        nodeTensor.set(c.id, c.tensor);
      }
    }
    const e = trace.events[k];
    if (e.kind === "accumulate" || e.kind === "retain-grad") grads.set(baseTensorId(e.tensor), e.total);
    else if (e.kind === "grad-set") grads.set(baseTensorId(e.tensor), e.grad);
    else if (e.kind === "inplace" && e.grad_of) grads.set(baseTensorId(e.grad_of), e.out);
  }
}

/** The replayed grads after event `s`: from the nearest checkpoint at or before it, leaving checkpoints on the way. */
function replayTo(trace: Trace, v: ViewIndex, s: number): Replay {
  const every = v.spacing;
  // checkpoint c holds the state after event c * every - 1 (c = 0: before any event)
  let c = Math.floor((s + 1) / every);
  while (c > 0 && !v.checkpoints.has(c)) c--;
  let at = c * every - 1;
  const base = v.checkpoints.get(c);
  const r: Replay = base
    ? copyReplay(base)
    : {
        nodeGrad: new Map(),
        edgeGrad: new Map(),
        gradStep: new Map(),
        nodeTensor: new Map(),
        grads: new Map(),
      };
  while (at + every <= s) {
    replay(trace, v, r, at, at + every);
    at += every;
    v.checkpoints.set((at + 1) / every, copyReplay(r));
  }
  replay(trace, v, r, at, s);
  return r;
}

/**
 * The state after events[0..step] (step -1: before anything ran). Treat it as read-only: the last
 * one is handed out again for the same step.
 */
export function stateAt(
  trace: Trace,
  step: number,
  view: View = "values",
  opts: GraphOptions = {},
): StepState {
  const s = clampStep(trace, step);
  const v = viewIndex(trace, view, opts);
  if (v.last && v.last.step === s) return v.last;
  const { nodeGrad, edgeGrad, gradStep, nodeTensor, grads } = replayTo(trace, v, s);
  const changedNodes: string[] = [];
  const changedEdges: string[] = [];
  if (s >= 0) {
    const n0 = s > 0 ? v.nodeCountAt[s - 1] : 0;
    const e0 = s > 0 ? v.edgeCountAt[s - 1] : 0;
    for (let i = n0; i < v.nodeCountAt[s]; i++) changedNodes.push(v.nodes[i].id);
    for (let i = e0; i < v.edgeCountAt[s]; i++) changedEdges.push(v.edges[i].id);
    for (const c of v.changes[s]) {
      if (c.t === "node-grad" || c.t === "node-tensor") changedNodes.push(c.id);
      else if (c.t === "edge-grad") changedEdges.push(c.id);
    }
  }
  v.last = {
    view,
    step: s,
    iteration: s >= 0 ? (indexOf(trace).iterAt[s] ?? 0) : 0,
    nodeCount: s >= 0 ? v.nodeCountAt[s] : 0,
    edgeCount: s >= 0 ? v.edgeCountAt[s] : 0,
    nodeGrad,
    edgeGrad,
    gradStep,
    nodeTensor,
    grads,
    changedNodes: [...new Set(changedNodes)],
    changedEdges: [...new Set(changedEdges)],
  };
  return v.last;
}

/** The graph as it stands after events[0..step], in one view. */
export function graphAt(trace: Trace, step: number, view: View = "values", opts: GraphOptions = {}): Graph {
  const st = stateAt(trace, step, view, opts);
  const v = viewIndex(trace, view, opts);
  v.shown ??= v.nodes.map((n) => showNode(trace, n, n.tensor));
  // a node or edge that shows what it showed when last made keeps its object (graphs are read-only)
  const nodes: GraphNode[] = new Array(st.nodeCount);
  for (let i = 0; i < st.nodeCount; i++) {
    const n = v.nodes[i];
    const own = n.stubFor ?? n.id;
    const moved = st.nodeTensor.get(own);
    const grad = st.nodeGrad.get(own) ?? null;
    const isNew = n.step === st.step;
    const made = v.madeNodes[i];
    if (made && made.tensor === (moved ?? n.tensor) && made.grad === grad && made.isNew === isNew) {
      nodes[i] = made;
      continue;
    }
    const shown = moved ? showNode(trace, n, moved) : v.shown[i];
    // an explicit literal, not a spread: one object shape, fast on thousands of nodes
    nodes[i] = v.madeNodes[i] = {
      id: shown.id,
      kind: shown.kind,
      label: shown.label,
      tensor: shown.tensor,
      gradFn: shown.gradFn,
      attrs: shown.attrs,
      shape: shown.shape,
      dtype: shown.dtype,
      preview: shown.preview,
      nonfinite: shown.nonfinite,
      grad,
      gradNonfinite: nonfiniteOfRecord(trace, grad),
      scope: shown.scope,
      line: shown.line,
      step: shown.step,
      iteration: shown.iteration,
      isNew,
      stubFor: shown.stubFor,
    };
  }
  const edges: GraphEdge[] = new Array(st.edgeCount);
  for (let i = 0; i < st.edgeCount; i++) {
    const e = v.edges[i];
    const grad = st.edgeGrad.get(e.id) ?? null;
    const gradStep = st.gradStep.get(e.id) ?? null;
    const isNew = e.step === st.step;
    const made = v.madeEdges[i];
    if (made && made.grad === grad && made.gradStep === gradStep && made.isNew === isNew) {
      edges[i] = made;
      continue;
    }
    edges[i] = v.madeEdges[i] = {
      id: e.id,
      source: e.source,
      target: e.target,
      kind: e.kind,
      order: e.order,
      step: e.step,
      grad,
      gradNonfinite: nonfiniteOfRecord(trace, grad),
      gradStep,
      isNew,
    };
  }
  return { view, step: st.step, nodes, edges };
}

function nonfiniteOfRecord(trace: Trace, rec: string | null): NonFinite {
  return rec ? nonFiniteOf(trace.tensors[rec].summary) : null;
}

/** A node showing tensor record `tensor`, before grads: computed once per node and view. */
function showNode(trace: Trace, n: StaticNode, tensor: string | null): GraphNode {
  const rec = tensor ? trace.tensors[tensor] : null;
  const showsValues = n.kind !== "op" && n.kind !== "grad-fn" && n.kind !== "accumulate-grad";
  return {
    id: n.id,
    kind: n.kind,
    label: n.label,
    tensor,
    gradFn: n.gradFn,
    attrs: n.attrs,
    shape: rec ? rec.shape : null,
    dtype: rec ? rec.dtype : null,
    preview: rec && showsValues ? previewValues(rec) : null,
    nonfinite: nonfiniteOfRecord(trace, tensor),
    grad: null,
    gradNonfinite: null,
    scope: n.scope,
    line: n.line,
    step: n.step,
    iteration: n.iteration,
    isNew: false,
    stubFor: n.stubFor,
  };
}

/** Every node and edge of the run (the union of all steps), as the layout lays it out once. */
export function graphFull(trace: Trace, view: View = "values", opts: GraphOptions = {}): Graph {
  return graphAt(trace, trace.events.length - 1, view, opts);
}
