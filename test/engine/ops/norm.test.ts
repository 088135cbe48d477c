/**
 * ops/norm.ts against PyTorch 1.13 (numbers printed by /usr/bin/python3's torch): layer_norm,
 * batch_norm (training with running statistics, eval), embedding with padding_idx, mish,
 * hardswish, prelu and constant padding, values and grads; grad_fn names and error texts.
 */
import { describe, expect, it } from "vitest";
import { Tensor } from "../../../src/engine/tensor.ts";
import * as ops from "../../../src/engine/ops/index.ts";

const t = (v: number[], shape: number[], requiresGrad = false) =>
  new Tensor(Float32Array.from(v), shape, "float32").requiresGrad_(requiresGrad);
const long = (v: number[], shape: number[]) => new Tensor(Float64Array.from(v), shape, "int64");

function close(actual: Tensor | null, expected: number[], tol = 2e-6): void {
  expect(actual).not.toBeNull();
  const a = Array.from(actual!.values);
  expect(a.length).toBe(expected.length);
  a.forEach((v, i) => {
    if (Math.abs(v - expected[i]) > tol * Math.max(1, Math.abs(expected[i]))) {
      throw new Error(`element ${i}: ${v} vs PyTorch ${expected[i]}`);
    }
  });
}

const X = [0.5, -1.25, 2.0, 0.75, 3.0, 1.0, -2.0, 0.25];
const G = [1.0, -2.0, 0.5, 3.0, 0.25, 1.0, -1.0, 2.0];

describe("layer_norm", () => {
  it("normalizes rows, with weight and bias, and backpropagates to all three", () => {
    const x = t(X, [2, 4], true);
    const w = t([1.5, -0.5, 2.0, 1.0], [4], true);
    const b = t([0.1, 0.2, -0.3, 0.0], [4], true);
    const y = ops.layerNorm(x, [4], w, b);
    expect(y.gradFn!.name).toBe("NativeLayerNormBackward0");
    close(
      y,
      [
        0.1, 0.9548265933990479, 2.2879769802093506, 0.21566474437713623, 2.1441524028778076,
        0.07770028710365295, -3.1653075218200684, -0.1747138798236847,
      ],
    );
    y.backward(t(G, [2, 4]));
    close(
      x.grad,
      [
        -0.10783243179321289, -0.39873015880584717, -0.6595320701599121, 1.166094422340393,
        -0.3261309266090393, -0.3613737225532532, -0.5190662145614624, 1.2065708637237549,
      ],
    );
    close(w.grad, [0.34069207310676575, 3.2639057636260986, 2.079648017883301, 0.2975664734840393]);
    close(b.grad, [1.25, -1.0, -0.5, 5.0]);
  });

  it("rounds x * rstd - rstd * mean as ATen's fused multiply-add does", () => {
    const y = ops.layerNorm(t([1e4, 1e4 + 1, 1e4 + 2, 1e4 + 3], [1, 4]), [4]);
    expect(Array.from(y.values)).toEqual([
      -1.3414888381958008, -0.44706517457962036, 0.44735848903656006, 1.3417820930480957,
    ]);
  });

  it("rejects a normalized_shape the input does not end with", () => {
    expect(() => ops.layerNorm(t([1, 2, 3, 4, 5, 6], [2, 3]), [4])).toThrow(
      "Given normalized_shape=[4], expected input with shape [*, 4], but got input of size[2, 3]",
    );
  });
});

