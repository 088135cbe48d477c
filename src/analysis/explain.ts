/**
 * Why a value went non-finite, in words and numbers a student can follow, derived from the trace's
 * actual elements: the op's formula at the first offending element (its inputs picked through
 * broadcasting), the first elementary step that broke (`log(0) = -inf`, `-inf × 0 is undefined`), and,
 * when an input was exactly 0 or 1 because of an earlier op, that op too (`1 - 1.0 = 0`, with the
 * clamp bound that float32 rounded to 1.0).
 */
import type { OpEvent, InplaceEvent, Trace, BackwardEvent } from "../trace/schema.ts";
import { elementName, expr, fmt } from "./format.ts";
import {
  badNote,
  bin,
  call,
  evaluate,
  firstBadStep,
  type Formula,
  neg,
  num,
  type NumKind,
  roundingNote,
  show,
} from "./formula.ts";
import { broadcastSource, lookup, opInputs, valuesOf } from "./lookup.ts";
import { type Attrs, numAttr, optNumAttr, UNARY } from "./scalar.ts";

/** One computation on the way to the non-finite value. */
export interface CauseStep {
  /** The event that computed it. */
  event: number;
  /** Op name (forward) or grad_fn name (backward). */
  op: string;
  line: number | null;
  /** The formula in symbols, when it helps (`grad × (1 - y) × y`). */
  symbolic: string | null;
  /** The formula with the numbers and its result: `log(0) = -inf`. */
  formula: string;
  /** Why, in words: `the log of 0 is -inf`, `the bound 0.99999999 is 1.0 in float32`. */
  note: string | null;
}

export interface Cause {
  /** Everything in one paragraph, for the CLI and the badge's tooltip. */
  text: string;
  /** From the earliest contributing computation to the one that produced the non-finite value. */
  steps: CauseStep[];
}

type OpLike = OpEvent | InplaceEvent;

const f = Math.fround;

/** An op's name without the in-place underscore (`sub_` computes `sub`). */
function baseOp(e: OpLike): string {
  return e.kind === "inplace" && e.op.endsWith("_") ? e.op.slice(0, -1) : e.op;
}

function kindOf(trace: Trace, recId: string): NumKind {
  return trace.tensors[recId].dtype === "float32" ? "float32" : "int";
}

/** Element `i` of a record as a formula leaf, or null when the trace kept only a summary. */
function elem(trace: Trace, recId: string, i: number): Formula | null {
  const v = valuesOf(trace, recId);
  return v ? num(v[i], kindOf(trace, recId)) : null;
}

interface Operand {
  rec: string;
  index: number;
}

interface ElementFormula {
  formula: Formula;
  operands: Operand[];
  note: string | null;
}

const sig32 = (x: number) => f(1 / f(1 + f(Math.exp(-x))));
const sig64 = UNARY.sigmoid;

/** Calls whose float32 kernel is one rounding of the exact function. */
const SIMPLE_CALLS = ["sqrt", "exp", "log", "sin", "cos", "tan", "tanh", "abs", "relu"];

