/**
 * The app's speed in Chromium on a graph of about 1,000 nodes: from the trace arriving to the graph
 * painted (WORKER_PROBE, watched from outside the app), layout time, time from a step to its painted
 * frame, and the frame rate while the animation plays (median interval, p95, dropped frames). Used
 * by the browser tests (loose bounds, numbers saved as an artifact) and by `npm run bench`.
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
  /** Preparation and ELK in the worker, as the app measured it ("laid out in"). */
  layoutMs: number;
  /** Stepping back (no animation), a key pressed at the start of a frame: see StepFrames. */
  step: StepFrames;
  /** The same stepping forward, with the step's animation starting. */
  stepAnimated: StepFrames;
  /** = step.medianMs and stepAnimated.medianMs (kept for the perf.json readers). */
  stepMs: number;
  stepAnimatedMs: number;
  /** Playing at 16 steps per second through the backward pass: frame rate and its hiccups. */
  playback: Playback;
  /** 1000 / the median frame interval while playing (= playback.fps; kept for the perf.json readers). */
  fps: number;
}

export interface Playback {
  /** 1000 / the median interval between animation frames. */
  fps: number;
  medianFrameMs: number;
  p95FrameMs: number;
  /** Intervals longer than 1.5 frames at 60 Hz (25 ms): a frame the screen did not get. */
  droppedFrames: number;
  frames: number;
  windowMs: number;
  /** Timeline steps the player advanced during the window (16/s expected: proof it played). */
  stepsAdvanced: number;
  /** Frames in which a gradient pulse was on screen (proof it animated, not just stepped). */
  pulseFrames: number;
}

/**
 * Steps measured as "a step within one frame" means: the key is pressed at the start of a frame
 * (in an animation-frame callback) and the clock stops when that frame's rendering is done (a task
 * queued from the callback runs after the frame's style, layout and paint).
 */
export interface StepFrames {
  medianMs: number;
  p95Ms: number;
  steps: number;
  /** Steps whose step number was on screen in the frame the key was pressed in. */
  sameFrame: number;
  /**
   * The older measure: a key pressed 30 ms after the previous step's frame, the clock stopped after
   * the next painted frame; it counts the wait for that frame (vsync) as step time. Median.
   */
  vsyncMedianMs: number;
}

/** A frame the screen missed: an interval longer than 1.5 frames at 60 Hz. */
export const DROPPED_FRAME_MS = 1.5 * (1000 / 60);

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The nearest-rank percentile `p` (0-100) of `xs`. */
export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

const r2 = (v: number): number => Math.round(v * 100) / 100;

/** Frame statistics from the timestamps of consecutive animation frames. */
export function frameStats(
  stamps: number[],
): Pick<Playback, "fps" | "medianFrameMs" | "p95FrameMs" | "droppedFrames" | "frames" | "windowMs"> {
  const intervals = stamps.slice(1).map((t, i) => t - stamps[i]);
  const mid = median(intervals);
  return {
    fps: r2(1000 / mid),
    medianFrameMs: r2(mid),
    p95FrameMs: r2(percentile(intervals, 95)),
    droppedFrames: intervals.filter((d) => d > DROPPED_FRAME_MS).length,
    frames: intervals.length,
    windowMs: r2(stamps[stamps.length - 1] - stamps[0]),
  };
}

/**
 * A script for `page.addInitScript`, run before the app: it watches the app's workers from outside
 * (nothing in the app knows it is measured). The run worker's "done" message is the moment the
 * trace is in the page; from there a frame loop looks for the first frame with graph boxes in the
 * scene (a graph shown before the trace must go first: a re-run) and stamps the time after that
 * frame was painted. ELK worker round trips (request posted, answer received, boxes) are logged too,
 * so the warm-up's layouts and the real one can be told apart.
 * A string, not a closure: tools that transpile this file (tsx keeps function names) must not
 * inject helpers the page does not have.
 */
