/**
 * `gradlens export`: the command line as a teacher uses it. Python programs run in-process (one
 * Pyodide for the file); TypeScript programs through the real bin in a child process, since they are
 * imported as ES modules through Node's loader (which Vitest's module runner does not use).
 */
import { execFile } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportCommand, type ExportIO, parseExportArgs, splitCells } from "../../src/cli/export.ts";
import { mul, tensor } from "../../src/engine/index.ts";
import { nodeRuntime } from "../../src/python/node.ts";
import { parseTrace, serializeTrace } from "../../src/trace/io.ts";
import { renderSvg } from "../../src/lib/render.ts";
import { record } from "../../src/trace/recorder.ts";
import { allElements, parseSvg, standaloneProblems } from "../render/svg-check.ts";

const run = promisify(execFile);
const BIN = new URL("../../bin/gradlens.mjs", import.meta.url).pathname;

interface Captured extends ExportIO {
  out: () => Buffer;
  err: () => string;
}

function capture(isTTY = false): Captured {
  const out: Buffer[] = [];
  let err = "";
  return {
    stdout: { write: (c: string | Uint8Array) => out.push(Buffer.from(c)) },
    stderr: { write: (s: string) => (err += s) },
    isTTY,
    out: () => Buffer.concat(out),
    err: () => err,
  };
}

async function cli(args: string[], isTTY = false): Promise<{ code: number; out: Buffer; err: string }> {
  const io = capture(isTTY);
  const code = await exportCommand(args, io);
  return { code, out: io.out(), err: io.err() };
}

const NEURON = `import torch
x = torch.tensor([0.5, -1.0], requires_grad=True)
w = torch.tensor([2.0, 0.25], requires_grad=True)
z = (x * w).sum()
y = torch.sigmoid(z)
y.backward()
print(y)
`;

let dir: string;
const at = (...p: string[]) => join(dir, ...p);
const svgOf = (path: string) => readFileSync(path, "utf8");
const textsOf = (svg: string) =>
  allElements(parseSvg(svg))
    .filter((e) => e.localName === "text")
    .map((e) => e.textContent);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "gradlens-export-"));
  writeFileSync(at("neuron.py"), NEURON);
  await nodeRuntime();
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("parseExportArgs", () => {
  it("reads every option, in both --opt value and --opt=value forms", () => {
    const a = parseExportArgs([
      "prog.py",
      "--svg",
      "a.svg",
      "--png=a.png",
      "--step",
      "-3",
      "--view=autograd",
      "--theme",
      "print",
      "--no-values",
      "--width",
      "480",
      "--legend",
      "--scale",
      "3",
      "--title",
      "Fig. 1",
    ]);
    expect(a).toMatchObject({
      inputs: ["prog.py"],
      svg: "a.svg",
      png: "a.png",
      step: -3,
      view: "autograd",
      theme: "print",
      showValues: false,
      width: 480,
      legend: true,
      scale: 3,
      title: "Fig. 1",
    });
    expect(parseExportArgs(["p.py", "--svg", "o.svg", "--backward"])).toMatchObject({ step: "backward" });
    expect(parseExportArgs(["p.py", "--svg", "o.svg"])).toMatchObject({ step: "final", legend: false });
  });

  it("refuses what cannot work, saying why", () => {
    expect(parseExportArgs([])).toMatch(/missing FILE/);
    expect(parseExportArgs(["p.py"])).toMatch(/--svg OUT.svg, --png OUT.png or --out-dir/);
    expect(parseExportArgs(["a.py", "b.py", "--svg", "o.svg"])).toMatch(/several inputs need --out-dir/);
    expect(parseExportArgs(["p.py", "--svg", "o.svg", "--forward", "--step", "2"])).toMatch(
      /--forward and --step cannot be used together/,
    );
    expect(parseExportArgs(["p.py", "--svg", "o.svg", "--step", "1.5"])).toMatch(/an integer/);
    expect(parseExportArgs(["p.py", "--svg", "o.svg", "--view", "graph"])).toMatch(/values or autograd/);
    expect(parseExportArgs(["p.py", "--svg", "o.svg", "--theme", "blue"])).toMatch(/light, dark or print/);
    expect(parseExportArgs(["p.py", "--svg", "o.svg", "--width", "-2"])).toMatch(/positive number/);
    expect(parseExportArgs(["p.py", "--svg", "-", "--png", "-"])).toMatch(/only one/);
    expect(parseExportArgs(["p.py", "--out-dir", "d", "--svg", "o.svg"])).toMatch(/use --format/);
    expect(parseExportArgs(["p.py", "--svg", "o.svg", "--format", "png"])).toMatch(/goes with --out-dir/);
    expect(parseExportArgs(["p.py", "--svg", "o.svg", "--colour"])).toMatch(/unknown option '--colour'/);
  });

  it("exits 2 with the usage on a bad command line, 0 with --help", async () => {
    const bad = await cli(["neuron.py"]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^gradlens export: say where to write/);
    expect(bad.err).toContain("usage: gradlens export");
    const help = await cli(["--help"]);
    expect(help.code).toBe(0);
    expect(help.out.toString()).toContain("--out-dir DIR");
  });
});

