/**
 * Issue 5's debugging views in Chromium: the non-finite spread path and the health card on the MLP,
 * and a diverging training loop's grad-norm chart with its jump to the first bad iteration.
 * Screenshots go to test-results/browser/.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./harness.ts";

let h: Harness;
let page: Page;
const LOAD = 90_000;

async function waitForGraph(p: Page): Promise<void> {
  await p.waitForSelector('[data-testid="scene"] .node[data-kind]', { timeout: LOAD });
  await p.waitForFunction(() => !document.querySelector('[data-testid="run-status"]'), undefined, {
    timeout: LOAD,
  });
}

async function stepCount(p: Page): Promise<{ step: number; total: number }> {
  const text = (await p.textContent('[data-testid="step-count"]')) ?? "";
  const m = /(\d+)\s*\/\s*(\d+)/.exec(text);
  return { step: Number(m?.[1]), total: Number(m?.[2]) };
}

/** Waits until the graph's pan/zoom transform has stopped moving (transitions last 300-350 ms). */
async function settle(p: Page): Promise<void> {
  let last = "";
  for (let i = 0; i < 40; i++) {
    await p.waitForTimeout(150);
    const t = (await p.getAttribute('[data-testid="graph-content"]', "transform")) ?? "";
    if (t === last) return;
    last = t;
  }
}

/** The element's box lies wholly inside the graph view's visible area. */
function boxInView(p: Page, selector: string): Promise<boolean> {
  return p.evaluate((sel) => {
    const el = document.querySelector(sel);
    const svg = document.querySelector('[data-testid="graph-svg"]');
    if (!el || !svg) return false;
    const b = el.getBoundingClientRect();
    const v = svg.getBoundingClientRect();
    return b.width > 0 && b.left >= v.left && b.right <= v.right && b.top >= v.top && b.bottom <= v.bottom;
  }, selector);
}

async function replaceProgram(p: Page, source: string): Promise<number> {
  const before = Number(await p.getAttribute(".app", "data-runs"));
  await p.click(".cm-content");
  await p.keyboard.press("ControlOrMeta+a");
  await p.keyboard.press("Delete");
  await p.keyboard.insertText(source);
  return before;
}

/**
 * sqrt(w) in a loop whose update drives w below zero: PyTorch 1.13 prints the losses 20.0551, 11.9655,
 * 9.8466, 8.9178, 17.7820 and then nan from iteration 5 on, where sqrt(-0.0244) is the origin.
 */
const SQRT_LOOP = `import torch

xs = torch.tensor([0.0, 1.0, 2.0, 3.0])
ys = torch.tensor([1.0, 3.0, 5.0, 7.0])
w = torch.tensor(3.0, requires_grad=True)
b = torch.tensor(0.0, requires_grad=True)

for step in range(8):
    pred = torch.sqrt(w) * xs + b
    loss = ((pred - ys) ** 2).mean() + w * 6.0
    loss.backward()
    with torch.no_grad():
        w -= 0.5 * w.grad
        b -= 0.1 * b.grad
    w.grad.zero_()
    b.grad.zero_()
`;

/**
 * Gradient descent on y = 2x + 1 with a learning rate far too big: each step overshoots by a factor
 * of about 2.5, so the grads pass 1e3 (the default explode threshold) within a few iterations.
 */
const DIVERGING = `import torch

xs = torch.tensor([0.0, 1.0, 2.0, 3.0])
ys = torch.tensor([1.0, 3.0, 5.0, 7.0])
w = torch.tensor(0.5, requires_grad=True)
b = torch.tensor(0.0, requires_grad=True)
lr = 0.5

for step in range(12):
    loss = ((w * xs + b - ys) ** 2).mean()
    loss.backward()
    with torch.no_grad():
        w -= lr * w.grad
        b -= lr * b.grad
    w.grad.zero_()
    b.grad.zero_()
`;

beforeAll(async () => {
  h = await startHarness();
  page = await h.newPage();
}, 180_000);

afterAll(async () => {
  await h?.close();
});