/** The forward formula of an elementwise op at output element `i`, or null for other ops. */
function elementwiseFormula(trace: Trace, e: OpLike, i: number): ElementFormula | null {
  const ins = opInputs(e);
  const outShape = trace.tensors[e.out].shape;
  const op = baseOp(e);
  const attrs = e.attrs as Attrs;
  const operands = ins.map((r) => ({ rec: r, index: broadcastSource(trace.tensors[r].shape, outShape, i) }));
  const xs = operands.map((o) => elem(trace, o.rec, o.index));
  if (xs.some((x) => x === null)) return null;
  const [a, b] = xs as Formula[];
  const one = (formula: Formula, note: string | null = null): ElementFormula => ({ formula, operands, note });
  if (ins.length === 1) {
    if (SIMPLE_CALLS.includes(op)) return one(call(op, [a], (x) => UNARY[op](x, attrs)));
    switch (op) {
      case "neg":
        return one(neg(a));
      case "sigmoid":
        return one(
          call(
            "sigmoid",
            [a],
            (x) => sig64(x, attrs),
            sig32,
            "",
            (x) => (x > 0 ? -sig64(-x, attrs) : 0),
          ),
        );
      case "reciprocal":
        return one(bin("/", num(1, "int"), a));
      case "pow": {
        const n = numAttr(attrs, "exponent", NaN);
        return one(bin("**", a, num(n, attrs.floatExponent ? "double" : "int")));
      }
      case "mul.Scalar":
        return one(bin("×", a, num(f(numAttr(attrs, "other", NaN)))));
      case "div.Scalar":
        return one(bin("/", a, num(f(numAttr(attrs, "other", NaN)))));
      case "clamp":
        return clampFormula(a, attrs, operands);
      default:
        if (UNARY[op]) return one(call(op, [a], (x) => UNARY[op](x, attrs)));
        return null;
    }
  }
  if (ins.length !== 2) return null;
  const alpha = numAttr(attrs, "alpha", 1);
  const scaled = (y: Formula) => (alpha === 1 ? y : bin("×", num(alpha, "double"), y));
  switch (op) {
    case "add":
      return one(bin("+", a, scaled(b)));
    case "sub":
      return one(bin("-", a, scaled(b)));
    case "rsub":
      return one(bin("-", b, a));
    case "mul":
      return one(bin("×", a, b));
    case "div":
      return one(bin("/", a, b));
    case "pow_tensor":
      return one(bin("**", a, b));
    case "maximum":
    case "minimum": {
      const pick = op === "maximum" ? Math.max : Math.min;
      const fn = (x: number, y: number) => (x !== x || y !== y ? NaN : pick(x, y));
      return one(call(op, [a, b], fn, fn));
    }
    default:
      return null;
  }
}

function clampFormula(a: Formula, attrs: Attrs, operands: Operand[]): ElementFormula {
  const lo = optNumAttr(attrs, "min");
  const hi = optNumAttr(attrs, "max");
  const extra = [
    lo === null ? null : `min=${fmt(lo, "double")}`,
    hi === null ? null : `max=${fmt(hi, "double")}`,
  ]
    .filter((s) => s !== null)
    .join(", ");
  const make = (l: number, h: number) => (x: number) => (x !== x ? x : Math.min(Math.max(x, l), h));
  const formula = call(
    "clamp",
    [a],
    make(lo ?? -Infinity, hi ?? Infinity),
    make(lo === null ? -Infinity : f(lo), hi === null ? Infinity : f(hi)),
    extra,
  );
  // the seed MLP's trap: 1 - 1e-8 is 1.0 in float32, so the upper bound does not keep y away from 1
  const out = evaluate(formula);
  let note: string | null = null;
  for (const [bound, name] of [
    [hi, "upper"],
    [lo, "lower"],
  ] as const) {
    if (bound !== null && f(bound) !== bound && out === f(bound)) {
      note = `the ${name} bound ${fmt(bound, "double")} is ${fmt(f(bound))} in float32, so the clamp gives ${fmt(out)}`;
    }
  }
  return { formula, operands, note };
}

/** Ops that keep every element where it is (same flat index in and out). */
const SAME_INDEX = new Set([
  "view",
  "reshape",
  "_unsafe_view",
  "flatten",
  "squeeze",
  "unsqueeze",
  "alias",
  "clone",
]);

/** Is `v` a value whose exactness decides what follows (a later log, division, or 1 - v)? */
function special(v: number): boolean {
  return v === 0 || v === 1 || v === -1;
}

function lineOf(trace: Trace, k: number): number | null {
  return trace.events[k].source?.line ?? null;
}

/**
 * Earlier computations behind an operand that was exactly 0 or ±1, newest last: up to `depth` ops
 * back through elementwise ops (views are walked through).
 */
