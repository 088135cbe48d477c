/**
 * Every gallery example exported by `gradlens export` in both views, checked as a typesetter and a
 * security reviewer would (a real XML parser), for completeness (every node of the trace's graph
 * by its data-id), for determinism (two exports, same bytes), and against a normalized snapshot.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportCommand, type ExportIO } from "../../src/cli/export.ts";
import { EXAMPLES } from "../../src/examples/index.ts";
import { examplePath, readExample } from "../../src/examples/node.ts";
import { nodeRuntime } from "../../src/python/node.ts";
import { graphAt, type View } from "../../src/trace/graph.ts";
import type { Trace } from "../../src/trace/schema.ts";
import { allElements, normalizeSvg, parseSvg, standaloneProblems } from "./svg-check.ts";

const VIEWS: View[] = ["values", "autograd"];

function bufferIO(): ExportIO & { err: () => string } {
  let err = "";
  return {
    stdout: { write: () => true },
    stderr: { write: (s: string) => ((err += s), true) },
    isTTY: false,
    err: () => err,
  };
}

let dir: string;
const traces = new Map<string, Trace>();
/** Example × view pairs with nothing to draw (no op on a tensor that requires grad: no autograd graph). */
const empty = new Set<string>();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "gradlens-examples-"));
  const runtime = await nodeRuntime();
  for (const ex of EXAMPLES) {
    const r = runtime.run(readExample(ex.id), { filename: examplePath(ex.id) });
    traces.set(ex.id, r.trace!);
    for (const view of VIEWS) {
      if (graphAt(r.trace!, r.trace!.events.length - 1, view).nodes.length === 0)
        empty.add(`${ex.id}.${view}`);
    }
  }
  // bce-manual does its calculus by hand, no-grad turns tracking off: only values to show
  expect([...empty].sort()).toEqual(["bce-manual.autograd", "no-grad.autograd"]);
  // the batch form, twice per view: every example, one figure each
  for (const view of VIEWS) {
    for (const round of ["a", "b"]) {
      const io = bufferIO();
      const files = EXAMPLES.map((e) => examplePath(e.id));
      const code = await exportCommand(
        [...files, "--out-dir", join(dir, `${view}-${round}`), "--view", view],
        io,
      );
      // an empty view is reported and not written, and the batch says so in its exit code
      const skipped = [...empty].filter((k) => k.endsWith(`.${view}`));
      for (const k of skipped)
        expect(io.err()).toContain(`${k.split(".")[0]}.py: nothing to draw in the autograd view`);
      expect(io.err()).not.toMatch(/Error|export failed/);
      expect(code).toBe(skipped.length ? 1 : 0);
    }
  }
}, 600_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function exported(id: string, view: View, round = "a"): string {
  return readFileSync(join(dir, `${view}-${round}`, `${id}.svg`), "utf8");
}

describe.each(EXAMPLES.map((e) => e.id))("gallery example %s", (id) => {
  const hasFigure = (view: View) => !empty.has(`${id}.${view}`);

  it.each(VIEWS)("%s view: well-formed standalone SVG, no script, handler or external reference", (view) => {
    if (!hasFigure(view)) return;
    const svg = exported(id, view);
    const doc = parseSvg(svg);
    const root = doc.documentElement!;
    expect(root.localName).toBe("svg");
    expect(root.getAttribute("viewBox")).toMatch(/^0 0 [\d.]+ [\d.]+$/);
    expect(doc.getElementsByTagName("title")[0].textContent).toBe(`${id}.py`);
    expect(standaloneProblems(doc)).toEqual([]);
    expect(svg).not.toMatch(/<script|\son\w+\s*=|javascript:|https?:\/\/(?!www\.w3\.org\/2000\/svg")/i);
  });

  it.each(VIEWS)("%s view: every node of the trace's graph is drawn with its data-id", (view) => {
    if (!hasFigure(view)) return;
    const doc = parseSvg(exported(id, view));
    const drawn = new Set(
      allElements(doc)
        .map((el) => el.getAttribute("data-id"))
        .filter((v): v is string => v !== null),
    );
    const trace = traces.get(id)!;
    const graph = graphAt(trace, trace.events.length - 1, view);
    const missing = graph.nodes.map((n) => n.id).filter((n) => !drawn.has(n));
    expect(missing).toEqual([]);
  });

  it.each(VIEWS)("%s view: exporting twice gives the same bytes", (view) => {
    if (!hasFigure(view)) return;
    expect(exported(id, view, "b")).toBe(exported(id, view, "a"));
  });

  it.each(VIEWS)("%s view: matches its snapshot", async (view) => {
    if (!hasFigure(view)) return;
    await expect(normalizeSvg(exported(id, view))).toMatchFileSnapshot(
      `__snapshots__/examples-export/${id}.${view}.svg`,
    );
  });
});
