/**
 * Drawing only what the view shows, for big graphs (DESIGN.md: cull to the viewport): the visible
 * part of the drawing, widened by a margin and snapped to a grid so small pans change nothing.
 */
export interface Rect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** The view's rectangle in drawing coordinates, widened by half a view each way and snapped to that size. */
export function cullRect(view: Rect): Rect {
  const w = Math.max(1, view.x1 - view.x0);
  const h = Math.max(1, view.y1 - view.y0);
  const gx = w / 2;
  const gy = h / 2;
  return {
    x0: Math.floor((view.x0 - gx) / gx) * gx,
    y0: Math.floor((view.y0 - gy) / gy) * gy,
    x1: Math.ceil((view.x1 + gx) / gx) * gx,
    y1: Math.ceil((view.y1 + gy) / gy) * gy,
  };
}

interface Box {
  id: string;
  x: number;
  y: number;
  w: number;
  h: number;
}

export function intersects(r: Rect, x: number, y: number, w: number, h: number): boolean {
  return x <= r.x1 && x + w >= r.x0 && y <= r.y1 && y + h >= r.y0;
}

const boxes = new WeakMap<readonly { x: number; y: number }[], Rect>();

/** The bounding box of a polyline (cached per points array: a layout's routes never change). */
export function pointsBox(points: readonly { x: number; y: number }[]): Rect {
  let b = boxes.get(points);
  if (!b) {
    b = { x0: Infinity, y0: Infinity, x1: -Infinity, y1: -Infinity };
    for (const p of points) {
      b.x0 = Math.min(b.x0, p.x);
      b.y0 = Math.min(b.y0, p.y);
      b.x1 = Math.max(b.x1, p.x);
      b.y1 = Math.max(b.y1, p.y);
    }
    boxes.set(points, b);
  }
  return b;
}

export function rectKey(r: Rect | null): string {
  return r ? `${r.x0},${r.y0},${r.x1},${r.y1}` : "";
}

/**
 * Ids of a layout's boxes and edges that meet `r`: what a scene of that layout draws there (a scene
 * node or edge has its layout box's or path's place and id).
 */
export function nearView(
  layout: {
    nodes: readonly Box[];
    edges: readonly { id: string; points: readonly { x: number; y: number }[] }[];
  },
  r: Rect,
): Set<string> {
  const out = new Set<string>();
  for (const b of layout.nodes) if (intersects(r, b.x, b.y, b.w, b.h)) out.add(b.id);
  for (const e of layout.edges) {
    const b = pointsBox(e.points);
    if (intersects(r, b.x0, b.y0, b.x1 - b.x0, b.y1 - b.y0)) out.add(e.id);
  }
  return out;
}
