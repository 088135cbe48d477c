import { describe, expect, it } from "vitest";
import * as ops from "../../src/engine/ops/index.ts";
import { record, Recorder } from "../../src/trace/recorder.ts";
import { graphAt, graphFull, type Graph, iterationOf, iterations, stateAt } from "../../src/trace/graph.ts";
import type { Trace } from "../../src/trace/schema.ts";
import { tensorValues } from "../../src/trace/values.ts";
import { bce, mlpNan, REF, refValues, squareSin, trainLoop } from "./programs.ts";

const node = (g: Graph, id: string) => {
  const n = g.nodes.find((x) => x.id === id);
  if (!n) throw new Error(`no node ${id} in ${g.nodes.map((x) => x.id).join(" ")}`);
  return n;
};
const edge = (g: Graph, id: string) => {
  const e = g.edges.find((x) => x.id === id);
  if (!e) throw new Error(`no edge ${id} in ${g.edges.map((x) => x.id).join(" ")}`);
  return e;
};
const vals = (trace: Trace, id: string | null) => (id ? tensorValues(trace.tensors[id]) : null);
const kinds = (g: Graph) => g.nodes.map((n) => n.kind);
/** Edges with a grad, in the order the grads passed them. */
const gradOrder = (g: Graph) =>
  g.edges
    .filter((e) => e.gradStep !== null)
    .sort((a, b) => a.gradStep! - b.gradStep! || a.id.localeCompare(b.id))
    .map((e) => e.id);

describe("graph of x**2 → sin → backward", () => {
  // events: 0 create x, 1 pow, 2 sin, 3 backward-start, 4 SinBackward0, 5 PowBackward0, 6 accumulate, 7 backward-end
  const { trace } = record(squareSin);

  it("values view grows op by op: tensors as boxes, ops between them", () => {
    expect(graphAt(trace, -1, "values").nodes).toEqual([]);
    const g0 = graphAt(trace, 0, "values");
    expect(g0.nodes.map((n) => [n.id, n.kind, n.label, n.isNew])).toEqual([["t1", "leaf", "x", true]]);
    expect(g0.nodes[0]).toMatchObject({ shape: [], dtype: "float32", preview: [3], line: 1, grad: null });
    const g2 = graphAt(trace, 2, "values");
    expect(g2.nodes.map((n) => n.id)).toEqual(["t1", "op1", "t2", "op2", "t3"]);
    expect(kinds(g2)).toEqual(["leaf", "op", "tensor", "op", "tensor"]);
    expect(g2.nodes.filter((n) => n.isNew).map((n) => n.id)).toEqual(["op2", "t3"]);
    expect(g2.edges.map((e) => [e.source, e.target, e.kind])).toEqual([
      ["t1", "op1", "forward"],
      ["op1", "t2", "forward"],
      ["t2", "op2", "forward"],
      ["op2", "t3", "forward"],
    ]);
    expect(node(g2, "op2")).toMatchObject({ label: "sin", gradFn: "n3", tensor: "t3", line: 3 });
    expect(node(g2, "t3").preview).toEqual(refValues(REF.square_sin.values.z));
    expect(g2.edges.every((e) => e.grad === null)).toBe(true);
  });

  it("values view: grads arrive from the output back to x, one backward step at a time", () => {
    const ref = REF.square_sin.backward;
    const g3 = graphAt(trace, 3, "values");
    expect(vals(trace, node(g3, "t3").grad)).toEqual([1]);
    expect(g3.edges.every((e) => e.grad === null)).toBe(true);
    const g4 = graphAt(trace, 4, "values");
    expect(vals(trace, edge(g4, "t2>op2:0").grad)).toEqual(refValues(ref[0].grad_inputs[0]!));
    // a tensor's own grad is the sum over its uses: it is there when its grad_fn runs
    expect(node(g4, "t2").grad).toBeNull();
    expect(edge(g4, "t1>op1:0").grad).toBeNull();
    expect(vals(trace, node(graphAt(trace, 5, "values"), "t2").grad)).toEqual(
      refValues(ref[1].grad_outputs[0]!),
    );
    const g6 = graphAt(trace, 6, "values");
    expect(vals(trace, node(g6, "t1").grad)).toEqual(refValues(REF.square_sin.grads.x));
    expect(gradOrder(g6)).toEqual(["op2>t3:0", "t2>op2:0", "op1>t2:0", "t1>op1:0"]);
  });

  it("autograd view: grad_fn nodes, AccumulateGrad and the leaf, root added at backward", () => {
    expect(graphAt(trace, 0, "autograd").nodes).toEqual([]);
    const g1 = graphAt(trace, 1, "autograd");
    expect(g1.nodes.map((n) => [n.id, n.kind, n.label])).toEqual([
      ["n2", "accumulate-grad", "AccumulateGrad"],
      ["t1", "leaf", "x"],
      ["n1", "grad-fn", "PowBackward0"],
    ]);
    expect(g1.edges.map((e) => e.id)).toEqual(["n2>t1:0", "n1>n2:0"]);
    expect(g1.edges.every((e) => e.kind === "backward")).toBe(true);
    const g3 = graphAt(trace, 3, "autograd");
    expect(g3.nodes.map((n) => n.id)).toEqual(["n2", "t1", "n1", "n3", "t3"]);
    expect(node(g3, "t3")).toMatchObject({ kind: "tensor", label: "z", isNew: true });
    expect(g3.edges).toHaveLength(4);
    const end = graphFull(trace, "autograd");
    expect(gradOrder(end)).toEqual(["t3>n3:0", "n3>n1:0", "n1>n2:0", "n2>t1:0"]);
    expect(end.edges.map((e) => e.gradStep)).toEqual([6, 5, 4, 3]);
    expect(vals(trace, node(end, "n1").grad)).toEqual(refValues(REF.square_sin.backward[1].grad_outputs[0]!));
    expect(vals(trace, node(end, "t1").grad)).toEqual(refValues(REF.square_sin.grads.x));
  });

  it("stateAt: visible prefix, changed nodes and edges, leaf .grad", () => {
    const full = graphFull(trace, "values");
    const s5 = stateAt(trace, 5, "values");
    expect(s5.nodeCount).toBe(full.nodes.length);
    expect(s5.changedEdges.sort()).toEqual(["op1>t2:0", "t1>op1:0"]);
    expect(s5.grads.size).toBe(0);
    const s6 = stateAt(trace, 6, "values");
    expect(s6.changedNodes).toEqual(["t1"]);
    expect(vals(trace, s6.grads.get("t1")!)).toEqual(refValues(REF.square_sin.grads.x));
    const s1 = stateAt(trace, 1, "autograd");
    expect([s1.nodeCount, s1.edgeCount]).toEqual([3, 2]);
    expect(s1.changedNodes).toEqual(["n2", "t1", "n1"]);
    expect(stateAt(trace, 99).step).toBe(7);
  });
});

