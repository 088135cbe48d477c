/**
 * The npm package as a user gets it: `npm pack`, install the tarball into an empty folder (offline
 * from the npm cache), run `npx gradlens export` there, import the library from a plain Node script,
 * and type-check a TypeScript consumer against the shipped declarations.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseSvg, standaloneProblems } from "../render/svg-check.ts";

const exec = promisify(execFile);
const ROOT = new URL("../..", import.meta.url).pathname;
const TSC = join(ROOT, "node_modules/typescript/bin/tsc");
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));

let work: string;
let app: string;
let files: string[];
let tarball: string;

async function sh(cmd: string, args: string[], cwd: string, timeout = 300_000) {
  // a user's shell: none of the npm_* variables that `npm test` sets for this checkout (its prefix,
  // its package's name and scripts) may leak into the user's folder
  const env: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k)) env[k] = v;
  return exec(cmd, args, { cwd, timeout, env, maxBuffer: 64 << 20 });
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "gradlens-pack-"));
  app = join(work, "app");
  // what `npm pack` runs first (prepack), then the pack itself with the build's output kept off stdout
  await sh(process.execPath, [join(ROOT, "scripts/build-lib.mjs")], ROOT);
  const { stdout } = await sh(
    "npm",
    ["pack", "--ignore-scripts", "--json", "--pack-destination", work],
    ROOT,
  );
  const info = JSON.parse(stdout)[0];
  files = info.files.map((f: { path: string }) => f.path);
  tarball = join(work, info.filename);
  await sh("mkdir", ["-p", app], work);
  await sh(
    "npm",
    ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error", tarball],
    app,
  );
}, 900_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("npm pack", () => {
  it("holds only what a user needs: compiled modules, declarations, the shim's Python, the bin", () => {
    const outside = files.filter(
      (f) =>
        !/^dist\/.*\.(js|d\.ts|py|json)$/.test(f) &&
        !["bin/gradlens.mjs", "package.json", "README.md"].includes(f),
    );
    expect(outside).toEqual([]);
    expect(files.filter((f) => /(^|\/)(src|test|bench|public|node_modules)\//.test(f))).toEqual([]);
    expect(files.filter((f) => f.startsWith("dist/app/"))).toEqual([]);
    for (const f of [
      "dist/index.js",
      "dist/index.d.ts",
      "dist/trace/index.js",
      "dist/lib/render.js",
      "dist/cli/main.js",
      "dist/python/py/torch/__init__.py",
      "dist/python/py/gradlens_runner.py",
      "dist/trace/trace.schema.json",
    ])
      expect(files).toContain(f);
    // every export target ships
    for (const target of Object.values(pkg.exports as Record<string, string | Record<string, string>>)) {
      for (const p of typeof target === "string" ? [target] : Object.values(target))
        expect(files).toContain(p.replace(/^\.\//, ""));
    }
  });

  it("declarations import .js, not .ts (a consumer needs no allowImportingTsExtensions)", () => {
    const dts = readFileSync(join(app, "node_modules/gradlens/dist/lib/render.d.ts"), "utf8");
    expect(dts).toContain('from "../render/index.js"');
    expect(dts).not.toMatch(/from "[^"]+\.ts"/);
  });
});

describe("installed from the tarball", () => {
  it("npx gradlens export draws a Python program to SVG and PNG", async () => {
    writeFileSync(
      join(app, "fig.py"),
      "import torch\nx = torch.tensor(2.0, requires_grad=True)\ny = torch.sin(x * x)\ny.backward()\n",
    );
    const r = await sh(
      "npx",
      ["--no-install", "gradlens", "export", "fig.py", "--svg", "fig.svg", "--png", "fig.png"],
      app,
    );
    // (this machine's npm warns about its own config on every call)
    expect(r.stderr.replace(/^npm warn .*\n/gm, "")).toBe("");
    const svg = readFileSync(join(app, "fig.svg"), "utf8");
    const doc = parseSvg(svg);
    expect(standaloneProblems(doc)).toEqual([]);
    expect(svg).toContain(">sin<");
    expect(readFileSync(join(app, "fig.png")).subarray(1, 4).toString()).toBe("PNG");
  }, 300_000);

  it("npx gradlens export runs a TypeScript program (tsx comes with the package)", async () => {
    writeFileSync(
      join(app, "fig.ts"),
      'import { tensor, tanh } from "gradlens";\nconst a: ReturnType<typeof tensor> = tensor(0.5, { requiresGrad: true });\nconst b = tanh(a);\nb.backward();\n',
    );
    await sh(
      "npx",
      ["--no-install", "gradlens", "export", "fig.ts", "--svg", "ts.svg", "--view", "autograd"],
      app,
    );
    const svg = readFileSync(join(app, "ts.svg"), "utf8");
    expect(svg).toContain("TanhBackward0");
    expect(svg).toContain("AccumulateGrad");
  }, 300_000);

  it("imports from a plain Node script: gradlens, gradlens/trace, gradlens/render", async () => {
    writeFileSync(
      join(app, "use.mjs"),
      `import { tensor, noGrad } from "gradlens";
import { record, graphAt, parseTrace, serializeTrace } from "gradlens/trace";
import { renderSvg, svgToPng } from "gradlens/render";

const { trace, error } = record((rec) => {
  const x = tensor(3, { dtype: "float32", requiresGrad: true });
  rec.labelTensor(x, "x");
  const y = x.mul(x);
  y.backward();
  noGrad(() => x.mul(2));
});
const again = parseTrace(serializeTrace(trace));
const graph = graphAt(again, again.events.length - 1, "values");
const svg = await renderSvg(again, { view: "values", theme: "print" });
const png = svgToPng(svg, { scale: 1 });
console.log(JSON.stringify({ error, grad: trace.events.length > 0, nodes: graph.nodes.length, svg: svg.slice(0, 5), png: png.length > 100 }));
`,
    );
    const { stdout } = await sh(process.execPath, ["use.mjs"], app);
    const got = JSON.parse(stdout);
    expect(got).toMatchObject({ error: null, grad: true, svg: "<?xml", png: true });
    expect(got.nodes).toBeGreaterThanOrEqual(3);
  }, 120_000);

  it("type-checks a TypeScript consumer against the shipped declarations", async () => {
    writeFileSync(
      join(app, "check.ts"),
      `import { tensor, noGrad, type Tensor } from "gradlens";
import { record, graphAt, parseTrace, type Trace } from "gradlens/trace";
import { renderSvg, type RenderOptions } from "gradlens/render";

const x: Tensor = tensor(2, { dtype: "float32", requiresGrad: true });
const v: number = x.item();
const t: Trace = record(() => noGrad(() => x.mul(v))).trace;
const opts: RenderOptions = { view: "autograd", theme: "dark", step: "final" };
export const svg: Promise<string> = renderSvg(parseTrace(t), opts);
export const n: number = graphAt(t, 0).nodes.length;
// @ts-expect-error: the view is checked
renderSvg(t, { view: "pictures" });
`,
    );
    const r = await sh(
      process.execPath,
      [
        TSC,
        "--noEmit",
        "--strict",
        "--module",
        "nodenext",
        "--moduleResolution",
        "nodenext",
        "--target",
        "es2022",
        "--typeRoots",
        join(ROOT, "node_modules/@types"),
        "--types",
        "node",
        "--skipLibCheck",
        "check.ts",
      ],
      app,
    ).catch((e: { stdout: string }) => ({ stdout: e.stdout }));
    expect(r.stdout).toBe("");
  }, 120_000);
});
