/**
 * The picture as a teacher exporting a figure sees it: badges and tags never cover text, the legend
 * keeps to the graph's width, a shape-(1,) tensor does not look like a 0-dim one, an empty view says
 * so, and one iteration of a training loop can be drawn alone.
 */
import { describe, expect, it } from "vitest";
import { mul, tensor } from "../../src/engine/index.ts";
import { layoutGraph } from "../../src/layout/elk.ts";
import { nodeElk } from "../../src/layout/elk-node.ts";
import { prepareGraph } from "../../src/layout/prepare.ts";
import { textWidth } from "../../src/layout/text.ts";
import { layoutTrace, renderSvg, resolveIteration, resolveStep } from "../../src/render/export.ts";
import { buildScene, sliceIteration } from "../../src/render/scene.ts";
import type { Scene, SceneShape, SceneText } from "../../src/render/types.ts";
import { graphAt, graphFull, iterations, type View } from "../../src/trace/graph.ts";
import { record } from "../../src/trace/recorder.ts";
import type { Trace } from "../../src/trace/schema.ts";
import { mlpNanTrace, sinSquareTrace, trainingTrace } from "../layout/traces.ts";
import { parseSvg } from "./svg-check.ts";

interface Rect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** The ink of a text line: its measured width placed by its anchor, from ascender to descender. */
function textBox(t: SceneText): Rect {
  const w = textWidth(t.text, t.size, t.font === "mono" ? "mono" : t.weight === 700 ? "sans-bold" : "sans");
  const x0 = t.anchor === "start" ? t.x : t.anchor === "middle" ? t.x - w / 2 : t.x - w;
  return { x0, y0: t.y - 0.76 * t.size, x1: x0 + w, y1: t.y + 0.24 * t.size };
}

const shapeBox = (s: SceneShape): Rect => ({ x0: s.x, y0: s.y, x1: s.x + s.w, y1: s.y + s.h });
const meet = (a: Rect, b: Rect): boolean => a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;

async function sceneAt(t: Trace, view: View, step: number): Promise<Scene> {
  const layout = await layoutGraph(nodeElk(), prepareGraph(graphFull(t, view), { trace: t }));
  return buildScene(graphAt(t, step, view), layout, { trace: t });
}

describe("nan / inf badges and origin tags", () => {
  it.each(["values", "autograd"] as View[])(
    "never cover a node's text nor each other (mlp-nan, %s view, every step of backward)",
    async (view) => {
      const t = mlpNanTrace();
      const from = resolveStep(t, "forward");
      let badges = 0;
      for (let step = from; step < t.events.length; step++) {
        const scene = await sceneAt(t, view, step);
        const texts = scene.nodes.flatMap((n) =>
          n.texts.map((x) => ({ id: n.id, box: textBox(x), text: x.text })),
        );
        for (const n of scene.nodes) {
          if (!n.badge) continue;
          badges++;
          const b = shapeBox(n.badge.shape);
          for (const x of texts)
            expect(meet(b, x.box), `${n.id}'s badge on ${x.id}'s "${x.text}"`).toBe(false);
          for (const m of scene.nodes) {
            if (m.originMark)
              expect(meet(b, textBox(m.originMark.text)), `${n.id} / ${m.id}'s tag`).toBe(false);
          }
        }
      }
      expect(badges).toBeGreaterThan(50);
    },
    60_000,
  );

  it("sit inside a pill, right of its text, where no edge reaches", async () => {
    const t = mlpNanTrace();
    const scene = await sceneAt(t, "values", t.events.length - 1);
    const pills = scene.nodes.filter((n) => n.body.shape === "pill" && n.badge);
    expect(pills.map((n) => n.texts[0].text).sort()).toEqual(["add", "log", "mul"]);
    for (const n of pills) {
      const b = shapeBox(n.badge!.shape);
      expect(b.x0).toBeGreaterThan(textBox(n.texts[0]).x1);
      expect(b.x1).toBeLessThan(n.x + n.w);
      expect(b.y0).toBeGreaterThan(n.y);
      expect(b.y1).toBeLessThan(n.y + n.h);
    }
  });
});