describe("debugging views in Chromium", { timeout: 180_000 }, () => {
  it("MLP: the origin badge, the spread path on every leaf and the health card", async () => {
    await page.goto(`${h.url}#example=mlp-nan&step=end`);
    await waitForGraph(page);
    expect(await page.locator("[data-testid=scene] .node[data-origin]").count()).toBeGreaterThanOrEqual(1);

    const leaves = await page.$$eval("[data-testid=scene] .node[data-kind=leaf]:not([data-stub])", (els) =>
      els.map((e) => ({ name: e.getAttribute("aria-label"), spread: e.getAttribute("data-spread") })),
    );
    expect(leaves.map((l) => l.name).sort()).toEqual(["W1", "W2", "b1", "b2"]);
    for (const l of leaves) expect(l.spread).toBe("1");
    // the origin is on the path, and so are edges; each spread node has a visible halo
    expect(await page.locator("[data-testid=scene] .node[data-origin][data-spread]").count()).toBeGreaterThan(
      0,
    );
    expect(await page.locator("[data-testid=scene] .edge[data-spread]").count()).toBeGreaterThan(5);
    const nodes = await page.locator("[data-testid=scene] .node[data-spread]").count();
    expect(await page.locator("[data-testid=scene] .node[data-spread] .spread-halo").count()).toBe(nodes);

    // the legend (shown while nothing is selected) names the mark
    expect((await page.textContent('[data-testid="legend"]')) ?? "").toContain("spread path of nan / inf");
    // "NaN origin" selects the origin and the inspector says why
    await page.click('[data-testid="jump-origin"]');
    await page.waitForSelector('[data-testid="inspector-origin"]');
    await h.shot(page, "debug-01-mlp-spread");

    // a leaf's grad: all nan, so nan = numel
    await page.click('[data-testid="fit"]');
    await page.waitForTimeout(600);
    await page.click("[data-testid=scene] .node[data-kind=leaf][aria-label=W1]:not([data-stub])");
    await page.waitForSelector('[data-testid="health-inspector-grad"]');
    expect(
      await page.textContent('[data-testid="health-inspector-grad"] td[data-h="nan"]').then((t) => t?.trim()),
    ).toBe("4");
    // the value's health: W1 = [[0.7576, 0.2793], [0.4031, 0.7347]], all positive and finite
    const cell = (k: string) =>
      page.textContent(`[data-testid="health-inspector-value"] td[data-h="${k}"]`).then((t) => t?.trim());
    expect(await cell("nan")).toBe("0");
    expect(await cell("min")).toBe("0.2793");
    expect(await cell("max")).toBe("0.7576");
    await h.shot(page, "debug-02-mlp-health");

    // gradient check on W1: autograd's grad is nan, the float64 finite differences are not
    await page.click('[data-testid="gradcheck-run"]');
    await page.waitForSelector('[data-testid="gradcheck-verdict"], [data-testid="gradcheck-error"]');
    expect(await page.locator('[data-testid="gradcheck-error"]').count()).toBe(0);
    expect(await page.locator('[data-testid="gradcheck-row"]').count()).toBe(4);
    expect(await page.textContent('[data-testid="gradcheck-verdict"]')).toContain("disagrees");
    await h.shot(page, "debug-02b-gradcheck");
  });

  it("diverging loop: grad-norm chart, and the jump moves to the first bad iteration", async () => {
    // its own start, so it also runs alone (-t)
    await page.goto(`${h.url}#example=square`);
    await waitForGraph(page);
    const before = Number(await page.getAttribute(".app", "data-runs"));
    await page.click(".cm-content");
    await page.keyboard.press("ControlOrMeta+a");
    await page.keyboard.press("Delete");
    await page.keyboard.insertText(DIVERGING);
    await page.click('[data-testid="run"]');
    await page.waitForFunction(
      (n) => Number(document.querySelector(".app")?.getAttribute("data-runs")) > n,
      before,
      { timeout: LOAD },
    );
    await waitForGraph(page);
    await page.waitForSelector('[data-testid="grad-norm-chart"]');
    const series = await page.$$eval('[data-testid="grad-norm-chart"] path.series', (els) =>
      els.map((e) => ({ param: e.getAttribute("data-param"), d: e.getAttribute("d") ?? "" })),
    );
    expect(series.map((s) => s.param).sort()).toEqual(["b", "w"]);
    for (const s of series) expect(s.d.length).toBeGreaterThan(20);
    expect(await page.locator('[data-testid="bad-mark"]').count()).toBe(2);

    const label = (await page.textContent('[data-testid="jump-bad"]')) ?? "";
    const m = /iteration (\d+) \((exploding|nan\/inf)\)/.exec(label);
    expect(m?.[2]).toBe("exploding");
    const bad = Number(m?.[1]);
    expect(bad).toBeGreaterThan(0);
    expect(bad).toBeLessThan(12);

    await page.click('[data-testid="jump-bad"]');
    await page.waitForFunction(
      (k) =>
        (document.querySelector('[data-testid="iteration-select"]') as HTMLSelectElement)?.value ===
        String(k),
      bad,
    );
    // the jump lands on the iteration's backward(), with its loss selected and in view
    expect(await page.textContent('[data-testid="step-text"]')).toContain("loss.backward()");
    await expect
      .poll(() => page.locator("[data-testid=scene] .node.selected").getAttribute("aria-label"))
      .toBe("loss");
    await settle(page);
    expect(await boxInView(page, "[data-testid=scene] .node.selected")).toBe(true);
    // one step back is still this iteration's forward pass; the loss appeared two steps before
    const { step } = await stepCount(page);
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press("ArrowLeft");
    await page.waitForFunction(
      (s) => document.querySelector('[data-testid="graph"]')?.getAttribute("data-step") === String(s - 2),
      step,
    );
    expect(await page.$eval('[data-testid="iteration-select"]', (e) => (e as HTMLSelectElement).value)).toBe(
      String(bad),
    );
    await page.click('[data-testid="jump-bad"]');
    await page.waitForFunction(
      (s) => document.querySelector('[data-testid="graph"]')?.getAttribute("data-step") === String(s - 1),
      step,
    );
    await settle(page);
    await h.shot(page, "debug-03-diverging");

    // the steps after the last backward (its update) are no iteration: the selector says so, never blank
    await page.keyboard.press("End");
    await expect
      .poll(() =>
        page.$eval('[data-testid="iteration-select"]', (e) => {
          const sel = e as HTMLSelectElement;
          return sel.selectedIndex >= 0 ? sel.options[sel.selectedIndex].text : "";
        }),
      )
      .toBe("after the last backward");

    // a higher threshold moves the first bad iteration later (or clears it)
    await page.fill('[data-testid="explode-above"]', "1e30");
    await page.press('[data-testid="explode-above"]', "Enter");
    await page.waitForTimeout(300);
    const after = (await page.textContent('[data-testid="training"]')) ?? "";
    expect(after).not.toContain(`iteration ${bad} (exploding)`);
    await h.shot(page, "debug-04-threshold");
  });

  it("nan in a loop: the jump, even before the layout is ready, shows the origin", async () => {
    await page.goto(`${h.url}#example=square`);
    await waitForGraph(page);
    const before = await replaceProgram(page, SQRT_LOOP);
    await page.click('[data-testid="run"]');
    // no waiting for the graph: the jump is taken as soon as the training panel offers it
    await page.waitForSelector('[data-testid="jump-bad"]', { timeout: LOAD });
    expect(await page.textContent('[data-testid="jump-bad"]')).toContain("iteration 5 (nan/inf)");
    await page.click('[data-testid="jump-bad"]');
    await page.waitForFunction(
      (n) => Number(document.querySelector(".app")?.getAttribute("data-runs")) > n,
      before,
      { timeout: LOAD },
    );
    await waitForGraph(page);
    await page.waitForSelector("[data-testid=scene] .node.selected[data-origin]", { timeout: LOAD });
    expect(await page.getAttribute("[data-testid=scene] .node.selected", "aria-label")).toBe("sqrt");
    expect(await page.textContent('[data-testid="step-text"]')).toContain("sqrt(w)");
    await settle(page);
    expect(await boxInView(page, "[data-testid=scene] .node.selected")).toBe(true);
    expect(await page.textContent('[data-testid="inspector-origin"]')).toMatch(/sqrt\(-0\.0244\d*\) = nan/);
    await h.shot(page, "debug-05-nan-loop-jump");

    // from the end of the run, zoomed in on the graph's start, the same jump pans back to the origin
    await page.click('[data-testid="fit"]');
    await settle(page);
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press("End");
    await settle(page);
    await page.click('[data-testid="graph-svg"]', { position: { x: 5, y: 5 } });
    for (let i = 0; i < 3; i++) {
      await page.click('button[aria-label="Zoom in"]');
      await settle(page);
    }
    const svg = (await page.locator('[data-testid="graph-svg"]').boundingBox())!;
    for (let i = 0; i < 3; i++) {
      // drag the drawing right and down: the view moves toward its top left corner
      await page.mouse.move(svg.x + 100, svg.y + 100);
      await page.mouse.down();
      await page.mouse.move(svg.x + 400, svg.y + 400, { steps: 8 });
      await page.mouse.up();
    }
    await settle(page);
    await h.shot(page, "debug-06-before-second-jump");
    // the origin (no longer selected) is out of view before the jump
    expect(await page.locator("[data-testid=scene] .node.selected").count()).toBe(0);
    expect(await boxInView(page, "[data-testid=scene] .node[data-origin]")).toBe(false);
    await page.click('[data-testid="jump-bad"]');
    await page.waitForSelector("[data-testid=scene] .node.selected[data-origin]");
    await settle(page);
    expect(await boxInView(page, "[data-testid=scene] .node.selected")).toBe(true);
  });
});
