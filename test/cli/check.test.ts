/**
 * `gradlens run FILE.py --check` and `gradlens check TRACE.json`: the findings name the op, `line N`
 * and `iteration K` that real PyTorch showed for the planted-fault programs
 * (test/fixtures/faults/expected.json), exploding / vanishing flags start where PyTorch's grad norms
 * cross the thresholds (test/fixtures/cli_check.json), and the exit codes tell a script what
 * happened. The commands run in process (one Pyodide for all); the real bin is spawned once.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { main } from "../../src/cli/main.ts";
import { checkCommand, EXIT_NONFINITE, parseCheckArgs, parseRunArgs, runCommand } from "../../src/cli/run.ts";

const FAULTS = fileURLToPath(new URL("../fixtures/faults/", import.meta.url));
const MLP_NAN = fileURLToPath(new URL("../../src/examples/mlp-nan.py", import.meta.url));
const BIN = fileURLToPath(new URL("../../bin/gradlens.mjs", import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), "gradlens-check-"));

interface Expected {
  forward: { op: string; kind: "op" | "create"; line: number; iteration: number } | null;
  backward: { node: string; line: number; iteration: number } | null;
}
const EXPECTED = (
  JSON.parse(readFileSync(`${FAULTS}expected.json`, "utf8")) as { programs: Record<string, Expected> }
).programs;
/** Per program, per leaf, per iteration: PyTorch's grad norm (non-finite as strings). */
const NORMS = (
  JSON.parse(readFileSync(fileURLToPath(new URL("../fixtures/cli_check.json", import.meta.url)), "utf8")) as {
    grad_norms: Record<string, Record<string, (number | string)[]>>;
  }
).grad_norms;

/** PyTorch 1.13's grad_fn names where 2.x (and gradlens) differ; ATen's `_softmax` is `softmax`. */
const NODE_ALIASES: Record<string, string> = { ReshapeAliasBackward0: "ViewBackward0" };
const atenToGradlens = (op: string) => op.replace(/^_+/, "");

/** Runs a command in process, its output in buffers. */
async function cli(
  command: (args: string[], io: never) => Promise<number>,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const io = {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
  };
  const code = await command(args, io as never);
  return { code, stdout, stderr };
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The `forward origin:` / `backward origin:` lines PyTorch's origin must give. */
function originLines(exp: Expected): RegExp[] {
  const out: RegExp[] = [];
  if (exp.forward) {
    // a tensor created from data holding a nan is named by the creating call, whatever ATen calls it
    const op = exp.forward.kind === "create" ? "\\S+" : escape(atenToGradlens(exp.forward.op));
    out.push(
      new RegExp(
        `^forward origin: ${op} at line ${exp.forward.line}, iteration ${exp.forward.iteration}$`,
        "m",
      ),
    );
  }
  if (exp.backward) {
    const node = NODE_ALIASES[exp.backward.node] ?? exp.backward.node;
    out.push(
      new RegExp(
        `^backward origin: ${node} at line ${exp.backward.line}, iteration ${exp.backward.iteration}$`,
        "m",
      ),
    );
  }
  return out;
}

describe("gradlens run --check on the planted-fault programs (origins from real PyTorch)", () => {
  // the loops (lr_diverge, sgd_mlp_diverge: origin in iteration 21 / 45 / 4) and single passes
  const names = [
    "lr_diverge",
    "sgd_mlp_diverge",
    "mlp_nan",
    "div_zero",
    "log_negative",
    "exp_overflow",
    "sqrt_zero_backward",
    "nan_in_data",
    "softmax_by_hand",
    "std_of_constant",
    "matmul_overflow",
  ];
  test.each(names)(
    "%s: op, line N, iteration K; exit 3",
    async (name) => {
      const exp = EXPECTED[name];
      const r = await cli(runCommand, `${FAULTS}${name}.py`, "--check");
      expect(r.code).toBe(EXIT_NONFINITE);
      // the findings come after whatever the program printed on stderr, under one header
      const findings = r.stderr.slice(r.stderr.indexOf("gradlens check: "));
      expect(findings).toMatch(/^gradlens check: .*\.py\n/);
      for (const line of originLines(exp)) expect(findings).toMatch(line);
      if (!exp.forward) expect(findings).not.toMatch(/^forward origin/m);
      if (!exp.backward) expect(findings).not.toMatch(/^backward origin/m);
      expect(findings).toMatch(/^spread: \d+ forward op\(s\), \d+ backward step\(s\)/m);
      // nothing of the findings on stdout: it stays what the program prints
      expect(r.stdout).not.toContain("origin");
    },
    120_000,
  );

  test("a healthy training loop: no findings, exit 0, its own output on stdout", async () => {
    const r = await cli(runCommand, `${FAULTS}clean_training.py`, "--check");
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split(" ")).toHaveLength(2);
    expect(r.stderr).toBe(`gradlens check: ${FAULTS}clean_training.py\nno nan or inf anywhere in this run\n`);
  }, 120_000);
});

