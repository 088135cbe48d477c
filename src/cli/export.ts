/**
 * `gradlens export`: programs and traces to figures for lecture notes, without a browser. The SVG is
 * the app's own picture (layout with bundled ELK, render/scene + render/svg), byte for byte the same
 * for the same input; PNG is that SVG rasterized by resvg.
 *
 * Inputs:
 * - FILE.py: a PyTorch program, run on the gradlens engine in Pyodide (as `gradlens run`).
 * - FILE.ts / .mts / .js / .mjs: a program against the engine API, imported as an ES module while a
 *   recorder listens. Its top-level code runs; then, if its default export is a function, it is
 *   called with the Recorder (and awaited). Tensors it exports by name (`export const w = ...`) or
 *   that the default function returns in an object (`return { w, loss }`) are labelled by that name.
 *   `import ... from "gradlens"` (and "gradlens/trace", "gradlens/render") always means this
 *   gradlens, installed or not, so the program's ops reach this recorder.
 * - TRACE.json: a trace written by `gradlens run --trace`, the app, or serializeTrace.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import Module, { register as registerHooks } from "node:module";
import { basename, dirname, extname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Tensor } from "../engine/tensor.ts";
import { renderSvg, resolveIteration, resolveStep, type StepSpec } from "../render/export.ts";
import { sliceIteration } from "../render/scene.ts";
import type { ThemeName } from "../render/theme.ts";
import { parseTrace, TraceFormatError } from "../trace/io.ts";
import type { Recorder } from "../trace/recorder.ts";
import type { Trace } from "../trace/schema.ts";
import { graphAt, type View } from "../trace/graph.ts";
import { svgToPng } from "../lib/png.ts";

export const EXPORT_USAGE = `usage: gradlens export FILE.py|FILE.ts|TRACE.json --svg OUT.svg [--png OUT.png] [options]
       gradlens export FILE... --out-dir DIR [--format svg|png|svg,png] [options]

  Draws the computation graph of a program or a trace, as the app does, into a standalone SVG
  (no scripts, no external references, text as text) and/or a PNG. OUT may be - for stdout.

  --step N | --forward | --backward | --final
                     the state to draw: after event N (negative: from the end), after the first
                     forward pass, after the first backward pass, or at the end (default)
  --iteration K      one iteration of a training loop alone (a backward() call and the ops before
                     it, from 0; negative: from the end); the step flags then count within it
  --view values|autograd   tensors and ops (default), or grad_fn nodes as backward walks them
  --theme light|dark|print --no-values --legend --width PX --title TEXT
  --scale N          PNG pixels per SVG px (default 2)
  --out-dir DIR      one figure per input, named after it (DIR/name.svg)
  --cells            .py: one figure per '# %%' cell, each the program up to the end of that cell
  --timeout SECONDS  stop a Python program that runs longer
  --verbose          show what the program prints; --quiet: no progress lines

  A .ts/.js program is imported as an ES module while gradlens records: its top-level code runs,
  then its default export, if a function, is called with the recorder. Tensors exported by name
  (export const w = ...) or returned by the default function in an object are labelled by name.`;

export type Format = "svg" | "png";

export interface ExportArgs {
  inputs: string[];
  svg: string | null;
  png: string | null;
  outDir: string | null;
  formats: Format[];
  step: StepSpec;
  /** One iteration of the run alone, or null for the whole run. */
  iteration: number | null;
  view: View;
  theme: ThemeName;
  showValues: boolean;
  legend: boolean;
  width: number | null;
  title: string | null;
  scale: number;
  cells: boolean;
  timeoutMs: number | undefined;
  verbose: boolean;
  quiet: boolean;
}

/** Where the command writes: process streams by default, buffers in tests. */
export interface ExportIO {
  stdout: { write(chunk: string | Uint8Array): unknown };
  stderr: { write(chunk: string): unknown };
  /** A terminal gets one progress line rewritten in place; a log gets a line per figure. */
  isTTY: boolean;
}

const VIEWS: readonly View[] = ["values", "autograd"];
const THEMES: readonly ThemeName[] = ["light", "dark", "print"];
const PROGRAM_EXTS = [".ts", ".mts", ".cts", ".js", ".mjs"];

