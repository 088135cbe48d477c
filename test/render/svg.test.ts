import { describe, expect, it } from "vitest";
import { graphAt, graphFull, type View } from "../../src/trace/graph.ts";
import { layoutGraph } from "../../src/layout/elk.ts";
import { createElk } from "../../src/layout/elk-node.ts";
import { prepareGraph } from "../../src/layout/prepare.ts";
import { renderSvg, resolveStep } from "../../src/render/export.ts";
import { buildScene } from "../../src/render/scene.ts";
import { num, sceneToSvg } from "../../src/render/svg.ts";
import { markupTrace, mlpNanTrace, sinSquareTrace, trainingTrace } from "../layout/traces.ts";
import { allElements, normalizeSvg, parseSvg, standaloneProblems } from "./svg-check.ts";

const KINDS = new Set(["leaf", "constant", "tensor", "grad-fn", "accumulate-grad", "op", "scope"]);

describe("standalone SVG export", () => {
  it("is well-formed XML with a viewBox, a title and a description", async () => {
    const doc = parseSvg(await renderSvg(mlpNanTrace(), { view: "values" }));
    const svg = doc.documentElement!;
    expect(svg.localName).toBe("svg");
    expect(svg.namespaceURI).toBe("http://www.w3.org/2000/svg");
    expect(svg.getAttribute("viewBox")).toMatch(/^0 0 \d+(\.\d+)? \d+(\.\d+)?$/);
    expect(doc.getElementsByTagName("title")[0].textContent).toBe("MLP: NaN gradients");
    expect(doc.getElementsByTagName("desc")[0].textContent).toMatch(/values view/);
  });

  it("has no script, event attribute, style element, external reference or url()", async () => {
    for (const t of [mlpNanTrace(), markupTrace()]) {
      for (const view of ["values", "autograd"] as View[]) {
        for (const theme of ["light", "dark", "print"] as const) {
          const svg = await renderSvg(t, { view, theme });
          expect(standaloneProblems(parseSvg(svg))).toEqual([]);
          expect(svg).not.toMatch(/<script|<style|@import|@font-face/i);
        }
      }
    }
  });

  it("carries data-id on every node and edge, data-kind on nodes, for every node of the trace", async () => {
    for (const view of ["values", "autograd"] as View[]) {
      const t = mlpNanTrace();
      const doc = parseSvg(await renderSvg(t, { view }));
      const ids = new Set<string>();
      for (const el of allElements(doc)) {
        const layer = (el.parentNode as typeof el | null)?.getAttribute?.("data-layer");
        if (layer === "nodes" || layer === "edges" || layer === "scopes") {
          expect(el.getAttribute("data-id")).toBeTruthy();
          expect(el.getAttribute("data-kind")).toBeTruthy();
          ids.add(el.getAttribute("data-id")!);
          if (layer === "nodes") expect(KINDS.has(el.getAttribute("data-kind")!)).toBe(true);
        }
      }
      const g = graphFull(t, view);
      for (const n of g.nodes) expect(ids.has(n.id), n.id).toBe(true);
      for (const e of g.edges) expect(ids.has(e.id), e.id).toBe(true);
    }
  });

  it("marks nan and ±inf values and grads with data-nonfinite, and the origin", async () => {
    const t = mlpNanTrace();
    const doc = parseSvg(await renderSvg(t, { view: "values" }));
    const nodes = allElements(doc).filter(
      (el) => el.getAttribute("data-kind") && el.getAttribute("data-id")?.startsWith("t"),
    );
    const flag = (id: string) =>
      nodes.find((el) => el.getAttribute("data-id") === id)?.getAttribute("data-nonfinite") ?? null;
    const leafIds = Object.values(t.tensors)
      .filter((r) => r.requires_grad && r.is_leaf && r.label)
      .map((r) => r.id);
    expect(leafIds.length).toBe(4);
    // every parameter's grad is nan (PyTorch: W1.grad etc. print nan)
    for (const id of leafIds) expect(flag(id), t.tensors[id].label!).toBe("nan");
    // loss = -inf... its value is -inf in forward, its grad 1: the flag is the worst of the two
    const loss = Object.values(t.tensors).find((r) => r.label === "loss")!;
    expect(flag(loss.id)).toBe("-inf");
    const origins = allElements(doc).filter((el) => el.getAttribute("data-origin") === "true");
    expect(origins.length).toBeGreaterThan(0);
  });

  it("keeps a label full of markup as text", async () => {
    const t = markupTrace();
    for (const view of ["values", "autograd"] as View[]) {
      const svg = await renderSvg(t, { view });
      const doc = parseSvg(svg);
      for (const name of ["img", "script", "foreignObject"])
        expect(doc.getElementsByTagName(name).length).toBe(0);
      const texts = allElements(doc)
        .filter((el) => el.localName === "text")
        .map((el) => el.textContent ?? "");
      expect(texts.some((s) => s.startsWith("<img src=x onerror="))).toBe(true);
      if (view === "values") {
        expect(texts).toContain(`a & "b" 'c' ∂L/∂w x²`);
        // the scope label too (a scope name has no "/": that separates the path)
        expect(texts).toContain(`<g onload="alert(2)">&amp;`);
      }
      expect(svg).not.toContain("<img");
      expect(svg).not.toContain("<script");
    }
  });

  it("is deterministic: the same trace gives the same bytes, with a fresh ELK too", async () => {
    for (const view of ["values", "autograd"] as View[]) {
      const a = await renderSvg(mlpNanTrace(), { view });
      const b = await renderSvg(mlpNanTrace(), { view, elk: createElk() });
      expect(b).toBe(a);
    }
  });

  it("writes coordinates with at most 2 decimals and never -0 or an exponent", async () => {
    const svg = await renderSvg(trainingTrace(2), { view: "autograd" });
    // in attributes (text content shows values with PyTorch's 4 decimals)
    const values = [...svg.matchAll(/ (?:x|y|width|height|rx|d|points|viewBox)="([^"]*)"/g)].map((m) => m[1]);
    expect(values.length).toBeGreaterThan(100);
    for (const v of values) {
      expect(v).not.toMatch(/\d\.\d{3,}|e[+-]?\d/);
      expect(v).not.toMatch(/(^|[^\d.])-0([^.\d]|$)/);
    }
    expect(num(-0.001)).toBe("0");
    expect(num(1 / 3)).toBe("0.33");
    expect(num(1e21 / 1e21)).toBe("1");
    expect(() => num(NaN)).toThrow();
  });

  it("scales to the width asked, keeping the viewBox", async () => {
    const t = sinSquareTrace();
    const doc = parseSvg(await renderSvg(t, { width: 300 }));
    const svg = doc.documentElement!;
    expect(svg.getAttribute("width")).toBe("300");
    const [, , w, h] = svg.getAttribute("viewBox")!.split(" ").map(Number);
    expect(Number(svg.getAttribute("height"))).toBeCloseTo((h * 300) / w, 1);
  });

  it("prints with no background and the dark theme has one", async () => {
    const t = sinSquareTrace();
    const print = parseSvg(await renderSvg(t, { theme: "print" }));
    const dark = parseSvg(await renderSvg(t, { theme: "dark" }));
    const firstRect = (d: ReturnType<typeof parseSvg>) => d.documentElement!.getElementsByTagName("rect")[0];
    expect(print.documentElement!.getAttribute("data-theme")).toBe("print");
    expect(firstRect(print).parentNode!.nodeName).not.toBe("svg");
    expect(firstRect(dark).parentNode!.nodeName).toBe("svg");
    expect(firstRect(dark).getAttribute("fill")).toBe("#0f172a");
  });

  it("names steps: forward ends before the first backward, backward at its end", () => {
    const t = mlpNanTrace();
    const start = t.events.findIndex((e) => e.kind === "backward-start");
    expect(resolveStep(t, "forward")).toBe(start - 1);
    expect(t.events[resolveStep(t, "backward")].kind).toBe("backward-end");
    expect(resolveStep(t, "final")).toBe(t.events.length - 1);
    expect(resolveStep(t, -1)).toBe(t.events.length - 1);
    expect(resolveStep(t, 10_000)).toBe(t.events.length - 1);
  });

  it("shows only what exists at a step: the forward pass has no grads", async () => {
    const t = mlpNanTrace();
    const doc = parseSvg(await renderSvg(t, { step: "forward" }));
    const texts = allElements(doc)
      .filter((el) => el.localName === "text")
      .map((el) => el.textContent ?? "");
    expect(texts.some((s) => s.startsWith("grad "))).toBe(false);
    expect(allElements(doc).some((el) => el.getAttribute("data-grad"))).toBe(false);
  });
});

