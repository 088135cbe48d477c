import { describe, expect, it } from "vitest";
import { DROPPED_FRAME_MS, frameStats, laidOutMs, percentile } from "./perf.ts";

describe("frame statistics of the app bench", () => {
  it("reads a steady 60 Hz run as 60 fps with nothing dropped", () => {
    const stamps = Array.from({ length: 61 }, (_, i) => i * (1000 / 60));
    const s = frameStats(stamps);
    expect(s.fps).toBe(60);
    expect(s.frames).toBe(60);
    expect(s.droppedFrames).toBe(0);
    expect(s.windowMs).toBe(1000);
  });

  it("keeps the median at one frame but counts each long interval as dropped and shows it in the p95", () => {
    // 40 intervals: 37 frames of 16.7 ms and hitches of 50, 33.4 and 40 ms (the nearest-rank p95
    // is the 38th smallest: the smallest hitch)
    const intervals = [...Array(20).fill(1000 / 60), 50, 33.4, ...Array(17).fill(1000 / 60), 40];
    const stamps = [0];
    for (const d of intervals) stamps.push(stamps[stamps.length - 1] + d);
    const s = frameStats(stamps);
    expect(s.fps).toBe(60);
    expect(s.droppedFrames).toBe(3);
    expect(s.p95FrameMs).toBe(33.4);
    expect(DROPPED_FRAME_MS).toBeCloseTo(25, 5);
  });

  it("takes the nearest-rank percentile", () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(xs, 95)).toBe(95);
    expect(percentile(xs, 100)).toBe(100);
    expect(percentile([7], 95)).toBe(7);
  });

  it("reads the layout time the app prints in ms or s", () => {
    expect(laidOutMs("754 steps · ran in 62 ms · laid out in 705 ms")).toBe(705);
    expect(laidOutMs("754 steps · ran in 62 ms · laid out in 1.5 s")).toBe(1500);
    expect(laidOutMs("754 steps · ran in 62 ms")).toBeNaN();
  });
});
