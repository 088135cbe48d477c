import { describe, expect, it } from "vitest";
import * as ops from "../../src/engine/ops/index.ts";
import { Tensor } from "../../src/engine/tensor.ts";
import { TorchError } from "../../src/engine/errors.ts";
import { record, Recorder } from "../../src/trace/recorder.ts";
import type { Trace, TraceEvent } from "../../src/trace/schema.ts";
import { tensorValues } from "../../src/trace/values.ts";
import { accumulate, bce, REF, type RefTensor, refValues, squareSin, trainLoop } from "./programs.ts";

function values(trace: Trace, id: string | null): number[] {
  expect(id).not.toBeNull();
  return tensorValues(trace.tensors[id!])!;
}

/** PyTorch's float32 value, to the bit (both sides are float32 values in float64). */
function expectRef(trace: Trace, id: string | null, ref: RefTensor): void {
  expect(trace.tensors[id!].shape).toEqual(ref.shape);
  expect(values(trace, id)).toEqual(refValues(ref));
}

function ofKind<K extends TraceEvent["kind"]>(trace: Trace, kind: K): Extract<TraceEvent, { kind: K }>[] {
  return trace.events.filter((e): e is Extract<TraceEvent, { kind: K }> => e.kind === kind);
}

const normalizeName = (n: string) => n.replace("torch::autograd::", "");

/** The backward and accumulate events in order, as (name, grads) rows like PyTorch's node hooks log. */
function backwardRuns(trace: Trace) {
  return trace.events.flatMap((e) => {
    if (e.kind === "backward")
      return [{ name: e.name, out: e.grad_outputs, in: e.grad_inputs as (string | null)[] }];
    if (e.kind === "accumulate")
      return [{ name: "AccumulateGrad", out: [e.incoming], in: [] as (string | null)[] }];
    return [];
  });
}

describe("recorder on x**2 → sin → backward", () => {
  const { trace, error } = record(squareSin);

  it("records one event per create, op and backward step, in order", () => {
    expect(error).toBeNull();
    expect(trace.events.map((e) => e.kind)).toEqual([
      "create",
      "op",
      "op",
      "backward-start",
      "backward",
      "backward",
      "accumulate",
      "backward-end",
    ]);
    expect(ofKind(trace, "op").map((e) => e.op)).toEqual(["pow", "sin"]);
    expect(ofKind(trace, "op")[0].attrs).toEqual({ exponent: 2, floatExponent: false });
  });

  it("snapshots values as real PyTorch computed them", () => {
    const [pow, sin] = ofKind(trace, "op");
    expectRef(trace, pow.inputs[0], { shape: [], data: [3] });
    expectRef(trace, pow.out, REF.square_sin.values.y);
    expectRef(trace, sin.out, REF.square_sin.values.z);
    expectRef(trace, ofKind(trace, "accumulate")[0].total, REF.square_sin.grads.x);
  });

  it("runs backward nodes in PyTorch's order with PyTorch's grads", () => {
    const runs = backwardRuns(trace);
    expect(runs.map((r) => r.name)).toEqual(REF.square_sin.backward.map((r) => normalizeName(r.name)));
    runs.forEach((r, i) => {
      const ref = REF.square_sin.backward[i];
      expectRef(trace, r.out[0], ref.grad_outputs[0]!);
      ref.grad_inputs.forEach((g, j) => (g ? expectRef(trace, r.in[j], g) : expect(r.in[j]).toBeNull()));
    });
  });

  it("keeps labels, source lines, leaf metadata and grad_fn nodes", () => {
    const x = trace.tensors.t1;
    expect(x).toMatchObject({ label: "x", requires_grad: true, is_leaf: true, grad_fn: null, created_at: 0 });
    const y = trace.tensors.t2;
    expect(y).toMatchObject({ label: "y", requires_grad: true, is_leaf: false, grad_fn: "PowBackward0" });
    expect(trace.nodes[y.node!]).toMatchObject({ name: "PowBackward0", tensor: "t2" });
    const acc = trace.nodes[trace.nodes[y.node!].next[0][0]!];
    expect(acc).toMatchObject({ name: "AccumulateGrad", tensor: "t1", next: [] });
    expect(trace.events.map((e) => e.source?.line ?? null)).toEqual([1, 2, 3, 4, 4, 4, 4, 4]);
    const start = ofKind(trace, "backward-start")[0];
    expect(start).toMatchObject({ root: "t3", retain_graph: false });
    expect(values(trace, start.grad)).toEqual([1]);
  });
});

