/** Small geometry for drawing scene shapes in the app (the SVG export draws the same shapes). */
import type { SceneShape } from "../render/types.ts";

/** The corner cut of an AccumulateGrad octagon, as render's SVG export draws it. */
export function octagonPoints(s: Pick<SceneShape, "x" | "y" | "w" | "h">): string {
  const c = Math.min(6, s.w / 4, s.h / 4);
  const { x, y, w, h } = s;
  return [
    [x + c, y],
    [x + w - c, y],
    [x + w, y + c],
    [x + w, y + h - c],
    [x + w - c, y + h],
    [x + c, y + h],
    [x, y + h - c],
    [x, y + c],
  ]
    .map(([px, py]) => `${px},${py}`)
    .join(" ");
}

export function arrowPoints(points: readonly { x: number; y: number }[]): string {
  return points.map((p) => `${p.x},${p.y}`).join(" ");
}

/** Moves an SVG element along a path over `duration` ms (a gradient pulse); `reverse` runs it end to start. */
export function travel(
  el: SVGGraphicsElement,
  opts: { d: string; reverse: boolean; duration: number },
): { destroy(): void } {
  const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
  path.setAttribute("d", opts.d);
  const total = path.getTotalLength();
  const t0 = performance.now();
  let frame = 0;
  const tick = (now: number) => {
    const t = Math.min(1, (now - t0) / opts.duration);
    // ease in-out: the pulse leaves and arrives gently
    const e = t < 0.5 ? 2 * t * t : 1 - Math.pow(-2 * t + 2, 2) / 2;
    const p = path.getPointAtLength(total * (opts.reverse ? 1 - e : e));
    el.setAttribute("transform", `translate(${p.x},${p.y})`);
    el.style.opacity = t < 0.85 ? "1" : String(Math.max(0, (1 - t) / 0.15));
    if (t < 1) frame = requestAnimationFrame(tick);
  };
  tick(t0);
  frame = requestAnimationFrame(tick);
  return { destroy: () => cancelAnimationFrame(frame) };
}

/** A pan and zoom: a drawing point (x, y) is shown at (x * k + tx, y * k + ty) (d3-zoom's transform). */
export interface Framing {
  tx: number;
  ty: number;
  k: number;
}

/** Below this zoom, text on boxes is too small to read: the first view shows a readable part instead. */
export const READABLE_ZOOM = 0.6;

/** The whole `w` × `h` drawing centred in a `viewW` × `viewH` view, with a margin (at most 1.25×). */
export function fitFraming(w: number, h: number, viewW: number, viewH: number): Framing {
  const pad = 24;
  if (w <= 0 || h <= 0 || viewW <= 0 || viewH <= 0) return { tx: 0, ty: 0, k: 1 };
  const k = Math.min(1.25, Math.max(0.05, Math.min((viewW - 2 * pad) / w, (viewH - 2 * pad) / h)));
  return { tx: (viewW - w * k) / 2, ty: (viewH - h * k) / 2, k };
}

/**
 * The first view of a drawing: all of it if it reads at that size; else, at a readable zoom, the
 * focus point (the NaN origin, a selected box), or the start of the drawing (top left, where
 * reading begins).
 */
export function firstFraming(
  w: number,
  h: number,
  viewW: number,
  viewH: number,
  focus: { x: number; y: number } | null,
): Framing {
  const all = fitFraming(w, h, viewW, viewH);
  if (all.k >= READABLE_ZOOM || viewW <= 0) return all;
  const k = Math.max(READABLE_ZOOM, Math.min(0.9, (viewW - 48) / w));
  const fitsWidth = w * k <= viewW - 48;
  if (!focus) return { tx: fitsWidth ? (viewW - w * k) / 2 : 24, ty: 24, k };
  const tx = fitsWidth ? (viewW - w * k) / 2 : viewW / 2 - focus.x * k;
  return { tx, ty: viewH * 0.45 - focus.y * k, k };
}

/** The part of the drawing a `viewW` × `viewH` view shows under `f`, and the zoom. */
export function framedRect(
  f: Framing,
  viewW: number,
  viewH: number,
): { x0: number; y0: number; x1: number; y1: number; k: number } {
  return {
    x0: -f.tx / f.k,
    y0: -f.ty / f.k,
    x1: (viewW - f.tx) / f.k,
    y1: (viewH - f.ty) / f.k,
    k: f.k,
  };
}
