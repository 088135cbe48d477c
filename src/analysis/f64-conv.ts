/** Convolution and pooling in float64 (gradcheck's replay), through the engine's kernels with no rounding. */
import {
  adaptiveAvgPoolKernel,
  avgPoolKernel,
  convForwardKernel,
  maxPoolKernel,
} from "../engine/ops/conv.ts";
import type { F64, F64Attrs } from "./f64.ts";

export const CONV_OPS = new Set(["convolution", "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d"]);

type Pair = [number, number];
const pair = (v: unknown): Pair => v as Pair;
const id = (x: number) => x;

/** (N, C, L) as (N, C, 1, L); an unbatched input as a batch of one. */
function as4d(shape: readonly number[], dims: number): number[] {
  const b = shape.length === dims + 1 ? [1, ...shape] : [...shape];
  return b.length === 3 ? [b[0], b[1], 1, b[2]] : b;
}

/** The kernel's (N, C, H, W) result in the input's rank. */
function result(data: number[], shape: number[], input: readonly number[], dims: number): F64 {
  let out = dims === 1 ? [shape[0], shape[1], shape[3]] : shape;
  if (input.length === dims + 1) out = out.slice(1);
  return { shape: out, dtype: "float32", data: Float64Array.from(data) };
}

export function convF64(op: string, inputs: F64[], attrs: F64Attrs): F64 {
  const x = inputs[0];
  switch (op) {
    case "convolution": {
      const dims = attrs.dims as number;
      const [, w, b] = inputs;
      const r = convForwardKernel(
        x.data,
        as4d(x.shape, dims),
        w.data,
        w.shape.length === 3 ? [w.shape[0], w.shape[1], 1, w.shape[2]] : w.shape,
        b ? b.data : null,
        { stride: pair(attrs.stride), padding: pair(attrs.padding), dilation: pair(attrs.dilation) },
        attrs.groups as number,
        id,
      );
      return result(r.data, r.shape, x.shape, dims);
    }
    case "max_pool2d": {
      const win = {
        kernel: pair(attrs.kernel),
        stride: pair(attrs.stride),
        padding: pair(attrs.padding),
        dilation: pair(attrs.dilation),
      };
      const r = maxPoolKernel(x.data, as4d(x.shape, 2), win, attrs.ceilMode === true);
      return result(r.data, r.shape, x.shape, 2);
    }
    case "avg_pool2d": {
      const win = { kernel: pair(attrs.kernel), stride: pair(attrs.stride), padding: pair(attrs.padding) };
      const divisor = typeof attrs.divisor === "number" ? attrs.divisor : null;
      const r = avgPoolKernel(
        x.data,
        as4d(x.shape, 2),
        win,
        attrs.ceilMode === true,
        attrs.countIncludePad !== false,
        divisor,
        id,
      );
      return result(r.data, r.shape, x.shape, 2);
    }
    default: {
      const r = adaptiveAvgPoolKernel(x.data, as4d(x.shape, 2), pair(attrs.outputSize), id);
      return result(r.data, r.shape, x.shape, 2);
    }
  }
}
