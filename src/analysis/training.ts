/**
 * Training runs: a trace holding many iterations (each `backward()` with the ops before it and the
 * optimizer step after it). Per iteration, the loss (the backward root's value) and each parameter's
 * grad norm; the first iteration where anything went non-finite or exploded; and compaction of long
 * runs, which keeps full detail only for the iterations that matter and reduces the others to loss
 * and grad norms.
 */
import { baseTensorId, type DataValue, type Trace, type TraceEvent } from "../trace/schema.ts";
import { serializeTrace, parseTrace } from "../trace/io.ts";
import { decodeValue, encodeValue } from "../trace/values.ts";
import { normOf } from "./health.ts";
import { lookup } from "./lookup.ts";
import { DEFAULT_EXPLODE_ABOVE, type Thresholds } from "./magnitude.ts";

export interface Param {
  /** The leaf's first record id (`t3`). */
  id: string;
  label: string | null;
}

export interface IterationStats {
  index: number;
  /** First and last event (inclusive); -1 for an iteration kept only as a summary. */
  start: number;
  end: number;
  /** The loss: the backward root's value (null when the root is not one element, or no backward). */
  loss: number | null;
  /** Param id → norm of its `.grad` after this iteration's backward (NaN / Infinity when non-finite). */
  gradNorms: Record<string, number>;
  /** Something this iteration computed (a value or a grad) holds nan/±inf. */
  nonFinite: boolean;
  /** Some parameter's grad norm is above the explode threshold. */
  exploding: boolean;
}

export interface TrainingRun {
  params: Param[];
  iterations: IterationStats[];
}

export interface BadIteration {
  iteration: number;
  reason: "nonfinite" | "exploding";
}

/**
 * The iterations that end in a backward() call: all of lookup's but a trailing one holding only the
 * ops after the last backward (the last optimizer step, a final print).
 */
function backwardIterations(trace: Trace) {
  const its = lookup(trace).iterations;
  return its.length && its[its.length - 1].backward === null ? its.slice(0, -1) : its;
}

/** Records an event wrote (its values or grads), for the non-finite scan. */
function written(e: TraceEvent): (string | null)[] {
  switch (e.kind) {
    case "create":
    case "op":
    case "inplace":
      return [e.out];
    case "backward":
      return e.grad_inputs;
    case "accumulate":
      return [e.total];
    case "backward-start":
      return [e.grad];
    default:
      return [];
  }
}

function isNonFinite(trace: Trace, rec: string | null): boolean {
  if (!rec) return false;
  const s = trace.tensors[rec].summary;
  return s.nan > 0 || s.pos_inf > 0 || s.neg_inf > 0;
}

/** Loss and grad norms per iteration of a trace (or of a compacted run, kept iterations and summaries merged). */
export function trainingRun(source: Trace | CompactRun, t: Thresholds = {}): TrainingRun {
  if ("format" in source && source.format === "gradlens-run") return runFromCompact(source, t);
  const trace = source as Trace;
  const hi = t.explodeAbove ?? DEFAULT_EXPLODE_ABOVE;
  const params = new Map<string, Param>();
  const iterations: IterationStats[] = [];
  for (const it of backwardIterations(trace)) {
    let loss: number | null = null;
    let nonFinite = false;
    const gradNorms: Record<string, number> = {};
    for (let k = it.start; k <= it.end; k++) {
      const e = trace.events[k];
      if (!nonFinite && written(e).some((r) => isNonFinite(trace, r))) nonFinite = true;
      if (e.kind === "backward-start" && k === it.backward) {
        const rec = trace.tensors[e.root];
        if (rec.summary.numel === 1) loss = rec.data ? decodeValue(rec.data[0]) : (rec.summary.mean ?? NaN);
      } else if (e.kind === "accumulate") {
        const id = baseTensorId(e.tensor);
        if (!params.has(id))
          params.set(id, { id, label: trace.tensors[e.tensor].label ?? trace.tensors[id]?.label ?? null });
        gradNorms[id] = normOf(trace.tensors[e.total].summary);
      }
    }
    const exploding = Object.values(gradNorms).some((n) => n > hi);
    iterations.push({ index: it.index, start: it.start, end: it.end, loss, gradNorms, nonFinite, exploding });
  }
  // in the order the program made them (W1, b1, W2, b2), not the order backward reached them
  const order = (p: Param) => trace.tensors[p.id]?.tensor_id ?? 0;
  return { params: [...params.values()].sort((a, b) => order(a) - order(b)), iterations };
}

/** The first iteration where a value or grad went non-finite, or a grad norm exploded. */
export function firstBadIteration(
  source: Trace | CompactRun | TrainingRun,
  t: Thresholds = {},
): BadIteration | null {
  const run =
    "params" in source && Array.isArray(source.iterations)
      ? (source as TrainingRun)
      : trainingRun(source as Trace | CompactRun, t);
  const hi = t.explodeAbove ?? DEFAULT_EXPLODE_ABOVE;
  for (const it of run.iterations) {
    const lossBad = it.loss !== null && !Number.isFinite(it.loss);
    if (it.nonFinite || lossBad) return { iteration: it.index, reason: "nonfinite" };
    if (Object.values(it.gradNorms).some((n) => n > hi)) return { iteration: it.index, reason: "exploding" };
  }
  return null;
}