export const WORKER_PROBE = `(() => {
  const probe = { traces: [], elk: [] };
  window.__gradlensProbe = probe;
  const hasGraph = () => document.querySelector('[data-testid="scene"] .node') !== null;
  const countBoxes = (n) => (n.children || []).reduce((a, c) => a + 1 + countBoxes(c), 0);
  const onTrace = () => {
    const rec = { traceAt: performance.now(), frameAt: null, drawnAt: null };
    probe.traces.push(rec);
    let gone = !hasGraph();
    const tick = (ts) => {
      const has = hasGraph();
      if (!has) gone = true;
      if (gone && has) {
        rec.frameAt = ts;
        // the frame is painted before a task queued from its animation-frame callback runs
        setTimeout(() => { rec.drawnAt = performance.now(); }, 0);
        return;
      }
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  };
  const Native = window.Worker;
  window.Worker = class extends Native {
    constructor(url, opts) {
      super(url, opts);
      if (/elk/i.test(String(url))) {
        const sent = new Map();
        const post = this.postMessage.bind(this);
        this.postMessage = (msg, ...rest) => {
          if (msg && msg.cmd === "layout") sent.set(msg.id, { sent: performance.now(), boxes: countBoxes(msg.graph) });
          return post(msg, ...rest);
        };
        this.addEventListener("message", (ev) => {
          const s = ev.data && sent.get(ev.data.id);
          if (!s) return;
          sent.delete(ev.data.id);
          probe.elk.push({ ...s, received: performance.now() });
        });
      } else {
        // added before the app's own onmessage: the stamp comes before the app touches the trace
        this.addEventListener("message", (ev) => {
          if (ev.data && ev.data.type === "done" && ev.data.trace) onTrace();
        });
      }
    }
  };
})()`;

export interface ElkRoundTrip {
  /** Boxes in the ELK graph (compound nodes and component containers included). */
  boxes: number;
  sent: number;
  received: number;
}

export interface FirstFrame {
  /** From the run's trace arriving in the page to the painted frame showing its graph. */
  drawnMs: number;
  /** ELK round trips in the worker (page clock, ms since navigation), in the order answered. */
  elk: ElkRoundTrip[];
  /** When the trace arrived (page clock). */
  traceAt: number;
}

/** Waits for the graph of the `k`-th run since the page loaded (WORKER_PROBE installed) to be painted. */
export async function firstGraphFrame(page: Page, k = 0, timeout = 180_000): Promise<FirstFrame> {
  await page.waitForFunction(
    `(() => { const t = window.__gradlensProbe?.traces[${k}]; return !!t && t.drawnAt !== null; })()`,
    undefined,
    { timeout },
  );
  const probe = (await page.evaluate("window.__gradlensProbe")) as {
    traces: { traceAt: number; drawnAt: number }[];
    elk: ElkRoundTrip[];
  };
  const t = probe.traces[k];
  return { drawnMs: r2(t.drawnAt - t.traceAt), elk: probe.elk, traceAt: t.traceAt };
}

/** The layout time the app shows in its run stats ("laid out in 705 ms" / "in 1.2 s"), ms; NaN if absent. */
export function laidOutMs(stats: string): number {
  const m = /laid out in ([\d.]+) (ms|s)/.exec(stats);
  return m ? Number(m[1]) * (m[2] === "s" ? 1000 : 1) : NaN;
}

interface StepSample {
  ms: number;
  /** Frames rendered after the key's frame before the step number showed (0: shown in that frame). */
  framesLate: number;
}

/**
 * Steps the timeline `n` times with `key`, each key pressed at the start of a frame, and times each
 * to the end of the first frame that shows its step number (the step counter's text). Three frames
 * between steps let the previous step's transitions run, as with a user pressing keys. Throws if a
 * step number is not shown within 30 frames, or is not the one before / after.
 * A string, not a closure: see WORKER_PROBE.
 */
async function stepFrames(page: Page, key: "ArrowLeft" | "ArrowRight", n: number): Promise<StepSample[]> {
  return (await page.evaluate(`(async () => {
    const counter = document.querySelector('[data-testid="step-count"] strong');
    const frame = () => new Promise((r) => requestAnimationFrame(r));
    // a message's task runs after the rendering of the frame it was posted in
    const channel = new MessageChannel();
    const afterFrame = () => new Promise((r) => { channel.port1.onmessage = () => r(performance.now()); });
    const out = [];
    for (let i = 0; i < ${n}; i++) {
      for (let f = 0; f < 3; f++) await frame();
      const before = Number(counter.textContent);
      const want = before + (${JSON.stringify(key)} === "ArrowRight" ? 1 : -1);
      let t0 = 0;
      let done = afterFrame();
      await new Promise((r) => requestAnimationFrame(() => {
        t0 = performance.now();
        document.body.dispatchEvent(new KeyboardEvent("keydown", { key: ${JSON.stringify(key)}, bubbles: true }));
        channel.port2.postMessage(0);
        r();
      }));
      let framesLate = 0;
      let t1 = await done;
      while (Number(counter.textContent) !== want) {
        if (++framesLate > 30) throw new Error("step " + want + " not shown: the counter says " + counter.textContent);
        done = afterFrame();
        await new Promise((r) => requestAnimationFrame(() => { channel.port2.postMessage(0); r(); }));
        t1 = await done;
      }
      out.push({ ms: t1 - t0, framesLate });
    }
    channel.port1.close();
    return out;
  })()`)) as StepSample[];
}

