/**
 * Headless export (Node): trace → SVG string with bundled ELK, the same code path as the app's
 * picture. Same trace and options → same bytes.
 */
import { layoutGraph, type ElkLike } from "../layout/elk.ts";
import { prepareGraph } from "../layout/prepare.ts";
import type { Layout } from "../layout/types.ts";
import { graphAt, graphFull, type Iteration, iterations, type View } from "../trace/graph.ts";
import type { Trace } from "../trace/schema.ts";
import { buildScene, sliceIteration } from "./scene.ts";
import { sceneToSvg } from "./svg.ts";
import type { ThemeName } from "./theme.ts";

/** A step: an event index, or the end of the first forward pass / of the first backward pass / of the run. */
export type StepSpec = number | "forward" | "backward" | "final";

export interface RenderOptions {
  view?: View;
  step?: StepSpec;
  theme?: ThemeName;
  showValues?: boolean;
  width?: number | null;
  legend?: boolean;
  title?: string | null;
  /** Scope ids or paths to collapse, or "auto" (default). */
  collapsed?: Iterable<string> | "auto";
  /** Graph node ids of non-finite origins from analysis (default: found by render). */
  origins?: readonly string[] | null;
  /**
   * One iteration of a training loop, counted from 0 (negative: from the end), laid out and drawn
   * alone; steps then count within it ("forward": its forward part, "final": its end).
   */
  iteration?: number | null;
  elk?: ElkLike;
}

/** Iteration `k` of the run (negative: from the end); a RangeError naming how many there are. */
export function resolveIteration(trace: Trace, k: number): Iteration {
  const all = iterations(trace);
  if (!Number.isInteger(k)) throw new RangeError(`iteration must be an integer, got ${k}`);
  const i = k < 0 ? all.length + k : k;
  if (i < 0 || i >= all.length) {
    const has = all.length === 1 ? "1 iteration (0)" : `${all.length} iterations (0 to ${all.length - 1})`;
    throw new RangeError(`iteration ${k}: the run has ${all.length === 0 ? "no iterations" : has}`);
  }
  return all[i];
}

/**
 * The event index a StepSpec names (-1 for an empty trace). Within an iteration, a number is still
 * an event index (kept inside the iteration), and forward / backward / final are that iteration's.
 */
export function resolveStep(trace: Trace, step: StepSpec = "final", iteration: number | null = null): number {
  const last = trace.events.length - 1;
  const it = iteration === null ? null : resolveIteration(trace, iteration);
  const lo = it ? it.start : -1;
  const hi = it ? it.end : last;
  if (typeof step === "number") {
    if (!Number.isInteger(step)) throw new RangeError(`step must be an integer, got ${step}`);
    return Math.max(lo, Math.min(step < 0 ? last + 1 + step : step, hi));
  }
  if (step === "final") return hi;
  const events = trace.events.slice(0, hi + 1);
  const start = events.findIndex((e, k) => k >= lo && e.kind === "backward-start");
  if (step === "forward") return start < 0 ? hi : start - 1;
  const end = events.findIndex((e, k) => k >= lo && e.kind === "backward-end");
  return end < 0 ? hi : end;
}

/** Lays out the whole run in one view (once; steps only reveal). */
export async function layoutTrace(
  trace: Trace,
  opts: Pick<RenderOptions, "view" | "showValues" | "collapsed" | "elk" | "iteration"> = {},
): Promise<Layout> {
  const view = opts.view ?? "values";
  const full = graphFull(trace, view);
  const it = opts.iteration ?? null;
  const graph = it === null ? full : sliceIteration(full, resolveIteration(trace, it).index);
  const lg = prepareGraph(graph, {
    trace,
    collapsed: opts.collapsed ?? "auto",
    showValues: opts.showValues ?? true,
  });
  // bundled ELK is 1.6 MB of script: loaded (and compiled) only when a layout is asked of it
  const elk = opts.elk ?? (await import("../layout/elk-node.ts")).nodeElk();
  return layoutGraph(elk, lg);
}

/** The SVG of a trace at a step. */
export async function renderSvg(trace: Trace, opts: RenderOptions = {}): Promise<string> {
  const view = opts.view ?? "values";
  const it = opts.iteration ?? null;
  const iteration = it === null ? null : resolveIteration(trace, it).index;
  const layout = await layoutTrace(trace, { ...opts, iteration });
  const graph = graphAt(trace, resolveStep(trace, opts.step, iteration), view);
  const scene = buildScene(
    graph,
    layout,
    { trace, origins: opts.origins ?? null },
    {
      theme: opts.theme,
      showValues: opts.showValues,
      width: opts.width,
      legend: opts.legend,
      title: opts.title,
      iteration,
    },
  );
  return sceneToSvg(scene);
}
