/**
 * Creation ops against PyTorch 1.13 (test/fixtures/creation.json from gen_creation.py): values
 * bit for bit, dtype, shape, requires_grad, and the error type and text.
 */
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it, test } from "vitest";
import { Tensor } from "../../../src/engine/tensor.ts";
import * as ops from "../../../src/engine/ops/index.ts";
import { addListener, type EngineEvent } from "../../../src/engine/events.ts";
import { TorchError } from "../../../src/engine/errors.ts";
import { compareTensor, type RefTensor } from "../../differential/compare.ts";

interface Case {
  expr: string;
  seed?: number;
  result?: RefTensor & { requires_grad: boolean };
  error?: { type: string; message: string };
}

const fixture = JSON.parse(
  readFileSync(new URL("../../fixtures/creation.json", import.meta.url), "utf8"),
) as { cases: Record<string, Case> };

const {
  tensor,
  zeros,
  ones,
  full,
  zerosLike,
  onesLike,
  fullLike,
  eye,
  arange,
  linspace,
  rand,
  randn,
  randLike,
  randnLike,
  randint,
  randperm,
  empty,
  uniform_,
  normal_,
} = ops;
const nan = NaN;
const inf = Infinity;
const float32 = { dtype: "float32" } as const;
const int64 = { dtype: "int64" } as const;
const bool = { dtype: "bool" } as const;

