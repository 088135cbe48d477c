/**
 * Python's text for numbers: repr(float), repr(int) and format(x, spec).
 *
 * JS's toFixed/toExponential round ties away from zero and write exponents as `e-5`; Python rounds the
 * exact binary value half-to-even (David Gay's dtoa) and writes `e-05`. So digits come from the exact
 * decimal expansion of the double (BigInt), and the layout follows CPython's format_float_short and
 * its format-spec mini-language (Objects/stringlib/unicode_format.h, Python/formatter_unicode.c).
 */
import { TorchError } from "./errors.ts";

// ---------------------------------------------------------------------------------------------
// Digits of a double

/** Decimal digits with trailing zeros stripped and the position of the decimal point (dtoa's decpt). */
interface Digits {
  digits: string;
  decpt: number;
}

const f64 = new DataView(new ArrayBuffer(8));
const pow10Cache: bigint[] = [1n];

function pow10(k: number): bigint {
  while (pow10Cache.length <= k) pow10Cache.push(pow10Cache[pow10Cache.length - 1] * 10n);
  return pow10Cache[k];
}

/** |x| = n / 10^k exactly (x finite). */
function exactDecimal(x: number): { n: bigint; k: number } {
  f64.setFloat64(0, x);
  const hi = f64.getUint32(0);
  const lo = f64.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  let mant = BigInt(hi & 0xfffff) * 0x100000000n + BigInt(lo);
  let e = -1074;
  if (biased !== 0) {
    mant += 1n << 52n;
    e = biased - 1075;
  }
  if (mant === 0n) return { n: 0n, k: 0 };
  // Fewer factors of 5 to multiply in below.
  while (e < 0 && (mant & 1n) === 0n) {
    mant >>= 1n;
    e++;
  }
  if (e >= 0) return { n: mant << BigInt(e), k: 0 };
  return { n: mant * 5n ** BigInt(-e), k: -e };
}

/** n / d rounded half to even (n, d > 0). */
function divRoundHalfEven(n: bigint, d: bigint): bigint {
  const q = n / d;
  const r2 = (n % d) * 2n;
  if (r2 > d || (r2 === d && (q & 1n) === 1n)) return q + 1n;
  return q;
}

function stripZeros(q: bigint, decpt: number): Digits {
  if (q === 0n) return { digits: "", decpt };
  const s = q.toString();
  let end = s.length;
  while (end > 1 && s[end - 1] === "0") end--;
  return { digits: s.slice(0, end), decpt };
}

/** Digits and decpt of JS's positional or exponential text of a positive number ("12.50", "1.25e-7"). */
function parseDigits(s: string): Digits {
  const eAt = s.indexOf("e");
  const mantissa = eAt < 0 ? s : s.slice(0, eAt);
  const exp = eAt < 0 ? 0 : Number(s.slice(eAt + 1));
  const dot = mantissa.indexOf(".");
  const all = mantissa.replace(".", "");
  const digits = all.replace(/^0+/, "");
  const decpt = (dot < 0 ? mantissa.length : dot) + exp - (all.length - digits.length);
  if (!digits) return { digits: "", decpt };
  return { digits: digits.replace(/0+$/, ""), decpt };
}

/*
 * Fast paths: V8's toExponential/toFixed are correctly rounded but break exact ties away from zero.
 * An exact tie at digit d shows as a final 5 when rounding to d + 1 digits (exactly, with no rounding),
 * so only then do we take the exact BigInt path.
 */
function lastDigitIs5(s: string): boolean {
  const eAt = s.indexOf("e");
  return s[(eAt < 0 ? s.length : eAt) - 1] === "5";
}

/** dtoa mode 2: `ndigits` significant digits of |x|, correctly rounded. */
function significantDigits(x: number, ndigits: number): Digits {
  if (x !== 0 && ndigits <= 100 && !lastDigitIs5(x.toExponential(ndigits))) {
    return parseDigits(x.toExponential(ndigits - 1));
  }
  const { n, k } = exactDecimal(x);
  if (n === 0n) return { digits: "0", decpt: 1 };
  const len = n.toString().length;
  let decpt = len - k;
  let q = len > ndigits ? divRoundHalfEven(n, pow10(len - ndigits)) : n;
  if (q.toString().length > ndigits && len > ndigits) {
    // 9.99 -> 10.0: one more digit than asked for; the last one is a zero.
    q /= 10n;
    decpt++;
  }
  return stripZeros(q, decpt);
}