// ---- compaction ----

export interface CompactOptions extends Thresholds {
  /** Keep every k-th iteration in full. Default: about 100 spread over the run. */
  every?: number;
  /** Iterations kept on each side of the first bad one. Default 2. */
  around?: number;
}

/**
 * A long run, compacted: the trace of the iterations kept in full (iteration i of `trace` is
 * `kept[i]` of the run) and, for every iteration, its loss and its parameters' grad norms.
 */
export interface CompactRun {
  format: "gradlens-run";
  version: 1;
  iterations: number;
  kept: number[];
  params: Param[];
  /**
   * Per iteration (backward() call): the loss; per parameter, per iteration: the grad norm
   * (non-finite as strings). `kept` may end with one more index: the ops after the last backward().
   */
  loss: (DataValue | null)[];
  grad_norms: (DataValue | null)[][];
  /** Per iteration: 1 when something in it went non-finite. */
  nonfinite: number[];
  first_bad: BadIteration | null;
  trace: Trace;
}

const seven = (v: number) => (Number.isFinite(v) ? Number(v.toPrecision(7)) : v);

/** Which iterations to keep in full: every k-th, the last, and those around each anomaly. */
export function keptIterations(
  n: number,
  anomalies: number | null | (number | null)[],
  opts: CompactOptions = {},
): number[] {
  const every = Math.max(1, Math.floor(opts.every ?? Math.ceil(n / 100)));
  const around = opts.around ?? 2;
  const keep = new Set<number>();
  for (let i = 0; i < n; i += every) keep.add(i);
  if (n > 0) keep.add(n - 1);
  for (const bad of Array.isArray(anomalies) ? anomalies : [anomalies]) {
    if (bad === null) continue;
    for (let i = Math.max(0, bad - around); i <= Math.min(n - 1, bad + around); i++) keep.add(i);
  }
  return [...keep].sort((x, y) => x - y);
}

/** Compacts a run: full detail for the first, last, every k-th and the iterations around the first bad one. */
export function compactTrace(trace: Trace, opts: CompactOptions = {}): CompactRun {
  const run = trainingRun(trace, opts);
  const bad = firstBadIteration(run, opts);
  // the first explosion and the first nan/inf are often far apart: keep the detail around both
  const nonFinite = firstBadIteration(run, { ...opts, explodeAbove: Infinity });
  const its = lookup(trace).iterations;
  const kept = keptIterations(
    run.iterations.length,
    [bad?.iteration ?? null, nonFinite?.iteration ?? null],
    opts,
  );
  // the ops after the last backward() (the last update, a final print) stay with the last iteration
  if (its.length > run.iterations.length) kept.push(its.length - 1);
  const keepEvents: number[] = [];
  for (const i of kept) for (let k = its[i].start; k <= its[i].end; k++) keepEvents.push(k);
  return {
    format: "gradlens-run",
    version: 1,
    iterations: run.iterations.length,
    kept,
    params: run.params,
    loss: run.iterations.map((it) => (it.loss === null ? null : encodeValue(seven(it.loss)))),
    grad_norms: run.params.map((p) =>
      run.iterations.map((it) => (p.id in it.gradNorms ? encodeValue(seven(it.gradNorms[p.id])) : null)),
    ),
    nonfinite: run.iterations.map((it) => (it.nonFinite ? 1 : 0)),
    first_bad: bad,
    trace: subTrace(trace, keepEvents),
  };
}

/** Tensor ids, node ids and tensors inside attrs that an event refers to. */
function refsOf(e: TraceEvent, tensors: (id: string) => void, nodes: (id: string) => void): void {
  const t = (x: string | null) => x && tensors(x);
  switch (e.kind) {
    case "create":
      t(e.out);
      return;
    case "op":
    case "inplace":
      t(e.out);
      e.inputs.forEach(t);
      if (e.kind === "inplace") {
        t(e.target);
        t(e.grad_of);
      }
      if (e.grad_fn) nodes(e.grad_fn);
      attrTensors(e.attrs, tensors);
      return;
    case "backward-start":
      t(e.root);
      t(e.grad);
      if (e.node) nodes(e.node);
      return;
    case "backward":
      nodes(e.node);
      e.grad_outputs.forEach(t);
      e.grad_inputs.forEach(t);
      return;
    case "accumulate":
      nodes(e.node);
      [e.tensor, e.incoming, e.total].forEach(t);
      return;
    case "retain-grad":
      t(e.tensor);
      t(e.total);
      return;
    case "backward-end":
      t(e.root);
      return;
    case "grad-set":
      t(e.tensor);
      t(e.grad);
      return;
    default:
      return;
  }
}

