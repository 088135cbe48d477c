/**
 * What the current step writes on the picture: the chain rule on each edge a gradient just travelled
 * (`upstream × local = downstream` for scalars, shapes for tensors) and a leaf's `.grad` accumulating.
 */
import { explainBackward } from "../analysis/explain.ts";
import { fmt as fmtNumber } from "../analysis/format.ts";
import { shapeText } from "../layout/box.ts";
import type { Scene, SceneEdge } from "../render/types.ts";
import type { TensorRecord, Trace } from "../trace/schema.ts";
import { baseTensorId } from "../trace/schema.ts";
import { decodeValue, nonFiniteOf } from "../trace/values.ts";

export interface Note {
  /** Scene edge or node id. */
  target: string;
  on: "edge" | "node";
  text: string;
  nonfinite: boolean;
  /** The formula in symbols (`grad × (1 - y) × y, y = sigmoid(x)`), when known: a tooltip. */
  symbolic?: string;
}

function scalarOf(rec: TensorRecord | undefined): number | null {
  if (!rec || !rec.data || rec.data.length !== 1) return null;
  return decodeValue(rec.data[0]);
}

/** A number as the explanations of src/analysis write it (`1.0`, `0.14112`, `-inf`). */
function num(v: number, dtype: TensorRecord["dtype"] = "float32"): string {
  return fmtNumber(v, dtype === "float32" ? "float32" : "int");
}

function fmt(trace: Trace, id: string | null): string {
  const rec = id ? trace.tensors[id] : undefined;
  if (!rec) return "?";
  const v = scalarOf(rec);
  return v === null ? `[${shapeText(rec.shape, rec.dtype) || "?"}]` : num(v, rec.dtype);
}

function bad(trace: Trace, ...ids: (string | null)[]): boolean {
  return ids.some(
    (id) => id !== null && trace.tensors[id] !== undefined && nonFiniteOf(trace.tensors[id].summary) !== null,
  );
}

/**
 * The chain rule for one edge: `up × local = down`. For scalars the local derivative is down / up when
 * that is defined (up finite and non-zero); otherwise the word `local` stands in for it.
 */
export function chainText(trace: Trace, up: string | null, down: string | null): string {
  const u = up ? trace.tensors[up] : undefined;
  const d = down ? trace.tensors[down] : undefined;
  if (!u || !d) return fmt(trace, down);
  const uv = scalarOf(u);
  const dv = scalarOf(d);
  if (uv === null || dv === null) return `${fmt(trace, up)} × J → ${fmt(trace, down)}`;
  if (up === down) return num(dv, d.dtype);
  const local = Number.isFinite(uv) && uv !== 0 && Number.isFinite(dv) ? Math.fround(dv / uv) : null;
  return `${num(uv, u.dtype)} × ${local === null ? "local" : num(local)} = ${num(dv, d.dtype)}`;
}

/**
 * The chain rule of backward event `k` for its `slot`-th grad input, with the real local derivative
 * where src/analysis knows the op's formula (`0.14112 × 2 × 3.0 ** 1 = 0.84672`); null otherwise.
 */
export function explainedChain(
  trace: Trace,
  k: number,
  slot: number,
): { text: string; symbolic: string } | null {
  const e = trace.events[k];
  if (e?.kind !== "backward") return null;
  const g = e.grad_inputs[slot];
  if (!g || scalarOf(trace.tensors[g]) === null) return null;
  try {
    const step = explainBackward(trace, k, slot, 0).steps.at(-1);
    return step && step.event === k && step.symbolic ? { text: step.formula, symbolic: step.symbolic } : null;
  } catch {
    // an op the analysis has no formula for: the plain product is shown instead
    return null;
  }
}

/** The notes for the scene at `step`. */
export function stepNotes(trace: Trace, step: number, scene: Scene): Note[] {
  const e = trace.events[step];
  if (!e) return [];
  const notes: Note[] = [];
  const moved = scene.edges.filter((x: SceneEdge) => x.gradStep === step && x.grad !== null);
  if (e.kind === "backward") {
    const up = e.grad_outputs[0] ?? null;
    for (const edge of moved) {
      const slot = edge.grad ? e.grad_inputs.indexOf(edge.grad) : -1;
      const why = slot >= 0 ? explainedChain(trace, step, slot) : null;
      notes.push({
        target: edge.id,
        on: "edge",
        text: why ? why.text : chainText(trace, up, edge.grad),
        nonfinite: bad(trace, edge.grad),
        ...(why ? { symbolic: why.symbolic } : {}),
      });
    }
  } else if (e.kind === "backward-start") {
    for (const edge of moved)
      notes.push({
        target: edge.id,
        on: "edge",
        text: `seed ${fmt(trace, e.grad)}`,
        nonfinite: bad(trace, e.grad),
      });
  } else if (e.kind === "accumulate") {
    for (const edge of moved)
      notes.push({
        target: edge.id,
        on: "edge",
        text: fmt(trace, e.incoming),
        nonfinite: bad(trace, e.incoming),
      });
    const leaf = baseTensorId(e.tensor);
    const node = scene.nodes.find(
      (n) => !n.stub && n.node !== null && baseTensorId(n.node) === leaf && n.kind === "leaf",
    );
    if (node) {
      const before = previousGrad(trace, step, leaf);
      const text =
        before === null
          ? `.grad = ${fmt(trace, e.total)}`
          : `.grad ${fmt(trace, before)} + ${fmt(trace, e.incoming)} = ${fmt(trace, e.total)}`;
      notes.push({ target: node.id, on: "node", text, nonfinite: bad(trace, e.total) });
    }
  }
  return notes;
}

/** The `.grad` a leaf had just before `step` (null: None). */
function previousGrad(trace: Trace, step: number, leaf: string): string | null {
  for (let k = step - 1; k >= 0; k--) {
    const e = trace.events[k];
    if ((e.kind === "accumulate" || e.kind === "retain-grad") && baseTensorId(e.tensor) === leaf)
      return e.total;
    if (e.kind === "grad-set" && baseTensorId(e.tensor) === leaf) return e.grad;
    if (e.kind === "inplace" && e.grad_of && baseTensorId(e.grad_of) === leaf) return e.out;
  }
  return null;
}

/** The point halfway along a polyline (where an edge's note sits). */
export function midpoint(points: readonly { x: number; y: number }[]): { x: number; y: number } {
  if (points.length === 0) return { x: 0, y: 0 };
  let total = 0;
  for (let i = 1; i < points.length; i++)
    total += Math.hypot(points[i].x - points[i - 1].x, points[i].y - points[i - 1].y);
  let left = total / 2;
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1];
    const b = points[i];
    const l = Math.hypot(b.x - a.x, b.y - a.y);
    if (l >= left && l > 0) return { x: a.x + ((b.x - a.x) * left) / l, y: a.y + ((b.y - a.y) * left) / l };
    left -= l;
  }
  return points[points.length - 1];
}
