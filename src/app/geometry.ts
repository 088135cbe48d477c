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