/** The TS call for each fixture case, named as in gen_creation.py. */
const CALLS: Record<string, () => Tensor> = {
  tensor_ints: () =>
    tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]),
  tensor_floats: () => tensor([1.5, -2.25, 3.0]),
  tensor_mixed_int_float: () => tensor([1, 2.5]),
  tensor_bools: () => tensor([true, false]),
  tensor_bool_int: () => tensor([true, 2]),
  tensor_bool_float: () => tensor([true, 2.5]),
  tensor_scalar_int: () => tensor(3),
  tensor_scalar_float: () => tensor(0.1),
  tensor_scalar_bool: () => tensor(true),
  tensor_nan_inf: () => tensor([nan, inf, -inf]),
  tensor_empty: () => tensor([]),
  tensor_empty_2d: () => tensor([[], []]),
  tensor_empty_ragged: () => tensor([[], [1]]),
  tensor_0dim_tensors: () => tensor([tensor(1.5), 2]),
  tensor_0dim_int_tensor: () => tensor([tensor(1), 2]),
  tensor_1elem_tensors: () => tensor([tensor([1], float32), tensor([2], float32)]),
  tensor_dtype_float: () => tensor([1, 2], float32),
  tensor_dtype_int_trunc: () => tensor([1.7, -1.7], int64),
  tensor_dtype_bool: () => tensor([0.5, 0], bool),
  tensor_requires_grad: () => tensor([1, 2], { dtype: "float32", requiresGrad: true }),
  tensor_float32_rounding: () => tensor([0.1, 1e-8, 1e39, 16777217.0]),
  tensor_ragged: () =>
    tensor([
      [1, 2, 3],
      [4, 5],
    ]),
  tensor_ragged_longer: () =>
    tensor([
      [1, 2],
      [4, 5, 6],
    ]),
  tensor_ragged_deep: () =>
    tensor([
      [
        [1, 2],
        [3, 4],
      ],
      [[5, 6], [7]],
    ]),
  tensor_not_a_sequence: () => tensor([[1], 2]),
  tensor_list_in_int: () => tensor([1, [2]]),
  tensor_list_in_float: () => tensor([1.5, [2]]),
  tensor_int_requires_grad: () => tensor([1, 2], { dtype: "int64", requiresGrad: true }),
  tensor_from_tensor: () =>
    tensor(
      tensor(
        [
          [1, 2],
          [3, 4],
        ],
        { dtype: "float32", requiresGrad: true },
      ),
    ),
  tensor_from_int_tensor_dtype: () => tensor(tensor(3), float32),
  tensor_multi_elem_tensor: () => tensor([tensor([1, 2], float32), tensor([2, 3], float32)]),
  zeros: () => zeros([2, 3]),
  zeros_0dim: () => zeros([]),
  zeros_int: () => zeros(3, int64),
  zeros_requires_grad: () => zeros(2, { requiresGrad: true }),
  zeros_negative: () => zeros([2, -1]),
  zeros_int_requires_grad: () => zeros(2, { dtype: "int64", requiresGrad: true }),
  ones: () => ones([3, 1]),
  ones_bool: () => ones(2, bool),
  full_float: () => full([2, 2], 1.5),
  full_int: () => full([3], 7),
  full_bool: () => full([2], true),
  full_nan: () => full([2], nan),
  full_int_dtype_trunc: () => full([2], 1.5, int64),
  full_int_requires_grad: () => full([2], 1, { requiresGrad: true }),
  zeros_like: () =>
    zerosLike(
      tensor([
        [1, 2],
        [3, 4],
      ]),
    ),
  zeros_like_float: () => zerosLike(tensor([1, 2]), float32),
  ones_like: () => onesLike(tensor([1.5, 2.5])),
  full_like_int: () => fullLike(tensor([1, 2]), 2.7),
  full_like_float: () => fullLike(tensor([1, 2], float32), 2.7),
  eye: () => eye(3),
  eye_rect: () => eye(2, 4),
  eye_bool: () => eye(2, undefined, bool),
  eye_negative: () => eye(-1),
  eye_negative_m: () => eye(3, -1),
  arange_end: () => arange(5),
  arange_start_end: () => arange(2, 7),
  arange_int_step: () => arange(0, 10, 3),
  arange_neg_step: () => arange(5, -5, -3),
  arange_float_step: () => arange(0, 1, 0.1),
  arange_float_start: () => arange(0.5, 10, 3),
  arange_float_end: () => arange(0, 1, 1, float32),
  arange_long_float: () => arange(0.1, 5, 0.1),
  arange_long_float_2: () => arange(-3.3, 10.7, 0.37),
  arange_long_float_3: () => arange(0, 100, 0.7),
  arange_float_dtype: () => arange(20, undefined, 1, float32),
  arange_requires_grad: () => arange(0, 2, 0.5, { requiresGrad: true }),
  arange_zero_step: () => arange(0, 5, 0),
  arange_wrong_sign: () => arange(5, 0),
  arange_wrong_sign_2: () => arange(0, 5, -1),
  arange_inf: () => arange(0, inf),
  arange_int_requires_grad: () => arange(5, undefined, 1, { requiresGrad: true }),
  linspace: () => linspace(0, 1, 5),
  linspace_one: () => linspace(2, 3, 1),
  linspace_zero: () => linspace(2, 3, 0),
  linspace_long: () => linspace(-3.3, 7.1, 37),
  linspace_long_2: () => linspace(0, 1, 100),
  linspace_reverse: () => linspace(5, -5, 23),
  linspace_int: () => linspace(0, 1, 5, int64),
  linspace_int_long: () => linspace(-3, 7, 20, int64),
  linspace_negative: () => linspace(0, 1, -1),
  rand_int: () => rand(2, int64),
  randn_int: () => randn(2, int64),
  rand_like_bool: () => randLike(tensor([true])),
  randn_like_int: () => randnLike(tensor([1, 2])),
  randint_bad_range: () => randint(5, 3, [2]),
  randperm_negative: () => randperm(-1),
  randperm_zero: () => randperm(0),
  rand_2x3: () => rand([2, 3]),
  rand_requires_grad: () => rand(3, { requiresGrad: true }),
  randn_4x5: () => randn([4, 5]),
  randn_like: () => randnLike(zeros([2, 2])),
  rand_like: () => randLike(zeros(5)),
  randint_high_only: () => randint(3, [5]),
  randint_float_dtype: () => randint(0, 3, [4], float32),
  randperm_10: () => randperm(10),
  uniform_: () => uniform_(empty(6), -1, 1),
  normal_: () => normal_(empty(4), 2.0, 0.5),
};

const EXACT = { rel: 0 };

