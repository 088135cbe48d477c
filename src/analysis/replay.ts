/**
 * Re-running a trace on the engine ("what-if"): every event is replayed in order through the op
 * registry (`getOp(op)` with the recorded inputs and attributes, grad mode as the op had it),
 * backward() calls through the autograd engine, under a fresh recorder. Unchanged, the replay
 * reproduces the trace; with a leaf's or a constant's values changed, or an op's attribute (the
 * clamp epsilon), it shows what the program would have computed, and whatIf lists what changed.
 *
 * The replay follows the recorded sequence of ops: control flow that depended on values (an `if` on
 * `loss.item()`, an early `break`) is not re-decided; hooks and autograd.grad calls are not replayed.
 */
// the tensor module first: it loads the ops, which register themselves with the registry
import { Tensor } from "../engine/tensor.ts";
import { enableGrad, noGrad, runBackward } from "../engine/autograd.ts";
import { emit, silently } from "../engine/events.ts";
import { TorchError } from "../engine/errors.ts";
import { index as indexOp, indexPut_, type IndexSpec } from "../engine/ops/view.ts";
import { getOp, type OpDef, runInplace, runOp } from "../engine/registry.ts";
import { Recorder } from "../trace/recorder.ts";
import type {
  AttrValue,
  BackwardStartEvent,
  InplaceEvent,
  OpEvent,
  Trace,
  TensorRecord,
} from "../trace/schema.ts";
import { decodeValue, nonFiniteOf, type NonFinite } from "../trace/values.ts";
import { decodeAttrs } from "./gradcheck.ts";
import { nonFiniteOrigin, type NonFiniteReport } from "./origin.ts";

export interface ReplayChanges {
  /** Record id → new elements (row-major, same count) for a leaf, a constant, a wrapped number or an op's output. */
  tensors?: Record<string, number[]>;
  /** Event index → attributes to override (`{max: 1 - 1e-7}` for a clamp). */
  attrs?: Record<number, Record<string, AttrValue>>;
}

export interface ReplayResult {
  trace: Trace;
  /** An error the replayed program raised (the new trace ends with it), or null. */
  error: { pyType: string; message: string; event: number } | null;
  /** The new trace has the same events as the old one, one for one (so records line up by id). */
  aligned: boolean;
}

/** A replay problem that is not the program's: something the trace does not hold. */
export class ReplayError extends TorchError {
  constructor(message: string) {
    super("NotImplementedError", message);
  }
}

const RANDOM_INPLACE = new Set(["uniform_", "normal_", "bernoulli_"]);

class Replayer {
  readonly rec: Recorder;
  /** Live tensors by the old trace's tensor_id. */
  readonly live = new Map<number, Tensor>();
  private scope: string[] = [];

  constructor(
    readonly old: Trace,
    readonly changes: ReplayChanges,
  ) {
    this.rec = new Recorder({
      sizeCap: old.meta.size_cap,
      program: old.meta.program,
      title: old.meta.title,
      createdBy: old.meta.created_by,
    });
  }

  /** The values a record starts from: the change if one was given, else the recorded data. */
  private dataOf(r: TensorRecord): number[] {
    const changed = this.changes.tensors?.[r.id];
    if (changed) {
      if (changed.length !== r.summary.numel) {
        throw new ReplayError(
          `the new values for ${r.label ?? r.id} have ${changed.length} elements, expected ${r.summary.numel}`,
        );
      }
      return changed;
    }
    if (!r.data) {
      throw new ReplayError(
        `gradlens cannot replay tensor ${r.id}${r.label ? ` (${r.label})` : ""}: it has more elements than the trace's size cap (${this.old.meta.size_cap}), so only its summary was kept`,
      );
    }
    return r.data.map(decodeValue);
  }

  /** A fresh tensor with a record's values and metadata (not announced to the recorder). */
  private materialize(id: string): Tensor {
    const r = this.old.tensors[id];
    const values = this.dataOf(r);
    const data =
      r.dtype === "float32"
        ? Float32Array.from(values)
        : r.dtype === "int64"
          ? Float64Array.from(values)
          : Uint8Array.from(values);
    const t = new Tensor(data, r.shape, r.dtype);
    if (r.requires_grad && r.is_leaf) t.requiresGrad_(true);
    t.isWrappedNumber = r.wrapped;
    t.label = r.label;
    this.live.set(r.tensor_id, t);
    return t;
  }