describe("splitCells", () => {
  it("finds Jupytext percent cells, their titles, markdown and comment-only cells", () => {
    const src =
      "import torch\n# %% forward\nx = 1\n# %% [markdown]\n# text\n# %%\n# only a comment\n# %% back\ny = 2\n";
    const cells = splitCells(src);
    expect(cells.map((c) => [c.index, c.title, c.markdown, c.hasCode, c.end])).toEqual([
      [1, "forward", false, true, 3],
      [2, "", true, false, 5],
      [3, "", false, false, 7],
      [4, "back", false, true, 10],
    ]);
  });
});

describe("a Python program", () => {
  it("writes the SVG and a PNG of it", async () => {
    const r = await cli([at("neuron.py"), "--svg", at("n.svg"), "--png", at("out/n.png")]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const svg = svgOf(at("n.svg"));
    const doc = parseSvg(svg);
    expect(standaloneProblems(doc)).toEqual([]);
    expect(doc.getElementsByTagName("title")[0].textContent).toBe(at("neuron.py").split("/").pop());
    // the variable names label the boxes; values and grads are drawn as text
    expect(textsOf(svg)).toEqual(expect.arrayContaining(["x", "w", "z", "y", "sigmoid", "0.6792"]));
    const png = readFileSync(at("out/n.png"));
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    // 2 PNG pixels per SVG px by default
    const width = Number(/width="([\d.]+)"/.exec(svg)![1]);
    expect(png.readUInt32BE(16)).toBe(Math.round(width * 2));
  });

  it("writes to stdout with --svg -, and the program's own output does not end up there", async () => {
    const r = await cli([at("neuron.py"), "--svg", "-"]);
    expect(r.code).toBe(0);
    const svg = r.out.toString();
    expect(svg.startsWith("<?xml")).toBe(true);
    expect(svg).not.toContain("tensor(0.6792");
    expect(svg).toBe(svgOf(at("n.svg")));
    const verbose = await cli([at("neuron.py"), "--svg", "-", "--verbose"]);
    expect(verbose.out.toString()).toBe(svg);
    expect(verbose.err).toContain("tensor(0.6792, grad_fn=<SigmoidBackward0>)");
  });

  it("draws the step asked for: --forward has no grads yet, --backward and --final have them", async () => {
    const desc = async (...flags: string[]) => {
      const r = await cli([at("neuron.py"), "--svg", "-", ...flags]);
      expect(r.code).toBe(0);
      return r.out.toString();
    };
    const fwd = await desc("--forward");
    const bwd = await desc("--backward");
    const fin = await desc("--final");
    expect(fwd).not.toMatch(/>grad /);
    expect(bwd).toMatch(/>grad /);
    expect(fin).toBe(bwd);
    expect(await desc("--step", "0")).toMatch(/after step 1 of/);
    const past = await cli([at("neuron.py"), "--svg", "-", "--step", "500"]);
    expect(past.code).toBe(1);
    expect(past.err).toMatch(/--step 500: the trace has \d+ events/);
  });

  it("applies view, theme, values, width and legend", async () => {
    const r = await cli([
      at("neuron.py"),
      "--svg",
      "-",
      "--view",
      "autograd",
      "--theme",
      "dark",
      "--no-values",
      "--width",
      "300",
      "--legend",
    ]);
    expect(r.code).toBe(0);
    const svg = r.out.toString();
    expect(svg).toMatch(/<svg[^>]* width="300"/);
    expect(svg).toContain('data-theme="dark"');
    expect(svg).toContain('data-layer="legend"');
    expect(svg).toContain("SigmoidBackward0");
    expect(svg).toContain("AccumulateGrad");
    expect(svg).not.toContain("0.6792");
  });

  it("prints the traceback of an exception, draws what ran, and exits 1", async () => {
    writeFileSync(
      at("broken.py"),
      "import torch\nx = torch.tensor([1.0, 2.0], requires_grad=True)\ny = (x * 3).sum()\nz = x @ torch.ones(3)\n",
    );
    const r = await cli([at("broken.py"), "--svg", at("broken.svg")]);
    expect(r.code).toBe(1);
    expect(r.err).toContain("Traceback (most recent call last):");
    expect(r.err).toMatch(/line 4, in <module>/);
    expect(r.err).toMatch(/RuntimeError: /);
    expect(r.err).toContain("drew what ran before the error");
    expect(textsOf(svgOf(at("broken.svg")))).toEqual(expect.arrayContaining(["x", "y"]));
  });

  it("writes nothing for a syntax error, or a program that makes no tensor", async () => {
    writeFileSync(at("syntax.py"), "import torch\nx = torch.tensor(1.0,\n");
    const r = await cli([at("syntax.py"), "--svg", at("syntax.svg")]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/SyntaxError/);
    expect(existsSync(at("syntax.svg"))).toBe(false);
    writeFileSync(at("plain.py"), "print(1 + 1)\n");
    const p = await cli([at("plain.py"), "--svg", at("plain.svg")]);
    expect(p.code).toBe(1);
    expect(p.err).toContain("nothing to draw: no tensor was made or used");
    expect(existsSync(at("plain.svg"))).toBe(false);
  });

  it("says when a view is empty at the step asked for", async () => {
    writeFileSync(at("nograd.py"), "import torch\nx = torch.tensor(2.0)\ny = x * x\n");
    const r = await cli([at("nograd.py"), "--svg", at("nograd.svg"), "--view", "autograd"]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/nothing to draw in the autograd view .*try --view values/);
  });
});

describe("a trace file", () => {
  it("exports to the same bytes as the program it was recorded from", async () => {
    const runtime = await nodeRuntime();
    const res = runtime.run(NEURON, { filename: at("neuron.py"), trace: { title: "neuron.py" } });
    writeFileSync(at("neuron.json"), serializeTrace(res.trace!));
    const fromTrace = await cli([at("neuron.json"), "--svg", "-"]);
    expect(fromTrace.code).toBe(0);
    expect(fromTrace.out.toString()).toBe(svgOf(at("n.svg")));
  });

  it("is what the library's renderSvg gives for the same trace and options", async () => {
    const trace = parseTrace(readFileSync(at("neuron.json"), "utf8"));
    const r = await cli([
      at("neuron.json"),
      "--svg",
      "-",
      "--view",
      "autograd",
      "--theme",
      "print",
      "--legend",
    ]);
    const lib = await renderSvg(trace, {
      view: "autograd",
      theme: "print",
      legend: true,
      title: "neuron.py",
    });
    expect(r.out.toString()).toBe(lib);
  });

  it("refuses a malformed trace with a message naming the field", async () => {
    const good = JSON.parse(readFileSync(at("neuron.json"), "utf8"));
    const bad = structuredClone(good);
    bad.events[2].kind = "teleport";
    writeFileSync(at("bad-event.json"), JSON.stringify(bad));
    const r = await cli([at("bad-event.json"), "--svg", at("bad.svg")]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/bad-event\.json: not a gradlens trace: trace\.events\[2\]\.kind/);
    expect(existsSync(at("bad.svg"))).toBe(false);

    const noShape = structuredClone(good);
    delete noShape.tensors[Object.keys(noShape.tensors)[0]].shape;
    writeFileSync(at("no-shape.json"), JSON.stringify(noShape));
    expect((await cli([at("no-shape.json"), "--svg", at("bad.svg")])).err).toMatch(
      /trace\.tensors\.t1\.shape/,
    );

    writeFileSync(at("not-json.json"), "{ nope");
    expect((await cli([at("not-json.json"), "--svg", at("bad.svg")])).err).toMatch(
      /not-json\.json: not a gradlens trace: not valid JSON/,
    );
  });

  it("keeps a label full of markup as text", async () => {
    const { trace } = record(
      (r) => {
        const a = tensor(1.5, { requiresGrad: true });
        r.labelTensor(a, `<img src=x onerror="alert(1)">`);
        const b = mul(a, 2.0);
        r.labelTensor(b, `</text><script>alert(2)</script>`);
        b.backward();
      },
      { title: `<svg onload=alert(3)>` },
    );
    writeFileSync(at("markup.json"), serializeTrace(trace));
    const r = await cli([at("markup.json"), "--svg", at("markup.svg"), "--png", at("markup.png")]);
    expect(r.code).toBe(0);
    const svg = svgOf(at("markup.svg"));
    const doc = parseSvg(svg);
    expect(standaloneProblems(doc)).toEqual([]);
    expect(allElements(doc).map((e) => e.localName)).not.toEqual(expect.arrayContaining(["img", "script"]));
    const texts = textsOf(svg);
    expect(texts).toContain(`<img src=x onerror="alert(1)">`);
    expect(texts).toContain(`</text><script>alert(2)</script>`);
    expect(doc.getElementsByTagName("title")[0].textContent).toBe(`<svg onload=alert(3)>`);
  });
});

describe("bad inputs", () => {
  it("names a missing file, a folder and an unknown kind of file, and goes on with the others", async () => {
    mkdirSync(at("folder.py"), { recursive: true });
    writeFileSync(at("notes.txt"), "x");
    const r = await cli([
      at("missing.py"),
      at("folder.py"),
      at("notes.txt"),
      at("neuron.py"),
      "--out-dir",
      at("mixed"),
    ]);
    expect(r.code).toBe(1);
    expect(r.err).toContain("missing.py: no such file");
    expect(r.err).toContain("folder.py: is a folder");
    expect(r.err).toMatch(/notes\.txt: cannot export a '\.txt' file/);
    expect(readdirSync(at("mixed"))).toEqual(["neuron.svg"]);
    expect(r.err).toMatch(/gradlens export: 1 figure in .*mixed \([\d.]+ s\), 3 failed\n$/);
  });

  it("refuses two inputs that would write the same file", async () => {
    mkdirSync(at("other"), { recursive: true });
    writeFileSync(at("other", "neuron.py"), NEURON);
    const r = await cli([at("neuron.py"), at("other", "neuron.py"), "--out-dir", at("dup")]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/would both write .*dup\/neuron\.svg/);
  });
});

describe("batches", () => {
  it("one figure per file, with a line per figure in a log and one rewritten line on a terminal", async () => {
    writeFileSync(
      at("square.py"),
      "import torch\nx = torch.tensor(3.0, requires_grad=True)\ny = x ** 2\ny.backward()\n",
    );
    const files = [at("neuron.py"), at("square.py")];
    const log = await cli([...files, "--out-dir", at("figs"), "--format", "svg,png"]);
    expect(log.code).toBe(0);
    expect(readdirSync(at("figs")).sort()).toEqual(["neuron.png", "neuron.svg", "square.png", "square.svg"]);
    expect(log.err).toMatch(
      /^\[1\/2\] .*neuron\.py → .*neuron\.svg, .*neuron\.png\n\[2\/2\] .*square\.py → /,
    );
    expect(svgOf(at("figs/neuron.svg"))).toBe(svgOf(at("n.svg")));
    const tty = await cli([...files, "--out-dir", at("figs2")], true);
    // carriage return + erase line (ESC [K) before each update: one line that changes in place
    const lines = tty.err.split("\r\u001b[K");
    expect(lines[0]).toBe("");
    expect(lines[1]).toMatch(/^\[1\/2\] .*neuron\.py$/);
    expect(lines[2]).toMatch(/^\[2\/2\] .*square\.py$/);
    expect(lines[3]).toMatch(/^gradlens export: 2 figures in .*figs2 \([\d.]+ s\)\n$/);
    const quiet = await cli([...files, "--out-dir", at("figs3"), "--quiet"]);
    expect(quiet.err).toBe("");
  });

  it("--cells: one figure per '# %%' cell, each the program up to the end of that cell", async () => {
    writeFileSync(
      at("lecture.py"),
      [
        "import torch",
        "# %% the forward pass",
        "x = torch.tensor(2.0, requires_grad=True)",
        "y = torch.sin(x * x)",
        "# %% [markdown]",
        "# Now backward:",
        "# %% backward",
        "y.backward()",
        "",
      ].join("\n"),
    );
    const r = await cli([at("lecture.py"), "--out-dir", at("cells"), "--cells"]);
    expect(r.code).toBe(0);
    expect(readdirSync(at("cells")).sort()).toEqual(["lecture-1.svg", "lecture-3.svg"]);
    const first = svgOf(at("cells/lecture-1.svg"));
    const third = svgOf(at("cells/lecture-3.svg"));
    expect(parseSvg(first).getElementsByTagName("title")[0].textContent).toBe("lecture.py: the forward pass");
    expect(first).not.toMatch(/>grad /);
    expect(third).toMatch(/>grad /);
    // --svg names the pattern when there is no --out-dir
    const single = await cli([at("lecture.py"), "--svg", at("single/fig.svg"), "--cells"]);
    expect(single.code).toBe(0);
    expect(readdirSync(at("single")).sort()).toEqual(["fig-1.svg", "fig-3.svg"]);
    expect(svgOf(at("single/fig-1.svg"))).toBe(first);
  });

  it("--cells: a cell that raises is drawn as far as it ran; the cells after it are skipped", async () => {
    writeFileSync(
      at("bad-cells.py"),
      "import torch\n# %%\nx = torch.tensor(2.0, requires_grad=True)\n# %%\ny = x * x\nz = y @ x\n# %%\ny.backward()\n",
    );
    const r = await cli([at("bad-cells.py"), "--out-dir", at("bad-cells"), "--cells"]);
    expect(r.code).toBe(1);
    expect(r.err.match(/Traceback/g)).toHaveLength(1);
    expect(r.err).toContain("[cell 3]: skipped: an earlier cell failed");
    expect(readdirSync(at("bad-cells")).sort()).toEqual(["bad-cells-1.svg", "bad-cells-2.svg"]);
  });
});

describe("a TypeScript program (through the bin)", () => {
  const bin = (args: string[], cwd: string) =>
    run(process.execPath, [BIN, "export", ...args], { cwd, timeout: 120_000 }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => ({
        code: e.code,
        stdout: e.stdout,
        stderr: e.stderr,
      }),
    );

  it("top-level code, labels from declarations, the same bytes twice", async () => {
    // no package.json here: tsx alone would run this .ts as CommonJS
    writeFileSync(
      at("neuron.ts"),
      [
        'import { tensor, sigmoid } from "gradlens";',
        "",
        "const x = tensor([0.5, -1.0], { requiresGrad: true });",
        "const w = tensor([2.0, 0.25], { requiresGrad: true });",
        "const z: ReturnType<typeof tensor> = x.mul(w).sum();",
        "const y = sigmoid(z);",
        "y.backward();",
        "print(y);",
        "",
      ].join("\n"),
    );
    const a = await bin(["neuron.ts", "--svg", "ts-a.svg"], dir);
    expect(a.stderr).toBe("");
    expect(a.code).toBe(0);
    const b = await bin(["neuron.ts", "--svg", "ts-b.svg"], dir);
    expect(b.code).toBe(0);
    const svg = svgOf(at("ts-a.svg"));
    expect(svgOf(at("ts-b.svg"))).toBe(svg);
    expect(textsOf(svg)).toEqual(expect.arrayContaining(["x", "w", "z", "y", "sigmoid", "0.6792"]));
    expect(standaloneProblems(parseSvg(svg))).toEqual([]);
  }, 120_000);

  it("a default export is called with the recorder; returned and exported tensors are named", async () => {
    writeFileSync(
      at("fig.mts"),
      [
        'import { tensor, relu } from "gradlens";',
        'import type { Recorder } from "gradlens/trace";',
        "export const bias = tensor(-0.5, { requiresGrad: true });",
        "export default function (rec: Recorder) {",
        '  rec.pushScope("layer");',
        "  const h = relu(tensor([1.5, -2.5], { requiresGrad: true }).add(bias));",
        "  rec.popScope();",
        "  const out = h.sum();",
        "  out.backward();",
        "  return { out };",
        "}",
        "",
      ].join("\n"),
    );
    const r = await bin(["fig.mts", "--svg", "fig.svg"], dir);
    expect(r.stderr).toBe("");
    const svg = svgOf(at("fig.svg"));
    expect(textsOf(svg)).toEqual(expect.arrayContaining(["bias", "h", "out", "relu", "layer"]));
    expect(svg).toContain('data-scope="layer"');
  }, 120_000);

  it("an exception: the stack, a hint for a missing import, what ran is drawn, exit 1", async () => {
    writeFileSync(
      at("oops.ts"),
      [
        'import { tensor } from "gradlens";',
        'const a = tensor([1, 2], { dtype: "float32", requiresGrad: true });',
        "const b = a.mul(a);",
        "const c = sigmoid(b);",
        "",
      ].join("\n"),
    );
    const r = await bin(["oops.ts", "--svg", "oops.svg"], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ReferenceError: sigmoid is not defined/);
    expect(r.stderr).toContain(`hint: import it first: import { sigmoid } from "gradlens";`);
    expect(r.stderr).toContain("drew what ran before the error");
    expect(textsOf(svgOf(at("oops.svg")))).toEqual(expect.arrayContaining(["a", "b", "mul"]));
  }, 120_000);
});
