/**
 * The float64 evaluation path (gradcheck's replay) against every op event of real programs run through
 * the Python runtime: each op recomputed in float64 from its recorded float32 inputs must land within
 * float32 rounding of the recorded output. The programs are the golden public set and the seed
 * notebooks (../shared/golden/, whose outputs are checked against PyTorch elsewhere) and the shim's
 * own training and tensor programs.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { beforeAll, expect, test } from "vitest";
import { evalF64, hasF64, type F64 } from "../../src/analysis/f64.ts";
import { decodeAttrs, recordF64 } from "../../src/analysis/gradcheck.ts";
import { Tensor } from "../../src/engine/tensor.ts";
import { nodeRuntime } from "../../src/python/node.ts";
import type { PythonRuntime } from "../../src/python/runtime.ts";
import type { Trace } from "../../src/trace/schema.ts";

const path = (rel: string) => fileURLToPath(new URL(rel, import.meta.url));
const PROGRAMS = [
  path("../../../shared/golden/programs-public.py"),
  path("../../../shared/golden/seed-notebooks.py"),
  path("../python/programs/nn_training.py"),
  path("../python/programs/tensor_basics.py"),
  path("../python/programs/nn_norm_training.py"),
  // (the float32 cancellation of layer_norm over 1e4 + k is in test/engine/ops/norm.test.ts)
  path("../python/programs/nn_norm_embedding.py"),
  path("../python/programs/conv_pool.py"),
  path("../python/programs/indexing_ops.py"),
  path("../python/programs/indexing_higher_order.py"),
];
/** Not recomputable by nature: random draws, and in-place writes through `.data` (no before-values). */
const SKIP = new Set(["uniform", "normal", "requires_grad", "detach", "setitem", "index_put", "index"]);

let rt: PythonRuntime;
beforeAll(async () => {
  rt = await nodeRuntime();
}, 180_000);

const toEngine = (x: F64) =>
  new Tensor(
    x.dtype === "float32"
      ? Float32Array.from(x.data)
      : x.dtype === "int64"
        ? Float64Array.from(x.data)
        : Uint8Array.from(x.data),
    x.shape,
    x.dtype,
  );

function check(trace: Trace, seen: Map<string, number>, failures: string[]): void {
  trace.events.forEach((e, k) => {
    if (e.kind !== "op" && e.kind !== "inplace") return;
    const op = e.kind === "inplace" && e.op.endsWith("_") ? e.op.slice(0, -1) : e.op;
    const ins = e.kind === "op" ? e.inputs : e.target ? [e.target, ...e.inputs] : null;
    const out = trace.tensors[e.out];
    if (
      !ins ||
      SKIP.has(op) ||
      out.dtype !== "float32" ||
      !out.data ||
      ins.some((i) => !trace.tensors[i].data)
    )
      return;
    if (!hasF64(op)) {
      failures.push(`${op}: no float64 path`);
      return;
    }
    seen.set(op, (seen.get(op) ?? 0) + 1);
    const value = (id: string) => recordF64(trace, id);
    const res = evalF64(
      op,
      ins.map(value),
      decodeAttrs(e.attrs, value),
      () => decodeAttrs(e.attrs, (id) => toEngine(value(id))),
      [...out.shape],
      out.dtype,
    );
    const exp = value(e.out).data;
    expect(res.shape).toEqual(out.shape);
    for (let i = 0; i < exp.length; i++) {
      const a = res.data[i];
      const b = exp[i];
      // float32 overflowed or went nan where float64 did not: the float64 value must be beyond float32's range
      if (!Number.isFinite(b)) {
        if (b === b && Number.isFinite(a)) expect(Math.abs(a)).toBeGreaterThan(3.4e38);
        continue;
      }
      if (Math.abs(a - b) > 1e-5 * Math.max(1, Math.abs(b))) {
        failures.push(`event ${k} ${op}[${i}]: float64 ${a}, float32 ${b}`);
        return;
      }
    }
  });
}

test("every op of the golden and shim programs evaluates in float64 within float32 rounding of the engine", () => {
  const seen = new Map<string, number>();
  const failures: string[] = [];
  for (const file of PROGRAMS) {
    const r = rt.run(readFileSync(file, "utf8"), { filename: file });
    check(r.trace!, seen, failures);
  }
  expect(failures).toEqual([]);
  // the programs exercise the ops a teaching program uses
  for (const op of [
    "add",
    "mul",
    "div",
    "pow",
    "exp",
    "log",
    "sigmoid",
    "tanh",
    "relu",
    "mm",
    "addmm",
    "sum",
    "mean",
    "t",
    "binary_cross_entropy",
    "log_softmax",
    "nll_loss",
    // the indexing, sorting and triangular ops
    "gather",
    "scatter",
    "index_select",
    "sort",
    "topk",
    "flip",
    "roll",
    "tril",
    "triu",
    "diag",
    "trace",
    "cumprod",
    "index_add",
    "index_fill",
    "median",
    "median_dim",
  ]) {
    expect(seen.get(op) ?? 0).toBeGreaterThan(0);
  }
  expect(seen.size).toBeGreaterThan(40);
});
