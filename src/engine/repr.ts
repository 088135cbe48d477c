import type { Tensor } from "./tensor.ts";
// Replaced by the full PyTorch repr.
export function reprTensor(t: Tensor): string {
  return `tensor(${Array.from(t.values).join(", ")})`;
}
