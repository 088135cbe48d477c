/** ELK for Node, tests and headless export: the bundled build, run on the calling thread. */
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import v8 from "node:v8";
import vm from "node:vm";
import type { ElkLike } from "./elk.ts";

type ElkConstructor = new () => ElkLike;

const require = createRequire(import.meta.url);
const BUNDLE = "elkjs/lib/elk.bundled.js";

let ctor: ElkConstructor | null = null;
let shared: ElkLike | null = null;
let cacheDir: string | null = null;
/** Where to write the code cache after the first layout (none was there, or V8 refused it). */
let pendingCache: { file: string; script: vm.Script } | null = null;
/** How ELK was loaded: not yet, without a cache, from the cache, or with none usable (written later). */
let cacheState: "unloaded" | "off" | "hit" | "miss" | "rejected" = "unloaded";

/** How the bundle was loaded (for tests and `--verbose`-style diagnostics). */
export function elkCodeCacheState(): typeof cacheState {
  return cacheState;
}

/**
 * Keeps a V8 code cache of the ELK bundle in `dir` (call before the first layout; the CLI does, a
 * library user may). A one-shot export otherwise parses and compiles ELK's 1.6 MB anew in each
 * process: with the cache, loading it takes ~25 ms of CPU instead of ~90, and its first layout
 * ~80 ms less, since the cache is written after a layout and so holds the functions a layout runs.
 * The file is named after the bundle's version, size and mtime and V8's version-and-flags tag
 * (V8 itself only checks the source's length), and V8 refuses a cache that does not fit.
 */
export function useElkCodeCache(dir: string | null): void {
  cacheDir = dir;
}

function cacheFile(path: string, dir: string): string {
  const version = (require("elkjs/package.json") as { version: string }).version;
  const st = statSync(path);
  const key = `${version}-${st.size}-${Math.trunc(st.mtimeMs)}-${v8.cachedDataVersionTag().toString(16)}`;
  return join(dir, `elk-${key}.v8cache`);
}

/** The bundle compiled through vm.Script with a code cache: what require() does, plus the cache. */
function loadCached(dir: string): ElkConstructor {
  const path = require.resolve(BUNDLE);
  const source = readFileSync(path, "utf8");
  const file = cacheFile(path, dir);
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(file);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: path,
    cachedData,
  });
  cacheState = !cachedData ? "miss" : script.cachedDataRejected ? "rejected" : "hit";
  if (cacheState !== "hit") pendingCache = { file, script };
  const module = { exports: {} as unknown };
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  wrapper(module.exports, createRequire(path), module, path, dirname(path));
  return module.exports as ElkConstructor;
}

/** Writes the pending cache; a cache that cannot be written only costs the next run its speed-up. */
function saveCache(): void {
  if (!pendingCache) return;
  const { file, script } = pendingCache;
  pendingCache = null;
  try {
    mkdirSync(dirname(file), { recursive: true });
    // written whole then renamed: a concurrent export never reads half a file
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, script.createCachedData());
    renameSync(tmp, file);
  } catch {
    // read-only home, full disk: run without the cache
  }
}

/**
 * The bundled ELK class, loaded on first use. require(), not an ES import: the bundle is CommonJS,
 * and importing it as ESM makes Node scan its 1.6 MB for named exports (cjs-module-lexer) and
 * sniff its format first, ~3× the CPU of a plain require (~240 ms vs ~80 ms here).
 */
function elkClass(): ElkConstructor {
  if (!ctor) {
    if (cacheDir === null) cacheState = "off";
    const mod = (cacheDir !== null ? loadCached(cacheDir) : require(BUNDLE)) as
      ElkConstructor | { default: ElkConstructor };
    ctor = typeof mod === "function" ? mod : mod.default;
  }
  return ctor;
}

/** A fresh bundled ELK. */
export function createElk(): ElkLike {
  const elk = new (elkClass())();
  if (!pendingCache) return elk;
  return {
    async layout(graph) {
      const out = await elk.layout(graph);
      saveCache();
      return out;
    },
  };
}

/** One bundled ELK for the process: its JIT-warmed state makes later layouts faster. */
export function nodeElk(): ElkLike {
  shared ??= createElk();
  return shared;
}