describe("the seed MLP (src/examples/mlp-nan.py)", () => {
  test("names log at line 11 and SigmoidBackward0, the spread reaches every parameter, exit 3", async () => {
    const r = await cli(runCommand, MLP_NAN, "--check");
    expect(r.code).toBe(EXIT_NONFINITE);
    // what PyTorch prints for this program comes first, unchanged
    expect(r.stdout).toBe(
      [
        "tensor([1.], grad_fn=<SigmoidBackward0>)",
        "tensor([-inf], grad_fn=<AddBackward0>)",
        "tensor([[nan, nan],",
        "        [nan, nan]])",
        "tensor([[nan],",
        "        [nan]])",
        "tensor([nan, nan])",
        "tensor([nan])",
        "",
      ].join("\n"),
    );
    const lines = r.stderr.split("\n");
    expect(lines[1]).toBe("forward origin: log at line 11, iteration 0");
    expect(lines[2]).toMatch(/^ {2}`log\(1 - y_pred\)` = -inf at line 11: .*log\(0\) = -inf/);
    expect(lines[3]).toBe("backward origin: SigmoidBackward0 at line 21, iteration 0");
    expect(lines[4]).toMatch(/^ {2}SigmoidBackward0 .*= nan/);
    expect(r.stderr).toMatch(/^spread: .*; non-finite grads reach W1, b1, W2, b2$/m);
  }, 120_000);
});

describe("thresholds: flags start where PyTorch's grad norms cross them", () => {
  /** The first iteration where PyTorch's finite norm satisfies `cross`, and that norm. */
  function firstCrossing(norms: (number | string)[], cross: (n: number) => boolean) {
    const k = norms.findIndex((n) => typeof n === "number" && cross(n));
    return k < 0 ? null : { iteration: k, norm: norms[k] as number };
  }

  function flagOf(text: string, kind: string, leaf: string) {
    const m = new RegExp(
      `^${kind} grad: ${leaf} \\(norm (\\S+) [<>] \\S+\\) from iteration (\\d+)$`,
      "m",
    ).exec(text);
    return m ? { norm: Number(m[1]), iteration: Number(m[2]) } : null;
  }

  test.each([["100"], ["1e5"]])(
    "lr_diverge, --explode-above %s",
    async (x) => {
      const r = await cli(runCommand, `${FAULTS}lr_diverge.py`, "--check", "--explode-above", x);
      expect(r.code).toBe(EXIT_NONFINITE);
      for (const leaf of ["w", "b"]) {
        const exp = firstCrossing(NORMS.lr_diverge[leaf], (n) => n > Number(x))!;
        const got = flagOf(r.stderr, "exploding", leaf);
        expect(got?.iteration).toBe(exp.iteration);
        expect(got!.norm).toBeCloseTo(exp.norm, -Math.floor(Math.log10(exp.norm)) + 3);
      }
      // the origin does not move with the thresholds
      for (const line of originLines(EXPECTED.lr_diverge)) expect(r.stderr).toMatch(line);
    },
    120_000,
  );

  test("clean_training, --vanish-below 0.5 --explode-above=20: vanishing flags, still exit 0", async () => {
    const r = await cli(
      runCommand,
      `${FAULTS}clean_training.py`,
      "--check",
      "--vanish-below",
      "0.5",
      "--explode-above=20",
    );
    expect(r.code).toBe(0);
    for (const leaf of ["w", "b"]) {
      const exp = firstCrossing(NORMS.clean_training[leaf], (n) => n > 0 && n < 0.5)!;
      const got = flagOf(r.stderr, "vanishing", leaf);
      expect(got?.iteration).toBe(exp.iteration);
      expect(got!.norm).toBeCloseTo(exp.norm, 4);
    }
    expect(r.stderr).not.toMatch(/exploding/);
  }, 120_000);
});

