/** Tensor element types, as PyTorch names them. int64 values live in a Float64Array (exact to 2^53). */
export type DType = "float32" | "int64" | "bool";
export type Storage = Float32Array | Float64Array | Uint8Array;

export function allocate(dtype: DType, n: number): Storage {
  if (dtype === "float32") return new Float32Array(n);
  if (dtype === "int64") return new Float64Array(n);
  return new Uint8Array(n);
}

/** Converts a computed JS number to what the dtype can hold (float32 rounding, int truncation). */
export function castValue(dtype: DType, v: number): number {
  if (dtype === "float32") return Math.fround(v);
  if (dtype === "int64") return Number.isFinite(v) ? Math.trunc(v) : 0;
  return v ? 1 : 0;
}

const RANK: Record<DType, number> = { bool: 0, int64: 1, float32: 2 };

/** PyTorch's promotion among tensors of the same category rank (bool < int64 < float32). */
export function promoteTypes(a: DType, b: DType): DType {
  return RANK[a] >= RANK[b] ? a : b;
}

export function isFloating(dtype: DType): boolean {
  return dtype === "float32";
}

/** The type name PyTorch uses in messages such as `[torch.FloatTensor [3]]`. */
export function legacyTypeName(dtype: DType): string {
  return dtype === "float32"
    ? "torch.FloatTensor"
    : dtype === "int64"
      ? "torch.LongTensor"
      : "torch.BoolTensor";
}
