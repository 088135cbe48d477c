/**
 * Layouts for the graph view: one per (trace, view, collapsed scopes), computed by ELK in a worker and
 * cached, so stepping never lays out again and switching views back is instant (DESIGN.md: layout is
 * done once per run). A layout is only ever shown with the trace and view it was made for.
 */
import { ELK_WARM_UP_BOXES, layoutGraph, warmUpGraph, type ElkLike } from "../layout/elk.ts";
import { prepareGraph } from "../layout/prepare.ts";
import type { Layout } from "../layout/types.ts";
import { graphFull, type View } from "../trace/graph.ts";
import type { Trace } from "../trace/schema.ts";
import { type Collapse, collapseKey } from "./collapse.ts";

export interface ShownLayout {
  trace: Trace;
  view: View;
  key: string;
  layout: Layout;
  ms: number;
}

export class Layouts {
  /** The layout on screen. */
  current = $state.raw<ShownLayout | null>(null);
  pending = $state(false);
  error = $state<string | null>(null);
  // a cache, not state: nothing is drawn from it directly
  private cache = new WeakMap<Trace, Map<string, Promise<ShownLayout>>>();
  private wanted = "";
  private elk: ElkLike | null = null;

  constructor(private readonly makeElk: () => ElkLike) {}

  private engine(): ElkLike {
    this.elk ??= this.makeElk();
    return this.elk;
  }

  /**
   * Starts ELK's worker now and lays out made-up graphs in it, so the first real layout pays
   * neither the worker's start nor ELK's cold JIT (in Chromium a cold 1,000-box layout takes
   * several times a warm one). Call it at start-up, while the program's runtime loads; it stops
   * as soon as a real layout is asked for. Never rejects: a failed warm-up only costs speed.
   */
  async warmUp(sizes: readonly number[] = ELK_WARM_UP_BOXES): Promise<void> {
    try {
      for (const boxes of sizes) {
        if (this.wanted) return;
        await layoutGraph(this.engine(), warmUpGraph(boxes));
      }
    } catch {
      // the real layout will meet (and report) whatever went wrong
    }
  }

  /** Asks for the layout of (trace, view, collapse); `current` changes when it is ready (at once if cached). */
  request(trace: Trace, view: View, collapse: Collapse): void {
    const key = `${view}|${collapseKey(collapse)}`;
    let perTrace = this.cache.get(trace);
    if (!perTrace) {
      // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a cache, not state
      perTrace = new Map();
      this.cache.set(trace, perTrace);
    }
    let job = perTrace.get(key);
    if (!job) {
      job = this.compute(trace, view, collapse, key);
      perTrace.set(key, job);
      // a failed layout may be retried later
      job.catch(() => perTrace!.delete(key));
    }
    const token = `${key}#${Math.random()}`;
    this.wanted = token;
    this.pending = true;
    this.error = null;
    job.then(
      (shown) => {
        if (this.wanted !== token) return;
        this.current = shown;
        this.pending = false;
      },
      (e: unknown) => {
        if (this.wanted !== token) return;
        this.pending = false;
        this.error = e instanceof Error ? e.message : String(e);
      },
    );
  }

  private async compute(trace: Trace, view: View, collapse: Collapse, key: string): Promise<ShownLayout> {
    const t0 = performance.now();
    const lg = prepareGraph(graphFull(trace, view), {
      trace,
      showValues: true,
      ...(collapse.mode === "auto"
        ? { collapsed: "auto" as const, expanded: collapse.expanded }
        : { collapsed: collapse.collapsed }),
    });
    const layout = await layoutGraph(this.engine(), lg);
    return { trace, view, key, layout, ms: performance.now() - t0 };
  }

  /** The layout if it belongs to this trace and view (a stale one is never drawn). */
  for(trace: Trace | null, view: View): Layout | null {
    const c = this.current;
    return c && trace && c.trace === trace && c.view === view ? c.layout : null;
  }
}
