import { zoomIdentity } from "d3-zoom";
import { describe, expect, it } from "vitest";
import { firstFraming, fitFraming, framedRect, READABLE_ZOOM } from "../../src/app/geometry.ts";

describe("framing a drawing in the view", () => {
  it("fits a small drawing whole, centred, with a 24 px margin on the tighter side", () => {
    const f = fitFraming(400, 1000, 1000, 600);
    expect(f.k).toBeCloseTo((600 - 48) / 1000, 12);
    expect(f.ty).toBeCloseTo(24, 12);
    expect(f.tx).toBeCloseTo((1000 - 400 * f.k) / 2, 12);
    // never blown up past 1.25×
    expect(fitFraming(10, 10, 1000, 600).k).toBe(1.25);
  });

  it("shows a big drawing from its top left at a readable zoom, or around the focus point", () => {
    const w = 300;
    const h = 20000;
    expect(fitFraming(w, h, 1200, 800).k).toBeLessThan(READABLE_ZOOM);
    const start = firstFraming(w, h, 1200, 800, null);
    expect(start.k).toBe(0.9);
    expect(start.ty).toBe(24);
    const focus = { x: 150, y: 12000 };
    const f = firstFraming(w, h, 1200, 800, focus);
    // the focus lands at 45% of the view's height
    expect(focus.y * f.k + f.ty).toBeCloseTo(800 * 0.45, 9);
  });

  it("names the drawing's rectangle in view as d3-zoom's transform inverts it", () => {
    const f = firstFraming(5000, 20000, 1200, 800, { x: 4000, y: 9000 });
    const t = zoomIdentity.translate(f.tx, f.ty).scale(f.k);
    const [x0, y0] = t.invert([0, 0]);
    const [x1, y1] = t.invert([1200, 800]);
    const r = framedRect(f, 1200, 800);
    expect(r.k).toBe(t.k);
    for (const [a, b] of [
      [r.x0, x0],
      [r.y0, y0],
      [r.x1, x1],
      [r.y1, y1],
    ])
      expect(a).toBeCloseTo(b, 9);
  });
});
