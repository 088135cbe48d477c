/**
 * Differential test of Python mode: generated PyTorch programs (expressions with Python numbers on
 * both sides, reductions, matmul, nn modules with seeded init, optimizer loops, grad modes, errors)
 * run under Debian's real PyTorch and under the gradlens runtime; compare_outputs.py compares them
 * case by case. The generator is seeded, so a failure names a case that reproduces.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, test } from "vitest";
import { nodeRuntime } from "../../src/python/node.ts";
import type { PythonRuntime } from "../../src/python/runtime.ts";
import { expectSameAsTorch } from "./against-torch.ts";

const tmp = mkdtempSync(join(tmpdir(), "gradlens-pydiff-"));

let rt: PythonRuntime;
beforeAll(async () => {
  rt = await nodeRuntime();
}, 180_000);

/** mulberry32: a small seeded PRNG. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)],
    num: () => Number((next() * 4 - 2).toFixed(2)),
  };
}
type Rng = ReturnType<typeof rng>;

function literal(r: Rng, shape: number[]): string {
  if (shape.length === 0) return String(r.num());
  return `[${Array.from({ length: shape[0] }, () => literal(r, shape.slice(1))).join(", ")}]`;
}

const SCALARS = ["2", "3", "0.5", "1.5", "-1", "0.25", "2.0", "1"];

/** One expression over tensors of the same shape, with Python numbers on either side. */
function expr(r: Rng, a: string, b: string): string {
  const s = r.pick(SCALARS);
  return r.pick([
    `${a} + ${b}`,
    `${a} * ${b}`,
    `${a} - ${s} * ${b}`,
    `${s} - ${a}`,
    `${s} / (${a} * ${a} + 1)`,
    `${a} / ${s}`,
    `${a} ** 2`,
    `${a} ** ${s === "-1" ? "3" : s}`,
    `torch.tanh(${a})`,
    `torch.sigmoid(${a} * ${s})`,
    `torch.relu(${a}) + ${b}`,
    `torch.exp(${a} / 4)`,
    `torch.log(torch.abs(${a}) + 0.5)`,
    `torch.sqrt(${a} * ${a} + 0.1)`,
    `torch.sin(${a}) * torch.cos(${b})`,
    `torch.clamp(${a}, -0.5, ${s})`,
    `torch.maximum(${a}, ${b})`,
    `(${a} > 0).float() * ${b}`,
    `abs(${a}) - ${b}`,
    `-${a} * ${s}`,
  ]);
}

function reduction(r: Rng, t: string, rank: number): string {
  const opts = [`${t}.sum()`, `${t}.mean()`, `(${t} ** 2).sum()`];
  if (rank >= 1) opts.push(`${t}.sum(dim=0).mean()`, `${t}.mean(dim=-1, keepdim=True).sum()`, `${t}.max()`);
  if (rank === 2) opts.push(`${t}.max(dim=1).values.sum()`, `torch.logsumexp(${t}, dim=1).sum()`);
  return r.pick(opts);
}

function exprCase(r: Rng): string[] {
  const shape = r.pick([[], [3], [2, 3], [4]]);
  const lines = [
    `p0 = torch.tensor(${literal(r, shape)}, requires_grad=True)`,
    `p1 = torch.tensor(${literal(r, shape)}, requires_grad=True)`,
    `c0 = torch.tensor(${literal(r, shape)})`,
  ];
  const names = ["p0", "p1", "c0"];
  const n = r.int(2, 5);
  for (let i = 0; i < n; i++) {
    const t = `t${i}`;
    lines.push(`${t} = ${expr(r, r.pick(names), r.pick(names))}`);
    if (r.next() < 0.4) lines.push(`print(${t})`);
    names.push(t);
  }
  const red = reduction(r, names[names.length - 1], shape.length);
  lines.push(`out = ${red}`);
  lines.push("print(out)", "out.backward()", "print(p0.grad)", "print(p1.grad)");
  // PyTorch 1.13's MeanBackward1 saves its input (a second backward fails); 2.x's, which gradlens
  // follows, saves none: the one-release difference is left out of the comparison
  if (r.next() < 0.3 && !red.includes("mean(dim")) lines.push("out.backward()");
  if (r.next() < 0.3) lines.push("print(c0.grad.zero_())");
  return lines;
}

function matmulCase(r: Rng): string[] {
  const [n, k, m] = [r.int(1, 3), r.int(1, 3), r.int(1, 3)];
  const bad = r.next() < 0.15;
  return [
    `a = torch.tensor(${literal(r, [n, k])}, requires_grad=True)`,
    `b = torch.tensor(${literal(r, [bad ? k + 1 : k, m])}, requires_grad=True)`,
    `v = torch.tensor(${literal(r, [m])})`,
    "y = a @ b",
    "print(y)",
    `z = torch.matmul(y, v) ${r.pick(["* 2", "+ 1.5", "- a.sum()"])}`,
    "loss = z.sum()",
    "loss.backward()",
    "print(a.grad, b.grad, sep='\\n')",
    "print(a.T.shape, b.t().shape, y.grad_fn.name())",
  ];
}

