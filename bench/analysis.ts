/**
 * Benchmarks of the analysis layer (issue 5): the time to analyse a 1,000-iteration training run of a
 * 2-layer MLP (origins, spread, training stats, first bad iteration, grad magnitudes), and the size
 * on disk of a 10,000-iteration run once compacted (target: under 20 MB).
 *
 * `analysisBench()` returns the rows; bench/run.ts prints them.
 */
import { checkReport } from "../src/analysis/report.ts";
import { gradMagnitudes } from "../src/analysis/magnitude.ts";
import { nonFiniteOrigin } from "../src/analysis/origin.ts";
import { spreadPath } from "../src/analysis/spread.ts";
import { compactTrace, firstBadIteration, serializeRun, trainingRun } from "../src/analysis/training.ts";
import { serializeTrace } from "../src/trace/io.ts";
import type { Trace } from "../src/trace/schema.ts";
import { mlpTraining, trace } from "../test/analysis/programs.ts";
import { median } from "./harness.ts";

export interface AnalysisRow {
  bench: string;
  unit: "ms" | "MB";
  ours: number;
  [extra: string]: unknown;
}

/** Every analysis the app runs on a trace, on a fresh shallow copy (the analyses cache per trace object). */
function analyseAll(t: Trace): void {
  const fresh: Trace = { ...t };
  const report = nonFiniteOrigin(fresh);
  spreadPath(fresh, report);
  const run = trainingRun(fresh);
  firstBadIteration(run);
  gradMagnitudes(fresh);
}

function time(fn: () => void, samples = 5): number {
  fn();
  const out: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t0 = performance.now();
    fn();
    out.push(performance.now() - t0);
  }
  return median(out);
}

const round = (x: number) => Number(x.toPrecision(4));
const mb = (chars: number) => chars / 1e6;

export interface AnalysisBenchOptions {
  /** Iterations of the analysed run (default 1,000) and of the compacted run (default 10,000). */
  analyseIterations?: number;
  compactIterations?: number;
}

export function analysisBench(opts: AnalysisBenchOptions = {}): AnalysisRow[] {
  const n = opts.analyseIterations ?? 1000;
  const big = opts.compactIterations ?? 10_000;
  const rows: AnalysisRow[] = [];

  // a healthy run, and one whose learning rate makes it diverge to inf/nan part-way
  const healthy = trace((rec) => mlpTraining(rec, n, 0.1));
  rows.push({
    bench: `analysis: ${n}-iteration 2-layer MLP run (origin, spread, training stats, grad magnitudes)`,
    unit: "ms",
    ours: round(time(() => analyseAll(healthy))),
    events: healthy.events.length,
  });
  const diverging = trace((rec) => mlpTraining(rec, n, 2.5));
  const bad = firstBadIteration(diverging, { explodeAbove: Infinity });
  rows.push({
    bench: `analysis: ${n}-iteration 2-layer MLP run diverging to nan (origin, spread, training stats, grad magnitudes)`,
    unit: "ms",
    ours: round(time(() => analyseAll(diverging))),
    events: diverging.events.length,
    first_nonfinite_iteration: bad ? bad.iteration : null,
  });
  rows.push({
    bench: `analysis: --check report of the diverging ${n}-iteration run`,
    unit: "ms",
    ours: round(time(() => checkReport({ ...diverging }))),
  });
  rows.push({
    bench: `trace size: ${n}-iteration 2-layer MLP run, uncompacted`,
    unit: "MB",
    ours: round(mb(serializeTrace(healthy).length)),
  });

  // compaction of a long run: recorded whole, then compacted and written
  const long = trace((rec) => mlpTraining(rec, big, 0.1));
  let run: ReturnType<typeof compactTrace> | null = null;
  const compactMs = time(() => {
    run = compactTrace({ ...long });
  }, 1);
  const text = serializeRun(run!);
  rows.push({
    bench: `trace size: ${big}-iteration 2-layer MLP run, compacted (target < 20 MB)`,
    unit: "MB",
    ours: round(mb(text.length)),
    kept_iterations: run!.kept.length,
    compact_ms: round(compactMs),
  });
  return rows;
}

// `node --import tsx bench/analysis.ts` prints the rows on its own
if (import.meta.url === `file://${process.argv[1]}`) {
  for (const row of analysisBench()) process.stdout.write(`${JSON.stringify(row)}\n`);
}
