/** The example programs as text, read from disk (CLI and plain Node). */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { findExample } from "./index.ts";

export function examplePath(id: string): string {
  return fileURLToPath(new URL(`./${id}.py`, import.meta.url));
}

export function readExample(id: string): string {
  if (!findExample(id)) throw new Error(`no example with id '${id}'`);
  return readFileSync(examplePath(id), "utf8");
}
