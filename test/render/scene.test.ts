import { describe, expect, it } from "vitest";
import { add, mul, tensor } from "../../src/engine/index.ts";
import { record } from "../../src/trace/recorder.ts";
import { graphAt, graphFull, stateAt, type View } from "../../src/trace/graph.ts";
import type { Trace } from "../../src/trace/schema.ts";
import { layoutGraph } from "../../src/layout/elk.ts";
import { nodeElk } from "../../src/layout/elk-node.ts";
import { prepareGraph } from "../../src/layout/prepare.ts";
import type { Layout } from "../../src/layout/types.ts";
import { buildScene, edgePath, findOrigins, gradDomain, type SceneOptions } from "../../src/render/scene.ts";
import { THEMES } from "../../src/render/theme.ts";
import type { Scene } from "../../src/render/types.ts";
import { mlpNanTrace, sinSquareTrace, trainingTrace } from "../layout/traces.ts";

async function layoutOf(t: Trace, view: View, collapsed?: string[]): Promise<Layout> {
  return layoutGraph(nodeElk(), prepareGraph(graphFull(t, view), { trace: t, collapsed }));
}

async function sceneOf(t: Trace, view: View, step = t.events.length - 1, opts: SceneOptions = {}) {
  const layout = await layoutOf(t, view);
  return buildScene(graphAt(t, step, view), layout, { trace: t, step: stateAt(t, step, view) }, opts);
}

