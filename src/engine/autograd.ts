import { emit, silently } from "./events.ts";
import { MSG, TorchError } from "./errors.ts";
import { legacyTypeName } from "./dtype.ts";
import type { Tensor } from "./tensor.ts";
import { copyInLayout } from "./views.ts";

let gradEnabled = true;
let nextSequenceNr = 0;
let nextNodeId = 1;

export function isGradEnabled(): boolean {
  return gradEnabled;
}

export function setGradEnabled(enabled: boolean): void {
  gradEnabled = enabled;
}

function withGradMode<T>(enabled: boolean, fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = enabled;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

/** `with torch.no_grad():` */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn);
}

/** `with torch.enable_grad():` */
export function enableGrad<T>(fn: () => T): T {
  return withGradMode(true, fn);
}

/** A tensor saved for backward, with the version it had then (PyTorch's in-place check). */
export interface SavedTensor {
  tensor: Tensor;
  version: number;
  /** True when the saved tensor is this node's own output. */
  isOutput: boolean;
}

export type GradHook = (grad: Tensor) => Tensor | void;

/** The inputs' gradients from the output's gradient; null where no grad is needed. */
export type BackwardFn = (gradOutput: Tensor, needsInputGrad: boolean[]) => (Tensor | null)[];

/** A grad_fn: one node of the graph that backward walks. */
export class Node {
  readonly id = nextNodeId++;
  /** Later nodes run first when several are ready, as in PyTorch's CPU engine. */
  readonly sequenceNr: number;
  readonly name: string;
  /** One entry per differentiable input: the node that input's grad flows to, or null. */
  readonly nextFunctions: [Node | null, number][];
  readonly saved: SavedTensor[];
  readonly backwardFn: BackwardFn;
  /** Hooks registered on the output tensor (register_hook, retain_grad), run on its incoming grad. */
  readonly preHooks: GradHook[] = [];
  /** The output tensor when it retains grad. */
  retainGradTensor: Tensor | null = null;
  released = false;
  /** Metadata for views of saved tensors in messages. */
  outputTensor: Tensor | null = null;
  /** The backward as differentiable ops (create_graph=True); null where gradlens has none. */
  diffBackwardFn: BackwardFn | null = null;

  constructor(
    name: string,
    nextFunctions: [Node | null, number][],
    saved: SavedTensor[],
    backwardFn: BackwardFn,
  ) {
    this.name = name;
    this.nextFunctions = nextFunctions;
    this.saved = saved;
    this.backwardFn = backwardFn;
    this.sequenceNr = nextSequenceNr++;
  }

  /** PyTorch's `grad_fn.name()`. */
  nameString(): string {
    return this.name;
  }

  apply(gradOutput: Tensor, createGraph = false): (Tensor | null)[] {
    if (this.released && this.saved.length > 0) throw new TorchError("RuntimeError", MSG.secondBackward);
    for (const s of this.saved) checkVersion(s, this);
    const needs = this.nextFunctions.map(([n]) => n !== null);
    if (!createGraph) return this.backwardFn(gradOutput, needs);
    if (!this.diffBackwardFn) {
      throw new TorchError(
        "NotImplementedError",
        `gradlens does not support create_graph=True (higher-order gradients) through ${this.name} yet`,
      );
    }
    return this.diffBackwardFn(gradOutput, needs);
  }
}

/** The node at a leaf that requires grad: adds the incoming grad into `.grad`. */
export class AccumulateGrad extends Node {
  readonly variable: Tensor;
  constructor(variable: Tensor) {
    super("AccumulateGrad", [], [], () => []);
    this.variable = variable;
  }
}

function checkVersion(s: SavedTensor, node: Node): void {
  const now = s.tensor.version;
  if (now === s.version) return;
  const t = s.tensor;
  const desc = `[${legacyTypeName(t.dtype)} [${t.shape.join(", ")}]]`;
  const owner = s.isOutput
    ? `, which is output 0 of ${node.name},`
    : t.gradFn
      ? `, which is output 0 of ${t.gradFn.name},`
      : "";
  throw new TorchError(
    "RuntimeError",
    `one of the variables needed for gradient computation has been modified by an inplace operation: ${desc}${owner} is at version ${now}; expected version ${s.version} instead. Hint: enable anomaly detection to find the operation that failed to compute its gradient, with torch.autograd.set_detect_anomaly(True).`,
  );
}

/** Anomaly mode, as torch.autograd.set_detect_anomaly: a node returning NaN is an error. */
let anomalyMode = false;
export function setDetectAnomaly(enabled: boolean): void {
  anomalyMode = enabled;
}
export function isAnomalyEnabled(): boolean {
  return anomalyMode;
}

/** A priority queue of ready nodes: AccumulateGrad first, then the highest sequence number. */
function priority(n: Node): number {
  return n instanceof AccumulateGrad ? Infinity : n.sequenceNr;
}

function collectDependencies(root: Node): Map<Node, number> {
  const deps = new Map<Node, number>();
  const seen = new Set<Node>([root]);
  const stack = [root];
  while (stack.length) {
    const n = stack.pop()!;
    for (const [next] of n.nextFunctions) {
      if (!next) continue;
      deps.set(next, (deps.get(next) ?? 0) + 1);
      if (!seen.has(next)) {
        seen.add(next);
        stack.push(next);
      }
    }
  }
  return deps;
}

export interface BackwardOptions {
  retainGraph?: boolean;
  /** For autograd.grad: collect grads for these tensors instead of accumulating into leaves. */
  inputs?: Tensor[];
  /** create_graph=True: the grads are computed by differentiable ops (autograd.grad only). */
  createGraph?: boolean;
}

