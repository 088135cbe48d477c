/**
 * The findings as text, for `gradlens run FILE.py --check`: the non-finite origins (forward and
 * backward) with their causes, the spread (which leaves' grads went non-finite), exploding or
 * vanishing leaves and the first bad iteration. `failed` is what the exit code reports: a non-finite
 * value was found.
 */
import { baseTensorId, type Trace } from "../trace/schema.ts";
import { fmt } from "./format.ts";
import { DEFAULT_EXPLODE_ABOVE, DEFAULT_VANISH_BELOW, magnitudeFlag, type Thresholds } from "./magnitude.ts";
import { nonFiniteOrigin, type Origin } from "./origin.ts";
import { spreadPath } from "./spread.ts";
import { firstBadIteration, trainingRun } from "./training.ts";

export interface CheckReport {
  /** A non-finite value was found (the CLI exits non-zero). */
  failed: boolean;
  lines: string[];
  text: string;
}

function where(o: Origin): string {
  const parts = [o.line !== null ? `line ${o.line}` : null, `iteration ${o.iteration}`];
  return parts.filter(Boolean).join(", ");
}

export function checkReport(trace: Trace, t: Thresholds = {}): CheckReport {
  const lines: string[] = [];
  const report = nonFiniteOrigin(trace);
  const failed = report.forward !== null || report.backward !== null;
  if (!failed) lines.push("no nan or inf anywhere in this run");
  if (report.forward) {
    lines.push(`forward origin: ${report.forward.op} at ${where(report.forward)}`);
    lines.push(`  ${report.forward.cause.text}`);
  }
  if (report.backward) {
    lines.push(`backward origin: ${report.backward.op} at ${where(report.backward)}`);
    lines.push(`  ${report.backward.cause.text}`);
  }
  if (failed) {
    const path = spreadPath(trace, report);
    const names = path.leaves.map((id) => trace.tensors[id]?.label ?? id);
    lines.push(
      `spread: ${path.forward.events.length} forward op(s), ${path.backward.events.length} backward step(s)` +
        (names.length ? `; non-finite grads reach ${names.join(", ")}` : ""),
    );
  }
  const run = trainingRun(trace, t);
  const hi = t.explodeAbove ?? DEFAULT_EXPLODE_ABOVE;
  const lo = t.vanishBelow ?? DEFAULT_VANISH_BELOW;
  const label = new Map(run.params.map((p) => [p.id, p.label ?? p.id]));
  const flagged = new Map<string, { flag: string; norm: number; iteration: number }>();
  for (const it of run.iterations) {
    for (const [id, norm] of Object.entries(it.gradNorms)) {
      const flag = magnitudeFlag(norm, t);
      if ((flag === "exploding" || flag === "vanishing") && !flagged.has(id))
        flagged.set(id, { flag, norm, iteration: it.index });
    }
  }
  for (const [id, f] of flagged) {
    const bound = f.flag === "exploding" ? `> ${fmt(hi, "double")}` : `< ${fmt(lo, "double")}`;
    lines.push(
      `${f.flag} grad: ${label.get(baseTensorId(id)) ?? id} (norm ${fmt(f.norm, "double")} ${bound}) from iteration ${f.iteration}`,
    );
  }
  if (run.iterations.length > 1) {
    const bad = firstBadIteration(run, t);
    if (bad)
      lines.push(
        `first bad iteration: ${bad.iteration} (${bad.reason === "nonfinite" ? "non-finite values" : "exploding grads"})`,
      );
  }
  return { failed, lines, text: `${lines.join("\n")}\n` };
}
