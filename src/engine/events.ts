import type { Tensor } from "./tensor.ts";
import type { Node } from "./autograd.ts";

/**
 * What the engine tells a listener. Events carry live objects; the trace recorder snapshots them.
 * The engine never knows who listens.
 */
export type EngineEvent =
  /** A tensor made from data (tensor(), zeros(), randn(), ...): a leaf or a constant. */
  | { kind: "create"; tensor: Tensor; op: string }
  /** A differentiable or not op: inputs → out. `gradFn` is null when no grad is tracked. */
  | {
      kind: "op";
      op: string;
      out: Tensor;
      inputs: Tensor[];
      attrs: Record<string, unknown>;
      gradFn: Node | null;
    }
  /** An in-place op (add_, zero_, ...) on `tensor`; `gradFn` is its new grad_fn if any. */
  | {
      kind: "inplace";
      op: string;
      tensor: Tensor;
      inputs: Tensor[];
      attrs: Record<string, unknown>;
      gradFn: Node | null;
    }
  | { kind: "backward-start"; root: Tensor; grad: Tensor; retainGraph: boolean }
  /** One grad_fn node ran: its incoming grad and what it sent to each next function. */
  | { kind: "backward"; node: Node; gradOutputs: Tensor[]; gradInputs: (Tensor | null)[] }
  /** A leaf's AccumulateGrad added `incoming` into `.grad`, now `total`. */
  | { kind: "accumulate"; node: Node; tensor: Tensor; incoming: Tensor; total: Tensor }
  /** A non-leaf with retain_grad() received its grad. */
  | { kind: "retain-grad"; tensor: Tensor; total: Tensor }
  | { kind: "backward-end"; root: Tensor }
  | { kind: "warning"; category: string; message: string }
  | { kind: "error"; pyType: string; message: string };

export type EngineListener = (event: EngineEvent) => void;

const listeners: EngineListener[] = [];
let muted = 0;

export function addListener(listener: EngineListener): () => void {
  listeners.push(listener);
  return () => {
    const i = listeners.indexOf(listener);
    if (i >= 0) listeners.splice(i, 1);
  };
}

export function hasListeners(): boolean {
  return listeners.length > 0 && muted === 0;
}

export function emit(event: EngineEvent): void {
  if (muted > 0) return;
  for (const l of listeners) l(event);
}

/** Runs `fn` without telling listeners: the ops a backward function computes are not the program's. */
export function silently<T>(fn: () => T): T {
  muted++;
  try {
    return fn();
  } finally {
    muted--;
  }
}