function backSteps(trace: Trace, operands: Operand[], depth: number): CauseStep[] {
  if (depth <= 0) return [];
  const { producer } = lookup(trace);
  const steps: CauseStep[] = [];
  const seen = new Set<number>();
  for (const o of operands) {
    let { rec, index } = o;
    const v = valuesOf(trace, rec);
    if (!v || !special(v[index]) || trace.tensors[rec].wrapped) continue;
    // walk through views to the op that computed the value
    let k = producer.get(rec);
    while (k !== undefined) {
      const e = trace.events[k];
      if ((e.kind !== "op" && e.kind !== "inplace") || opInputs(e).length === 0) break;
      const op = baseOp(e);
      if (SAME_INDEX.has(op)) rec = opInputs(e)[0];
      else if (op === "expand") {
        const src = opInputs(e)[0];
        index = broadcastSource(trace.tensors[src].shape, trace.tensors[rec].shape, index);
        rec = src;
      } else break;
      k = producer.get(rec);
    }
    if (k === undefined || seen.has(k)) continue;
    seen.add(k);
    const e = trace.events[k];
    if (e.kind !== "op" && e.kind !== "inplace") continue;
    const ef = elementwiseFormula(trace, e, index);
    if (!ef) {
      // a reduction or product: name it and its value, no formula
      steps.push({
        event: k,
        op: e.op,
        line: lineOf(trace, k),
        symbolic: null,
        formula: `${expr(trace, e.out, 2)} = ${fmt(v[o.index])}`,
        note: null,
      });
      continue;
    }
    const value = evaluate(ef.formula);
    steps.push(...backSteps(trace, ef.operands, depth - 1), {
      event: k,
      op: e.op,
      line: lineOf(trace, k),
      symbolic: null,
      formula: `${show(ef.formula)} = ${fmt(value)}`,
      note: ef.note ?? roundingNote(ef.formula),
    });
  }
  return steps;
}

function nonFiniteName(v: number): string {
  return v !== v ? "nan" : v > 0 ? "inf" : "-inf";
}

function where(trace: Trace, k: number): string {
  const line = lineOf(trace, k);
  const it = lookup(trace).iterAt[k];
  const parts = [line !== null ? `line ${line}` : null, it > 0 || hasLoop(trace) ? `iteration ${it}` : null];
  return parts.filter(Boolean).join(", ");
}

function hasLoop(trace: Trace): boolean {
  return lookup(trace).iterations.filter((it) => it.backward !== null).length > 1;
}

function joinSteps(steps: CauseStep[]): string {
  return steps.map((s) => (s.note ? `${s.formula} (${s.note})` : s.formula)).join(", then ");
}

// ---- forward ----

/** A create event whose data holds a non-finite value: the data itself is the origin. */
export function explainCreate(trace: Trace, k: number, element: number): Cause {
  const e = trace.events[k];
  if (e.kind !== "create") throw new Error(`event ${k} is not a create event`);
  const rec = trace.tensors[e.out];
  const v = valuesOf(trace, e.out);
  const value = v ? v[element] : NaN;
  const name = elementName(rec.label ?? e.out, rec.shape, element);
  const step: CauseStep = {
    event: k,
    op: e.op,
    line: lineOf(trace, k),
    symbolic: null,
    formula: `${name} = ${fmt(value)}`,
    note: `the data given to ${e.op}() already holds ${nonFiniteName(value)}`,
  };
  const at = where(trace, k);
  return {
    text: `\`${rec.label ?? e.out}\` is made holding ${nonFiniteName(value)}${at ? ` at ${at}` : ""}: ${step.formula}; ${step.note}.`,
    steps: [step],
  };
}

/** The op at event `k` made a non-finite value at output element `element` from finite inputs. */
export function explainForward(trace: Trace, k: number, element: number): Cause {
  const e = trace.events[k];
  if (e.kind !== "op" && e.kind !== "inplace") throw new Error(`event ${k} is not an op`);
  const out = valuesOf(trace, e.out);
  const value = out ? out[element] : NaN;
  const ef = elementwiseFormula(trace, e, element);
  let birth: CauseStep;
  let earlier: CauseStep[] = [];
  if (ef) {
    birth = {
      event: k,
      op: e.op,
      line: lineOf(trace, k),
      symbolic: null,
      formula: `${show(ef.formula)} = ${fmt(evaluate(ef.formula))}`,
      note: badNote(ef.formula),
    };
    earlier = backSteps(trace, ef.operands, 3);
  } else {
    birth = reductionStep(trace, e, k, element, value);
  }
  const steps = [...earlier, birth];
  const at = where(trace, k);
  const head = `\`${expr(trace, e.out)}\` = ${fmt(value)}${at ? ` at ${at}` : ""}`;
  const last = birth.note ? `${birth.formula}: ${birth.note}` : birth.formula;
  const before = earlier.length ? `${joinSteps(earlier)}, then ` : "";
  return { text: `${head}: ${before}${last}.`, steps };
}