/** dtoa mode 3: |x| rounded to `ndigits` digits after the point. */
function fixedDigits(x: number, ndigits: number): Digits {
  if (x !== 0 && x < 1e21 && ndigits < 100 && !lastDigitIs5(x.toFixed(ndigits + 1))) {
    const d = parseDigits(x.toFixed(ndigits));
    return d.digits ? d : { digits: "", decpt: -ndigits };
  }
  const { n, k } = exactDecimal(x);
  if (n === 0n) return { digits: "0", decpt: 1 };
  const q = k > ndigits ? divRoundHalfEven(n, pow10(k - ndigits)) : n * pow10(ndigits - k);
  if (q === 0n) return { digits: "", decpt: -ndigits };
  return stripZeros(q, q.toString().length - ndigits);
}

/** dtoa mode 0: the shortest digits that round-trip (JS's Number#toString picks the same ones). */
function shortestDigits(x: number): Digits {
  if (x === 0) return { digits: "0", decpt: 1 };
  return parseDigits(String(Math.abs(x)));
}

// ---------------------------------------------------------------------------------------------
// CPython's format_float_short

type FloatCode = "e" | "f" | "g" | "r";

/** The unsigned text of finite |x| as CPython's PyOS_double_to_string lays it out. */
function formatFinite(x: number, code: FloatCode, precision: number, addDot0: boolean, alt: boolean): string {
  let d: Digits;
  if (code === "e") {
    precision++;
    d = significantDigits(x, precision);
  } else if (code === "f") {
    d = fixedDigits(x, precision);
  } else if (code === "g") {
    if (precision === 0) precision = 1;
    d = significantDigits(x, precision);
  } else {
    d = shortestDigits(x);
  }
  const { digits } = d;
  let decpt = d.decpt;
  const len = digits.length;
  let useExp = false;
  let vEnd = len;
  if (code === "e") {
    useExp = true;
    vEnd = precision;
  } else if (code === "f") {
    vEnd = decpt + precision;
  } else if (code === "g") {
    if (decpt <= -4 || decpt > (addDot0 ? precision - 1 : precision)) useExp = true;
    if (alt) vEnd = precision;
  } else if (decpt <= -4 || decpt > 16) {
    useExp = true;
  }
  let exp = 0;
  if (useExp) {
    exp = decpt - 1;
    decpt = 1;
  }
  const vStart = decpt <= 0 ? decpt - 1 : 0;
  if (!useExp && addDot0) vEnd = Math.max(vEnd, decpt + 1);
  else vEnd = Math.max(vEnd, decpt);

  let out = "";
  if (decpt <= 0) out += "0".repeat(decpt - vStart) + "." + "0".repeat(-decpt);
  else out += "0".repeat(-vStart);
  if (decpt > 0 && decpt <= len) out += digits.slice(0, decpt) + "." + digits.slice(decpt);
  else out += digits;
  if (len < decpt) out += "0".repeat(decpt - len) + "." + "0".repeat(vEnd - decpt);
  else out += "0".repeat(vEnd - len);
  if (out.endsWith(".") && !alt) out = out.slice(0, -1);
  if (useExp) out += "e" + (exp < 0 ? "-" : "+") + String(Math.abs(exp)).padStart(2, "0");
  return out;
}

function isNegative(x: number): boolean {
  return x < 0 || Object.is(x, -0);
}

/** Python's repr(float) (and str(float)): `0.1`, `3.0`, `1e-07`, `1e+16`, `-0.0`, `inf`, `nan`. */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  return (isNegative(x) ? "-" : "") + formatFinite(Math.abs(x), "r", 0, true, false);
}

/** Python's repr(int). Integral numbers beyond 2^53 print all their (exact binary) digits, as Python's int would. */
export function pyIntRepr(x: number | bigint): string {
  if (typeof x === "bigint") return x.toString();
  if (!Number.isInteger(x)) throw new TorchError("ValueError", `${pyFloatRepr(x)} is not an integer`);
  return BigInt(x).toString();
}

/** `'{:.{p}f}'.format(x)` */
export function pyFixed(x: number, precision: number): string {
  return pyFormat(x, `.${precision}f`);
}

/** `'{:.{p}e}'.format(x)` */
export function pyExp(x: number, precision: number): string {
  return pyFormat(x, `.${precision}e`);
}

// ---------------------------------------------------------------------------------------------
// The format-spec mini-language

interface Spec {
  fill: string;
  align: "<" | ">" | "=" | "^" | null;
  sign: "+" | "-" | " ";
  z: boolean;
  alt: boolean;
  width: number;
  grouping: "," | "_" | null;
  precision: number | null;
  type: string;
}

