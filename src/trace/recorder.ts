/**
 * The recorder: an engine listener that turns what the engine does into a trace. Live tensors are
 * snapshotted when an event mentions them (data copied at that moment); a tensor written in place,
 * or whose requires_grad changed after it was used, gets a new snapshot record, so every step of the
 * trace shows the values it really saw.
 */
import { addListener, type EngineEvent } from "../engine/events.ts";
import type { Node } from "../engine/autograd.ts";
import type { Tensor } from "../engine/tensor.ts";
import {
  type AttrValue,
  DEFAULT_SIZE_CAP,
  type EventBase,
  type NodeRecord,
  type ProgramInfo,
  type TensorRecord,
  type Trace,
  type TraceEvent,
  TRACE_FORMAT,
  TRACE_VERSION,
  tensorRecordId,
} from "./schema.ts";
import { encodeData, encodeValue, summarize } from "./values.ts";

export interface RecorderOptions {
  /** Tensors with more elements keep only their summary. Default 4096. */
  sizeCap?: number;
  program?: ProgramInfo | null;
  title?: string | null;
  createdBy?: string;
}

/** What the recorder remembers about a live tensor (weakly held: the recorder never keeps tensors alive). */
interface LiveState {
  tensorId: number;
  snapshots: number;
  latest: string;
  version: number;
  requiresGrad: boolean;
  gradFn: Node | null;
}

export const ENGINE_NAME = "gradlens float32 engine";
export const CREATED_BY = "gradlens 0.1.0";

export class Recorder {
  readonly trace: Trace;
  private readonly sizeCap: number;
  private readonly live = new WeakMap<Tensor, LiveState>();
  private readonly nodeIds = new WeakMap<Node, string>();
  /** A grad tensor → the tensor whose `.grad` it is (for `w.grad.zero_()`). */
  private readonly gradOwner = new WeakMap<Tensor, Tensor>();
  /** Records some event used as an input; their metadata can no longer be patched. */
  private readonly used = new Set<string>();
  private nextTensorId = 1;
  private nextNodeId = 1;
  private line: number | null = null;
  private readonly scopes: string[] = [];
  private unsubscribe: (() => void) | null = null;

  constructor(opts: RecorderOptions = {}) {
    this.sizeCap = opts.sizeCap ?? DEFAULT_SIZE_CAP;
    this.trace = {
      format: TRACE_FORMAT,
      version: TRACE_VERSION,
      meta: {
        created_by: opts.createdBy ?? CREATED_BY,
        engine: ENGINE_NAME,
        size_cap: this.sizeCap,
        program: opts.program ?? null,
        title: opts.title ?? null,
      },
      tensors: {},
      nodes: {},
      events: [],
    };
  }

  start(): this {
    if (!this.unsubscribe) this.unsubscribe = addListener((e) => this.onEvent(e));
    return this;
  }

  stop(): Trace {
    this.unsubscribe?.();
    this.unsubscribe = null;
    return this.trace;
  }

  get recording(): boolean {
    return this.unsubscribe !== null;
  }

  // ---- hooks for the Python shim (or a TS program) ----

  /** The program line now running (1-based); events carry it until the next call. */
  setSource(line: number | null): void {
    this.line = line;
  }

  pushScope(name: string): void {
    this.scopes.push(name);
  }

  popScope(): void {
    this.scopes.pop();
  }

  /** Names a tensor after the program's variable; a label arriving after the op updates its latest record. */
  labelTensor(t: Tensor, name: string | null): void {
    t.label = name;
    const st = this.live.get(t);
    if (st) this.trace.tensors[st.latest].label = name;
  }

  /** `t.grad = g` or `t.grad = None` happened (the engine does not see assignments). */
  gradAssigned(t: Tensor): void {
    const tensor = this.ref(t);
    const g = t.gradRaw;
    if (g) this.gradOwner.set(g, t);
    this.push({ kind: "grad-set", tensor, grad: g ? this.snap(g) : null, ...this.where() });
  }