/** Sum-of-products ops: for output element `i`, the pairs of input elements multiplied and added. */
function productTerms(
  trace: Trace,
  e: OpLike,
  i: number,
): { pairs: [Operand, Operand][]; bias: Operand | null } | null {
  const ins = opInputs(e);
  const shape = (r: string) => trace.tensors[r].shape;
  const op = baseOp(e);
  const pairs: [Operand, Operand][] = [];
  if (op === "mm" || op === "addmm") {
    const [a, b] = op === "mm" ? ins : ins.slice(1);
    const [, k] = shape(a);
    const m = shape(b)[1];
    const r = Math.floor(i / m);
    const c = i % m;
    for (let t = 0; t < k; t++)
      pairs.push([
        { rec: a, index: r * k + t },
        { rec: b, index: t * m + c },
      ]);
    const bias =
      op === "addmm" ? { rec: ins[0], index: broadcastSource(shape(ins[0]), shape(e.out), i) } : null;
    return { pairs, bias };
  }
  if (op === "mv") {
    const [a, v] = ins;
    const k = shape(a)[1];
    for (let t = 0; t < k; t++)
      pairs.push([
        { rec: a, index: i * k + t },
        { rec: v, index: t },
      ]);
    return { pairs, bias: null };
  }
  if (op === "dot") {
    const [a, b] = ins;
    for (let t = 0; t < shape(a)[0]; t++)
      pairs.push([
        { rec: a, index: t },
        { rec: b, index: t },
      ]);
    return { pairs, bias: null };
  }
  if (op === "bmm") {
    const [a, b] = ins;
    const [, n, k] = shape(a);
    const m = shape(b)[2];
    const batch = Math.floor(i / (n * m));
    const r = Math.floor((i % (n * m)) / m);
    const c = i % m;
    for (let t = 0; t < k; t++) {
      pairs.push([
        { rec: a, index: batch * n * k + r * k + t },
        { rec: b, index: batch * k * m + t * m + c },
      ]);
    }
    return { pairs, bias: null };
  }
  return null;
}

/** A sum of products as a formula (short sums) or in words (long ones). */
function sumOfProducts(
  trace: Trace,
  pairs: [Operand, Operand][],
  bias: Operand | null,
): { formula: string; note: string | null } | null {
  const val = (o: Operand) => valuesOf(trace, o.rec)?.[o.index];
  const terms = pairs.map(([x, y]) => [val(x), val(y)] as const);
  if (terms.some(([x, y]) => x === undefined || y === undefined)) return null;
  const b = bias ? val(bias) : undefined;
  if (terms.length <= 4) {
    let g: Formula | null = b === undefined ? null : num(b);
    for (const [x, y] of terms) {
      const p = bin("×", num(x!), num(y!));
      g = g ? bin("+", g, p) : p;
    }
    if (!g) return null;
    return { formula: `${show(g)} = ${fmt(evaluate(g))}`, note: badNote(g) };
  }
  let worst = 0;
  let exact = b ?? 0;
  terms.forEach(([x, y], t) => {
    exact += x! * y!;
    if (Math.abs(x! * y!) > Math.abs(terms[worst][0]! * terms[worst][1]!)) worst = t;
  });
  const nameOf = (o: Operand) =>
    elementName(trace.tensors[o.rec].label ?? o.rec, trace.tensors[o.rec].shape, o.index);
  const formula = `the sum of ${terms.length} products${b === undefined ? "" : " and a bias"} = ${fmt(f(exact))}`;
  for (let t = 0; t < terms.length; t++) {
    const bad = firstBadStep(bin("×", num(terms[t][0]!), num(terms[t][1]!)));
    if (bad)
      return {
        formula,
        note: `the product ${nameOf(pairs[t][0])} × ${nameOf(pairs[t][1])} = ${bad.text}: ${bad.words}`,
      };
  }
  const [wx, wy] = terms[worst];
  const [ox, oy] = pairs[worst];
  const note = Number.isFinite(exact)
    ? `the sum is ${fmt(exact, "double")}, beyond float32's largest number, 3.4e+38 (the largest product is ${nameOf(ox)} × ${nameOf(oy)} = ${fmt(wx!)} × ${fmt(wy!)})`
    : `a product is already non-finite: ${nameOf(ox)} × ${nameOf(oy)} = ${fmt(wx!)} × ${fmt(wy!)}`;
  return { formula, note };
}

