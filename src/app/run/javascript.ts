/**
 * JavaScript mode: a program written against the engine's TS API (`tensor`, `sigmoid`, `noGrad`, ...),
 * run with every engine export in scope and a recorder attached. No bundler: `import ... from
 * "gradlens"` lines are accepted and dropped (the names are already there), and TypeScript's types
 * (annotations, interfaces, `as` casts, generics) are stripped by sucrase, which keeps every line
 * where it was, so stack lines and error lines still point at the user's text.
 *
 * The source line of each op is read from the call stack (the program is compiled with a sourceURL),
 * and `const name = <expr>` names the tensor that line produced last, as the Python shim does.
 */
import { transform } from "sucrase";
import * as engine from "../../engine/index.ts";
import { addListener, type EngineEvent } from "../../engine/events.ts";
import type { Tensor } from "../../engine/tensor.ts";
import { Recorder } from "../../trace/recorder.ts";
import type { Trace } from "../../trace/schema.ts";
import type { ProgramError } from "./protocol.ts";

export const PROGRAM_URL = "gradlens-program.js";

export interface JsRunResult {
  stdout: string;
  stderr: string;
  error: ProgramError | null;
  trace: Trace;
  elapsedMs: number;
}

export interface JsRunOptions {
  onStdout?: (text: string) => void;
  onStderr?: (text: string) => void;
  title?: string | null;
}

