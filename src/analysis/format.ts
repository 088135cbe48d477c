/**
 * Numbers and expressions as a student reads them in an explanation: `1.0`, `0`, `-inf`, `1e-08`,
 * and `log(1 - y_pred)` rendered back from the trace's ops and variable names.
 */
import { pyFloatRepr } from "../engine/pyformat.ts";
import type { Trace } from "../trace/schema.ts";
import { formatFloat32 } from "../trace/values.ts";
import { lookup, opInputs, valuesOf } from "./lookup.ts";

/**
 * A number for an explanation. Float32 values print in their shortest exact spelling cut to 5
 * significant digits, unless the cut would turn a non-integer into an integer (0.99999994 must not
 * read as 1.0). Whole floats print as Python does (`1.0`) except zero, which reads best as `0`.
 * Doubles (a Python float in an attribute, `1 - 1e-8`) pass `double`.
 */
export function fmt(v: number, kind: "float32" | "double" | "int" = "float32"): string {
  if (v !== v) return "nan";
  if (v === Infinity) return "inf";
  if (v === -Infinity) return "-inf";
  if (v === 0) return 1 / v < 0 ? "-0" : "0";
  if (kind === "int") return String(v);
  const full = kind === "float32" ? Number(formatFloat32(v)) : v;
  const short = Number(full.toPrecision(5));
  const use = Number.isInteger(short) && !Number.isInteger(full) ? full : short;
  return pyFloatRepr(use);
}

/** A record's element for an explanation: ints plain, floats via fmt. */
export function fmtElement(trace: Trace, recId: string, value: number): string {
  const rec = trace.tensors[recId];
  return fmt(value, rec.dtype === "float32" ? "float32" : "int");
}

/** `x` or `x[1, 0]` for element `i` of a tensor of `shape`. */
export function elementName(name: string, shape: readonly number[], i: number): string {
  if (shape.length === 0 || shape.reduce((a, b) => a * b, 1) === 1) return name;
  const idx: number[] = [];
  let rest = i;
  for (let d = shape.length - 1; d >= 0; d--) {
    idx.unshift(rest % shape[d]);
    rest = Math.floor(rest / shape[d]);
  }
  return `${name}[${idx.join(", ")}]`;
}

/** Ops that only reshape or alias: an expression shows their input (`X @ W1`, not `squeeze(mm(...))`). */
const TRANSPARENT = new Set([
  "view",
  "reshape",
  "_unsafe_view",
  "flatten",
  "squeeze",
  "unsqueeze",
  "alias",
  "expand",
  "clone",
  "contiguous",
]);

const INFIX: Record<string, [string, number]> = {
  add: ["+", 1],
  sub: ["-", 1],
  mul: ["*", 2],
  div: ["/", 2],
  mm: ["@", 2],
  mv: ["@", 2],
  bmm: ["@", 2],
  matmul: ["@", 2],
};

/** Python spellings of functional ops whose trace name differs. */
const CALL_NAME: Record<string, string> = {
  log_softmax: "log_softmax",
  binary_cross_entropy: "F.binary_cross_entropy",
  binary_cross_entropy_with_logits: "F.binary_cross_entropy_with_logits",
  mse_loss: "F.mse_loss",
  nll_loss: "F.nll_loss",
  pow_tensor: "pow",
  native_layer_norm: "F.layer_norm",
  native_batch_norm: "F.batch_norm",
  embedding: "F.embedding",
  constant_pad_nd: "F.pad",
  mish: "F.mish",
  hardswish: "F.hardswish",
  prelu: "F.prelu",
  max_pool2d: "F.max_pool2d",
  avg_pool2d: "F.avg_pool2d",
  adaptive_avg_pool2d: "F.adaptive_avg_pool2d",
  lerp_tensor: "lerp",
  clamp_tensor: "clamp",
};

/** Reductions written as methods when they reduce everything: `x.sum()`, `x.std()`. */
const METHODS = new Set(["sum", "mean", "std", "var", "prod", "max", "min", "norm", "amax", "amin"]);

interface Rendered {
  text: string;
  /** Binding strength: 9 for atoms and calls, lower for infix forms (parenthesized inside tighter ones). */
  prec: number;
}

/**
 * The expression that computed a record, from variable names and ops, `depth` ops deep:
 * `log(1 - y_pred)`, `X @ W1 + b1`. Past the depth, or for an unnamed source, a `…` stands in.
 */
export function expr(trace: Trace, recId: string, depth = 3): string {
  return render(trace, recId, depth, true).text;
}