function parseSpec(spec: string, typeName: string): Spec {
  const chars = Array.from(spec);
  let i = 0;
  const out: Spec = {
    fill: " ",
    align: null,
    sign: "-",
    z: false,
    alt: false,
    width: -1,
    grouping: null,
    precision: null,
    type: "",
  };
  const isAlign = (c: string | undefined) => c === "<" || c === ">" || c === "=" || c === "^";
  let fillGiven = false;
  if (chars.length >= 2 && isAlign(chars[1])) {
    out.fill = chars[0];
    out.align = chars[1] as Spec["align"];
    fillGiven = true;
    i = 2;
  } else if (isAlign(chars[0])) {
    out.align = chars[0] as Spec["align"];
    i = 1;
  }
  if (chars[i] === "+" || chars[i] === "-" || chars[i] === " ") out.sign = chars[i++] as Spec["sign"];
  if (chars[i] === "z") {
    out.z = true;
    i++;
  }
  if (chars[i] === "#") {
    out.alt = true;
    i++;
  }
  if (!fillGiven && chars[i] === "0") {
    out.fill = "0";
    if (!out.align) out.align = "=";
    i++;
  }
  let w = "";
  while (i < chars.length && chars[i] >= "0" && chars[i] <= "9") w += chars[i++];
  if (w) out.width = Number(w);
  if (chars[i] === "," || chars[i] === "_") {
    out.grouping = chars[i++] as "," | "_";
    if (chars[i] === "," || chars[i] === "_") {
      throw new TorchError("ValueError", "Cannot specify both ',' and '_'.");
    }
  }
  if (chars[i] === ".") {
    i++;
    let p = "";
    while (i < chars.length && chars[i] >= "0" && chars[i] <= "9") p += chars[i++];
    if (!p) throw new TorchError("ValueError", "Format specifier missing precision");
    out.precision = Number(p);
  }
  if (chars.length - i > 1) {
    throw new TorchError("ValueError", `Invalid format specifier '${spec}' for object of type '${typeName}'`);
  }
  if (i < chars.length) out.type = chars[i];
  if (out.grouping) {
    const t = out.type;
    const ok =
      t === "" ||
      "deEfFgG%".includes(t) ||
      (out.grouping === "_" && "boxX".includes(t) && typeName === "int");
    if (!ok) throw new TorchError("ValueError", `Cannot specify '${out.grouping}' with '${t}'.`);
  }
  return out;
}

/** Groups `digits` from the right, zero-padding to `minWidth` as CPython's InsertThousandsGrouping does. */
function group(digits: string, sep: string, size: number, minWidth: number): string {
  const parts: string[] = [];
  let remaining = digits.length;
  let end = digits.length;
  for (;;) {
    const l = Math.min(size, Math.max(remaining, minWidth, 1));
    const nChars = Math.max(0, Math.min(remaining, l));
    parts.unshift("0".repeat(Math.max(0, l - remaining)) + digits.slice(end - nChars, end));
    end -= nChars;
    remaining -= nChars;
    minWidth -= l;
    if (remaining <= 0 && minWidth <= 0) break;
    minWidth -= sep.length;
  }
  return parts.join(sep);
}

/**
 * Pads and groups a number laid out as sign + prefix + leading digits + rest (CPython's fill_number).
 * `digits` are the integer digits that grouping applies to; `rest` the point, fraction, exponent, `%`.
 */
function renderNumber(
  negative: boolean,
  prefix: string,
  digits: string,
  rest: string,
  spec: Spec,
  groupSize: number,
): string {
  const sign = negative ? "-" : spec.sign === "+" ? "+" : spec.sign === " " ? " " : "";
  const align = spec.align ?? ">";
  const lead = sign.length + prefix.length;
  let body = digits;
  if (spec.grouping) {
    const minWidth = spec.fill === "0" && align === "=" ? spec.width - lead - rest.length : 0;
    body = digits ? group(digits, spec.grouping, groupSize, minWidth) : digits;
  }
  const len = lead + Array.from(body).length + rest.length;
  const pad = Math.max(0, spec.width - len);
  const fill = (n: number) => spec.fill.repeat(n);
  const core = prefix + body + rest;
  if (align === "=") return sign + prefix + fill(pad) + body + rest;
  if (align === "<") return sign + core + fill(pad);
  if (align === "^") return fill(Math.floor(pad / 2)) + sign + core + fill(pad - Math.floor(pad / 2));
  return fill(pad) + sign + core;
}

