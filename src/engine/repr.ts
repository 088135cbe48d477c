/**
 * PyTorch's repr of a tensor, ported from torch/_tensor_str.py (the same in 1.13 and 2.x for the
 * dtypes gradlens has), with torch.set_printoptions' options (default: precision 4, threshold 1000,
 * edgeitems 3, linewidth 80, sci_mode chosen by the formatter).
 */
import type { DType } from "./dtype.ts";
import { pyFormat, pyIntRepr } from "./pyformat.ts";
import type { Tensor } from "./tensor.ts";

/** torch._tensor_str.PRINT_OPTS; `sciMode` null lets the formatter choose. */
export interface PrintOptions {
  precision: number;
  threshold: number;
  edgeitems: number;
  linewidth: number;
  sciMode: boolean | null;
}

export const DEFAULT_PRINT_OPTIONS: Readonly<PrintOptions> = {
  precision: 4,
  threshold: 1000,
  edgeitems: 3,
  linewidth: 80,
  sciMode: null,
};

const opts: PrintOptions = { ...DEFAULT_PRINT_OPTIONS };

/** torch.set_printoptions, after the shim has resolved `profile` and the options left as None. */
export function setPrintOptions(o: PrintOptions): void {
  Object.assign(opts, o);
}

export function getPrintOptions(): PrintOptions {
  return { ...opts };
}

/** torch's _Formatter: one width and one mode (integer, fixed, scientific) for the whole tensor. */
class Formatter {
  private readonly floating: boolean;
  private readonly dtype: DType;
  private intMode = true;
  private sciMode = false;
  maxWidth = 1;

  constructor(values: readonly number[], dtype: DType) {
    this.dtype = dtype;
    this.floating = dtype === "float32";
    if (!this.floating) {
      for (const v of values) this.maxWidth = Math.max(this.maxWidth, this.plain(v).length);
      return;
    }
    const finite = values.filter((v) => v !== 0 && Number.isFinite(v));
    // torch returns here before applying sci_mode: an all-zero / non-finite tensor never goes sci
    if (finite.length === 0) return;
    const precision = opts.precision;
    let min = Infinity;
    let max = 0;
    for (const v of finite) {
      min = Math.min(min, Math.abs(v));
      max = Math.max(max, Math.abs(v));
    }
    this.intMode = finite.every((v) => Math.ceil(v) === v);
    // torch divides in double, as JS does.
    const wide = max / min > 1000.0 || max > 1.0e8;
    if (this.intMode) {
      if (wide) {
        this.sciMode = true;
        for (const v of finite) this.widen(pyFormat(v, `.${precision}e`).length);
      } else {
        for (const v of finite) this.widen(pyFormat(v, ".0f").length + 1);
      }
    } else if (wide || min < 1.0e-4) {
      this.sciMode = true;
      for (const v of finite) this.widen(pyFormat(v, `.${precision}e`).length);
    } else {
      for (const v of finite) this.widen(pyFormat(v, `.${precision}f`).length);
    }
    if (opts.sciMode !== null) this.sciMode = opts.sciMode;
  }

  private widen(n: number): void {
    this.maxWidth = Math.max(this.maxWidth, n);
  }

  /** `"{}".format(value)` for int64 and bool elements. */
  private plain(v: number): string {
    return this.dtype === "bool" ? (v ? "True" : "False") : pyIntRepr(v);
  }

  format(v: number): string {
    let ret: string;
    if (!this.floating) ret = this.plain(v);
    else if (this.sciMode) ret = pyFormat(v, `${this.maxWidth}.${opts.precision}e`);
    else if (this.intMode) ret = pyFormat(v, ".0f") + (Number.isFinite(v) ? "." : "");
    else ret = pyFormat(v, `.${opts.precision}f`);
    return " ".repeat(Math.max(0, this.maxWidth - ret.length)) + ret;
  }
}

/** A sub-tensor of a contiguous tensor: `shape` starting at element `offset` of `values`. */
interface Block {
  values: ArrayLike<number>;
  offset: number;
  shape: readonly number[];
}

function rowSize(shape: readonly number[]): number {
  let n = 1;
  for (let i = 1; i < shape.length; i++) n *= shape[i];
  return n;
}

function row(b: Block, i: number): Block {
  return { values: b.values, offset: b.offset + i * rowSize(b.shape), shape: b.shape.slice(1) };
}

