/**
 * The label of an op node: the op's name and the arguments that say what it did, as the program
 * wrote them where short (`** 2`, `clamp [1e-08, 1]`, `sum dim=0`, `select [:, 2]`). Attributes that
 * hold their default say nothing and are left out; a label that would be long stays the bare name.
 */
import { pyFloatRepr } from "../engine/pyformat.ts";
import type { AttrValue, DType } from "../trace/schema.ts";
import { formatFloat32 } from "../trace/values.ts";

/** Longer labels make wide pills: past this many characters the op keeps its bare name. */
export const MAX_OP_LABEL = 24;

type Attrs = Record<string, AttrValue>;

function isNum(v: AttrValue | undefined): v is number | { float: "nan" | "inf" | "-inf" } {
  return typeof v === "number" || (!!v && typeof v === "object" && !Array.isArray(v) && "float" in v);
}

/**
 * A number as Python writes it, without a trailing `.0` (`2`, `0.5`, `1e-08`, `inf`). With `f32`, the
 * float32 value the op really used (`1 - 1e-8` is `1` in float32: what the clamp bound became).
 */
export function shortNumber(v: number | { float: string }, f32 = false): string {
  if (typeof v !== "number") return v.float;
  if (!Number.isFinite(v)) return Number.isNaN(v) ? "nan" : v > 0 ? "inf" : "-inf";
  const x = f32 ? Math.fround(v) : v;
  if (Number.isInteger(x) && Math.abs(x) < 1e16) return String(x);
  return pyFloatRepr(f32 ? Number(formatFloat32(x)) : x).replace(/\.0$/, "");
}

function dimsText(dim: AttrValue | undefined): string | null {
  if (typeof dim === "number") return `dim=${dim}`;
  if (Array.isArray(dim) && dim.every((d) => typeof d === "number")) {
    if (dim.length === 0) return null;
    return dim.length === 1 ? `dim=${dim[0]}` : `dim=(${dim.join(", ")})`;
  }
  return null;
}

/** A tuple of ints as Python writes it: `(3,)`, `(2, 3)`. */
function tuple(v: AttrValue | undefined): string | null {
  if (!Array.isArray(v) || !v.every((d) => typeof d === "number")) return null;
  return v.length === 1 ? `(${v[0]},)` : `(${v.join(", ")})`;
}

/** Python's index into dimension `dim`: `[2]`, `[:, 2]`, `[:, 1:3]`. */
function indexText(dim: AttrValue | undefined, index: string): string | null {
  if (typeof dim !== "number" || dim < 0 || dim > 3) return null;
  return `[${":, ".repeat(dim)}${index}]`;
}

function sliceText(a: Attrs): string | null {
  const { start, length } = a;
  const step = a.step ?? 1;
  if (typeof start !== "number" || typeof length !== "number" || typeof step !== "number") return null;
  const end = start + (length - 1) * step + 1;
  return indexText(a.dim, step === 1 ? `${start}:${end}` : `${start}:${end}:${step}`);
}

/** Reductions and normalizations: the dims, keepdim, and a correction other than the default 1. */
function reduceText(a: Attrs): string[] {
  const out: string[] = [];
  const d = dimsText(a.dim ?? a.dims);
  if (d) out.push(d);
  if (a.keepdim === true) out.push("keepdim");
  if (typeof a.correction === "number" && a.correction !== 1) out.push(`correction=${a.correction}`);
  return out;
}

const REDUCTIONS = new Set([
  "sum",
  "mean",
  "prod",
  "amax",
  "amin",
  "max",
  "min",
  "argmax",
  "argmin",
  "all",
  "any",
  "std",
  "var",
  "norm",
  "logsumexp",
  "softmax",
  "log_softmax",
  "cat",
  "stack",
  "unsqueeze",
  "squeeze",
]);

/** A (h, w) pair of a 2-D window as the program likely wrote it: `2` when square, `(1, 3)` otherwise. */
function pairText(v: AttrValue | undefined, dims: number): string | null {
  if (!Array.isArray(v) || v.length !== 2 || !v.every((d) => typeof d === "number")) return null;
  if (dims === 1 || v[0] === v[1]) return String(v[1]);
  return `(${v.join(", ")})`;
}

/** Convolution (`conv2d stride=2`, `conv1d pad=1`) and pooling (`max_pool2d 2`) labels. */
function windowText(op: string, a: Attrs): string | null {
  if (op !== "convolution") {
    const k = pairText(a.kernel, 2);
    return k && `${op} ${k}`;
  }
  const dims = typeof a.dims === "number" ? a.dims : 2;
  const out = [`conv${dims}d`];
  const stride = pairText(a.stride, dims);
  const pad = pairText(a.padding, dims);
  if (stride && stride !== "1") out.push(`stride=${stride}`);
  if (pad && pad !== "0") out.push(`pad=${pad}`);
  return out.join(" ");
}

