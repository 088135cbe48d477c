/**
 * Browser test harness: Vite's dev server on a free 127.0.0.1 port, Debian's Chromium driven by
 * playwright-core with a fresh profile, and screenshots saved under test-results/ as artifacts.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer as createNetServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { createServer, type ViteDevServer } from "vite";

export const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
export const RESULTS = join(ROOT, "test-results", "browser");
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createNetServer();
    s.unref();
    s.on("error", fail);
    s.listen(0, "127.0.0.1", () => {
      const addr = s.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      s.close(() => ok(port));
    });
  });
}

export interface Harness {
  url: string;
  server: ViteDevServer;
  context: BrowserContext;
  close(): Promise<void>;
  newPage(): Promise<Page>;
  /** Saves a full-page screenshot as test-results/browser/<name>.png; returns its path. */
  shot(page: Page, name: string): Promise<string>;
}

export async function startHarness(): Promise<Harness> {
  const port = await freePort();
  const server = await createServer({
    root: ROOT,
    configFile: join(ROOT, "vite.config.ts"),
    logLevel: "error",
    clearScreen: false,
    server: { host: "127.0.0.1", port, strictPort: true, hmr: false, watch: null },
  });
  await server.listen();
  const url = `http://127.0.0.1:${port}/`;
  const profile = mkdtempSync(join(tmpdir(), "gradlens-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1440, height: 900 },
    deviceScaleFactor: 1,
    acceptDownloads: true,
  });
  mkdirSync(RESULTS, { recursive: true });
  return {
    url,
    server,
    context,
    async newPage() {
      const page = await context.newPage();
      page.on("pageerror", (e) => console.error(`[page error] ${e.message}`));
      page.on("console", (m) => {
        if (m.type() === "error") console.error(`[console] ${m.text()}`);
      });
      return page;
    },
    async shot(page, name) {
      const path = join(RESULTS, `${name}.png`);
      await page.screenshot({ path });
      return path;
    },
    async close() {
      await context.close().catch(() => {});
      await server.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