  /** An error the program raised (the Python shim reports exceptions it did not catch). */
  recordError(pyType: string, message: string): void {
    this.push({ kind: "error", py_type: pyType, message, ...this.where() });
  }

  recordWarning(category: string, message: string): void {
    this.push({ kind: "warning", category, message, ...this.where() });
  }

  // ---- engine events ----

  private onEvent(e: EngineEvent): void {
    switch (e.kind) {
      case "create": {
        const out = this.snap(e.tensor, true);
        this.push({ kind: "create", op: e.op, out, ...this.where() });
        return;
      }
      case "op": {
        for (const t of e.inputs) this.sync(t);
        const inputs = e.inputs.map((t) => this.ref(t));
        const out = this.snap(e.out, true);
        const gradFn = this.nodeFor(e.gradFn, out);
        const attrs = this.encodeAttrs(e.attrs);
        this.push({ kind: "op", op: e.op, out, inputs, attrs, grad_fn: gradFn, ...this.where() });
        return;
      }
      case "inplace": {
        for (const t of e.inputs) this.sync(t);
        const st = this.live.get(e.tensor);
        const target = st ? st.latest : null;
        if (target) this.used.add(target);
        const inputs = e.inputs.map((t) => this.ref(t));
        const out = this.snap(e.tensor, true);
        const gradFn = this.nodeFor(e.gradFn, out);
        const owner = this.gradOwner.get(e.tensor);
        const gradOf = owner && owner.gradRaw === e.tensor ? this.ref(owner) : null;
        const attrs = this.encodeAttrs(e.attrs);
        this.push({
          kind: "inplace",
          op: e.op,
          target,
          out,
          inputs,
          attrs,
          grad_fn: gradFn,
          grad_of: gradOf,
          ...this.where(),
        });
        return;
      }
      case "backward-start": {
        this.sync(e.root);
        const root = this.ref(e.root);
        const grad = this.snap(e.grad);
        const n = e.root.gradFn ?? (e.root.requiresGrad ? e.root.gradAccumulator() : null);
        this.push({
          kind: "backward-start",
          root,
          grad,
          node: n ? this.nodeRef(n) : null,
          retain_graph: e.retainGraph,
          ...this.where(),
        });
        return;
      }
      case "backward": {
        const node = this.nodeRef(e.node);
        const gradOutputs = e.gradOutputs.map((g) => this.snap(g));
        const gradInputs = e.gradInputs.map((g) => (g ? this.snap(g) : null));
        this.push({
          kind: "backward",
          node,
          name: e.node.name,
          grad_outputs: gradOutputs,
          grad_inputs: gradInputs,
          ...this.where(),
        });
        return;
      }
      case "accumulate": {
        const node = this.nodeRef(e.node);
        const tensor = this.ref(e.tensor);
        const incoming = this.snap(e.incoming);
        const total = this.isFirstGrad(e.total, e.incoming)
          ? this.newRecord(e.total, null, this.trace.tensors[incoming])
          : this.snap(e.total);
        this.gradOwner.set(e.total, e.tensor);
        this.push({ kind: "accumulate", node, tensor, incoming, total, ...this.where() });
        return;
      }
      case "retain-grad": {
        const tensor = this.ref(e.tensor);
        const total = this.snap(e.total);
        this.gradOwner.set(e.total, e.tensor);
        this.push({ kind: "retain-grad", tensor, total, ...this.where() });
        return;
      }
      case "backward-end":
        this.push({ kind: "backward-end", root: this.ref(e.root), ...this.where() });
        return;
      case "warning":
        this.recordWarning(e.category, e.message);
        return;
      case "error":
        this.recordError(e.pyType, e.message);
        return;
    }
  }

  // ---- snapshots ----

  private where(): EventBase {
    return {
      source: this.line === null ? null : { line: this.line },
      scope: this.scopes.length ? this.scopes.join("/") : null,
    };
  }

