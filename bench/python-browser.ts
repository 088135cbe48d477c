/**
 * Python mode in Chromium, where the app runs it (a Web Worker): Pyodide's cold start, the warm
 * seed notebooks and the 1,000-op program vs the TS API, measured inside the worker with the same
 * code as the Node suites (bench/python-programs.ts). The page is bench/python-browser.html, served
 * by the tests' Vite + Chromium harness. Needs /usr/bin/chromium.
 */
import type { Page } from "playwright-core";
import { startHarness } from "../test/browser/harness.ts";
import type { Suite } from "./harness.ts";
import type { BenchReply, BenchRequest } from "./python-browser-worker.ts";
import { seedNotebooks } from "./python.ts";

async function call(page: Page, req: BenchRequest): Promise<BenchReply> {
  return page.evaluate(
    (r) => (window as unknown as { benchCall(r: BenchRequest): Promise<BenchReply> }).benchCall(r),
    req,
  );
}

export const pythonBrowserSuite: Suite = {
  name: "python-ops-browser",
  async run(report) {
    const h = await startHarness();
    try {
      const page = await h.newPage();
      await page.goto(`${h.url}bench/python-browser.html`);
      await page.waitForFunction(() => "benchCall" in window);
      for (const req of [
        { kind: "start" },
        { kind: "seed", source: seedNotebooks() },
        { kind: "ops" },
      ] as const) {
        const reply = await call(page, req);
        if ("error" in reply) throw new Error(`${req.kind}: ${reply.error}`);
        for (const row of reply.rows) report(row);
      }
    } finally {
      await h.close();
    }
  },
};
