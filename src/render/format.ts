/**
 * Short value text on a node, PyTorch-like: the elements shown share one format chosen as
 * torch/_tensor_str.py's _Formatter does at precision 4 (`2.`, `0.4121`, `1.2346e+05`), nan/inf
 * spelled as PyTorch prints them. Digits come from Python's exact formatting (engine/pyformat.ts).
 */
import { pyExp, pyFixed } from "../engine/pyformat.ts";
import { fitText, textWidth } from "../layout/text.ts";
import type { DType, Summary } from "../trace/schema.ts";

const PRECISION = 4;

type FloatMode = "int" | "fixed" | "sci";

/** The format _Formatter picks for these float values. */
export function floatMode(values: readonly number[]): FloatMode {
  const finite = values.filter((v) => Number.isFinite(v) && v !== 0).map(Math.abs);
  if (finite.length === 0) return "int";
  const mn = Math.min(...finite);
  const mx = Math.max(...finite);
  const intMode = finite.every((v) => Math.ceil(v) === v);
  if (intMode) return mx / mn > 1000 || mx > 1e8 ? "sci" : "int";
  return mx / mn > 1000 || mx > 1e8 || mn < 1e-4 ? "sci" : "fixed";
}

function formatOne(v: number, dtype: DType, mode: FloatMode): string {
  if (dtype === "bool") return v ? "True" : "False";
  if (Number.isNaN(v)) return "nan";
  if (v === Infinity) return "inf";
  if (v === -Infinity) return "-inf";
  if (dtype === "int64") return String(v);
  if (mode === "sci") return pyExp(v, PRECISION);
  if (mode === "int") return `${pyFixed(v, 0)}.`;
  return pyFixed(v, PRECISION);
}

/** Each value in the common format of the group. */
export function formatValues(values: readonly number[], dtype: DType = "float32"): string[] {
  const mode = dtype === "float32" ? floatMode(values) : "int";
  return values.map((v) => formatOne(v, dtype, mode));
}

export function formatScalar(v: number, dtype: DType = "float32"): string {
  return formatValues([v], dtype)[0];
}

export interface ValueSource {
  /** The first elements (preview), or null above the trace's size cap. */
  values: readonly number[] | null;
  numel: number;
  dtype: DType;
  summary: Summary | null;
  /** With the shape, brackets nest as PyTorch prints them (`[1.]` is not `1.`); without it, a flat list. */
  shape?: readonly number[] | null;
}

/**
 * The first `k` elements (in row-major order) nested as the shape says, each level that has more
 * closed with `…`: `[[a, b], [c, …]]`, `[[a], [b], …]`; `k` = numel gives the whole tensor.
 */
function nestPrefix(shape: readonly number[], items: readonly string[], k: number): string {
  const block = (level: number, offset: number): string => {
    const n = shape[level];
    if (level === shape.length - 1) {
      const shown = Math.min(n, k - offset);
      return `[${items.slice(offset, offset + shown).join(", ")}${shown < n ? ", …" : ""}]`;
    }
    let size = 1;
    for (let d = level + 1; d < shape.length; d++) size *= shape[d];
    const parts: string[] = [];
    for (let i = 0; i < n; i++) {
      if (offset + i * size >= k) {
        parts.push("…");
        break;
      }
      parts.push(block(level + 1, offset + i * size));
    }
    return `[${parts.join(", ")}]`;
  };
  return block(0, 0);
}

/**
 * The text that fits `maxWidth` px at `size` px monospace: a scalar, `[a, b, c, …]` with as many
 * elements as fit, or the range `min … max` of a tensor kept only as a summary.
 */
export function valueText(src: ValueSource, size: number, maxWidth: number): string {
  const { values, numel, dtype, summary } = src;
  if (numel === 0) return "[]";
  if (!values) {
    if (!summary) return "…";
    const [lo, hi] = formatValues([summary.min ?? NaN, summary.max ?? NaN], dtype);
    const flags = summary.nan ? " nan" : summary.pos_inf ? " inf" : summary.neg_inf ? " -inf" : "";
    return fitText(summary.min === null ? flags.trim() : `${lo} … ${hi}${flags}`, size, maxWidth, "mono");
  }
  const shape = src.shape ?? null;
  if (shape && shape.length >= 2 && numel > 1) {
    const all = formatValues(values, dtype);
    const most = all.length === numel ? numel : Math.min(all.length, 3);
    for (let k = most; k >= 1; k = k === numel && k > 3 ? 3 : k - 1) {
      const text = nestPrefix(shape, all, k);
      if (textWidth(text, size, "mono") <= maxWidth) return text;
    }
    return fitText(nestPrefix(shape, all, 1), size, maxWidth, "mono");
  }
  if (numel === 1) {
    const depth = shape ? shape.length : 0;
    const v = formatValues(values.slice(0, 1), dtype)[0];
    return fitText(`${"[".repeat(depth)}${v}${"]".repeat(depth)}`, size, maxWidth, "mono");
  }
  const all = formatValues(values, dtype);
  for (let k = Math.min(all.length, 3); k >= 1; k--) {
    const more = numel > k ? ", …" : "";
    const text = `[${all.slice(0, k).join(", ")}${more}]`;
    if (textWidth(text, size, "mono") <= maxWidth) return text;
  }
  return fitText(`[${all[0]}, …]`, size, maxWidth, "mono");
}
