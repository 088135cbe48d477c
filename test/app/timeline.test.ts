import { describe, expect, it } from "vitest";
import { tensor } from "../../src/engine/index.ts";
import { record } from "../../src/trace/recorder.ts";
import type { TraceEvent } from "../../src/trace/schema.ts";
import {
  advance,
  clampStep,
  describeEvent,
  FIRST_STEP,
  forwardEnd,
  lastStep,
  phaseSegments,
  resolveStep,
  sourceLineAt,
  stepSpecOf,
} from "../../src/app/timeline.ts";

const at = (line: number) => ({ source: { line }, scope: null });
/** x*x then backward: create, op, backward-start, backward, accumulate, backward-end. */
const EVENTS: TraceEvent[] = [
  { kind: "create", op: "tensor", out: "t1", ...at(1) },
  { kind: "op", op: "mul", out: "t2", inputs: ["t1", "t1"], attrs: {}, grad_fn: "n1", ...at(2) },
  { kind: "backward-start", root: "t2", grad: "t3", node: "n1", retain_graph: false, ...at(3) },
  {
    kind: "backward",
    node: "n1",
    name: "MulBackward0",
    grad_outputs: ["t3"],
    grad_inputs: ["t4", "t5"],
    ...at(3),
  },
  { kind: "accumulate", node: "n2", tensor: "t1", incoming: "t4", total: "t6", ...at(3) },
  { kind: "backward-end", root: "t2", ...at(3) },
  { kind: "warning", category: "UserWarning", message: "careful", source: null, scope: null },
];

describe("timeline", () => {
  it("steps run from -1 (before anything) to the last event", () => {
    expect(FIRST_STEP).toBe(-1);
    expect(lastStep(EVENTS)).toBe(6);
    expect(clampStep(-5, EVENTS)).toBe(-1);
    expect(clampStep(99, EVENTS)).toBe(6);
    expect(clampStep(2.6, EVENTS)).toBe(3);
    expect(clampStep(NaN, EVENTS)).toBe(6);
    expect(clampStep(Infinity, EVENTS)).toBe(6);
    expect(clampStep(3, [])).toBe(-1);
  });

  it("resolves the URL's step names", () => {
    expect(resolveStep("end", EVENTS)).toBe(6);
    expect(resolveStep(undefined, EVENTS)).toBe(6);
    expect(resolveStep("start", EVENTS)).toBe(-1);
    expect(resolveStep("forward", EVENTS)).toBe(1);
    expect(resolveStep(4, EVENTS)).toBe(4);
    expect(resolveStep(40, EVENTS)).toBe(6);
  });

  it("the forward pass ends before the first backward(), or at the end without one", () => {
    expect(forwardEnd(EVENTS)).toBe(1);
    expect(forwardEnd(EVENTS.slice(0, 2))).toBe(1);
    expect(forwardEnd(EVENTS.slice(2))).toBe(-1);
  });

  it("writes the last step as 'end' and the first as 'start' in links", () => {
    expect(stepSpecOf(6, EVENTS)).toBe("end");
    expect(stepSpecOf(3, EVENTS)).toBe(3);
    expect(stepSpecOf(-1, EVENTS)).toBe("start");
  });

  it("cuts the run into forward and backward bands", () => {
    expect(phaseSegments(EVENTS)).toEqual([
      { phase: "forward", from: 0, to: 1 },
      { phase: "backward", from: 2, to: 5 },
      { phase: "other", from: 6, to: 6 },
    ]);
  });

  it("plays at a speed in steps per second, carrying fractions, and stops at the end", () => {
    expect(advance(0, 0, 250, 2, 6)).toEqual({ step: 0, carry: 0.5, done: false });
    expect(advance(0, 0.5, 250, 2, 6)).toEqual({ step: 1, carry: 0, done: false });
    expect(advance(-1, 0, 1000, 4, 6)).toEqual({ step: 3, carry: 0, done: false });
    expect(advance(5, 0, 10_000, 16, 6)).toEqual({ step: 6, carry: 0, done: true });
    expect(advance(2, 0, -50, 4, 6)).toEqual({ step: 2, carry: 0, done: false });
  });

  it("reads the source line of a step", () => {
    expect(sourceLineAt(EVENTS, 1)).toBe(2);
    expect(sourceLineAt(EVENTS, 6)).toBeNull();
    expect(sourceLineAt(EVENTS, -1)).toBeNull();
  });

  it("says what each step of a recorded run did, in the program's names", () => {
    const { trace } = record((rec) => {
      const x = tensor(3.5, { requiresGrad: true });
      rec.labelTensor(x, "x");
      const y = x.mul(x).add(1);
      rec.labelTensor(y, "y");
      y.backward();
    });
    const lines = trace.events.map((e) => describeEvent(trace, e));
    expect(lines[0]).toBe("x = tensor(…)");
    expect(lines).toContain("y.backward()");
    expect(lines).toContain("backward: MulBackward0");
    expect(lines).toContain("x.grad += ∂ (AccumulateGrad)");
    expect(lines.at(-1)).toBe("backward of y done");
    expect(lines.some((l) => /^t\d+ = mul\(x, x\)$/.test(l))).toBe(true);
    expect(lines.some((l) => /^y = add\(t\d+, 1\)$/.test(l))).toBe(true);
  });
});
