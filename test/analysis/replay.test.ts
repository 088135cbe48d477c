/**
 * Replay and what-if: an unchanged replay reproduces each trace exactly (TS recordings and Python
 * programs); a changed clamp bound or learning rate gives what PyTorch computes with that change
 * (test/fixtures/analysis.json, what_if).
 */
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, test } from "vitest";
import { change, type Editable, editables, replay, ReplayError, whatIf } from "../../src/analysis/replay.ts";
import { trainingRun } from "../../src/analysis/training.ts";
import { nodeRuntime } from "../../src/python/node.ts";
import type { PythonRuntime } from "../../src/python/runtime.ts";
import { serializeTrace } from "../../src/trace/io.ts";
import type { Trace } from "../../src/trace/schema.ts";
import { decodeValue } from "../../src/trace/values.ts";
import { lrDiverge, mlpNan, mlpTraining, sqrtZeroNan, trace } from "./programs.ts";

const path = (rel: string) => fileURLToPath(new URL(rel, import.meta.url));
const REF = JSON.parse(readFileSync(path("../fixtures/analysis.json"), "utf8")).what_if;
const FAULTS = path("../fixtures/faults/");

/** The index op records the engine's tensor ids in its attrs: numbers that differ from run to run. */
const normalized = (t: Trace) => serializeTrace(t).replace(/"indices":\[[0-9,null]*\]/g, '"indices":[]');

describe("an unchanged replay reproduces the trace", () => {
  test.each([
    ["the seed MLP", mlpNan],
    ["a diverging loop", (rec: Parameters<typeof mlpNan>[0]) => lrDiverge(rec, 30)],
    ["an MLP trained by hand", (rec: Parameters<typeof mlpNan>[0]) => mlpTraining(rec, 3)],
    ["sqrt at 0", sqrtZeroNan],
  ])("%s (TS API)", (_name, fn) => {
    const t = trace(fn);
    const r = replay(t);
    expect(r.error).toBeNull();
    expect(r.aligned).toBe(true);
    expect(serializeTrace(r.trace)).toBe(serializeTrace(t));
  });

  let rt: PythonRuntime;
  beforeAll(async () => {
    rt = await nodeRuntime();
  }, 180_000);

  const programs = [
    ...readdirSync(FAULTS)
      .filter((f) => f.endsWith(".py") && !f.startsWith("gen_"))
      .map((f) => FAULTS + f),
    path("../../src/examples/mlp-module.py"),
    path("../../src/examples/training-loop.py"),
    path("../python/programs/nn_training.py"),
    path("../python/programs/tensor_basics.py"),
    path("../../../shared/golden/programs-public.py"),
  ];
  test("Python programs: the fault set, module and optimizer examples, the golden public programs", () => {
    for (const file of programs) {
      const t = rt.run(readFileSync(file, "utf8"), { filename: file }).trace!;
      const r = replay(t);
      expect({ file, error: r.error, aligned: r.aligned }).toEqual({ file, error: null, aligned: true });
      expect(normalized(r.trace)).toBe(normalized(t));
    }
  });

  test("a write through .data cannot be replayed, and says so", () => {
    const t = rt.run("import torch\nw = torch.ones(2, requires_grad=True)\nw.data -= 1\n", {
      filename: "d.py",
    }).trace!;
    expect(() => replay(t)).toThrow(ReplayError);
    expect(() => replay(t)).toThrow("was never recorded before (written through .data?)");
  });
});

describe("what-if", () => {
  test("the seed MLP with the clamp bound 1 - 1e-7 (which float32 can hold): PyTorch's finite loss and zero grads", () => {
    const t = trace(mlpNan);
    const clamp = editables(t).find(
      (e) => e.kind === "attr" && e.op === "clamp" && e.name === "max",
    )! as Extract<Editable, { kind: "attr" }>;
    expect(clamp).toMatchObject({ kind: "attr", value: 1 - 1e-8, line: 10 });
    const w = whatIf(t, change(clamp, 1 - 1e-7));
    const ref = REF["mlp_nan_clamp_max_1e-7"];
    expect(w.aligned).toBe(true);
    const loss = Object.values(w.trace.tensors).find((r) => r.label === "loss")!;
    expect(decodeValue(loss.data![0])).toBe(ref.loss);
    expect(w.origin.forward).toBeNull();
    expect(w.origin.backward).toBeNull();
    // what changed: the clamp's output onwards, and the loss went from -inf to finite
    expect(w.changed[0].event).toBe(clamp.events[0]);
    const lossChange = w.changed.find((c) => c.id === loss.id)!;
    expect([lossChange.beforeFlag, lossChange.afterFlag]).toEqual(["-inf", null]);
    const run = trainingRun(w.trace);
    const ids = Object.fromEntries(run.params.map((p) => [p.label, p.id]));
    for (const [name, grad] of Object.entries(ref.grads as Record<string, number[]>)) {
      expect(run.iterations[0].gradNorms[ids[name]]).toBe(Math.hypot(...grad));
    }
  });

  test("the diverging loop with lr 0.01: every iteration's loss is PyTorch's", () => {
    const t = trace((rec) => lrDiverge(rec));
    const lr = editables(t).filter((e) => e.kind === "tensor" && e.role === "number" && e.values[0] === 0.5);
    // `0.5 * w.grad` and `0.5 * b.grad`, a new number each iteration
    expect(lr.map((e) => (e.kind === "tensor" ? e.records.length : 0))).toEqual([60, 60]);
    const w = whatIf(t, { tensors: Object.assign({}, ...lr.map((e) => change(e, 0.01).tensors)) });
    expect(w.aligned).toBe(true);
    const losses = trainingRun(w.trace).iterations.map((it) => it.loss!);
    const ref: number[] = REF["lr_diverge_lr_0.01"].loss;
    expect(losses).toHaveLength(ref.length);
    losses.forEach((l, i) => expect(Math.abs(l - ref[i]) / ref[i]).toBeLessThan(1e-5));
    expect(w.origin.forward).toBeNull();
  });

  test("a changed leaf, and a wrong number of values", () => {
    const t = trace(sqrtZeroNan);
    const x = editables(t).find((e) => e.kind === "tensor" && e.label === "x")!;
    const w = whatIf(t, change(x, [4, 1]));
    expect(w.origin.backward).toBeNull();
    expect(w.changed.map((c) => c.field)).toContain("total");
    expect(() => whatIf(t, change(x, [1, 2, 3]))).toThrow("the new values for x have 3 elements, expected 2");
  });
});
