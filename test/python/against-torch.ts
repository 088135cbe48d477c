/**
 * Running a program under Debian's real PyTorch and under the gradlens runtime, and comparing what
 * they print case by case with ../shared/golden/compare_outputs.py (the judge of the golden sets).
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import type { PythonRuntime } from "../../src/python/runtime.ts";

export const PYTHON = "/usr/bin/python3";
export const COMPARE = fileURLToPath(new URL("../../../shared/golden/compare_outputs.py", import.meta.url));

/** compare_outputs.py's verdict on `actual` (written to `actualFile`): report ends with "M/N cases match". */
export function compareOutputs(
  expectedFile: string,
  actual: string,
  actualFile: string,
  show = 3,
): { ok: boolean; report: string } {
  writeFileSync(actualFile, actual);
  const r = spawnSync(PYTHON, [COMPARE, expectedFile, actualFile, "--show", String(show)], {
    encoding: "utf8",
  });
  return { ok: r.status === 0, report: r.stdout + r.stderr };
}

/**
 * Writes `src` to `file`, runs it under PyTorch (`file.expected`) and gradlens (`file.actual`, no
 * trace) and expects every case to match; a failure names the file that reproduces it. Returns the
 * report (`N/N cases match`).
 */
export function expectSameAsTorch(rt: PythonRuntime, src: string, file: string): string {
  writeFileSync(file, src);
  const ref = spawnSync(PYTHON, [file], { encoding: "utf8" });
  expect(ref.status, ref.stderr).toBe(0);
  writeFileSync(`${file}.expected`, ref.stdout);
  const ours = rt.run(src, { filename: file, trace: false });
  expect(ours.error, ours.stderr).toBeNull();
  const { report } = compareOutputs(`${file}.expected`, ours.stdout, `${file}.actual`);
  expect(report, `${file}\n${report}`).toMatch(/^(\d+)\/\1 cases match$/m);
  return report;
}