/** Parses the arguments after `export`; a string is the usage error to print. */
export function parseExportArgs(args: string[]): ExportArgs | string {
  const a: ExportArgs = {
    inputs: [],
    svg: null,
    png: null,
    outDir: null,
    formats: ["svg"],
    step: "final",
    iteration: null,
    view: "values",
    theme: "light",
    showValues: true,
    legend: false,
    width: null,
    title: null,
    scale: 2,
    cells: false,
    timeoutMs: undefined,
    verbose: false,
    quiet: false,
  };
  let stepGiven: string | null = null;
  let formatGiven = false;
  const setStep = (flag: string, step: StepSpec): string | null => {
    if (stepGiven !== null && stepGiven !== flag) return `${stepGiven} and ${flag} cannot be used together`;
    stepGiven = flag;
    a.step = step;
    return null;
  };
  for (let i = 0; i < args.length; i++) {
    let arg = args[i];
    let value: string | undefined;
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    if (eq > 0) {
      value = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    const need = (): string | null => {
      value ??= args[++i];
      return value === undefined ? `${arg} needs a value` : null;
    };
    const flag = (): string | null => (value !== undefined ? `${arg} takes no value` : null);
    let err: string | null = null;
    switch (arg) {
      case "--svg":
      case "--png":
      case "--out-dir":
      case "--title":
        err = need();
        if (!err) {
          if (arg === "--svg") a.svg = value!;
          else if (arg === "--png") a.png = value!;
          else if (arg === "--out-dir") a.outDir = value!;
          else a.title = value!;
        }
        break;
      case "--format": {
        err = need();
        if (err) break;
        const fs = value!.split(",").map((s) => s.trim());
        if (fs.some((f) => f !== "svg" && f !== "png") || fs.length === 0)
          err = `--format takes svg, png or svg,png, got '${value}'`;
        else a.formats = [...new Set(fs as Format[])];
        formatGiven = true;
        break;
      }
      case "--step": {
        err = need();
        if (err) break;
        const n = Number(value);
        if (!/^-?\d+$/.test(value!.trim()) || !Number.isSafeInteger(n))
          err = `--step needs an event index (an integer), got '${value}'`;
        else err = setStep(arg, n);
        break;
      }
      case "--iteration": {
        err = need();
        if (err) break;
        const n = Number(value);
        if (!/^-?\d+$/.test(value!.trim()) || !Number.isSafeInteger(n))
          err = `--iteration needs an iteration number (an integer), got '${value}'`;
        else a.iteration = n;
        break;
      }
      case "--forward":
      case "--backward":
      case "--final":
        err = flag() ?? setStep(arg, arg.slice(2) as StepSpec);
        break;
      case "--view":
        err = need();
        if (!err) {
          if (!VIEWS.includes(value as View)) err = `--view takes values or autograd, got '${value}'`;
          else a.view = value as View;
        }
        break;
      case "--theme":
        err = need();
        if (!err) {
          if (!THEMES.includes(value as ThemeName))
            err = `--theme takes light, dark or print, got '${value}'`;
          else a.theme = value as ThemeName;
        }
        break;
      case "--width":
      case "--scale":
      case "--timeout": {
        err = need();
        if (err) break;
        const n = Number(value);
        if (!(Number.isFinite(n) && n > 0)) err = `${arg} needs a positive number, got '${value}'`;
        else if (arg === "--width") a.width = n;
        else if (arg === "--scale") {
          if (n > 16) err = `--scale is at most 16, got ${n}`;
          else a.scale = n;
        } else a.timeoutMs = n * 1000;
        break;
      }
      case "--no-values":
        err = flag();
        a.showValues = false;
        break;
      case "--legend":
      case "--no-legend":
        err = flag();
        a.legend = arg === "--legend";
        break;
      case "--cells":
        err = flag();
        a.cells = true;
        break;
      case "--verbose":
        err = flag();
        a.verbose = true;
        break;
      case "--quiet":
        err = flag();
        a.quiet = true;
        break;
      default:
        if (arg.startsWith("-") && arg !== "-") err = `unknown option '${arg}'`;
        else a.inputs.push(arg);
    }
    if (err) return err;
  }
  if (a.inputs.length === 0) return "missing FILE.py, FILE.ts or TRACE.json";
  if (a.outDir !== null) {
    if (a.svg !== null || a.png !== null)
      return "--out-dir names the files itself: use --format, not --svg/--png";
  } else {
    if (formatGiven) return "--format goes with --out-dir (one file: --svg OUT.svg and/or --png OUT.png)";
    if (a.inputs.length > 1) return "several inputs need --out-dir DIR";
    if (a.svg === null && a.png === null)
      return "say where to write: --svg OUT.svg, --png OUT.png or --out-dir DIR";
    if (a.svg === "-" && a.png === "-") return "only one of --svg and --png can go to stdout";
    if (a.cells && (a.svg === "-" || a.png === "-")) return "--cells writes several figures: not to stdout";
  }
  return a;
}

// ---- inputs → traces ----

/** What running or reading one input gave. */
export interface Loaded {
  /** null when there is nothing to draw. */
  trace: Trace | null;
  /** The input failed (a program exception, a malformed trace); the message is already printed. */
  failed: boolean;
}

type Kind = "python" | "program" | "trace";

function kindOf(file: string): Kind | null {
  const ext = extname(file).toLowerCase();
  if (ext === ".py") return "python";
  if (ext === ".json") return "trace";
  if (PROGRAM_EXTS.includes(ext)) return "program";
  return null;
}

/** A `# %%` cell (Jupytext's percent format): its last line, 1-based, and title. */
export interface Cell {
  index: number;
  title: string;
  /** Lines 1..end are the program up to the end of this cell. */
  end: number;
  markdown: boolean;
  hasCode: boolean;
}

/** The marked cells of a Python source (code before the first marker is run but gets no figure). */
export function splitCells(source: string): Cell[] {
  const lines = source.split("\n");
  const cells: Cell[] = [];
  let cur: Cell | null = null;
  lines.forEach((line, i) => {
    const m = /^#\s*%%(.*)$/.exec(line);
    if (m) {
      if (cur) cur.end = i;
      const rest = m[1].trim();
      const markdown = /^\[(markdown|md)\]/i.test(rest);
      cur = {
        index: cells.length + 1,
        title: rest.replace(/\[[^\]]*\]/g, "").trim(),
        end: lines.length,
        markdown,
        hasCode: false,
      };
      cells.push(cur);
    } else if (cur && line.trim() !== "" && !line.trimStart().startsWith("#")) {
      cur.hasCode = true;
    }
  });
  return cells;
}

