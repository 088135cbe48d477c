/**
 * float32 sums and products bit for bit as PyTorch 1.13 adds them (test/fixtures/sum_order.json,
 * from test/fixtures/gen_sum_order.py): sum and mean over every dim set, the broadcast-grad sums of
 * backward, mm / mv / dot. Inputs mix magnitudes 1e-3..1e3 so that any other order of the adds
 * shows in the last bit.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as ops from "../../src/engine/ops/index.ts";
import { Tensor } from "../../src/engine/tensor.ts";
import { decodeNumber, type JsonNumber } from "../differential/compare.ts";

interface SumCase {
  shape: number[];
  dims: number[] | null;
  input: number[];
  sum: number[];
  mean: number[];
}
interface SumToCase {
  shape: number[];
  target: number[];
  input: number[];
  grad: number[];
}
interface ProductCase {
  op: "mm" | "mv" | "dot";
  m: number;
  k: number;
  n: number;
  a: number[];
  b: number[];
  out: number[];
}
interface PowCase {
  exponent: number;
  input: JsonNumber[];
  out: JsonNumber[];
  grad: JsonNumber[];
}
const ref = JSON.parse(readFileSync(new URL("../fixtures/sum_order.json", import.meta.url), "utf8")) as {
  sums: SumCase[];
  sum_to: SumToCase[];
  products: ProductCase[];
  pows: PowCase[];
  tanh: { input: number[]; upstream: number[]; grad: number[] };
  exp: { input: JsonNumber[]; out: JsonNumber[] };
};

const f32 = (shape: number[], data: number[], requiresGrad = false) =>
  new Tensor(Float32Array.from(data), shape, "float32").requiresGrad_(requiresGrad);
const bits = (t: Tensor | null) => Array.from(t!.values);

describe("sum and mean add in ATen's order", () => {
  it.each(ref.sums.map((c) => [`${c.shape.join("x")} dims=${JSON.stringify(c.dims)}`, c] as const))(
    "%s",
    (_name, c) => {
      const x = f32(c.shape, c.input);
      expect(bits(ops.sum(x, c.dims))).toEqual(c.sum);
      expect(bits(ops.mean(x, c.dims))).toEqual(c.mean);
    },
  );
});

describe("a broadcast operand's grad is summed in ATen's order", () => {
  it.each(ref.sum_to.map((c) => [`${c.shape.join("x")} -> [${c.target.join(", ")}]`, c] as const))(
    "%s",
    (_name, c) => {
      const leaf = f32(c.target, new Array<number>(c.target.reduce((a, b) => a * b, 1)).fill(0), true);
      const y = ops.add(leaf, f32(c.shape, new Array<number>(c.input.length).fill(0)));
      y.backward(f32(c.shape, c.input));
      expect(bits(leaf.grad)).toEqual(c.grad);
    },
  );
});

describe("mm, mv and dot add their products in BLAS's order", () => {
  it.each(ref.products.map((c) => [`${c.op} ${c.m}x${c.k}x${c.n}`, c] as const))("%s", (_name, c) => {
    const { m, k, n } = c;
    const out =
      c.op === "mm"
        ? ops.mm(f32([m, k], c.a), f32([k, n], c.b))
        : c.op === "mv"
          ? ops.mv(f32([m, k], c.a), f32([k], c.b))
          : ops.dot(f32([k], c.a), f32([k], c.b));
    expect(bits(out)).toEqual(c.out);
  });
});

describe("x ** number through ATen's special kernels", () => {
  it.each(ref.pows.map((c) => [c.exponent, c] as const))("x ** %s: values and grads", (_name, c) => {
    const x = f32([c.input.length], c.input.map(decodeNumber), true);
    const y = ops.pow(x, c.exponent);
    y.backward(ops.onesLike(y));
    // Object.is tells -0 from 0 and matches nan
    const same = (got: Tensor | null, want: JsonNumber[]) =>
      want.forEach((w, i) => expect([i, got!.values[i]]).toEqual([i, decodeNumber(w)]));
    same(y, c.out);
    same(x.grad, c.grad);
  });
});

it("tanh's grad rounds 1 - y * y once, as ATen's fused kernel does", () => {
  const { input, upstream, grad } = ref.tanh;
  const x = f32([input.length], input, true);
  ops.tanh(x).backward(f32([input.length], upstream));
  expect(bits(x.grad)).toEqual(grad);
});

it("exp is SLEEF's expf_u10, as ATen's vectorized exp", () => {
  const { input, out } = ref.exp;
  const y = ops.exp(f32([input.length], input.map(decodeNumber)));
  input.forEach((x, i) => expect([x, y.values[i]]).toEqual([x, decodeNumber(out[i])]));
});
