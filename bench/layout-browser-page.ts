/**
 * The Chromium layout bench's page script (bench/layout-browser.html loads it; bench/layout-browser.ts
 * drives it): ELK as the app runs it (ELK's own Web Worker, warm) next to dagre on the page's main
 * thread, on the same prepared graphs as the Node suite (bench/layout-graphs.ts).
 */
import { layoutGraph } from "../src/layout/elk.ts";
import { createWorkerElk } from "../src/layout/elk-worker.ts";
import { prepareGraph } from "../src/layout/prepare.ts";
import { median, type BenchResult } from "./harness.ts";
import { backwardGraph, dagreLayout } from "./layout-graphs.ts";

async function medianMs(fn: () => unknown, runs: number): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  return median(samples);
}

const r1 = (v: number): number => Number(v.toFixed(1));

/** ELK (worker) vs dagre (main thread) at each size: one row each, as bench/layout.ts's Node rows. */
async function layoutBrowserBench(sizes: number[]): Promise<BenchResult[]> {
  const elk = createWorkerElk();
  try {
    // warm the worker's JIT once on a mid-size graph, as the app's warm-up does
    await layoutGraph(elk, prepareGraph(backwardGraph(300).graph));
    const rows: BenchResult[] = [];
    for (const n of sizes) {
      const { trace, graph } = backwardGraph(n);
      const lg = prepareGraph(graph, { trace });
      const prepareMs = await medianMs(() => prepareGraph(graph, { trace }), 3);
      await layoutGraph(elk, lg);
      const ours = await medianMs(() => layoutGraph(elk, lg), n <= 200 ? 7 : 3);
      // dagre takes seconds on the compound 1,000-node graph: once is enough there
      const peer = await medianMs(() => dagreLayout(lg), n <= 200 ? 5 : 1);
      rows.push({
        bench: `layout-elk-${n}-chromium`,
        unit: "ms",
        ours: r1(ours),
        peer: "dagre",
        peer_value: r1(peer),
        nodes: graph.nodes.length,
        boxes: lg.nodes.length,
        collapsed: lg.scopes.filter((s) => s.collapsed).length,
        prepare_ms: r1(prepareMs),
        elk_in: "worker",
        dagre_in: "main thread",
      });
    }
    return rows;
  } finally {
    elk.terminate();
  }
}

(window as unknown as { layoutBrowserBench: typeof layoutBrowserBench }).layoutBrowserBench =
  layoutBrowserBench;
