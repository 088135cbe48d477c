#!/usr/bin/env node
// The `gradlens` command. The sources are TypeScript: tsx's ESM loader compiles them on the fly.
import process from "node:process";
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
