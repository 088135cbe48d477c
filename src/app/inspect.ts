/**
 * What the inspector says about a node: its tensor and grad as PyTorch prints them, autograd facts,
 * and in words why a tensor has no `.grad`. Pure: trace + graph model in, plain data out.
 */
import { Node } from "../engine/autograd.ts";
import { allocate } from "../engine/dtype.ts";
import { reprTensor } from "../engine/repr.ts";
import { Tensor } from "../engine/tensor.ts";
import type { GraphNode, StepState } from "../trace/graph.ts";
import { baseTensorId, type Summary, type TensorRecord, type Trace } from "../trace/schema.ts";
import { decodeValue, type NonFinite, nonFiniteOf } from "../trace/values.ts";
import type { Origin } from "../analysis/origin.ts";
import { formatScalar } from "../render/format.ts";
import { originReport } from "../render/scene.ts";

/** A live engine Tensor holding a record's data and autograd flags (for reprTensor), or null above the size cap. */
export function tensorFromRecord(rec: TensorRecord): Tensor | null {
  if (!rec.data) return null;
  const values = allocate(rec.dtype, rec.data.length);
  for (let i = 0; i < rec.data.length; i++) values[i] = decodeValue(rec.data[i]);
  const t = new Tensor(values, rec.shape, rec.dtype);
  if (rec.grad_fn) t.setGradFn(new Node(rec.grad_fn, [], [], () => []));
  else if (rec.requires_grad && rec.is_leaf && rec.dtype === "float32") t.requiresGrad_(true);
  return t;
}

/** PyTorch's repr of a record (`tensor([1., nan], grad_fn=<MulBackward0>)`), or a summary line above the size cap. */
export function reprRecord(rec: TensorRecord): string {
  const t = tensorFromRecord(rec);
  if (t) return reprTensor(t);
  const s = rec.summary;
  return `tensor of shape (${rec.shape.join(", ")}), ${s.numel} elements: only its summary was kept (size cap)`;
}

/** `torch.Size([2, 3])`, as PyTorch prints a shape. */
export function torchSize(shape: readonly number[]): string {
  return `torch.Size([${shape.join(", ")}])`;
}

export interface TensorFacts {
  record: string;
  repr: string;
  shape: string;
  dtype: string;
  summary: Summary;
  nonfinite: NonFinite;
}

function facts(trace: Trace, id: string | null | undefined): TensorFacts | null {
  const rec = id ? trace.tensors[id] : undefined;
  if (!rec) return null;
  return {
    record: rec.id,
    repr: reprRecord(rec),
    shape: torchSize(rec.shape),
    dtype: `torch.${rec.dtype}`,
    summary: rec.summary,
    nonfinite: nonFiniteOf(rec.summary),
  };
}

/** One operand of an op as the inspector lists it. */
export interface Operand {
  name: string;
  /** The value for a one-element tensor, else its shape. */
  text: string;
  nonfinite: NonFinite;
}

export interface OpCall {
  op: string;
  inputs: Operand[];
  output: Operand;
  /** `log(0.) = -inf`, or with names and shapes for tensors. */
  formula: string;
  /** The inputs were all finite and the output is not: the first nan / inf was made here. */
  bornHere: boolean;
}

function operand(trace: Trace, id: string): Operand {
  const rec = trace.tensors[id];
  const nf = nonFiniteOf(rec.summary);
  let text: string;
  if (rec.data && rec.data.length === 1) text = formatScalar(decodeValue(rec.data[0]), rec.dtype);
  else text = `${rec.dtype === "float32" ? "" : `${rec.dtype} `}[${rec.shape.join("×") || "scalar"}]`;
  // an unnamed intermediate is shown by its value or shape: its record id means nothing to a reader
  return { name: rec.label ?? text, text, nonfinite: nf };
}

