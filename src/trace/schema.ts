/**
 * The gradlens trace: the product's file format (version 1).
 *
 * A trace is plain JSON data, in memory exactly as on disk: serializing is JSON.stringify (with a
 * compact float32 spelling) and parsing is JSON.parse plus validation, so a trace written by gradlens
 * opens again unchanged. Keys are snake_case because they are a file format.
 *
 * Ids are strings, numbered per trace in order of appearance, never hashes:
 * - tensor records `t<k>` for the first snapshot of live tensor k, `t<k>.<s>` for its s-th later snapshot
 *   (after an in-place write or a requires_grad_ change), so every step refers to the exact values it saw;
 * - grad_fn nodes `n<k>`.
 *
 * Step k of the UI is the state after events[0..k].
 */

export const TRACE_FORMAT = "gradlens-trace";
export const TRACE_VERSION = 1;
/** Tensors with more elements than this keep only their summary. */
export const DEFAULT_SIZE_CAP = 4096;

export type DType = "float32" | "int64" | "bool";

/**
 * One element of tensor data in JSON: a finite number, or a string for what JSON numbers cannot
 * spell (NaN, ±Infinity, and -0 so its sign survives).
 */
export type DataValue = number | "nan" | "inf" | "-inf" | "-0";

/** Health numbers of a tensor, always present (TensorBoard's "full health"). */
export interface Summary {
  numel: number;
  /** Over the finite elements; null when there are none. */
  min: number | null;
  max: number | null;
  mean: number | null;
  /** L2 norm of the finite elements (float64 accumulation). */
  norm: number | null;
  nan: number;
  pos_inf: number;
  neg_inf: number;
  zero: number;
  /** Counts of finite negative / positive elements (-0 counts as zero). */
  negative: number;
  positive: number;
}

/** A snapshot of one tensor at one moment. */
export interface TensorRecord {
  id: string;
  /** The live tensor this is a snapshot of (trace-local number, the k of `t<k>`). */
  tensor_id: number;
  /** 0 for the first snapshot of the tensor, then 1, 2, ... (the s of `t<k>.<s>`). */
  snapshot: number;
  /** The engine's version counter (PyTorch's `_version`) when snapshotted. */
  version: number;
  shape: number[];
  dtype: DType;
  /** Row-major elements, or null above the size cap (then only `summary` is kept). */
  data: DataValue[] | null;
  summary: Summary;
  requires_grad: boolean;
  is_leaf: boolean;
  /** PyTorch's grad_fn name (`MulBackward0`) or null. */
  grad_fn: string | null;
  /** The grad_fn node's id in `nodes`, or null. */
  node: string | null;
  /** The program's variable name, when the shim or the user told it. Plain text, never code. */
  label: string | null;
  /** Scope path (`fc1`, `bce_loss`, `model/fc1`) where the tensor was made, or null at top level. */
  scope: string | null;
  /** A Python number wrapped into a 0-dim tensor for an op (`x * 2.0`). */
  wrapped: boolean;
  /** Index of the event at which this snapshot was taken. */
  created_at: number;
}

/** An autograd graph node: a grad_fn, or the AccumulateGrad of a leaf. */
export interface NodeRecord {
  id: string;
  /** `MulBackward0`, `AccumulateGrad`, ... */
  name: string;
  /** The forward output this grad_fn belongs to; for AccumulateGrad, the leaf variable. */
  tensor: string | null;
  /** PyTorch's `next_functions`: one `[node id | null, input_nr]` per differentiable input. */
  next: [string | null, number][];
  /** Index of the event at which the node first appeared. */
  created_at: number;
}

export interface Source {
  /** 1-based line in the program. */
  line: number;
}

/** A JSON-safe attribute value; non-finite numbers as `{float: "inf"}`, tensors as `{tensor: id}`. */
export type AttrValue =
  | number
  | string
  | boolean
  | null
  | AttrValue[]
  | { float: "nan" | "inf" | "-inf" }
  | { tensor: string }
  | { [key: string]: AttrValue };

/** What every event carries: where in the program it happened. */
export interface EventBase {
  source: Source | null;
  scope: string | null;
}

/** A tensor made from data (`tensor`, `zeros`, `randn`, ...). */
export interface CreateEvent extends EventBase {
  kind: "create";
  op: string;
  out: string;
}

