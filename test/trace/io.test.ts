import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as ops from "../../src/engine/ops/index.ts";
import { Tensor } from "../../src/engine/tensor.ts";
import { parseTrace, serializeTrace, TraceFormatError } from "../../src/trace/io.ts";
import { record } from "../../src/trace/recorder.ts";
import type { Trace } from "../../src/trace/schema.ts";
import { formatFloat32 } from "../../src/trace/values.ts";
import { validate } from "./jsonschema.ts";
import { accumulate, bce, mlpNan, squareSin, trainLoop } from "./programs.ts";

const SCHEMA = JSON.parse(
  readFileSync(new URL("../../src/trace/trace.schema.json", import.meta.url), "utf8"),
);

/** A run that touches every event kind and every special value. */
function everything(): Trace {
  return record(
    (r) => {
      r.setSource(1);
      const x = ops.tensor([0, -0, 1.5, 0.1], { dtype: "float32", requiresGrad: true });
      r.labelTensor(x, 'x <script>alert("no")</script>');
      r.setSource(2);
      const big = new Tensor(
        Float32Array.from({ length: 50 }, (_, i) => (i % 5) - 2),
        [5, 10],
        "float32",
      );
      ops.div(big, 0);
      r.setSource(3);
      const y = ops.div(x, ops.tensor([0, 0, 2, 3], { dtype: "float32" }));
      y.retainGrad();
      const loss = ops.mul(ops.clamp(y, -Infinity, 1e30), 3.5);
      void loss.grad; // the non-leaf .grad warning
      r.pushScope("loss");
      loss.backward(ops.tensor([1, 1, 1, 1], { dtype: "float32" }));
      r.popScope();
      x.grad!.zero_();
      x.grad = null;
      r.gradAssigned(x);
      x.requiresGrad_(false);
      ops.neg(x);
      throw new Error("stop here");
    },
    { sizeCap: 16, program: { language: "python", source: "x = ...\n" }, title: "everything" },
  ).trace;
}

const programs: [string, () => Trace][] = [
  ["x**2 → sin", () => record(squareSin).trace],
  ["BCE perceptron", () => record(bce).trace],
  ["accumulate + zero_", () => record(accumulate).trace],
  ["training loop", () => record((r) => trainLoop(r, 3)).trace],
  ["MLP with NaN grads", () => record(mlpNan).trace],
  ["every event kind and special value", everything],
];

describe("round trip", () => {
  it.each(programs)("%s: serialize → parse → serialize is identical, and deep-equal", (_name, make) => {
    const trace = make();
    const text = serializeTrace(trace);
    const back = parseTrace(text);
    expect(serializeTrace(back)).toBe(text);
    expect(back).toEqual(trace);
    expect(parseTrace(JSON.parse(text))).toEqual(trace);
  });

  it("keeps nan, ±inf and -0 through JSON, and float32 data in its short spelling", () => {
    const trace = everything();
    const text = serializeTrace(trace);
    expect(text).toContain('"data":[0,"-0",1.5,0.1]');
    const back = parseTrace(text);
    const kinds = new Set(back.events.map((e) => e.kind));
    expect([...kinds].sort()).toEqual([
      "accumulate",
      "backward",
      "backward-end",
      "backward-start",
      "create",
      "error",
      "grad-set",
      "inplace",
      "op",
      "retain-grad",
      "warning",
    ]);
    const div = back.events.find((e) => e.kind === "op" && e.op === "div")!;
    expect(back.tensors[(div as { out: string }).out].summary).toMatchObject({
      nan: 10,
      pos_inf: 20,
      neg_inf: 20,
    });
    const clamp = back.events.find((e) => e.kind === "op" && e.op === "clamp")!;
    expect((clamp as { attrs: unknown }).attrs).toEqual({ min: { float: "-inf" }, max: 1e30 });
    expect(back.tensors.t1.label).toBe('x <script>alert("no")</script>');
  });

  it("does not change the object it is given", () => {
    const trace = record(squareSin).trace;
    const obj = JSON.parse(serializeTrace(trace));
    const copy = structuredClone(obj);
    parseTrace(obj);
    expect(obj).toEqual(copy);
  });

  it("writes float32 values in a spelling that reads back to the same float32", () => {
    fc.assert(
      fc.property(fc.float({ noNaN: true, noDefaultInfinity: true }), (v) => {
        const s = formatFloat32(v);
        expect(Math.fround(Number(s))).toBe(Object.is(v, -0) ? 0 : v);
        expect(s.length).toBeLessThanOrEqual(String(v).length);
      }),
      { numRuns: 2000, seed: 7 },
    );
  });
});

describe("JSON Schema", () => {
  it.each(programs)("%s: the recorded trace validates against trace.schema.json", (_name, make) => {
    expect(validate(SCHEMA, JSON.parse(serializeTrace(make())))).toEqual([]);
  });

  it("rejects what parseTrace rejects (a sample)", () => {
    const good = JSON.parse(serializeTrace(record(squareSin).trace));
    const bad = (edit: (t: any) => void) => {
      const t = structuredClone(good);
      edit(t);
      return validate(SCHEMA, t).length;
    };
    expect(bad((t) => (t.version = 2))).toBeGreaterThan(0);
    expect(bad((t) => (t.events[1].kind = "oops"))).toBeGreaterThan(0);
    expect(bad((t) => (t.tensors.t1.data = ["NaN"]))).toBeGreaterThan(0);
    expect(bad((t) => (t.tensors.t1.extra = 1))).toBeGreaterThan(0);
    expect(bad((t) => (t.events[1].out = "x"))).toBeGreaterThan(0);
    expect(bad((t) => delete t.meta.engine)).toBeGreaterThan(0);
  });
});

