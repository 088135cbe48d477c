/**
 * Bundled ELK's code cache: written after the first layout, used by the next process, refused (and
 * rewritten) when it does not fit, and never changing a position.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { createElk, elkCodeCacheState, useElkCodeCache } from "../../src/layout/elk-node.ts";
import type { ElkNode } from "elkjs/lib/elk-api.js";

const run = promisify(execFile);
const ELK_NODE = new URL("../../src/layout/elk-node.ts", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "gradlens-elk-cache-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A small graph with a fork and a join, so layering and crossing minimization both run. */
function graph(): ElkNode {
  const ids = ["a", "b", "c", "d", "e"];
  const edges = [
    ["a", "b"],
    ["a", "c"],
    ["b", "d"],
    ["c", "d"],
    ["e", "d"],
  ];
  return {
    id: "root",
    layoutOptions: { "elk.algorithm": "layered", "elk.direction": "DOWN" },
    children: ids.map((id, k) => ({ id, width: 30 + 7 * k, height: 20 })),
    edges: edges.map(([s, t], k) => ({ id: `e${k}`, sources: [s], targets: [t] })),
  };
}

const positions = (r: ElkNode) => JSON.stringify(r.children!.map((c) => [c.id, c.x, c.y]));

/** A fresh Node process that loads ELK with the cache in `dir` and lays the graph out. */
async function child(): Promise<{ state: string; positions: string }> {
  const script = `
    const { createElk, elkCodeCacheState, useElkCodeCache } = await import(${JSON.stringify(ELK_NODE)});
    useElkCodeCache(${JSON.stringify(dir)});
    const r = await createElk().layout(${JSON.stringify(graph())});
    console.log(JSON.stringify({ state: elkCodeCacheState(), positions: JSON.stringify(r.children.map((c) => [c.id, c.x, c.y])) }));`;
  const { stdout } = await run(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script]);
  return JSON.parse(stdout) as { state: string; positions: string };
}

const cacheFiles = () => readdirSync(dir).filter((f) => f.endsWith(".v8cache"));

describe("ELK code cache", () => {
  it("is written after the first layout, named after ELK's version and V8's tag", async () => {
    useElkCodeCache(dir);
    const elk = createElk();
    expect(elkCodeCacheState()).toBe("miss");
    expect(cacheFiles()).toEqual([]);
    const first = positions(await elk.layout(graph()));
    const files = cacheFiles();
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^elk-0\.\d+\.\d+-\d+-\d+-[0-9a-f]+\.v8cache$/);
    // a second layout does not write again, and places the same
    expect(positions(await elk.layout(graph()))).toBe(first);
    // no temporary file is left behind
    expect(readdirSync(dir)).toEqual(files);
  });

  it("is used by the next process, with the same positions", async () => {
    const mine = positions(await createElk().layout(graph()));
    // the first child may find a cache tagged with other V8 flags than its own (the test runner's)
    const first = await child();
    const r = await child();
    expect(r.state).toBe("hit");
    expect([first.positions, r.positions]).toEqual([mine, mine]);
  }, 60_000);

  it("is refused when damaged, and written anew", async () => {
    for (const file of cacheFiles()) writeFileSync(join(dir, file), Buffer.alloc(4096, 7));
    const mine = positions(await createElk().layout(graph()));
    const r = await child();
    expect(r.state).toBe("rejected");
    expect(r.positions).toBe(mine);
    expect((await child()).state).toBe("hit");
  }, 60_000);
});
