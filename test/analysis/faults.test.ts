/**
 * The planted-fault programs (test/fixtures/faults/*.py) through gradlens' Python runtime: the origin
 * found must be the one real PyTorch showed (test/fixtures/faults/expected.json, from
 * gen_expected.py): the first forward op making nan/±inf from finite inputs, and the backward node
 * anomaly mode names (or the first making ±inf from finite grads), each with its line and iteration.
 */
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, test } from "vitest";
import { nonFiniteOrigin } from "../../src/analysis/origin.ts";
import { spreadPath } from "../../src/analysis/spread.ts";
import { nodeRuntime } from "../../src/python/node.ts";
import type { PythonRuntime } from "../../src/python/runtime.ts";
import { baseTensorId, type Trace } from "../../src/trace/schema.ts";

const DIR = fileURLToPath(new URL("../fixtures/faults/", import.meta.url));

interface Expected {
  forward: { op: string; kind: "op" | "create"; line: number; iteration: number } | null;
  backward: { node: string; line: number; iteration: number; value: "nan" | "inf" } | null;
  anomaly: string | null;
  backward_calls: number;
}

const EXPECTED = JSON.parse(readFileSync(`${DIR}expected.json`, "utf8")) as {
  programs: Record<string, Expected>;
};

/** PyTorch 1.13's grad_fn names where 2.x (and gradlens) differ (see ../shared/golden/README.md). */
const NODE_ALIASES: Record<string, string> = {
  ReshapeAliasBackward0: "ViewBackward0",
  SqueezeBackward3: "SqueezeBackward4",
};

/** ATen's name of the op (`_softmax`) as gradlens records it (`softmax`). */
const atenToGradlens = (op: string) => op.replace(/^_+/, "");

let rt: PythonRuntime;
beforeAll(async () => {
  rt = await nodeRuntime();
}, 180_000);

const traces = new Map<string, Trace>();
function run(name: string): Trace {
  let trace = traces.get(name);
  if (!trace) {
    const r = rt.run(readFileSync(`${DIR}${name}.py`, "utf8"), { filename: `${name}.py` });
    expect(r.error).toBeNull();
    trace = r.trace!;
    traces.set(name, trace);
  }
  return trace;
}

test("the fault set has at least 20 programs, each with PyTorch's expected origin", () => {
  const programs = readdirSync(DIR).filter((f) => f.endsWith(".py") && !f.startsWith("gen_"));
  expect(programs.length).toBeGreaterThanOrEqual(20);
  expect(Object.keys(EXPECTED.programs).sort()).toEqual(programs.map((f) => f.slice(0, -3)).sort());
});

describe.each(Object.entries(EXPECTED.programs))("%s", (name, exp) => {
  test("forward origin: op, line, iteration as in PyTorch", () => {
    const trace = run(name);
    const { forward } = nonFiniteOrigin(trace);
    if (!exp.forward) {
      expect(forward).toBeNull();
      return;
    }
    expect(forward).not.toBeNull();
    if (exp.forward.kind === "create") expect(forward!.kind).toBe("create");
    else expect(forward!.op).toBe(atenToGradlens(exp.forward.op));
    expect(forward!.line).toBe(exp.forward.line);
    expect(forward!.iteration).toBe(exp.forward.iteration);
    expect(forward!.cause.text.length).toBeGreaterThan(0);
  });

  test("backward origin: node, line, iteration as in PyTorch", () => {
    const trace = run(name);
    const { backward } = nonFiniteOrigin(trace);
    if (!exp.backward) {
      expect(backward).toBeNull();
      return;
    }
    expect(backward).not.toBeNull();
    expect(backward!.op).toBe(NODE_ALIASES[exp.backward.node] ?? exp.backward.node);
    expect(backward!.value === "nan" ? "nan" : "inf").toBe(exp.backward.value);
    expect(backward!.line).toBe(exp.backward.line);
    expect(backward!.iteration).toBe(exp.backward.iteration);
  });

  test("every non-finite leaf grad is on the spread path", () => {
    const trace = run(name);
    const path = spreadPath(trace);
    const bad = new Set<string>();
    for (const e of trace.events) {
      if (e.kind !== "accumulate") continue;
      const s = trace.tensors[e.total].summary;
      if (s.nan + s.pos_inf + s.neg_inf > 0) bad.add(baseTensorId(e.tensor));
    }
    for (const leaf of bad) {
      expect(path.leaves).toContain(leaf);
      expect(path.autograd.nodes.has(leaf)).toBe(true);
    }
  });
});
