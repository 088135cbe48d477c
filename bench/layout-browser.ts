/**
 * ELK vs dagre in Chromium: the Node suite's comparison (bench/layout.ts, the same graphs from
 * bench/layout-graphs.ts) where the app runs it, ELK in its Web Worker (warm) and dagre on the page's
 * main thread. The page is bench/layout-browser.html, served by the tests' Vite + Chromium harness.
 * Needs /usr/bin/chromium.
 */
import { startHarness } from "../test/browser/harness.ts";
import type { BenchResult, Suite } from "./harness.ts";

export const layoutBrowserSuite: Suite = {
  name: "layout-browser",
  async run(report) {
    const h = await startHarness();
    try {
      const page = await h.newPage();
      await page.goto(`${h.url}bench/layout-browser.html`);
      await page.waitForFunction(() => "layoutBrowserBench" in window);
      const rows = await page.evaluate(
        (sizes) =>
          (
            window as unknown as { layoutBrowserBench(s: number[]): Promise<BenchResult[]> }
          ).layoutBrowserBench(sizes),
        [100, 1000, 5000],
      );
      for (const row of rows) report(row);
    } finally {
      await h.close();
    }
  },
};
