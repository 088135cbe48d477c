import { describe, expect, it } from "vitest";
import { Node } from "../../src/engine/autograd.ts";
import type { DType } from "../../src/engine/dtype.ts";
import { Tensor } from "../../src/engine/tensor.ts";
import { reprTensor } from "../../src/engine/repr.ts";
import fixture from "../fixtures/repr.json";

interface Case {
  name: string;
  dtype: DType;
  shape: number[];
  data: (number | string | boolean)[];
  requires_grad: boolean;
  grad_fn: string | null;
  str: string;
}
const cases = fixture.cases as Case[];

function value(v: number | string | boolean): number {
  if (v === "nan") return NaN;
  if (v === "inf") return Infinity;
  if (v === "-inf") return -Infinity;
  return Number(v);
}

/** The fixture's tensor, rebuilt in the engine; a non-leaf gets a grad_fn node of PyTorch's name. */
function build(c: Case): Tensor {
  const values = c.data.map(value);
  const storage =
    c.dtype === "float32"
      ? Float32Array.from(values)
      : c.dtype === "int64"
        ? Float64Array.from(values)
        : Uint8Array.from(values);
  const t = new Tensor(storage, c.shape, c.dtype);
  if (c.requires_grad) t.requiresGrad_(true);
  if (c.grad_fn) t.setGradFn(new Node(c.grad_fn, [], [], () => []));
  return t;
}

describe(`reprTensor against PyTorch ${fixture.torch} (test/fixtures/gen_repr.py)`, () => {
  it.each(cases.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const t = build(c);
    expect(reprTensor(t)).toBe(c.str);
    expect(String(t)).toBe(c.str);
  });
});

describe("reprTensor through the engine's ops", () => {
  // Texts from ../shared/golden/seed-notebooks.out (printed by PyTorch).
  it("prints the seed notebook's scalars with their grad_fn", () => {
    const x = new Tensor(Float32Array.of(3), [], "float32").requiresGrad_();
    const y = x.pow(2);
    expect(String(x)).toBe("tensor(3., requires_grad=True)");
    expect(String(y)).toBe("tensor(9., grad_fn=<PowBackward0>)");
    expect(String(y.sin())).toBe("tensor(0.4121, grad_fn=<SinBackward0>)");
    expect(String(Tensor.wrap(0))).toBe("tensor(0)");
  });

  it("summarizes a 1000 x 1000 tensor as PyTorch does, sized by its shown elements", () => {
    const n = 1_000_000;
    const t = new Tensor(
      Float32Array.from({ length: n }, (_, i) => i),
      [1000, 1000],
      "float32",
    );
    const s = reprTensor(t);
    expect(s.split("\n")[0]).toBe(
      "tensor([[0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 9.9700e+02, 9.9800e+02,",
    );
  });
});
