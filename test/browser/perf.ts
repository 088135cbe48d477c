/**
 * The app's speed in Chromium on a graph of about 1,000 nodes: layout time, time from a step to its
 * painted frame, and frames per second while the animation plays. Used by the browser tests (loose
 * bounds, numbers saved as an artifact) and by `npm run bench`.
 */
import type { Page } from "playwright-core";

/** A chain of 125 `tanh(h * 1.5 + 0.1)`: about 1,000 boxes in the values view, 750 steps. */
export const THOUSAND_NODES = `import torch

x = torch.tensor(0.5, requires_grad=True)
h = x
for i in range(125):
    h = torch.tanh(h * 1.5 + 0.1)
h.backward()
print(x.grad)
`;

export interface AppPerf {
  /** Boxes in the scene, and how many of them were in the DOM (the rest culled: out of view). */
  nodes: number;
  drawn: number;
  steps: number;
  /** ELK in the worker, as the app measured it. */
  layoutMs: number;
  /** Median time from a key press to the frame that shows the step, stepping back (no animation). */
  stepMs: number;
  /** The same stepping forward, with the step's animation starting. */
  stepAnimatedMs: number;
  /** Frames per second while playing at 16 steps per second through the backward pass. */
  fps: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Steps the timeline `n` times with `key` and returns each step's time to its painted frame. */
async function stepTimes(page: Page, key: "ArrowLeft" | "ArrowRight", n: number): Promise<number[]> {
  return page.evaluate(
    async ({ key, n }) => {
      const out: number[] = [];
      for (let i = 0; i < n; i++) {
        const t0 = performance.now();
        document.body.dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true }));
        // the frame is painted before a task queued from its animation-frame callback runs
        await new Promise<void>((r) => requestAnimationFrame(() => setTimeout(r, 0)));
        out.push(performance.now() - t0);
        await new Promise((r) => setTimeout(r, 30));
      }
      return out;
    },
    { key, n },
  );
}

/**
 * Measures the app showing the program in `page` (already run to the end, graph drawn). Leaves the
 * timeline at the end.
 */
export async function measureApp(page: Page): Promise<AppPerf> {
  const stats = (await page.textContent('[data-testid="run-stats"]')) ?? "";
  const m = /laid out in ([\d.]+) (ms|s)/.exec(stats);
  const layoutMs = m ? Number(m[1]) * (m[2] === "s" ? 1000 : 1) : NaN;
  const nodes = Number(await page.getAttribute('[data-testid="graph"]', "data-nodes"));
  const drawn = await page.locator("[data-testid=scene] .node").count();
  const count = (await page.textContent('[data-testid="step-count"]')) ?? "";
  const steps = Number(/\/\s*(\d+)/.exec(count)?.[1]);

  await page.keyboard.press("End");
  const back = await stepTimes(page, "ArrowLeft", 30);
  const forward = await stepTimes(page, "ArrowRight", 30);

  // play through the backward pass: pulses travel while steps advance
  await page.keyboard.press("End");
  for (let i = 0; i < 60; i++) await page.keyboard.press("ArrowLeft");
  await page.selectOption('select[aria-label="Playback speed"]', "16");
  // a string, not a closure: tools that transpile this file (tsx keeps function names) must not
  // inject helpers the page does not have
  const fps = (await page.evaluate(`(async () => {
    document.querySelector('[data-testid="play"]').click();
    let frames = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < 2500) {
      await new Promise((r) => requestAnimationFrame(r));
      frames++;
    }
    const fps = (frames * 1000) / (performance.now() - t0);
    const play = document.querySelector('[data-testid="play"]');
    if (play.getAttribute("aria-label") === "Pause") play.click();
    return fps;
  })()`)) as number;
  await page.keyboard.press("End");
  return { nodes, drawn, steps, layoutMs, stepMs: median(back), stepAnimatedMs: median(forward), fps };
}