describe("buildScene", () => {
  it("draws each kind of node differently: leaf, constant, tensor, op, grad_fn, AccumulateGrad", async () => {
    const t = mlpNanTrace();
    const values = await sceneOf(sinSquareTrace(), "values");
    const auto = await sceneOf(sinSquareTrace(), "autograd");
    const withConstant = await sceneOf(t, "values", resolveForward(t));
    const look = new Map<string, string>();
    for (const n of [...values.nodes, ...auto.nodes, ...withConstant.nodes]) {
      if (n.nonfinite || n.stub || n.small) continue;
      const sig = `${n.body.shape}/${n.body.rx}/${n.body.fill}/${n.body.stroke}/${n.body.strokeWidth}`;
      if (look.has(n.kind)) expect(look.get(n.kind), n.kind).toBe(sig);
      look.set(n.kind, sig);
    }
    expect([...look.keys()].sort()).toEqual([
      "accumulate-grad",
      "constant",
      "grad-fn",
      "leaf",
      "op",
      "tensor",
    ]);
    expect(new Set(look.values()).size).toBe(6);
  });

  it("is plain data: survives a JSON round trip unchanged", async () => {
    const scene = await sceneOf(mlpNanTrace(), "values");
    expect(JSON.parse(JSON.stringify(scene))).toEqual(scene);
  });

  it("puts values with PyTorch's formatting and the shape on nodes", async () => {
    const t = sinSquareTrace();
    const scene = await sceneOf(t, "values");
    const x = scene.nodes.find((n) => n.texts[0]?.text === "x")!;
    expect(x.texts.map((s) => [s.role, s.text])).toEqual([
      ["title", "x"],
      ["shape", "scalar"],
      ["value", "2."],
      // d sin(x²)/dx = 2x cos(x²) = 4 cos 4 = -2.6146 (torch: tensor(-2.6146))
      ["grad", "grad -2.6146"],
    ]);
    const none = await sceneOf(t, "values", t.events.length - 1, { showValues: false });
    expect(none.nodes.find((n) => n.id === x.id)!.texts.map((s) => s.role)).toEqual(["title", "shape"]);
  });

  it("draws nan and ±inf in the non-finite colour with a badge", async () => {
    const t = mlpNanTrace();
    const scene = await sceneOf(t, "autograd");
    const red = THEMES.light.nonfinite;
    const bad = scene.nodes.filter((n) => n.nonfinite);
    expect(bad.length).toBeGreaterThan(10);
    for (const n of bad) {
      expect(n.body.stroke).toBe(red.stroke);
      expect(n.badge!.text.text).toBe(n.nonfinite);
      expect(n.badge!.shape.fill).toBe(red.badge);
    }
    // red is used for nothing else
    for (const n of scene.nodes.filter((x) => !x.nonfinite)) expect(n.body.stroke).not.toBe(red.stroke);
    const badEdges = scene.edges.filter((e) => e.nonfinite);
    expect(badEdges.length).toBeGreaterThan(5);
    for (const e of badEdges) expect(e.stroke).toBe(red.stroke);
  });

  it("marks where nan / inf were born, as analysis names it: log(1 - 1.) forward, SigmoidBackward0 backward", async () => {
    const t = mlpNanTrace();
    const g = graphFull(t, "values");
    const origins = findOrigins(t, g);
    const ops = origins.map((id) => g.nodes.find((n) => n.id === id)!);
    // forward: log(0) = -inf (sigmoid(67.47) is exactly 1. in float32, and 1 - 1e-8 too)
    expect(ops[0].label).toBe("log");
    const input = g.edges.find((e) => e.target === ops[0].id)!.source;
    expect(g.nodes.find((n) => n.id === input)!.preview).toEqual([0]);
    const scene = await sceneOf(t, "values");
    const marked = scene.nodes.filter((n) => n.origin).map((n) => n.id);
    expect(marked).toContain(ops[0].id);
    expect(scene.nodes.find((n) => n.id === ops[0].id)!.originMark!.text.text).toBe("origin");
    // in the autograd view, the grad_fn of that log
    const ga = graphFull(t, "autograd");
    const ao = findOrigins(t, ga);
    expect(ga.nodes.find((n) => n.id === ao[0])!.label).toBe("LogBackward0");
    // and backward, the node anomaly mode names: SigmoidBackward0 made nan out of -inf × 0
    expect(ga.nodes.find((n) => n.id === ao[1])!.label).toBe("SigmoidBackward0");
    expect(ao).toHaveLength(2);
    // before the log ran there is no origin
    const k = Number(ops[0].id.slice(2));
    expect(findOrigins(t, graphAt(t, k - 1, "values"))).toEqual([]);
  });

  it("colours each edge by its grad's magnitude on a log scale", async () => {
    // grads 1, 1000, 1e6 flow along the chain y = (x * 1000) * 1000
    const { trace: t } = record((r) => {
      const x = tensor(1.0, { dtype: "float32", requiresGrad: true });
      r.labelTensor(x, "x");
      const a = mul(x, tensor(1000.0, { dtype: "float32" }));
      const b = mul(a, tensor(1000.0, { dtype: "float32" }));
      add(b, 0.5).backward();
    });
    expect(gradDomain(t)).toEqual([1, 1e6]);
    const scene = await sceneOf(t, "autograd");
    const byMag = new Map<number, string>();
    for (const e of scene.edges) if (e.gradMagnitude !== null) byMag.set(e.gradMagnitude, e.stroke);
    expect([...byMag.keys()].sort((p, q) => p - q)).toEqual([1, 1000, 1e6]);
    const ramp = THEMES.light.ramp;
    expect(byMag.get(1)).toBe(ramp(0));
    expect(byMag.get(1000)).toBe(ramp(0.5));
    expect(byMag.get(1e6)).toBe(ramp(1));
    // edges without a grad yet are neutral
    const fwd = await sceneOf(t, "autograd", 3);
    for (const e of fwd.edges) expect(e.grad === null ? e.stroke : THEMES.light.edge).toBe(THEMES.light.edge);
  });

  it("animates backward in reverse along forward edges in the values view, along edges in the autograd view", async () => {
    const t = sinSquareTrace();
    const v = await sceneOf(t, "values");
    const a = await sceneOf(t, "autograd");
    expect(new Set(v.edges.map((e) => e.flow))).toEqual(new Set(["reverse"]));
    expect(new Set(a.edges.map((e) => e.flow))).toEqual(new Set(["along"]));
    // the order the grads passed is there for the animation
    expect(v.edges.every((e) => e.gradStep !== null)).toBe(true);
  });

  it("marks what a step added or changed", async () => {
    const t = sinSquareTrace();
    const bw = t.events.findIndex((e) => e.kind === "backward");
    const scene = await sceneOf(t, "values", bw);
    const st = stateAt(t, bw, "values");
    expect(
      scene.edges
        .filter((e) => e.changed)
        .map((e) => e.id)
        .sort(),
    ).toEqual([...st.changedEdges].sort());
  });

  it("has a legend of the kinds drawn and the gradient scale", async () => {
    const scene = await sceneOf(mlpNanTrace(), "autograd");
    const labels = scene.legend!.texts.map((s) => s.text);
    expect(labels).toEqual(
      expect.arrayContaining([
        "grad_fn",
        "AccumulateGrad",
        "leaf (requires grad)",
        "nan / ±inf",
        "|grad| (log scale)",
      ]),
    );
    expect(scene.height).toBeGreaterThan(scene.legend!.y);
    const none = await sceneOf(mlpNanTrace(), "autograd", undefined, { legend: false });
    expect(none.legend).toBeNull();
  });

  it("draws a collapsed scope as one node with its member count, non-finite if a member is", async () => {
    const t = mlpNanTrace();
    const layout = await layoutOf(t, "values", ["binary_cross_entropy"]);
    const scene = buildScene(graphFull(t, "values"), layout, { trace: t });
    const box = scene.nodes.find((n) => n.kind === "scope")!;
    expect(box.collapsed).toBe(true);
    expect(box.texts.map((s) => s.text)).toEqual([
      "binary_cross_entropy",
      `${layout.graph.scopes[0].members} nodes`,
    ]);
    // inside the loss: -inf forward, inf and -inf grads; nan is born only later, in SigmoidBackward0
    expect(box.nonfinite).toBe("inf");
    expect(scene.scopes).toEqual([]);
  });

  it("shows proxy stubs only once their use has happened", async () => {
    const t = trainingTrace(2);
    const layout = await layoutOf(t, "values");
    const stubIds = layout.graph.nodes.filter((n) => n.stub).map((n) => n.id);
    expect(stubIds.length).toBeGreaterThan(0);
    const early = buildScene(graphAt(t, 5, "values"), layout, { trace: t });
    expect(early.nodes.some((n) => n.stub)).toBe(false);
    const late = buildScene(graphFull(t, "values"), layout, { trace: t });
    expect(
      late.nodes
        .filter((n) => n.stub)
        .map((n) => n.id)
        .sort(),
    ).toEqual([...stubIds].sort());
  });
});