function reportError(io: ExportIO, file: string, message: string): void {
  io.stderr.write(`gradlens export: ${file}: ${message}\n`);
}

async function loadPython(file: string, source: string, args: ExportArgs, io: ExportIO): Promise<Loaded> {
  // Pyodide only when a Python program is exported: a trace or a .ts program starts faster without it
  const { nodeRuntime } = await import("../python/node.ts");
  const runtime = await nodeRuntime();
  const verbose = args.verbose;
  const result = runtime.run(source, {
    filename: file,
    trace: { title: basename(file) },
    timeoutMs: args.timeoutMs,
    // stdout stays for the figure (`--svg -`): the program's own output goes to stderr
    onStdout: verbose ? (t) => io.stderr.write(t) : undefined,
    onStderr: verbose ? (t) => io.stderr.write(t) : undefined,
  });
  if (result.error) {
    // the traceback as Python prints it (already streamed when verbose)
    if (!verbose) io.stderr.write(result.error.traceback);
    return { trace: result.trace, failed: true };
  }
  if (result.exitCode !== 0) {
    if (!verbose && result.stderr) io.stderr.write(result.stderr);
    reportError(io, file, `the program exited with status ${result.exitCode}`);
    return { trace: result.trace, failed: true };
  }
  return { trace: result.trace, failed: false };
}

let hooksInstalled = false;
let tsxInstalled = false;
let cjsAliased = false;

