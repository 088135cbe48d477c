/**
 * Python mode benchmarks: Pyodide's cold start (load + the torch shim), a warm run of the seed
 * notebooks, and the shim's per-op overhead: the same 1,000-op program through `gradlens run`'s
 * runtime and through the TS API, with and without recording a trace.
 *
 * "Warm" means after start-up is over: V8 keeps tiering up Pyodide's wasm (and the engine's JS) for
 * some twenty runs of a program, so each case first runs until its run times stop falling
 * (`warmUp`), then takes the median of interleaved samples.
 */
import { readFileSync } from "node:fs";
import * as ops from "../src/engine/ops/index.ts";
import { Tensor } from "../src/engine/tensor.ts";
import { pyodideDir, readShimSources } from "../src/python/node.ts";
import { PythonRuntime } from "../src/python/runtime.ts";
import { Recorder } from "../src/trace/recorder.ts";
import { median, type Suite } from "./harness.ts";

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

/**
 * 1,000 ops on tensors of `n` elements that require grad (250 × mul, add a Python float, tanh, sub):
 * with 4 elements the call overhead is all there is; with 4096 the kernels start to count.
 */
function program1000(n: number): string {
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

function ts1000(n: number): void {
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
function samplesOf(fns: (() => number)[], n: number): number[][] {
  const samples = fns.map(() => [] as number[]);
  for (let i = 0; i < n; i++) fns.forEach((fn, k) => samples[k].push(fn()));
  return samples;
}

/** Median ms of `n` interleaved samples of each function. */
function interleaved(fns: (() => number)[], n: number): number[] {
  return samplesOf(fns, n).map(median);
}

/**
 * Runs the interleaved functions until the first one's times stop falling: the median of its last 5
 * runs no lower than that of the 5 before (at least 15 runs, at most `maxRuns`).
 */
function warmUp(fns: (() => number)[], maxRuns = 80): number {
  const times: number[] = [];
  while (times.length < maxRuns) {
    const [t] = fns.map((fn) => fn());
    times.push(t);
    const n = times.length;
    if (n >= 15 && median(times.slice(n - 5)) >= 0.97 * median(times.slice(n - 10, n - 5))) break;
  }
  return times.length;
}

function timed(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
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
    const rt = await loadRuntime();
    const seed = readFileSync(new URL("../../shared/golden/seed-notebooks.py", import.meta.url), "utf8");
    for (const trace of [false, true]) {
      const run = () => rt.run(seed, { trace }).elapsedMs;
      const warmup = warmUp([run]);
      const [ms] = interleaved([run], 15);
      report({
        bench: `python warm run seed-notebooks${trace ? " +trace" : ""}`,
        unit: "ms",
        ours: ms,
        warmup,
      });
    }
  },
};

export const pythonOps: Suite = {
  name: "python-ops",
  async run(report) {
    const rt = await loadRuntime();
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
  },
};

export const pythonSuites: Suite[] = [pythonStart, pythonRun, pythonOps];