describe("creation ops match PyTorch (creation.json)", () => {
  it("has a TS call for every fixture case", () => {
    expect(Object.keys(fixture.cases).filter((k) => !(k in CALLS))).toEqual([]);
  });

  for (const [name, c] of Object.entries(fixture.cases)) {
    it(`${name}: ${c.expr}`, () => {
      if (c.seed !== undefined) ops.manualSeed(c.seed);
      if (c.error) {
        let caught: unknown = null;
        try {
          CALLS[name]();
        } catch (e) {
          caught = e;
        }
        expect(caught).toBeInstanceOf(TorchError);
        expect((caught as TorchError).pyType).toBe(c.error.type);
        expect((caught as TorchError).message).toBe(c.error.message);
        return;
      }
      const out = CALLS[name]();
      expect(compareTensor(out, c.result!, EXACT)).toBeNull();
      expect(out.requiresGrad).toBe(c.result!.requires_grad);
      expect(out.isLeaf).toBe(true);
      expect(out.gradFn).toBeNull();
    });
  }
});

describe("creation events", () => {
  let stop: (() => void) | null = null;
  afterEach(() => stop?.());

  it("each creation op tells the listener what it made, once, after requires_grad is set", () => {
    const events: EngineEvent[] = [];
    stop = addListener((e) => events.push(e));
    const w = tensor([1, 2], { dtype: "float32", requiresGrad: true });
    const z = zeros([2]);
    const r = randn(3);
    const a = arange(4);
    expect(events.map((e) => e.kind)).toEqual(["create", "create", "create", "create"]);
    expect(events.map((e) => (e.kind === "create" ? e.op : ""))).toEqual([
      "tensor",
      "zeros",
      "randn",
      "arange",
    ]);
    expect(events.map((e) => (e.kind === "create" ? e.tensor : null))).toEqual([w, z, r, a]);
    const first = events[0];
    expect(first.kind === "create" && first.tensor.requiresGrad).toBe(true);
  });

  it("an in-place random fill is recorded as an in-place op and refused on a leaf that requires grad", () => {
    const events: EngineEvent[] = [];
    stop = addListener((e) => events.push(e));
    const t = zeros(3);
    const before = t.version;
    uniform_(t);
    expect(t.version).toBe(before + 1);
    expect(events.map((e) => e.kind)).toEqual(["create", "inplace"]);
    const w = zeros(3, { requiresGrad: true });
    expect(() => normal_(w)).toThrow(
      "a leaf Variable that requires grad is being used in an in-place operation.",
    );
  });
});

describe("tensor() details", () => {
  it("copy-constructing from a tensor warns as PyTorch does and gives a detached leaf", () => {
    const messages: string[] = [];
    const stop = addListener((e) => {
      if (e.kind === "warning") messages.push(e.message);
    });
    const src = tensor([1.5, 2.5], { requiresGrad: true });
    const copy = tensor(src);
    stop();
    expect(messages).toEqual([
      "To copy construct from a tensor, it is recommended to use sourceTensor.clone().detach() or sourceTensor.clone().detach().requires_grad_(True), rather than torch.tensor(sourceTensor).",
    ]);
    expect(copy.requiresGrad).toBe(false);
    expect(copy.values).not.toBe(src.values);
  });

  it("accepts typed arrays as sequences", () => {
    const t = tensor(Float32Array.from([0.5, 1.5]));
    expect(t.dtype).toBe("float32");
    expect(Array.from(t.values)).toEqual([0.5, 1.5]);
    expect(tensor(Int32Array.from([1, 2])).dtype).toBe("int64");
  });

  it("copies its data: a tensor inside the list is read, not shared", () => {
    const a = tensor(2.5);
    const b = tensor([a, 1]);
    a.values[0] = 9;
    expect(Array.from(b.values)).toEqual([2.5, 1]);
  });
});

test("tensor(1.0, {requiresGrad: true}) in TS is float32: JS cannot tell 1.0 from 1, and only floats may require grad", () => {
  const w = tensor(1.0, { requiresGrad: true });
  expect(w.dtype).toBe("float32");
  expect(String(w)).toBe("tensor(1., requires_grad=True)");
  expect(tensor(1.0).dtype).toBe("int64");
});
