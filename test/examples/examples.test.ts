/**
 * Every gallery example prints what real PyTorch prints: the examples run under Debian's PyTorch
 * (/usr/bin/python3, one process, a fresh namespace each) and under gradlens' Python mode, compared
 * case by case by ../shared/golden/compare_outputs.py.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, expect, test } from "vitest";
import { EXAMPLES } from "../../src/examples/index.ts";
import { examplePath, readExample } from "../../src/examples/node.ts";
import { nodeRuntime } from "../../src/python/node.ts";
import type { PythonRuntime } from "../../src/python/runtime.ts";

const COMPARE = fileURLToPath(new URL("../../../shared/golden/compare_outputs.py", import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), "gradlens-examples-"));

const RUN_ALL_UNDER_TORCH = `
import runpy, sys, warnings
warnings.simplefilter("ignore")
for name, path in zip(sys.argv[1::2], sys.argv[2::2]):
    print("### " + name, flush=True)
    try:
        runpy.run_path(path, run_name="__main__")
    except Exception as e:
        print("!! " + type(e).__name__ + ": " + str(e).split(chr(10))[0])
`;

let rt: PythonRuntime;
let expected: string;
beforeAll(async () => {
  const args = EXAMPLES.flatMap((e) => [e.id, examplePath(e.id)]);
  const torch = spawnSync("/usr/bin/python3", ["-c", RUN_ALL_UNDER_TORCH, ...args], { encoding: "utf8" });
  if (torch.status !== 0) throw new Error(`PyTorch could not run the examples:\n${torch.stderr}`);
  expected = join(tmp, "expected.out");
  writeFileSync(expected, torch.stdout);
  rt = await nodeRuntime();
}, 180_000);

test("every gallery example prints what PyTorch prints", () => {
  let actual = "";
  for (const e of EXAMPLES) {
    const r = rt.run(readExample(e.id), { filename: `${e.id}.py`, trace: false });
    actual += `### ${e.id}\n${r.stdout}`;
    if (r.error) actual += `!! ${r.error.type}: ${r.error.message.split("\n")[0]}\n`;
  }
  const actualFile = join(tmp, "actual.out");
  writeFileSync(actualFile, actual);
  const cmp = spawnSync("/usr/bin/python3", [COMPARE, expected, actualFile, "--show", "20"], {
    encoding: "utf8",
  });
  expect(cmp.stdout).toContain(`${EXAMPLES.length}/${EXAMPLES.length} cases match`);
});

test("every gallery example records a trace with ops in it", () => {
  for (const e of EXAMPLES) {
    const r = rt.run(readExample(e.id), { filename: `${e.id}.py` });
    expect(r.error, e.id).toBeNull();
    expect(r.trace!.events.filter((ev) => ev.kind === "op").length, e.id).toBeGreaterThan(0);
  }
});
