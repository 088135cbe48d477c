/**
 * Convolution and pooling against numbers from PyTorch 1.13 (/usr/bin/python3): values, grads for a
 * given upstream, grad_fn names; and the float64 replay of src/analysis/f64.ts against the same values.
 */
import { describe, expect, it } from "vitest";
import { Tensor } from "../../../src/engine/tensor.ts";
import * as ops from "../../../src/engine/ops/index.ts";
import { evalF64 } from "../../../src/analysis/f64.ts";

const close = (got: ArrayLike<number>, want: number[]) => {
  want.forEach((w, i) => expect(Math.abs(got[i] - w)).toBeLessThanOrEqual(1e-5 + 1e-4 * Math.abs(w)));
};

/** sin(0.37 k) as (2, 2, 4, 4), requiring grad. */
function input(): Tensor {
  const data = Float32Array.from({ length: 64 }, (_, k) => Math.sin(Math.fround(k * 0.37)));
  return new Tensor(data, [2, 2, 4, 4], "float32").requiresGrad_();
}

const f64 = (t: Tensor) => ({ shape: [...t.shape], dtype: t.dtype, data: Float64Array.from(t.values) });

describe("conv2d", () => {
  const w = new Tensor(
    Float32Array.from({ length: 36 }, (_, k) => Math.cos(Math.fround(k * 0.91))),
    [3, 2, 2, 3],
    "float32",
  ).requiresGrad_();
  const b = new Tensor(Float32Array.of(0.1, -0.2, 0.3), [3], "float32").requiresGrad_();
  const x = input();
  const y = ops.convolution(x, w, b, 2, [1, 2], [1, 1], [2, 1], 1);

  it("forward and grad_fn", () => {
    expect(y.shape).toEqual([2, 3, 4, 2]);
    expect(y.gradFn?.name).toBe("ConvolutionBackward0");
    close(y.values, [-2.612518787, -3.463726997, -1.103834629, 2.734064579, 4.484419823, 7.291072845]);
  });

  it("backward", () => {
    const g = Float32Array.from({ length: y.numel() }, (_, k) => Math.cos(Math.fround(k * 0.13)));
    y.backward(new Tensor(g, y.shape, "float32"));
    close(x.grad!.values, [1.296029925, 1.645259738, 1.239675879, -0.166528419, -0.382053286, -0.610847771]);
    close(w.grad!.values, [0.257671088, 0.472650856, -0.01734517, -0.732495248, -1.415938616, -1.4867419]);
    close(b.grad!.values, [-0.070981503, -0.164555907, -0.095621109]);
  });

  it("float64 replay", () => {
    const attrs = { dims: 2, stride: [1, 2], padding: [1, 1], dilation: [2, 1], groups: 1 };
    const r = evalF64("convolution", [f64(x), f64(w), f64(b)], attrs, () => attrs, [2, 3, 4, 2], "float32");
    close(r.data, Array.from(y.values));
  });

  it("shape errors", () => {
    expect(() => ops.convolution(x, w, null, 2, [1, 1], [0, 0], [1, 1], 1)).not.toThrow();
    const w5 = new Tensor(new Float32Array(4 * 5 * 9), [4, 5, 3, 3], "float32");
    expect(() => ops.convolution(x, w5, null, 2, [1, 1], [0, 0], [1, 1], 1)).toThrow(
      "Given groups=1, weight of size [4, 5, 3, 3], expected input[2, 2, 4, 4] to have 5 channels, but got 2 channels instead",
    );
  });
});

describe("pooling", () => {
  it("max_pool2d", () => {
    const x = input();
    const y = ops.maxPool2d(x, [3, 3], [2, 2], [1, 1], [1, 1], false);
    expect(y.gradFn?.name).toBe("MaxPool2DWithIndicesBackward0");
    close(y.values, [0.995880842, 0.96127522, 0.995880842, 0.96127522, 0.996475637, 0.996475637]);
    y.backward(ops.onesLike(y));
    close(x.grad!.values, [0, 0, 0, 0, 2, 2, 0, 0]);
  });

  it("avg_pool2d without the padding in the count", () => {
    const x = input();
    const y = ops.avgPool2d(x, [3, 3], [2, 2], [1, 1], false, false, null);
    expect(y.gradFn?.name).toBe("AvgPool2DBackward0");
    close(y.values, [0.579692841, 0.702247798, -0.001318842, -0.199226648, 0.386686206, 0.63372618]);
    y.backward(ops.onesLike(y));
    close(x.grad!.values, [0.25, 0.416666687, 0.166666672, 0.166666672, 0.416666687, 0.694444478]);
  });

  it("adaptive_avg_pool2d", () => {
    const x = input();
    const y = ops.adaptiveAvgPool2d(x, 3, 2);
    expect(y.gradFn?.name).toBe("AdaptiveAvgPool2DBackward0");
    close(y.values, [0.579692841, 0.722649097, 0.487614423, -0.002473339, -0.491267264, -0.723097563]);
    y.backward(ops.onesLike(y));
    close(x.grad!.values, [0.25, 0.25, 0.25, 0.25, 0.5, 0.5, 0.5, 0.5]);
    const r = evalF64(
      "adaptive_avg_pool2d",
      [f64(x)],
      { outputSize: [3, 2] },
      () => ({}),
      [...y.shape],
      "float32",
    );
    close(r.data, Array.from(y.values));
  });
});
