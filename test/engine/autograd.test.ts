/**
 * Autograd corner cases against what real PyTorch does: test/fixtures/autograd.json, made by
 * test/fixtures/gen_autograd.py, where every scenario below has a Python twin.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Tensor } from "../../src/engine/tensor.ts";
import * as ops from "../../src/engine/ops/index.ts";
import { enableGrad, isGradEnabled, noGrad } from "../../src/engine/autograd.ts";
import { TorchError } from "../../src/engine/errors.ts";
import { compareValues, decodeNumber, GOLDEN_TOL, type JsonNumber } from "../differential/compare.ts";

const ref = JSON.parse(readFileSync(new URL("../fixtures/autograd.json", import.meta.url), "utf8"));

type Outcome = { ok: unknown } | { error: [string, string] };

/** PyTorch's outcome of `fn`: its result, or the Python exception type and first message line. */
function attempt(fn: () => unknown): Outcome {
  try {
    return { ok: fn() ?? null };
  } catch (e) {
    if (e instanceof TorchError) return { error: [e.pyType, e.message.split("\n")[0]] };
    throw e;
  }
}

/** A float32 leaf that requires grad (JS numbers like 1.0 would otherwise make an int64 tensor). */
function leaf(data: number[] | number[][]): Tensor {
  return ops.tensor(data, { dtype: "float32", requiresGrad: true });
}

function f32(data: number[]): Tensor {
  return ops.tensor(data, { dtype: "float32" });
}

function expectValues(t: Tensor | null, expected: JsonNumber[] | null): void {
  if (expected === null) {
    expect(t).toBeNull();
    return;
  }
  expect(t).not.toBeNull();
  expect(compareValues(t!.values, expected.map(decodeNumber), GOLDEN_TOL)).toBeNull();
}

describe("a second backward through the same graph", () => {
  const builds: Record<string, (x: Tensor) => Tensor> = {
    mul_self: (x) => x.mul(x).sum(),
    add_scalar: (x) => x.add(1).sum(),
    mul_scalar: (x) => x.mul(3.0).sum(),
    pow: (x) => x.pow(2).sum(),
    exp: (x) => x.exp().sum(),
    sigmoid: (x) => x.sigmoid().sum(),
    relu: (x) => x.relu().sum(),
    neg: (x) => x.neg().sum(),
    sum: (x) => x.sum(),
    mean: (x) => x.mean(),
    sub: (x) => x.sub(x.mul(0)).sum(),
  };

  it("covers every scenario of the fixture", () => {
    expect(Object.keys(builds).sort()).toEqual(Object.keys(ref.second_backward).sort());
  });

  for (const [name, build] of Object.entries(builds)) {
    const r = ref.second_backward[name];
    const fails = "error" in r.second;
    it(`${name}: ${fails ? "fails (a node saved tensors)" : "works (no node saved a tensor)"}`, () => {
      const x = leaf([1, 2, 3]);
      const y = build(x);
      expect(y.gradFn!.name).toBe(r.grad_fn);
      y.backward();
      expect(attempt(() => y.backward())).toEqual(r.second);
      expectValues(x.grad, r.grad);
    });
  }

  it("retainGraph keeps the saved tensors for one more backward", () => {
    const x = leaf([1, 2, 3]);
    const y = x.mul(x).sum();
    y.backward(null, { retainGraph: true });
    expectValues(x.grad, ref.retain_graph.first);
    y.backward();
    expectValues(x.grad, ref.retain_graph.second);
    expect(attempt(() => y.backward())).toEqual(ref.retain_graph.third);
  });
});

describe("retainGrad", () => {
  it("fills .grad of a non-leaf, accumulating across backward calls", () => {
    const r = ref.retain_grad;
    const x = leaf([1, -2, 3]);
    const y = x.mul(2);
    y.retainGrad();
    const z = y.mul(y).sum();
    z.backward(null, { retainGraph: true });
    expectValues(y.grad, r.once.y);
    expectValues(x.grad, r.once.x);
    z.backward();
    expectValues(y.grad, r.twice.y);
    expectValues(x.grad, r.twice.x);
    expect(y.isLeaf).toBe(r.is_leaf);
  });

  it("is a no-op on a leaf and an error without requires_grad", () => {
    const x = leaf([1, -2, 3]);
    expect(attempt(() => x.retainGrad())).toEqual({ ok: null });
    expect(ref.retain_grad.leaf_noop).toBe(true);
    expect(attempt(() => x.detach().retainGrad())).toEqual(ref.retain_grad.no_grad_error);
  });
});

