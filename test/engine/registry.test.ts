// Imported first on purpose: a module that reaches the registry before the Tensor class must still load.
import { getOp, registeredOps } from "../../src/engine/registry.ts";
import { expect, test } from "vitest";
import { tensor } from "../../src/engine/index.ts";

test("the registry loads before the ops that register into it, whatever the import order", () => {
  expect(registeredOps()).toContain("add");
  expect(getOp("mul").gradFn).toBe("MulBackward0");
  expect(String(tensor([1, 2]).mul(2))).toBe("tensor([2, 4])");
});

test("an unknown op is refused with a message naming it", () => {
  expect(() => getOp("frobnicate")).toThrow("gradlens does not support the op 'frobnicate' yet");
});