/** The module that `import ... from "gradlens"` should mean: this gradlens (sources in a checkout, dist installed). */
function selfEntries(): Record<string, string> {
  const ext = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
  const at = (p: string) => new URL(`${p}${ext}`, import.meta.url).href;
  return {
    gradlens: at("../index"),
    "gradlens/trace": at("../trace/index"),
    "gradlens/render": at("../lib/render"),
  };
}

/**
 * A resolve hook (Node's module customization API): maps the bare names above to their files, and
 * makes a `.ts` program ESM even outside an ESM package (tsx would run it as CommonJS there, which
 * Node 20 then refuses as a require() cycle of an ES module).
 */
const ALIAS_HOOK = `
let entries = {};
export function initialize(data) { entries = data; }
export async function resolve(specifier, context, next) {
  if (Object.prototype.hasOwnProperty.call(entries, specifier)) return { url: entries[specifier], format: "module", shortCircuit: true };
  const r = await next(specifier, context);
  if (r.url.startsWith("file:") && /\\.ts$/.test(r.url) && !r.url.includes("/node_modules/") && r.format !== "module")
    return { ...r, format: "module" };
  return r;
}`;

async function installHooks(ts: boolean): Promise<void> {
  // a checkout already runs on tsx (bin/gradlens.mjs); the compiled package loads it for .ts programs
  // only, before our hook (the last registered runs first, so ours has the final word on the format)
  if (ts && !tsxInstalled && !import.meta.url.endsWith(".ts")) {
    const { register } = await import("tsx/esm/api");
    register();
    tsxInstalled = true;
    hooksInstalled = false;
  }
  if (!hooksInstalled) {
    const entries = selfEntries();
    registerHooks(`data:text/javascript,${encodeURIComponent(ALIAS_HOOK)}`, { data: entries });
    if (!cjsAliased) {
      // require("gradlens") in a CommonJS program: Node 20's resolve hooks do not see require()
      const cjs = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
      const resolveFilename = cjs._resolveFilename;
      cjs._resolveFilename = function (this: unknown, request: string, ...rest: unknown[]) {
        const url = entries[request];
        return url ? fileURLToPath(url) : resolveFilename.call(this, request, ...rest);
      };
      cjsAliased = true;
    }
    hooksInstalled = true;
  }
}

function labelNamed(recorder: Recorder, named: unknown, tensor: typeof Tensor): void {
  if (!named || typeof named !== "object") return;
  for (const [name, v] of Object.entries(named)) {
    if (name !== "default" && v instanceof tensor && v.label === null) recorder.labelTensor(v, name);
  }
}

/** `const name = ...` (also let/var, or a plain assignment): the name the line's last result gets, as in the app's JS mode. */
const DECLARES = /^\s*(?:export\s+)?(?:(?:const|let|var)\s+)?([A-Za-z_$][\w$]*)\s*(?::[^=]+)?=(?!=)/;

/** The innermost stack frame in the program's file (a file URL for ESM, a path for CommonJS): its line. */
function lineIn(stack: string | undefined, names: readonly string[]): number | null {
  if (!stack) return null;
  for (const frame of stack.split("\n")) {
    for (const name of names) {
      const at = frame.indexOf(name);
      if (at < 0) continue;
      const m = /^:(\d+):\d+/.exec(frame.slice(at + name.length));
      if (m) return Number(m[1]);
    }
  }
  return null;
}