describe("recorder on the BCE perceptron", () => {
  const { trace, result } = record(bce);

  it("gives PyTorch's loss and leaf grads (6.7012, 6.6918, 0.9988)", () => {
    expectRef(trace, ofKind(trace, "op").at(-1)!.out, REF.bce.values.loss);
    const acc = ofKind(trace, "accumulate");
    const byLabel = Object.fromEntries(acc.map((e) => [trace.tensors[e.tensor].label, e.total]));
    expectRef(trace, byLabel.w, REF.bce.grads.w);
    expectRef(trace, byLabel.b, REF.bce.grads.b);
    expect(values(trace, byLabel.w)[0]).toBeCloseTo(6.6918, 4);
    expect(result!.loss.item()).toBeCloseTo(6.7012, 4);
  });

  it("walks the graph in PyTorch's order, every grad equal to PyTorch's", () => {
    const runs = backwardRuns(trace);
    const ref = REF.bce.backward;
    expect(runs.map((r) => r.name)).toEqual(ref.map((r) => normalizeName(r.name)));
    runs.forEach((r, i) => {
      expectRef(trace, r.out[0], ref[i].grad_outputs[0]!);
      // PyTorch gives a Scalar operand (1 - p) no slot; gradlens gives it a null one
      r.in.forEach((g, j) => {
        const want = ref[i].grad_inputs[j];
        if (want) expectRef(trace, g, want);
        else expect(g).toBeNull();
      });
    });
  });

  it("records scopes and wrapped numbers", () => {
    const ops_ = ofKind(trace, "op");
    expect(ops_.map((e) => e.scope)).toEqual([
      null,
      null,
      null,
      ...Array(9).fill("binary_cross_entropy_loss"),
    ]);
    const rsub = ops_.find((e) => e.op === "rsub")!;
    const one = trace.tensors[rsub.inputs[1]];
    expect(one).toMatchObject({ wrapped: true, dtype: "int64", data: [1], requires_grad: false });
    const clampEvent = ops_.find((e) => e.op === "clamp")!;
    expect(clampEvent.attrs).toEqual({ min: 1e-8, max: 1 - 1e-8 });
    expect(trace.tensors[clampEvent.out].label).toBe("prediction");
  });
});

describe("recorder snapshots in-place changes", () => {
  it("accumulates x.grad 4 → 8 → 12, then zero_() makes a new snapshot of the same grad tensor", () => {
    const { trace } = record(accumulate);
    const acc = ofKind(trace, "accumulate");
    expect(acc.map((e) => values(trace, e.total))).toEqual(
      REF.accumulate.grads_after_each_backward.map(refValues),
    );
    // the first total is a fresh tensor; later totals are new snapshots of it (written in place)
    const totals = acc.map((e) => trace.tensors[e.total]);
    expect(new Set(totals.map((t) => t.tensor_id)).size).toBe(1);
    expect(totals.map((t) => t.snapshot)).toEqual([0, 1, 2]);
    const zero = ofKind(trace, "inplace")[0];
    expect(zero).toMatchObject({ op: "zero_", target: acc[2].total, grad_of: "t1", inputs: [] });
    expect(values(trace, zero.out)).toEqual(refValues(REF.accumulate.after_zero));
    expect(values(trace, zero.target)).toEqual([12]);
  });

  it("records the sum when backward accumulates into a .grad the program assigned", () => {
    const { trace } = record(() => {
      const x = ops.tensor(2, { dtype: "float32", requiresGrad: true });
      x.grad = new Tensor(Float32Array.of(10), [], "float32");
      ops.mul(x, x).backward();
      ops.mul(x, 3).backward();
    });
    // x.grad: 10 + 2x = 14, then 14 + 3 = 17; a first grad is a copy of the incoming one
    expect(
      ofKind(trace, "accumulate").map((e) => [values(trace, e.incoming), values(trace, e.total)]),
    ).toEqual([
      [[4], [14]],
      [[3], [17]],
    ]);
    const fresh = record(() => {
      const x = ops.tensor(2, { dtype: "float32", requiresGrad: true });
      ops.mul(x, x).backward();
    }).trace;
    const acc = ofKind(fresh, "accumulate")[0];
    expect(acc.total).not.toBe(acc.incoming);
    expect(values(fresh, acc.total)).toEqual([4]);
  });

  it("records an update under no_grad as an in-place op on the leaf, with a new snapshot", () => {
    const { trace, result } = record((r) => trainLoop(r, 2));
    const subs = ofKind(trace, "inplace").filter((e) => e.op === "sub_");
    expect(subs).toHaveLength(2);
    expect(subs.map((e) => [e.target, e.out, e.grad_fn])).toEqual([
      ["t1", "t1.1", null],
      ["t1.1", "t1.2", null],
    ]);
    // the last snapshot holds what the live tensor holds
    expect(values(trace, "t1.2")).toEqual([result!.w.item()]);
    expect(trace.tensors["t1.1"]).toMatchObject({
      label: "w",
      requires_grad: true,
      is_leaf: true,
      version: 1,
    });
  });

  it("turns requires_grad_() on a used tensor into an event, and patches an unused one", () => {
    const { trace } = record(() => {
      const a = ops.tensor([1, 2], { dtype: "float32" }).requiresGrad_();
      const b = ops.mul(a, 2);
      a.requiresGrad_(false);
      return ops.mul(a, b);
    });
    expect(trace.tensors.t1.requires_grad).toBe(true); // patched: nothing had used it yet
    const e = ofKind(trace, "inplace")[0];
    expect(e).toMatchObject({
      op: "requires_grad_",
      target: "t1",
      out: "t1.1",
      attrs: { requires_grad: false },
    });
    expect(trace.tensors["t1.1"].requires_grad).toBe(false);
    expect(ofKind(trace, "op")[1].inputs[0]).toBe("t1.1");
  });
});

