/** `gradlens <command>`: the command-line entry point (bin/gradlens.mjs). */
import Module from "node:module";
import { homedir } from "node:os";
import { join } from "node:path";
import v8 from "node:v8";

const USAGE = `usage: gradlens run FILE.py [--trace OUT.json] [--timeout SECONDS] [--check]
       gradlens check TRACE.json [--explode-above X] [--vanish-below Y]
       gradlens export FILE.py|FILE.ts|TRACE.json --svg OUT.svg [--png OUT.png] [options]

  run    runs a PyTorch program on the gradlens engine, printing what Python prints;
         --trace writes the recorded trace as JSON; --check then prints on stderr where the
         first nan/inf was born (op, line N, iteration K), how it spread, and exploding /
         vanishing grads (--explode-above X, default 1e3; --vanish-below Y, default 1e-7)
  check  the same findings for a recorded trace, on stdout
  export draws the program's computation graph into SVG / PNG figures (gradlens export --help)

  exit codes: 0 ok; 1 the program raised an uncaught exception (or sys.exit's code);
              2 usage error or unreadable input; 3 --check / check found a nan or inf
              (when the program itself exited 0)

  GRADLENS_CACHE_DIR  where compiled code is kept between runs (default ~/.cache/gradlens; off: none)`;

/** The per-user cache folder (never a shared /tmp: V8 trusts the code cache it reads), or null when turned off. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string | null {
  const set = env.GRADLENS_CACHE_DIR;
  if (set !== undefined) return set === "" || set === "off" || set === "0" ? null : set;
  const home = env.XDG_CACHE_HOME || join(homedir(), ".cache");
  return join(home, "gradlens");
}

/**
 * `gradlens export` is mostly ELK's first layout in a fresh process. Two things make it cheaper:
 * - a code cache of the ELK bundle (and on Node >= 22.1 Node's compile cache of every module);
 * - for one trace file, no optimizing compiler: TurboFan compiles ELK's hot functions on
 *   background threads and a single layout ends before that pays off (100 nodes: ~290 ms of CPU
 *   instead of ~430; 1,000 nodes: ~2.0 s instead of ~2.5). A batch (several figures) and a program
 *   run (the engine's loops) keep it: their later work runs the optimized code.
 */
async function prepareExport(args: string[]): Promise<void> {
  const dir = cacheDir();
  // before the modules below load (Node 20 has no compile cache; the ELK cache covers the most)
  if (dir !== null)
    (Module as { enableCompileCache?: (dir: string) => unknown }).enableCompileCache?.(join(dir, "node"));
  const { parseExportArgs } = await import("./export.ts");
  const parsed = parseExportArgs(args);
  const oneTrace =
    typeof parsed !== "string" && parsed.inputs.length === 1 && /\.json$/i.test(parsed.inputs[0]);
  // before the ELK cache is named: the flags are part of V8's cache tag
  if (oneTrace) v8.setFlagsFromString("--no-opt");
  if (dir !== null) (await import("../layout/elk-node.ts")).useElkCodeCache(dir);
}

/** Runs the command line `args` (without node and the script); returns the exit code. */
export async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  // each command's code is loaded on demand: `run` needs Pyodide but no layout, `export` of a
  // trace needs layout but no Python
  if (command === "run") return (await import("./run.ts")).runCommand(rest);
  if (command === "check") return (await import("./run.ts")).checkCommand(rest);
  if (command === "export") {
    await prepareExport(rest);
    return (await import("./export.ts")).exportCommand(rest);
  }
  if (command === "-h" || command === "--help" || command === "help") {
    process.stdout.write(USAGE + "\n");
    return 0;
  }
  process.stderr.write((command ? `gradlens: unknown command '${command}'\n` : "") + USAGE + "\n");
  return 2;
}