/**
 * Runs backward from `roots` with `grads`, as torch.autograd.backward / grad do. When `inputs` is
 * given, returns their grads (autograd.grad) and leaves `.grad` untouched.
 */
export function runBackward(
  roots: Tensor[],
  grads: Tensor[],
  opts: BackwardOptions = {},
): Map<Tensor, Tensor | null> | undefined {
  const createGraph = opts.createGraph ?? false;
  const retainGraph = opts.retainGraph ?? createGraph;
  if (createGraph && !opts.inputs) {
    throw new TorchError("NotImplementedError", "gradlens does not support backward(create_graph=True) yet");
  }
  // with create_graph the backward's own ops are recorded like the program's (they are its graph)
  const inBackward = <T>(fn: () => T): T => (createGraph ? enableGrad(fn) : noGrad(() => silently(fn)));
  const captureFor = opts.inputs ? new Map<Node, Tensor>() : null;
  const captured = new Map<Tensor, Tensor | null>();
  if (opts.inputs) {
    for (const t of opts.inputs) {
      const node = t.gradFn ?? t.gradAccumulator();
      if (node) captureFor!.set(node, t);
      captured.set(t, null);
    }
  }

  const rootNodes: [Node, Tensor][] = [];
  roots.forEach((root, i) => {
    const node = root.gradFn ?? (root.requiresGrad ? root.gradAccumulator() : null);
    if (!node) throw new TorchError("RuntimeError", MSG.noGradFn.replace("element 0", `element ${i}`));
    rootNodes.push([node, grads[i]]);
  });

  // A synthetic root node keeps the loop uniform when several roots are given.
  const pending = new Map<Node, Tensor>();
  const all = new Set<Node>();
  for (const [node] of rootNodes) all.add(node);
  const deps = new Map<Node, number>();
  for (const [node] of rootNodes) {
    for (const [n, c] of collectDependencies(node)) deps.set(n, (deps.get(n) ?? 0) + c);
  }
  silently(() => {
    for (const [node, g] of rootNodes) {
      const prev = pending.get(node);
      pending.set(node, prev ? prev.add(g) : g);
    }
  });

  roots.forEach((root, i) => emit({ kind: "backward-start", root, grad: grads[i], retainGraph }));
  const ready: Node[] = [...new Set(rootNodes.map(([n]) => n))].filter((n) => !deps.get(n));
  const visited: Node[] = [];

  while (ready.length) {
    // pick the ready node with the highest priority
    let best = 0;
    for (let i = 1; i < ready.length; i++) if (priority(ready[i]) > priority(ready[best])) best = i;
    const node = ready.splice(best, 1)[0];
    let grad = pending.get(node)!;
    pending.delete(node);
    visited.push(node);

    grad = runPreHooks(node, grad);
    if (captureFor?.has(node)) {
      captured.set(captureFor.get(node)!, grad);
      if (node instanceof AccumulateGrad) continue;
    }

    if (node instanceof AccumulateGrad) {
      if (!captureFor) accumulateInto(node, grad);
      continue;
    }

    const gradInputs = inBackward(() => node.apply(grad, createGraph));
    if (anomalyMode) checkAnomaly(node, gradInputs);
    emit({ kind: "backward", node, gradOutputs: [grad], gradInputs });

    node.nextFunctions.forEach(([next], i) => {
      if (!next) return;
      const g = gradInputs[i];
      if (g) {
        const prev = pending.get(next);
        pending.set(next, prev ? inBackward(() => prev.add(g)) : g);
      }
      const left = deps.get(next)! - 1;
      deps.set(next, left);
      if (left === 0) {
        if (pending.has(next)) ready.push(next);
        else markUnreachable(next, deps, ready, pending);
      }
    });
  }
  if (!retainGraph) for (const n of visited) n.released = true;
  roots.forEach((root) => emit({ kind: "backward-end", root }));
  return opts.inputs ? captured : undefined;
}

/** A node all of whose incoming grads were None still counts down its children. */
function markUnreachable(
  node: Node,
  deps: Map<Node, number>,
  ready: Node[],
  pending: Map<Node, Tensor>,
): void {
  for (const [next] of node.nextFunctions) {
    if (!next) continue;
    const left = deps.get(next)! - 1;
    deps.set(next, left);
    if (left === 0) {
      if (pending.has(next)) ready.push(next);
      else markUnreachable(next, deps, ready, pending);
    }
  }
}

function runPreHooks(node: Node, grad: Tensor): Tensor {
  let g = grad;
  for (const hook of node.preHooks) {
    const r = hook(g);
    if (r) g = r;
  }
  const t = node.retainGradTensor;
  if (t) {
    const total = silently(() => noGrad(() => (t.gradRaw ? t.gradRaw.add(g) : copyInLayout(g, null))));
    t.gradRaw = total;
    emit({ kind: "retain-grad", tensor: t, total });
  }
  return g;
}

function accumulateInto(node: AccumulateGrad, incoming: Tensor): void {
  const v = node.variable;
  silently(() =>
    noGrad(() => {
      // the first grad takes the leaf's layout (PyTorch's layout contract for .grad)
      if (v.gradRaw === null) v.gradRaw = copyInLayout(incoming, v);
      else v.gradRaw.add_(incoming);
    }),
  );
  emit({ kind: "accumulate", node, tensor: v, incoming, total: v.gradRaw! });
}

function checkAnomaly(node: Node, gradInputs: (Tensor | null)[]): void {
  gradInputs.forEach((g, i) => {
    if (g && g.hasNaN()) {
      // the node rides along so a caller can show where it was made (PyTorch's forward traceback)
      throw Object.assign(
        new TorchError("RuntimeError", `Function '${node.name}' returned nan values in its ${i}th output.`),
        { node },
      );
    }
  });
}
