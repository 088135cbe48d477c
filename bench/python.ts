/**
 * Python mode benchmarks in Node: Pyodide's cold start (load + the torch shim), a warm run of the
 * seed notebooks, and the shim's per-op overhead: the same 1,000-op program through `gradlens run`'s
 * runtime and through the TS API, with and without recording a trace. The measurements themselves
 * live in bench/python-programs.ts; bench/python-browser.ts runs them in a Chromium worker, where the
 * app runs Python.
 *
 * Where each number comes from: these rows are `gradlens run` (Node 20); the app's are the
 * "(chromium worker)" rows. Node's Python is slower: Pyodide calls C function pointers through a
 * wasm trampoline that needs standard Wasm GC (`ref.test`), which Node 20's V8 11.3 lacks, so every
 * such call goes through JS instead. The "400k builtin calls" row says which one is in use
 * (`wasm_trampoline`) and what it costs (Node 70-105 ms, Chromium 48-66 ms on 2 busy cores). The
 * 1,000-op program on 4 elements gains less (~25%), and the TS API is as much faster in Chromium,
 * so the ratio is about the same in both (4.4-5x on the fastest runs).
 *
 * "Warm" means after start-up is over: V8 keeps tiering up Pyodide's wasm (and the engine's JS) for
 * some twenty runs of a program, so each case first runs until its run times stop falling
 * (`warmUp`), then takes the median of interleaved samples.
 */
import { readFileSync } from "node:fs";
import { pyodideDir, readShimSources } from "../src/python/node.ts";
import { PythonRuntime } from "../src/python/runtime.ts";
import type { Suite } from "./harness.ts";
import { breakdownRows, mlpRow, opsRows, seedRunRows, trampolineRow } from "./python-programs.ts";

let runtime: Promise<PythonRuntime> | null = null;
let coldMs = 0;

function loadRuntime(): Promise<PythonRuntime> {
  runtime ??= (async () => {
    const t0 = performance.now();
    const rt = await PythonRuntime.load({ indexURL: pyodideDir(), sources: readShimSources() });
    coldMs = performance.now() - t0;
    return rt;
  })();
  return runtime;
}

/** The seed notebooks the golden tests run. */
export function seedNotebooks(): string {
  return readFileSync(new URL("../../shared/golden/seed-notebooks.py", import.meta.url), "utf8");
}

export const pythonStart: Suite = {
  name: "python-start",
  async run(report) {
    await loadRuntime();
    report({ bench: "python cold start (pyodide + torch shim)", unit: "ms", ours: coldMs });
  },
};

export const pythonRun: Suite = {
  name: "python-run",
  async run(report) {
    for (const row of seedRunRows(await loadRuntime(), seedNotebooks())) report(row);
  },
};

export const pythonOps: Suite = {
  name: "python-ops",
  async run(report) {
    const rt = await loadRuntime();
    report(trampolineRow(rt, ""));
    opsRows(rt, report);
    report(mlpRow(rt));
    breakdownRows(rt, report);
  },
};

export const pythonSuites: Suite[] = [pythonStart, pythonRun, pythonOps];
