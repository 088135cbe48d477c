/** The `--check` text: origins, spread, exploding grads, first bad iteration; `failed` on any non-finite value. */
import { readFileSync } from "node:fs";
import { expect, test } from "vitest";
import { checkReport } from "../../src/analysis/report.ts";
import { lrDiverge, mlpNan, mlpTraining, trace } from "./programs.ts";

const EXPECTED = JSON.parse(
  readFileSync(new URL("../fixtures/faults/expected.json", import.meta.url), "utf8"),
).programs;

test("the seed MLP: both origins with line and iteration, and the four leaves the NaN reaches", () => {
  const r = checkReport(trace(mlpNan));
  expect(r.failed).toBe(true);
  expect(r.lines[0]).toBe(`forward origin: log at line ${EXPECTED.mlp_nan.forward.line}, iteration 0`);
  expect(r.lines[2]).toBe(
    `backward origin: SigmoidBackward0 at line ${EXPECTED.mlp_nan.backward.line}, iteration 0`,
  );
  expect(r.lines[4]).toMatch(/; non-finite grads reach W1, b1, W2, b2$/);
  expect(r.text.endsWith("\n")).toBe(true);
});

test("a diverging loop: the iteration of each origin, the exploding grads, the first bad iteration", () => {
  const r = checkReport(trace((rec) => lrDiverge(rec)));
  const exp = EXPECTED.lr_diverge;
  expect(r.lines[0]).toBe(
    `forward origin: mean at line ${exp.forward.line}, iteration ${exp.forward.iteration}`,
  );
  expect(r.lines[2]).toBe(
    `backward origin: PowBackward0 at line ${exp.backward.line}, iteration ${exp.backward.iteration}`,
  );
  expect(r.lines).toContain("exploding grad: w (norm 1892.5 > 1000.0) from iteration 2");
  expect(r.lines.at(-1)).toBe("first bad iteration: 2 (exploding grads)");
});

test("a healthy run passes", () => {
  const r = checkReport(trace((rec) => mlpTraining(rec, 3)));
  expect(r).toEqual({
    failed: false,
    lines: ["no nan or inf anywhere in this run"],
    text: "no nan or inf anywhere in this run\n",
  });
});
