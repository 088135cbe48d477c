/**
 * Where "first bad iteration" takes the timeline: not the iteration's first step, where the bad part
 * is not drawn yet (the view would sit on the one node that step made, in the empty room the rest of
 * the iteration will fill), but the step where it goes bad, with the node to select there:
 * a non-finite iteration at its nan / inf origin, an exploding one at its backward() (the loss whose
 * gradients blow up).
 */
import type { BadIteration } from "../analysis/training.ts";
import { findOrigins, originReport } from "../render/scene.ts";
import { graphAt, iterations, type View } from "../trace/graph.ts";
import type { Trace } from "../trace/schema.ts";

export interface BadMoment {
  step: number;
  /** The graph node to select at that step (drawn there), or null. */
  node: string | null;
}

export function badMoment(trace: Trace, bad: BadIteration, view: View): BadMoment | null {
  const it = iterations(trace)[bad.iteration];
  if (!it) return null;
  const inside = (k: number | undefined): k is number => k !== undefined && k >= it.start && k <= it.end;
  if (bad.reason === "nonfinite") {
    const { forward, backward } = originReport(trace);
    const origin = [forward, backward].find((o) => inside(o?.event));
    if (origin) {
      const ids = findOrigins(trace, graphAt(trace, origin.event, view));
      // at the backward origin's step the forward one (earlier) is listed first
      return { step: origin.event, node: ids.at(-1) ?? null };
    }
  }
  if (it.backward !== null) {
    const start = trace.events[it.backward];
    if (start.kind === "backward-start") {
      const graph = graphAt(trace, it.backward, view);
      const root =
        view === "values"
          ? (graph.nodes.find((n) => n.id === start.root) ??
            graph.nodes.find((n) => n.tensor === start.root && n.kind !== "op"))
          : graph.nodes.find((n) => n.id === start.node);
      return { step: it.backward, node: root?.id ?? null };
    }
  }
  return { step: it.start, node: null };
}