/** What an op node of the values view did, read from its event (`op<k>`). */
export function opCall(trace: Trace, node: GraphNode): OpCall | null {
  const m = /^op(\d+)$/.exec(node.stubFor ?? node.id);
  const e = m ? trace.events[Number(m[1])] : undefined;
  if (!e || (e.kind !== "op" && e.kind !== "inplace")) return null;
  const ids = e.kind === "inplace" && e.target ? [e.target, ...e.inputs] : e.inputs;
  const inputs = ids.map((id) => operand(trace, id));
  const output = operand(trace, e.out);
  const arg = (o: Operand) => (o.name === o.text ? o.text : `${o.name}=${o.text}`);
  const formula = `${e.op}(${inputs.map(arg).join(", ")}) = ${output.text}`;
  return {
    op: e.op,
    inputs,
    output,
    formula,
    bornHere: output.nonfinite !== null && inputs.every((i) => i.nonfinite === null),
  };
}

/** Where a nan / ±inf was born, in words and formulas (src/analysis), for the node that made it. */
export interface OriginInfo {
  direction: "forward" | "backward";
  value: string;
  text: string;
  steps: { op: string; formula: string; note: string | null; line: number | null }[];
}

/** The graph node standing for an origin in the node's view (as render marks it). */
function originNodeId(trace: Trace, o: Origin, node: GraphNode, view: "values" | "autograd"): string | null {
  if (o.direction === "forward") {
    if (o.kind === "create") return view === "values" ? o.tensor : baseTensorId(o.tensor);
    return view === "values" ? `op${o.event}` : o.node;
  }
  if (o.kind === "accumulate") {
    const e = trace.events[o.event];
    return e.kind === "accumulate" ? (view === "values" ? e.tensor : o.node) : null;
  }
  if (view === "autograd") return o.node;
  return node.kind === "op" && node.gradFn === o.node ? node.id : null;
}

export function originsAt(trace: Trace, node: GraphNode, state: StepState): OriginInfo[] {
  const r = originReport(trace);
  const own = node.stubFor ?? node.id;
  const out: OriginInfo[] = [];
  for (const o of [r.forward, r.backward]) {
    if (!o || o.event > state.step || originNodeId(trace, o, node, state.view) !== own) continue;
    out.push({
      direction: o.direction,
      value: o.value,
      text: o.cause.text,
      steps: o.cause.steps.map((s) => ({ op: s.op, formula: s.formula, note: s.note, line: s.line })),
    });
  }
  return out;
}

export interface Inspection {
  id: string;
  /** The variable name, op or grad_fn name. */
  title: string;
  kind: GraphNode["kind"];
  kindLabel: string;
  value: TensorFacts | null;
  /** `.grad` (leaves, retained grads), or for a grad_fn node the grad it received. */
  grad: TensorFacts | null;
  gradLabel: string;
  /** A grad that flowed through but is not kept (a non-leaf's): what retain_grad() would show. */
  flowed: TensorFacts | null;
  requiresGrad: boolean | null;
  isLeaf: boolean | null;
  gradFn: string | null;
  /** grad_fn nodes: next_functions as names. */
  next: string[];
  /** Words about the grad: why there is none, what retain_grad() would do. */
  notes: string[];
  line: number | null;
  scope: string | null;
  stubFor: string | null;
  /** The step at which the node appeared. */
  step: number;
  /** Op nodes: what went in and what came out. */
  call: OpCall | null;
  /** This node is where a nan / ±inf was born: how. */
  origins: OriginInfo[];
}

const KIND_LABEL: Record<GraphNode["kind"], string> = {
  leaf: "leaf tensor (requires grad)",
  constant: "leaf tensor (constant: no grad)",
  tensor: "non-leaf tensor",
  "grad-fn": "grad_fn node",
  "accumulate-grad": "AccumulateGrad node",
  op: "op",
};

function nameOf(rec: TensorRecord | undefined, fallback: string): string {
  return rec?.label ?? fallback;
}

