/**
 * Differential test against real PyTorch: seeded random programs over the engine's ops (elementwise,
 * Python numbers on both sides, reductions with dims, matmul, views, indexing, softmax family,
 * losses), run by /usr/bin/python3 + torch in one process and by the TS API, then compared: output
 * values, dtype, shape, grad_fn name, every leaf's grad, and error texts (every tenth program ends in
 * an op that must fail: mismatched shapes, out-of-range dims, indices and targets).
 *
 * GRADLENS_DIFF_COUNT and GRADLENS_DIFF_SEED run other programs (e.g. 2000 with seed 7); a failing
 * program prints its Python source, which reruns as is under torch.
 */
import { beforeAll, describe, expect, it } from "vitest";
import {
  evaluate,
  generateProgram,
  type Program,
  pythonScript,
  toPython,
} from "../differential/expressions.ts";
import { hasTorch, runPython } from "../differential/torch.ts";
import {
  compareTensor,
  normalizeErrorMessage,
  normalizeGradFnName,
  type RefTensor,
  type Tolerance,
} from "../differential/compare.ts";

const COUNT = Number(process.env.GRADLENS_DIFF_COUNT ?? 300);
const SEED = Number(process.env.GRADLENS_DIFF_SEED ?? 1);

interface TorchResult {
  id: number;
  out?: RefTensor;
  grad_fn?: string | null;
  grads?: Record<string, RefTensor | null>;
  error?: [string, string];
  stage?: "forward" | "backward";
}

const programs: Program[] = Array.from({ length: COUNT }, (_, i) => generateProgram(i, SEED * 100_003 + i));
const torchAvailable = hasTorch();

/**
 * Relative 1e-4, looser once transcendental ops compound float32 rounding differences; values that
 * are 0 in exact arithmetic come out as float32 noise of either sign (inputs are O(1)).
 */
function toleranceFor(p: Program): Tolerance {
  const rel = p.transcendental === 0 ? 1e-4 : Math.min(1e-4 * 2 ** p.transcendental, 2e-3);
  return { rel, absOfMax: rel, abs: 1e-5 };
}

function check(p: Program, torch: TorchResult): string[] {
  const got = evaluate(p);
  const expected: TorchResult = torch.error
    ? { ...torch, error: [torch.error[0], normalizeErrorMessage(torch.error[1])] }
    : torch;
  const problems: string[] = [];
  if (expected.stage === "forward" || got.stage === "forward") {
    if (JSON.stringify(got.error) !== JSON.stringify(expected.error) || got.stage !== expected.stage) {
      problems.push(
        `forward: torch ${JSON.stringify(expected.error ?? "ok")}, ours ${JSON.stringify(got.error ?? "ok")}`,
      );
    }
    return problems;
  }
  const tol = toleranceFor(p);
  const outProblem = compareTensor(got.out!, expected.out!, tol);
  if (outProblem) problems.push(`out: ${outProblem}`);
  if (normalizeGradFnName(got.gradFn) !== normalizeGradFnName(expected.grad_fn)) {
    problems.push(`grad_fn: torch ${expected.grad_fn}, ours ${got.gradFn}`);
  }
  if (JSON.stringify(got.error ?? null) !== JSON.stringify(expected.error ?? null)) {
    problems.push(
      `backward: torch ${JSON.stringify(expected.error ?? "ok")}, ours ${JSON.stringify(got.error ?? "ok")}`,
    );
  }
  for (const [name, ref] of Object.entries(expected.grads ?? {})) {
    const grad = got.grads?.[name] ?? null;
    if (ref === null) {
      if (grad !== null) problems.push(`${name}.grad: torch None, ours a tensor`);
    } else {
      const problem = compareTensor(grad, ref, tol);
      if (problem) problems.push(`${name}.grad: ${problem}`);
    }
  }
  return problems;
}

describe(`differential: ${COUNT} random programs vs PyTorch (seed ${SEED})`, () => {
  const results = new Map<number, TorchResult>();

  beforeAll(() => {
    // the comparison is with real PyTorch or nothing: a missing torch fails, it is not skipped
    if (!torchAvailable) throw new Error("needs /usr/bin/python3 with torch: apt-get install python3-torch");
    for (const line of runPython(pythonScript(programs))) {
      const r = JSON.parse(line) as TorchResult;
      results.set(r.id, r);
    }
  });

  it("PyTorch ran every program", () => {
    expect(results.size).toBe(COUNT);
  });

  for (const p of programs) {
    const ops = [...new Set(p.steps.map((s) => s.op))].join(",");
    it(`program ${p.id} [${ops}]`, () => {
      const problems = check(p, results.get(p.id)!);
      expect(problems, `${problems.join("\n")}\n--- the program:\n${toPython(p)}`).toEqual([]);
    });
  }
});
