import { describe, expect, it } from "vitest";
import { chainText, explainedChain, stepNotes } from "../../src/app/annotate.ts";
import { fmtNumber, inspectNode, opCall, reprRecord, torchSize } from "../../src/app/inspect.ts";
import { tensor } from "../../src/engine/index.ts";
import { layoutGraph } from "../../src/layout/elk.ts";
import { nodeElk } from "../../src/layout/elk-node.ts";
import { prepareGraph } from "../../src/layout/prepare.ts";
import { buildScene } from "../../src/render/scene.ts";
import { graphAt, graphFull, stateAt } from "../../src/trace/graph.ts";
import { record } from "../../src/trace/recorder.ts";
import ref from "../fixtures/app_inspect.json" with { type: "json" };
import { mlpTrace } from "./mlp.ts";

const MLP = ref.mlp as Record<
  string,
  {
    repr: string;
    grad: string;
    shape: string;
    dtype: string;
    is_leaf: boolean;
    requires_grad: boolean;
    grad_fn: string | null;
  }
>;

describe("inspector", () => {
  const trace = mlpTrace();
  const end = trace.events.length - 1;
  const graph = graphAt(trace, end, "values");
  const state = stateAt(trace, end, "values");
  const byLabel = (label: string) => graph.nodes.find((n) => n.label === label && n.stubFor === null)!;

  it("shows a leaf's value and .grad as PyTorch prints them", () => {
    for (const name of ["W1", "b1", "W2", "b2"]) {
      const info = inspectNode(trace, byLabel(name), state);
      expect(info.title).toBe(name);
      expect(info.kind).toBe("leaf");
      expect(info.value?.repr).toBe(MLP[name].repr);
      expect(info.grad?.repr).toBe(MLP[name].grad);
      expect(info.value?.shape).toBe(MLP[name].shape);
      expect(info.value?.dtype).toBe(MLP[name].dtype);
      expect(info.isLeaf).toBe(MLP[name].is_leaf);
      expect(info.requiresGrad).toBe(MLP[name].requires_grad);
      expect(info.grad?.nonfinite).toBe("nan");
      expect(info.grad?.summary.nan).toBe(info.grad?.summary.numel);
    }
  });

  it("explains why a non-leaf has no .grad, and shows what retain_grad() would keep (as PyTorch keeps it)", () => {
    for (const name of ["z1", "o1", "z2", "o2"]) {
      const info = inspectNode(trace, byLabel(name), state);
      expect(info.kind).toBe("tensor");
      expect(info.value?.repr).toBe(MLP[name].repr);
      expect(info.gradFn).toBe(MLP[name].grad_fn);
      expect(info.isLeaf).toBe(false);
      expect(info.grad).toBeNull();
      expect(info.notes.join(" ")).toContain(`${name} is not a leaf (it was made by ${MLP[name].grad_fn})`);
      expect(info.notes.join(" ")).toContain(`${name}.retain_grad()`);
      expect(info.flowed?.repr).toBe(MLP[name].grad);
    }
  });

  it("a constant says it gets no grad", () => {
    const info = inspectNode(trace, byLabel("X"), state);
    expect(info.kind).toBe("constant");
    expect(info.value?.repr).toBe(ref.X.repr);
    expect(info.notes[0]).toContain("does not require grad");
  });

  it("before backward, a leaf's .grad is None and says when it fills", () => {
    const before = trace.events.findIndex((e) => e.kind === "backward-start") - 1;
    const g = graphAt(trace, before, "values");
    const info = inspectNode(
      trace,
      g.nodes.find((n) => n.label === "W1")!,
      stateAt(trace, before, "values"),
    );
    expect(info.grad).toBeNull();
    expect(info.notes[0]).toContain("W1.grad is None until a backward() reaches W1");
  });

  it("a grad_fn node shows the grad it received and its next functions", () => {
    const g = graphAt(trace, end, "autograd");
    const st = stateAt(trace, end, "autograd");
    const sig = g.nodes.find((n) => n.label === "SigmoidBackward0")!;
    const info = inspectNode(trace, sig, st);
    expect(info.kind).toBe("grad-fn");
    expect(info.gradFn).toBe("SigmoidBackward0");
    expect(info.next).toEqual(["AddBackward0"]);
    // what flowed into SigmoidBackward0 is o2's grad, which PyTorch keeps with retain_grad()
    expect(info.grad?.repr).toBe(MLP.o2.grad);
    // the first nan of backward (the node anomaly mode names): -inf × (1 - 1.0) × 1.0
    expect(info.origins.map((o) => o.direction)).toEqual(["backward"]);
    expect(info.origins[0].steps.at(-1)?.formula).toBe("-inf × (1 - 1.0) × 1.0 = nan");
  });

  it("an op node shows its call; the op where the first -inf was born says so (PyTorch: 1 - 1. = 0., log(0.) = -inf)", () => {
    const origin = graph.nodes.find((n) => {
      if (n.kind !== "op" || n.label !== "log") return false;
      return opCall(trace, n)?.bornHere === true;
    })!;
    const info = inspectNode(trace, origin, state);
    expect(info.call?.formula).toBe("log(0.) = -inf");
    expect(info.call?.output.nonfinite).toBe("-inf");
    expect(info.notes[0]).toContain("The first -inf was made here");
    // how, from src/analysis: sigmoid saturates to 1.0, the clamp bound rounds to 1.0, 1 - 1.0 = 0, log(0) = -inf
    expect(info.origins).toHaveLength(1);
    expect(info.origins[0].direction).toBe("forward");
    expect(info.origins[0].steps.map((x) => x.formula)).toEqual([
      "sigmoid(67.469) = 1.0",
      "clamp(1.0, min=1e-08, max=0.99999999) = 1.0",
      "1 - 1.0 = 0",
      "log(0) = -inf",
    ]);
    // matmul(X, W1) of a vector and a matrix is mm of the unsqueezed vector in PyTorch 2.x
    const mm = graph.nodes.find((n) => n.kind === "op" && n.label === "mm")!;
    expect(opCall(trace, mm)?.formula).toBe("mm([1×2], W1=[2×2]) = [1×2]");
    expect(opCall(trace, mm)?.bornHere).toBe(false);
  });

  it("formats shapes and health numbers", () => {
    expect(torchSize([2, 3])).toBe("torch.Size([2, 3])");
    expect(torchSize([])).toBe("torch.Size([])");
    expect(fmtNumber(null)).toBe("–");
    expect(fmtNumber(NaN)).toBe("nan");
    expect(fmtNumber(-Infinity)).toBe("-inf");
    expect(fmtNumber(0.123456)).toBe("0.12346");
    expect(fmtNumber(123456)).toBe("1.235e+5");
    expect(fmtNumber(0)).toBe("0");
  });

  it("a record above the size cap reads as its summary, not a made-up repr", () => {
    const rec = { ...trace.tensors[byLabel("W1").tensor!], data: null };
    expect(reprRecord(rec)).toContain("only its summary was kept");
  });
});

