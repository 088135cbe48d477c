/**
 * Tiny formulas with numbers in them, for explanations: built from an op's actual elements, evaluated
 * the way the float32 kernel evaluates them (rounding after each step, in ATen's order), printed with
 * the numbers (`-inf × (1 - 1.0) × 1.0`), and searched for the first elementary step that went
 * non-finite, which is then said in words (`-inf × 0 is undefined: nan`).
 */
import { fmt } from "./format.ts";
import { FLOAT32_MAX } from "./scalar.ts";

export type NumKind = "float32" | "double" | "int";

export type Formula =
  | { t: "num"; v: number; kind: NumKind }
  | { t: "bin"; op: "+" | "-" | "×" | "/" | "**"; a: Formula; b: Formula }
  | { t: "neg"; a: Formula }
  | {
      t: "call";
      fn: string;
      args: Formula[];
      extra: string;
      f32: (...x: number[]) => number;
      f64: (...x: number[]) => number;
      /** Exact value minus the float32 one, for results float64 cannot tell from 1 either (sigmoid(67) = 1 - 5e-30). */
      gap?: (...x: number[]) => number;
    };

export const num = (v: number, kind: NumKind = "float32"): Formula => ({ t: "num", v, kind });
export const bin = (op: "+" | "-" | "×" | "/" | "**", a: Formula, b: Formula): Formula => ({
  t: "bin",
  op,
  a,
  b,
});
export const neg = (a: Formula): Formula => ({ t: "neg", a });
export function call(
  fn: string,
  args: Formula[],
  f64: (...x: number[]) => number,
  f32?: (...x: number[]) => number,
  extra = "",
  gap?: (...x: number[]) => number,
): Formula {
  return { t: "call", fn, args, extra, f64, f32: f32 ?? ((...x) => Math.fround(f64(...x))), gap };
}

const f = Math.fround;

function applyBin(op: string, x: number, y: number): number {
  switch (op) {
    case "+":
      return x + y;
    case "-":
      return x - y;
    case "×":
      return x * y;
    case "/":
      return x / y;
    default:
      return Math.pow(x, y);
  }
}

/** The value in float32 steps (`float32`) or exactly in float64 (`double`). */
export function evaluate(e: Formula, mode: "float32" | "double" = "float32"): number {
  const r = mode === "float32" ? f : (x: number) => x;
  switch (e.t) {
    case "num":
      return e.v;
    case "bin":
      return r(applyBin(e.op, evaluate(e.a, mode), evaluate(e.b, mode)));
    case "neg":
      return -evaluate(e.a, mode);
    case "call": {
      const xs = e.args.map((a) => evaluate(a, mode));
      return mode === "float32" ? e.f32(...xs) : e.f64(...xs);
    }
  }
}

const PREC = { "+": 1, "-": 1, "×": 2, "/": 2, "**": 4 } as const;

function precOf(e: Formula): number {
  if (e.t === "bin") return PREC[e.op];
  if (e.t === "neg") return 3;
  // a negative number inside a formula reads best in parentheses: `3e+38 - (-3e+38)`
  if (e.t === "num" && (e.v < 0 || (e.v === 0 && 1 / e.v < 0))) return 0;
  return 9;
}

/** The note for a formula: the broken step and why, or only why when the whole formula is that step. */
export function badNote(e: Formula): string | null {
  const bad = firstBadStep(e);
  if (!bad) return null;
  return bad.node === e ? bad.words : `${bad.text}: ${bad.words}`;
}

/** The formula with its numbers: `-inf × (1 - 1.0) × 1.0`. */
export function show(e: Formula): string {
  switch (e.t) {
    case "num":
      return fmt(e.v, e.kind);
    case "neg":
      return `-${paren(e.a, 3, false)}`;
    case "call":
      return `${e.fn}(${[...e.args.map(show), ...(e.extra ? [e.extra] : [])].join(", ")})`;
    case "bin": {
      const p = PREC[e.op];
      // a negative number as a left operand reads fine (`-inf × 0`), except as a base of **
      const left = e.op === "**" ? paren(e.a, 5, false) : e.a.t === "num" ? show(e.a) : paren(e.a, p, false);
      const right = paren(e.b, p, e.op === "-" || e.op === "/" || e.op === "**");
      return `${left} ${e.op} ${right}`;
    }
  }
}

function paren(e: Formula, p: number, strict: boolean): string {
  const q = precOf(e);
  return q < p || (strict && q === p) ? `(${show(e)})` : show(e);
}

const finite = Number.isFinite;

