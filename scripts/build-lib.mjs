#!/usr/bin/env node
// `npm run build:lib` (and `npm pack` through prepack): the npm package's dist/. tsc compiles the
// library and CLI entries (ESM + .d.ts, `.ts` imports rewritten to `.js`), then the files tsc does not
// emit are copied beside them: the torch shim's Python sources and the trace's JSON Schema.
import { spawnSync } from "node:child_process";
import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import process from "node:process";
import { URL, fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const dist = join(root, "dist");
rmSync(dist, { recursive: true, force: true });

const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
const r = spawnSync(process.execPath, [tsc, "-p", join(root, "tsconfig.build.json")], { stdio: "inherit" });
if (r.status !== 0) process.exit(r.status ?? 1);

/** Every file under `dir` whose name ends with `suffix`. */
function walk(dir, suffix, out = []) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, suffix, out);
    else if (e.name.endsWith(suffix)) out.push(p);
  }
  return out;
}

// tsc rewrites the JS but leaves `.ts` in declaration files; a consumer's TypeScript without
// allowImportingTsExtensions would refuse them
for (const f of walk(dist, ".d.ts")) {
  const text = readFileSync(f, "utf8");
  const fixed = text.replace(/((?:from|import)\s*\(?\s*["'])(\.{1,2}\/[^"']*?)\.ts(["'])/g, "$1$2.js$3");
  if (fixed !== text) writeFileSync(f, fixed);
}

cpSync(join(root, "src/python/py"), join(dist, "python/py"), {
  recursive: true,
  filter: (src) => !src.includes("__pycache__") && (!/\.\w+$/.test(src) || src.endsWith(".py")),
});
cpSync(join(root, "src/trace/trace.schema.json"), join(dist, "trace/trace.schema.json"));
process.stdout.write(`gradlens: built ${walk(dist, ".js").length} modules into dist/\n`);
