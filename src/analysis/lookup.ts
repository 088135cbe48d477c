/**
 * Indexes over a trace that every analysis needs (which event made a record, which op made a
 * grad_fn node, which iteration an event is in), built once per trace and cached.
 */
import { iterations, type Iteration } from "../trace/graph.ts";
import type { Trace, TraceEvent, OpEvent, InplaceEvent, BackwardEvent } from "../trace/schema.ts";
import { decodeValue } from "../trace/values.ts";

export interface TraceLookup {
  /** Record id → index of the create / op / inplace event whose `out` it is. */
  producer: Map<string, number>;
  /** grad_fn node id → index of the op / inplace event that made it. */
  opOfNode: Map<string, number>;
  /** Event index → iteration (K counts backward() calls from 0). */
  iterAt: Int32Array;
  iterations: Iteration[];
}

const CACHE = new WeakMap<Trace, TraceLookup>();

export function lookup(trace: Trace): TraceLookup {
  let l = CACHE.get(trace);
  if (l) return l;
  const producer = new Map<string, number>();
  const opOfNode = new Map<string, number>();
  const its = iterations(trace);
  const iterAt = new Int32Array(trace.events.length);
  for (const it of its) iterAt.fill(it.index, it.start, it.end + 1);
  trace.events.forEach((e, k) => {
    if (e.kind === "create") producer.set(e.out, k);
    else if (e.kind === "op" || e.kind === "inplace") {
      producer.set(e.out, k);
      if (e.grad_fn) opOfNode.set(e.grad_fn, k);
    }
  });
  l = { producer, opOfNode, iterAt, iterations: its };
  CACHE.set(trace, l);
  return l;
}

/** The tensors an op reads, in the order its grad_fn's `next` lists them (the target first for in-place). */
export function opInputs(e: OpEvent | InplaceEvent): string[] {
  if (e.kind === "op") return e.inputs;
  return e.target ? [e.target, ...e.inputs] : e.inputs;
}

export function isOpLike(e: TraceEvent): e is OpEvent | InplaceEvent {
  return e.kind === "op" || e.kind === "inplace";
}

export function isBackward(e: TraceEvent): e is BackwardEvent {
  return e.kind === "backward";
}

/** The elements of a record as numbers, or null when the trace kept only its summary. */
export function valuesOf(trace: Trace, recId: string): number[] | null {
  const rec = trace.tensors[recId];
  return rec.data ? rec.data.map(decodeValue) : null;
}

/** The first flat index holding a non-finite value (NaN first when `nanOnly`), or -1. */
export function firstNonFinite(values: ArrayLike<number>, nanOnly = false): number {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== v || (!nanOnly && (v === Infinity || v === -Infinity))) return i;
  }
  return -1;
}

/** For flat index `i` of a tensor of `outShape`, the flat index of the element of `inShape` broadcast to it. */
export function broadcastSource(inShape: readonly number[], outShape: readonly number[], i: number): number {
  let src = 0;
  let stride = 1;
  let rest = i;
  const offset = outShape.length - inShape.length;
  for (let d = outShape.length - 1; d >= 0; d--) {
    const size = outShape[d];
    const idx = rest % size;
    rest = (rest - idx) / size;
    const di = d - offset;
    if (di >= 0) {
      if (inShape[di] !== 1) src += idx * stride;
      stride *= inShape[di];
    }
  }
  return src;
}

/** Row-major multi-index of flat index `i` (for `x[1, 0]` in messages). */
export function unravel(shape: readonly number[], i: number): number[] {
  const out = new Array<number>(shape.length);
  let rest = i;
  for (let d = shape.length - 1; d >= 0; d--) {
    out[d] = rest % shape[d];
    rest = (rest - out[d]) / shape[d];
  }
  return out;
}
