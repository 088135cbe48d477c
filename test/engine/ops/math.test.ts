/**
 * The math functions and samplers of src/engine/ops/math.ts against numbers printed by PyTorch 1.13
 * (Debian's /usr/bin/python3 torch): values, grads and grad_fn names; the samplers for a seed.
 */
import { describe, expect, it } from "vitest";
import * as ops from "../../../src/engine/ops/index.ts";
import { manualSeed } from "../../../src/engine/random.ts";
import { Tensor } from "../../../src/engine/tensor.ts";

const t = (v: number[], shape = [v.length], grad = true) => {
  const x = new Tensor(Float32Array.from(v), shape, "float32");
  x.requiresGrad = grad;
  return x;
};
const close = (got: ArrayLike<number>, want: number[], tol = 1e-6) => {
  expect(got.length).toBe(want.length);
  want.forEach((w, i) => {
    if (Object.is(w, -0) || w === 0) expect(Math.abs(got[i])).toBeLessThanOrEqual(tol);
    else expect(Math.abs(got[i] - w)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(w)));
  });
};

describe("erf, erfc, erfinv", () => {
  it("match PyTorch's values and grads", () => {
    const cases: [string, (a: Tensor) => Tensor, number[], number[], number[]][] = [
      [
        "ErfBackward0",
        ops.erf,
        [-2.5, -0.3, 0.0, 0.7, 1.5],
        [-0.9995930194854736, -0.3286267817020416, 0.0, 0.6778011918067932, 0.9661051630973816],
        [
          0.002178284339606762, 1.0312609672546387, 1.128379225730896, 0.6912749409675598,
          0.11893029510974884,
        ],
      ],
      [
        "ErfcBackward0",
        ops.erfc,
        [-2.5, -0.3, 0.0, 0.7, 1.5],
        [1.9995930194854736, 1.3286267518997192, 1.0, 0.3221988081932068, 0.0338948518037796],
        [
          -0.002178284339606762, -1.0312609672546387, -1.128379225730896, -0.6912749409675598,
          -0.11893029510974884,
        ],
      ],
      [
        "ErfinvBackward0",
        ops.erfinv,
        [-0.95, -0.5, 0.3, 0.71],
        [-1.3859037160873413, -0.4769362807273865, 0.27246272563934326, 0.7482050061225891],
        [6.049326419830322, 1.1125849485397339, 0.9545204043388367, 1.5511995553970337],
      ],
    ];
    for (const [gradFn, fn, xs, ys, gs] of cases) {
      const x = t(xs);
      const y = fn(x);
      expect(y.gradFn?.name).toBe(gradFn);
      close(y.values, ys);
      // bit for bit: SLEEF's erf and erfc, ATen's calc_erfinv over glibc's erff
      expect([...y.values]).toEqual(ys.map(Math.fround));
      ops.sum(y).backward();
      close(x.grad!.values, gs);
    }
  });
});

describe("binary math ops", () => {
  it("atan2, hypot, logaddexp, fmod broadcast and reduce their grads", () => {
    const cases: [string, (a: Tensor, b: Tensor) => Tensor, number[], number[], number[]][] = [
      [
        "Atan2Backward0",
        ops.atan2,
        [0.46364760398864746, -1.815774917602539, 0.244978666305542, 1.7359449863433838],
        [0.4000000059604645, -0.11764705926179886, 0.47058823704719543, -0.054054055362939835],
        [-0.3176470696926117, 0.14626389741897583],
      ],
      [
        "HypotBackward0",
        ops.hypot,
        [2.2360680103302, 2.0615527629852295, 2.0615527629852295, 3.041381359100342],
        [0.4472135901451111, -0.9701425433158875, 0.24253563582897186, 0.9863938689231873],
        [1.8645696640014648, -0.40693461894989014],
      ],
      [
        "LogaddexpBackward0",
        ops.logaddexp,
        [2.3132617473602295, -0.2985866665840149, 2.20141339302063, 3.029750347137451],
        [0.2689414322376251, 0.18242552876472473, 0.18242552876472473, 0.970687747001648],
        [1.548633098602295, 0.8468866944313049],
      ],
      ["FmodBackward1", ops.fmod, [1.0, -0.0, 0.5, 0.0], [1, 1, 1, 1], [0.0, 2.0]],
    ];
    for (const [gradFn, fn, ys, ga, gb] of cases) {
      const a = t([1.0, -2.0, 0.5, 3.0], [2, 2]);
      const b = t([2.0, -0.5]);
      const y = fn(a, b);
      expect(y.gradFn?.name).toBe(gradFn);
      close(y.values, ys);
      ops.sum(y).backward();
      close(a.grad!.values, ga);
      close(b.grad!.values, gb);
    }
  });

  it("lerp with a tensor weight (LerpBackward1)", () => {
    const [s, e, w] = [t([0, 1]), t([2, -3]), t([0.25, 0.75])];
    const y = ops.lerp(s, e, w);
    expect(y.gradFn?.name).toBe("LerpBackward1");
    close(y.values, [0.5, -2]);
    ops.sum(y).backward();
    close(s.grad!.values, [0.75, 0.25]);
    close(e.grad!.values, [0.25, 0.75]);
    close(w.grad!.values, [2, -4]);
  });

  it("cdist (p = 2)", () => {
    const x1 = t([0, 1, 2, -1], [2, 2]);
    const x2 = t([1, 1], [1, 2]);
    const d = ops.cdist(x1, x2);
    expect(d.gradFn?.name).toBe("CdistBackward0");
    close(d.values, [1.0, 2.2360680103302]);
    ops.sum(d).backward();
    close(x1.grad!.values, [-1.0, 0.0, 0.4472135901451111, -0.8944271802902222]);
    close(x2.grad!.values, [0.5527864098548889, 0.8944271802902222]);
  });
});

describe("samplers", () => {
  it("draw PyTorch's numbers for a seed", () => {
    manualSeed(0);
    expect([...ops.bernoulli(t([0.2, 0.5, 0.8, 0.5, 0.5], [5], false)).values]).toEqual([0, 0, 1, 1, 1]);
    expect([...ops.multinomial(t([1, 2, 3, 4], [4], false), 3).values]).toEqual([2, 3, 0]);
    expect([...ops.multinomial(t([1, 2, 3, 4], [4], false), 5, true).values]).toEqual([2, 1, 2, 1, 2]);
  });
});