function attrTensors(v: unknown, tensors: (id: string) => void): void {
  if (Array.isArray(v)) v.forEach((x) => attrTensors(x, tensors));
  else if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    if (typeof o.tensor === "string" && Object.keys(o).length === 1) tensors(o.tensor);
    else Object.values(o).forEach((x) => attrTensors(x, tensors));
  }
}

/**
 * The trace restricted to some events (in order), with every record and node they refer to. A record
 * made by a dropped event counts as made at its first use, so the result is a valid trace.
 */
export function subTrace(trace: Trace, events: number[]): Trace {
  const newEvents: TraceEvent[] = [];
  const firstUse = new Map<string, number>();
  const nodeFirst = new Map<string, number>();
  const newIndex = new Map<number, number>();
  events.forEach((k, i) => {
    newIndex.set(k, i);
    newEvents.push(trace.events[k]);
    refsOf(
      trace.events[k],
      (id) => {
        if (!firstUse.has(id)) firstUse.set(id, i);
      },
      (id) => {
        if (!nodeFirst.has(id)) nodeFirst.set(id, i);
      },
    );
  });
  // close over nodes' next functions and tensors, and records' nodes
  const nodeQueue = [...nodeFirst.keys()];
  const tensorQueue = [...firstUse.keys()];
  while (nodeQueue.length || tensorQueue.length) {
    while (tensorQueue.length) {
      const id = tensorQueue.pop()!;
      const n = trace.tensors[id].node;
      if (n && !nodeFirst.has(n)) {
        nodeFirst.set(n, firstUse.get(id)!);
        nodeQueue.push(n);
      }
    }
    while (nodeQueue.length) {
      const id = nodeQueue.pop()!;
      const rec = trace.nodes[id];
      const at = nodeFirst.get(id)!;
      for (const [m] of rec.next) {
        if (m && !nodeFirst.has(m)) {
          nodeFirst.set(m, at);
          nodeQueue.push(m);
        }
      }
      if (rec.tensor && !firstUse.has(rec.tensor)) {
        firstUse.set(rec.tensor, at);
        tensorQueue.push(rec.tensor);
      }
    }
  }
  const tensors: Trace["tensors"] = {};
  for (const id of Object.keys(trace.tensors)) {
    if (!firstUse.has(id)) continue;
    const rec = trace.tensors[id];
    const at = newIndex.get(rec.created_at);
    tensors[id] = { ...rec, created_at: at ?? firstUse.get(id)! };
  }
  const nodes: Trace["nodes"] = {};
  for (const id of Object.keys(trace.nodes)) {
    if (!nodeFirst.has(id)) continue;
    const rec = trace.nodes[id];
    const at = newIndex.get(rec.created_at);
    nodes[id] = { ...rec, created_at: Math.min(at ?? Infinity, nodeFirst.get(id)!) };
  }
  return { ...trace, meta: { ...trace.meta }, tensors, nodes, events: newEvents };
}

function runFromCompact(run: CompactRun, t: Thresholds): TrainingRun {
  const hi = t.explodeAbove ?? DEFAULT_EXPLODE_ABOVE;
  const dec = (v: DataValue | null) => (v === null ? null : decodeValue(v));
  const full = trainingRun(run.trace, t).iterations;
  const iterations: IterationStats[] = [];
  for (let i = 0; i < run.iterations; i++) {
    const gradNorms: Record<string, number> = {};
    run.params.forEach((p, j) => {
      const v = dec(run.grad_norms[j][i]);
      if (v !== null) gradNorms[p.id] = v;
    });
    const k = run.kept.indexOf(i);
    iterations.push({
      index: i,
      start: k >= 0 ? full[k].start : -1,
      end: k >= 0 ? full[k].end : -1,
      loss: dec(run.loss[i]),
      gradNorms,
      nonFinite: run.nonfinite[i] === 1,
      exploding: Object.values(gradNorms).some((n) => n > hi),
    });
  }
  return { params: run.params, iterations };
}

/** The compacted run as JSON text: the inner trace one record per line, as serializeTrace writes it. */
export function serializeRun(run: CompactRun): string {
  const { trace, ...rest } = run;
  const head = JSON.stringify(rest);
  return `${head.slice(0, -1)},"trace":${serializeTrace(trace)}}\n`;
}

/** Reads a compacted run; the inner trace is validated by parseTrace. */
export function parseRun(text: string): CompactRun {
  const v = JSON.parse(text) as CompactRun;
  if (v.format !== "gradlens-run" || v.version !== 1)
    throw new Error("not a gradlens run (format gradlens-run, version 1)");
  const n = v.iterations;
  if (!Number.isInteger(n) || v.loss.length !== n || v.nonfinite.length !== n) {
    throw new Error("gradlens run: loss and nonfinite must have one entry per iteration");
  }
  if (v.grad_norms.length !== v.params.length || v.grad_norms.some((col) => col.length !== n)) {
    throw new Error("gradlens run: grad_norms must have one column per param, one entry per iteration");
  }
  return { ...v, trace: parseTrace(v.trace) };
}
