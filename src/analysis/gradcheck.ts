/**
 * Gradient check: for a chosen leaf, central finite differences of the loss in float64, side by side
 * with the grad autograd computed (in float32) for the same backward() call, with the relative error.
 *
 * The loss is recomputed by replaying the iteration's forward op events in float64 (./f64.ts) with
 * the leaf perturbed, from the values the trace recorded for everything made outside the graph
 * (data, constants, parameters as last updated). The function checked is Σ root × seed, the quantity
 * backward() took the gradient of (the loss itself for `loss.backward()`).
 */
// the tensor module first: it loads the ops, which register themselves with the registry
import { Tensor } from "../engine/tensor.ts";
import { TorchError } from "../engine/errors.ts";
import { index as indexOp, type IndexSpec } from "../engine/ops/view.ts";
import { silently } from "../engine/events.ts";
import { noGrad } from "../engine/autograd.ts";
import type { AttrValue, InplaceEvent, OpEvent, Trace } from "../trace/schema.ts";
import { decodeValue } from "../trace/values.ts";
import { evalF64, type F64, type F64Attrs, hasF64 } from "./f64.ts";
import { elementName } from "./format.ts";
import { lookup, opInputs } from "./lookup.ts";

export interface GradcheckOptions {
  /** The iteration (backward() call) to check; default the last one that reached the leaf. */
  iteration?: number;
  /** Finite-difference step. Default 1e-6, torch.autograd.gradcheck's. */
  eps?: number;
  /** Flat element indices to check; default all, up to `maxElements`. */
  elements?: number[];
  maxElements?: number;
  /** Pass when |autograd - numeric| ≤ atol + rtol × |numeric|. Defaults 1e-5 and 1e-3 (torch.autograd.gradcheck's). */
  atol?: number;
  rtol?: number;
}

export interface GradcheckRow {
  element: number;
  /** `W1[0, 1]` */
  name: string;
  /** The leaf element's value. */
  value: number;
  /** What autograd computed (float32), from the trace. */
  autograd: number;
  /** Central finite difference in float64. */
  numeric: number;
  absError: number;
  /** |autograd - numeric| / max(|autograd|, |numeric|); 0 when both are 0. */
  relError: number;
  ok: boolean;
}

export interface GradcheckResult {
  /** The leaf's first record id and the record whose values were perturbed. */
  leaf: string;
  record: string;
  label: string | null;
  iteration: number;
  /** The backward root and the grad it started from. */
  root: string;
  eps: number;
  rows: GradcheckRow[];
  maxRelError: number;
  ok: boolean;
}

type OpLike = OpEvent | InplaceEvent;

function baseOp(e: OpLike): string {
  return e.kind === "inplace" && e.op.endsWith("_") ? e.op.slice(0, -1) : e.op;
}

/** A record's values in float64 (the recorded float32 values, exactly). */
export function recordF64(trace: Trace, recId: string): F64 {
  const rec = trace.tensors[recId];
  if (!rec.data) {
    throw new TorchError(
      "NotImplementedError",
      `gradlens cannot replay tensor ${recId}${rec.label ? ` (${rec.label})` : ""}: it has ${rec.summary.numel} elements, more than the trace's size cap (${trace.meta.size_cap}), so only its summary was kept; record with a larger sizeCap`,
    );
  }
  return { shape: [...rec.shape], dtype: rec.dtype, data: Float64Array.from(rec.data, decodeValue) };
}

function toEngine(t: F64): Tensor {
  const data =
    t.dtype === "float32"
      ? Float32Array.from(t.data)
      : t.dtype === "int64"
        ? Float64Array.from(t.data)
        : Uint8Array.from(t.data);
  return new Tensor(data, t.shape, t.dtype);
}

function isTensorRef(v: AttrValue): v is { tensor: string } {
  return (
    typeof v === "object" &&
    v !== null &&
    !Array.isArray(v) &&
    typeof (v as { tensor?: unknown }).tensor === "string"
  );
}

