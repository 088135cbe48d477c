import { createReadStream, existsSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { Connect, Plugin } from "vite";
import { defineConfig } from "vitest/config";
import { svelte } from "@sveltejs/vite-plugin-svelte";

/** Pyodide's runtime files, served as they are at `<base>pyodide/` (the app works offline). */
const PYODIDE_FILES = ["pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json"];
const CONTENT_TYPES: Record<string, string> = {
  mjs: "text/javascript",
  wasm: "application/wasm",
  zip: "application/zip",
  json: "application/json",
};

function pyodideAssets(): Plugin {
  const dir = dirname(createRequire(import.meta.url).resolve("pyodide"));
  const serve: Connect.NextHandleFunction = (req, res, next) => {
    const name = (req.url ?? "").split("?")[0].replace(/^\//, "");
    if (!PYODIDE_FILES.includes(name)) return next();
    const file = join(dir, name);
    if (!existsSync(file)) return next();
    res.setHeader("Content-Type", CONTENT_TYPES[name.split(".").pop()!] ?? "application/octet-stream");
    res.setHeader("Content-Length", statSync(file).size);
    res.setHeader("Cache-Control", "max-age=3600");
    createReadStream(file).pipe(res);
  };
  return {
    name: "gradlens-pyodide-assets",
    configureServer(server) {
      server.middlewares.use(`${server.config.base}pyodide`, serve);
    },
    configurePreviewServer(server) {
      server.middlewares.use(`${server.config.base}pyodide`, serve);
    },
    generateBundle() {
      for (const name of PYODIDE_FILES) {
        this.emitFile({ type: "asset", fileName: `pyodide/${name}`, source: readFileSync(join(dir, name)) });
      }
    },
  };
}

/**
 * Cross-origin isolation, so the page has SharedArrayBuffer and Stop can interrupt Python through
 * Pyodide's interrupt buffer instead of throwing the loaded interpreter away.
 */
const ISOLATION_HEADERS = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
};

/**
 * Svelte's development runtime records a stack trace on every state update past the fifth in a flush,
 * which makes a step of a 600-node graph take 100-400 ms instead of a few. `npm start` is how people
 * use gradlens, so the dev server runs the production runtime; GRADLENS_SVELTE_DEV=1 brings the
 * development one (its warnings) back.
 */
const svelteDev = process.env.GRADLENS_SVELTE_DEV === "1";

export default defineConfig({
  plugins: [svelte(svelteDev ? {} : { compilerOptions: { dev: false } }), pyodideAssets()],
  resolve: svelteDev ? {} : { conditions: ["module", "browser", "production"] },
  worker: { format: "es" },
  // sucrase is imported by the run worker only, which Vite scans late: pre-bundle it so a first
  // visit is not reloaded halfway
  optimizeDeps: { exclude: ["pyodide"], include: ["sucrase"] },
  server: { headers: ISOLATION_HEADERS },
  preview: { headers: ISOLATION_HEADERS },
  test: {
    include: ["test/**/*.test.ts"],
    environment: "node",
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
