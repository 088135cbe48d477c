/**
 * `gradlens run FILE.py [--trace OUT.json] [--timeout SECONDS] [--check ...]`: runs the program in
 * Node on Pyodide, prints stdout and stderr as Python would (streamed), exits 1 after an uncaught
 * exception (its traceback on stderr), and writes the trace.
 *
 * `--check` then prints the analysis' findings (non-finite origins forward and backward, with line
 * and iteration, their spread, exploding / vanishing grads) on stderr, after everything the program
 * printed: stdout stays exactly what `python FILE.py` prints, so a script can still parse or diff it,
 * and the findings go where Python's own diagnostics (warnings, tracebacks) go.
 * `gradlens check TRACE.json` prints the same findings for a recorded trace, on stdout (there they
 * are the command's only output).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { checkReport } from "../analysis/report.ts";
import type { Thresholds } from "../analysis/magnitude.ts";
import { parseTrace, serializeTrace } from "../trace/io.ts";
import type { Trace } from "../trace/schema.ts";

/** Exit codes: the program's own (0, 1 after an uncaught exception, sys.exit's), and these. */
export const EXIT_USAGE = 2;
/** `--check` found a nan or ±inf (and the program itself exited 0). */
export const EXIT_NONFINITE = 3;

const THRESHOLD_HELP = `  --explode-above X  a grad norm above X is flagged exploding (default 1e3)
  --vanish-below Y   a grad norm below Y (and not 0) is flagged vanishing (default 1e-7)`;

export const RUN_USAGE = `usage: gradlens run FILE.py [--trace OUT.json] [--timeout SECONDS] [--check [thresholds]]

  Runs a PyTorch program on the gradlens engine, printing what Python prints.
  --trace OUT.json   write the recorded trace as JSON
  --timeout SECONDS  stop a program that runs longer
  --check            after the program, print on stderr where the first nan/inf was born (op,
                     line N, iteration K = the number of backward() calls before it), forward and
                     backward, how it spread, and exploding / vanishing grads
${THRESHOLD_HELP}

  exit code: the program's (0, 1 after an uncaught exception, or sys.exit's); 2 for a usage error;
  with --check, 3 when a nan/inf was found and the program itself exited 0`;

export const CHECK_USAGE = `usage: gradlens check TRACE.json [--explode-above X] [--vanish-below Y]

  Prints on stdout the findings of \`gradlens run --check\` for a recorded trace (from
  \`gradlens run --trace\`, the app or serializeTrace).
${THRESHOLD_HELP}

  exit code: 0 clean, 3 a nan/inf was found, 2 for a usage error or an unreadable trace`;

/** Where a command writes: the process streams by default, buffers in tests. */
export interface CliIO {
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
}

const processIO: CliIO = { stdout: process.stdout, stderr: process.stderr };

export interface RunArgs {
  file: string;
  trace: string | null;
  timeoutMs: number | undefined;
  /** Present with --check: the thresholds for exploding / vanishing grads (empty: the defaults). */
  check?: Thresholds;
}

/** Reads --explode-above / --vanish-below at args[i]; returns the new index, or an error text. */
function thresholdArg(args: string[], i: number, t: Thresholds): number | string | null {
  const a = args[i];
  const eq = a.indexOf("=");
  const name = eq > 0 ? a.slice(0, eq) : a;
  if (name !== "--explode-above" && name !== "--vanish-below") return null;
  const v = eq > 0 ? a.slice(eq + 1) : args[i + 1];
  if (v === undefined) return `${name} needs a value`;
  const x = Number(v);
  if (name === "--explode-above") {
    if (!(x > 0)) return `--explode-above needs a positive number, got '${v}'`;
    t.explodeAbove = x;
  } else {
    if (!(x >= 0) || x === Infinity) return `--vanish-below needs a finite number >= 0, got '${v}'`;
    t.vanishBelow = x;
  }
  return eq > 0 ? i : i + 1;
}

function checkThresholds(t: Thresholds): string | null {
  if (t.explodeAbove !== undefined && t.vanishBelow !== undefined && t.vanishBelow >= t.explodeAbove)
    return `--vanish-below (${t.vanishBelow}) must be below --explode-above (${t.explodeAbove})`;
  return null;
}