/** What went wrong in one elementary step, in words; null if this step is fine. */
function stepWords(e: Formula, inputs: number[], out: number): string | null {
  if (finite(out)) return null;
  if (inputs.some((x) => x !== x)) return null;
  const allFinite = inputs.every(finite);
  const [x, y] = inputs;
  if (e.t === "bin") {
    if (e.op === "×" && ((!finite(x) && y === 0) || (x === 0 && !finite(y)))) {
      return "infinity times zero is undefined";
    }
    if (e.op === "/" && x === 0 && y === 0) return "zero divided by zero is undefined";
    if (e.op === "/" && !finite(x) && !finite(y)) return "infinity divided by infinity is undefined";
    if (e.op === "/" && y === 0) return "division by zero";
    if ((e.op === "-" || e.op === "+") && out !== out) return "infinity minus infinity is undefined";
    if (e.op === "**") {
      if (x < 0 && !Number.isInteger(y)) return "a negative number to a fractional power is undefined";
      if (x === 0 && y < 0) return "0 to a negative power is a division by zero";
    }
    if (allFinite) return overflowWords(applyBin(e.op, x, y));
    return null;
  }
  if (e.t === "call") {
    if (e.fn === "log" && x === 0) return "the log of 0 is -inf";
    if (e.fn === "log" && x < 0) return "the log of a negative number is undefined";
    if (e.fn === "sqrt" && x < 0) return "the square root of a negative number is undefined";
    if (e.fn === "exp" && allFinite) {
      const exact = Math.exp(x);
      const size = finite(exact) ? fmt(exact, "double") : `about 1e+${Math.floor(x / Math.LN10)}`;
      return `exp overflows float32 above 88.72: exp(${fmt(x)}) is ${size}, beyond float32's largest number, 3.4e+38`;
    }
    if (allFinite) {
      const exact = e.f64(...inputs);
      if (finite(exact)) return overflowWords(exact);
      return `${e.fn} gives ${out !== out ? "nan" : out > 0 ? "inf" : "-inf"} here`;
    }
  }
  return null;
}

function overflowWords(exact: number): string {
  if (finite(exact) && Math.abs(exact) > FLOAT32_MAX) {
    return `${fmt(exact, "double")} is beyond float32's largest number, 3.4e+38: it becomes ${exact > 0 ? "inf" : "-inf"}`;
  }
  return `the result is ${fmt(exact, "double")}`;
}

/**
 * The first elementary step (in evaluation order) that turned finite operands into nan/±inf, said in
 * words; null when every step had a non-finite operand already (the value came in non-finite).
 */
export function firstBadStep(e: Formula): { node: Formula; text: string; words: string } | null {
  let found: { node: Formula; text: string; words: string } | null = null;
  const walk = (g: Formula): number => {
    if (g.t === "num") return g.v;
    const ins = g.t === "bin" ? [walk(g.a), walk(g.b)] : g.t === "neg" ? [walk(g.a)] : g.args.map(walk);
    const out = evaluate(g);
    if (!found) {
      const words = stepWords(g, ins, out);
      if (words) {
        // the step with its operands' values (a number keeps its spelling: `0 ** (-3)`)
        const leaf = (c: Formula, v: number) => (c.t === "num" ? c : num(v));
        const shown =
          g.t === "bin"
            ? show(bin(g.op, leaf(g.a, ins[0]), leaf(g.b, ins[1])))
            : g.t === "call"
              ? show({ ...g, args: g.args.map((c, i) => leaf(c, ins[i])) })
              : show(g);
        found = { node: g, text: `${shown} = ${fmt(out)}`, words };
      }
    }
    return out;
  };
  walk(e);
  return found;
}

/**
 * The exact value next to float32's, when rounding changed something a student should know:
 * `1 - 5.1e-30` for a sigmoid that float32 rounds to 1.0. Null when float32 is exact enough.
 */
export function roundingNote(e: Formula): string | null {
  const v32 = evaluate(e, "float32");
  let v64 = evaluate(e, "double");
  // only results float32 made special: exactly 0 or ±1 (a later log or division depends on them)
  if (!finite(v32) || !finite(v64) || (v32 !== 0 && Math.abs(v32) !== 1)) return null;
  if (v32 === v64 && e.t === "call" && e.gap) {
    const d = e.gap(...e.args.map((a) => evaluate(a)));
    if (d === 0 || !finite(d)) return null;
    return `exactly ${fmt(v32)} ${d < 0 ? "-" : "+"} ${gapText(d)}, which float32 rounds to ${fmt(v32)}`;
  }
  if (v32 === v64) return null;
  v64 = evaluate(e, "double");
  return `exactly ${nearly(v64, v32)}, which float32 rounds to ${fmt(v32)}`;
}

/** `1 - 5.1e-30` for a double just below 1; the plain number otherwise. */
export function nearly(v: number, near: number): string {
  const d = v - near;
  if (near !== 0 && Math.abs(d) < 1e-6 * Math.abs(near)) {
    // the gap in float64, from the formula's exact value (1 - v loses nothing for v near 1)
    return `${fmt(near)} ${d < 0 ? "-" : "+"} ${gapText(d)}`;
  }
  return fmt(v, "double");
}

/** A tiny gap to two significant digits: `5e-30`. */
function gapText(d: number): string {
  return fmt(Number(Math.abs(d).toPrecision(2)), "double");
}
