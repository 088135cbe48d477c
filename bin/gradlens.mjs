#!/usr/bin/env node
// The `gradlens` command. In a checkout it runs the TypeScript sources through tsx's ESM loader; an
// installed package has no sources, only the compiled dist/ (no tsx needed).
import { existsSync } from "node:fs";
import process from "node:process";
import { URL } from "node:url";

const sources = new URL("../src/cli/main.ts", import.meta.url);
let main;
if (existsSync(sources)) {
  const { register } = await import("tsx/esm/api");
  register();
  ({ main } = await import(sources.href));
} else {
  ({ main } = await import("../dist/cli/main.js"));
}
process.exitCode = await main(process.argv.slice(2));