describe("buildScene with the previous step's scene", () => {
  it.each([
    ["mlp-nan", "values", []],
    ["mlp-nan", "values", ["binary_cross_entropy"]],
    ["mlp-nan", "autograd", []],
    ["training", "values", []],
    ["training", "autograd", []],
  ] as const)(
    "draws what a fresh build draws (%s, %s view, folded %j) and keeps exactly the objects whose data did not change",
    async (program, view, collapsed) => {
      // a training loop: values reused in later iterations are drawn by proxy stubs
      const t = program === "training" ? trainingTrace(2) : mlpNanTrace();
      const layout = await layoutOf(t, view, [...collapsed]);
      const n = t.events.length;
      // forward, back, jumps both ways, and a change of theme half way
      const steps = [
        ...Array.from({ length: n + 1 }, (_, i) => i - 1),
        ...Array.from({ length: n }, (_, i) => n - 2 - i),
        n - 1,
        3,
        n >> 1,
      ];
      let previous: Scene | null = null;
      let kept = 0;
      let rebuilt = 0;
      steps.forEach((k, i) => {
        const theme = i < steps.length / 2 ? "light" : "dark";
        const state = { trace: t, step: stateAt(t, k, view) };
        const fresh = buildScene(graphAt(t, k, view), layout, state, { theme });
        const next = buildScene(graphAt(t, k, view), layout, { ...state, previous }, { theme });
        expect(next, `step ${k}`).toEqual(fresh);
        if (previous) {
          const parts = ["nodes", "edges", "scopes"] as const;
          for (const part of parts) {
            const old = new Map<string, object>(previous[part].map((x) => [x.id, x]));
            next[part].forEach((x, j) => {
              const o = old.get(x.id);
              const same = o !== undefined && JSON.stringify(o) === JSON.stringify(fresh[part][j]);
              expect(x === o, `${part} ${x.id} at step ${k}: kept iff unchanged`).toBe(same);
              if (same) kept++;
              else rebuilt++;
            });
          }
          const sameLegend = JSON.stringify(previous.legend) === JSON.stringify(fresh.legend);
          expect(next.legend === previous.legend, `legend at step ${k}`).toBe(sameLegend);
        }
        previous = next;
      });
      expect(kept).toBeGreaterThan(100);
      expect(rebuilt).toBeGreaterThan(20);
    },
  );

  it("ignores a previous scene of another layout", async () => {
    const t = mlpNanTrace();
    const a = await layoutOf(t, "values");
    const b = await layoutOf(t, "values", ["binary_cross_entropy"]);
    const k = t.events.length - 1;
    const state = { trace: t, step: stateAt(t, k, "values") };
    const before = buildScene(graphAt(t, k, "values"), a, state);
    const next = buildScene(graphAt(t, k, "values"), b, { ...state, previous: before });
    expect(next).toEqual(buildScene(graphAt(t, k, "values"), b, state));
    const old = new Set<object>([...before.nodes, ...before.edges]);
    expect([...next.nodes, ...next.edges].some((x) => old.has(x))).toBe(false);
  });
});

describe("edgePath", () => {
  it("rounds bends and ends at the arrow's base", () => {
    const { d, arrow } = edgePath([
      { x: 0, y: 0 },
      { x: 0, y: 20 },
      { x: 30, y: 20 },
      { x: 30, y: 50 },
    ]);
    expect(d).toBe("M0 0L0 16Q0 20 4 20L26 20Q30 20 30 24L30 43");
    expect(arrow).toEqual([
      { x: 30, y: 50 },
      { x: 26.5, y: 43 },
      { x: 33.5, y: 43 },
    ]);
  });
});

function resolveForward(t: Trace): number {
  return t.events.findIndex((e) => e.kind === "backward-start") - 1;
}