function render(trace: Trace, recId: string, depth: number, top: boolean): Rendered {
  const rec = trace.tensors[recId];
  if (!top && rec.label) return { text: rec.label, prec: 9 };
  if (rec.wrapped) {
    const v = valuesOf(trace, recId);
    if (v) return { text: fmt(v[0], rec.dtype === "float32" ? "double" : "int"), prec: 9 };
  }
  const k = lookup(trace).producer.get(recId);
  const e = k === undefined ? null : trace.events[k];
  if (!e || e.kind === "create" || (e.kind !== "op" && e.kind !== "inplace")) {
    if (rec.label) return { text: rec.label, prec: 9 };
    const v = valuesOf(trace, recId);
    if (v && v.length === 1) return { text: fmt(v[0], rec.dtype === "float32" ? "float32" : "int"), prec: 9 };
    return { text: "…", prec: 9 };
  }
  if (top && rec.label && depth <= 0) return { text: rec.label, prec: 9 };
  const ins = opInputs(e);
  if (TRANSPARENT.has(e.op) && ins.length >= 1) return render(trace, ins[0], depth, top);
  if (depth <= 0) return { text: rec.label ?? "…", prec: 9 };
  const sub = (i: number) => render(trace, ins[i], depth - 1, false);
  const wrap = (r: Rendered, prec: number, right = false) =>
    r.prec < prec || (right && r.prec === prec) ? `(${r.text})` : r.text;
  const op = e.op.endsWith("_") && e.kind === "inplace" ? e.op.slice(0, -1) : e.op;
  const alpha = typeof e.attrs.alpha === "number" ? e.attrs.alpha : 1;
  if (op === "rsub" && ins.length === 2) {
    return { text: `${wrap(sub(1), 1)} - ${wrap(sub(0), 1, true)}`, prec: 1 };
  }
  if (INFIX[op] && ins.length === 2) {
    const [sym, prec] = INFIX[op];
    const right = sub(1);
    const rightText = alpha !== 1 ? `${fmt(alpha, "double")} * ${wrap(right, 2)}` : wrap(right, prec, true);
    return { text: `${wrap(sub(0), prec)} ${sym} ${rightText}`, prec };
  }
  if (op === "neg" && ins.length === 1) return { text: `-${wrap(sub(0), 3)}`, prec: 3 };
  if (op === "pow" && ins.length === 1 && typeof e.attrs.exponent === "number") {
    const ex = e.attrs.exponent;
    const exText = fmt(ex, e.attrs.floatExponent ? "double" : "int");
    return { text: `${wrap(sub(0), 4)} ** ${ex < 0 ? `(${exText})` : exText}`, prec: 4 };
  }
  if (op === "pow_tensor" && ins.length === 2) {
    return { text: `${wrap(sub(0), 4)} ** ${wrap(sub(1), 4)}`, prec: 4 };
  }
  if ((op === "mul.Scalar" || op === "div.Scalar") && typeof e.attrs.other === "number") {
    return {
      text: `${wrap(sub(0), 2)} ${op === "mul.Scalar" ? "*" : "/"} ${fmt(e.attrs.other, "double")}`,
      prec: 2,
    };
  }
  if (op === "reciprocal" && ins.length === 1) return { text: `1 / ${wrap(sub(0), 2, true)}`, prec: 2 };
  if (op === "t" && ins.length === 1) return { text: `${wrap(sub(0), 9)}.t()`, prec: 9 };
  if (op === "select" && typeof e.attrs.dim === "number" && typeof e.attrs.index === "number") {
    return { text: `${wrap(sub(0), 9)}[${":, ".repeat(e.attrs.dim)}${e.attrs.index}]`, prec: 9 };
  }
  if (op === "slice" && typeof e.attrs.dim === "number" && typeof e.attrs.start === "number") {
    const { dim, start } = e.attrs;
    const length = typeof e.attrs.length === "number" ? e.attrs.length : 0;
    const step = typeof e.attrs.step === "number" ? e.attrs.step : 1;
    const stop = start + (length - 1) * step + 1;
    const range = `${start}:${stop}${step !== 1 ? `:${step}` : ""}`;
    return { text: `${wrap(sub(0), 9)}[${":, ".repeat(dim)}${range}]`, prec: 9 };
  }
  const args = ins.map((_, i) => sub(i).text);
  if (op === "clamp") {
    for (const key of ["min", "max"] as const) {
      const v = e.attrs[key];
      if (typeof v === "number") args.push(`${key}=${fmt(v, "double")}`);
    }
  }
  if (METHODS.has(op) && args.length === 1 && e.attrs.dim == null) {
    return { text: `${wrap(sub(0), 9)}.${op}()`, prec: 9 };
  }
  return { text: `${CALL_NAME[op] ?? op}(${args.join(", ")})`, prec: 9 };
}
