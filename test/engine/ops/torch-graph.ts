/** Helpers shared by the op tests that compare with PyTorch: grad_fn graphs and error texts. */
import { expect } from "vitest";
import type { Node } from "../../../src/engine/autograd.ts";
import { TorchError } from "../../../src/engine/errors.ts";

/** A grad_fn graph as the fixture scripts write it: [name, ...next functions], null for no edge. */
export type Graph = [string, ...(Graph | null)[]] | null;

export function graphOf(node: Node | null): Graph {
  if (!node) return null;
  return [node.name, ...node.nextFunctions.map(([n]) => graphOf(n))];
}

/**
 * PyTorch 1.13's names as 2.x prints them: reshape of a contiguous tensor is a view, and the in-place
 * squeeze_ variants moved up one when squeeze(dims) took number 2.
 */
export function to2x(g: Graph): Graph {
  if (!g) return null;
  const [name, ...next] = g;
  const renamed =
    name === "ReshapeAliasBackward0"
      ? "ViewBackward0"
      : name === "SqueezeBackward3"
        ? "SqueezeBackward4"
        : name === "SqueezeBackward2"
          ? "SqueezeBackward3"
          : name;
  return [renamed, ...next.map(to2x)];
}

/** Expects `fn` to throw PyTorch's error: Python type and message, verbatim. */
export function expectTorchError(fn: () => unknown, type: string, message: string): void {
  let caught: unknown = null;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, `expected ${type}: ${message}`).toBeInstanceOf(TorchError);
  const err = caught as TorchError;
  expect(err.message).toBe(message);
  expect(err.pyType).toBe(type);
}