export function parseRunArgs(args: string[]): RunArgs | string {
  let file: string | null = null;
  let trace: string | null = null;
  let timeoutMs: number | undefined;
  let check = false;
  const thresholds: Thresholds = {};
  let thresholdGiven: string | null = null;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const t = thresholdArg(args, i, thresholds);
    if (typeof t === "string") return t;
    if (t !== null) {
      thresholdGiven ??= a.split("=")[0];
      i = t;
    } else if (a === "--check") check = true;
    else if (a === "--trace" || a === "--timeout") {
      const v = args[++i];
      if (v === undefined) return `${a} needs a value`;
      if (a === "--trace") trace = v;
      else {
        const s = Number(v);
        if (!(s > 0)) return `--timeout needs a positive number of seconds, got '${v}'`;
        timeoutMs = s * 1000;
      }
    } else if (a.startsWith("--trace=")) trace = a.slice("--trace=".length);
    else if (a.startsWith("-")) return `unknown option '${a}'`;
    else if (file === null) file = a;
    else return `unexpected argument '${a}'`;
  }
  if (file === null) return "missing FILE.py";
  if (/\.json$/i.test(file))
    return `'${file}' is a trace, not a program: check it with gradlens check ${file}`;
  if (thresholdGiven !== null && !check) return `${thresholdGiven} only applies with --check`;
  const bad = checkThresholds(thresholds);
  if (bad) return bad;
  const out: RunArgs = { file, trace, timeoutMs };
  if (check) out.check = thresholds;
  return out;
}

export async function runCommand(args: string[], io: CliIO = processIO): Promise<number> {
  if (args.includes("-h") || args.includes("--help")) {
    io.stdout.write(`${RUN_USAGE}\n`);
    return 0;
  }
  const parsed = parseRunArgs(args);
  if (typeof parsed === "string") {
    io.stderr.write(`gradlens run: ${parsed}\n${RUN_USAGE.split("\n")[0]}\n`);
    return EXIT_USAGE;
  }
  let source: string;
  try {
    source = readFileSync(parsed.file, "utf8");
  } catch {
    // what `python3 missing.py` says
    io.stderr.write(`gradlens: can't open file '${parsed.file}': [Errno 2] No such file or directory\n`);
    return EXIT_USAGE;
  }
  // loaded here, not at the top: `gradlens check` shares this module and needs no Python
  const { nodeRuntime } = await import("../python/node.ts");
  const runtime = await nodeRuntime();
  const result = runtime.run(source, {
    // python names the script by its absolute path in tracebacks and warnings
    filename: resolve(parsed.file),
    trace: parsed.trace !== null || parsed.check !== undefined,
    timeoutMs: parsed.timeoutMs,
    onStdout: (text) => io.stdout.write(text),
    onStderr: (text) => io.stderr.write(text),
  });
  if (parsed.trace !== null && result.trace) writeFileSync(parsed.trace, serializeTrace(result.trace));
  if (parsed.check === undefined || !result.trace) return result.exitCode;
  // the trace up to an uncaught exception is checked too: a nan often is why the program raised
  const failed = printCheck(result.trace, parsed.check, parsed.file, io.stderr);
  // a crash (or the program's own exit code) says more than the finding; 3 means "ran, but nan/inf"
  return result.exitCode !== 0 ? result.exitCode : failed ? EXIT_NONFINITE : 0;
}

/** Prints the findings headed by what was checked; returns whether a non-finite value was found. */
function printCheck(trace: Trace, t: Thresholds, what: string, out: CliIO["stdout"]): boolean {
  const report = checkReport(trace, t);
  out.write(`gradlens check: ${what}\n${report.text}`);
  return report.failed;
}

export interface CheckArgs {
  file: string;
  thresholds: Thresholds;
}

export function parseCheckArgs(args: string[]): CheckArgs | string {
  let file: string | null = null;
  const thresholds: Thresholds = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const t = thresholdArg(args, i, thresholds);
    if (typeof t === "string") return t;
    if (t !== null) i = t;
    else if (a.startsWith("-")) return `unknown option '${a}'`;
    else if (file === null) file = a;
    else return `unexpected argument '${a}'`;
  }
  if (file === null) return "missing TRACE.json";
  if (/\.py$/i.test(file))
    return `'${file}' is a program: run and check it with gradlens run ${file} --check`;
  return checkThresholds(thresholds) ?? { file, thresholds };
}

/** `gradlens check TRACE.json`: the --check findings of a recorded trace. */
export async function checkCommand(args: string[], io: CliIO = processIO): Promise<number> {
  if (args.includes("-h") || args.includes("--help")) {
    io.stdout.write(`${CHECK_USAGE}\n`);
    return 0;
  }
  const parsed = parseCheckArgs(args);
  if (typeof parsed === "string") {
    io.stderr.write(`gradlens check: ${parsed}\n${CHECK_USAGE.split("\n")[0]}\n`);
    return EXIT_USAGE;
  }
  let text: string;
  try {
    text = readFileSync(parsed.file, "utf8");
  } catch {
    io.stderr.write(`gradlens check: can't open file '${parsed.file}'\n`);
    return EXIT_USAGE;
  }
  let trace: Trace;
  try {
    trace = parseTrace(text);
  } catch (e) {
    io.stderr.write(`gradlens check: ${parsed.file}: ${(e as Error).message}\n`);
    return EXIT_USAGE;
  }
  return printCheck(trace, parsed.thresholds, parsed.file, io.stdout) ? EXIT_NONFINITE : 0;
}
