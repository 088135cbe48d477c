/**
 * The box model of a node: which text lines it holds and how big it is. Layout sizes boxes with it and
 * render places text with it, so text always fits. Value and grad lines get a fixed budget of
 * characters rather than their text: the values a node shows change from step to step, its size must not.
 */
import { type FontFace, textWidth } from "./text.ts";
import type { LayoutNodeSpec, Size } from "./types.ts";

export const BOX = {
  padX: 8,
  padY: 5,
  titleSize: 12,
  subSize: 10,
  /** Line heights (font size × ~1.25). */
  titleLine: 15,
  subLine: 13,
  /** Scope boxes: the label band on top. */
  scopeHeader: 20,
  scopePad: 8,
  minWidth: 36,
  /** Characters reserved for a value: PyTorch's widest short form is `-1.2346e+05`. */
  scalarChars: 11,
  /** `[-1.2346e+05, 2.0000e+00, …]` would not fit anyway; three short values and an ellipsis do. */
  vectorChars: 26,
  gradPrefix: "grad ",
  /** nan / ±inf badges: a small bold pill. */
  badgeSize: 9,
  badgeHeight: 13,
  /** A badge inside a pill sits this far from the pill's right end. */
  badgeInset: 7,
} as const;

/** Width of a nan / inf / -inf badge. */
export function badgeWidth(label: string): number {
  return textWidth(label, BOX.badgeSize, "sans-bold") + 8;
}

/** What a pill that keeps badge room adds to its width: the widest badge (`-inf`) and a gap. */
export const BADGE_ROOM = badgeWidth("-inf") + 2;

export type LineRole = "title" | "shape" | "value" | "grad" | "count";

export interface BoxLine {
  role: LineRole;
  face: FontFace;
  size: number;
  height: number;
  /** Fixed text (title, shape), or null when render fills it in (value, grad) within `width`. */
  text: string | null;
  /** The width reserved for the line, px. */
  width: number;
}

/** Shape as Python writes the tuple (`(3,)`, `(2, 3)`), `scalar` for 0-dim, with the dtype when not float32. */
export function shapeText(shape: number[] | null, dtype: string | null): string {
  if (!shape) return "";
  const s = shape.length === 0 ? "scalar" : shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  return dtype && dtype !== "float32" ? `${s} ${dtype}` : s;
}

export function numelOf(shape: number[] | null): number {
  return shape ? shape.reduce((a, b) => a * b, 1) : 0;
}

function line(role: LineRole, face: FontFace, text: string | null, chars = 0): BoxLine {
  const size = role === "title" ? BOX.titleSize : BOX.subSize;
  const height = role === "title" ? BOX.titleLine : BOX.subLine;
  const width = text !== null ? textWidth(text, size, face) : textWidth("0".repeat(chars), size, "mono");
  return { role, face, size, height, text, width };
}

/** Characters reserved for a value line of a tensor of this shape (brackets nest per dimension: `[[1.]]`). */
export function valueChars(shape: number[] | null): number {
  const ndim = shape ? shape.length : 0;
  return numelOf(shape) <= 1 ? BOX.scalarChars + 2 * ndim : BOX.vectorChars + 2 * Math.max(0, ndim - 1);
}

/** The lines of a box, top to bottom. */
export function boxLines(spec: LayoutNodeSpec, showValues: boolean): BoxLine[] {
  const k = spec.kind;
  if (k === "scope") {
    const out = [line("title", "sans-bold", spec.title)];
    if (spec.collapsed) out.push(line("count", "sans", countText(spec.members)));
    return out;
  }
  if (spec.small) return [line("title", "mono", spec.title)];
  if (spec.stub) return [line("title", "sans-bold", spec.title || shapeText(spec.shape, spec.dtype))];
  if (k === "op") return [line("title", "sans", spec.title)];
  const out: BoxLine[] = [];
  if (spec.title) out.push(line("title", "sans-bold", spec.title));
  if (k === "grad-fn" || k === "accumulate-grad") {
    if (showValues && spec.mayHaveGrad)
      out.push(line("grad", "mono", null, BOX.gradPrefix.length + valueChars(spec.shape)));
    return out;
  }
  out.push(line("shape", "mono", shapeText(spec.shape, spec.dtype)));
  if (showValues) {
    out.push(line("value", "mono", null, valueChars(spec.shape)));
    if (spec.mayHaveGrad)
      out.push(line("grad", "mono", null, BOX.gradPrefix.length + valueChars(spec.shape)));
  }
  return out;
}

export function countText(n: number): string {
  return n === 1 ? "1 node" : `${n} nodes`;
}

/** Up to the next 1/100 px: a box is never narrower than its text. */
const round2 = (v: number): number => Math.ceil(v * 100 - 1e-6) / 100;

/** The size of a leaf box (a collapsed scope included); expanded scopes are sized by ELK around their children. */
export function boxSize(spec: LayoutNodeSpec, showValues: boolean): Size {
  const lines = boxLines(spec, showValues);
  const textW = Math.max(0, ...lines.map((l) => l.width));
  const textH = lines.reduce((a, l) => a + l.height, 0);
  if (spec.kind === "op" || spec.small) {
    // pills: round ends need room
    const room = spec.badge ? BADGE_ROOM : 0;
    return {
      w: round2(Math.max(BOX.minWidth, textW + 2 * BOX.padX + 6 + room)),
      h: round2(textH + 2 * BOX.padY),
    };
  }
  return { w: round2(Math.max(BOX.minWidth, textW + 2 * BOX.padX)), h: round2(textH + 2 * BOX.padY) };
}

/** Minimum size of an expanded scope: its label must fit in the header band. */
export function scopeMinSize(spec: LayoutNodeSpec): Size {
  return {
    w: round2(textWidth(spec.title, BOX.titleSize, "sans-bold") + 2 * BOX.scopePad),
    h: BOX.scopeHeader + BOX.scopePad,
  };
}