describe("graph of the BCE perceptron", () => {
  const { trace } = record(bce);

  it("has the expected nodes in both views", () => {
    const v = graphFull(trace, "values");
    const count = (g: Graph, k: string) => g.nodes.filter((n) => n.kind === k).length;
    // 4 created tensors + 2 wrapped 1s, 12 ops, 12 op outputs
    expect([v.nodes.length, v.edges.length]).toEqual([30, 31]);
    expect([count(v, "leaf"), count(v, "constant"), count(v, "op"), count(v, "tensor")]).toEqual([
      2, 4, 12, 12,
    ]);
    expect(v.nodes.filter((n) => n.kind === "constant").map((n) => n.label)).toEqual(["x", "y", "1", "1"]);
    const a = graphFull(trace, "autograd");
    expect([a.nodes.length, a.edges.length]).toEqual([16, 16]);
    expect(a.nodes.filter((n) => n.kind === "grad-fn").map((n) => n.label)).toEqual([
      "MulBackward0",
      "AddBackward0",
      "SigmoidBackward0",
      "ClampBackward1",
      "LogBackward0",
      "MulBackward0",
      "RsubBackward1",
      "LogBackward0",
      "MulBackward0",
      "AddBackward0",
      "NegBackward0",
    ]);
    expect(a.nodes.filter((n) => n.kind === "leaf").map((n) => n.label)).toEqual(["w", "b"]);
    expect(node(a, "n6").scope).toBe("binary_cross_entropy_loss");
  });

  it("the autograd view's grads pass the edges in PyTorch's node order, with PyTorch's values", () => {
    const a = graphFull(trace, "autograd");
    const byStep = new Map<number, string[]>();
    for (const e of a.edges)
      if (e.gradStep !== null) byStep.set(e.gradStep, [...(byStep.get(e.gradStep) ?? []), e.source]);
    const ranAt = [...byStep.entries()]
      .sort((x, y) => x[0] - y[0])
      .map(([, sources]) => node(a, sources[0]).label);
    // the root edge first, then each node that ran, in order (AccumulateGrad: its edge to the leaf)
    expect(ranAt).toEqual(["loss", ...REF.bce.backward.map((r) => r.name.replace("torch::autograd::", ""))]);
    const sigmoid = a.nodes.find((n) => n.label === "SigmoidBackward0")!;
    const ref = REF.bce.backward.find((r) => r.name === "SigmoidBackward0")!;
    expect(vals(trace, sigmoid.grad)).toEqual(refValues(ref.grad_outputs[0]!));
    expect(vals(trace, edge(a, `${sigmoid.id}>n3:0`).grad)).toEqual(refValues(ref.grad_inputs[0]!));
    expect(vals(trace, node(a, "t3").grad)).toEqual(refValues(REF.bce.grads.w));
    expect(vals(trace, node(a, "t4").grad)).toEqual(refValues(REF.bce.grads.b));
  });

  it("the values view shows each tensor's grad; constants get none", () => {
    const v = graphFull(trace, "values");
    const ref = REF.bce.backward.find((r) => r.name === "SigmoidBackward0")!;
    const yPred = v.nodes.find((n) => n.label === "y_pred")!;
    expect(vals(trace, yPred.grad)).toEqual(refValues(ref.grad_outputs[0]!));
    expect(node(v, "t1").grad).toBeNull();
    expect(edge(v, "t2>op9:0").grad).toBeNull();
    expect(vals(trace, node(v, "t3").grad)).toEqual(refValues(REF.bce.grads.w));
  });
});

