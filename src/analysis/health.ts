/**
 * Per-tensor health, like TensorBoard's "full health": counts of nan, -inf, +inf, zero, negative and
 * positive elements, and min / max / mean / L2 norm over the finite ones. The trace keeps a summary
 * of every record (even above the size cap), so this only reshapes it.
 */
import type { GraphNode } from "../trace/graph.ts";
import type { Summary, Trace } from "../trace/schema.ts";
import { type NonFinite, nonFiniteOf } from "../trace/values.ts";

export interface Health {
  numel: number;
  nan: number;
  negInf: number;
  posInf: number;
  zero: number;
  negative: number;
  positive: number;
  /** Finite elements (zero + negative + positive). */
  finite: number;
  /** Over the finite elements; null when there are none. */
  min: number | null;
  max: number | null;
  mean: number | null;
  norm: number | null;
  /** The flag a value is drawn with (nan over inf over -inf), null when all finite. */
  nonfinite: NonFinite;
}

export function healthOfSummary(s: Summary): Health {
  return {
    numel: s.numel,
    nan: s.nan,
    negInf: s.neg_inf,
    posInf: s.pos_inf,
    zero: s.zero,
    negative: s.negative,
    positive: s.positive,
    finite: s.zero + s.negative + s.positive,
    min: s.min,
    max: s.max,
    mean: s.mean,
    norm: s.norm,
    nonfinite: nonFiniteOf(s),
  };
}

/** Health of one tensor record (`t3`, `t3.2`). */
export function health(trace: Trace, tensorRecordId: string): Health {
  const rec = trace.tensors[tensorRecordId];
  if (!rec) throw new Error(`no tensor record '${tensorRecordId}' in this trace`);
  return healthOfSummary(rec.summary);
}

/** Health of what a graph node shows at its step: its value and the grad that reached it. */
export function nodeHealth(trace: Trace, node: GraphNode): { value: Health | null; grad: Health | null } {
  return {
    value: node.tensor ? health(trace, node.tensor) : null,
    grad: node.grad ? health(trace, node.grad) : null,
  };
}

/**
 * The norm to compare and colour by: the L2 norm of a finite tensor, +Infinity when it holds ±inf,
 * NaN when it holds nan (so a chart can leave a gap and a threshold test stays false).
 */
export function normOf(s: Summary): number {
  if (s.nan > 0) return NaN;
  if (s.pos_inf > 0 || s.neg_inf > 0) return Infinity;
  return s.norm ?? 0;
}
