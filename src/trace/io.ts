/**
 * Trace files: writing, and reading with validation. A file is data, never code: parseTrace checks
 * every field's type and every reference between records, and refuses a malformed file with an
 * Error whose message names the field (`trace.events[3].out: expected a tensor id, got "x"`).
 */
import {
  type DataValue,
  EVENT_KINDS,
  NODE_ID,
  TENSOR_ID,
  type TensorRecord,
  type Trace,
  TRACE_FORMAT,
  TRACE_VERSION,
  tensorRecordId,
} from "./schema.ts";
import { formatFloat32 } from "./values.ts";

/**
 * The trace as JSON text: one line per tensor record, node and event (diff-friendly), float32 data in
 * its shortest spelling (`0.1`, which parseTrace rounds back to the same float32).
 */
export function serializeTrace(trace: Trace): string {
  const lines: string[] = [];
  const keys = Object.keys(trace) as (keyof Trace)[];
  keys.forEach((key, i) => {
    const comma = i < keys.length - 1 ? "," : "";
    const k = JSON.stringify(key);
    if (key === "tensors" || key === "nodes") {
      const entries = Object.entries(trace[key]);
      if (entries.length === 0) {
        lines.push(`${k}: {}${comma}`);
        return;
      }
      lines.push(`${k}: {`);
      entries.forEach(([id, rec], j) => {
        const text = key === "tensors" ? writeTensor(rec as TensorRecord) : JSON.stringify(rec);
        lines.push(`  ${JSON.stringify(id)}: ${text}${j < entries.length - 1 ? "," : ""}`);
      });
      lines.push(`}${comma}`);
    } else if (key === "events") {
      if (trace.events.length === 0) {
        lines.push(`${k}: []${comma}`);
        return;
      }
      lines.push(`${k}: [`);
      trace.events.forEach((e, j) =>
        lines.push(`  ${JSON.stringify(e)}${j < trace.events.length - 1 ? "," : ""}`),
      );
      lines.push(`]${comma}`);
    } else {
      lines.push(`${k}: ${JSON.stringify(trace[key])}${comma}`);
    }
  });
  return `{\n${lines.map((l) => `  ${l}`).join("\n")}\n}\n`;
}

function writeTensor(rec: TensorRecord): string {
  const fields = Object.entries(rec).map(([k, v]) => {
    const text =
      k === "data" && v !== null && rec.dtype === "float32"
        ? `[${(v as DataValue[]).map((x) => (typeof x === "number" ? formatFloat32(x) : JSON.stringify(x))).join(",")}]`
        : JSON.stringify(v);
    return `${JSON.stringify(k)}:${text}`;
  });
  return `{${fields.join(",")}}`;
}

/** A structural problem in a trace file, named by its field path. */
export class TraceFormatError extends Error {
  readonly path: string;
  constructor(path: string, message: string) {
    super(path ? `${path}: ${message}` : message);
    this.name = "TraceFormatError";
    this.path = path;
  }
}

/** Reads a trace from JSON text or an already-parsed value; throws TraceFormatError naming the bad field. */
export function parseTrace(input: string | unknown): Trace {
  let value: unknown;
  if (typeof input === "string") {
    try {
      value = JSON.parse(input);
    } catch (e) {
      throw new TraceFormatError("", `not a gradlens trace: not valid JSON (${(e as Error).message})`);
    }
  } else {
    try {
      // the caller keeps its object; validation normalizes a copy
      value = structuredClone(input);
    } catch {
      throw new TraceFormatError("", "not a gradlens trace: not plain JSON data");
    }
  }
  validateTrace(value);
  return value;
}

// ---- validation ----

type Obj = Record<string, unknown>;

function describe(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "object") return "an object";
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v);
  return String(v);
}

function keyPath(base: string, key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_.]*$/.test(key) ? `${base}.${key}` : `${base}[${JSON.stringify(key)}]`;
}

function fail(path: string, expected: string, got: unknown): never {
  throw new TraceFormatError(path, `expected ${expected}, got ${describe(got)}`);
}

function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function obj(v: unknown, path: string, fields: readonly string[]): Obj {
  if (!isObj(v)) fail(path, "an object", v);
  for (const k of Object.keys(v)) {
    if (!fields.includes(k)) throw new TraceFormatError(keyPath(path, k), "unknown field");
  }
  for (const k of fields) {
    if (!Object.hasOwn(v, k)) throw new TraceFormatError(keyPath(path, k), "missing");
  }
  return v;
}