describe("graph of a training loop", () => {
  const { trace } = record((r) => trainLoop(r, 2));

  it("cuts the run into iterations at each backward()", () => {
    const its = iterations(trace);
    expect(its.map((i) => i.backward !== null)).toEqual([true, true, false]);
    expect(its[0].start).toBe(0);
    expect(trace.events[its[0].end].kind).toBe("backward-end");
    expect(its[1].start).toBe(its[0].end + 1);
    expect(iterationOf(trace, its[1].start)).toBe(1);
    expect(iterationOf(trace, trace.events.length - 1)).toBe(2);
  });

  it("draws a tensor reused in a later iteration as a stub at its use", () => {
    const v = graphFull(trace, "values");
    const stubs = v.nodes.filter((n) => n.stubFor !== null);
    // x (made before the loop) in iteration 1; w's old snapshot into each sub_ after a backward()
    expect(stubs.map((n) => [n.stubFor, n.kind, n.label, n.iteration])).toEqual([
      ["t1", "leaf", "w", 1],
      ["t2", "constant", "x", 1],
      ["t1.1", "leaf", "w", 2],
    ]);
    for (const s of stubs) {
      const uses = v.edges.filter((e) => e.source === s.id);
      expect(uses).toHaveLength(1);
      expect(v.edges.some((e) => e.target === s.id)).toBe(false);
    }
    const a = graphFull(trace, "autograd");
    const accStubs = a.nodes.filter((n) => n.stubFor !== null);
    expect(accStubs.map((n) => [n.kind, n.stubFor, n.iteration])).toEqual([["accumulate-grad", "n2", 1]]);
    // the second backward's grad into w's AccumulateGrad goes along the stub's edge
    const into = a.edges.find((e) => e.target === accStubs[0].id)!;
    expect(into.grad).not.toBeNull();
  });

  it("follows w's .grad through accumulate, zero_() and the update", () => {
    const grads = (step: number) => vals(trace, stateAt(trace, step).grads.get("t1") ?? null);
    const acc = trace.events.flatMap((e, k) => (e.kind === "accumulate" ? [k] : []));
    const zeros = trace.events.flatMap((e, k) => (e.kind === "inplace" && e.op === "zero_" ? [k] : []));
    // w = 0.25, x = 2: grad of (w x - 1)^2 is 2 (w x - 1) x = -2; w becomes 0.45, then grad 2 (0.9 - 1) 2
    expect(grads(acc[0])).toEqual([-2]);
    expect(grads(zeros[0])).toEqual([0]);
    expect(grads(acc[1])![0]).toBeCloseTo(-0.4, 6);
    const a = graphAt(trace, zeros[0], "autograd");
    expect(vals(trace, node(a, "t1").grad)).toEqual([0]);
    // the autograd view's leaf shows w's newest snapshot after the update
    expect(node(a, "t1").tensor).toBe("t1.1");
    expect(node(a, "t1").preview![0]).toBeCloseTo(0.45, 6);
  });

  it("clears the previous pass's edge grads when a new backward starts", () => {
    const starts = trace.events.flatMap((e, k) => (e.kind === "backward-start" ? [k] : []));
    const before = stateAt(trace, starts[1] - 1, "autograd");
    expect(before.edgeGrad.size).toBeGreaterThan(0);
    const at = stateAt(trace, starts[1], "autograd");
    expect([...at.edgeGrad.keys()]).toEqual(["t16>n7:0"]);
    expect(at.nodeGrad.has("t1")).toBe(true); // a leaf's .grad survives
  });
});