/** Attributes with tensors as float64 values (`asF64`) or engine tensors, non-finite numbers decoded. */
export function decodeAttrs(attrs: Record<string, AttrValue>, tensor: (id: string) => unknown): F64Attrs {
  const dec = (v: AttrValue): unknown => {
    if (Array.isArray(v)) return v.map(dec);
    if (v && typeof v === "object") {
      if (isTensorRef(v)) return tensor(v.tensor);
      if ("float" in v && Object.keys(v).length === 1) {
        const f = (v as { float: string }).float;
        return f === "nan" ? NaN : f === "inf" ? Infinity : -Infinity;
      }
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, dec(x)]));
    }
    return v;
  };
  return Object.fromEntries(Object.entries(attrs).map(([k, v]) => [k, dec(v)]));
}

/**
 * The forward part of one iteration, replayable in float64 as a function of one leaf's values: the
 * ops that record grad are recomputed in float64 (those depending on the leaf must be; the others
 * are when they can be), the rest (constants, the optimizer's no_grad updates) keep their values.
 */
export class ForwardF64 {
  readonly events: number[] = [];
  readonly tainted = new Set<string>();
  readonly leafRecord: string;
  readonly root: string;
  readonly seed: F64;

  constructor(
    readonly trace: Trace,
    readonly iteration: number,
    leafTensorId: number,
  ) {
    const it = lookup(trace).iterations[iteration];
    if (!it || it.backward === null) throw new Error(`iteration ${iteration} has no backward() call`);
    const start = trace.events[it.backward];
    if (start.kind !== "backward-start") throw new Error(`event ${it.backward} is not a backward-start`);
    this.root = start.root;
    this.seed = recordF64(trace, start.grad);
    let leafRecord: string | null = null;
    for (let k = it.start; k < it.backward; k++) {
      const e = trace.events[k];
      if (e.kind !== "op" && e.kind !== "inplace") continue;
      const ins = opInputs(e);
      // the leaf as the graph saw it: read by ops that record grad (not the optimizer's no_grad update)
      for (const r of e.grad_fn ? ins : []) {
        if (trace.tensors[r].tensor_id !== leafTensorId) continue;
        if (leafRecord && leafRecord !== r) {
          throw new TorchError(
            "NotImplementedError",
            `gradlens cannot gradcheck a leaf that changes within the forward pass (${leafRecord} and ${r})`,
          );
        }
        leafRecord = r;
        this.tainted.add(r);
      }
      if (ins.some((r) => this.tainted.has(r))) {
        this.tainted.add(e.out);
        this.events.push(k);
      } else if (e.grad_fn && trace.tensors[e.out].dtype === "float32" && hasF64(baseOp(e))) {
        // the rest of the graph in float64 too, as a float64 program would compute it
        this.events.push(k);
      }
    }
    if (!leafRecord) throw new Error(`the leaf is not used in the forward pass of iteration ${iteration}`);
    this.leafRecord = leafRecord;
  }

  /** Σ root × seed with the leaf set to `leaf` (float64 values). */
  loss(leaf: Float64Array): number {
    const { trace } = this;
    const values = new Map<string, F64>();
    const rec = trace.tensors[this.leafRecord];
    values.set(this.leafRecord, { shape: [...rec.shape], dtype: rec.dtype, data: leaf });
    const value = (id: string) => values.get(id) ?? recordF64(trace, id);
    for (const k of this.events) {
      const e = trace.events[k] as OpLike;
      const op = baseOp(e);
      const inputs = opInputs(e).map(value);
      const out = trace.tensors[e.out];
      let result: F64;
      if (op === "index") result = indexF64(e, inputs);
      else {
        result = evalF64(
          op,
          inputs,
          decodeAttrs(e.attrs, (id) => value(id)),
          () => decodeAttrs(e.attrs, (id) => toEngine(value(id))),
          [...out.shape],
          out.dtype,
        );
      }
      values.set(e.out, result);
    }
    const root = value(this.root);
    let f = 0;
    for (let i = 0; i < root.data.length; i++) f += root.data[i] * this.seed.data[i % this.seed.data.length];
    return f;
  }
}