function str(v: unknown, path: string): string {
  if (typeof v !== "string") fail(path, "a string", v);
  return v;
}

function strOrNull(v: unknown, path: string): string | null {
  if (v !== null && typeof v !== "string") fail(path, "a string or null", v);
  return v;
}

function bool(v: unknown, path: string): boolean {
  if (typeof v !== "boolean") fail(path, "true or false", v);
  return v;
}

function int(v: unknown, path: string, min = 0): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min) {
    fail(path, min === 0 ? "a non-negative integer" : `an integer >= ${min}`, v);
  }
  return v;
}

function finiteOrNull(v: unknown, path: string): number | null {
  if (v !== null && (typeof v !== "number" || !Number.isFinite(v))) fail(path, "a finite number or null", v);
  return v;
}

function arr(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) fail(path, "an array", v);
  return v;
}

const TENSOR_FIELDS = [
  "id",
  "tensor_id",
  "snapshot",
  "version",
  "shape",
  "dtype",
  "data",
  "summary",
  "requires_grad",
  "is_leaf",
  "grad_fn",
  "node",
  "label",
  "scope",
  "wrapped",
  "created_at",
] as const;

const SUMMARY_FIELDS = [
  "numel",
  "min",
  "max",
  "mean",
  "norm",
  "nan",
  "pos_inf",
  "neg_inf",
  "zero",
  "negative",
  "positive",
] as const;

const NODE_FIELDS = ["id", "name", "tensor", "next", "created_at"] as const;
const BASE_FIELDS = ["kind", "source", "scope"] as const;

/** Each event kind's fields besides kind/source/scope, and how to check them. */
type FieldCheck =
  "tensor" | "tensor?" | "tensors" | "tensors?" | "node" | "node?" | "string" | "bool" | "attrs";
const EVENT_FIELDS: Record<string, Record<string, FieldCheck>> = {
  create: { op: "string", out: "tensor" },
  op: { op: "string", out: "tensor", inputs: "tensors", attrs: "attrs", grad_fn: "node?" },
  inplace: {
    op: "string",
    target: "tensor?",
    out: "tensor",
    inputs: "tensors",
    attrs: "attrs",
    grad_fn: "node?",
    grad_of: "tensor?",
  },
  "backward-start": { root: "tensor", grad: "tensor", node: "node?", retain_graph: "bool" },
  backward: { node: "node", name: "string", grad_outputs: "tensors", grad_inputs: "tensors?" },
  accumulate: { node: "node", tensor: "tensor", incoming: "tensor", total: "tensor" },
  "retain-grad": { tensor: "tensor", total: "tensor" },
  "backward-end": { root: "tensor" },
  "grad-set": { tensor: "tensor", grad: "tensor?" },
  warning: { category: "string", message: "string" },
  error: { py_type: "string", message: "string" },
};

