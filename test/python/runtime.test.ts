/**
 * The Python runtime, case by case: exceptions with PyTorch's types and Python's tracebacks, warnings
 * on stderr, grad modes, Python numbers meeting tensors, unsupported features, the trace's source
 * lines, labels and scopes, a runaway loop, and a fresh start for every run. Where PyTorch prints
 * something, the same program runs under real PyTorch (/usr/bin/python3) for the expected text.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { nodeRuntime } from "../../src/python/node.ts";
import type { PythonRuntime, RunOptions } from "../../src/python/runtime.ts";
import type { TraceEvent } from "../../src/trace/schema.ts";

let rt: PythonRuntime;
beforeAll(async () => {
  rt = await nodeRuntime();
}, 180_000);

const tmp = mkdtempSync(join(tmpdir(), "gradlens-runtime-"));

/**
 * What real PyTorch prints for `source` run as `python3 prog.py`. Python names the script by its
 * absolute path; the runs here call it `prog.py`, so the folder is taken out.
 */
function pytorch(source: string): { stdout: string; stderr: string; status: number | null } {
  writeFileSync(join(tmp, "prog.py"), source);
  const r = spawnSync("/usr/bin/python3", ["prog.py"], { cwd: tmp, encoding: "utf8" });
  const local = (s: string) => s.split(`${tmp}/`).join("");
  return { stdout: local(r.stdout), stderr: local(r.stderr), status: r.status };
}

function run(source: string, opts: RunOptions = {}) {
  return rt.run(source, { filename: "prog.py", trace: false, ...opts });
}

/** PyTorch 1.13 and 2.x name different C++ files in the warnings' "(Triggered internally ...)". */
const normalizeTriggered = (s: string) => s.replace(/ \(Triggered internally at [^)]*\)/g, "");

const lines = (s: string) => s.split("\n");

describe("exceptions", () => {
  const program = [
    "import torch",
    "",
    "def total(t):",
    "    return t.sum()",
    "",
    "x = torch.tensor([1.0, 2.0])",
    "y = total(x)",
    "y.backward()",
    "",
  ].join("\n");

  test("an uncaught engine error is PyTorch's Python exception, with Python's traceback and exit 1", () => {
    const r = run(program);
    expect(r.exitCode).toBe(1);
    expect(r.error?.type).toBe("RuntimeError");
    expect(r.error?.message).toBe(lines(pytorch(program).stderr).at(-2)!.replace("RuntimeError: ", ""));
    expect(r.stderr).toBe(r.error?.traceback);
    const tb = lines(r.error!.traceback);
    expect(tb[0]).toBe("Traceback (most recent call last):");
    expect(tb[1]).toBe('  File "prog.py", line 8, in <module>');
    expect(tb[2]).toBe("    y.backward()");
    expect(tb.at(-2)).toBe(
      "RuntimeError: element 0 of tensors does not require grad and does not have a grad_fn",
    );
    // the shim's own frames are not the user's business
    expect(r.error!.traceback).not.toContain("/gradlens/");
  });

  test("the traceback walks through the user's functions", () => {
    const src = "import torch\n\ndef f(t):\n    return t[5]\n\nf(torch.ones(3))\n";
    const r = run(src);
    expect(r.error?.type).toBe("IndexError");
    expect(r.error?.traceback).toContain('  File "prog.py", line 6, in <module>\n    f(torch.ones(3))');
    expect(r.error?.traceback).toContain('  File "prog.py", line 4, in f\n    return t[5]');
    expect(lines(r.stderr).at(-2)).toBe(lines(pytorch(src).stderr).at(-2));
  });

  test("engine errors are caught by `except` with PyTorch's exception types", () => {
    const src = [
      "import torch",
      "tests = [",
      "    lambda: torch.ones(3) + torch.ones(2),",
      "    lambda: torch.ones(3)[3],",
      "    lambda: len(torch.tensor(1.0)),",
      "    lambda: torch.tensor([[1.0], [2.0, 3.0]]),",
      "    lambda: torch.ones(2, 3) @ torch.ones(2, 3),",
      "    lambda: torch.ones(2).view(3),",
      "    lambda: torch.tensor(1.0).backward() or torch.tensor(1.0, requires_grad=True).backward(torch.ones(2)),",
      "]",
      "for t in tests:",
      "    try:",
      "        t()",
      "    except (RuntimeError, IndexError, TypeError, ValueError) as e:",
      "        print(type(e).__name__, e)",
      "",
    ].join("\n");
    const r = run(src);
    expect(r.error).toBeNull();
    expect(r.stdout).toBe(pytorch(src).stdout);
  });

  test("a SyntaxError names the file and line, as python does", () => {
    const r = run("import torch\nx = (1,\n");
    expect(r.exitCode).toBe(1);
    expect(r.error?.type).toBe("SyntaxError");
    expect(r.stderr).toContain('File "prog.py", line 2');
  });

  test("sys.exit sets the exit code; output before it is kept", () => {
    const r = run('import sys\nprint("bye")\nsys.exit(3)\n');
    expect(r).toMatchObject({ exitCode: 3, error: null, stdout: "bye\n" });
    expect(run("import sys\nsys.exit()\n").exitCode).toBe(0);
  });

  test("input() fails instead of waiting for a terminal", () => {
    const r = run("input('? ')\n");
    expect(r.exitCode).toBe(1);
    expect(r.error).not.toBeNull();
  });
});