/** Advanced indexing in float64: the engine's index on positions, `indices` telling which dims take a tensor. */
function indexF64(e: OpLike, inputs: F64[]): F64 {
  const [a, ...given] = inputs;
  const pattern = Array.isArray(e.attrs.indices) ? e.attrs.indices : given.map(() => 0);
  let next = 0;
  const spec: IndexSpec[] = pattern.map((p) => (p === null ? {} : toEngine(given[next++])));
  const pos = new Float32Array(a.data.length);
  for (let i = 0; i < pos.length; i++) pos[i] = i;
  const out = silently(() => noGrad(() => indexOp(new Tensor(pos, a.shape, "float32"), spec)));
  return { shape: [...out.shape], dtype: a.dtype, data: Float64Array.from(out.values, (p) => a.data[p]) };
}

/** The iteration to check by default: the last backward() call whose pass reached the leaf. */
function defaultIteration(trace: Trace, leafTensorId: number): number {
  const { iterAt } = lookup(trace);
  for (let k = trace.events.length - 1; k >= 0; k--) {
    const e = trace.events[k];
    if (e.kind === "accumulate" && trace.tensors[e.tensor].tensor_id === leafTensorId) return iterAt[k];
  }
  throw new Error("no backward() call reached this leaf");
}

/** Finite differences in float64 against autograd's grad for one leaf (issue 5's gradient check). */
export function gradcheck(trace: Trace, leafId: string, opts: GradcheckOptions = {}): GradcheckResult {
  const leafRec = trace.tensors[leafId];
  if (!leafRec) throw new Error(`no tensor record '${leafId}' in this trace`);
  if (!leafRec.is_leaf || !leafRec.requires_grad) {
    throw new Error(
      `${leafRec.label ?? leafId} is not a leaf that requires grad: only leaves have a .grad to check`,
    );
  }
  const tid = leafRec.tensor_id;
  const iteration = opts.iteration ?? defaultIteration(trace, tid);
  const fwd = new ForwardF64(trace, iteration, tid);
  const it = lookup(trace).iterations[iteration];
  // autograd's grad of this backward() call alone (before it is added into .grad)
  let autograd: Float64Array | null = null;
  for (let k = it.backward!; k <= it.end; k++) {
    const e = trace.events[k];
    if (e.kind === "accumulate" && trace.tensors[e.tensor].tensor_id === tid)
      autograd = recordF64(trace, e.incoming).data;
  }
  const base = recordF64(trace, fwd.leafRecord).data;
  autograd ??= new Float64Array(base.length);
  const eps = opts.eps ?? 1e-6;
  const atol = opts.atol ?? 1e-5;
  const rtol = opts.rtol ?? 1e-3;
  const elements =
    opts.elements ?? Array.from({ length: Math.min(base.length, opts.maxElements ?? 64) }, (_, i) => i);
  const rows: GradcheckRow[] = elements.map((j) => {
    const x = Float64Array.from(base);
    x[j] = base[j] + eps;
    const up = fwd.loss(x);
    x[j] = base[j] - eps;
    const down = fwd.loss(x);
    const numeric = (up - down) / (2 * eps);
    const a = autograd![j];
    const absError = Math.abs(a - numeric);
    const scale = Math.max(Math.abs(a), Math.abs(numeric));
    const relError = scale === 0 ? 0 : absError / scale;
    return {
      element: j,
      name: elementName(leafRec.label ?? leafId, leafRec.shape, j),
      value: base[j],
      autograd: a,
      numeric,
      absError,
      relError: Number.isNaN(relError) ? Infinity : relError,
      ok: absError <= atol + rtol * Math.abs(numeric),
    };
  });
  return {
    leaf: leafId.split(".")[0],
    record: fwd.leafRecord,
    label: leafRec.label,
    iteration,
    root: fwd.root,
    eps,
    rows,
    maxRelError: Math.max(0, ...rows.map((r) => r.relError)),
    ok: rows.every((r) => r.ok),
  };
}