function validateTrace(v: unknown): asserts v is Trace {
  if (!isObj(v))
    throw new TraceFormatError("", `not a gradlens trace: expected a JSON object, got ${describe(v)}`);
  if (!Object.hasOwn(v, "format")) throw new TraceFormatError("", "not a gradlens trace: format is missing");
  if (v.format !== TRACE_FORMAT) {
    throw new TraceFormatError(
      "",
      `not a gradlens trace: format is ${describe(v.format)}, expected "${TRACE_FORMAT}"`,
    );
  }
  if (!Object.hasOwn(v, "version")) throw new TraceFormatError("trace.version", "missing");
  if (v.version !== TRACE_VERSION) {
    throw new TraceFormatError(
      "trace.version",
      `unsupported trace version ${describe(v.version)} (this gradlens reads version ${TRACE_VERSION})`,
    );
  }
  const t = obj(v, "trace", ["format", "version", "meta", "tensors", "nodes", "events"]);
  validateMeta(t.meta);
  const events = arr(t.events, "trace.events");
  const nEvents = events.length;
  if (!isObj(t.tensors)) fail("trace.tensors", "an object", t.tensors);
  if (!isObj(t.nodes)) fail("trace.nodes", "an object", t.nodes);
  const tensors = t.tensors;
  const nodes = t.nodes;

  const tensorRef = (x: unknown, path: string, at: number): void => {
    if (typeof x !== "string" || !Object.hasOwn(tensors, x)) fail(path, "a tensor id", x);
    const created = (tensors[x] as TensorRecord).created_at;
    if (created > at)
      throw new TraceFormatError(path, `tensor ${x} is created at event ${created}, after this`);
  };
  const nodeRef = (x: unknown, path: string): void => {
    if (typeof x !== "string" || !Object.hasOwn(nodes, x)) fail(path, "a node id", x);
  };

  for (const [id, rec] of Object.entries(tensors)) validateTensor(id, rec, nEvents, nodeRef);
  for (const [id, rec] of Object.entries(nodes)) {
    const path = keyPath("trace.nodes", id);
    if (!NODE_ID.test(id)) throw new TraceFormatError(path, `expected a node id like "n1" as key`);
    const n = obj(rec, path, NODE_FIELDS);
    if (n.id !== id) fail(`${path}.id`, JSON.stringify(id), n.id);
    str(n.name, `${path}.name`);
    const created = int(n.created_at, `${path}.created_at`);
    if (created >= nEvents) fail(`${path}.created_at`, `an event index below ${nEvents}`, created);
    if (n.tensor !== null) tensorRef(n.tensor, `${path}.tensor`, nEvents);
    arr(n.next, `${path}.next`).forEach((edge, i) => {
      const p = `${path}.next[${i}]`;
      if (!Array.isArray(edge) || edge.length !== 2) fail(p, "a pair [node id | null, input index]", edge);
      if (edge[0] !== null) nodeRef(edge[0], `${p}[0]`);
      int(edge[1], `${p}[1]`);
    });
  }

  events.forEach((e, i) => {
    const path = `trace.events[${i}]`;
    if (!isObj(e)) fail(path, "an object", e);
    if (typeof e.kind !== "string" || !(EVENT_KINDS as readonly string[]).includes(e.kind)) {
      fail(`${path}.kind`, `one of ${EVENT_KINDS.join(", ")}`, e.kind);
    }
    const spec = EVENT_FIELDS[e.kind];
    obj(e, path, [...BASE_FIELDS, ...Object.keys(spec)]);
    validateSource(e.source, `${path}.source`);
    strOrNull(e.scope, `${path}.scope`);
    for (const [field, check] of Object.entries(spec)) {
      const p = `${path}.${field}`;
      const x = e[field];
      switch (check) {
        case "tensor":
          tensorRef(x, p, i);
          break;
        case "tensor?":
          if (x !== null) tensorRef(x, p, i);
          break;
        case "tensors":
          arr(x, p).forEach((y, j) => tensorRef(y, `${p}[${j}]`, i));
          break;
        case "tensors?":
          arr(x, p).forEach((y, j) => {
            if (y !== null) tensorRef(y, `${p}[${j}]`, i);
          });
          break;
        case "node":
          nodeRef(x, p);
          break;
        case "node?":
          if (x !== null) nodeRef(x, p);
          break;
        case "string":
          str(x, p);
          break;
        case "bool":
          bool(x, p);
          break;
        case "attrs":
          if (!isObj(x)) fail(p, "an object", x);
          validateAttr(x, p, 0);
          break;
      }
    }
  });
}

function validateMeta(v: unknown): void {
  const m = obj(v, "trace.meta", ["created_by", "engine", "size_cap", "program", "title"]);
  str(m.created_by, "trace.meta.created_by");
  str(m.engine, "trace.meta.engine");
  int(m.size_cap, "trace.meta.size_cap");
  strOrNull(m.title, "trace.meta.title");
  if (m.program !== null) {
    const p = obj(m.program, "trace.meta.program", ["language", "source"]);
    if (!["python", "typescript", "javascript"].includes(p.language as string)) {
      fail("trace.meta.program.language", '"python", "typescript" or "javascript"', p.language);
    }
    str(p.source, "trace.meta.program.source");
  }
}

function validateSource(v: unknown, path: string): void {
  if (v === null) return;
  const s = obj(v, path, ["line"]);
  int(s.line, `${path}.line`, 1);
}

function validateAttr(v: unknown, path: string, depth: number): void {
  if (depth > 32) throw new TraceFormatError(path, "nested too deeply");
  if (v === null || typeof v === "string" || typeof v === "boolean") return;
  if (typeof v === "number") {
    if (!Number.isFinite(v)) fail(path, "a finite number", v);
    return;
  }
  if (Array.isArray(v)) {
    v.forEach((x, i) => validateAttr(x, `${path}[${i}]`, depth + 1));
    return;
  }
  if (isObj(v)) {
    for (const [k, x] of Object.entries(v)) validateAttr(x, keyPath(path, k), depth + 1);
    return;
  }
  fail(path, "a JSON value", v);
}

