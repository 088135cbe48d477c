/**
 * Structural sharing between consecutive scenes: a node or edge that did not change keeps the very
 * object it had, so the keyed `{#each}` sees the same value and updates nothing for it. A step then
 * costs the handful of nodes it touched, not the whole graph.
 */
import type { Scene, SceneEdge, SceneNode, SceneScope } from "../render/types.ts";

/** Deep equality of plain JSON-like data (objects, arrays, primitives). */
export function sameData(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) {
    // NaN coordinates never occur in a scene, but NaN === NaN must not make a node look changed
    return typeof a === "number" && typeof b === "number" && Number.isNaN(a) && Number.isNaN(b);
  }
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameData(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) {
    if (!sameData((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}

/**
 * What can differ for one node between two scenes of the same layout (colours, texts, flags; never
 * its place). Cheaper than comparing whole objects; test/app/stable.test.ts checks on real runs that
 * whenever a node's object differs, its key does.
 */
export function nodeKey(n: SceneNode): string {
  const b = n.body;
  let k = `${n.kind}|${n.node}|${b.shape}|${b.fill}|${b.stroke}|${b.strokeWidth}|${b.dash}|${b.x}|${b.y}|${b.w}|${b.h}`;
  for (const t of n.texts)
    k += `|${t.text}\u0001${t.fill}\u0001${t.role}\u0001${t.weight}\u0001${t.x}\u0001${t.y}`;
  k += `|${n.badge ? `${n.badge.text.text}\u0001${n.badge.shape.fill}\u0001${n.badge.shape.x}` : ""}`;
  k += `|${n.originMark ? `${n.originMark.shape.stroke}\u0001${n.originMark.shape.rx}` : ""}`;
  return `${k}|${n.nonfinite}|${n.origin}|${n.stub}|${n.stubFor}|${n.small}|${n.collapsed}|${n.tensor}|${n.grad}|${n.scope}|${n.line}|${n.isNew}|${n.changed}`;
}

/** What can differ for one edge between two scenes of the same layout (its route never does). */
export function edgeKey(e: SceneEdge): string {
  return `${e.kind}|${e.members.join(",")}|${e.stroke}|${e.strokeWidth}|${e.dash}|${e.grad}|${e.gradMagnitude}|${e.nonfinite}|${e.gradStep}|${e.flow}|${e.isNew}|${e.changed}`;
}

function scopeKey(s: SceneScope): string {
  return `${s.body.stroke}|${s.body.fill}|${s.nonfinite}|${s.label.text}|${s.label.fill}`;
}

/** Keys of objects already seen: a kept object's key is not built again at the next step. */
const keys = new WeakMap<object, string>();

function keyOf<T extends object>(x: T, key: (x: T) => string): string {
  let k = keys.get(x);
  if (k === undefined) {
    k = key(x);
    keys.set(x, k);
  }
  return k;
}

function share<T extends { id: string }>(prev: readonly T[], next: readonly T[], key: (x: T) => string): T[] {
  if (prev.length === 0) return [...next];
  const old = new Map(prev.map((x) => [x.id, x]));
  return next.map((x) => {
    const o = old.get(x.id);
    return o && keyOf(o, key) === keyOf(x, key) ? o : x;
  });
}

/**
 * `next`, with every node, edge and scope that did not change since `prev` replaced by its object in
 * `prev`. Both scenes must come from the same layout (the caller knows; positions are not compared).
 */
export function shareScene(prev: Scene | null, next: Scene | null): Scene | null {
  if (!next || !prev) return next;
  return {
    ...next,
    nodes: share(prev.nodes, next.nodes, nodeKey),
    edges: share(prev.edges, next.edges, edgeKey),
    scopes: share(prev.scopes, next.scopes, scopeKey),
    legend: sameData(prev.legend, next.legend) ? prev.legend : next.legend,
  };
}
