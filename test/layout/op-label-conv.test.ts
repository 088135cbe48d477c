/** Labels of the convolution and pooling ops: the window as the program wrote it, defaults left out. */
import { expect, test } from "vitest";
import { opTitle } from "../../src/layout/op-label.ts";

test("convolution names its dimension and a stride or padding other than the default", () => {
  const conv = { dims: 2, stride: [1, 1], padding: [0, 0], dilation: [1, 1], groups: 1 };
  expect(opTitle("convolution", conv)).toBe("conv2d");
  expect(opTitle("convolution", { ...conv, stride: [2, 2], padding: [1, 1] })).toBe("conv2d stride=2 pad=1");
  expect(opTitle("convolution", { ...conv, dims: 1, stride: [1, 3] })).toBe("conv1d stride=3");
});

test("pooling shows its kernel", () => {
  expect(opTitle("max_pool2d", { kernel: [2, 2], stride: [2, 2] })).toBe("max_pool2d 2");
  expect(opTitle("avg_pool2d", { kernel: [1, 3], stride: [1, 3] })).toBe("avg_pool2d (1, 3)");
});
