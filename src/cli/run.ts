/**
 * `gradlens run FILE.py [--trace OUT.json] [--timeout SECONDS]`: runs the program in Node on Pyodide,
 * prints stdout and stderr as Python would (streamed), exits 1 after an uncaught exception (its
 * traceback on stderr), and writes the trace.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { nodeRuntime } from "../python/node.ts";
import { serializeTrace } from "../trace/io.ts";

export interface RunArgs {
  file: string;
  trace: string | null;
  timeoutMs: number | undefined;
}

export function parseRunArgs(args: string[]): RunArgs | string {
  let file: string | null = null;
  let trace: string | null = null;
  let timeoutMs: number | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--trace" || a === "--timeout") {
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
  return { file, trace, timeoutMs };
}

export async function runCommand(args: string[]): Promise<number> {
  const parsed = parseRunArgs(args);
  if (typeof parsed === "string") {
    process.stderr.write(
      `gradlens run: ${parsed}\nusage: gradlens run FILE.py [--trace OUT.json] [--timeout SECONDS]\n`,
    );
    return 2;
  }
  let source: string;
  try {
    source = readFileSync(parsed.file, "utf8");
  } catch {
    // what `python3 missing.py` says
    process.stderr.write(`gradlens: can't open file '${parsed.file}': [Errno 2] No such file or directory\n`);
    return 2;
  }
  const runtime = await nodeRuntime();
  const result = runtime.run(source, {
    // python names the script by its absolute path in tracebacks and warnings
    filename: resolve(parsed.file),
    trace: parsed.trace !== null,
    timeoutMs: parsed.timeoutMs,
    onStdout: (text) => process.stdout.write(text),
    onStderr: (text) => process.stderr.write(text),
  });
  if (parsed.trace !== null && result.trace) writeFileSync(parsed.trace, serializeTrace(result.trace));
  return result.exitCode;
}