/** Reductions, matrix products and the rest: what can be said about element `i`. */
function reductionStep(trace: Trace, e: OpLike, k: number, i: number, value: number): CauseStep {
  const base = { event: k, op: e.op, line: lineOf(trace, k), symbolic: null };
  const ins = opInputs(e);
  const op = baseOp(e);
  const prod = productTerms(trace, e, i);
  if (prod) {
    const s = sumOfProducts(trace, prod.pairs, prod.bias);
    if (s) return { ...base, symbolic: "Σ a × b", ...s };
  }
  const outName = elementName(e.op, trace.tensors[e.out].shape, i);
  if ((op === "var" || op === "std") && ins.length === 1) {
    const correction = numAttr(e.attrs as Attrs, "correction", 1);
    const inN = trace.tensors[ins[0]].summary.numel;
    const outN = Math.max(1, trace.tensors[e.out].summary.numel);
    const n = inN / outN;
    if (n - correction <= 0) {
      return {
        ...base,
        formula: `${outName} = ${fmt(value)}`,
        note: `${op} of ${n} element${n === 1 ? "" : "s"} divides by n - ${correction} = ${n - correction}`,
      };
    }
  }
  if (op === "mean" && ins.length === 1 && trace.tensors[ins[0]].summary.numel === 0) {
    return {
      ...base,
      formula: `mean() = ${fmt(value)}`,
      note: "the mean of no elements is 0 / 0, undefined",
    };
  }
  const x = ins.length ? trace.tensors[ins[0]].summary : null;
  if (
    (op === "sum" || op === "mean" || op === "prod") &&
    x &&
    x.numel > 0 &&
    trace.tensors[e.out].summary.numel === 1
  ) {
    const v = valuesOf(trace, ins[0]);
    if (v) {
      let exact = op === "prod" ? 1 : 0;
      for (const y of v) exact = op === "prod" ? exact * y : exact + y;
      // mean sums first (in float32 range) and divides after: the sum is what overflows
      const what = op === "prod" ? "product" : "sum";
      const after = op === "mean" ? " (mean divides by the count only after summing)" : "";
      return {
        ...base,
        formula: `${op} of ${v.length} elements = ${fmt(value)}`,
        note: `the ${what} is ${fmt(exact, "double")}, beyond float32's largest number, 3.4e+38${after}`,
      };
    }
  }
  const range = x && x.min !== null ? ` (its input ranges over [${fmt(x.min)}, ${fmt(x.max!)}])` : "";
  return {
    ...base,
    formula: `${outName} = ${fmt(value)}`,
    note: `${e.op} made ${nonFiniteName(value)} from finite inputs${range}`,
  };
}

// ---- backward ----

interface Ctx {
  trace: Trace;
  /** The forward op that made the node. */
  op: OpLike;
  ins: string[];
  out: string;
  attrs: Attrs;
  g: string;
}

/** Element value of a record, or undefined. */
function at(trace: Trace, recId: string, i: number): number | undefined {
  return valuesOf(trace, recId)?.[i];
}

/**
 * The grad formula of a backward node for its `j`-th output at output-grad element `o` (ATen's
 * formula, in its evaluation order), with symbols; null when there is no template for the node.
 */