describe("step notes", () => {
  it("writes the chain rule for scalars: upstream × local = downstream", () => {
    // y = x² at x = 3: dy/dx = 6 (PyTorch: x.grad is tensor(6.))
    const { trace } = record((rec) => {
      const x = tensor(3.0, { dtype: "float32", requiresGrad: true });
      rec.labelTensor(x, "x");
      x.pow(2).backward();
    });
    const bw = trace.events.find((e) => e.kind === "backward")!;
    if (bw.kind !== "backward") throw new Error("no backward");
    expect(chainText(trace, bw.grad_outputs[0], bw.grad_inputs[0])).toBe("1.0 × 6.0 = 6.0");
  });

  it("leaves accumulate: .grad 4. → 8. → 12. across three backward() calls", async () => {
    const { trace } = record((rec) => {
      const x = tensor(2.0, { dtype: "float32", requiresGrad: true });
      rec.labelTensor(x, "x");
      for (let i = 0; i < 3; i++) x.pow(2).backward();
    });
    const layout = await layoutGraph(
      nodeElk(),
      prepareGraph(graphFull(trace, "values"), { trace, showValues: true }),
    );
    const texts: string[] = [];
    trace.events.forEach((e, k) => {
      if (e.kind !== "accumulate") return;
      const scene = buildScene(graphAt(trace, k, "values"), layout, {
        trace,
        step: stateAt(trace, k, "values"),
      });
      for (const n of stepNotes(trace, k, scene)) if (n.on === "node") texts.push(n.text);
    });
    // PyTorch prints x.grad as tensor(4.), tensor(8.), tensor(12.)
    expect(ref.accumulate).toEqual(["tensor(4.)", "tensor(8.)", "tensor(12.)"]);
    expect(texts).toEqual([".grad = 4.0", ".grad 4.0 + 4.0 = 8.0", ".grad 8.0 + 4.0 = 12.0"]);
  });

  it("a nan born in backward: -inf arrives, nan leaves, and `local` stands for the factor that cannot be read back", () => {
    const trace = mlpTrace();
    const k = trace.events.findIndex((e) => e.kind === "backward" && e.name === "SigmoidBackward0");
    const e = trace.events[k];
    if (e.kind !== "backward") throw new Error("no SigmoidBackward0");
    expect(chainText(trace, e.grad_outputs[0], e.grad_inputs[0])).toBe("-inf × local = nan");
    // with the op's own formula the local factor is spelled out: sigmoid'(z2) = (1 - 1.0) × 1.0 = 0
    expect(explainedChain(trace, k, 0)).toEqual({
      text: "-inf × (1 - 1.0) × 1.0 = nan",
      symbolic: "grad × (1 - y) × y, y = sigmoid(x)",
    });
  });

  it("spells out the local derivative where the op's formula is known (sin(x)·x² at x = 3)", () => {
    // PyTorch: d/dx x² sin x = 2x sin x + x² cos x = 0.84672 - 8.9099 at x = 3
    const { trace } = record(() => {
      const x = tensor(3.0, { dtype: "float32", requiresGrad: true });
      x.pow(2).mul(x.sin()).backward();
    });
    const k = trace.events.findIndex((e) => e.kind === "backward" && e.name === "PowBackward0");
    expect(explainedChain(trace, k, 0)?.text).toBe("0.14112 × 2 × 3.0 ** 1 = 0.84672");
    const s = trace.events.findIndex((e) => e.kind === "backward" && e.name === "SinBackward0");
    expect(explainedChain(trace, s, 0)?.text).toBe("9.0 × cos(3.0) = -8.9099");
    // AddBackward0 has no formula to show: the caller falls back to the plain product
    const { trace: t2 } = record(() => {
      const x = tensor(3.0, { dtype: "float32", requiresGrad: true });
      x.add(1).backward();
    });
    expect(
      explainedChain(
        t2,
        t2.events.findIndex((e) => e.kind === "backward"),
        0,
      ),
    ).toBeNull();
  });

  it("the notes of a backward step use the op's formula on the edge it crossed", async () => {
    const trace = mlpTrace();
    const k = trace.events.findIndex((e) => e.kind === "backward" && e.name === "SigmoidBackward0");
    const layout = await layoutGraph(
      nodeElk(),
      prepareGraph(graphFull(trace, "values"), { trace, showValues: true }),
    );
    const scene = buildScene(graphAt(trace, k, "values"), layout, {
      trace,
      step: stateAt(trace, k, "values"),
    });
    const notes = stepNotes(trace, k, scene).filter((n) => n.on === "edge");
    expect(notes.map((n) => n.text).sort()).toEqual(["-inf", "-inf × (1 - 1.0) × 1.0 = nan"]);
    expect(notes.find((n) => n.symbolic)?.symbolic).toBe("grad × (1 - y) × y, y = sigmoid(x)");
  });
});
