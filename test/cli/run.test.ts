/**
 * `gradlens run FILE.py [--trace OUT.json]` as a user runs it: the package's bin in a child process
 * (stdout and stderr as Python prints them, exit codes as python's), plus its argument parsing.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { parseRunArgs } from "../../src/cli/run.ts";
import { parseTrace } from "../../src/trace/io.ts";

const BIN = fileURLToPath(new URL("../../bin/gradlens.mjs", import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), "gradlens-cli-"));

function gradlens(...args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], { cwd: tmp, encoding: "utf8", timeout: 170_000 });
}

describe("gradlens run", () => {
  test("prints what the program prints, exits 0 and writes a trace that parses", () => {
    writeFileSync(
      join(tmp, "ok.py"),
      [
        "import torch",
        "x = torch.tensor(3.0, requires_grad=True)",
        "y = x ** 2",
        "y.backward()",
        "print(y, x.grad)",
        "print(y.grad)",
        "",
      ].join("\n"),
    );
    const r = gradlens("run", "ok.py", "--trace", "ok.json");
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("tensor(9., grad_fn=<PowBackward0>) tensor(6.)\nNone\n");
    // Python names the script by its absolute path in warnings
    expect(r.stderr).toMatch(new RegExp(`^${join(tmp, "ok.py")}:6: UserWarning: The \\.grad attribute`));
    const trace = parseTrace(readFileSync(join(tmp, "ok.json"), "utf8"));
    const pow = trace.events.find((e) => e.kind === "op" && e.op === "pow");
    expect(pow?.source?.line).toBe(3);
    expect(Object.values(trace.tensors).map((t) => t.label)).toContain("y");
  }, 180_000);

  test("an uncaught exception: the traceback on stderr, exit 1; a missing file: exit 2", () => {
    writeFileSync(join(tmp, "bad.py"), "import torch\nprint('before')\ntorch.ones(2).backward()\n");
    const r = gradlens("run", "bad.py");
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("before\n");
    expect(r.stderr).toContain(`File "${join(tmp, "bad.py")}", line 3, in <module>`);
    expect(r.stderr.trimEnd().split("\n").at(-1)).toBe(
      "RuntimeError: element 0 of tensors does not require grad and does not have a grad_fn",
    );
    const missing = gradlens("run", "nope.py");
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain("can't open file 'nope.py'");
  }, 180_000);
});

describe("parseRunArgs", () => {
  test("a file, --trace (two spellings) and --timeout", () => {
    expect(parseRunArgs(["a.py"])).toEqual({ file: "a.py", trace: null, timeoutMs: undefined });
    expect(parseRunArgs(["a.py", "--trace", "t.json", "--timeout", "2.5"])).toEqual({
      file: "a.py",
      trace: "t.json",
      timeoutMs: 2500,
    });
    expect(parseRunArgs(["--trace=t.json", "a.py"])).toMatchObject({ file: "a.py", trace: "t.json" });
  });

  test("mistakes are reported, not guessed at", () => {
    expect(parseRunArgs([])).toBe("missing FILE.py");
    expect(parseRunArgs(["a.py", "b.py"])).toBe("unexpected argument 'b.py'");
    expect(parseRunArgs(["a.py", "--trace"])).toBe("--trace needs a value");
    expect(parseRunArgs(["a.py", "--timeout", "x"])).toMatch(/positive number/);
    expect(parseRunArgs(["a.py", "-v"])).toBe("unknown option '-v'");
  });
});