/** The indices torch shows along a dimension of size n: all, or the edge items around `...`. */
function shownIndices(n: number, summarize: boolean): { head: number[]; tail: number[] } {
  const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);
  const e = opts.edgeitems;
  if (summarize && n > 2 * e) return { head: range(0, e), tail: range(n - e, n) };
  return { head: range(0, n), tail: [] };
}

/** get_summarized_data, flattened: the elements the formatter sizes itself on. */
function summarizedValues(b: Block, summarize: boolean, out: number[]): number[] {
  if (b.shape.length === 0) {
    out.push(b.values[b.offset]);
    return out;
  }
  const { head, tail } = shownIndices(b.shape[0], summarize);
  for (const i of [...head, ...tail]) summarizedValues(row(b, i), summarize, out);
  return out;
}

function vectorStr(b: Block, indent: number, summarize: boolean, fmt: Formatter): string {
  const elementLength = fmt.maxWidth + 2;
  const perLine = Math.max(1, Math.floor((opts.linewidth - indent) / elementLength));
  const { head, tail } = shownIndices(b.shape[0], summarize);
  const at = (i: number) => fmt.format(b.values[b.offset + i]);
  const data = tail.length ? [...head.map(at), " ...", ...tail.map(at)] : head.map(at);
  const lines: string[] = [];
  for (let i = 0; i < data.length; i += perLine) lines.push(data.slice(i, i + perLine).join(", "));
  return "[" + lines.join(",\n" + " ".repeat(indent + 1)) + "]";
}

function tensorStrWithFormatter(b: Block, indent: number, summarize: boolean, fmt: Formatter): string {
  const dim = b.shape.length;
  if (dim === 0) return fmt.format(b.values[b.offset]);
  if (dim === 1) return vectorStr(b, indent, summarize, fmt);
  const { head, tail } = shownIndices(b.shape[0], summarize);
  const sub = (i: number) => tensorStrWithFormatter(row(b, i), indent + 1, summarize, fmt);
  const slices = tail.length ? [...head.map(sub), "...", ...tail.map(sub)] : head.map(sub);
  return "[" + slices.join("," + "\n".repeat(dim - 1) + " ".repeat(indent + 1)) + "]";
}

function tensorStr(t: Tensor, indent: number): string {
  const summarize = t.numel() > opts.threshold;
  const b: Block = { values: t.values, offset: 0, shape: t.shape };
  const fmt = new Formatter(summarizedValues(b, summarize, []), t.dtype);
  return tensorStrWithFormatter(b, indent, summarize, fmt);
}

function addSuffixes(text: string, suffixes: string[], indent: number): string {
  const parts = [text];
  let lastLineLen = text.length - text.lastIndexOf("\n") + 1;
  for (const suffix of suffixes) {
    if (lastLineLen + suffix.length + 2 > opts.linewidth) {
      parts.push(",\n" + " ".repeat(indent) + suffix);
      lastLineLen = indent + suffix.length;
    } else {
      parts.push(", " + suffix);
      lastLineLen += suffix.length + 2;
    }
  }
  parts.push(")");
  return parts.join("");
}

/** Python's str(tuple(shape)): `(0, 3)`, `(0,)`. */
function pyTuple(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
}

/** PyTorch's repr: `tensor([1., 2.], requires_grad=True)`, `tensor(0.4121, grad_fn=<SinBackward0>)`. */
export function reprTensor(t: Tensor): string {
  const prefix = "tensor(";
  const indent = prefix.length;
  const suffixes: string[] = [];
  let body: string;
  if (t.numel() === 0) {
    // An empty tensor has no elements to show its shape or dtype by, so torch names them.
    if (t.dim() !== 1) suffixes.push("size=" + pyTuple(t.shape));
    if (t.dtype !== "float32") suffixes.push("dtype=torch." + t.dtype);
    body = "[]";
  } else {
    // float32, int64 and bool are torch's default dtypes: never printed for a non-empty tensor.
    body = tensorStr(t, indent);
  }
  if (t.gradFn) suffixes.push(`grad_fn=<${t.gradFn.name}>`);
  else if (t.requiresGrad) suffixes.push("requires_grad=True");
  return addSuffixes(prefix + body, suffixes, indent);
}
