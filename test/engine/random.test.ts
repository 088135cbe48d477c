/**
 * The seeded generator reproduces PyTorch's CPU streams bit for bit (test/fixtures/random.json,
 * from gen_random.py with PyTorch 1.13 on an AVX2 CPU): rand, randn on both its paths (scalar
 * Box-Muller in double below 16 elements, vectorized float32 from 16 on), randint, randperm,
 * uniform_, normal_, and the normal sample cached across calls.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as ops from "../../src/engine/ops/index.ts";
import { Generator, MT19937, defaultGenerator, manualSeed } from "../../src/engine/random.ts";
import type { Tensor } from "../../src/engine/tensor.ts";

interface Call {
  call: string;
  args?: number[];
  shape: number[];
  data: number[];
}

const fixture = JSON.parse(readFileSync(new URL("../fixtures/random.json", import.meta.url), "utf8")) as {
  cases: (Call & { seed: number })[];
  sequence: { seed: number; calls: Call[] };
};

function run(c: Call): Tensor {
  switch (c.call) {
    case "rand":
      return ops.rand(c.shape);
    case "randn":
      return ops.randn(c.shape);
    case "randint":
      return ops.randint(c.args![0], c.args![1], c.shape);
    case "randperm":
      return ops.randperm(c.args![0]);
    case "uniform_":
      return ops.uniform_(ops.empty(c.shape), c.args![0], c.args![1]);
    case "normal_":
      return ops.normal_(ops.empty(c.shape), c.args![0], c.args![1]);
    default:
      throw new Error(`unknown call ${c.call}`);
  }
}

function expectSame(t: Tensor, c: Call): void {
  expect(t.shape).toEqual(c.shape);
  expect(t.dtype).toBe(c.call === "randint" || c.call === "randperm" ? "int64" : "float32");
  expect(Array.from(t.values)).toEqual(c.data);
}

describe("PyTorch's CPU generator, reproduced", () => {
  for (const c of fixture.cases) {
    const what = `${c.call}(${[...(c.args ?? []), `[${c.shape.join(", ")}]`].join(", ")})`;
    it(`manual_seed(${c.seed}); ${what}`, () => {
      manualSeed(c.seed);
      expectSame(run(c), c);
    });
  }

  it("a sequence of calls after one seed (the scalar normal path keeps its second sample)", () => {
    manualSeed(fixture.sequence.seed);
    for (const c of fixture.sequence.calls) expectSame(run(c), c);
  });

  it("manual_seed drops the cached normal sample", () => {
    manualSeed(3);
    const first = Array.from(ops.randn(1).values);
    ops.randn(1); // would be the cached second sample
    manualSeed(3);
    expect(Array.from(ops.randn(1).values)).toEqual(first);
  });

  it("the default seed is PyTorch's, and manualSeed returns the default generator", () => {
    expect(new Generator().initialSeed()).toBe(67280421310721);
    expect(manualSeed(5)).toBe(defaultGenerator);
    expect(defaultGenerator.initialSeed()).toBe(5);
  });
});

describe("mt19937", () => {
  it("is the standard mt19937: the 10000th output for the default seed 5489 is 4123659995", () => {
    const mt = new MT19937(5489);
    let v = 0;
    for (let i = 0; i < 10000; i++) v = mt.nextUint32();
    expect(v).toBe(4123659995);
  });

  it("a separate generator has its own stream and its state can be saved and restored", () => {
    const g = new Generator(0);
    manualSeed(0);
    const a = ops.rand(4, { generator: g });
    const b = ops.rand(4);
    expect(Array.from(a.values)).toEqual(Array.from(b.values));
    const saved = g.getState();
    const next = Array.from(ops.randn(20, { generator: g }).values);
    g.setState(saved);
    expect(Array.from(ops.randn(20, { generator: g }).values)).toEqual(next);
  });

  it("negative and large seeds wrap as PyTorch's uint64 seed (only the low 32 bits seed the engine)", () => {
    const a = new Generator(-1).random();
    const b = new Generator(0xffffffff).random();
    expect(a).toBe(b);
    expect(new Generator(2 ** 40 + 7).random()).toBe(new Generator(7).random());
  });
});