function parts(op: string, a: Attrs, f32: boolean): string | null {
  switch (op) {
    case "pow":
      // the exponent as written: `** 2`, `** 2.0`, `** 0.5`
      if (typeof a.exponent !== "number") return null;
      return `** ${a.floatExponent === true ? pyFloatRepr(a.exponent) : shortNumber(a.exponent)}`;
    case "clamp": {
      const lo = isNum(a.min) ? shortNumber(a.min, f32) : null;
      const hi = isNum(a.max) ? shortNumber(a.max, f32) : null;
      if (lo !== null && hi !== null) return `clamp [${lo}, ${hi}]`;
      if (lo !== null) return `clamp ≥ ${lo}`;
      if (hi !== null) return `clamp ≤ ${hi}`;
      return null;
    }
    case "hardtanh":
      if (!isNum(a.minVal) || !isNum(a.maxVal)) return null;
      if (a.minVal === -1 && a.maxVal === 1) return null;
      return `hardtanh [${shortNumber(a.minVal, f32)}, ${shortNumber(a.maxVal, f32)}]`;
    case "mul.Scalar":
      return isNum(a.other) ? `* ${shortNumber(a.other)}` : null;
    case "div.Scalar":
      return isNum(a.other) ? `/ ${shortNumber(a.other)}` : null;
    case "add":
    case "sub":
    case "rsub":
      return isNum(a.alpha) && a.alpha !== 1 ? `${op} alpha=${shortNumber(a.alpha)}` : null;
    // normalization and padding (ops/norm.ts): the functional's name, not ATen's native_*
    case "native_layer_norm":
      return "layer_norm";
    case "native_batch_norm":
      return a.training === false ? "batch_norm eval" : "batch_norm";
    case "constant_pad_nd": {
      const t = tuple(a.pad);
      return t && `pad ${t}`;
    }
    case "select":
    case "unbind": {
      const ix = typeof a.index === "number" ? indexText(a.dim, String(a.index)) : null;
      return ix && (op === "select" ? ix : `unbind ${ix}`);
    }
    case "slice": {
      const s = sliceText(a);
      return s;
    }
    case "split": {
      const s = sliceText({ ...a, step: 1 });
      return s && `split ${s}`;
    }
    case "transpose":
      return typeof a.dim0 === "number" && typeof a.dim1 === "number"
        ? `transpose ${a.dim0}, ${a.dim1}`
        : null;
    case "permute":
    case "expand":
    case "repeat":
    case "view":
    case "reshape":
    case "_unsafe_view": {
      const t = tuple(op === "permute" ? a.dims : op === "repeat" ? a.repeats : a.shape);
      return t && `${op === "_unsafe_view" ? "view" : op} ${t}`;
    }
    // indexing, sorting and triangular ops
    case "gather":
    case "index_select":
    case "scatter":
    case "cumprod": {
      const d = dimsText(a.dim);
      const name = op === "scatter" && a.add === true ? "scatter_add" : op;
      return d && `${name} ${d}`;
    }
    case "median_dim": {
      const d = dimsText(a.dim);
      return d && `median ${d}${a.keepdim === true ? " keepdim" : ""}`;
    }
    case "sort":
      return a.descending === true ? "sort descending" : null;
    case "topk":
      return typeof a.k === "number" ? `topk k=${a.k}${a.largest === false ? " smallest" : ""}` : null;
    case "flip": {
      const t = tuple(a.dims);
      return t && `flip ${t}`;
    }
    case "tril":
    case "triu":
    case "diag":
      return typeof a.diagonal === "number" && a.diagonal !== 0 ? `${op} ${a.diagonal}` : null;
    case "convolution":
    case "max_pool2d":
    case "avg_pool2d":
      return windowText(op, a);
  }
  if (REDUCTIONS.has(op)) {
    // cat / stack along 0 and squeeze of every size-1 dim are the defaults: nothing to say
    const r = reduceText(a).filter((p) => !((op === "cat" || op === "stack") && p === "dim=0"));
    return r.length ? `${op} ${r.join(" ")}` : null;
  }
  return null;
}

/** The label of an op node; `dtype` is its output's (float32 bounds are shown as float32 used them). */
export function opTitle(op: string, attrs: Attrs | null, dtype: DType | null = null): string {
  if (!attrs) return op;
  const label = parts(op, attrs, dtype === "float32");
  return label && [...label].length <= MAX_OP_LABEL ? label : op;
}