  /** The live tensor a record is a snapshot of (made from the record the first time it is needed). */
  tensor(id: string): Tensor {
    return this.live.get(this.old.tensors[id].tensor_id) ?? this.materialize(id);
  }

  where(k: number): void {
    const e = this.old.events[k];
    this.rec.setSource(e.source ? e.source.line : null);
    const want = e.scope ? e.scope.split("/") : [];
    if (want.join("/") !== this.scope.join("/")) {
      for (let i = 0; i < this.scope.length; i++) this.rec.popScope();
      for (const s of want) this.rec.pushScope(s);
      this.scope = want;
    }
  }

  attrs(k: number, e: OpEvent | InplaceEvent): Record<string, unknown> {
    const merged = { ...e.attrs, ...(this.changes.attrs?.[k] ?? {}) };
    return decodeAttrs(merged, (id) => this.tensor(id));
  }

  /** A def whose forward gives a record's changed values (for a changed op output, or a random draw). */
  private fixed(def: OpDef<Record<string, unknown>>, out: TensorRecord): OpDef<Record<string, unknown>> {
    return { ...def, forward: () => this.materializeDetached(out) };
  }

  private materializeDetached(r: TensorRecord): Tensor {
    const values = this.dataOf(r);
    const data =
      r.dtype === "float32"
        ? Float32Array.from(values)
        : r.dtype === "int64"
          ? Float64Array.from(values)
          : Uint8Array.from(values);
    return new Tensor(data, r.shape, r.dtype);
  }

  private label(out: Tensor, id: string): void {
    const label = this.old.tensors[id].label;
    if (label) this.rec.labelTensor(out, label);
  }

  op(k: number, e: OpEvent): void {
    const inputs = e.inputs.map((id) => this.tensor(id));
    const attrs = this.attrs(k, e);
    const outRec = this.old.tensors[e.out];
    const mode = e.grad_fn ? enableGrad : noGrad;
    let out: Tensor;
    if (e.op === "index") out = mode(() => this.index(inputs, attrs));
    else {
      let def = getOp(e.op) as OpDef<Record<string, unknown>>;
      if (this.changes.tensors?.[e.out]) def = this.fixed(def, outRec);
      out = mode(() => runOp(def, inputs, attrs));
    }
    this.live.set(outRec.tensor_id, out);
    this.label(out, e.out);
  }

  /** Advanced indexing: the spec rebuilt from which dims took an index tensor. */
  private index(inputs: Tensor[], attrs: Record<string, unknown>): Tensor {
    const [a, ...given] = inputs;
    const pattern = Array.isArray(attrs.indices) ? (attrs.indices as unknown[]) : given.map(() => 0);
    let next = 0;
    let dim = 0;
    const spec: IndexSpec[] = pattern.map((p) => {
      if (p === null) return { start: 0, stop: a.shape[dim++], step: 1 };
      const t = given[next++];
      dim += t.dtype === "bool" ? t.dim() : 1;
      return t;
    });
    return indexOp(a, spec);
  }

  inplace(k: number, e: InplaceEvent): void {
    const outRec = this.old.tensors[e.out];
    if (e.op === "requires_grad_" || e.op === "detach_") {
      // the recorder notices the change at the tensor's next use, as it did the first time
      const t = this.tensor(e.target ?? e.out);
      if (e.op === "detach_") t.detach_();
      else t.requiresGrad_(Boolean(e.attrs.requires_grad));
      return;
    }
    if (!e.target && RANDOM_INPLACE.has(e.op)) {
      // an initializer filling a tensor the program never showed before (nn.Linear's weight): a fresh one
      const r = this.old.tensors[e.out];
      const fresh = new Tensor(this.materializeDetached(r).values, r.shape, r.dtype);
      this.live.set(r.tensor_id, fresh);
      const def = this.fixed(getOp(e.op.slice(0, -1)) as OpDef<Record<string, unknown>>, r);
      // an nn.Parameter already requires grad: its init runs under no_grad
      if (r.requires_grad && r.is_leaf) fresh.requiresGrad_(true);
      noGrad(() => runInplace(def, fresh, [], this.attrs(k, e), e.op));
      this.label(fresh, e.out);
      return;
    }
    if (!e.target) {
      throw new ReplayError(
        `gradlens cannot replay ${e.op} at event ${k}: the tensor it wrote was never recorded before (written through .data?)`,
      );
    }
    const target = this.tensor(e.target);
    const inputs = e.inputs.map((id) => this.tensor(id));
    const attrs = this.attrs(k, e);
    const mode = e.grad_fn ? enableGrad : noGrad;
    if (e.op === "setitem" || e.op === "index_put_") {
      const spec = this.spec(k, e, attrs, inputs.slice(1));
      mode(() => indexPut_(target, spec, inputs[0]));
    } else {
      const name = e.op.endsWith("_") ? e.op.slice(0, -1) : e.op;
      let def = getOp(name) as OpDef<Record<string, unknown>>;
      // a random draw, or a changed result: the recorded (or given) values, not a new computation
      if (RANDOM_INPLACE.has(e.op) || this.changes.tensors?.[e.out]) def = this.fixed(def, outRec);
      mode(() => runInplace(def, target, inputs, attrs, e.op));
    }
    this.label(target, e.out);
  }