describe("the legend", () => {
  it("wraps to the graph's width, and no row runs past the picture", async () => {
    const t = mlpNanTrace();
    const layout = await layoutTrace(t);
    const scene = buildScene(graphAt(t, t.events.length - 1, "values"), layout, { trace: t });
    expect(scene.width).toBe(layout.width);
    for (const x of scene.legend!.texts) expect(textBox(x).x1).toBeLessThanOrEqual(scene.width);
    for (const s of scene.legend!.shapes) expect(s.x + s.w).toBeLessThanOrEqual(scene.width + 0.5);
  });

  it("of a narrow graph is 200 px wide, its grad scale under its label", async () => {
    const t = sinSquareTrace();
    const layout = await layoutTrace(t);
    expect(layout.width).toBeLessThan(200);
    const scene = buildScene(graphAt(t, t.events.length - 1, "values"), layout, { trace: t });
    expect(scene.width).toBe(200);
    const label = scene.legend!.texts.find((x) => x.text === "|grad| (log scale)")!;
    const ends = scene.legend!.texts.filter((x) => x.font === "mono");
    expect(ends.every((x) => x.y > label.y)).toBe(true);
    for (const x of scene.legend!.texts) expect(textBox(x).x1).toBeLessThanOrEqual(scene.width);
  });
});

describe("values on nodes", () => {
  it("tell a shape-(1,) tensor from a 0-dim one", async () => {
    const { trace } = record((r) => {
      r.labelTensor(mul(tensor([2.0], { dtype: "float32" }), 3), "vector");
      r.labelTensor(mul(tensor(2.0, { dtype: "float32" }), 3), "scalar");
    });
    const scene = await sceneAt(trace, "values", trace.events.length - 1);
    const valueOf = (name: string) =>
      scene.nodes
        .find((n) => n.texts.some((x) => x.role === "title" && x.text === name))!
        .texts.find((x) => x.role === "value")!.text;
    expect([valueOf("vector"), valueOf("scalar")]).toEqual(["[6.]", "6."]);
  });
});

describe("an empty view", () => {
  it("is a small picture that says there is nothing to draw, not a 0×0 SVG", async () => {
    const { trace } = record(() => {
      mul(tensor([1.0, 2.0]), 2);
    });
    const svg = await renderSvg(trace, { view: "autograd" });
    const root = parseSvg(svg).documentElement!;
    expect(Number(root.getAttribute("width"))).toBeGreaterThan(100);
    expect(Number(root.getAttribute("height"))).toBeGreaterThan(40);
    expect(svg).toContain("nothing to draw in this view");
    expect(svg).toContain("no op on a tensor that requires grad");
    // before the first op of a view that has some later
    const early = await renderSvg(sinSquareTrace(), { view: "autograd", step: 0 });
    expect(early).toContain("nothing yet at this step");
  });
});

describe("one iteration of a training loop", () => {
  const t = trainingTrace(4);

  it("is laid out and drawn alone: every node of that iteration and nothing else", async () => {
    const its = iterations(t);
    // four backward() calls, then the last zero_() calls: a fifth, trailing iteration
    expect(its).toHaveLength(5);
    const full = graphFull(t, "values");
    const want = full.nodes.filter((n) => n.iteration === 2).map((n) => n.id);
    const svg = await renderSvg(t, { iteration: 2 });
    const ids = [...svg.matchAll(/<g data-id="([^"]+)" data-kind="(?!forward|backward|scope)/g)].map(
      (m) => m[1],
    );
    expect(ids.sort()).toEqual([...want].sort());
    expect(svg).toContain(`iteration 2, after step ${its[2].end + 1} of ${t.events.length}`);
    const layout = await layoutTrace(t, { iteration: 2 });
    const whole = await layoutTrace(t);
    expect(layout.height * layout.width).toBeLessThan((whole.height * whole.width) / 2);
  });

  it("counts from the end when negative, and steps count within it", async () => {
    expect(resolveIteration(t, -2).index).toBe(3);
    const it1 = resolveIteration(t, 1);
    expect(resolveStep(t, "final", 1)).toBe(it1.end);
    expect(resolveStep(t, "forward", 1)).toBe(it1.backward! - 1);
    expect(resolveStep(t, 0, 1)).toBe(it1.start);
    expect(await renderSvg(t, { iteration: -2 })).toBe(await renderSvg(t, { iteration: 3 }));
    expect(() => resolveIteration(t, 5)).toThrow("iteration 5: the run has 5 iterations (0 to 4)");
    expect(() => resolveIteration(t, -6)).toThrow("iteration -6: the run has 5 iterations (0 to 4)");
  });

  it("buildScene draws only that iteration's nodes from a whole-run graph", async () => {
    const layout = await layoutTrace(t, { iteration: 1 });
    const g = graphAt(t, t.events.length - 1, "values");
    const scene = buildScene(g, layout, { trace: t }, { iteration: 1 });
    expect(scene.nodes.length).toBe(sliceIteration(g, 1).nodes.length);
    expect(scene.desc).toContain("iteration 1,");
  });
});
