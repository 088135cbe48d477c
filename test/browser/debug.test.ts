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
    // it is the iteration's first step: one step back is the iteration before
    const { step, total } = await stepCount(page);
    expect(step).toBeLessThan(total);
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press("ArrowLeft");
    await page.waitForFunction(
      (k) =>
        (document.querySelector('[data-testid="iteration-select"]') as HTMLSelectElement)?.value ===
        String(k),
      bad - 1,
    );
    expect((await stepCount(page)).step).toBe(step - 1);
    await page.click('[data-testid="jump-bad"]');
    await h.shot(page, "debug-03-diverging");

    // a higher threshold moves the first bad iteration later (or clears it)
    await page.fill('[data-testid="explode-above"]', "1e30");
    await page.press('[data-testid="explode-above"]', "Enter");
    await page.waitForTimeout(300);
    const after = (await page.textContent('[data-testid="training"]')) ?? "";
    expect(after).not.toContain(`iteration ${bad} (exploding)`);
    await h.shot(page, "debug-04-threshold");
  });
});
