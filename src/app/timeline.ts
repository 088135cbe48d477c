/**
 * Timeline arithmetic over a trace's events. Step k is the state after events[0..k] (DESIGN.md), and
 * step -1 the state before anything ran, so stepping forward from the start shows the first op appear.
 * The UI counts them 0..n ("step k+1 of n").
 */
import type { Trace, TraceEvent } from "../trace/schema.ts";
import type { StepSpec } from "./hash.ts";

export type Phase = "forward" | "backward" | "other";

export function lastStep(events: readonly unknown[]): number {
  return events.length - 1;
}

export const FIRST_STEP = -1;

export function clampStep(step: number, events: readonly unknown[]): number {
  const last = lastStep(events);
  if (Number.isNaN(step)) return last;
  return Math.min(last, Math.max(FIRST_STEP, Math.round(step)));
}

/** The last step before the first backward() begins (the end of the forward pass), else the last step. */
export function forwardEnd(events: readonly TraceEvent[]): number {
  const i = events.findIndex((e) => e.kind === "backward-start");
  return i < 0 ? lastStep(events) : i - 1;
}

export function resolveStep(spec: StepSpec | undefined, events: readonly TraceEvent[]): number {
  if (spec === undefined || spec === "end") return lastStep(events);
  if (spec === "start") return FIRST_STEP;
  if (spec === "forward") return forwardEnd(events);
  return clampStep(spec, events);
}

/** The URL spelling of a step: `end` for the last one, so a link survives a program that grows. */
export function stepSpecOf(step: number, events: readonly TraceEvent[]): StepSpec {
  if (step >= lastStep(events)) return "end";
  return step < 0 ? "start" : step;
}

export function phaseOf(e: TraceEvent): Phase {
  switch (e.kind) {
    case "create":
    case "op":
    case "inplace":
    case "grad-set":
      return "forward";
    case "backward-start":
    case "backward":
    case "accumulate":
    case "retain-grad":
    case "backward-end":
      return "backward";
    default:
      return "other";
  }
}

/** Runs of consecutive steps in one phase, for the scrubber's colour bands. */
export function phaseSegments(events: readonly TraceEvent[]): { phase: Phase; from: number; to: number }[] {
  const out: { phase: Phase; from: number; to: number }[] = [];
  events.forEach((e, i) => {
    const p = phaseOf(e);
    const last = out[out.length - 1];
    if (last && last.phase === p) last.to = i;
    else out.push({ phase: p, from: i, to: i });
  });
  return out;
}

/**
 * Playback: `elapsedMs` since the last tick at `speed` steps per second, with the fractional step
 * carried over. Stops at the last step.
 */
export function advance(
  step: number,
  carry: number,
  elapsedMs: number,
  speed: number,
  last: number,
): { step: number; carry: number; done: boolean } {
  const total = carry + (Math.max(0, elapsedMs) * Math.max(0, speed)) / 1000;
  const whole = Math.floor(total);
  const next = Math.min(last, step + whole);
  const done = next >= last;
  return { step: next, carry: done ? 0 : total - whole, done };
}

/** Playback speeds offered, in steps per second. */
export const SPEEDS = [0.5, 1, 2, 4, 8, 16] as const;

function tensorName(trace: Trace, id: string | null): string {
  if (!id) return "?";
  const t = trace.tensors[id];
  if (!t) return id;
  if (t.label) return t.label;
  if (t.wrapped && t.data && t.data.length === 1) return String(t.data[0]);
  return id;
}

function nodeName(trace: Trace, id: string | null): string {
  return (id && trace.nodes[id]?.name) || "?";
}

/** One line saying what a step did, as plain text: `z1 = matmul(X, W1)`, `backward: SigmoidBackward0`. */
export function describeEvent(trace: Trace, e: TraceEvent): string {
  switch (e.kind) {
    case "create":
      return `${tensorName(trace, e.out)} = ${e.op}(…)`;
    case "op":
      return `${tensorName(trace, e.out)} = ${e.op}(${e.inputs.map((i) => tensorName(trace, i)).join(", ")})`;
    case "inplace": {
      const who = e.grad_of ? `${tensorName(trace, e.grad_of)}.grad` : tensorName(trace, e.out);
      const args = e.inputs.map((i) => tensorName(trace, i)).join(", ");
      return `${who}.${e.op}(${args})`;
    }
    case "backward-start":
      return `${tensorName(trace, e.root)}.backward()`;
    case "backward":
      return `backward: ${e.name}`;
    case "accumulate":
      return `${tensorName(trace, e.tensor)}.grad += ∂ (AccumulateGrad)`;
    case "retain-grad":
      return `${tensorName(trace, e.tensor)}.grad (retained)`;
    case "backward-end":
      return `backward of ${tensorName(trace, e.root)} done`;
    case "grad-set":
      return `${tensorName(trace, e.tensor)}.grad = ${e.grad ? tensorName(trace, e.grad) : "None"}`;
    case "warning":
      return `${e.category}: ${e.message}`;
    case "error":
      return `${e.py_type}: ${e.message}`;
    default:
      return nodeName(trace, null);
  }
}

/** The program line a step ran, or null. */
export function sourceLineAt(events: readonly TraceEvent[], step: number): number | null {
  return events[step]?.source?.line ?? null;
}
