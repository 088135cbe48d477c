/** ELK for Node, tests and headless export: the bundled build, run on the calling thread. */
import ELK from "elkjs/lib/elk.bundled.js";
import type { ElkLike } from "./elk.ts";

let shared: ElkLike | null = null;

/** A fresh bundled ELK. */
export function createElk(): ElkLike {
  return new ELK();
}

/** One bundled ELK for the process: its JIT-warmed state makes later layouts faster. */
export function nodeElk(): ElkLike {
  shared ??= createElk();
  return shared;
}