describe("unsupported torch features fail loudly", () => {
  test("NotImplementedError: gradlens does not support torch.xyz yet", () => {
    const r = run(
      [
        "import torch",
        "for f in (lambda: torch.fft, lambda: torch.ones(2).numpy(), lambda: torch.float64,",
        "          lambda: torch.ones(2).cuda(), lambda: torch.nn.ConvTranspose2d, lambda: torch.ones(2).foo()):",
        "    try:",
        "        f()",
        "    except NotImplementedError as e:",
        "        print(type(e).__name__, e)",
        "print(hasattr(torch, 'fft'), hasattr(torch.ones(1), 'foo'))",
        "try:",
        "    import torch.distributions",
        "except NotImplementedError as e:",
        "    print(e)",
      ].join("\n"),
    );
    expect(r.error).toBeNull();
    expect(lines(r.stdout)).toEqual([
      "NotImplementedError gradlens does not support torch.fft yet",
      "NotImplementedError gradlens does not support Tensor.numpy yet (there is no NumPy here: use .tolist())",
      "NotImplementedError gradlens does not support torch.float64 yet",
      "NotImplementedError gradlens does not support CUDA yet",
      "NotImplementedError gradlens does not support torch.nn.ConvTranspose2d yet",
      "NotImplementedError gradlens does not support Tensor.foo yet",
      "False False",
      "gradlens does not support torch.distributions yet",
      "",
    ]);
  });

  test("numpy and matplotlib import (a cell often imports what it barely uses); using them fails loudly", () => {
    const r = run(
      "import numpy as np\nimport matplotlib.pyplot as plt\nimport torch\nprint('ok')\nplt.plot([1, 2])\n",
    );
    expect(r.stdout).toBe("ok\n");
    expect(r.error).toEqual({
      type: "NotImplementedError",
      message: "gradlens does not support matplotlib.pyplot.plot yet (gradlens runs torch programs only)",
      traceback: expect.stringContaining('File "prog.py", line 5, in <module>'),
    });
  });
});