async function loadProgram(file: string, source: string, args: ExportArgs, io: ExportIO): Promise<Loaded> {
  const ext = extname(file).toLowerCase();
  await installHooks(ext.endsWith("ts"));
  // the engine only for programs: a trace file draws without it (~40 ms of module loading)
  const [engine, { DEFAULT_SEED }, { Recorder }] = await Promise.all([
    import("../engine/index.ts"),
    import("../engine/random.ts"),
    import("../trace/recorder.ts"),
  ]);
  const { setDetectAnomaly, setGradEnabled, manualSeed, addListener, Tensor } = engine;
  // each run starts as a fresh process would: grad on, anomaly off, the default seed
  setGradEnabled(true);
  setDetectAnomaly(false);
  manualSeed(DEFAULT_SEED);
  const language = ext.endsWith("ts") ? "typescript" : "javascript";
  const recorder = new Recorder({ program: { language, source }, title: basename(file) });
  const path = resolve(file);
  const fileUrl = pathToFileURL(path).href;
  const names = [fileUrl, path];
  const lines = source.split("\n");
  let labelled: { line: number; tensor: Tensor } | null = null;
  // ahead of the recorder's listener: each event gets the program line that made it, and a
  // `const z = ...` line names the tensor it made last (what the app's JS mode and the Python shim do)
  const stopLines = addListener((e) => {
    const line = lineIn(new Error().stack, names);
    recorder.setSource(line);
    if (line === null || (e.kind !== "op" && e.kind !== "create")) return;
    const made = e.kind === "op" ? e.out : e.tensor;
    const m = DECLARES.exec(lines[line - 1] ?? "");
    if (!m) return;
    if (labelled && labelled.line === line && labelled.tensor !== made && labelled.tensor.label === m[1])
      recorder.labelTensor(labelled.tensor, null);
    recorder.labelTensor(made, m[1]);
    labelled = { line, tensor: made };
  });
  recorder.start();
  // what the app's JS mode has in scope besides the engine: print() and label()
  const g = globalThis as Record<string, unknown>;
  const saved = { print: g.print, label: g.label };
  const say = (...xs: unknown[]) => {
    if (args.verbose)
      io.stderr.write(xs.map((x) => (typeof x === "string" ? x : String(x))).join(" ") + "\n");
  };
  g.print = say;
  g.label = (t: Tensor, name: string) => {
    recorder.labelTensor(t, name);
    return t;
  };
  // the program's frame can sit deep under the engine's
  const savedLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 200;
  let failed = false;
  try {
    // imported once per process (a query string to run it again would hide the .ts extension from tsx)
    const mod = (await import(fileUrl)) as Record<string, unknown>;
    if (typeof mod.default === "function") {
      const returned: unknown = await (mod.default as (r: Recorder) => unknown)(recorder);
      labelNamed(recorder, returned, Tensor);
    }
    labelNamed(recorder, mod, Tensor);
  } catch (err) {
    failed = true;
    const e = err instanceof Error ? err : new Error(String(err));
    const pyType = (e as Error & { pyType?: string }).pyType ?? e.name;
    recorder.setSource(lineIn(e.stack, names));
    recorder.recordError(pyType, e.message);
    io.stderr.write(`${e.stack ?? `${e.name}: ${e.message}`}\n`);
    const missing = /^(\w+) is not defined$/.exec(e.message);
    if (e.name === "ReferenceError" && missing && missing[1] in engine)
      io.stderr.write(`hint: import it first: import { ${missing[1]} } from "gradlens";\n`);
  } finally {
    stopLines();
    recorder.stop();
    Error.stackTraceLimit = savedLimit;
    g.print = saved.print;
    g.label = saved.label;
    if (saved.print === undefined) delete g.print;
    if (saved.label === undefined) delete g.label;
    setGradEnabled(true);
  }
  return { trace: recorder.trace, failed };
}

function loadTrace(file: string, text: string, io: ExportIO): Loaded {
  try {
    return { trace: parseTrace(text), failed: false };
  } catch (e) {
    if (!(e instanceof TraceFormatError)) throw e;
    reportError(
      io,
      file,
      e.message.startsWith("not a gradlens trace") ? e.message : `not a gradlens trace: ${e.message}`,
    );
    return { trace: null, failed: true };
  }
}

/** Runs or reads one input into a trace; every failure is reported on io.stderr. */
export async function loadInput(
  file: string,
  args: ExportArgs,
  io: ExportIO,
  source?: string,
): Promise<Loaded> {
  const kind = kindOf(file);
  if (kind === null) {
    reportError(
      io,
      file,
      `cannot export a '${extname(file) || basename(file)}' file: give a .py or .ts/.js program, or a .json trace`,
    );
    return { trace: null, failed: true };
  }
  let text = source;
  if (text === undefined) {
    try {
      text = readFileSync(file, "utf8");
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      reportError(
        io,
        file,
        code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a folder" : (e as Error).message,
      );
      return { trace: null, failed: true };
    }
  }
  if (kind === "python") return loadPython(file, text, args, io);
  if (kind === "program") return loadProgram(file, text, args, io);
  return loadTrace(file, text, io);
}