function validateTensor(
  id: string,
  v: unknown,
  nEvents: number,
  nodeRef: (x: unknown, path: string) => void,
): void {
  const path = keyPath("trace.tensors", id);
  if (!TENSOR_ID.test(id))
    throw new TraceFormatError(path, `expected a tensor id like "t1" or "t1.2" as key`);
  const r = obj(v, path, TENSOR_FIELDS);
  if (r.id !== id) fail(`${path}.id`, JSON.stringify(id), r.id);
  const tensorId = int(r.tensor_id, `${path}.tensor_id`, 1);
  const snapshot = int(r.snapshot, `${path}.snapshot`);
  if (tensorRecordId(tensorId, snapshot) !== id) {
    throw new TraceFormatError(
      `${path}.snapshot`,
      `tensor_id ${tensorId} and snapshot ${snapshot} do not make id ${id}`,
    );
  }
  int(r.version, `${path}.version`);
  const shape = arr(r.shape, `${path}.shape`);
  if (shape.length > 64) throw new TraceFormatError(`${path}.shape`, "more than 64 dimensions");
  let numel = 1;
  shape.forEach((d, i) => (numel *= int(d, `${path}.shape[${i}]`)));
  if (!["float32", "int64", "bool"].includes(r.dtype as string)) {
    fail(`${path}.dtype`, '"float32", "int64" or "bool"', r.dtype);
  }
  if (r.data !== null) {
    const data = arr(r.data, `${path}.data`);
    if (data.length !== numel) {
      throw new TraceFormatError(
        `${path}.data`,
        `expected ${numel} elements for shape [${shape.join(", ")}], got ${data.length}`,
      );
    }
    validateData(data, r.dtype as string, `${path}.data`);
  }
  const s = obj(r.summary, `${path}.summary`, SUMMARY_FIELDS);
  if (s.numel !== numel) fail(`${path}.summary.numel`, String(numel), s.numel);
  let counted = 0;
  for (const k of ["nan", "pos_inf", "neg_inf", "zero", "negative", "positive"] as const) {
    counted += int(s[k], `${path}.summary.${k}`);
  }
  if (counted !== numel) {
    throw new TraceFormatError(`${path}.summary`, `counts add up to ${counted}, expected ${numel}`);
  }
  for (const k of ["min", "max", "mean", "norm"] as const) finiteOrNull(s[k], `${path}.summary.${k}`);
  bool(r.requires_grad, `${path}.requires_grad`);
  bool(r.is_leaf, `${path}.is_leaf`);
  strOrNull(r.grad_fn, `${path}.grad_fn`);
  if (r.node !== null) nodeRef(r.node, `${path}.node`);
  strOrNull(r.label, `${path}.label`);
  strOrNull(r.scope, `${path}.scope`);
  bool(r.wrapped, `${path}.wrapped`);
  const created = int(r.created_at, `${path}.created_at`);
  if (created >= nEvents) fail(`${path}.created_at`, `an event index below ${nEvents}`, created);
}

const SPECIAL = new Set(["nan", "inf", "-inf", "-0"]);

/** Element types per dtype; float32 numbers are rounded to float32, as they were written. */
function validateData(data: unknown[], dtype: string, path: string): void {
  for (let i = 0; i < data.length; i++) {
    const x = data[i];
    if (typeof x === "number") {
      if (!Number.isFinite(x)) fail(`${path}[${i}]`, "a finite number", x);
      if (dtype === "float32") data[i] = Math.fround(x);
      else if (dtype === "int64" && !Number.isInteger(x))
        fail(`${path}[${i}]`, "an integer (dtype int64)", x);
      else if (dtype === "bool" && x !== 0 && x !== 1) fail(`${path}[${i}]`, "0 or 1 (dtype bool)", x);
    } else if (typeof x !== "string" || !SPECIAL.has(x) || (dtype !== "float32" && x !== "-0")) {
      fail(`${path}[${i}]`, dtype === "float32" ? 'a number, "nan", "inf", "-inf" or "-0"' : "a number", x);
    }
  }
}
