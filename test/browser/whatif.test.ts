/**
 * Issue 5's what-if in Chromium: on the MLP, the clamp's upper bound 1 - 1e-8 (1.0 in float32) is
 * changed to 0.9999999 (1 - 1e-7, which float32 can hold); PyTorch then gives a finite loss and zero
 * grads (test/analysis/replay.test.ts checks the numbers), so the NaN marks leave the leaves.
 * Screenshots go to test-results/browser/.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./harness.ts";

let h: Harness;
let page: Page;
const LOAD = 90_000;
const LEAVES = "[data-testid=scene] .node[data-kind=leaf]:not([data-stub])";

async function waitForGraph(p: Page): Promise<void> {
  await p.waitForSelector('[data-testid="scene"] .node[data-kind]', { timeout: LOAD });
  await p.waitForFunction(() => !document.querySelector('[data-testid="run-status"]'), undefined, {
    timeout: LOAD,
  });
}

function leafMarks(p: Page): Promise<{ name: string | null; nonfinite: string | null }[]> {
  return p.$$eval(LEAVES, (els) =>
    els.map((e) => ({ name: e.getAttribute("aria-label"), nonfinite: e.getAttribute("data-nonfinite") })),
  );
}

/** Cross-entropy of one row against class 1; PyTorch 1.13 prints tensor(0.4644, grad_fn=<NllLossBackward0>). */
const CROSS_ENTROPY = `import torch
import torch.nn.functional as F

logits = torch.tensor([[1.0, 2.0, 0.5]], requires_grad=True)
target = torch.tensor([1])
loss = F.cross_entropy(logits, target)
print(loss)
loss.backward()
`;

beforeAll(async () => {
  h = await startHarness();
  page = await h.newPage();
}, 180_000);

afterAll(async () => {
  await h?.close();
});