function gradFormula(
  name: string,
  c: Ctx,
  j: number,
  o: number,
): { formula: Formula; symbolic: string } | null {
  const { trace } = c;
  const outShape = trace.tensors[c.out].shape;
  const inAt = (r: number) => {
    const rec = c.ins[r];
    const v = at(trace, rec, broadcastSource(trace.tensors[rec].shape, outShape, o));
    return v === undefined ? null : num(v, kindOf(trace, rec));
  };
  const gv = at(trace, c.g, o);
  if (gv === undefined) return null;
  const g = num(gv);
  const yv = at(trace, c.out, o);
  const y = yv === undefined ? null : num(yv);
  const x = inAt(0);
  const r = (formula: Formula | null, symbolic: string) => (formula ? { formula, symbolic } : null);
  switch (name) {
    case "SigmoidBackward0":
      return (
        y && r(bin("×", bin("×", g, bin("-", num(1, "int"), y)), y), "grad × (1 - y) × y, y = sigmoid(x)")
      );
    case "TanhBackward0":
      return y && r(bin("×", g, bin("-", num(1, "int"), bin("×", y, y))), "grad × (1 - y × y), y = tanh(x)");
    case "LogBackward0":
      return x && r(bin("/", g, x), "grad / x");
    case "ExpBackward0":
      return y && r(bin("×", g, y), "grad × exp(x)");
    case "SqrtBackward0":
      return y && r(bin("/", g, bin("×", num(2, "int"), y)), "grad / (2 × sqrt(x))");
    case "ReciprocalBackward0":
      return y && r(bin("×", neg(g), bin("×", y, y)), "-grad × (1/x)²");
    case "SinBackward0":
      return x && r(bin("×", g, call("cos", [x], Math.cos)), "grad × cos(x)");
    case "CosBackward0":
      return x && r(bin("×", g, neg(call("sin", [x], Math.sin))), "grad × -sin(x)");
    case "TanBackward0":
      return y && r(bin("×", g, bin("+", num(1, "int"), bin("×", y, y))), "grad × (1 + tan(x)²)");
    case "PowBackward0": {
      const n = numAttr(c.attrs, "exponent", NaN);
      const kind: NumKind = c.attrs.floatExponent ? "double" : "int";
      if (n === 0) return null;
      return (
        x && r(bin("×", g, bin("×", num(n, kind), bin("**", x, num(n - 1, kind)))), "grad × n × x ** (n - 1)")
      );
    }
    case "PowBackward1": {
      const a = inAt(0);
      const b = inAt(1);
      if (!a || !b) return null;
      if (j === 0)
        return r(
          bin("×", g, bin("×", b, bin("**", a, bin("-", b, num(1, "int"))))),
          "grad × b × a ** (b - 1)",
        );
      return r(bin("×", g, bin("×", bin("**", a, b), call("log", [a], Math.log))), "grad × a ** b × log(a)");
    }
    case "MulBackward0": {
      const other = inAt(1 - j);
      return other && r(bin("×", g, other), j === 0 ? "grad × b" : "grad × a");
    }
    case "DivBackward0": {
      const a = inAt(0);
      const b = inAt(1);
      if (!a || !b) return null;
      if (j === 0) return r(bin("/", g, b), "grad / b");
      return r(bin("×", neg(g), bin("/", bin("/", a, b), b)), "-grad × a / b / b");
    }
    case "MulBackward1":
      return r(bin("×", g, num(f(numAttr(c.attrs, "other", NaN)))), "grad × s");
    case "DivBackward1":
      return r(bin("/", g, num(f(numAttr(c.attrs, "other", NaN)))), "grad / s");
    case "SoftmaxBackward0":
    case "LogSoftmaxBackward0": {
      const group = groupAlong(trace.tensors[c.out].shape, numAttr(c.attrs, "dim", -1), o);
      if (group.length > 6) return null;
      const gs = group.map((t) => at(trace, c.g, t));
      const ys = group.map((t) => at(trace, c.out, t));
      if (gs.some((v) => v === undefined) || ys.some((v) => v === undefined) || !y) return null;
      if (name === "SoftmaxBackward0") {
        let sum: Formula | null = null;
        group.forEach((_, t) => {
          const term = bin("×", num(gs[t]!), num(ys[t]!));
          sum = sum ? bin("+", sum, term) : term;
        });
        return r(bin("×", bin("-", g, sum!), y), "(grad - Σ grad × y) × y, y = softmax(x)");
      }
      let sum: Formula | null = null;
      for (const v of gs) sum = sum ? bin("+", sum, num(v!)) : num(v!);
      return r(
        bin("-", g, bin("×", call("exp", [y], Math.exp), sum!)),
        "grad - exp(y) × Σ grad, y = log_softmax(x)",
      );
    }
    case "MeanBackward0":
    case "MeanBackward1": {
      const n = trace.tensors[c.ins[0]].summary.numel / Math.max(1, trace.tensors[c.out].summary.numel);
      return r(bin("/", g, num(n, "int")), "grad / n");
    }
    default:
      return null;
  }
}