describe("hooks", () => {
  const r = ref.hooks;

  it("a hook on a leaf sees the grad and may replace it", () => {
    const x = leaf([1, 2]);
    const seen: number[][] = [];
    x.registerHook((g) => {
      seen.push(Array.from(g.values));
      return g.mul(2);
    });
    x.mul(x).sum().backward();
    expect(seen).toEqual(r.leaf_hook_doubles.seen);
    expectValues(x.grad, r.leaf_hook_doubles.grad);
  });

  it("a hook on an intermediate tensor changes what flows further back", () => {
    const x = leaf([1, 2]);
    const y = x.mul(3);
    y.registerHook((g) => g.add(1));
    y.mul(y).sum().backward();
    expectValues(x.grad, r.intermediate_hook);
  });

  it("a removed hook does not run", () => {
    const x = leaf([1, 2]);
    const remove = x.registerHook((g) => g.mul(10));
    remove();
    x.mul(x).sum().backward();
    expectValues(x.grad, r.removed_hook);
  });

  it("hooks run in registration order, each on the previous one's result", () => {
    const x = leaf([1, 2]);
    const calls: string[] = [];
    x.registerHook((g) => {
      calls.push("first");
      return g.mul(2);
    });
    x.registerHook((g) => {
      calls.push("second");
      return g.add(1);
    });
    x.sum().backward();
    expect(calls).toEqual(r.two_hooks.calls);
    expectValues(x.grad, r.two_hooks.grad);
  });

  it("cannot be registered on a tensor that does not require grad", () => {
    expect(attempt(() => f32([1]).registerHook((g) => g))).toEqual(r.no_grad_error);
  });
});

describe("in-place ops and the version counter", () => {
  const r = ref.inplace;

  it("modifying a saved output fails backward with PyTorch's text", () => {
    const x = leaf([0.5, -1, 2]);
    const a = x.sigmoid();
    a.mul_(2);
    expect(attempt(() => a.sum().backward())).toEqual(r.inplace_output_of_sigmoid);
  });

  it("modifying a saved input names the tensor's current grad_fn", () => {
    const x = leaf([0.5, -1, 2]);
    const y = x.mul(1);
    const z = y.mul(y);
    y.add_(1);
    expect(attempt(() => z.sum().backward())).toEqual(r.inplace_saved_input);
  });

  it("modifying a saved leaf through detach() fails (detach shares the version counter)", () => {
    const x = leaf([0.5, -1, 2]);
    const z = x.mul(x);
    x.detach().add_(1);
    expect(attempt(() => z.sum().backward())).toEqual(r.inplace_saved_leaf_via_detach);
  });

  it("modifying a leaf that no node saved is fine (exp saves its result)", () => {
    const x = leaf([0.5, -1, 2]);
    const z = x.exp();
    noGrad(() => x.mul_(2));
    expect(attempt(() => z.sum().backward())).toEqual(r.inplace_saved_leaf_no_grad);
  });

  it("counts every in-place op in the version", () => {
    const x = leaf([
      [0.5, -1],
      [2, 1],
    ]);
    const z = x.add(0).exp();
    z.add_(1);
    z.add_(1);
    expect(attempt(() => z.sum().backward())).toEqual(r.inplace_twice);
  });

  it("in-place ops on an unsaved non-leaf backpropagate through their own grad_fn", () => {
    const x = leaf([0.5, -1, 2]);
    const y = x.mul(2);
    y.add_(1);
    y.mul_(3);
    y.sum().backward();
    expectValues(x.grad, r.inplace_unsaved_is_fine.grad);
    expect(y.gradFn!.name).toBe(r.inplace_unsaved_is_fine.grad_fn);
    expect(y.version).toBe(r.inplace_unsaved_is_fine.version);
  });

  it("an in-place op on a leaf that requires grad is an error", () => {
    expect(attempt(() => leaf([1, 2]).add_(1))).toEqual(r.leaf_add_);
    expect(attempt(() => leaf([1, 2]).zero_())).toEqual(r.leaf_zero_);
  });

  it("an in-place op on a leaf under noGrad is allowed (an optimizer step)", () => {
    const x = leaf([1, 2]);
    noGrad(() => x.sub_(f32([0.5, 0.5])));
    expectValues(x, r.leaf_no_grad_step.values);
    expect(x.version).toBe(r.leaf_no_grad_step.version);
    expect(x.isLeaf).toBe(r.leaf_no_grad_step.is_leaf);
    expect(x.requiresGrad).toBe(true);
  });

  it("mul_, div_, sub_ give the grad_fn of their out-of-place op", () => {
    const y = leaf([1, 2]).mul(1);
    y.mul_(f32([2, 3]));
    expect(y.gradFn!.name).toBe(r.mul_grad_fn);
    y.div_(2);
    expect(y.gradFn!.name).toBe(r.div_grad_fn);
    y.sub_(1);
    expect(y.gradFn!.name).toBe(r.sub_grad_fn);
  });
});

