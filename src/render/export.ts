/**
 * Headless export (Node): trace → SVG string with bundled ELK, the same code path as the app's
 * picture. Same trace and options → same bytes.
 */
import { layoutGraph, type ElkLike } from "../layout/elk.ts";
import { prepareGraph } from "../layout/prepare.ts";
import type { Layout } from "../layout/types.ts";
import { graphAt, graphFull, type View } from "../trace/graph.ts";
import type { Trace } from "../trace/schema.ts";
import { buildScene } from "./scene.ts";
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
  elk?: ElkLike;
}

/** The event index a StepSpec names (-1 for an empty trace). */
export function resolveStep(trace: Trace, step: StepSpec = "final"): number {
  const last = trace.events.length - 1;
  if (typeof step === "number") {
    if (!Number.isInteger(step)) throw new RangeError(`step must be an integer, got ${step}`);
    return Math.max(-1, Math.min(step < 0 ? last + 1 + step : step, last));
  }
  if (step === "final") return last;
  const start = trace.events.findIndex((e) => e.kind === "backward-start");
  if (step === "forward") return start < 0 ? last : start - 1;
  const end = trace.events.findIndex((e) => e.kind === "backward-end");
  return end < 0 ? last : end;
}

/** Lays out the whole run in one view (once; steps only reveal). */
export async function layoutTrace(
  trace: Trace,
  opts: Pick<RenderOptions, "view" | "showValues" | "collapsed" | "elk"> = {},
): Promise<Layout> {
  const view = opts.view ?? "values";
  const lg = prepareGraph(graphFull(trace, view), {
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
  const layout = await layoutTrace(trace, opts);
  const graph = graphAt(trace, resolveStep(trace, opts.step), view);
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
    },
  );
  return sceneToSvg(scene);
}
