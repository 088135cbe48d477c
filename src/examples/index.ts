/**
 * The examples gallery: the seed notebooks' scenarios and a few more. Each has a short id that the
 * app's URL uses (`#example=mlp-nan`). The programs are the `.py` files beside this one.
 */
export interface Example {
  id: string;
  title: string;
  /** One sentence for the gallery. */
  summary: string;
  /** What the example teaches most: shown as a tag. */
  topic: "chain rule" | "loss" | "tensors" | "grad mode" | "debugging" | "training";
}

export const EXAMPLES: readonly Example[] = [
  { id: "square", title: "x²", summary: "The smallest graph: y = x², dy/dx = 2x.", topic: "chain rule" },
  {
    id: "sin-chain",
    title: "sin(x²)",
    summary: "Two ops chained; autograd against the hand-written derivative.",
    topic: "chain rule",
  },
  { id: "exp-chain", title: "exp(sin(x²))", summary: "Three links in the chain rule.", topic: "chain rule" },
  {
    id: "bce-manual",
    title: "BCE perceptron by hand",
    summary: "A perceptron's loss with its derivatives worked out by hand.",
    topic: "loss",
  },
  {
    id: "bce-autograd",
    title: "BCE perceptron by autograd",
    summary: "The same perceptron; backward() finds dL/dw and dL/db.",
    topic: "loss",
  },
  {
    id: "bce-sign-bug",
    title: "BCE with a sign bug",
    summary: "A missing minus flips the gradients: spot it in the graph.",
    topic: "debugging",
  },
  {
    id: "vector-mean",
    title: "Vector mean",
    summary: "y = mean(x²) over a vector, and zeroing the grad.",
    topic: "tensors",
  },
  {
    id: "accumulate",
    title: "Gradient accumulation",
    summary: ".grad goes 4 → 8 → 12 across three backward calls until zero_().",
    topic: "grad mode",
  },
  {
    id: "no-grad",
    title: "no_grad, detach, requires_grad_",
    summary: "Three ways to stop tracking, and the error each gives.",
    topic: "grad mode",
  },
  {
    id: "non-leaf-grad",
    title: "Non-leaf .grad",
    summary: "Why y.grad is None, and the warning PyTorch gives.",
    topic: "grad mode",
  },
  {
    id: "mlp-nan",
    title: "MLP: NaN gradients",
    summary: "A two-layer MLP whose gradients all turn NaN: find where it is born.",
    topic: "debugging",
  },
  {
    id: "training-loop",
    title: "Training loop",
    summary: "Gradient descent by hand on y = 2x + 1, twenty steps.",
    topic: "training",
  },
  {
    id: "mlp-module",
    title: "nn.Module + SGD",
    summary: "An nn.Module trained with torch.optim.SGD; modules become scopes.",
    topic: "training",
  },
];

export const DEFAULT_EXAMPLE = "mlp-nan";

export function findExample(id: string): Example | undefined {
  return EXAMPLES.find((e) => e.id === id);
}