describe("non-finite flags", () => {
  it("marks nan and -inf on values and grads", () => {
    const { trace } = record(() => {
      const x = ops.tensor(0, { dtype: "float32", requiresGrad: true });
      const y = ops.log(x); // -inf
      const z = ops.mul(y, 0); // -inf × 0 = nan
      z.backward();
    });
    const g = graphFull(trace, "values");
    expect(node(g, "t2").nonfinite).toBe("-inf");
    expect(node(g, "t4").nonfinite).toBe("nan");
    expect(node(g, "t1").nonfinite).toBeNull();
    // d/dx log(x) × 0 at 0: 0 / 0 = nan
    expect(node(g, "t1").gradNonfinite).toBe("nan");
    expect(edge(g, "t1>op1:0").gradNonfinite).toBe("nan");
    expect(edge(g, "op1>t2:0").gradNonfinite).toBeNull();
  });
});

describe("graph of the seed MLP whose grads turn NaN", () => {
  const { trace } = record(mlpNan);
  const byLabel = (g: Graph, label: string) => g.nodes.find((n) => n.label === label && n.stubFor === null)!;

  it("has PyTorch's values: z1, o2 = 1. (saturated), loss = -inf", () => {
    const v = graphFull(trace, "values");
    // matmul's float32 sums may differ from PyTorch's in the last bit
    vals(trace, byLabel(v, "z1").tensor)!.forEach((x, i) =>
      expect(x).toBeCloseTo(refValues(REF.mlp_nan.values.z1)[i], 4),
    );
    expect(vals(trace, byLabel(v, "o2").tensor)).toEqual(refValues(REF.mlp_nan.values.o2));
    expect(vals(trace, byLabel(v, "loss").tensor)).toEqual(refValues(REF.mlp_nan.values.loss));
    expect(byLabel(v, "loss").nonfinite).toBe("-inf");
    // log(1 - y_pred) is where -inf is born: its input is finite, its output is not
    const log = v.nodes.filter((n) => n.kind === "op" && n.label === "log")[1];
    expect(log.nonfinite).toBe("-inf");
    const input = v.edges.find((e) => e.target === log.id)!.source;
    expect(node(v, input).nonfinite).toBeNull();
  });

  it("marks every leaf's grad NaN, in both views, as PyTorch's are", () => {
    for (const view of ["values", "autograd"] as const) {
      const g = graphFull(trace, view);
      for (const name of ["W1", "b1", "W2", "b2"]) {
        const leaf = byLabel(g, name);
        expect(leaf.kind).toBe("leaf");
        expect(leaf.gradNonfinite).toBe("nan");
        expect(vals(trace, leaf.grad)).toEqual(refValues(REF.mlp_nan.grads[name]));
      }
    }
    const a = graphFull(trace, "autograd");
    // SigmoidBackward0 receives -inf and sends nan: -inf × (1 - 1.) × 1. = -inf × 0
    const sigmoid = byLabel(a, "SigmoidBackward0");
    expect(sigmoid.gradNonfinite).toBe("-inf");
    expect(a.edges.find((e) => e.source === sigmoid.id)!.gradNonfinite).toBe("nan");
  });
});