describe("batch_norm", () => {
  it("training: batch statistics, running statistics moved with the unbiased variance", () => {
    const x = t(X, [2, 4], true);
    const w = t([1.5, -0.5, 2.0, 1.0], [4], true);
    const b = t([0.1, 0.2, -0.3, 0.0], [4], true);
    const rm = t([0.5, -0.5, 0.0, 1.0], [4]);
    const rv = t([1.0, 2.0, 0.5, 1.5], [4]);
    const y = ops.batchNorm(x, rm, rv, w, b, true, 0.2);
    expect(y.gradFn!.name).toBe("NativeBatchNormBackward0");
    close(
      y,
      [
        -1.3999953269958496, 0.6999980211257935, 1.6999974250793457, 0.9999200105667114, 1.5999952554702759,
        -0.299998015165329, -2.299997568130493, -0.9999200105667114,
      ],
    );
    close(rm, [0.75, -0.42500001192092896, 0.0, 0.9000000357627869]);
    close(rv, [1.4250000715255737, 2.106250047683716, 2.0, 1.225000023841858]);
    y.backward(t(G, [2, 4]));
    close(
      x.grad,
      [
        2.84313250631385e-6, 5.284924100124044e-6, 1.9073462453889078e-6, 0.0003199321508873254,
        -2.84313250631385e-6, -5.284924100124044e-6, -1.9073462453889078e-6, -0.0003199321508873254,
      ],
      1e-5,
    );
    close(w.grad, [-0.749997615814209, 2.999988079071045, 1.4999980926513672, 0.9999200105667114]);
    close(b.grad, [1.25, -1.0, -0.5, 5.0]);
  });

  it("eval: the running statistics normalize", () => {
    const x = t(X, [2, 4], true);
    const w = t([1.5, -0.5, 2.0, 1.0], [4]);
    const b = t([0.1, 0.2, -0.3, 0.0], [4]);
    const rm = t([0.75, -0.425, 0.0, 0.9], [4]);
    const rv = t([1.425, 2.10625, 2.0, 1.225], [4]);
    const y = ops.batchNorm(x, rm, rv, w, b, false);
    close(
      y,
      [
        -0.21413928270339966, 0.4842287302017212, 2.5284199714660645, -0.1355256587266922, 2.927253723144531,
        -0.290940523147583, -3.128419876098633, -0.5872777700424194,
      ],
    );
    y.backward(t(G, [2, 4]));
    close(
      x.grad,
      [
        1.2565572261810303, 0.6890392899513245, 0.7071050405502319, 2.710512638092041, 0.31413930654525757,
        -0.34451964497566223, -1.4142100811004639, 1.8070083856582642,
      ],
    );
  });

  it("checks the running statistics' size first", () => {
    expect(() => ops.batchNorm(t(X, [2, 4]), t([0, 0, 0], [3]), null, null, null, true)).toThrow(
      "running_mean should contain 4 elements not 3",
    );
  });
});

describe("embedding", () => {
  it("gathers rows and sums their grads, padding_idx's row left without one", () => {
    const w = t([1, 2, 3, 4, 5, 6], [3, 2], true);
    const e = ops.embedding(long([2, 0, 2, 1], [2, 2]), w, 1);
    expect(e.gradFn!.name).toBe("EmbeddingBackward0");
    expect(e.shape).toEqual([2, 2, 2]);
    close(e, [5, 6, 1, 2, 5, 6, 3, 4]);
    e.backward(t([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2]));
    close(w.grad, [3, 4, 0, 0, 6, 8]);
  });

  it("index out of range", () => {
    expect(() => ops.embedding(long([3], [1]), t([1, 2, 3, 4, 5, 6], [3, 2]))).toThrow(
      "index out of range in self",
    );
  });
});

describe("mish, hardswish, prelu, constant padding", () => {
  const Z = [-4.0, -1.5, 0.0, 0.5, 2.0, 4.0];
  it("mish", () => {
    const z = t(Z, [6], true);
    const m = ops.mish(z);
    expect(m.gradFn!.name).toBe("MishBackward0");
    close(
      m,
      [
        -0.07259175181388855, -0.2980997562408447, 0.0, 0.37524524331092834, 1.9439589977264404,
        3.997412919998169,
      ],
    );
    m.backward(t([1, 1, 1, 1, 1, 1], [6]));
    close(
      z.grad,
      [
        -0.05377320572733879, -0.0640978142619133, 0.6000000238418579, 0.8864244222640991, 1.0693179368972778,
        1.004432678222656,
      ],
    );
  });
  it("hardswish", () => {
    const z = t(Z, [6], true);
    const h = ops.hardswish(z);
    expect(h.gradFn!.name).toBe("HardswishBackward0");
    close(h, [-0.0, -0.375, 0.0, 0.2916666567325592, 1.6666666269302368, 4.0]);
    h.backward(t([1, 1, 1, 1, 1, 1], [6]));
    close(z.grad, [0.0, 0.0, 0.5, 0.6666666865348816, 1.1666667461395264, 1.0]);
  });
  it("prelu", () => {
    const z = t(Z, [6], true);
    const w = t([0.25], [1], true);
    const p = ops.prelu(z, w);
    close(p, [-1.0, -0.375, 0.0, 0.5, 2.0, 4.0]);
    p.backward(t([1, 1, 1, 1, 1, 1], [6]));
    close(z.grad, [0.25, 0.25, 0.25, 1.0, 1.0, 1.0]);
    close(w.grad, [-5.5]);
  });
  it("constant_pad_nd", () => {
    const z = t(Z, [2, 3], true);
    const q = ops.constantPad(z, [1, 0, 0, 1], 9);
    expect(q.gradFn!.name).toBe("ConstantPadNdBackward0");
    expect(q.shape).toEqual([3, 4]);
    close(q, [9.0, -4.0, -1.5, 0.0, 9.0, 0.5, 2.0, 4.0, 9.0, 9.0, 9.0, 9.0]);
    q.backward(t([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], [3, 4]));
    close(z.grad, [1.0, 2.0, 3.0, 5.0, 6.0, 7.0]);
    expect(() => ops.constantPad(z, [1])).toThrow("Padding length must be divisible by 2");
  });
});