describe("what-if in Chromium", { timeout: 180_000 }, () => {
  it("MLP: the clamp's upper bound 1 - 1e-7 clears the NaN grads; back restores them", async () => {
    await page.goto(`${h.url}#example=mlp-nan&step=end`);
    await waitForGraph(page);
    const before = await leafMarks(page);
    expect(before.map((l) => l.name).sort()).toEqual(["W1", "W2", "b1", "b2"]);
    for (const l of before) expect(l.nonfinite).not.toBeNull();

    // the original run's prints, before any what-if
    const printed = (await page.textContent('[data-testid="output"] pre')) ?? "";
    expect(printed).toContain("tensor([[nan, nan],");
    expect(await page.locator('[data-testid="output-whatif-note"]').count()).toBe(0);

    await page.click('[data-testid="fit"]');
    await page.waitForTimeout(600);
    const clamp = page.locator('[data-testid=scene] .node[aria-label^="clamp"]:not([data-stub])').first();
    await clamp.click();
    const edit = page.locator('[data-testid="whatif-edit"]', { hasText: "clamp max" });
    await edit.waitFor();
    const input = edit.locator('[data-testid="whatif-input"]');
    expect(Number(await input.inputValue())).toBe(1 - 1e-8);
    await input.fill("0.9999999");
    await edit.locator('[data-testid="whatif-run"]').click();

    const banner = page.locator('[data-testid="whatif-banner"]');
    await banner.waitFor();
    const text = (await banner.textContent()) ?? "";
    expect(text).toContain("what-if:");
    expect(text).toContain("clamp max");
    const n = Number(/(\d+)\s+values?\s+changed/.exec(text)?.[1]);
    expect(n).toBeGreaterThan(5);

    await page.waitForFunction(
      (sel) => {
        // the replayed trace is laid out anew: wait for its leaves, then look at their marks
        const els = [...document.querySelectorAll(sel)];
        return els.length === 4 && els.every((e) => !e.hasAttribute("data-nonfinite"));
      },
      LEAVES,
      { timeout: LOAD },
    );
    const after = await leafMarks(page);
    expect(after.map((l) => l.name).sort()).toEqual(["W1", "W2", "b1", "b2"]);
    for (const l of after) expect(l.nonfinite).toBeNull();
    // the leaves' grads changed (nan → 0), so they are marked, with a visible ring
    expect(await page.locator(`${LEAVES}[data-changed="1"]`).count()).toBe(4);
    expect(await page.locator(`${LEAVES}[data-changed="1"] .changed-ring`).count()).toBe(4);
    // the replay prints nothing: the Output panel says the text it shows is the original run's
    const note = page.locator('[data-testid="output-whatif-note"]');
    expect(await note.textContent()).toContain("The output below is the original run's.");
    expect(await page.getAttribute('[data-testid="output"] pre', "data-of")).toBe("original");
    expect(await page.textContent('[data-testid="output"] pre')).toBe(printed);
    expect(await page.textContent('[data-testid="run-stats"]')).toContain("what-if replay");
    expect(await page.locator('[data-testid="replay-error"]').count()).toBe(0);
    await h.shot(page, "whatif-01-mlp-clamp");
    // the clamp (still selected) shows in its input the value the replay on screen used
    await edit.waitFor();
    expect(await input.inputValue()).toBe("0.9999999");

    // the loss is PyTorch's -15.942385 (0.9999999 clamps the sigmoid's 1.0 output)
    await page.click('[data-testid="fit"]');
    await page.waitForTimeout(600);
    await page.click('[data-testid=scene] .node[aria-label="loss"]:not([data-stub])');
    await page.waitForSelector('[data-testid="inspector-value"]');
    expect((await page.textContent('[data-testid="inspector-value"]')) ?? "").toContain("-15.9424");
    await h.shot(page, "whatif-02-loss");

    await page.click('[data-testid="whatif-back"]');
    await page.waitForFunction(
      (sel) => {
        const els = [...document.querySelectorAll(sel)];
        return els.length === 4 && els.every((e) => e.hasAttribute("data-nonfinite"));
      },
      LEAVES,
      { timeout: LOAD },
    );
    expect(await page.locator('[data-testid="whatif-banner"]').count()).toBe(0);
    expect(await page.locator("[data-testid=scene] .node[data-changed]").count()).toBe(0);
    await page.click('[data-testid="fit"]');
    await page.waitForTimeout(600);
    await page.click('[data-testid=scene] .node[aria-label^="clamp"]:not([data-stub])');
    await edit.waitFor();
    expect(Number(await input.inputValue())).toBe(1 - 1e-8);
    // back to the run itself: its output is shown as its own again
    expect(await page.locator('[data-testid="output-whatif-note"]').count()).toBe(0);
    expect(await page.getAttribute('[data-testid="output"] pre', "data-of")).toBe("run");
    expect(await page.textContent('[data-testid="run-stats"]')).not.toContain("what-if");
  });

  it("a change that makes the replay raise: its error in the Output panel, the original's text kept", async () => {
    await page.goto(`${h.url}#example=square`);
    await waitForGraph(page);
    const before = Number(await page.getAttribute(".app", "data-runs"));
    await page.click(".cm-content");
    await page.keyboard.press("ControlOrMeta+a");
    await page.keyboard.press("Delete");
    await page.keyboard.insertText(CROSS_ENTROPY);
    await page.click('[data-testid="run"]');
    await page.waitForFunction(
      (n) => Number(document.querySelector(".app")?.getAttribute("data-runs")) > n,
      before,
      { timeout: LOAD },
    );
    await waitForGraph(page);
    expect(await page.textContent('[data-testid="output"] pre')).toBe(
      "tensor(0.4644, grad_fn=<NllLossBackward0>)\n",
    );

    await page.click('[data-testid=scene] .node[aria-label="target"]:not([data-stub])');
    const edit = page.locator('[data-testid="whatif-edit"]', { hasText: "target" });
    await edit.waitFor();
    await edit.locator('[data-testid="whatif-input"]').fill("5");
    await edit.locator('[data-testid="whatif-run"]').click();
    await page.locator('[data-testid="whatif-banner"]').waitFor();

    // PyTorch 1.13: IndexError: Target 5 is out of bounds.
    const replayError = page.locator('[data-testid="replay-error"]');
    await replayError.waitFor();
    expect(await replayError.textContent()).toContain("The replay raised IndexError");
    expect(await replayError.textContent()).toContain("line 6");
    expect(await replayError.textContent()).toContain("Target 5 is out of bounds.");
    expect(await page.textContent('[data-testid="output-whatif-note"]')).toContain("original run's");
    expect(await page.textContent('[data-testid="output"] pre')).toBe(
      "tensor(0.4644, grad_fn=<NllLossBackward0>)\n",
    );
    await h.shot(page, "whatif-03-replay-error");

    await page.click('[data-testid="whatif-back"]');
    await page.locator('[data-testid="whatif-banner"]').waitFor({ state: "detached" });
    expect(await page.locator('[data-testid="replay-error"]').count()).toBe(0);
    expect(await page.locator('[data-testid="output-whatif-note"]').count()).toBe(0);
  });
});
