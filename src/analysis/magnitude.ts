/**
 * Gradient magnitudes: the norm of the grad on every edge and of every leaf's `.grad` at a step,
 * flagged exploding / vanishing against thresholds the user can change, and a log-scale mapping of
 * norms to [0, 1] for the colour key (the render feeds it to a d3 colour scale).
 *
 * Default thresholds:
 * - explodeAbove = 1e3. With the learning rates people use (1e-3 … 1e-1), a grad norm of 1e3 moves
 *   weights initialised at size ~1 by 1 … 100 in one step: the next iteration overshoots, which is
 *   how a loop diverges. Gradient clipping is usually set far lower (max_norm 1 … 10), so 1e3 only
 *   fires on real trouble.
 * - vanishBelow = 1e-7, about float32's machine epsilon (1.19e-7): with lr ≤ 1 such a grad changes
 *   a weight of size ~1 by less than one float32 step, so `w - lr * g == w` and learning has stopped.
 */
import type { Graph, View } from "../trace/graph.ts";
import { baseTensorId, type Trace } from "../trace/schema.ts";
import { normOf } from "./health.ts";
import { edgeId, opNodeId, resolver } from "./ids.ts";
import { lookup, opInputs } from "./lookup.ts";

export const DEFAULT_EXPLODE_ABOVE = 1e3;
export const DEFAULT_VANISH_BELOW = 1e-7;

export interface Thresholds {
  explodeAbove?: number;
  vanishBelow?: number;
}

export interface MagnitudeOptions extends Thresholds {
  /** The step (event index) whose grads to measure; default the last. */
  step?: number;
  /** Which view's edge ids to give; default "values". */
  view?: View;
}

/** nonfinite: holds nan/±inf; zero: exactly zero (no signal at all); vanishing: below the threshold. */
export type MagnitudeFlag = "nonfinite" | "exploding" | "vanishing" | "zero" | null;

export interface EdgeMagnitude {
  edge: string;
  grad: string;
  norm: number;
  flag: MagnitudeFlag;
}

export interface LeafMagnitude {
  /** The leaf's first record id (`t3`), as the autograd view names it. */
  leaf: string;
  label: string | null;
  /** The `.grad` record. */
  grad: string;
  norm: number;
  flag: MagnitudeFlag;
}

export interface GradMagnitudes {
  view: View;
  step: number;
  explodeAbove: number;
  vanishBelow: number;
  edges: EdgeMagnitude[];
  leaves: LeafMagnitude[];
  /** The colour key's range: whole decades around the finite, non-zero norms. */
  domain: [number, number];
}

/** The flag of a norm (NaN and ±Infinity are non-finite). */
export function magnitudeFlag(norm: number, t: Thresholds = {}): MagnitudeFlag {
  const hi = t.explodeAbove ?? DEFAULT_EXPLODE_ABOVE;
  const lo = t.vanishBelow ?? DEFAULT_VANISH_BELOW;
  if (!Number.isFinite(norm)) return "nonfinite";
  if (norm > hi) return "exploding";
  if (norm === 0) return "zero";
  if (norm < lo) return "vanishing";
  return null;
}

/**
 * A log-scale domain for the colour key: from the decade at or below the smallest finite non-zero
 * norm to the decade at or above the largest (at least one decade wide). With no such norm, the
 * thresholds' range.
 */
export function logDomain(norms: Iterable<number>, t: Thresholds = {}): [number, number] {
  let min = Infinity;
  let max = 0;
  for (const n of norms) {
    if (!Number.isFinite(n) || n <= 0) continue;
    if (n < min) min = n;
    if (n > max) max = n;
  }
  if (max === 0) return [t.vanishBelow ?? DEFAULT_VANISH_BELOW, t.explodeAbove ?? DEFAULT_EXPLODE_ABOVE];
  const lo = 10 ** Math.floor(Math.log10(min));
  let hi = 10 ** Math.ceil(Math.log10(max));
  if (hi <= lo) hi = lo * 10;
  return [lo, hi];
}

/**
 * A norm's position in [0, 1] on a log scale over `domain`: clamped at the ends; 0 for a zero norm;
 * 1 for a non-finite one (the render draws those in its non-finite colour anyway).
 */
export function logScale01(norm: number, domain: readonly [number, number]): number {
  if (!Number.isFinite(norm)) return 1;
  if (norm <= 0) return 0;
  const [lo, hi] = domain;
  const t = (Math.log(norm) - Math.log(lo)) / (Math.log(hi) - Math.log(lo));
  return Math.min(1, Math.max(0, t));
}

