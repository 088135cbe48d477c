/**
 * `npm run bench [-- NAME...]`: runs the benchmark suites (all, or those named) and prints one JSON
 * object per line: {"bench", "unit": "ms", "ours", "peer", "peer_value"} (lower is better).
 * Suites live in their own modules (bench/engine.ts, ...) and are listed here.
 */
import { report, type Suite } from "./harness.ts";
import { engineSuites } from "./engine.ts";
import { pythonSuites } from "./python.ts";

const SUITES: Suite[] = [...engineSuites, ...pythonSuites];

const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !SUITES.some((s) => s.name === w));
if (unknown.length) {
  process.stderr.write(
    `unknown suite(s): ${unknown.join(", ")}; known: ${SUITES.map((s) => s.name).join(", ")}\n`,
  );
  process.exit(2);
}

let failed = 0;
for (const suite of SUITES) {
  if (wanted.length && !wanted.includes(suite.name)) continue;
  try {
    await suite.run(report);
  } catch (e) {
    // one broken suite must not hide the others' numbers
    failed++;
    process.stderr.write(
      `bench suite '${suite.name}' failed: ${e instanceof Error ? (e.stack ?? e.message) : e}\n`,
    );
  }
}
process.exitCode = failed ? 1 : 0;
