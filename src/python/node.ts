/** Python mode in Node: Pyodide from node_modules (no network) and the shim's .py files from disk. */
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { PythonRuntime } from "./runtime.ts";

const PY_DIR = fileURLToPath(new URL("./py/", import.meta.url));

/** The shim's Python files, by path relative to src/python/py/. */
export function readShimSources(dir = PY_DIR): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".py")) out[relative(dir, p).split(sep).join("/")] = readFileSync(p, "utf8");
    }
  };
  walk(dir);
  return out;
}

/** The installed pyodide package's folder (its .wasm, .mjs and stdlib zip). */
export function pyodideDir(): string {
  return dirname(createRequire(import.meta.url).resolve("pyodide")) + sep;
}

let cached: Promise<PythonRuntime> | null = null;

/** The process-wide runtime, loaded on first use (a cold start takes seconds; later runs reuse it). */
export function nodeRuntime(): Promise<PythonRuntime> {
  cached ??= PythonRuntime.load({ indexURL: pyodideDir(), sources: readShimSources() });
  return cached;
}