const IMPORT_LINE =
  /^\s*import\s+(?:[\w*{}\s,]+\s+from\s+)?["'](?:gradlens|\.{0,2}\/?[\w./-]*engine[\w./-]*)["'];?\s*$/;
const DECLARES = /^\s*(?:(?:const|let|var)\s+)?([A-Za-z_$][\w$]*)\s*=(?!=)/;

/** The program with its gradlens imports blanked out (line numbers kept). */
export function prepareSource(source: string): string {
  return source
    .split("\n")
    .map((l) => (IMPORT_LINE.test(l) ? "" : l))
    .join("\n");
}

/** A parse error of the program, with the line it is on. */
export class ProgramSyntaxError extends SyntaxError {
  constructor(
    message: string,
    readonly line: number | null,
  ) {
    super(message);
    this.name = "SyntaxError";
  }
}

function compiles(body: string): boolean {
  try {
    new Function(body);
    return true;
  } catch {
    return false;
  }
}

/**
 * The program as plain JavaScript: TypeScript's types removed, line for line. Modern syntax is left
 * as it is (the worker's engine runs it). A program sucrase cannot parse but V8 can (plain JS that
 * that TypeScript reads otherwise, such as `a ? (b) : c => d`) runs as written.
 */
export function stripTypes(source: string): string {
  try {
    return transform(source, {
      transforms: ["typescript"],
      disableESTransforms: true,
      // the gradlens import lines are blanked by prepareSource; others must stay to fail loudly
      keepUnusedImports: true,
    }).code;
  } catch (e) {
    if (compiles(prepareSource(source))) return source;
    const loc = (e as { loc?: { line: number } }).loc;
    // sucrase ends its message with "(line:column)"; the line is reported on its own
    const message = (e instanceof Error ? e.message : String(e)).replace(/\s*\(\d+:\d+\)$/, "");
    throw new ProgramSyntaxError(message, loc?.line ?? null);
  }
}

const STACK_LINE = new RegExp(`${PROGRAM_URL.replace(/\./g, "\\.")}:(\\d+):\\d+`);

/** How many lines V8 puts before a `new Function` body (the `function anonymous(...) {` header). */
function headerLines(): number {
  const probe = new Function(`return new Error().stack;\n//# sourceURL=${PROGRAM_URL}`) as () => string;
  const m = STACK_LINE.exec(probe() ?? "");
  return m ? Number(m[1]) - 1 : 2;
}

/** The program line in a stack trace: the innermost frame in the program. */
export function programLine(stack: string | undefined, header: number): number | null {
  if (!stack) return null;
  const m = STACK_LINE.exec(stack);
  return m ? Number(m[1]) - header : null;
}

/** A name a program can bind: engine exports such as `var` (variance) are reserved words in JS. */
function isBindable(name: string): boolean {
  if (!/^[A-Za-z_$][\w$]*$/.test(name)) return false;
  try {
    new Function(name, "");
    return true;
  } catch {
    return false;
  }
}

function display(v: unknown): string {
  if (typeof v === "string") return v;
  if (v instanceof engine.Tensor) return String(v);
  if (Array.isArray(v)) return `[${v.map(display).join(", ")}]`;
  try {
    return typeof v === "object" && v !== null ? JSON.stringify(v) : String(v);
  } catch {
    return String(v);
  }
}

export function runJavaScript(source: string, opts: JsRunOptions = {}): JsRunResult {
  // the declarations are read from the stripped text: `const x: Tensor = ...` names x
  let lines = source.split("\n");
  let stdout = "";
  let stderr = "";
  const out = (text: string) => {
    stdout += text;
    opts.onStdout?.(text);
  };
  const err = (text: string) => {
    stderr += text;
    opts.onStderr?.(text);
  };
  const log = (...args: unknown[]) => out(args.map(display).join(" ") + "\n");
  const warn = (...args: unknown[]) => err(args.map(display).join(" ") + "\n");

  const recorder = new Recorder({ program: { language: "javascript", source }, title: opts.title ?? null });
  // the body starts with a "use strict" line of ours
  const header = headerLines() + 1;
  let labelled: { line: number; tensor: Tensor } | null = null;

  // before the recorder's own listener, so each event is recorded with its line and name
  const stopLines = addListener((e: EngineEvent) => {
    const line = programLine(new Error().stack, header);
    recorder.setSource(line);
    if (line === null || (e.kind !== "op" && e.kind !== "create")) return;
    const made = e.kind === "op" ? e.out : e.tensor;
    const m = DECLARES.exec(lines[line - 1] ?? "");
    if (!m) return;
    // `const z = a.mul(b).add(c)`: only the line's last result is z
    if (labelled && labelled.line === line && labelled.tensor !== made && labelled.tensor.label === m[1]) {
      recorder.labelTensor(labelled.tensor, null);
    }
    recorder.labelTensor(made, m[1]);
    labelled = { line, tensor: made };
  });
  recorder.start();

  const names = Object.keys(engine).filter(isBindable);
  const scope = {
    ...Object.fromEntries(names.map((k) => [k, (engine as Record<string, unknown>)[k]])),
    print: log,
    console: { log, info: log, debug: log, warn, error: warn },
    label: (t: Tensor, name: string) => {
      recorder.labelTensor(t, name);
      return t;
    },
  };
  const params = Object.keys(scope);
  const t0 = performance.now();
  let error: ProgramError | null = null;
  // the program's frame can sit deep under the engine's: keep enough frames to find it (V8)
  const limits = Error as unknown as { stackTraceLimit?: number };
  const savedLimit = limits.stackTraceLimit;
  limits.stackTraceLimit = 200;
  try {
    const program = prepareSource(stripTypes(source));
    lines = program.split("\n");
    const fn = new Function(...params, `"use strict";\n${program}\n//# sourceURL=${PROGRAM_URL}`);
    fn(...params.map((k) => (scope as Record<string, unknown>)[k]));
  } catch (e) {
    const ex = e instanceof Error ? e : new Error(String(e));
    const type = (ex as Error & { pyType?: string }).pyType ?? ex.name;
    const line = ex instanceof ProgramSyntaxError ? ex.line : programLine(ex.stack, header);
    error = { type, message: ex.message, traceback: `${type}: ${ex.message}`, line };
    recorder.setSource(line);
    recorder.recordError(type, ex.message);
    err(`${line !== null ? `line ${line}: ` : ""}${type}: ${ex.message}\n`);
  } finally {
    stopLines();
    limits.stackTraceLimit = savedLimit;
  }
  const trace = recorder.stop();
  return { stdout, stderr, error, trace, elapsedMs: performance.now() - t0 };
}
