/**
 * One fresh process's first ELK layout of a ~1,000-box program (the app bench's chain of
 * `tanh(h * 1.5 + 0.1)`, recorded with the engine), after warming up on warmUpGraph pieces of the
 * sizes given as arguments (none: cold). Prints {"warmUpCpuMs": [...], "firstCpuMs": n, "boxes": n}.
 * Spawned by the layout suite: a cold JIT exists only once per process.
 */
import { add, mul, tanh, tensor } from "../src/engine/index.ts";
import { layoutGraph, warmUpGraph } from "../src/layout/elk.ts";
import { createElk } from "../src/layout/elk-node.ts";
import { prepareGraph } from "../src/layout/prepare.ts";
import { graphFull } from "../src/trace/graph.ts";
import { record } from "../src/trace/recorder.ts";

const res = record(() => {
  const x = tensor(0.5, { requiresGrad: true });
  let h = x;
  for (let i = 0; i < 125; i++) h = tanh(add(mul(h, 1.5), 0.1));
  h.backward();
});
if (res.error) throw res.error;
const lg = prepareGraph(graphFull(res.trace, "values"), { trace: res.trace, showValues: true });

async function cpuMs(fn: () => Promise<unknown>): Promise<number> {
  const c0 = process.cpuUsage();
  await fn();
  const c = process.cpuUsage(c0);
  return Math.round((c.user + c.system) / 1000);
}

const elk = createElk();
const warmUpCpuMs: number[] = [];
for (const boxes of process.argv.slice(2).map(Number)) {
  warmUpCpuMs.push(await cpuMs(() => layoutGraph(elk, warmUpGraph(boxes))));
}
const firstCpuMs = await cpuMs(() => layoutGraph(elk, lg));
console.log(JSON.stringify({ warmUpCpuMs, firstCpuMs, boxes: lg.nodes.length }));