// ---- traces → files ----

/** One figure to make: a whole input, or a cell of one. */
interface Job {
  input: string;
  /** The program up to the end of the cell (cells only). */
  source?: string;
  cell?: Cell;
  svg: string | null;
  png: string | null;
}

function stemOf(file: string): string {
  const b = basename(file);
  const e = extname(b);
  return e ? b.slice(0, -e.length) : b;
}

function withCell(path: string, k: number): string {
  if (path === "-") return path;
  const e = extname(path);
  return `${e ? path.slice(0, -e.length) : path}-${k}${e}`;
}

/** The jobs of the command line, and an error when two would write the same file. */
function planJobs(args: ExportArgs, io: ExportIO): Job[] | string {
  const jobs: Job[] = [];
  for (const input of args.inputs) {
    let svg: string | null;
    let png: string | null;
    if (args.outDir !== null) {
      const base = join(args.outDir, stemOf(input));
      svg = args.formats.includes("svg") ? `${base}.svg` : null;
      png = args.formats.includes("png") ? `${base}.png` : null;
    } else {
      svg = args.svg;
      png = args.png;
    }
    if (args.cells && kindOf(input) === "python" && existsSync(input)) {
      let source: string;
      try {
        source = readFileSync(input, "utf8");
      } catch {
        jobs.push({ input, svg, png });
        continue;
      }
      const cells = splitCells(source).filter((c) => !c.markdown && c.hasCode);
      if (cells.length > 0) {
        const lines = source.split("\n");
        for (const cell of cells) {
          jobs.push({
            input,
            source: lines.slice(0, cell.end).join("\n") + "\n",
            cell,
            svg: svg && withCell(svg, cell.index),
            png: png && withCell(png, cell.index),
          });
        }
        continue;
      }
      if (!args.quiet)
        io.stderr.write(`gradlens export: ${input}: no '# %%' cells: one figure for the whole file\n`);
    }
    jobs.push({ input, svg, png });
  }
  const seen = new Map<string, string>();
  for (const j of jobs) {
    for (const out of [j.svg, j.png]) {
      if (out === null || out === "-") continue;
      const key = resolve(out);
      const other = seen.get(key);
      if (other !== undefined && other !== `${j.input}#${j.cell?.index}`)
        return `${other.split("#")[0]} and ${j.input} would both write ${out}`;
      seen.set(key, `${j.input}#${j.cell?.index}`);
    }
  }
  return jobs;
}

function writeOut(path: string, data: string | Uint8Array, io: ExportIO): void {
  if (path === "-") {
    io.stdout.write(data);
    return;
  }
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, data);
}

function hasDrawable(trace: Trace): boolean {
  return trace.events.some((e) => e.kind !== "error" && e.kind !== "warning");
}

/** The figure of one trace, as the app draws it. */
export async function renderFigure(trace: Trace, args: ExportArgs, title: string): Promise<string> {
  return renderSvg(trace, {
    view: args.view,
    step: args.step,
    theme: args.theme,
    showValues: args.showValues,
    width: args.width,
    legend: args.legend,
    title,
    iteration: args.iteration,
  });
}

/** Checks the step asked for exists in this trace; a message if not. */
function stepProblem(trace: Trace, step: StepSpec): string | null {
  if (typeof step !== "number") return null;
  const n = trace.events.length;
  if (step >= n || step < -n)
    return `--step ${step}: the trace has ${n} events (steps 0 to ${n - 1}, or -1 to -${n} from the end)`;
  return null;
}