describe("detach", () => {
  it("shares storage and the version counter with the original", () => {
    const r = ref.detach_shares;
    const x = leaf([1, 2, 3]);
    const d = x.detach();
    d.add_(10);
    expectValues(x, r.x);
    expect(x.version).toBe(r.x_version);
    expect(d.version).toBe(r.d_version);
    expect(d.requiresGrad).toBe(r.d_requires_grad);
    expect(d.isLeaf).toBe(r.d_is_leaf);
  });
});

describe("requiresGrad_", () => {
  const r = ref.requires_grad_rules;

  it("can only turn grad off on a leaf", () => {
    const y = leaf([1, 2]).mul(2);
    expect(attempt(() => y.requiresGrad_(false))).toEqual(r.non_leaf_false);
    expect(attempt(() => y.requiresGrad_(true).requiresGrad)).toEqual(r.non_leaf_true);
    expect(attempt(() => f32([1]).requiresGrad_().isLeaf)).toEqual(r.leaf_true_then_grad);
  });

  it("refuses integer tensors", () => {
    // PyTorch 2.x added "and complex" to the 1.13 text the fixture holds.
    const [type, msg] = r.int_tensor.error;
    expect(attempt(() => ops.tensor([1, 2]).requiresGrad_())).toEqual({
      error: [type, msg.replace("floating point dtype", "floating point and complex dtype")],
    });
  });
});

describe("backward(gradient)", () => {
  const r = ref.backward_gradient;

  it("checks the gradient's shape and that an implicit gradient is for a scalar", () => {
    const x = leaf([1, 2, 3]);
    const y = x.mul(2);
    expect(attempt(() => y.backward(ops.ones([2])))).toEqual(r.mismatch);
    expect(attempt(() => y.backward(ops.ones([3, 1])))).toEqual(r.mismatch_2d);
    expect(attempt(() => y.backward())).toEqual(r.implicit_non_scalar);
    y.backward(f32([1, 0.5, -1]));
    expectValues(x.grad, r.weighted);
  });

  it("weights the grads of a non-scalar output", () => {
    const x = leaf([
      [1, 2],
      [3, 4],
    ]);
    x.mul(x)
      .sum(0)
      .backward(f32([1, -1]));
    expectValues(x.grad, r.weighted_2d);
  });
});

describe("grad accumulation", () => {
  it("adds into .grad across graphs until zero_, keeping the same tensor", () => {
    const r = ref.accumulation;
    const x = leaf([1, 2]);
    x.mul(3).sum().backward();
    expectValues(x.grad, r.after1);
    x.mul(x).sum().backward();
    expectValues(x.grad, r.after2);
    const g = x.grad;
    x.grad!.zero_();
    expectValues(x.grad, r.zeroed);
    x.mul(5).sum().backward();
    expectValues(x.grad, r.after3);
    expect(g === x.grad).toBe(r.same_object);
  });
});

describe("grad mode", () => {
  it("noGrad / enableGrad nest and restore", () => {
    const x = leaf([1]);
    const made: Tensor[] = [];
    noGrad(() => {
      made.push(x.mul(2));
      enableGrad(() => {
        made.push(x.mul(2));
        noGrad(() => made.push(x.mul(2)));
        made.push(x.mul(2));
      });
      made.push(x.mul(2));
    });
    made.push(x.mul(2));
    expect(made.map((t) => t.requiresGrad)).toEqual(ref.grad_mode.requires_grad);
  });

  it("is restored when the body throws", () => {
    expect(() =>
      noGrad(() => {
        throw new Error("boom");
      }),
    ).toThrow("boom");
    expect(isGradEnabled()).toBe(ref.grad_mode.restored_after_error);
  });
});

