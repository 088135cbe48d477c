/// <reference lib="webworker" />
/**
 * The Chromium Python bench's worker: loads Pyodide and the shim as the app's run worker does
 * (src/app/run/worker.ts: browserRuntime, Pyodide served by Vite at <base>pyodide/) and runs the
 * shared measurements (bench/python-programs.ts) on request, posting the rows back.
 */
import { browserRuntime } from "../src/python/browser.ts";
import type { PythonRuntime } from "../src/python/runtime.ts";
import type { BenchResult } from "./harness.ts";
import { breakdownRows, mlpRow, opsRows, seedRunRows, trampolineRow } from "./python-programs.ts";

export type BenchRequest = { kind: "start" } | { kind: "seed"; source: string } | { kind: "ops" };

export type BenchReply = { rows: BenchResult[] } | { error: string };

const scope = self as unknown as DedicatedWorkerGlobalScope;
const SUFFIX = " (chromium worker)";
let runtime: PythonRuntime | null = null;

async function handle(req: BenchRequest): Promise<BenchResult[]> {
  if (req.kind === "start") {
    const t0 = performance.now();
    runtime = await browserRuntime(
      new URL(`${import.meta.env.BASE_URL}pyodide/`, scope.location.origin).href,
    );
    const ms = performance.now() - t0;
    return [
      {
        bench: `python cold start (pyodide + torch shim)${SUFFIX}`,
        unit: "ms",
        ours: ms,
        // timer resolution: 5 µs when isolated, 100 µs when not
        cross_origin_isolated: scope.crossOriginIsolated,
      },
    ];
  }
  if (!runtime) throw new Error("start first");
  const rt = runtime;
  const rows: BenchResult[] = [];
  if (req.kind === "seed") rows.push(...seedRunRows(rt, req.source));
  else {
    rows.push(trampolineRow(rt, ""));
    opsRows(rt, (row) => rows.push(row));
    rows.push(mlpRow(rt));
    breakdownRows(rt, (row) => rows.push(row));
  }
  return rows.map((row) => ({ ...row, bench: row.bench + SUFFIX }));
}

scope.onmessage = async (ev: MessageEvent<BenchRequest>) => {
  let reply: BenchReply;
  try {
    reply = { rows: await handle(ev.data) };
  } catch (e) {
    reply = { error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
  }
  scope.postMessage(reply);
};