function moduleCase(r: Rng): string[] {
  const [din, hidden] = [r.int(2, 4), r.int(2, 5)];
  const act = r.pick(["nn.ReLU()", "nn.Tanh()", "nn.Sigmoid()", "nn.LeakyReLU(0.1)"]);
  const batch = r.int(2, 4);
  const optName = r.pick([
    "optim.SGD(model.parameters(), lr=0.1)",
    "optim.SGD(model.parameters(), lr=0.05, momentum=0.9)",
    "optim.SGD(model.parameters(), lr=0.05, momentum=0.5, nesterov=True, weight_decay=0.01)",
    "optim.Adam(model.parameters(), lr=0.01)",
    "optim.AdamW(model.parameters(), lr=0.02)",
  ]);
  const task = r.pick(["mse", "bce", "ce"]);
  const out = task === "ce" ? 3 : 1;
  const lines = [
    `torch.manual_seed(${r.int(0, 1000)})`,
    `model = nn.Sequential(nn.Linear(${din}, ${hidden}), ${act}, nn.Linear(${hidden}, ${out}))`,
    `X = torch.randn(${batch}, ${din})`,
  ];
  if (task === "mse") lines.push(`y = torch.randn(${batch}, 1)`, "loss_fn = nn.MSELoss()");
  if (task === "bce")
    lines.push(`y = (torch.rand(${batch}, 1) > 0.5).float()`, "loss_fn = nn.BCEWithLogitsLoss()");
  if (task === "ce") lines.push(`y = torch.randint(0, 3, (${batch},))`, "loss_fn = nn.CrossEntropyLoss()");
  lines.push(
    `opt = ${optName}`,
    `for step in range(${r.int(3, 12)}):`,
    "    opt.zero_grad()",
    "    loss = loss_fn(model(X), y)",
    "    loss.backward()",
    "    opt.step()",
    "    print(step, f'{loss.item():.5f}')",
    "print(model[0].weight)",
    "print(model[2].bias.grad)",
    "with torch.no_grad():",
    "    print(model(X))",
  );
  return lines;
}

function errorCase(r: Rng): string[] {
  return r.pick([
    ["x = torch.tensor([1.0, 2.0, 3.0])", "y = torch.tensor([1.0, 2.0])", "print(x + y)"],
    ["x = torch.tensor(2.0)", "(x * 3).backward()"],
    ["x = torch.tensor([1.0, 2.0], requires_grad=True)", "(x * 2).backward()"],
    ["x = torch.tensor(1.5, requires_grad=True)", "y = torch.exp(x)", "y.backward()", "y.backward()"],
    ["x = torch.tensor([[1.0, 2.0]])", "print(x[3])"],
    ["x = torch.ones(2, 3)", "print(x.view(4, 2))"],
    ["w = torch.tensor([1.0], requires_grad=True)", "w += 1"],
    [
      "x = torch.tensor(1.0, requires_grad=True)",
      "with torch.no_grad():",
      "    y = x * 2",
      "print(y.requires_grad)",
      "y.backward()",
    ],
    [
      "x = torch.tensor(2.0, requires_grad=True)",
      "y = x ** 2",
      "z = y.detach()",
      "print(z.requires_grad)",
      "z.backward()",
    ],
  ]);
}

function program(seed: number, cases: number): string {
  const r = rng(seed);
  const out = ["import torch", "import torch.nn as nn", "import torch.optim as optim", ""];
  const names: string[] = [];
  for (let i = 0; i < cases; i++) {
    const kind = r.pick([exprCase, exprCase, matmulCase, moduleCase, errorCase]);
    const name = `case_${seed}_${i}`;
    names.push(name);
    out.push(`def ${name}():`, ...kind(r).map((l) => `    ${l}`), "");
  }
  out.push(
    `for _name in ${JSON.stringify(names)}:`,
    "    print('### ' + _name)",
    "    try:",
    "        globals()[_name]()",
    "    except Exception as _e:",
    "        print('!! ' + type(_e).__name__ + ': ' + str(_e).split(chr(10))[0])",
    "",
  );
  return out.join("\n");
}

// CI runs a few seeds; GRADLENS_PYDIFF_SEEDS=4-40 explores more
const range = process.env.GRADLENS_PYDIFF_SEEDS?.split("-").map(Number);
const SEEDS = range ? Array.from({ length: range[1] - range[0] + 1 }, (_, i) => range[0] + i) : [1, 2, 3];

for (const seed of SEEDS) {
  test(`generated programs (seed ${seed}) print what PyTorch prints`, () => {
    expectSameAsTorch(rt, program(seed, 30), join(tmp, `prog_${seed}.py`));
  }, 120_000);
}
