/**
 * Where non-finite values are born. Forward: the first op whose output holds nan/±inf while all its
 * inputs were finite (or a tensor made from data that already holds one). Backward: the node PyTorch's
 * anomaly mode names, the first whose grad inputs hold NaN; when no NaN appears, the first node that
 * made ±inf out of finite grads.
 */
import type { AccumulateEvent, BackwardEvent, Trace } from "../trace/schema.ts";
import { nonFiniteOf, type NonFinite } from "../trace/values.ts";
import { type Cause, type CauseStep, explainBackward, explainCreate, explainForward } from "./explain.ts";
import { fmt } from "./format.ts";
import { firstNonFinite, lookup, opInputs, valuesOf } from "./lookup.ts";

export interface Origin {
  direction: "forward" | "backward";
  /** op / inplace / create (forward); backward (a grad_fn ran) or accumulate (adding into `.grad` overflowed). */
  kind: "op" | "inplace" | "create" | "backward" | "accumulate";
  event: number;
  /** Op name (`log`), creation op (`tensor`), or grad_fn name (`SigmoidBackward0`). */
  op: string;
  /** The grad_fn node: the node that ran (backward) or the one the op made (forward). */
  node: string | null;
  /** Forward: the op's input records. Backward: the grad it received (grad_outputs). */
  inputs: string[];
  /** Forward: the output record. Backward: the grads it sent (non-null grad_inputs). */
  outputs: string[];
  /** The record holding the offending value, and which element (flat index; -1 above the size cap). */
  tensor: string;
  element: number;
  /** Backward: which of the node's grad inputs (its next_functions slot); forward: 0. */
  slot: number;
  value: Exclude<NonFinite, null>;
  /** Forward: the op's line. Backward: the line of the forward op that made the node (as anomaly mode's traceback shows). */
  line: number | null;
  /** Backward: the line of the backward() call. */
  callLine: number | null;
  scope: string | null;
  iteration: number;
  cause: Cause;
}

export interface NonFiniteReport {
  forward: Origin | null;
  backward: Origin | null;
  /** When the backward origin's NaN grew out of ±inf grads: the node that made the first of them. */
  backwardInf: Origin | null;
}

const META_INPLACE = new Set(["requires_grad_", "detach_"]);

function flagOf(trace: Trace, rec: string): NonFinite {
  return nonFiniteOf(trace.tensors[rec].summary);
}

function isFinite(trace: Trace, rec: string): boolean {
  return flagOf(trace, rec) === null;
}

/** First offending element of a record (NaN first when asked), or -1 when only a summary exists. */
function offending(
  trace: Trace,
  rec: string,
  nanOnly = false,
): { element: number; value: Exclude<NonFinite, null> } {
  const v = valuesOf(trace, rec);
  const flag = nanOnly ? "nan" : flagOf(trace, rec)!;
  if (!v) return { element: -1, value: flag };
  const i = firstNonFinite(v, nanOnly);
  const x = v[i];
  return { element: i, value: x !== x ? "nan" : x > 0 ? "inf" : "-inf" };
}

function summaryCause(trace: Trace, k: number, rec: string, what: string): Cause {
  const s = trace.tensors[rec].summary;
  const text = `${what}: ${rec} holds ${s.nan} nan, ${s.pos_inf} inf and ${s.neg_inf} -inf of ${s.numel} elements (the trace kept only a summary of it, so no element can be shown).`;
  return { text, steps: [{ event: k, op: what, line: null, symbolic: null, formula: text, note: null }] };
}