describe("exit codes", () => {
  test("an exception after the nan: the traceback, the findings, exit 1", async () => {
    const file = join(tmp, "raises.py");
    writeFileSync(
      file,
      [
        "import torch",
        "x = torch.tensor([1.0, 0.0], requires_grad=True)",
        "loss = torch.log(x).sum()",
        "assert torch.isfinite(loss), 'loss is not finite'",
        "",
      ].join("\n"),
    );
    const r = await cli(runCommand, file, "--check");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("AssertionError: loss is not finite\n");
    expect(r.stderr).toMatch(/^forward origin: log at line 3, iteration 0$/m);
  }, 120_000);

  test("without --check a nan does not change the exit code", async () => {
    const r = await cli(runCommand, `${FAULTS}div_zero.py`);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
  }, 120_000);

  test("usage errors exit 2", async () => {
    expect((await cli(runCommand, "t.json", "--check")).stderr).toMatch(/is a trace.*gradlens check t\.json/);
    expect((await cli(runCommand, "a.py", "--explode-above", "5")).code).toBe(2);
    expect((await cli(checkCommand)).code).toBe(2);
    expect((await cli(checkCommand, join(tmp, "none.json"))).code).toBe(2);
  });
});

describe("gradlens check TRACE.json", () => {
  test("a trace written by run --trace gives the same findings on stdout, exit 3", async () => {
    const traceFile = join(tmp, "lr.json");
    const run = await cli(runCommand, `${FAULTS}lr_diverge.py`, "--check", "--trace", traceFile);
    const r = await cli(checkCommand, traceFile);
    expect(r.code).toBe(EXIT_NONFINITE);
    expect(r.stderr).toBe("");
    const findings = (s: string) => s.slice(s.indexOf("\n") + 1);
    expect(findings(r.stdout)).toBe(findings(run.stderr.slice(run.stderr.indexOf("gradlens check: "))));
    for (const line of originLines(EXPECTED.lr_diverge)) expect(r.stdout).toMatch(line);
  }, 120_000);

  test("a malformed trace is refused, naming what is wrong, exit 2", async () => {
    const file = join(tmp, "bad.json");
    writeFileSync(file, JSON.stringify({ format: "gradlens-trace" }));
    const r = await cli(checkCommand, file);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^gradlens check: .*bad\.json: .*version/);
  });

  test("gradlens --help documents check and the exit codes", async () => {
    let out = "";
    const write = process.stdout.write;
    process.stdout.write = ((s: string) => ((out += s), true)) as never;
    try {
      expect(await main(["--help"])).toBe(0);
    } finally {
      process.stdout.write = write;
    }
    expect(out).toContain("gradlens check TRACE.json");
    expect(out).toMatch(/3 --check \/ check found a nan or inf/);
  });
});

describe("argument parsing", () => {
  test("--check and the thresholds, both spellings", () => {
    expect(parseRunArgs(["a.py", "--check"])).toEqual({
      file: "a.py",
      trace: null,
      timeoutMs: undefined,
      check: {},
    });
    expect(parseRunArgs(["a.py", "--check", "--explode-above", "1e4", "--vanish-below=1e-9"])).toMatchObject({
      check: { explodeAbove: 1e4, vanishBelow: 1e-9 },
    });
    expect(parseCheckArgs(["t.json", "--explode-above=50"])).toEqual({
      file: "t.json",
      thresholds: { explodeAbove: 50 },
    });
  });

  test("bad thresholds and misplaced inputs are reported", () => {
    expect(parseRunArgs(["a.py", "--check", "--explode-above", "-1"])).toMatch(/positive number/);
    expect(parseRunArgs(["a.py", "--check", "--explode-above"])).toBe("--explode-above needs a value");
    expect(parseRunArgs(["a.py", "--check", "--vanish-below", "x"])).toMatch(/finite number >= 0/);
    expect(parseRunArgs(["a.py", "--check", "--vanish-below", "5", "--explode-above", "2"])).toMatch(
      /must be below/,
    );
    expect(parseRunArgs(["a.py", "--vanish-below", "1"])).toBe("--vanish-below only applies with --check");
    expect(parseCheckArgs(["a.py"])).toMatch(/gradlens run a\.py --check/);
    expect(parseCheckArgs([])).toBe("missing TRACE.json");
  });
});

describe("the installed command", () => {
  test("bin/gradlens.mjs run mlp-nan.py --check: program output on stdout, findings on stderr, exit 3", () => {
    const r = spawnSync(process.execPath, [BIN, "run", MLP_NAN, "--check"], {
      cwd: tmp,
      encoding: "utf8",
      timeout: 170_000,
    });
    expect(r.status).toBe(3);
    expect(r.stdout).toMatch(/^tensor\(\[1\.\], grad_fn=<SigmoidBackward0>\)\n/);
    expect(r.stdout).not.toContain("origin");
    expect(r.stderr).toMatch(/^forward origin: log at line 11, iteration 0$/m);
    expect(r.stderr).toMatch(/^backward origin: SigmoidBackward0 at line 21, iteration 0$/m);
  }, 180_000);
});