describe("warnings", () => {
  test("the non-leaf .grad warning goes to stderr as PyTorch writes it, once per line", () => {
    const src = [
      "import torch",
      "x = torch.tensor(2.0, requires_grad=True)",
      "y = x * 3",
      "for _ in range(2):",
      "    print(y.grad)",
      "print(y.grad)",
      "y.retain_grad()",
      "print(y.grad)",
      "",
    ].join("\n");
    const r = run(src, { trace: true });
    const ref = pytorch(src);
    expect(r.stdout).toBe(ref.stdout);
    expect(normalizeTriggered(r.stderr)).toBe(normalizeTriggered(ref.stderr));
    const warnings = r.trace!.events.filter((e) => e.kind === "warning");
    expect(warnings.map((e) => e.source?.line)).toEqual([5, 5, 6]);
  });

  test("the engine's own warnings print at the user's line (a loss broadcasting its target, x.T on 3-D)", () => {
    const src = [
      "import torch",
      "import torch.nn.functional as F",
      "pred = torch.tensor([[0.5], [1.0], [2.0]], requires_grad=True)",
      "print(F.mse_loss(pred, torch.ones(3)))",
      "print(torch.ones(2, 3, 4).T.shape)",
      "print(torch.ones(2, 3, 4).T.shape)",
      "",
    ].join("\n");
    const r = run(src, { trace: true });
    const ref = pytorch(src);
    expect(r.stdout).toBe(ref.stdout);
    expect(normalizeTriggered(r.stderr)).toBe(normalizeTriggered(ref.stderr));
    expect(r.trace!.events.filter((e) => e.kind === "warning").map((e) => e.source?.line)).toEqual([4, 5]);
  });

  test("detect_anomaly: PyTorch's error, and the forward traceback of the op that made the NaN", () => {
    const src = [
      "import torch",
      "x = torch.tensor([0.0, 1.0], requires_grad=True)",
      "with torch.autograd.detect_anomaly():",
      "    y = torch.log(x)",
      "    z = (y * 0).sum()",
      "    z.backward()",
      "",
    ].join("\n");
    const r = run(src);
    const ref = pytorch(src);
    expect(r.error?.type).toBe("RuntimeError");
    expect(lines(r.stderr).at(-2)).toBe(lines(ref.stderr).at(-2));
    // 1.13 reports from torch/autograd/__init__.py; gradlens from the user's backward() line
    expect(r.stderr).toContain(
      [
        "prog.py:3: UserWarning: Anomaly Detection has been enabled. This mode will increase the runtime and should only be enabled for debugging.",
        "  with torch.autograd.detect_anomaly():",
        "prog.py:6: UserWarning: Error detected in LogBackward0. Traceback of forward call that caused the error:",
        '  File "prog.py", line 4, in <module>',
        "    y = torch.log(x)",
      ].join("\n"),
    );
    expect(ref.stderr).toContain('  File "prog.py", line 4, in <module>\n    y = torch.log(x)');
  });
});

describe("Python meets tensors", () => {
  test("math functions, float(), f-strings and format specs behave as with PyTorch", () => {
    const src = [
      "import math, torch",
      "x = torch.tensor(3.0, requires_grad=True)",
      "y = 2 * x * math.cos(x**2)",
      "print(y, float(y), int(x), math.exp(x))",
      'print(f"{y}", f"{y:.3f}", f"{torch.tensor(7):>4}", "{:.2e}".format(x))',
      "print(round(float(torch.tensor(2.675)), 2), 1.5 * torch.tensor([2, 4]), True + torch.tensor(1))",
      "",
    ].join("\n");
    const r = run(src);
    expect(r.error).toBeNull();
    expect(r.stdout).toBe(pytorch(src).stdout);
  });

  test("no_grad as a context manager and as a decorator; set_grad_enabled; enable_grad", () => {
    const src = [
      "import torch",
      "w = torch.tensor([1.0, 2.0], requires_grad=True)",
      "with torch.no_grad():",
      "    a = w * 2",
      "    with torch.enable_grad():",
      "        b = w * 2",
      "@torch.no_grad()",
      "def f(t):",
      "    return t * 2",
      "with torch.set_grad_enabled(False):",
      "    c = w * 2",
      "print(a.requires_grad, a.grad_fn, b.requires_grad, f(w).requires_grad, c.requires_grad)",
      "print((w * 2).requires_grad, torch.is_grad_enabled())",
      "",
    ].join("\n");
    const r = run(src, { trace: true });
    expect(r.stdout).toBe(pytorch(src).stdout);
    const muls = r.trace!.events.filter(
      (e): e is Extract<TraceEvent, { kind: "op" }> => e.kind === "op" && e.op === "mul",
    );
    expect(muls.map((e) => e.grad_fn !== null)).toEqual([false, true, false, false, true]);
  });
});