/** The first forward birth of a non-finite value, at or after event `from`. */
export function forwardOrigin(trace: Trace, from = 0): Origin | null {
  const { iterAt } = lookup(trace);
  for (let k = from; k < trace.events.length; k++) {
    const e = trace.events[k];
    const base = {
      direction: "forward" as const,
      event: k,
      line: e.source?.line ?? null,
      callLine: null,
      scope: e.scope,
      iteration: iterAt[k],
      slot: 0,
    };
    if (e.kind === "create") {
      if (isFinite(trace, e.out)) continue;
      const { element, value } = offending(trace, e.out);
      const cause = element < 0 ? summaryCause(trace, k, e.out, e.op) : explainCreate(trace, k, element);
      return {
        ...base,
        kind: "create",
        op: e.op,
        node: null,
        inputs: [],
        outputs: [e.out],
        tensor: e.out,
        element,
        value,
        cause,
      };
    }
    if (e.kind !== "op" && e.kind !== "inplace") continue;
    if (e.kind === "inplace" && META_INPLACE.has(e.op)) continue;
    if (isFinite(trace, e.out)) continue;
    const ins = opInputs(e);
    if (!ins.every((r) => isFinite(trace, r))) continue;
    const { element, value } = offending(trace, e.out);
    const cause = element < 0 ? summaryCause(trace, k, e.out, e.op) : explainForward(trace, k, element);
    return {
      ...base,
      kind: e.kind,
      op: e.op,
      node: e.grad_fn,
      inputs: ins,
      outputs: [e.out],
      tensor: e.out,
      element,
      value,
      cause,
    };
  }
  return null;
}

function backwardBase(trace: Trace, k: number) {
  const e = trace.events[k] as BackwardEvent | AccumulateEvent;
  const { iterAt, opOfNode } = lookup(trace);
  const opK = opOfNode.get(e.node);
  const op = opK === undefined ? null : trace.events[opK];
  return {
    direction: "backward" as const,
    event: k,
    node: e.node,
    line: op?.source?.line ?? null,
    callLine: e.source?.line ?? null,
    scope: op?.scope ?? e.scope,
    iteration: iterAt[k],
  };
}

/** Backward node at event `k` as an origin, for its first grad input holding the wanted values. */
function nodeOrigin(trace: Trace, k: number, nanOnly: boolean, incoming: CauseStep[] = []): Origin {
  const e = trace.events[k] as BackwardEvent;
  const slot = e.grad_inputs.findIndex(
    (g) => g !== null && (nanOnly ? trace.tensors[g].summary.nan > 0 : !isFinite(trace, g)),
  );
  const rec = e.grad_inputs[slot]!;
  const { element, value } = offending(trace, rec, nanOnly);
  let cause: Cause;
  if (element < 0) cause = summaryCause(trace, k, rec, e.name);
  else {
    cause = explainBackward(trace, k, slot, element, incoming);
  }
  return {
    ...backwardBase(trace, k),
    kind: "backward",
    op: e.name,
    inputs: e.grad_outputs,
    outputs: e.grad_inputs.filter((g): g is string => g !== null),
    tensor: rec,
    element,
    slot,
    value,
    cause,
  };
}

/** The first backward event that made ±inf from finite grads (or an accumulation into `.grad` that overflowed). */
function firstInfBirth(trace: Trace, from: number, to: number): Origin | null {
  for (let k = from; k < to; k++) {
    const e = trace.events[k];
    if (e.kind === "backward") {
      if (!e.grad_outputs.every((g) => isFinite(trace, g))) continue;
      if (e.grad_inputs.some((g) => g !== null && !isFinite(trace, g))) return nodeOrigin(trace, k, false);
    } else if (e.kind === "accumulate") {
      if (!isFinite(trace, e.incoming) || isFinite(trace, e.total)) continue;
      const prev = previousTotal(trace, k, e.tensor);
      if (prev && !isFinite(trace, prev)) continue;
      const { element, value } = offending(trace, e.total);
      const a = prev ? valuesOf(trace, prev)?.[element] : undefined;
      const b = valuesOf(trace, e.incoming)?.[element];
      const formula =
        a !== undefined && b !== undefined ? `${fmt(a)} + ${fmt(b)} = ${value}` : `.grad = ${value}`;
      const text = `AccumulateGrad: adding this backward's grad into \`.grad\` overflowed: ${formula}.`;
      return {
        ...backwardBase(trace, k),
        kind: "accumulate",
        op: "AccumulateGrad",
        inputs: [e.incoming],
        outputs: [e.total],
        tensor: e.total,
        element,
        slot: 0,
        value,
        cause: {
          text,
          steps: [
            { event: k, op: "AccumulateGrad", line: null, symbolic: ".grad + grad", formula, note: null },
          ],
        },
      };
    }
  }
  return null;
}

