/**
 * Python programs through the Pyodide runtime, compared case by case with what real PyTorch printed
 * (../shared/golden/compare_outputs.py, spawned with /usr/bin/python3): the seed notebooks, the 150
 * public random programs, and the shim's own programs (test/python/programs/*.py, expected output
 * from test/fixtures/gen_python_programs.py).
 */
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, test } from "vitest";
import { nodeRuntime } from "../../src/python/node.ts";
import type { PythonRuntime } from "../../src/python/runtime.ts";
import { parseTrace, serializeTrace } from "../../src/trace/io.ts";
import { compareOutputs } from "./against-torch.ts";

const path = (rel: string) => fileURLToPath(new URL(rel, import.meta.url));
const GOLDEN = path("../../../shared/golden/");
const PROGRAMS = path("./programs/");
const EXPECTED = path("../fixtures/python_programs/");
const tmp = mkdtempSync(join(tmpdir(), "gradlens-golden-"));

let rt: PythonRuntime;
beforeAll(async () => {
  rt = await nodeRuntime();
}, 180_000);

/** compare_outputs.py's verdict on `actual` against the expected file. */
function compare(expectedFile: string, actual: string, name: string): { ok: boolean; report: string } {
  return compareOutputs(expectedFile, actual, join(tmp, `${name}.out`), 5);
}

function runFile(file: string, trace = false) {
  return rt.run(readFileSync(file, "utf8"), { filename: file, trace });
}

describe("golden sets (../shared/golden, real PyTorch)", () => {
  for (const name of ["seed-notebooks", "programs-public"]) {
    test(`${name}.py matches ${name}.out case for case`, () => {
      const r = runFile(join(GOLDEN, `${name}.py`));
      expect(r.error).toBeNull();
      const { ok, report } = compare(join(GOLDEN, `${name}.out`), r.stdout, name);
      expect(report).toMatch(/^(\d+)\/\1 cases match$/m);
      expect(ok, report).toBe(true);
    });
  }

  test("recording a trace changes nothing the program prints, and the trace round-trips", () => {
    const file = join(GOLDEN, "seed-notebooks.py");
    const plain = runFile(file);
    const traced = runFile(file, true);
    expect(traced.stdout).toBe(plain.stdout);
    expect(traced.stderr).toBe(plain.stderr);
    const trace = traced.trace!;
    expect(trace.events.length).toBeGreaterThan(100);
    expect(parseTrace(serializeTrace(trace))).toEqual(trace);
    expect(trace.meta.program).toEqual({ language: "python", source: readFileSync(file, "utf8") });
  });
});

describe("the shim's programs (test/python/programs, real PyTorch)", () => {
  const names = readdirSync(PROGRAMS)
    .filter((f) => f.endsWith(".py"))
    .map((f) => f.slice(0, -3));
  for (const name of names) {
    test(`${name}.py prints what PyTorch prints`, () => {
      const r = runFile(join(PROGRAMS, `${name}.py`));
      expect(r.error).toBeNull();
      const { ok, report } = compare(join(EXPECTED, `${name}.out`), r.stdout, name);
      expect(ok, report).toBe(true);
      expect(r.stderr).toBe(readFileSync(join(EXPECTED, `${name}.err`), "utf8"));
    });
  }
});