/**
 * The grads on the edges of one view in the backward pass current at `step` (the last one begun,
 * as graph.ts's stepping shows them), by edge id.
 */
export function edgeGrads(trace: Trace, step: number, view: View): Map<string, string> {
  const out = new Map<string, string>();
  let start = -1;
  for (let k = Math.min(step, trace.events.length - 1); k >= 0; k--) {
    if (trace.events[k].kind === "backward-start") {
      start = k;
      // several roots in one call start together
      while (start > 0 && trace.events[start - 1].kind === "backward-start") start--;
      break;
    }
  }
  if (start < 0) return out;
  const { opOfNode } = lookup(trace);
  for (let k = start; k <= step; k++) {
    const e = trace.events[k];
    if (view === "values") {
      if (e.kind !== "backward") continue;
      const p = opOfNode.get(e.node);
      const opEv = p === undefined ? null : trace.events[p];
      if (!opEv || (opEv.kind !== "op" && opEv.kind !== "inplace")) continue;
      const op = opNodeId(p!);
      if (e.grad_outputs[0]) out.set(edgeId(op, opEv.out, 0), e.grad_outputs[0]);
      const ins = opInputs(opEv);
      e.grad_inputs.forEach((g, j) => {
        if (g && ins[j]) out.set(edgeId(ins[j], op, j), g);
      });
    } else if (e.kind === "backward-start") {
      if (e.node && trace.nodes[e.node].name !== "AccumulateGrad")
        out.set(edgeId(baseTensorId(e.root), e.node, 0), e.grad);
    } else if (e.kind === "backward") {
      trace.nodes[e.node].next.forEach(([next], j) => {
        const g = e.grad_inputs[j];
        if (next && g) out.set(edgeId(e.node, next, j), g);
      });
    } else if (e.kind === "accumulate") {
      out.set(edgeId(e.node, baseTensorId(e.tensor), 0), e.incoming);
    }
  }
  return out;
}

/** Every leaf's `.grad` record after event `step`, by the leaf's first record id. */
export function leafGrads(trace: Trace, step: number): Map<string, string | null> {
  const out = new Map<string, string | null>();
  for (let k = 0; k <= Math.min(step, trace.events.length - 1); k++) {
    const e = trace.events[k];
    if (e.kind === "accumulate") out.set(baseTensorId(e.tensor), e.total);
    else if (e.kind === "grad-set") out.set(baseTensorId(e.tensor), e.grad);
    else if (e.kind === "inplace" && e.grad_of) out.set(baseTensorId(e.grad_of), e.out);
  }
  return out;
}

/** Grad norms on every edge (the current backward pass at `step`) and of every leaf's `.grad`. */
export function gradMagnitudes(trace: Trace, opts: MagnitudeOptions = {}): GradMagnitudes {
  const view = opts.view ?? "values";
  const step = Math.min(opts.step ?? trace.events.length - 1, trace.events.length - 1);
  const t = {
    explodeAbove: opts.explodeAbove ?? DEFAULT_EXPLODE_ABOVE,
    vanishBelow: opts.vanishBelow ?? DEFAULT_VANISH_BELOW,
  };
  const edges: EdgeMagnitude[] = [];
  for (const [edge, grad] of edgeGrads(trace, step, view)) {
    const norm = normOf(trace.tensors[grad].summary);
    edges.push({ edge, grad, norm, flag: magnitudeFlag(norm, t) });
  }
  const leaves: LeafMagnitude[] = [];
  for (const [leaf, grad] of leafGrads(trace, step)) {
    const rec = trace.tensors[leaf];
    if (!grad || !rec || !rec.is_leaf) continue;
    const norm = normOf(trace.tensors[grad].summary);
    leaves.push({ leaf, label: rec.label, grad, norm, flag: magnitudeFlag(norm, t) });
  }
  const domain = logDomain([...edges.map((e) => e.norm), ...leaves.map((l) => l.norm)], t);
  return { view, step, ...t, edges, leaves, domain };
}

/** Edge magnitudes on a laid-out graph: a stub's edges carry what the edge to its original carries. */
export function magnitudesOnGraph(m: GradMagnitudes, graph: Pick<Graph, "nodes" | "edges">): EdgeMagnitude[] {
  const r = resolver(graph);
  const byKey = new Map(m.edges.map((e) => [e.edge, e]));
  const out: EdgeMagnitude[] = [];
  for (const e of graph.edges) {
    const hit = byKey.get(edgeId(r.resolve(e.source), r.resolve(e.target), e.order));
    if (hit) out.push({ ...hit, edge: e.id });
  }
  return out;
}