describe("recorder hooks", () => {
  it("updates a record's label when the name arrives after the op", () => {
    const rec = new Recorder().start();
    const a = ops.tensor([1, 2], { dtype: "float32" });
    const b = ops.exp(a);
    rec.labelTensor(b, "b");
    const trace = rec.stop();
    expect(trace.tensors.t2.label).toBe("b");
    expect(b.label).toBe("b");
  });

  it("nests scopes as a path", () => {
    const { trace } = record((r) => {
      r.pushScope("model");
      r.pushScope("fc1");
      const t = ops.tensor(1.5);
      r.popScope();
      ops.neg(t);
      r.popScope();
      ops.neg(t);
    });
    expect(trace.events.map((e) => e.scope)).toEqual(["model/fc1", "model", null]);
    expect(trace.tensors.t1.scope).toBe("model/fc1");
  });

  it("stops listening at stop()", () => {
    const rec = new Recorder().start();
    ops.tensor(1.5);
    rec.stop();
    ops.tensor(2.5);
    expect(rec.trace.events).toHaveLength(1);
    expect(rec.recording).toBe(false);
  });

  it("records x.grad assignments told by the shim", () => {
    const { trace } = record((r) => {
      const x = ops.tensor(2.5, { requiresGrad: true });
      ops.mul(x, x).backward();
      x.grad = null;
      r.gradAssigned(x);
    });
    expect(ofKind(trace, "grad-set")[0]).toMatchObject({ tensor: "t1", grad: null });
  });
});

describe("recorder payloads", () => {
  it("keeps data up to the size cap and only the summary above it", () => {
    const { trace } = record(
      () => {
        const big = new Tensor(
          Float32Array.from({ length: 10 }, (_, i) => i - 4),
          [2, 5],
          "float32",
        );
        const small = new Tensor(Float32Array.of(1, -2), [2], "float32");
        ops.log(big);
        ops.neg(small);
      },
      { sizeCap: 8 },
    );
    expect(trace.meta.size_cap).toBe(8);
    const big = trace.tensors.t1;
    expect(big.data).toBeNull();
    // ln of [-4..5]: 4 NaN (negatives), one -inf (log 0), ln 1..5 finite
    const logged = trace.tensors.t2.summary;
    expect(logged).toMatchObject({
      numel: 10,
      nan: 4,
      neg_inf: 1,
      pos_inf: 0,
      zero: 1,
      positive: 4,
      negative: 0,
    });
    expect(logged.min).toBe(0);
    expect(logged.max).toBe(Math.fround(Math.log(5)));
    expect(big.summary).toMatchObject({ min: -4, max: 5, mean: 0.5, negative: 4, zero: 1, positive: 5 });
    expect(big.summary.norm).toBeCloseTo(Math.sqrt(16 + 9 + 4 + 1 + 0 + 1 + 4 + 9 + 16 + 25), 12);
    expect(trace.tensors.t3.data).toEqual([1, -2]);
  });

  it("encodes NaN, ±Infinity and -0 losslessly", () => {
    const { trace } = record(() => ops.div(new Tensor(Float32Array.of(0, 1, -1, -0), [4], "float32"), 0));
    expect(trace.tensors.t3.data).toEqual(["nan", "inf", "-inf", "nan"]);
    expect(trace.tensors.t1.data).toEqual([0, 1, -1, "-0"]);
    expect(tensorValues(trace.tensors.t1)![3]).toBe(-0);
  });

  it("records engine warnings and errors, and a thrown error ends the trace", () => {
    const { trace, error } = record(() => {
      const x = ops.tensor(2.5, { requiresGrad: true });
      const y = ops.mul(x, x);
      void y.grad; // the non-leaf .grad warning
      ops.tensor(1.5).backward();
    });
    expect(error).toBeInstanceOf(TorchError);
    const warning = ofKind(trace, "warning")[0];
    expect(warning.category).toBe("UserWarning");
    expect(warning.message).toContain("is not a leaf Tensor is being accessed");
    expect(trace.events.at(-1)).toMatchObject({
      kind: "error",
      py_type: "RuntimeError",
      message: "element 0 of tensors does not require grad and does not have a grad_fn",
    });
  });

  it("keeps a summary, not the data, of tensors above the size cap (npm run bench measures the cost)", () => {
    const n = 1_000_000;
    const a = new Tensor(
      Float32Array.from({ length: n }, (_, i) => Math.sin(i)),
      [n],
      "float32",
    );
    const rec = new Recorder().start();
    const out = ops.tanh(ops.mul(ops.add(ops.mul(a, a), 1), a));
    rec.stop();
    const big = Object.values(rec.trace.tensors).filter((t) => t.summary.numel === n);
    expect(big.length).toBe(5);
    expect(big.every((t) => t.data === null)).toBe(true);
    let max = -Infinity;
    for (const v of out.values) max = Math.max(max, v);
    expect(big.at(-1)!.summary.max).toBeCloseTo(max, 6);
  });
});