describe("the trace speaks the program's language", () => {
  const src = [
    "import torch", //                                                   1
    "import torch.nn as nn", //                                          2
    "", //                                                               3
    "def bce_loss(pred, target):", //                                    4
    "    pred = torch.clamp(pred, 1e-7, 1 - 1e-7)", //                   5
    "    return -(target * torch.log(pred)).mean()", //                  6
    "", //                                                               7
    "class MLP(nn.Module):", //                                          8
    "    def __init__(self):", //                                        9
    "        super().__init__()", //                                     10
    "        self.fc1 = nn.Linear(2, 3)", //                             11
    "        self.fc2 = nn.Linear(3, 1)", //                             12
    "    def forward(self, x):", //                                      13
    "        h = torch.relu(self.fc1(x))", //                            14
    "        return torch.sigmoid(self.fc2(h))", //                      15
    "", //                                                               16
    "torch.manual_seed(0)", //                                           17
    "model = MLP()", //                                                  18
    "X = torch.tensor([[1.0, 2.0]])", //                                 19
    "y_pred = model(X)", //                                              20
    "loss = bce_loss(y_pred, torch.tensor([[1.0]]))", //                 21
    "loss.backward()", //                                                22
    "",
  ].join("\n");

  test("every op carries its source line and scope; tensors carry variable and parameter names", () => {
    const r = run(src, { trace: true });
    expect(r.error).toBeNull();
    const trace = r.trace!;
    const ops = trace.events.flatMap((e) =>
      e.kind === "op" ? [[e.op, e.source?.line, e.scope, trace.tensors[e.out].label]] : [],
    );
    expect(ops).toEqual([
      ["t", 14, "model/fc1", null],
      ["addmm", 14, "model/fc1", null],
      ["relu", 14, "model", "h"],
      ["t", 15, "model/fc2", null],
      ["addmm", 15, "model/fc2", null],
      ["sigmoid", 15, "model", "y_pred"],
      ["clamp", 5, "bce_loss", "pred"],
      ["log", 6, "bce_loss", null],
      ["mul", 6, "bce_loss", null],
      ["mean", 6, "bce_loss", null],
      ["neg", 6, "bce_loss", "loss"],
    ]);
    const labels = new Set(Object.values(trace.tensors).map((t) => t.label));
    for (const name of ["X", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"])
      expect(labels).toContain(name);
    const backward = trace.events.filter((e) => e.kind === "backward" || e.kind === "accumulate");
    expect(new Set(backward.map((e) => e.source?.line))).toEqual(new Set([22]));
  });

  test("the first name wins; `_` names and later aliases do not rename", () => {
    const r = run("import torch\na = torch.ones(2)\nb = a\n_tmp = a * 2\nc = _tmp\n", { trace: true });
    const labels = Object.values(r.trace!.tensors)
      .filter((t) => !t.wrapped)
      .map((t) => t.label);
    expect(labels).toEqual(["a", "c"]);
  });
});

describe("runs", () => {
  test("a runaway loop stops at the time limit, and the runtime runs the next program", () => {
    // Between the program's lines the shim checks a deadline. A later issue runs the runtime in a
    // Web Worker with pyodide.setInterruptBuffer (a SharedArrayBuffer the page writes 2 into), which
    // also stops a loop inside a builtin, without the deadline.
    const t0 = performance.now();
    const r = run("import torch\nwhile True:\n    pass\n", { timeoutMs: 300 });
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(r.error?.type).toBe("KeyboardInterrupt");
    expect(r.error?.message).toBe("gradlens stopped the program: it ran longer than 0.3 s");
    expect(r.exitCode).toBe(1);
    expect(run("print('next')\n").stdout).toBe("next\n");
  });

  test("every run starts fresh: globals, grad mode, anomaly mode and the generator's seed", () => {
    const first = run(
      "import torch\nleft = 1\ntorch.set_grad_enabled(False)\ntorch.autograd.set_detect_anomaly(True)\ntorch.manual_seed(5)\n",
    );
    expect(first.error).toBeNull();
    const src =
      "import torch\nprint('left' in globals(), torch.is_grad_enabled(), torch.is_anomaly_enabled())\nprint(torch.rand(3))\n";
    // PyTorch seeds an unseeded process at random; gradlens starts every run from the seed of
    // PyTorch's default generator (c10's default_rng_seed_val), so a run is reproducible
    const seeded = src.replace("import torch\n", "import torch\ntorch.manual_seed(67280421310721)\n");
    expect(run(src).stdout).toBe(pytorch(seeded).stdout);
  });

  test("stdout and stderr stream as the program writes them", () => {
    const chunks: string[] = [];
    const r = run(
      "import sys\nprint('a', end='')\nsys.stdout.flush()\nprint('b')\nsys.stderr.write('e\\n')\nprint('c')\n",
      { onStdout: (t) => chunks.push(`out:${t}`), onStderr: (t) => chunks.push(`err:${t}`) },
    );
    expect(r.stdout).toBe("ab\nc\n");
    expect(r.stderr).toBe("e\n");
    expect(chunks.join("")).toBe("out:aout:b\nerr:e\nout:c\n");
  });
});