/** An out-of-place op: inputs → out. `grad_fn` is the node id when grad is tracked. */
export interface OpEvent extends EventBase {
  kind: "op";
  op: string;
  out: string;
  inputs: string[];
  attrs: Record<string, AttrValue>;
  grad_fn: string | null;
}

/**
 * An in-place op (`add_`, `zero_`, ... and the metadata changes `requires_grad_` / `detach_`):
 * `target` is the tensor's snapshot before (null if never seen before), `out` the snapshot after.
 * The grad_fn's `next` lines up with `[target, ...inputs]`.
 */
export interface InplaceEvent extends EventBase {
  kind: "inplace";
  op: string;
  target: string | null;
  out: string;
  inputs: string[];
  attrs: Record<string, AttrValue>;
  grad_fn: string | null;
  /** When the tensor written is a leaf's `.grad` (`w.grad.zero_()`): that leaf's latest snapshot. */
  grad_of: string | null;
}

/** `root.backward(grad)` begins; `node` is the root's grad_fn (or AccumulateGrad). */
export interface BackwardStartEvent extends EventBase {
  kind: "backward-start";
  root: string;
  grad: string;
  node: string | null;
  retain_graph: boolean;
}

/** One grad_fn node ran: its incoming grad and what it sent to each of its `next` entries. */
export interface BackwardEvent extends EventBase {
  kind: "backward";
  node: string;
  name: string;
  grad_outputs: string[];
  grad_inputs: (string | null)[];
}

/** A leaf's AccumulateGrad added `incoming` into `.grad`, which is now `total`. */
export interface AccumulateEvent extends EventBase {
  kind: "accumulate";
  node: string;
  tensor: string;
  incoming: string;
  total: string;
}

/** A non-leaf with retain_grad() received its grad; `total` is its `.grad` now. */
export interface RetainGradEvent extends EventBase {
  kind: "retain-grad";
  tensor: string;
  total: string;
}

export interface BackwardEndEvent extends EventBase {
  kind: "backward-end";
  root: string;
}

/** `x.grad = g` / `x.grad = None` (e.g. `optimizer.zero_grad()`), told by the shim. */
export interface GradSetEvent extends EventBase {
  kind: "grad-set";
  tensor: string;
  grad: string | null;
}

export interface WarningEvent extends EventBase {
  kind: "warning";
  category: string;
  message: string;
}

export interface ErrorEvent extends EventBase {
  kind: "error";
  /** The Python exception class (`RuntimeError`, `IndexError`, ...). */
  py_type: string;
  message: string;
}

export type TraceEvent =
  | CreateEvent
  | OpEvent
  | InplaceEvent
  | BackwardStartEvent
  | BackwardEvent
  | AccumulateEvent
  | RetainGradEvent
  | BackwardEndEvent
  | GradSetEvent
  | WarningEvent
  | ErrorEvent;

export type EventKind = TraceEvent["kind"];

export const EVENT_KINDS: readonly EventKind[] = [
  "create",
  "op",
  "inplace",
  "backward-start",
  "backward",
  "accumulate",
  "retain-grad",
  "backward-end",
  "grad-set",
  "warning",
  "error",
];

export interface ProgramInfo {
  language: "python" | "typescript" | "javascript";
  source: string;
}

export interface TraceMeta {
  /** The tool that wrote the trace (`gradlens 0.1.0`). */
  created_by: string;
  /** The engine that computed the values. */
  engine: string;
  size_cap: number;
  /** The program that ran, when known. */
  program: ProgramInfo | null;
  title: string | null;
}

export interface Trace {
  format: typeof TRACE_FORMAT;
  version: typeof TRACE_VERSION;
  meta: TraceMeta;
  tensors: Record<string, TensorRecord>;
  nodes: Record<string, NodeRecord>;
  events: TraceEvent[];
}

export const TENSOR_ID = /^t[1-9][0-9]*(\.[1-9][0-9]*)?$/;
export const NODE_ID = /^n[1-9][0-9]*$/;

export function tensorRecordId(tensorId: number, snapshot: number): string {
  return snapshot === 0 ? `t${tensorId}` : `t${tensorId}.${snapshot}`;
}

/** The id of a live tensor's first record (`t3.2` → `t3`): what stays the same across snapshots. */
export function baseTensorId(recordId: string): string {
  const dot = recordId.indexOf(".");
  return dot < 0 ? recordId : recordId.slice(0, dot);
}
