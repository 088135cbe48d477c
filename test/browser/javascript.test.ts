/**
 * JS mode in Chromium takes TypeScript as pasted: the run worker strips the types (sucrase) line for
 * line, so the graph is drawn, tensors keep their names and errors point at the user's lines.
 * Screenshots go to test-results/browser/.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./harness.ts";

let h: Harness;
let page: Page;
const LOAD = 90_000;

async function setProgram(p: Page, source: string): Promise<void> {
  await p.click(".cm-content");
  await p.keyboard.press("ControlOrMeta+a");
  await p.keyboard.press("Delete");
  await p.keyboard.insertText(source);
}

async function run(p: Page): Promise<void> {
  const before = Number(await p.getAttribute(".app", "data-runs"));
  await p.click('[data-testid="run"]');
  await p.waitForFunction(
    (n) => Number(document.querySelector(".app")?.getAttribute("data-runs")) > n,
    before,
    { timeout: LOAD },
  );
}

/** The README's perceptron, typed: PyTorch gives loss 6.7012, w.grad 6.6918 (seed notebook 3). */
const TYPED = `import { tensor, sigmoid, clamp, log, type Tensor } from "gradlens";

interface Params {
  w: Tensor;
  b: Tensor;
}
type Scalar = number;

function predict<P extends Params>(p: P, x: Tensor): Tensor {
  return sigmoid(p.w.mul(x).add(p.b));
}

const x: Tensor = tensor(6.7, { dtype: "float32" });
const params: Params = {
  w: tensor(1.0, { dtype: "float32", requiresGrad: true }),
  b: tensor(0.0, { dtype: "float32", requiresGrad: true }),
};
const eps: Scalar = 1e-7;
const yPred = predict<Params>(params, x);
const p = clamp(yPred, eps, 1 - eps) as Tensor;
const loss: Tensor = log(p.neg().add(1)).neg();
loss.backward();
print(loss, params.w.grad!);
`;

beforeAll(async () => {
  h = await startHarness();
  page = await h.newPage();
}, 180_000);

afterAll(async () => {
  await h?.close();
});

describe("TypeScript in JS mode", { timeout: 180_000 }, () => {
  it("runs a typed program and draws its graph; a syntax error names the user's line", async () => {
    await page.goto(`${h.url}#example=square`);
    await page.waitForSelector('[data-testid="scene"] .node[data-kind]', { timeout: LOAD });
    await page.click('[data-testid="lang-javascript"]');
    await setProgram(page, TYPED);
    await run(page);
    expect(await page.locator('[data-testid="run-error"]').count()).toBe(0);
    expect(await page.textContent('[data-testid="output"]')).toContain(
      "tensor(6.7012, grad_fn=<NegBackward0>) tensor(6.6918)",
    );
    await page.waitForSelector('[data-testid=scene] .node[aria-label="loss"]', { timeout: LOAD });
    // the annotated declarations still name their tensors
    for (const name of ["x", "p", "loss"]) {
      expect(await page.locator(`[data-testid=scene] .node[aria-label="${name}"]`).count()).toBeGreaterThan(
        0,
      );
    }
    await h.shot(page, "javascript-01-typescript");

    // the same program with a broken line 19: the error is at 19, in the panel and in the editor
    await setProgram(
      page,
      TYPED.replace("const yPred = predict<Params>(params, x);", "const yPred = predict(params, x;"),
    );
    await run(page);
    const error = page.locator('[data-testid="run-error"]');
    expect(await error.textContent()).toContain("SyntaxError");
    expect(await error.textContent()).toContain("line 19");
    expect(await page.textContent(".cm-error-line")).toBe("const yPred = predict(params, x;");
    await h.shot(page, "javascript-02-syntax-error");
  });
});
