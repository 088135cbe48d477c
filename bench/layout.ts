/**
 * Layout and scene benchmarks: ELK layered (our adapter, bundled ELK, warm) on generated backward
 * graphs of ~100, ~1,000 and ~5,000 nodes (the autograd view of a scalar MLP, micrograd style, each
 * neuron a scope inside its layer's scope; above 1,500 boxes the scopes collapse), next to dagre on
 * the very same prepared graph (same boxes, sizes and compound structure); then the per-step cost
 * of building the scene and its SVG for a ~1,000-node graph; and a fresh process's first layout of
 * a ~1,000-box program, cold and after the app's warm-up (CPU time: load on the machine barely
 * moves it).
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { ELK_WARM_UP_BOXES, layoutGraph } from "../src/layout/elk.ts";
import { createElk } from "../src/layout/elk-node.ts";
import { prepareGraph } from "../src/layout/prepare.ts";
import { buildScene } from "../src/render/scene.ts";
import { sceneToSvg } from "../src/render/svg.ts";
import { graphAt } from "../src/trace/graph.ts";
import { median, type BenchResult, type Suite } from "./harness.ts";
import { backwardGraph, dagreLayout } from "./layout-graphs.ts";

// the graphs moved to a browser-safe module (bench/layout-browser.ts uses them too); kept importable here
export { backwardGraph, dagreLayout, scalarMlpTrace } from "./layout-graphs.ts";

interface Timing {
  /** Median wall time, ms. */
  wall: number;
  /** Median CPU time of the process (user + system), ms: what the work costs on a busy machine. */
  cpu: number;
}

async function timeAsync(fn: () => Promise<unknown>, runs: number): Promise<Timing> {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await fn();
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  return { wall: median(wall), cpu: median(cpu) };
}

const r1 = (v: number): number => Number(v.toFixed(1));

/** The bench rows: ELK vs dagre at 100 / 1,000 / 5,000 nodes, and the per-step scene + SVG cost. */
export async function layoutBench(sizes: number[] = [100, 1000, 5000]): Promise<BenchResult[]> {
  const rows: BenchResult[] = [];
  const elk = createElk();
  // warm the JIT once on a mid-size graph, as a warm worker would be in the app
  await layoutGraph(elk, prepareGraph(backwardGraph(300).graph));
  for (const n of sizes) {
    const { trace, graph } = backwardGraph(n);
    const lg = prepareGraph(graph, { trace });
    const prepare = await timeAsync(async () => prepareGraph(graph, { trace }), 3);
    const runs = n <= 200 ? 7 : 3;
    await layoutGraph(elk, lg);
    const ours = await timeAsync(() => layoutGraph(elk, lg), runs);
    // dagre takes seconds on the compound 1,000-node graph: once is enough there
    const peer = await timeAsync(async () => dagreLayout(lg), n <= 200 ? 5 : 1);
    rows.push({
      bench: `layout-elk-${n}`,
      unit: "ms",
      ours: ours.wall,
      peer: "dagre",
      peer_value: peer.wall,
      ours_cpu: r1(ours.cpu),
      peer_cpu: r1(peer.cpu),
      nodes: graph.nodes.length,
      boxes: lg.nodes.length,
      collapsed: lg.scopes.filter((s) => s.collapsed).length,
      prepare_ms: r1(prepare.wall),
      prepare_cpu: r1(prepare.cpu),
    });
  }
  // one step of the app: the scene of a ~1,000-node graph at each of 50 steps of backward, and its SVG
  const { trace, graph } = backwardGraph(1000);
  const layout = await layoutGraph(elk, prepareGraph(graph, { trace }));
  const first = trace.events.findIndex((e) => e.kind === "backward");
  const graphs = Array.from({ length: 50 }, (_, i) => graphAt(trace, first + i * 4, "autograd"));
  for (const g of graphs) buildScene(g, layout, { trace });
  const perStep: Timing[] = [];
  for (const g of graphs) perStep.push(await timeAsync(async () => buildScene(g, layout, { trace }), 1));
  const sceneMs = { wall: median(perStep.map((t) => t.wall)), cpu: median(perStep.map((t) => t.cpu)) };
  const scene = buildScene(graphs[graphs.length - 1], layout, { trace });
  sceneToSvg(scene);
  const svgMs = await timeAsync(async () => sceneToSvg(scene), 7);
  const n1000 = graph.nodes.length;
  rows.push({
    bench: "scene-step-1000",
    unit: "ms",
    ours: sceneMs.wall,
    ours_cpu: r1(sceneMs.cpu),
    nodes: n1000,
  });
  rows.push({ bench: "scene-svg-1000", unit: "ms", ours: svgMs.wall, ours_cpu: r1(svgMs.cpu), nodes: n1000 });
  return rows;
}

interface FirstLayout {
  warmUpCpuMs: number[];
  firstCpuMs: number;
  boxes: number;
}

/** bench/elk-first.ts in a fresh Node: its first layout of the 1,000-box program after `warmUp`. */
function firstLayout(warmUp: readonly number[]): FirstLayout {
  const script = fileURLToPath(new URL("./elk-first.ts", import.meta.url));
  const out = execFileSync(process.execPath, ["--import", "tsx", script, ...warmUp.map(String)], {
    encoding: "utf8",
  });
  return JSON.parse(out.trim().split("\n").pop()!) as FirstLayout;
}

/** The first ELK layout in a fresh process, cold and after the warm-up the app does (median of `runs`). */
export function firstLayoutBench(runs = 3): BenchResult[] {
  const rows: BenchResult[] = [];
  for (const [name, warmUp] of [
    ["layout-elk-first-1000-cold", []],
    ["layout-elk-first-1000-after-warm-up", ELK_WARM_UP_BOXES],
  ] as const) {
    const samples = Array.from({ length: runs }, () => firstLayout(warmUp));
    const first = samples.map((s) => s.firstCpuMs);
    rows.push({
      bench: name,
      unit: "ms",
      // CPU time is the measure here: one sample per process, on a machine that may be busy
      ours: median(first),
      ours_cpu: median(first),
      samples: first,
      warm_up: [...warmUp],
      warm_up_cpu_ms: median(samples.map((s) => s.warmUpCpuMs.reduce((a, b) => a + b, 0))),
      boxes: samples[0].boxes,
    });
  }
  return rows;
}

export const layoutSuite: Suite = {
  name: "layout",
  run: async (report) => {
    for (const row of await layoutBench()) report(row);
    for (const row of firstLayoutBench()) report(row);
  },
};

export const layoutSuites: Suite[] = [layoutSuite];