describe("SVG snapshots (numbers rounded to whole px)", () => {
  it("the seed MLP with NaN grads, values view", async () => {
    await expect(normalizeSvg(await renderSvg(mlpNanTrace(), { view: "values" }))).toMatchFileSnapshot(
      "__snapshots__/mlp-nan-values.svg",
    );
  });

  it("the seed MLP with NaN grads, autograd view, collapsed loss function", async () => {
    const svg = await renderSvg(mlpNanTrace(), { view: "autograd", collapsed: ["binary_cross_entropy"] });
    await expect(normalizeSvg(svg)).toMatchFileSnapshot("__snapshots__/mlp-nan-autograd-collapsed.svg");
  });

  it("sin(x²) for print, without values", async () => {
    const svg = await renderSvg(sinSquareTrace(), { theme: "print", showValues: false });
    await expect(normalizeSvg(svg)).toMatchFileSnapshot("__snapshots__/sin-square-print.svg");
  });

  it("a training loop in the dark theme, proxies for parameters reused across iterations", async () => {
    const t = trainingTrace(2);
    const layout = await layoutGraph(createElk(), prepareGraph(graphFull(t, "values"), { trace: t }));
    const scene = buildScene(
      graphAt(t, t.events.length - 1, "values"),
      layout,
      { trace: t },
      { theme: "dark" },
    );
    await expect(normalizeSvg(sceneToSvg(scene))).toMatchFileSnapshot("__snapshots__/training-dark.svg");
  });
});
