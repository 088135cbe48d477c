/** `gradlens export --iteration K`: one iteration of a training loop as its own figure. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { exportCommand, type ExportIO, parseExportArgs } from "../../src/cli/export.ts";
import { renderSvg } from "../../src/render/export.ts";
import { serializeTrace } from "../../src/trace/io.ts";
import { trainingTrace } from "../layout/traces.ts";

const dir = mkdtempSync(join(tmpdir(), "gradlens-iteration-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function io(): ExportIO & { err: () => string } {
  let err = "";
  return {
    stdout: { write: () => true },
    stderr: { write: (s: string) => ((err += s), true) },
    isTTY: false,
    err: () => err,
  };
}

describe("--iteration", () => {
  it("takes an integer, negative from the end", () => {
    const a = parseExportArgs(["t.json", "--svg", "o.svg", "--iteration", "-1"]);
    expect(typeof a !== "string" && a.iteration).toBe(-1);
    expect(parseExportArgs(["t.json", "--svg", "o.svg", "--iteration=2"])).toMatchObject({ iteration: 2 });
    expect(parseExportArgs(["t.json", "--svg", "o.svg"])).toMatchObject({ iteration: null });
    expect(parseExportArgs(["t.json", "--svg", "o.svg", "--iteration", "one"])).toBe(
      "--iteration needs an iteration number (an integer), got 'one'",
    );
  });

  it("draws that iteration as renderSvg does, and names the count when it does not exist", async () => {
    const trace = trainingTrace(3);
    const file = join(dir, "train.json");
    writeFileSync(file, serializeTrace(trace));
    const out = join(dir, "it1.svg");
    const ok = io();
    expect(await exportCommand([file, "--svg", out, "--iteration", "1", "--backward"], ok)).toBe(0);
    expect(ok.err()).toBe("");
    const want = await renderSvg(trace, {
      iteration: 1,
      step: "backward",
      legend: false,
      title: trace.meta.title ?? "train.json",
    });
    expect(readFileSync(out, "utf8")).toBe(want);
    const bad = io();
    expect(await exportCommand([file, "--svg", join(dir, "no.svg"), "--iteration", "9"], bad)).toBe(1);
    expect(bad.err()).toContain("--iteration 9: the run has 4 iterations (0 to 3)");
  }, 60_000);
});