  private push(e: TraceEvent): void {
    this.trace.events.push(e);
  }

  /** The record of `t` as it is now: the latest snapshot if unchanged, else a new one. */
  private snap(t: Tensor, fresh = false): string {
    const st = this.live.get(t);
    if (!st) return this.newRecord(t, null);
    if (fresh || st.version !== t.version) return this.newRecord(t, st);
    if (st.requiresGrad === t.requiresGrad && st.gradFn === t.gradFn) return st.latest;
    this.sync(t);
    return this.live.get(t)!.latest;
  }

  /** A record used as an input: snapshotted and marked used. */
  private ref(t: Tensor): string {
    const id = this.snap(t);
    this.used.add(id);
    return id;
  }

  /**
   * Catches metadata changes the engine does not announce (`requires_grad_()`, `detach_()`). A record
   * nothing has used yet is patched (`tensor(2.0, requires_grad=True)` is create + requires_grad_);
   * otherwise the change becomes an in-place event with a new snapshot, so earlier steps stay true.
   */
  private sync(t: Tensor): void {
    const st = this.live.get(t);
    if (!st || st.version !== t.version) return;
    if (st.requiresGrad === t.requiresGrad && st.gradFn === t.gradFn) return;
    if (!this.used.has(st.latest)) {
      const rec = this.trace.tensors[st.latest];
      rec.requires_grad = t.requiresGrad;
      rec.is_leaf = t.isLeaf;
      rec.grad_fn = t.gradFn ? t.gradFn.name : null;
      rec.node = t.gradFn ? this.nodeRef(t.gradFn) : null;
      st.requiresGrad = t.requiresGrad;
      st.gradFn = t.gradFn;
      return;
    }
    const target = st.latest;
    const detached = st.gradFn !== null && t.gradFn === null;
    const out = this.newRecord(t, st);
    this.used.add(target);
    this.push({
      kind: "inplace",
      op: detached ? "detach_" : "requires_grad_",
      target,
      out,
      inputs: [],
      attrs: detached ? {} : { requires_grad: t.requiresGrad },
      grad_fn: null,
      grad_of: null,
      ...this.where(),
    });
  }

  /**
   * AccumulateGrad's first grad for a leaf is a fresh copy of the incoming grad (PyTorch clones it):
   * a tensor never seen, never written (version 0), same shape, same values where spot-checked. Its
   * payload is copied from the incoming record instead of read again (a pass saved per leaf).
   */
  private isFirstGrad(total: Tensor, incoming: Tensor): boolean {
    if (total === incoming || this.live.has(total) || total.version !== 0) return false;
    if (total.dtype !== incoming.dtype || total.shape.length !== incoming.shape.length) return false;
    if (total.shape.some((d, i) => d !== incoming.shape[i])) return false;
    const a = total.values;
    const b = incoming.values;
    const n = a.length;
    for (const i of [0, n >> 1, n - 1]) if (n > 0 && !Object.is(a[i], b[i])) return false;
    return true;
  }

  /** A new snapshot of `t`; `copyOf` is a record known to hold the same values. */
  private newRecord(t: Tensor, st: LiveState | null, copyOf?: TensorRecord): string {
    const tensorId = st ? st.tensorId : this.nextTensorId++;
    const snapshot = st ? st.snapshots : 0;
    const id = tensorRecordId(tensorId, snapshot);
    const values = t.values;
    const rec: TensorRecord = {
      id,
      tensor_id: tensorId,
      snapshot,
      version: t.version,
      shape: [...t.shape],
      dtype: t.dtype,
      data: copyOf ? copyOf.data && [...copyOf.data] : encodeData(values, this.sizeCap),
      summary: copyOf ? { ...copyOf.summary } : summarize(values),
      requires_grad: t.requiresGrad,
      is_leaf: t.isLeaf,
      grad_fn: t.gradFn ? t.gradFn.name : null,
      node: null,
      label: t.label,
      scope: this.scopes.length ? this.scopes.join("/") : null,
      wrapped: t.isWrappedNumber,
      created_at: this.trace.events.length,
    };
    this.trace.tensors[id] = rec;
    const next: LiveState = {
      tensorId,
      snapshots: snapshot + 1,
      latest: id,
      version: t.version,
      requiresGrad: t.requiresGrad,
      gradFn: t.gradFn,
    };
    this.live.set(t, next);
    // after registering the tensor: an AccumulateGrad in the node's next list may refer back to it
    if (t.gradFn) rec.node = this.nodeRef(t.gradFn);
    return id;
  }