export function inspectNode(trace: Trace, node: GraphNode, state: StepState): Inspection {
  const own = node.stubFor ?? node.id;
  const rec = node.tensor ? trace.tensors[node.tensor] : undefined;
  const value =
    node.kind === "grad-fn" || node.kind === "accumulate-grad" || node.kind === "op"
      ? null
      : facts(trace, node.tensor);
  const notes: string[] = [];
  const base = rec ? baseTensorId(rec.id) : null;
  const kept = base !== null && state.grads.has(base) ? (state.grads.get(base) ?? null) : undefined;
  let grad: TensorFacts | null = null;
  let flowed: TensorFacts | null = null;
  let gradLabel = ".grad";
  const name = nameOf(rec, node.label ?? own);

  if (node.kind === "grad-fn" || node.kind === "accumulate-grad") {
    gradLabel = "incoming grad";
    grad = facts(trace, node.grad);
    // an unnamed output is described, not named by its record id (which means nothing to a reader)
    const out = rec?.label ?? null;
    notes.push(
      node.kind === "accumulate-grad"
        ? `Adds the gradient it receives into ${out ?? "the leaf"}.grad (leaves accumulate across backward() calls).`
        : out
          ? `Computes the gradients of ${out}'s inputs from the gradient of ${out} (the chain rule for one op).`
          : "Computes the gradients of the op's inputs from the gradient of its output (the chain rule for one op).",
    );
  } else if (node.kind === "op") {
    grad = null;
    const call = opCall(trace, node);
    if (call?.bornHere) {
      notes.push(
        `The first ${call.output.nonfinite} was made here: every input of ${call.op} was finite, its output is not.`,
      );
    }
  } else if (node.kind === "leaf") {
    grad = kept ? facts(trace, kept) : null;
    if (!kept) {
      notes.push(
        kept === null
          ? `${name}.grad was set to None (e.g. by zero_grad()).`
          : `${name}.grad is None until a backward() reaches ${name}; then it holds ∂output/∂${name}, and further backward() calls add to it.`,
      );
    }
  } else if (node.kind === "constant") {
    notes.push(
      `${name} does not require grad: autograd does not track it and never gives it a .grad. Create it with requires_grad=True to make it a leaf that receives one.`,
    );
  } else if (rec && !rec.requires_grad) {
    notes.push(
      `${name} does not require grad (its inputs do not, or it was computed under no_grad / from a detached tensor), so it is not part of the graph and has no .grad.`,
    );
  } else if (kept) {
    grad = facts(trace, kept);
    notes.push(`${name} called retain_grad(), so backward() kept its gradient in ${name}.grad.`);
  } else {
    flowed = facts(trace, state.nodeGrad.get(own) ?? null);
    notes.push(
      `${name} is not a leaf (it was made by ${rec?.grad_fn ?? "an op"}), so backward() passes its gradient on to the inputs without storing it: ${name}.grad is None, and reading it warns.`,
    );
    notes.push(
      flowed
        ? `${name}.retain_grad() before backward() would keep it: ${name}.grad would be the gradient shown below, the one that flowed through ${name}.`
        : `${name}.retain_grad() before backward() would keep the gradient that flows through it in ${name}.grad.`,
    );
  }

  const gradFnRec = node.gradFn ? trace.nodes[node.gradFn] : undefined;
  const next =
    node.kind === "grad-fn" && gradFnRec
      ? gradFnRec.next.map(([m]) => (m ? (trace.nodes[m]?.name ?? m) : "None"))
      : [];
  return {
    id: node.id,
    title:
      node.kind === "grad-fn" || node.kind === "accumulate-grad" || node.kind === "op"
        ? (node.label ?? own)
        : name,
    kind: node.kind,
    kindLabel: KIND_LABEL[node.kind],
    value,
    grad,
    gradLabel,
    flowed,
    requiresGrad: rec ? rec.requires_grad : null,
    isLeaf: rec ? rec.is_leaf : null,
    gradFn:
      node.kind === "grad-fn" || node.kind === "accumulate-grad"
        ? (node.label ?? null)
        : (rec?.grad_fn ?? null),
    next,
    notes,
    line: node.line,
    scope: node.scope,
    stubFor: node.stubFor,
    step: node.step,
    call: node.kind === "op" ? opCall(trace, node) : null,
    origins: originsAt(trace, node, state),
  };
}

/** A number as the health table shows it: 4 significant digits, nan/inf spelled as PyTorch does. */
export function fmtNumber(v: number | null): string {
  if (v === null) return "–";
  if (Number.isNaN(v)) return "nan";
  if (v === Infinity) return "inf";
  if (v === -Infinity) return "-inf";
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-4) return v.toExponential(3);
  return String(Number(v.toPrecision(5)));
}
