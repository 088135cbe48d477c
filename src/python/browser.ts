/// <reference types="vite/client" />
/**
 * Python mode in the browser (a Web Worker will host it): the shim's .py files bundled by Vite as
 * text, Pyodide's files served from `indexURL`.
 */
import { PythonRuntime } from "./runtime.ts";

const files = import.meta.glob("./py/**/*.py", { query: "?raw", import: "default", eager: true }) as Record<
  string,
  string
>;

/** The shim's Python files, by path relative to src/python/py/. */
export function bundledShimSources(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [path, text] of Object.entries(files)) out[path.replace(/^\.\/py\//, "")] = text;
  return out;
}

let cached: Promise<PythonRuntime> | null = null;

/** The runtime, loaded once; `indexURL` is where pyodide.asm.wasm, pyodide.asm.mjs and python_stdlib.zip are served. */
export function browserRuntime(indexURL: string): Promise<PythonRuntime> {
  cached ??= PythonRuntime.load({ indexURL, sources: bundledShimSources() });
  return cached;
}
