/**
 * Text width without a DOM: node sizes must be the same in Node (export, tests) and in the browser
 * (the app), so positions are identical everywhere. Widths come from a per-character table of the
 * widest font a reader is likely to get from the stack (text-widths.ts), so a label never overflows.
 */
import { BOLD_CHARS, BOLD_WIDTHS, REGULAR_CHARS, REGULAR_WIDTHS } from "./text-widths.ts";

/** Labels: names, op names, grad_fn names. Metrics of the widest of these are in the table. */
export const SANS_STACK = '"Helvetica Neue", Helvetica, Arial, "Liberation Sans", "DejaVu Sans", sans-serif';
/** Values and shapes: every monospace font here advances 0.6 em (DejaVu Sans Mono 0.602). */
export const MONO_STACK =
  'ui-monospace, "SF Mono", Menlo, Consolas, "Liberation Mono", "DejaVu Sans Mono", monospace';

export type FontFace = "sans" | "sans-bold" | "mono";

const MONO_ADVANCE = 603;
/** Characters outside the table: CJK and emoji are about 1 em; anything else, a wide Latin letter. */
const WIDE_ADVANCE = 1000;
const OTHER_ADVANCE = 800;

function tableOf(chars: string, widths: readonly number[]): Map<number, number> {
  const m = new Map<number, number>();
  let i = 0;
  for (const ch of chars) m.set(ch.codePointAt(0)!, widths[i++]);
  return m;
}

const REGULAR = tableOf(REGULAR_CHARS, REGULAR_WIDTHS);
const BOLD = tableOf(BOLD_CHARS, BOLD_WIDTHS);

function isZeroWidth(cp: number): boolean {
  return (
    (cp >= 0x300 && cp <= 0x36f) || // combining marks
    (cp >= 0x200b && cp <= 0x200f) ||
    cp === 0xfe0f ||
    cp === 0xad
  );
}

function isWide(cp: number): boolean {
  return (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0x1f300 && cp <= 0x1faff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  );
}

/** Advance of one code point in 1/1000 em. */
export function charAdvance(cp: number, face: FontFace): number {
  if (isZeroWidth(cp)) return 0;
  if (face === "mono") {
    if (cp >= 0x20 && cp < 0x7f) return MONO_ADVANCE;
    // glyphs a monospace font lacks come from a fallback font: take the larger
    const prop = REGULAR.get(cp);
    if (prop !== undefined) return Math.max(MONO_ADVANCE, prop);
  } else {
    const w = (face === "sans-bold" ? BOLD : REGULAR).get(cp);
    if (w !== undefined) return w;
  }
  return isWide(cp) ? WIDE_ADVANCE : OTHER_ADVANCE;
}

/** Width in px of `text` at `size` px. Pure and deterministic (rounded up to 1/100 px). */
export function textWidth(text: string, size: number, face: FontFace = "sans"): number {
  let units = 0;
  for (const ch of text) units += charAdvance(ch.codePointAt(0)!, face);
  return Math.ceil((units * size) / 10) / 100;
}

/** `text` cut (with an ellipsis) to fit `maxWidth` px; whole code points only. */
export function fitText(text: string, size: number, maxWidth: number, face: FontFace = "sans"): string {
  // 1/100 px of slack: widths and box sizes are both rounded to 1/100 px
  if (textWidth(text, size, face) <= maxWidth + 0.01) return text;
  const ell = charAdvance(0x2026, face);
  const budget = (maxWidth * 1000) / size - ell;
  let units = 0;
  let out = "";
  for (const ch of text) {
    const w = charAdvance(ch.codePointAt(0)!, face);
    if (units + w > budget) break;
    units += w;
    out += ch;
  }
  return out + "…";
}