/** Makes one figure: "partial" when the program failed but what ran was drawn. */
async function exportJob(
  job: Job,
  name: string,
  args: ExportArgs,
  io: ExportIO,
): Promise<"written" | "partial" | "failed"> {
  const loaded = await loadInput(job.input, args, io, job.source);
  const trace = loaded.trace;
  if (!trace) return "failed";
  if (!hasDrawable(trace)) {
    reportError(io, name, "nothing to draw: no tensor was made or used");
    return "failed";
  }
  let iteration: number | null = null;
  try {
    if (args.iteration !== null) iteration = resolveIteration(trace, args.iteration).index;
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    reportError(io, name, `--${e.message}`);
    return "failed";
  }
  const problem = stepProblem(trace, args.step);
  if (problem) {
    reportError(io, name, problem);
    return "failed";
  }
  const shown = graphAt(trace, resolveStep(trace, args.step, iteration), args.view);
  if ((iteration === null ? shown : sliceIteration(shown, iteration)).nodes.length === 0) {
    reportError(
      io,
      name,
      args.view === "autograd"
        ? "nothing to draw in the autograd view at this step: no op on a tensor that requires grad (try --view values)"
        : "nothing to draw at this step (try a later --step)",
    );
    return "failed";
  }
  const title =
    args.title ??
    (job.cell
      ? `${basename(job.input)}: ${job.cell.title || `cell ${job.cell.index}`}`
      : (trace.meta.title ?? basename(job.input)));
  const svg = await renderFigure(trace, args, title);
  if (job.svg !== null) writeOut(job.svg, svg, io);
  if (job.png !== null) writeOut(job.png, svgToPng(svg, { scale: args.scale }), io);
  if (loaded.failed) reportError(io, name, "drew what ran before the error");
  return loaded.failed ? "partial" : "written";
}

function processIO(): ExportIO {
  return { stdout: process.stdout, stderr: process.stderr, isTTY: Boolean(process.stderr.isTTY) };
}

/** `gradlens export ...`: returns the exit code (0 ok, 1 some input failed, 2 bad command line). */
export async function exportCommand(argv: string[], io: ExportIO = processIO()): Promise<number> {
  if (argv.some((a) => a === "-h" || a === "--help")) {
    io.stdout.write(EXPORT_USAGE + "\n");
    return 0;
  }
  const parsed = parseExportArgs(argv);
  if (typeof parsed === "string") {
    io.stderr.write(`gradlens export: ${parsed}\n${EXPORT_USAGE}\n`);
    return 2;
  }
  const args = parsed;
  const jobs = planJobs(args, io);
  if (typeof jobs === "string") {
    io.stderr.write(`gradlens export: ${jobs}\n`);
    return 2;
  }
  const t0 = performance.now();
  const batch = jobs.length > 1;
  const progress = batch && !args.quiet;
  let failures = 0;
  let written = 0;
  /** Inputs whose program failed in a cell: later cells would fail the same way. */
  const brokenCells = new Set<string>();
  for (let k = 0; k < jobs.length; k++) {
    const job = jobs[k];
    const name = job.cell ? `${job.input} [cell ${job.cell.index}]` : job.input;
    if (progress && io.isTTY) io.stderr.write(`\r\x1b[K[${k + 1}/${jobs.length}] ${name}`);
    if (job.cell && brokenCells.has(job.input)) {
      reportError(io, name, "skipped: an earlier cell failed");
      failures++;
      continue;
    }
    let ok: boolean;
    try {
      const status = await exportJob(job, name, args, io);
      ok = status === "written";
      if (status !== "failed") written++;
      if (!ok && job.cell) brokenCells.add(job.input);
    } catch (e) {
      // a bug of ours, not of the input: say so with the stack, go on with the next input
      reportError(io, name, `export failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      ok = false;
    }
    if (!ok) failures++;
    if (progress && !io.isTTY) {
      const outs = [job.svg, job.png].filter((p) => p !== null).join(", ");
      io.stderr.write(`[${k + 1}/${jobs.length}] ${name} ${ok ? `→ ${outs}` : "failed"}\n`);
    }
  }
  if (progress) {
    const s = ((performance.now() - t0) / 1000).toFixed(1);
    const where = args.outDir !== null ? ` in ${args.outDir}` : "";
    io.stderr.write(
      `${io.isTTY ? "\r\x1b[K" : ""}gradlens export: ${written} figure${written === 1 ? "" : "s"}${where} (${s} s)` +
        (failures ? `, ${failures} failed` : "") +
        "\n",
    );
  }
  return failures > 0 ? 1 : 0;
}
