/**
 * The Python-mode measurements shared by the Node suites (bench/python.ts) and the Chromium ones
 * (bench/python-browser.ts, run in a Web Worker as the app runs Python): the 1,000-op program, its
 * TS API twin, the warm-up rule and the rows they report. Nothing here may import Node modules.
 */
import * as ops from "../src/engine/ops/index.ts";
import { Tensor } from "../src/engine/tensor.ts";
import type { PythonRuntime } from "../src/python/runtime.ts";
import { Recorder } from "../src/trace/recorder.ts";
import { type BenchResult, median } from "./harness.ts";

/**
 * 1,000 ops on tensors of `n` elements that require grad (250 × mul, add a Python float, tanh, sub):
 * with 4 elements the call overhead is all there is; with 4096 the kernels start to count.
 */
export function program1000(n: number): string {
  return `
import torch
x = torch.linspace(-1, 1, ${n}, requires_grad=True)
w = torch.linspace(0.5, -0.5, ${n}, requires_grad=True)
h = x
for i in range(250):
    h = h * w
    h = h + 0.5
    h = torch.tanh(h)
    h = h - x
`;
}

/** The same loop on Python floats: what the interpreter alone costs, with no shim or engine. */
export function floats1000(): string {
  return `
import math
x = -1.0
w = 0.5
h = x
for i in range(250):
    h = h * w
    h = h + 0.5
    h = math.tanh(h)
    h = h - x
`;
}

export function ts1000(n: number): void {
  const x = ops.linspace(-1, 1, n, { requiresGrad: true });
  const w = ops.linspace(0.5, -0.5, n, { requiresGrad: true });
  let h = x;
  for (let i = 0; i < 250; i++) {
    h = h.mul(w);
    h = h.add(Tensor.wrap(0.5, "float32"));
    h = h.tanh();
    h = h.sub(x);
  }
}

/** `n` interleaved samples (ms) of each function (the machine's load hits both alike). */
export function samplesOf(fns: (() => number)[], n: number): number[][] {
  const samples = fns.map(() => [] as number[]);
  for (let i = 0; i < n; i++) fns.forEach((fn, k) => samples[k].push(fn()));
  return samples;
}

/** Median ms of `n` interleaved samples of each function. */
export function interleaved(fns: (() => number)[], n: number): number[] {
  return samplesOf(fns, n).map(median);
}

/**
 * Runs the interleaved functions until the first one's times stop falling: the median of its last 5
 * runs no lower than that of the 5 before (at least 15 runs, at most `maxRuns`).
 */
export function warmUp(fns: (() => number)[], maxRuns = 80): number {
  const times: number[] = [];
  while (times.length < maxRuns) {
    const [t] = fns.map((fn) => fn());
    times.push(t);
    const n = times.length;
    if (n >= 15 && median(times.slice(n - 5)) >= 0.97 * median(times.slice(n - 10, n - 5))) break;
  }
  return times.length;
}

export function timed(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

/** The warm seed-notebooks runs, without and with a trace. */
export function seedRunRows(rt: PythonRuntime, seed: string): BenchResult[] {
  const rows: BenchResult[] = [];
  for (const trace of [false, true]) {
    const run = () => rt.run(seed, { trace }).elapsedMs;
    const warmup = warmUp([run]);
    const [ms] = interleaved([run], 15);
    rows.push({
      bench: `python warm run seed-notebooks${trace ? " +trace" : ""}`,
      unit: "ms",
      ours: ms,
      warmup,
    });
  }
  return rows;
}

/** The 1,000-op program through Python vs the TS API, on 4 and 4096 elements, without and with a trace. */
export function opsRows(rt: PythonRuntime, report: (row: BenchResult) => void): void {
  const floats = floats1000();
  const floor = () => rt.run(floats, { trace: false }).elapsedMs;
  const floorWarmup = warmUp([floor]);
  const [floorSamples] = samplesOf([floor], 25);
  report({
    bench: "python 1000 float ops (the interpreter's share)",
    unit: "ms",
    ours: median(floorSamples),
    ours_min: Number(Math.min(...floorSamples).toFixed(3)),
    warmup: floorWarmup,
  });
  for (const [n, trace] of [
    [4, false],
    [4, true],
    [4096, false],
    [4096, true],
  ] as const) {
    const src = program1000(n);
    const py = () => rt.run(src, { trace }).elapsedMs;
    const ts = () =>
      timed(() => {
        const rec = trace ? new Recorder().start() : null;
        ts1000(n);
        rec?.stop();
      });
    const warmup = warmUp([py, ts]);
    const [pySamples, tsSamples] = samplesOf([py, ts], 25);
    const [ours, peer] = [median(pySamples), median(tsSamples)];
    const [oursMin, peerMin] = [Math.min(...pySamples), Math.min(...tsSamples)];
    report({
      bench: `python 1000 ops on ${n} elements${trace ? " +trace" : ""}`,
      unit: "ms",
      ours,
      peer: "gradlens TS API",
      peer_value: peer,
      ratio: Number((ours / peer).toFixed(2)),
      // on a loaded machine the longer Python runs are preempted more often: the fastest runs too
      ours_min: Number(oursMin.toFixed(3)),
      peer_min: Number(peerMin.toFixed(3)),
      ratio_min: Number((oursMin / peerMin).toFixed(2)),
      warmup,
    });
  }
}

/**
 * Where Pyodide's C function-pointer calls go: its wasm trampoline (`ref.test`, needs standard Wasm
 * GC) when the engine has it, else a JS function for every call. Reads the pointer Pyodide stored
 * (0: the JS fallback) and times a loop of builtin calls, each a C call through a function pointer.
 */
export function trampolineRow(rt: PythonRuntime, where: string): BenchResult {
  const m = (rt.pyodide as unknown as { _module: Record<string, unknown> })._module;
  const heap = m.HEAP32 as Int32Array;
  const offset = heap[(m.__PyEM_EMSCRIPTEN_TRAMPOLINE_OFFSET as number) >> 2];
  const pointer = heap[((m.__PyRuntime as number) + offset) >> 2];
  const loop = `
import math
for i in range(100000):
    abs(-i); math.sqrt(i); len("ab"); isinstance(i, int)
`;
  const run = () => timed(() => rt.pyodide.runPython(loop));
  warmUp([run], 30);
  const [ms] = interleaved([run], 9);
  return {
    bench: `python 400k builtin calls${where}`,
    unit: "ms",
    ours: ms,
    wasm_trampoline: pointer !== 0,
    trampoline_pointer: pointer,
  };
}