describe("stubs for far reuse within one iteration", () => {
  it("keeps the first use as an edge and draws a use far deeper as a stub", () => {
    const { trace } = record(() => {
      const x = ops.tensor(0.5, { dtype: "float32", requiresGrad: true });
      let y = ops.mul(x, 2);
      for (let i = 0; i < 12; i++) y = ops.sin(y);
      ops.add(y, x).backward();
    });
    const v = graphFull(trace, "values", { stubDepth: 8 });
    const stubs = v.nodes.filter((n) => n.stubFor);
    expect(stubs.map((n) => [n.id, n.kind, n.label])).toEqual([["t1@op14", "leaf", null]]);
    expect(v.edges.filter((e) => e.source === "t1").map((e) => e.target)).toEqual(["op1"]);
    // the stub reads its original's grad: x.grad
    const acc = trace.events.find((e) => e.kind === "accumulate")!;
    expect(node(v, "t1@op14").grad).toBe((acc as { total: string }).total);
    // with a larger depth budget, no stub
    expect(graphFull(trace, "values", { stubDepth: 40 }).nodes.some((n) => n.stubFor)).toBe(false);
    const a = graphFull(trace, "autograd", { stubDepth: 8 });
    expect(a.nodes.filter((n) => n.stubFor).map((n) => n.kind)).toEqual(["accumulate-grad"]);
  });
});

describe("in-place ops in the graph", () => {
  it("chains the old and new snapshots through the in-place op, and its grad_fn into the old one", () => {
    const { trace } = record(() => {
      const x = ops.tensor([1, 2], { dtype: "float32", requiresGrad: true });
      const y = ops.mul(x, 3);
      y.add_(1);
      y.mul_(ops.tensor([2, 5], { dtype: "float32" }));
      ops.sum(y).backward();
    });
    const v = graphFull(trace, "values");
    const inplace = v.nodes.filter((n) => n.kind === "op" && n.label!.endsWith("_"));
    expect(inplace.map((n) => n.label)).toEqual(["add_", "mul_"]);
    // y: t3 → add_ → t3.1 → mul_ → t3.2; the target is input 0
    expect(v.edges.filter((e) => e.target === inplace[0].id).map((e) => [e.source, e.order])).toEqual([
      ["t3", 0],
      ["t4", 1],
    ]);
    expect(v.edges.find((e) => e.source === inplace[0].id)!.target).toBe("t3.1");
    expect(v.edges.filter((e) => e.target === inplace[1].id).map((e) => e.source)).toEqual(["t3.1", "t5"]);
    expect(v.edges.find((e) => e.source === inplace[1].id)!.target).toBe("t3.2");
    const a = graphFull(trace, "autograd");
    expect(a.nodes.filter((n) => n.kind === "grad-fn").map((n) => n.label)).toEqual([
      "MulBackward0",
      "AddBackward0",
      "MulBackward0",
      "SumBackward0",
    ]);
    // PyTorch: x.grad = 3 * [2, 5] = [6, 15]
    expect(vals(trace, node(a, "t1").grad)).toEqual([6, 15]);
  });

  it("ends with PyTorch's error when a saved tensor was modified in place", () => {
    const { trace, error } = record(() => {
      const x = ops.tensor([1, 2], { dtype: "float32", requiresGrad: true });
      const y = ops.mul(x, 3);
      y.add_(1);
      y.mul_(y.detach());
      ops.sum(y).backward();
    });
    expect(error).not.toBeNull();
    expect(trace.events.at(-1)).toMatchObject({
      kind: "error",
      py_type: "RuntimeError",
      message:
        "one of the variables needed for gradient computation has been modified by an inplace operation: [torch.FloatTensor [2]] is at version 2; expected version 1 instead. Hint: enable anomaly detection to find the operation that failed to compute its gradient, with torch.autograd.set_detect_anomaly(True).",
    });
    // the graph still stands, up to the backward that failed
    expect(graphFull(trace, "autograd").nodes.length).toBeGreaterThan(0);
  });
});

describe("edge cases", () => {
  it("an empty run has an empty graph, and a trace still recording is indexed again as it grows", () => {
    const rec = new Recorder().start();
    expect(graphFull(rec.trace, "values").nodes).toEqual([]);
    expect(stateAt(rec.trace, 0).step).toBe(-1);
    ops.exp(ops.tensor(1.5));
    expect(graphFull(rec.trace, "values").nodes.map((n) => n.kind)).toEqual(["constant", "op", "tensor"]);
    ops.neg(ops.tensor(2.5));
    rec.stop();
    expect(graphFull(rec.trace, "values").nodes).toHaveLength(6);
    expect(iterations(rec.trace)).toEqual([{ index: 0, start: 0, end: 3, backward: null }]);
  });
});
