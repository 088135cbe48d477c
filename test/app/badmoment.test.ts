/** Where "first bad iteration" takes the timeline, and the node it selects there. */
import { describe, expect, it } from "vitest";
import { firstBadIteration } from "../../src/analysis/training.ts";
import { badMoment } from "../../src/app/badmoment.ts";
import { runJavaScript } from "../../src/app/run/javascript.ts";
import { graphAt, iterations } from "../../src/trace/graph.ts";
import { lrDiverge, trace } from "../analysis/programs.ts";

/**
 * sqrt(w) in a loop whose update drives w below 0: PyTorch 1.13 prints the losses 20.0551, 11.9655,
 * 9.8466, 8.9178, 17.7820, then nan from iteration 5 on (w = -0.0244 there).
 */
const SQRT_LOOP = `const xs = tensor([0.0, 1.0, 2.0, 3.0], { dtype: "float32" });
const ys = tensor([1.0, 3.0, 5.0, 7.0], { dtype: "float32" });
const w = tensor(3.0, { dtype: "float32", requiresGrad: true });
const b = tensor(0.0, { dtype: "float32", requiresGrad: true });
for (let step = 0; step < 8; step++) {
  const pred = sqrt(w).mul(xs).add(b);
  const loss = pred.sub(ys).pow(2).mean().add(w.mul(6.0));
  loss.backward();
  print(step, loss.item());
  noGrad(() => {
    w.sub_(w.grad.mul(0.5));
    b.sub_(b.grad.mul(0.1));
  });
  w.grad.zero_();
  b.grad.zero_();
}`;

describe("badMoment", () => {
  it("a non-finite iteration: the step where nan was born, with the sqrt selected", () => {
    const r = runJavaScript(SQRT_LOOP);
    expect(r.error).toBeNull();
    const losses = r.stdout
      .trim()
      .split("\n")
      .map((l) => Number(l.split(" ")[1]));
    const torch = [
      20.05513572692871, 11.965538024902344, 9.846555709838867, 8.91776180267334, 17.782005310058594,
    ];
    torch.forEach((v, i) => expect(Math.abs(losses[i] - v) / v).toBeLessThan(1e-6));
    expect(losses.slice(5).every(Number.isNaN)).toBe(true);
    const bad = firstBadIteration(r.trace);
    expect(bad).toEqual({ iteration: 5, reason: "nonfinite" });
    const it5 = iterations(r.trace)[5];
    for (const view of ["values", "autograd"] as const) {
      const at = badMoment(r.trace, bad!, view)!;
      // inside iteration 5, past its first step (where only the update's mul is drawn)
      expect(at.step).toBeGreaterThan(it5.start);
      expect(at.step).toBeLessThanOrEqual(it5.end);
      const e = r.trace.events[at.step];
      expect(e.kind === "op" && e.op).toBe("sqrt");
      expect(e.source?.line).toBe(6);
      // the node is drawn at that step
      const node = graphAt(r.trace, at.step, view).nodes.find((n) => n.id === at.node);
      expect(node?.label).toBe(view === "values" ? "sqrt" : "SqrtBackward0");
    }
  });

  it("an exploding iteration: its backward(), with the loss selected", () => {
    const t = trace((rec) => lrDiverge(rec, 12));
    const bad = firstBadIteration(t);
    expect(bad?.reason).toBe("exploding");
    const it = iterations(t)[bad!.iteration];
    const at = badMoment(t, bad!, "values")!;
    expect(at.step).toBe(it.backward);
    const node = graphAt(t, at.step, "values").nodes.find((n) => n.id === at.node);
    expect(node).toMatchObject({ kind: "tensor", label: "loss" });
    const auto = badMoment(t, bad!, "autograd")!;
    expect(graphAt(t, auto.step, "autograd").nodes.find((n) => n.id === auto.node)?.label).toBe(
      "MeanBackward0",
    );
  });

  it("an iteration that does not exist gives nothing", () => {
    const t = trace((rec) => lrDiverge(rec, 3));
    expect(badMoment(t, { iteration: 7, reason: "exploding" }, "values")).toBeNull();
  });
});