/** Flat indices of the elements along `dim` that share element `o`'s other coordinates. */
function groupAlong(shape: readonly number[], dim: number, o: number): number[] {
  if (shape.length === 0) return [o];
  const d = dim < 0 ? dim + shape.length : dim;
  let stride = 1;
  for (let i = d + 1; i < shape.length; i++) stride *= shape[i];
  const size = shape[d];
  const base = o - (Math.floor(o / stride) % size) * stride;
  return Array.from({ length: size }, (_, t) => base + t * stride);
}

/** The output-grad elements that feed element `e` of the `j`-th grad input (several where input j was broadcast). */
function feeding(trace: Trace, c: Ctx, j: number, e: number): number[] {
  const outShape = trace.tensors[c.out].shape;
  const inShape = trace.tensors[c.ins[j]]?.shape;
  if (!inShape) return [e];
  const n = trace.tensors[c.out].summary.numel;
  if (inShape.length === outShape.length && inShape.every((d, i) => d === outShape[i])) return [e];
  const list: number[] = [];
  for (let o = 0; o < n && list.length < 4096; o++)
    if (broadcastSource(inShape, outShape, o) === e) list.push(o);
  return list;
}

/** Sum-of-products backward nodes (matrix products): the pairs behind grad element `e` of input `j`. */
function productGradPairs(name: string, c: Ctx, j: number, e: number): [Operand, Operand][] | null {
  const { trace } = c;
  const shape = (r: string) => trace.tensors[r].shape;
  const pairs: [Operand, Operand][] = [];
  const G = c.g;
  if (name === "MmBackward0" || name === "AddmmBackward0") {
    const off = name === "AddmmBackward0" ? 1 : 0;
    if (j < off) return null;
    const [A, B] = [c.ins[off], c.ins[off + 1]];
    const [n, k] = shape(A);
    const m = shape(B)[1];
    if (j === off) {
      // grad_A[r, t] = Σ_c G[r, c] × B[t, c]
      const r = Math.floor(e / k);
      const t = e % k;
      for (let col = 0; col < m; col++)
        pairs.push([
          { rec: G, index: r * m + col },
          { rec: B, index: t * m + col },
        ]);
    } else {
      // grad_B[t, c] = Σ_r A[r, t] × G[r, c]
      const t = Math.floor(e / m);
      const col = e % m;
      for (let row = 0; row < n; row++)
        pairs.push([
          { rec: A, index: row * k + t },
          { rec: G, index: row * m + col },
        ]);
    }
    return pairs;
  }
  if (name === "MvBackward0") {
    const [A, v] = c.ins;
    const [n, k] = shape(A);
    if (j === 0)
      return [
        [
          { rec: G, index: Math.floor(e / k) },
          { rec: v, index: e % k },
        ],
      ];
    for (let row = 0; row < n; row++)
      pairs.push([
        { rec: A, index: row * k + e },
        { rec: G, index: row },
      ]);
    return pairs;
  }
  if (name === "DotBackward0") {
    return [
      [
        { rec: G, index: 0 },
        { rec: c.ins[1 - j], index: e },
      ],
    ];
  }
  return null;
}

/**
 * Backward node run at event `k` sent a non-finite value in its `j`-th grad input at element `e`.
 * `incoming`, when given, explains where a non-finite grad it received was born (an earlier node).
 */
