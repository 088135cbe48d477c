/** `gradlens` itself: the cache folder it picks, and that a cached, one-shot export draws the same bytes. */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { cacheDir } from "../../src/cli/main.ts";
import { mul, tensor } from "../../src/engine/index.ts";
import { renderSvg } from "../../src/lib/render.ts";
import { serializeTrace } from "../../src/trace/io.ts";
import { record } from "../../src/trace/recorder.ts";

const run = promisify(execFile);
const BIN = new URL("../../bin/gradlens.mjs", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "gradlens-main-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("cacheDir", () => {
  it("is ~/.cache/gradlens, under XDG_CACHE_HOME when set, GRADLENS_CACHE_DIR first, none when off", () => {
    expect(cacheDir({})).toBe(join(homedir(), ".cache", "gradlens"));
    expect(cacheDir({ XDG_CACHE_HOME: "/c" })).toBe(join("/c", "gradlens"));
    expect(cacheDir({ XDG_CACHE_HOME: "/c", GRADLENS_CACHE_DIR: "/g" })).toBe("/g");
    for (const off of ["off", "0", ""]) expect(cacheDir({ GRADLENS_CACHE_DIR: off })).toBeNull();
  });
});

describe("gradlens export of one trace", () => {
  it("draws the library's bytes with no cache, when writing the cache and when reading it", async () => {
    const res = record((r) => {
      const x = tensor([1.5, -2, 3], { requiresGrad: true });
      r.labelTensor(x, "x");
      mul(x, x).sum().backward();
    });
    expect(res.error).toBeNull();
    const file = join(dir, "t.json");
    writeFileSync(file, serializeTrace(res.trace));
    const want = await renderSvg(res.trace, { title: "t.json", legend: false });
    const cache = join(dir, "cache");
    const outs: string[] = [];
    for (const env of [
      { GRADLENS_CACHE_DIR: "off" },
      { GRADLENS_CACHE_DIR: cache },
      { GRADLENS_CACHE_DIR: cache },
    ]) {
      const out = join(dir, `out-${outs.length}.svg`);
      await run(process.execPath, [BIN, "export", file, "--svg", out], { env: { ...process.env, ...env } });
      outs.push(readFileSync(out, "utf8"));
    }
    expect(outs).toEqual([want, want, want]);
    expect(readdirSync(cache).filter((f) => f.endsWith(".v8cache"))).toHaveLength(1);
  }, 60_000);
});
