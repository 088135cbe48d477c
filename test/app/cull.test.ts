import { describe, expect, it } from "vitest";
import { cullRect, intersects, pointsBox, rectKey } from "../../src/app/cull.ts";

describe("culling to the view", () => {
  it("widens the view by half a view each way, snapped so small pans keep the same rectangle", () => {
    const a = cullRect({ x0: 100, y0: 100, x1: 500, y1: 300 });
    expect(a.x0).toBeLessThanOrEqual(-100);
    expect(a.x1).toBeGreaterThanOrEqual(700);
    expect(a.y0).toBeLessThanOrEqual(0);
    expect(a.y1).toBeGreaterThanOrEqual(400);
    const b = cullRect({ x0: 110, y0: 100, x1: 510, y1: 300 });
    expect(rectKey(b)).toBe(rectKey(a));
  });

  it("tells boxes in and out", () => {
    const r = { x0: 0, y0: 0, x1: 100, y1: 100 };
    expect(intersects(r, 50, 50, 10, 10)).toBe(true);
    expect(intersects(r, -20, -20, 25, 25)).toBe(true);
    expect(intersects(r, 101, 0, 10, 10)).toBe(false);
    expect(intersects(r, 0, -30, 10, 10)).toBe(false);
  });

  it("boxes a route once", () => {
    const pts = [
      { x: 5, y: 10 },
      { x: 5, y: 40 },
      { x: -3, y: 40 },
    ];
    expect(pointsBox(pts)).toEqual({ x0: -3, y0: 10, x1: 5, y1: 40 });
    expect(pointsBox(pts)).toBe(pointsBox(pts));
  });
});