/** The `.grad` a leaf had before accumulate event `k` (the previous accumulate's total), if any. */
function previousTotal(trace: Trace, k: number, leaf: string): string | null {
  const base = trace.tensors[leaf].tensor_id;
  for (let i = k - 1; i >= 0; i--) {
    const e = trace.events[i];
    if (e.kind === "accumulate" && trace.tensors[e.tensor].tensor_id === base) return e.total;
    if (e.kind === "grad-set" && trace.tensors[e.tensor].tensor_id === base) return e.grad;
  }
  return null;
}

/** The first backward origin: anomaly mode's node (first NaN), else the first ±inf birth. */
export function backwardOrigin(trace: Trace): { origin: Origin | null; inf: Origin | null } {
  const events = trace.events;
  let nanAt = -1;
  for (let k = 0; k < events.length; k++) {
    const e = events[k];
    if (e.kind === "backward" && e.grad_inputs.some((g) => g !== null && trace.tensors[g].summary.nan > 0)) {
      nanAt = k;
      break;
    }
  }
  if (nanAt < 0) return { origin: firstInfBirth(trace, 0, events.length), inf: null };
  const nanEv = events[nanAt] as BackwardEvent;
  // the ±inf birth in the same backward pass before the NaN, which often fed it
  const incoming: CauseStep[] = [];
  let start = nanAt;
  while (start > 0 && events[start - 1].kind !== "backward-start") start--;
  const inf = firstInfBirth(trace, start, nanAt);
  if (nanEv.grad_outputs.some((g) => trace.tensors[g].summary.nan > 0)) {
    // no node sent this NaN: the grads reaching the node added up to it
    const summed = summedNan(trace, start, nanAt);
    if (summed) incoming.push(summed);
  } else if (inf && !nanEv.grad_outputs.every((g) => isFinite(trace, g))) {
    incoming.push(inf.cause.steps[inf.cause.steps.length - 1]);
  }
  return { origin: nodeOrigin(trace, nanAt, true, incoming), inf };
}

/** A NaN a node received that no node sent: grads reaching it summed to inf + -inf. */
function summedNan(trace: Trace, start: number, k: number): CauseStep | null {
  const target = trace.events[k] as BackwardEvent;
  const g = target.grad_outputs[0];
  const gv = g ? valuesOf(trace, g) : null;
  if (!gv) return null;
  const i = firstNonFinite(gv, true);
  if (i < 0) return null;
  const parts: number[] = [];
  for (let b = start; b < k; b++) {
    const e = trace.events[b];
    if (e.kind !== "backward") continue;
    trace.nodes[e.node].next.forEach(([n], j) => {
      const gi = e.grad_inputs[j];
      if (n === target.node && gi) {
        const v = valuesOf(trace, gi);
        if (v) parts.push(v[Math.min(i, v.length - 1)]);
      }
    });
  }
  if (parts.length < 2) return null;
  const formula = `${parts.map((p) => fmt(p)).join(" + ")} = nan`;
  return {
    event: k,
    op: target.name,
    line: null,
    symbolic: "sum of the grads reaching the node from its uses",
    formula,
    note: "the grads from its uses add up to infinity minus infinity, which is undefined",
  };
}

/** Forward and backward origins of the non-finite values in a trace (issue 5's "birth"). */
export function nonFiniteOrigin(trace: Trace): NonFiniteReport {
  const forward = forwardOrigin(trace);
  const { origin, inf } = backwardOrigin(trace);
  return { forward, backward: origin, backwardInf: inf };
}