export function explainBackward(
  trace: Trace,
  k: number,
  j: number,
  e: number,
  incoming: CauseStep[] = [],
): Cause {
  const ev = trace.events[k] as BackwardEvent;
  const gi = ev.grad_inputs[j]!;
  const value = at(trace, gi, e) ?? NaN;
  const opK = lookup(trace).opOfNode.get(ev.node);
  const opEv = opK === undefined ? null : (trace.events[opK] as OpLike);
  const line = opK === undefined ? null : lineOf(trace, opK);
  const base = { event: k, op: ev.name, line };
  let step: CauseStep | null = null;
  if (opEv && ev.grad_outputs.length === 1) {
    const c: Ctx = {
      trace,
      op: opEv,
      ins: opInputs(opEv),
      out: opEv.out,
      attrs: opEv.attrs as Attrs,
      g: ev.grad_outputs[0],
    };
    const pairs = productGradPairs(ev.name, c, j, e);
    if (pairs) {
      const s = sumOfProducts(trace, pairs, null);
      if (s) step = { ...base, symbolic: "Σ grad × saved input", ...s };
    }
    if (!step) {
      const feeds = feeding(trace, c, j, e);
      let chosen: { formula: Formula; symbolic: string } | null = null;
      for (const o of feeds) {
        const gf = gradFormula(ev.name, c, j, o);
        if (!gf) break;
        chosen ??= gf;
        if (!Number.isFinite(evaluate(gf.formula))) {
          chosen = gf;
          break;
        }
      }
      if (chosen) {
        const sum = feeds.length > 1 ? ` (one of ${feeds.length} terms summed over the broadcast)` : "";
        step = {
          ...base,
          symbolic: chosen.symbolic,
          formula: `${show(chosen.formula)} = ${fmt(evaluate(chosen.formula))}${sum}`,
          note: badNote(chosen.formula) ?? savedNote(trace, c),
        };
      }
    }
  }
  if (!step) {
    const go = ev.grad_outputs[0];
    const gs = go ? trace.tensors[go].summary : null;
    const received = gs && gs.max !== null ? ` from a grad within [${fmt(gs.min!)}, ${fmt(gs.max)}]` : "";
    const inName = elementName(`grad_inputs[${j}]`, trace.tensors[gi].shape, e);
    step = {
      ...base,
      symbolic: null,
      formula: `${inName} = ${fmt(value)}`,
      note: `${ev.name} computed ${nonFiniteName(value)}${received}`,
    };
  }
  const steps = [...incoming, step];
  const of = opEv
    ? ` (the backward of \`${expr(trace, opEv.out)}\`${line !== null ? `, line ${line}` : ""})`
    : "";
  const iter = hasLoop(trace) ? `, iteration ${lookup(trace).iterAt[k]}` : "";
  let text = `${ev.name}${of}${iter}: ${step.formula}${step.note ? `: ${step.note}` : ""}.`;
  if (incoming.length) {
    const first = incoming[0];
    const gv = ev.grad_outputs[0] ? valuesOf(trace, ev.grad_outputs[0]) : null;
    const i = gv ? gv.findIndex((v) => !Number.isFinite(v)) : -1;
    const what = i >= 0 ? `${fmt(gv![i])} grad` : "non-finite grad";
    text +=
      first.event === k
        ? ` The ${what} it received is the sum of the grads from its uses: ${first.formula}: ${first.note ?? ""}.`
        : ` The ${what} it received was born in ${first.op}${first.line !== null ? ` (line ${first.line})` : ""}: ${first.formula}${first.note ? `: ${first.note}` : ""}.`;
  }
  return { text, steps };
}

/** When no elementary step broke, a saved forward value was already non-finite. */
function savedNote(trace: Trace, c: Ctx): string | null {
  for (const r of [...c.ins, c.out]) {
    const s = trace.tensors[r]?.summary;
    if (s && (s.nan || s.pos_inf || s.neg_inf)) {
      const name = trace.tensors[r].label ?? expr(trace, r, 2);
      return `the forward value \`${name}\` it uses already held non-finite values`;
    }
  }
  return null;
}