describe("backward order (ready nodes by descending sequence number, as PyTorch's engine)", () => {
  interface RandomGraph {
    leaves: number;
    steps: [string, string, string[]][];
    roots: string[];
    order: string[];
    grads: Record<string, JsonNumber[]>;
  }

  function apply(op: string, [a, b]: Tensor[]): Tensor {
    switch (op) {
      case "mul":
        return a.mul(b);
      case "add":
        return a.add(b);
      case "sub":
        return a.sub(b);
      case "sin":
        return a.sin();
      case "exp":
        return a.exp();
      case "tanh":
        return a.tanh();
      case "sigmoid":
        return a.sigmoid();
      case "div_const":
        return a.div(2.0);
      case "sum_keep":
        return a.sum(0, true).mul(0.5).add(a);
    }
    throw new Error(`unknown op in fixture: ${op}`);
  }

  (ref.backward_order as RandomGraph[]).forEach((g, k) => {
    it(`graph ${k}: ${g.steps.map(([o, op, args]) => `${o}=${op}(${args.join(",")})`).join(" ")}`, () => {
      const env = new Map<string, Tensor>();
      for (let i = 0; i < g.leaves; i++) env.set(`x${i}`, leaf([0.3 * (i + 1), -0.2 * (i + 1)]));
      for (const [out, op, args] of g.steps)
        env.set(
          out,
          apply(
            op,
            args.map((a) => env.get(a)!),
          ),
        );
      const order: string[] = [];
      for (const [name, t] of env) t.registerHook(() => void order.push(name));
      let loss = env.get(g.roots[0])!.sum();
      for (const r of g.roots.slice(1)) loss = loss.add(env.get(r)!.sum());
      loss.backward();
      expect(order).toEqual(g.order);
      for (const [name, grad] of Object.entries(g.grads)) expectValues(env.get(name)!.grad, grad);
    });
  });
});

describe("non-finite values through backward (PyTorch masks, it does not multiply by 0)", () => {
  const r = ref.nonfinite;
  const signbits = (t: Tensor) => Array.from(t.values, (v) => v < 0 || Object.is(v, -0));
  const unary: Record<string, (x: Tensor) => Tensor> = {
    relu: (x) => x.relu(),
    abs: (x) => x.abs(),
    clamp: (x) => x.clamp(-1, 0.5),
    sqrt: (x) => x.sqrt(),
    max: (x) => x.max(),
  };

  for (const [name, f] of Object.entries(unary)) {
    it(`${name} of [nan, 0, -0, 1, -1]: values, signs of zeros, grads`, () => {
      const x = leaf([NaN, 0, -0, 1, -1]);
      const y = f(x);
      expectValues(y, r[name].value);
      const nan = Array.from(y.values, (v) => Number.isNaN(v));
      expect(signbits(y).filter((_, i) => !nan[i])).toEqual(
        (r[name].signbit as boolean[]).filter((_, i) => !nan[i]),
      );
      y.backward(y.dim() ? f32([2, 2, 2, 2, 2]) : ops.tensor(2, { dtype: "float32" }));
      expectValues(x.grad, r[name].grad);
    });
  }

  for (const name of ["maximum", "minimum"] as const) {
    it(`${name}: NaN inputs pass the grad to both sides; a NaN grad stays on the winning side`, () => {
      const a = leaf([NaN, 1, 2, 3, 1]);
      const b = leaf([1, NaN, 2, 1, 3]);
      const y = ops[name](a, b);
      expectValues(y, r[name].value);
      y.backward(f32([1, 1, 1, NaN, NaN]));
      expectValues(a.grad, r[name].a_grad);
      expectValues(b.grad, r[name].b_grad);
    });
  }
});

describe("pow with C's special cases", () => {
  it("1 ** nan and (-1) ** ±inf are 1, with PyTorch's grads", () => {
    const r = ref.nonfinite.pow;
    const a = leaf([1, 1, -1, -1, 2]);
    const b = leaf([NaN, Infinity, Infinity, -Infinity, NaN]);
    const y = a.pow(b);
    expectValues(y, r.value);
    y.backward(f32([1, 1, 1, 1, 1]));
    expectValues(a.grad, r.a_grad);
    expectValues(b.grad, r.b_grad);
  });
});

describe("pow with a 0 exponent", () => {
  it("masks the base's grad to 0, even where the incoming grad is inf or nan", () => {
    const r = ref.nonfinite.pow_zero_exponent;
    const a = leaf([0.5, 2, 0]);
    const b = leaf([0, 0, 0]);
    const y = a.pow(b);
    expectValues(y, r.value);
    y.backward(f32([Infinity, NaN, 1]));
    expectValues(a.grad, r.a_grad);
    expectValues(b.grad, r.b_grad);
  });
});
