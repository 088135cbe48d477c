/** Runs Python programs under real PyTorch (Debian's python3-torch at /usr/bin/python3). */
import { spawnSync } from "node:child_process";

export const PYTHON = "/usr/bin/python3";

/** True when /usr/bin/python3 can import torch. */
export function hasTorch(): boolean {
  const r = spawnSync(PYTHON, ["-c", "import torch"], { encoding: "utf8" });
  return r.status === 0;
}

/** Runs a script (read from stdin) and returns its stdout lines; throws with stderr on failure. */
export function runPython(script: string, timeoutMs = 120_000): string[] {
  const r = spawnSync(PYTHON, ["-"], {
    input: script,
    encoding: "utf8",
    timeout: timeoutMs,
    maxBuffer: 256 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`python exited with ${r.status}:\n${r.stderr.slice(-4000)}`);
  return r.stdout.split("\n").filter((l) => l.length > 0);
}
