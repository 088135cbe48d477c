/**
 * Export benchmarks: the time to draw a 10, 100 and 1,000-node graph. Three costs are measured:
 * - in process, warm (renderSvg: layout with bundled ELK + scene + SVG), as a library user pays it;
 * - the installed CLI on a trace file, Node start-up included (the compiled dist/, as `npx gradlens
 *   export` runs it; the target is a 100-node figure in under 1 s);
 * - the CLI on a Python program, Pyodide's start-up included (what `gradlens export fig.py` costs).
 * exportBench() returns the rows; bench/run.ts reports them.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { manualSeed, randn, tensor } from "../src/engine/ops/index.ts";
import type { Tensor } from "../src/engine/tensor.ts";
import { renderSvg } from "../src/render/export.ts";
import { graphFull } from "../src/trace/graph.ts";
import { serializeTrace } from "../src/trace/io.ts";
import { record } from "../src/trace/recorder.ts";
import type { Trace } from "../src/trace/schema.ts";
import { median, type BenchResult, type Suite } from "./harness.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
export const EXPORT_SIZES = [10, 100, 1000] as const;

/** A chain of `steps` layers h = tanh(h * w_k + b) on a 4-vector, then backward: 4 graph nodes per layer. */
function chainTrace(steps: number): Trace {
  const res = record((r) => {
    manualSeed(0);
    const x = randn([4], { requiresGrad: true });
    r.labelTensor(x, "x");
    let h: Tensor = x;
    for (let k = 0; k < steps; k++) {
      const w = randn([4], { requiresGrad: true });
      r.labelTensor(w, `w${k}`);
      h = h
        .mul(w)
        .add(tensor(0.1, { dtype: "float32" }))
        .tanh();
    }
    h.sum().backward();
  });
  if (res.error) throw res.error;
  return res.trace;
}

/** A trace whose values-view graph has about `nodes` nodes (the exact count is reported). */
export function traceOfSize(nodes: number): { trace: Trace; nodes: number } {
  let steps = Math.max(1, Math.round(nodes / 8));
  for (;;) {
    const trace = chainTrace(steps);
    const n = graphFull(trace, "values").nodes.length;
    if (n >= nodes * 0.9 || steps > nodes) return { trace, nodes: n };
    steps = Math.max(steps + 1, Math.round((steps * nodes) / n));
  }
}

interface Timing {
  wall: number;
  /** CPU time (user + system): what the work costs when the machine is shared and wall time is not. */
  cpu: number;
}

/** Runs `gradlens export` from the compiled dist/ exactly as the installed bin does; the child reports its own CPU time. */
function distCli(args: string[], cwd: string): Timing {
  const main = join(ROOT, "dist/cli/main.js");
  const script =
    `process.on("exit", () => { const u = process.cpuUsage(); process.stderr.write("\\n@cpu " + (u.user + u.system) / 1000 + "\\n"); });` +
    `const { main } = await import(${JSON.stringify(main)}); process.exitCode = await main(process.argv.slice(1));`;
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script, "--", "export", ...args], {
    cwd,
    encoding: "utf8",
  });
  const wall = performance.now() - t0;
  if (r.status !== 0) throw new Error(`gradlens export ${args.join(" ")} failed:\n${r.stderr}`);
  const cpu = Number(/@cpu ([\d.]+)/.exec(r.stderr)?.[1] ?? NaN);
  return { wall, cpu };
}

async function inProcess(fn: () => Promise<unknown>): Promise<Timing> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1000 };
}

function row(bench: string, ts: Timing[], extra: Record<string, unknown> = {}): BenchResult {
  return {
    bench,
    unit: "ms",
    ours: median(ts.map((t) => t.wall)),
    cpu_ms: Number(median(ts.map((t) => t.cpu)).toPrecision(4)),
    ...extra,
  };
}

export async function exportBench(opts: { samples?: number } = {}): Promise<BenchResult[]> {
  const samples = opts.samples ?? 5;
  const rows: BenchResult[] = [];
  if (!existsSync(join(ROOT, "dist/cli/main.js"))) {
    execFileSync(process.execPath, [join(ROOT, "scripts/build-lib.mjs")], { stdio: "ignore" });
  }
  const dir = mkdtempSync(join(tmpdir(), "gradlens-bench-export-"));
  try {
    for (const size of EXPORT_SIZES) {
      const { trace, nodes } = traceOfSize(size);
      // in process: the first call pays ELK's JIT warm-up, which a batch pays once
      await renderSvg(trace);
      const n = size >= 1000 ? Math.min(samples, 3) : samples;
      const warm: Timing[] = [];
      for (let i = 0; i < n; i++) warm.push(await inProcess(() => renderSvg(trace)));
      rows.push(row(`export svg ${size} nodes (in process, warm)`, warm, { nodes }));

      const file = join(dir, `chain-${size}.json`);
      writeFileSync(file, serializeTrace(trace));
      const cli: Timing[] = [];
      for (let i = 0; i < n; i++) cli.push(distCli([file, "--svg", join(dir, `chain-${size}.svg`)], dir));
      rows.push(row(`export svg ${size} nodes (CLI on a trace, Node start-up included)`, cli, { nodes }));
    }
    // a Python program: the CLI also starts Pyodide (seconds, cold), then runs and draws
    const steps = Math.round(100 / 8);
    const py = [
      "import torch",
      "torch.manual_seed(0)",
      "x = torch.randn(4, requires_grad=True)",
      "h = x",
      `for k in range(${steps}):`,
      "    w = torch.randn(4, requires_grad=True)",
      "    h = torch.tanh(h * w + 0.1)",
      "h.sum().backward()",
      "",
    ].join("\n");
    writeFileSync(join(dir, "chain.py"), py);
    const pyRuns: Timing[] = [];
    for (let i = 0; i < Math.min(samples, 3); i++)
      pyRuns.push(distCli([join(dir, "chain.py"), "--svg", join(dir, "chain-py.svg")], dir));
    rows.push(row("export svg ~100 nodes (CLI on a .py program, Node + Pyodide start-up included)", pyRuns));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

/** For bench/run.ts's suite list. */
export const exportSuite: Suite = {
  name: "export",
  async run(report) {
    for (const row of await exportBench()) report(row);
  },
};
