import { describe, expect, it } from "vitest";
import { prepareSource, programLine, runJavaScript, stripTypes } from "../../src/app/run/javascript.ts";

describe("JavaScript mode", () => {
  it("runs a program against the engine API, with PyTorch's printed values", () => {
    // the seed BCE perceptron (notebook 3): loss 6.7012, w.grad 6.6918, b.grad 0.9988 in PyTorch
    const r = runJavaScript(`import { tensor, sigmoid, clamp, log } from "gradlens";
const x = tensor(6.7);
const w = tensor(1.0, { dtype: "float32", requiresGrad: true });
const b = tensor(0.0, { dtype: "float32", requiresGrad: true });
const yPred = sigmoid(w.mul(x).add(b));
const p = clamp(yPred, 1e-7, 1 - 1e-7);
const loss = log(p.rsubScalar ? p.rsubScalar(1) : p.neg().add(1)).neg();
loss.backward();
print(loss);
console.log(w.grad, b.grad);
`);
    expect(r.error).toBeNull();
    expect(r.stdout).toBe("tensor(6.7012, grad_fn=<NegBackward0>)\ntensor(6.6918) tensor(0.9988)\n");
    expect(r.trace.meta.program).toEqual({
      language: "javascript",
      source: expect.stringContaining("sigmoid"),
    });
  });

  it("names tensors after the variables and records each op's line", () => {
    const r = runJavaScript(`const x = tensor([1.5, 2.5], { requiresGrad: true });
const y = x.mul(x).sum();
y.backward();`);
    expect(r.error).toBeNull();
    const byLabel = Object.values(r.trace.tensors).filter((t) => t.label);
    expect(byLabel.map((t) => t.label)).toEqual(["x", "y"]);
    const ops = r.trace.events.filter((e) => e.kind === "op");
    expect(ops.map((e) => [e.kind === "op" && e.op, e.source?.line])).toEqual([
      ["mul", 2],
      ["sum", 2],
    ]);
    // only the line's last result is y; the product before it stays unnamed
    const mul = ops[0].kind === "op" ? r.trace.tensors[ops[0].out] : null;
    expect(mul?.label).toBeNull();
    expect(r.trace.events.find((e) => e.kind === "backward-start")?.source?.line).toBe(3);
  });

  it("reports an error with its line and keeps the trace up to it", () => {
    const r = runJavaScript(`const a = tensor([1, 2]);
const b = tensor([1, 2, 3]);
const c = a.add(b);`);
    expect(r.error).toMatchObject({
      type: "RuntimeError",
      message: "The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 0",
      line: 3,
    });
    expect(r.trace.events.at(-1)).toMatchObject({
      kind: "error",
      py_type: "RuntimeError",
      source: { line: 3 },
    });
    expect(r.stderr).toContain("line 3: RuntimeError");
  });

  it("a syntax error is reported, not thrown", () => {
    const r = runJavaScript("const = 1;");
    expect(r.error?.type).toBe("SyntaxError");
  });

  it("runs a TypeScript program: annotations, interfaces, casts and generics are stripped", () => {
    const r = runJavaScript(`import { tensor, type Tensor } from "gradlens";
interface Layer {
  w: Tensor;
  b: Tensor;
}
type Pair<T> = [T, T];
const x: Tensor = tensor([1.5, 2.5], { requiresGrad: true });
function affine<T extends Tensor>(l: Layer, v: T): Tensor {
  return l.w.mul(v).add(l.b);
}
const layer: Layer = { w: tensor([2.0, -1.0], { dtype: "float32" }), b: tensor(0.5) };
const y = affine<Tensor>(layer, x).sum() as Tensor;
const pair: Pair<number> = [1, 2];
y.backward();
print(y, x.grad!, pair.length);
const bad = (x as Tensor).add(tensor([1, 2, 3]));`);
    // PyTorch: y = 2*1.5 - 2.5 + 2*0.5 = 1.5, x.grad = w
    expect(r.stdout).toBe("tensor(1.5000, grad_fn=<SumBackward0>) tensor([ 2., -1.]) 2\n");
    const labels = Object.values(r.trace.tensors).map((t) => t.label);
    expect(labels).toContain("x");
    expect(labels).toContain("y");
    const ops = r.trace.events.filter((e) => e.kind === "op");
    expect(ops.find((e) => e.kind === "op" && e.op === "mul")?.source?.line).toBe(9);
    expect(ops.find((e) => e.kind === "op" && e.op === "sum")?.source?.line).toBe(12);
    // the error points at the user's line 16, not at a line of the stripped text
    expect(r.error).toMatchObject({ type: "RuntimeError", line: 16 });
  });

  it("a syntax error in a TypeScript program reports the user's line", () => {
    const r = runJavaScript(`const a: number = 1;
interface P {
  q: number;
}
const b: number = (a +;
print(b);`);
    expect(r.error).toMatchObject({ type: "SyntaxError", message: "Unexpected token", line: 5 });
    expect(r.stderr).toBe("line 5: SyntaxError: Unexpected token\n");
  });

  it("stripping types keeps every line where it was", () => {
    const src = `interface A {\n  a: number;\n}\nconst x: A = { a: 1 } as A;\nlet y = <number>(x.a);`;
    const out = stripTypes(src.replace("<number>(x.a)", "x.a as number"));
    expect(out.split("\n")).toHaveLength(5);
    expect(out.split("\n")[3].replace(/\s+/g, " ")).toBe("const x = { a: 1 } ;");
    // plain JavaScript that TypeScript reads otherwise (`(b) :` as a return type) runs as written
    const plain = "const f = (a, b, c) => (a ? (b) : c => c);\nprint(f(0, 1, 2)(3));";
    expect(stripTypes(plain)).toBe(plain);
    expect(runJavaScript(plain).stdout).toBe("3\n");
  });

  it("drops gradlens imports and keeps line numbers", () => {
    const src = `import { tensor } from "gradlens";\nimport * as g from "gradlens";\nconst x = 1;`;
    expect(prepareSource(src)).toBe(`\n\nconst x = 1;`);
    expect(prepareSource(`import fs from "node:fs";`)).toBe(`import fs from "node:fs";`);
  });

  it("reads the program's line from a stack", () => {
    expect(programLine("Error\n    at eval (gradlens-program.js:7:12)\n    at run", 3)).toBe(4);
    expect(programLine("Error\n    at foo (other.js:7:12)", 3)).toBeNull();
  });
});