  /** The op's grad_fn, registered with `out` as its forward output. */
  private nodeFor(node: Node | null, out: string): string | null {
    if (!node) return null;
    const id = this.nodeRef(node);
    this.trace.nodes[id].tensor = out;
    return id;
  }

  private nodeRef(node: Node): string {
    const known = this.nodeIds.get(node);
    if (known) return known;
    const id = `n${this.nextNodeId++}`;
    this.nodeIds.set(node, id);
    const rec: NodeRecord = {
      id,
      name: node.name,
      tensor: null,
      next: [],
      created_at: this.trace.events.length,
    };
    this.trace.nodes[id] = rec;
    const variable = (node as Node & { variable?: Tensor }).variable;
    if (variable) rec.tensor = this.snap(variable);
    else if (node.outputTensor && this.live.has(node.outputTensor))
      rec.tensor = this.live.get(node.outputTensor)!.latest;
    rec.next = node.nextFunctions.map(([n, i]) => [n ? this.nodeRef(n) : null, i]);
    return id;
  }

  /** Attributes as JSON: non-finite numbers spelled out, tensors by record id, functions dropped. */
  private encodeAttrs(attrs: Record<string, unknown>): Record<string, AttrValue> {
    const out: Record<string, AttrValue> = {};
    for (const [k, v] of Object.entries(attrs)) {
      const a = this.encodeAttr(v, 0);
      if (a !== undefined) out[k] = a;
    }
    return out;
  }

  private encodeAttr(v: unknown, depth: number): AttrValue | undefined {
    if (v === null || typeof v === "string" || typeof v === "boolean") return v;
    if (typeof v === "number") {
      const e = encodeValue(v);
      return typeof e === "number" ? e : e === "-0" ? 0 : { float: e };
    }
    if (v === undefined || typeof v !== "object" || depth > 16) return undefined;
    if (isTensor(v)) return { tensor: this.ref(v) };
    if (Array.isArray(v)) return v.map((x) => this.encodeAttr(x, depth + 1) ?? null);
    const out: Record<string, AttrValue> = {};
    for (const [k, x] of Object.entries(v)) {
      const a = this.encodeAttr(x, depth + 1);
      if (a !== undefined) out[k] = a;
    }
    return out;
  }
}

function isTensor(v: object): v is Tensor {
  return "storage" in v && "dtype" in v && "shape" in v && "gradFn" in v;
}

export type RecordResult<T> =
  { result: T; trace: Trace; error: null } | { result: undefined; trace: Trace; error: Error };

/**
 * Runs `fn` with a recorder attached. An error thrown by `fn` does not escape: it ends the trace as an
 * "error" event (a program that fails still has a trace worth showing) and is returned as `error`.
 */
export function record<T>(fn: (recorder: Recorder) => T, opts: RecorderOptions = {}): RecordResult<T> {
  const recorder = new Recorder(opts).start();
  try {
    const result = fn(recorder);
    return { result, trace: recorder.stop(), error: null };
  } catch (err) {
    const error = err instanceof Error ? err : new Error(String(err));
    const pyType = (error as Error & { pyType?: string }).pyType ?? error.name;
    recorder.recordError(pyType, error.message);
    return { result: undefined, trace: recorder.stop(), error };
  }
}