  /** `a[spec] = v`: the recorded spec with its index tensors (engine ids in the attrs) taken from the inputs. */
  private spec(k: number, e: InplaceEvent, attrs: Record<string, unknown>, indices: Tensor[]): IndexSpec[] {
    const raw = attrs.spec;
    if (!Array.isArray(raw))
      throw new ReplayError(`gradlens cannot replay ${e.op} at event ${k}: no index spec recorded`);
    let next = 0;
    const spec = raw.map((s) => {
      if (s && typeof s === "object" && "tensor" in (s as object)) {
        const t = indices[next++];
        if (!t)
          throw new ReplayError(
            `gradlens cannot replay ${e.op} at event ${k}: a boolean mask index is not replayable yet`,
          );
        return t;
      }
      return s as IndexSpec;
    });
    return spec;
  }

  /** Consecutive backward-start events from `k`: one backward() call with its roots; returns the index after its end. */
  backward(k: number): number {
    const ev = this.old.events;
    const starts: BackwardStartEvent[] = [];
    let j = k;
    while (j < ev.length && ev[j].kind === "backward-start") starts.push(ev[j++] as BackwardStartEvent);
    // the events the engine will emit itself; the call ends at its backward-end, or early where it
    // raised (a second backward through a freed graph that the program caught)
    let end = j;
    let ends = 0;
    const family = new Set(["backward", "accumulate", "retain-grad", "backward-end"]);
    while (end < ev.length && ends < starts.length && family.has(ev[end].kind)) {
      if (ev[end].kind === "backward-end") ends++;
      end++;
    }
    const completed = ends === starts.length;
    for (let i = j; i < end; i++) {
      const e = ev[i];
      if (e.kind === "retain-grad") this.tensor(e.tensor).retainGrad();
    }
    const roots = starts.map((s) => this.tensor(s.root));
    // the seed grad: a tensor of the program, or the implicit ones made silently
    const grads = starts.map(
      (s) => this.live.get(this.old.tensors[s.grad].tensor_id) ?? silently(() => this.seed(s.grad)),
    );
    // no accumulation the first time: autograd.grad (or no leaf reached), which leaves .grad alone
    const accumulates = ev.slice(j, end).some((e) => e.kind === "accumulate");
    try {
      runBackward(roots, grads, {
        retainGraph: starts[0].retain_graph,
        ...(accumulates ? {} : { inputs: [] }),
      });
    } catch (err) {
      // it failed the first time too, and the program went on
      if (completed) throw err;
    }
    // grads the program may use later (`w.grad`): the old records' tensors are the new .grad tensors
    for (let i = j; i < end; i++) {
      const e = ev[i];
      if (e.kind === "accumulate" || e.kind === "retain-grad") {
        const owner = this.tensor(e.tensor);
        if (owner.gradRaw) this.live.set(this.old.tensors[e.total].tensor_id, owner.gradRaw);
      }
    }
    return end;
  }

  private seed(id: string): Tensor {
    const r = this.old.tensors[id];
    return new Tensor(Float32Array.from(this.dataOf(r)), r.shape, r.dtype);
  }

  gradSet(tensor: string, grad: string | null): void {
    const t = this.tensor(tensor);
    t.grad = grad ? this.tensor(grad) : null;
    this.rec.gradAssigned(t);
  }