describe("parseTrace refuses malformed files, naming the field", () => {
  const base = () => JSON.parse(serializeTrace(record(squareSin).trace));
  // events: 0 create t1, 1 op pow t1 → t2, 2 op sin t2 → t3, 3 backward-start, ...
  /** Applies `fn` to the trace object and returns it. */
  const edit = (fn: (t: any) => unknown) => (t: any) => (fn(t), t);
  const cases: [string, (t: any) => unknown, string | RegExp][] = [
    ["not JSON", () => "{ nope", /^not a gradlens trace: not valid JSON/],
    ["an array", () => [], "not a gradlens trace: expected a JSON object, got an array"],
    ["no format", edit((t) => delete t.format), "not a gradlens trace: format is missing"],
    [
      "another format",
      edit((t) => (t.format = "chrome-trace")),
      'not a gradlens trace: format is "chrome-trace", expected "gradlens-trace"',
    ],
    [
      "a newer version",
      edit((t) => (t.version = 2)),
      "trace.version: unsupported trace version 2 (this gradlens reads version 1)",
    ],
    [
      "an unknown tensor id",
      edit((t) => (t.events[2].out = "x")),
      'trace.events[2].out: expected a tensor id, got "x"',
    ],
    [
      "a dangling input",
      edit((t) => (t.events[1].inputs = ["t1", "t99"])),
      'trace.events[1].inputs[1]: expected a tensor id, got "t99"',
    ],
    [
      "a tensor used before it exists",
      edit((t) => (t.events[1].inputs = ["t3"])),
      "trace.events[1].inputs[0]: tensor t3 is created at event 2, after this",
    ],
    [
      "an unknown event kind",
      edit((t) => (t.events[0].kind = "exec")),
      /^trace\.events\[0\]\.kind: expected one of create, op, .*, got "exec"$/,
    ],
    [
      "a missing field",
      edit((t) => delete t.events[3].retain_graph),
      "trace.events[3].retain_graph: missing",
    ],
    ["an unknown field", edit((t) => (t.tensors.t1.onload = "x")), "trace.tensors.t1.onload: unknown field"],
    [
      "a label that is not text",
      edit((t) => (t.tensors.t1.label = { toString: "x" })),
      "trace.tensors.t1.label: expected a string or null, got an object",
    ],
    [
      "data of the wrong length",
      edit((t) => (t.tensors.t2.data = [1, 2])),
      "trace.tensors.t2.data: expected 1 elements for shape [], got 2",
    ],
    [
      "a bad data element",
      edit((t) => (t.tensors.t2.data = ["NaN"])),
      'trace.tensors.t2.data[0]: expected a number, "nan", "inf", "-inf" or "-0", got "NaN"',
    ],
    [
      "counts that do not add up",
      edit((t) => (t.tensors.t2.summary.nan = 3)),
      "trace.tensors.t2.summary: counts add up to 4, expected 1",
    ],
    [
      "a negative dimension",
      edit((t) => (t.tensors.t2.shape = [-1])),
      "trace.tensors.t2.shape[0]: expected a non-negative integer, got -1",
    ],
    [
      "a bad dtype",
      edit((t) => (t.tensors.t2.dtype = "float16")),
      'trace.tensors.t2.dtype: expected "float32", "int64" or "bool", got "float16"',
    ],
    [
      "a key that is not its id",
      edit((t) => ((t.tensors.t9 = t.tensors.t2), delete t.tensors.t2)),
      /^trace\.tensors\.t9\.id: expected "t9", got "t2"$/,
    ],
    [
      "a key that is not an id",
      edit((t) => (t.tensors.__proto__x = {})),
      'trace.tensors.__proto__x: expected a tensor id like "t1" or "t1.2" as key',
    ],
    [
      "a dangling next function",
      edit((t) => (t.nodes.n1.next[0][0] = "n99")),
      'trace.nodes.n1.next[0][0]: expected a node id, got "n99"',
    ],
    [
      "a line number 0",
      edit((t) => (t.events[0].source = { line: 0 })),
      "trace.events[0].source.line: expected an integer >= 1, got 0",
    ],
    [
      "a program in an unknown language",
      edit((t) => (t.meta.program = { language: "ruby", source: "" })),
      'trace.meta.program.language: expected "python", "typescript" or "javascript", got "ruby"',
    ],
    [
      "a non-integer int64 element",
      edit((t) => ((t.tensors.t2.dtype = "int64"), (t.tensors.t2.data = [9.5]))),
      "trace.tensors.t2.data[0]: expected an integer (dtype int64), got 9.5",
    ],
    [
      "a NaN number in attrs",
      edit((t) => (t.events[1].attrs.exponent = NaN)),
      "trace.events[1].attrs.exponent: expected a finite number, got NaN",
    ],
  ];

  it.each(cases)("%s", (_name, make, message) => {
    const input = make(base());
    let error: unknown = null;
    try {
      parseTrace(input);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TraceFormatError);
    if (typeof message === "string") expect((error as Error).message).toBe(message);
    else expect((error as Error).message).toMatch(message);
  });

  it("accepts the unmodified file", () => {
    expect(() => parseTrace(base())).not.toThrow();
  });
});