function splitDigits(text: string): [string, string] {
  let i = 0;
  while (i < text.length && text[i] >= "0" && text[i] <= "9") i++;
  return [text.slice(0, i), text.slice(i)];
}

function formatFloatSpec(x: number, spec: Spec): string {
  const t = spec.type;
  if (!["", "e", "E", "f", "F", "g", "G", "n", "%"].includes(t)) {
    throw new TorchError("ValueError", `Unknown format code '${t}' for object of type 'float'`);
  }
  const upper = t === "E" || t === "F" || t === "G";
  let code: FloatCode;
  let precision = spec.precision;
  let addDot0 = false;
  if (t === "") {
    addDot0 = true;
    code = precision === null ? "r" : "g";
  } else if (t === "n") {
    code = "g";
  } else if (t === "%") {
    code = "f";
  } else {
    code = t.toLowerCase() as FloatCode;
  }
  precision ??= code === "r" ? 0 : 6;
  let value = x;
  if (t === "%") value *= 100;
  const suffix = t === "%" ? "%" : "";
  let negative = isNegative(value) && !Number.isNaN(value);
  let text: string;
  if (Number.isNaN(value)) text = "nan";
  else if (!Number.isFinite(value)) text = "inf";
  else text = formatFinite(Math.abs(value), code, precision, addDot0, spec.alt);
  if (upper) text = text.toUpperCase();
  // 'z': a negative zero after rounding prints as zero.
  if (spec.z && negative && /^[0.]*$/.test(text.replace(/[eE][-+]\d+$/, ""))) negative = false;
  const [digits, rest] = Number.isFinite(value) ? splitDigits(text) : ["", text];
  return renderNumber(negative, "", digits, rest + suffix, spec, 3);
}

function formatIntSpec(x: bigint, spec: Spec): string {
  const t = spec.type;
  if ("eEfFgG%".includes(t) && t !== "") return formatFloatSpec(Number(x), spec);
  if (!["", "d", "n", "b", "o", "x", "X", "c"].includes(t)) {
    throw new TorchError("ValueError", `Unknown format code '${t}' for object of type 'int'`);
  }
  if (spec.precision !== null) {
    throw new TorchError("ValueError", "Precision not allowed in integer format specifier");
  }
  if (spec.z) {
    throw new TorchError("ValueError", "Negative zero coercion (z) not allowed in integer format specifier");
  }
  if (t === "c") {
    if (spec.sign !== "-") {
      throw new TorchError("ValueError", "Sign not allowed with integer format specifier 'c'");
    }
    if (spec.alt) {
      throw new TorchError("ValueError", "Alternate form (#) not allowed with integer format specifier 'c'");
    }
    if (x < 0n || x > 0x10ffffn) throw new TorchError("ValueError", "%c arg not in range(0x110000)");
    return renderNumber(false, "", "", String.fromCodePoint(Number(x)), { ...spec, grouping: null }, 3);
  }
  const negative = x < 0n;
  const abs = negative ? -x : x;
  const radix = t === "b" ? 2 : t === "o" ? 8 : t === "x" || t === "X" ? 16 : 10;
  let digits = abs.toString(radix);
  if (t === "X") digits = digits.toUpperCase();
  const prefix = spec.alt && radix !== 10 ? "0" + (t === "b" ? "b" : t === "o" ? "o" : t) : "";
  return renderNumber(negative, prefix, digits, "", spec, radix === 10 ? 3 : 4);
}

/**
 * Python's `format(x, spec)` for a float (a JS number, by default) or an int (a bigint, or a number with
 * kind "int"), e.g. `.4f`, `.2e`, `g`, `>10.3f`, `,`, `%`, `08.3f`, `+.1e`, `#x`. A boolean formats as
 * Python's bool: `True` with an empty spec, else as the int 1.
 */
export function pyFormat(
  x: number | bigint | boolean,
  spec = "",
  kind: "float" | "int" = typeof x === "number" ? "float" : "int",
): string {
  if (typeof x === "boolean") {
    if (spec === "") return x ? "True" : "False";
    return formatIntSpec(x ? 1n : 0n, parseSpec(spec, "bool"));
  }
  if (kind === "int") {
    const big = typeof x === "bigint" ? x : BigInt(pyIntRepr(x));
    if (spec === "") return big.toString();
    return formatIntSpec(big, parseSpec(spec, "int"));
  }
  const v = Number(x);
  if (spec === "") return pyFloatRepr(v);
  return formatFloatSpec(v, parseSpec(spec, "float"));
}