  create(id: string, op: string): void {
    // a fresh tensor even if the id was seen: create always makes a new one
    const t = this.materialize(id);
    emit({ kind: "create", tensor: t, op });
  }
}

/** Replays a trace on the engine, with optional changes; the program's own errors end the new trace. */
export function replay(trace: Trace, changes: ReplayChanges = {}): ReplayResult {
  const r = new Replayer(trace, changes);
  const newEvents = () => r.rec.trace.events.length;
  let aligned = true;
  let error: ReplayResult["error"] = null;
  r.rec.start();
  try {
    let k = 0;
    while (k < trace.events.length) {
      const e = trace.events[k];
      r.where(k);
      let next = k + 1;
      try {
        switch (e.kind) {
          case "create":
            r.create(e.out, e.op);
            break;
          case "op":
            r.op(k, e);
            break;
          case "inplace":
            r.inplace(k, e);
            break;
          case "backward-start":
            next = r.backward(k);
            break;
          case "grad-set":
            r.gradSet(e.tensor, e.grad);
            break;
          case "warning":
            r.rec.recordWarning(e.category, e.message);
            break;
          case "error":
            r.rec.recordError(e.py_type, e.message);
            break;
          default:
            // backward, accumulate, retain-grad, backward-end: the engine emits them during backward
            break;
        }
      } catch (err) {
        if (err instanceof ReplayError) throw err;
        const pyType = (err as { pyType?: string }).pyType ?? (err as Error).name;
        const message = (err as Error).message;
        r.rec.recordError(pyType, message);
        error = { pyType, message, event: k };
        aligned = false;
        break;
      }
      // in-place metadata changes are recorded at the tensor's next use, as they were
      if (
        !(e.kind === "inplace" && (e.op === "requires_grad_" || e.op === "detach_")) &&
        newEvents() !== next
      ) {
        aligned &&= newEvents() === next;
      }
      k = next;
    }
  } finally {
    r.rec.stop();
  }
  if (r.rec.trace.events.length !== trace.events.length) aligned = false;
  // names the shim gave values the replay cannot see being assigned (`g = torch.autograd.grad(...)`)
  for (const [id, rec] of Object.entries(r.rec.trace.tensors)) {
    const old = trace.tensors[id];
    if (old && old.label !== null && rec.label === null && old.tensor_id === rec.tensor_id)
      rec.label = old.label;
  }
  return { trace: r.rec.trace, error, aligned };
}

export interface ChangedRecord {
  /** The event that wrote it, and which of its records (`out`, `grad_inputs[1]`, `total`, ...). */
  event: number;
  field: string;
  /** The record id (the same in both traces when the replay is aligned). */
  id: string;
  before: string;
  after: string;
  /** Largest |after - before| over finite pairs; Infinity when an element changed finiteness. */
  maxAbsDiff: number;
  beforeFlag: NonFinite;
  afterFlag: NonFinite;
}

export interface WhatIfResult extends ReplayResult {
  /** Records whose values changed, in event order. */
  changed: ChangedRecord[];
  /** The non-finite origins after the change (null fields when nothing went non-finite). */
  origin: NonFiniteReport;
}

function written(e: Trace["events"][number]): [string, string][] {
  switch (e.kind) {
    case "create":
    case "op":
    case "inplace":
      return [["out", e.out]];
    case "backward-start":
      return [["grad", e.grad]];
    case "backward":
      return e.grad_inputs.flatMap((g, i): [string, string][] => (g ? [[`grad_inputs[${i}]`, g]] : []));
    case "accumulate":
      return [["total", e.total]];
    case "retain-grad":
      return [["total", e.total]];
    default:
      return [];
  }
}

function diff(a: TensorRecord, b: TensorRecord): number {
  if (!a.data || !b.data) {
    const same = JSON.stringify(a.summary) === JSON.stringify(b.summary);
    return same ? 0 : Math.abs((b.summary.mean ?? 0) - (a.summary.mean ?? 0)) || Infinity;
  }
  let m = 0;
  for (let i = 0; i < a.data.length; i++) {
    const x = decodeValue(a.data[i]);
    const y = decodeValue(b.data[i]);
    if (Object.is(x, y) || (x !== x && y !== y)) continue;
    const d = Number.isFinite(x) && Number.isFinite(y) ? Math.abs(x - y) : Infinity;
    if (d > m) m = d;
  }
  return m;
}