/** Summary of stepFrames' samples, with the older vsync-inclusive median. */
export function stepStats(samples: StepSample[], vsync: number[]): StepFrames {
  const ms = samples.map((s) => s.ms);
  return {
    medianMs: r2(median(ms)),
    p95Ms: r2(percentile(ms, 95)),
    steps: samples.length,
    sameFrame: samples.filter((s) => s.framesLate === 0).length,
    vsyncMedianMs: r2(median(vsync)),
  };
}

/** The older measure (StepFrames.vsyncMedianMs): each step's time to its painted frame, vsync wait included. */
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
 * Plays at 16 steps per second for `ms` from 60 steps before the end, stamping every frame; throws
 * if the timeline did not advance or no gradient pulse was drawn.
 */
async function measurePlayback(page: Page, ms = 2500): Promise<Playback> {
  await page.keyboard.press("End");
  for (let i = 0; i < 60; i++) await page.keyboard.press("ArrowLeft");
  await page.selectOption('select[aria-label="Playback speed"]', "16");
  const run = (await page.evaluate(`(async () => {
    const graph = document.querySelector('[data-testid="graph"]');
    const step0 = Number(graph.dataset.step);
    document.querySelector('[data-testid="play"]').click();
    const stamps = [];
    let pulseFrames = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < ${ms}) {
      stamps.push(await new Promise((r) => requestAnimationFrame(r)));
      if (document.querySelector('[data-testid="scene"] .pulse')) pulseFrames++;
    }
    const step1 = Number(graph.dataset.step);
    const play = document.querySelector('[data-testid="play"]');
    if (play.getAttribute("aria-label") === "Pause") play.click();
    return { stamps, pulseFrames, stepsAdvanced: step1 - step0 };
  })()`)) as { stamps: number[]; pulseFrames: number; stepsAdvanced: number };
  await page.keyboard.press("End");
  const playback = {
    ...frameStats(run.stamps),
    stepsAdvanced: run.stepsAdvanced,
    pulseFrames: run.pulseFrames,
  };
  // an idle page paints at 60 fps too: frame rates only count while something moves
  if (playback.stepsAdvanced < 1 || playback.pulseFrames < 1)
    throw new Error(`playback did not animate: ${JSON.stringify(playback)}`);
  return playback;
}

/**
 * Measures the app showing the program in `page` (already run to the end, graph drawn). Leaves the
 * timeline at the end.
 */
export async function measureApp(page: Page): Promise<AppPerf> {
  const layoutMs = laidOutMs((await page.textContent('[data-testid="run-stats"]')) ?? "");
  const nodes = Number(await page.getAttribute('[data-testid="graph"]', "data-nodes"));
  const drawn = await page.locator("[data-testid=scene] .node").count();
  const count = (await page.textContent('[data-testid="step-count"]')) ?? "";
  const steps = Number(/\/\s*(\d+)/.exec(count)?.[1]);

  await page.keyboard.press("End");
  const back = await stepFrames(page, "ArrowLeft", 30);
  const forward = await stepFrames(page, "ArrowRight", 30);
  const backVsync = await stepTimes(page, "ArrowLeft", 30);
  const forwardVsync = await stepTimes(page, "ArrowRight", 30);
  const step = stepStats(back, backVsync);
  const stepAnimated = stepStats(forward, forwardVsync);
  const playback = await measurePlayback(page);
  return {
    nodes,
    drawn,
    steps,
    layoutMs,
    step,
    stepAnimated,
    stepMs: step.medianMs,
    stepAnimatedMs: stepAnimated.medianMs,
    playback,
    fps: playback.fps,
  };
}