/** Replays with changes and lists the records whose values changed, and the origins after the change. */
export function whatIf(trace: Trace, changes: ReplayChanges): WhatIfResult {
  const result = replay(trace, changes);
  const changed: ChangedRecord[] = [];
  const n = Math.min(trace.events.length, result.trace.events.length);
  for (let k = 0; k < n; k++) {
    const before = written(trace.events[k]);
    const after = written(result.trace.events[k]);
    if (trace.events[k].kind !== result.trace.events[k].kind) break;
    before.forEach(([field, id], i) => {
      const other = after[i];
      if (!other || other[0] !== field) return;
      const a = trace.tensors[id];
      const b = result.trace.tensors[other[1]];
      if (!b || a.shape.join() !== b.shape.join()) return;
      const d = diff(a, b);
      if (d === 0) return;
      changed.push({
        event: k,
        field,
        id: other[1],
        before: id,
        after: other[1],
        maxAbsDiff: d,
        beforeFlag: nonFiniteOf(a.summary),
        afterFlag: nonFiniteOf(b.summary),
      });
    });
  }
  return { ...result, changed, origin: nonFiniteOrigin(result.trace) };
}

/** Something the what-if inspector can change: values made by the program, or an op's number attribute. */
export type Editable =
  | {
      kind: "tensor";
      /** leaf: requires grad; constant: data the program made; number: a Python number in an op (`lr * g`). */
      role: "leaf" | "constant" | "number";
      label: string | null;
      line: number | null;
      /** The records to change together (a number written once in a loop is a new record each iteration). */
      records: string[];
      values: number[];
    }
  | {
      kind: "attr";
      op: string;
      name: string;
      line: number | null;
      value: number;
      /** The op events to change together (the same op on the same line, in every iteration). */
      events: number[];
    };

/** What a what-if can change in this trace, grouped by where the program wrote it. */
export function editables(trace: Trace): Editable[] {
  const out: Editable[] = [];
  const numbers = new Map<string, Extract<Editable, { kind: "tensor" }>>();
  const attrs = new Map<string, Extract<Editable, { kind: "attr" }>>();
  const seen = new Set<string>();
  trace.events.forEach((e, k) => {
    const line = e.source ? e.source.line : null;
    if (e.kind === "create") {
      const r = trace.tensors[e.out];
      if (!r.data) return;
      out.push({
        kind: "tensor",
        role: r.requires_grad ? "leaf" : "constant",
        label: r.label,
        line,
        records: [e.out],
        values: r.data.map(decodeValue),
      });
      return;
    }
    if (e.kind !== "op" && e.kind !== "inplace") return;
    for (const id of e.inputs) {
      const r = trace.tensors[id];
      if (!r.wrapped || !r.data || seen.has(id)) continue;
      seen.add(id);
      const v = decodeValue(r.data[0]);
      const key = `${line}:${r.dtype}:${v}`;
      const group = numbers.get(key);
      if (group) group.records.push(id);
      else {
        const g: Extract<Editable, { kind: "tensor" }> = {
          kind: "tensor",
          role: "number",
          label: r.label,
          line,
          records: [id],
          values: [v],
        };
        numbers.set(key, g);
        out.push(g);
      }
    }
    for (const [name, v] of Object.entries(e.attrs)) {
      if (typeof v !== "number") continue;
      const key = `${line}:${e.op}:${name}:${v}`;
      const group = attrs.get(key);
      if (group) group.events.push(k);
      else {
        const g: Extract<Editable, { kind: "attr" }> = {
          kind: "attr",
          op: e.op,
          name,
          line,
          value: v,
          events: [k],
        };
        attrs.set(key, g);
        out.push(g);
      }
    }
  });
  return out;
}

/** The changes that set an editable (every record or event of its group) to new values. */
export function change(edit: Editable, values: number[] | number): ReplayChanges {
  if (edit.kind === "attr") {
    const v = typeof values === "number" ? values : values[0];
    return { attrs: Object.fromEntries(edit.events.map((k) => [k, { [edit.name]: v }])) };
  }
  const vs = typeof values === "number" ? [values] : values;
  return { tensors: Object.fromEntries(edit.records.map((id) => [id, vs])) };
}
