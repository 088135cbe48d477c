/**
 * The Python-mode measurements shared by the Node suites (bench/python.ts) and the Chromium ones
 * (bench/python-browser.ts, run in a Web Worker as the app runs Python): the 1,000-op program, its
 * TS API twin, the warm-up rule and the rows they report. Nothing here may import Node modules.
 */
import { noGrad } from "../src/engine/autograd.ts";
import * as ops from "../src/engine/ops/index.ts";
import { Tensor } from "../src/engine/tensor.ts";
import type { PythonRuntime } from "../src/python/runtime.ts";
import { Recorder } from "../src/trace/recorder.ts";
import { type BenchResult, median } from "./harness.ts";

/**
 * 1,000 ops on tensors of `n` elements that require grad (250 × mul, add a Python float, tanh, sub):
 * with 4 elements the call overhead is all there is; with 4096 the kernels start to count.
 */
export function program1000(n: number): string {
  return `
import torch
x = torch.linspace(-1, 1, ${n}, requires_grad=True)
w = torch.linspace(0.5, -0.5, ${n}, requires_grad=True)
h = x
for i in range(250):
    h = h * w
    h = h + 0.5
    h = torch.tanh(h)
    h = h - x
`;
}

/** The same loop on Python floats: what the interpreter alone costs, with no shim or engine. */
export function floats1000(): string {
  return `
import math
x = -1.0
w = 0.5
h = x
for i in range(250):
    h = h * w
    h = h + 0.5
    h = math.tanh(h)
    h = h - x
`;
}

export function ts1000(n: number): void {
  const x = ops.linspace(-1, 1, n, { requiresGrad: true });
  const w = ops.linspace(0.5, -0.5, n, { requiresGrad: true });
  let h = x;
  for (let i = 0; i < 250; i++) {
    h = h.mul(w);
    h = h.add(Tensor.wrap(0.5, "float32"));
    h = h.tanh();
    h = h.sub(x);
  }
}

/**
 * A realistic program: `steps` training steps of a small MLP written out by hand (4 -> 8 -> 1, tanh,
 * 16 samples): forward, MSE loss, backward, an SGD step under no_grad. About 20 Python-level ops and
 * a backward pass of 9 nodes per step.
 */
export function mlpProgram(steps: number): string {
  return `
import torch
torch.manual_seed(0)
X = torch.randn(16, 4)
Y = torch.randn(16, 1)
W1 = torch.randn(4, 8, requires_grad=True)
b1 = torch.zeros(8, requires_grad=True)
W2 = torch.randn(8, 1, requires_grad=True)
b2 = torch.zeros(1, requires_grad=True)
params = [W1, b1, W2, b2]
for step in range(${steps}):
    h = torch.tanh(X @ W1 + b1)
    pred = h @ W2 + b2
    loss = ((pred - Y) ** 2).mean()
    loss.backward()
    with torch.no_grad():
        for p in params:
            p -= 0.1 * p.grad
            p.grad = None
`;
}

export function tsMlp(steps: number): void {
  ops.manualSeed(0);
  const X = ops.randn([16, 4]);
  const Y = ops.randn([16, 1]);
  const W1 = ops.randn([4, 8], { requiresGrad: true });
  const b1 = ops.zeros([8], { requiresGrad: true });
  const W2 = ops.randn([8, 1], { requiresGrad: true });
  const b2 = ops.zeros([1], { requiresGrad: true });
  const params = [W1, b1, W2, b2];
  for (let step = 0; step < steps; step++) {
    const h = X.matmul(W1).add(b1).tanh();
    const pred = h.matmul(W2).add(b2);
    const loss = pred.sub(Y).pow(Tensor.wrap(2, "int64")).mean();
    loss.backward();
    noGrad(() => {
      for (const p of params) {
        p.sub_(p.grad!.mul(Tensor.wrap(0.1, "float32")));
        p.grad = null;
      }
    });
  }
}

/** `n` interleaved samples (ms) of each function (the machine's load hits both alike). */
export function samplesOf(fns: (() => number)[], n: number): number[][] {
  const samples = fns.map(() => [] as number[]);
  for (let i = 0; i < n; i++) fns.forEach((fn, k) => samples[k].push(fn()));
  return samples;
}

/** Median ms of `n` interleaved samples of each function. */
export function interleaved(fns: (() => number)[], n: number): number[] {
  return samplesOf(fns, n).map(median);
}

/**
 * Runs the interleaved functions until the first one's times stop falling: the median of its last 5
 * runs no lower than that of the 5 before (at least 15 runs, at most `maxRuns`).
 */
export function warmUp(fns: (() => number)[], maxRuns = 80): number {
  const times: number[] = [];
  while (times.length < maxRuns) {
    const [t] = fns.map((fn) => fn());
    times.push(t);
    const n = times.length;
    if (n >= 15 && median(times.slice(n - 5)) >= 0.97 * median(times.slice(n - 10, n - 5))) break;
  }
  return times.length;
}

export function timed(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

/** The warm seed-notebooks runs, without and with a trace. */
export function seedRunRows(rt: PythonRuntime, seed: string): BenchResult[] {
  const rows: BenchResult[] = [];
  for (const trace of [false, true]) {
    const run = () => rt.run(seed, { trace }).elapsedMs;
    const warmup = warmUp([run]);
    const [ms] = interleaved([run], 15);
    rows.push({
      bench: `python warm run seed-notebooks${trace ? " +trace" : ""}`,
      unit: "ms",
      ours: ms,
      warmup,
    });
  }
  return rows;
}

/** The 1,000-op program through Python vs the TS API, on 4 and 4096 elements, without and with a trace. */
export function opsRows(rt: PythonRuntime, report: (row: BenchResult) => void): void {
  const floats = floats1000();
  const floor = () => rt.run(floats, { trace: false }).elapsedMs;
  const floorWarmup = warmUp([floor]);
  const [floorSamples] = samplesOf([floor], 25);
  report({
    bench: "python 1000 float ops (the interpreter's share)",
    unit: "ms",
    ours: median(floorSamples),
    ours_min: Number(Math.min(...floorSamples).toFixed(3)),
    warmup: floorWarmup,
  });
  for (const [n, trace] of [
    [4, false],
    [4, true],
    [4096, false],
    [4096, true],
  ] as const) {
    const src = program1000(n);
    const py = () => rt.run(src, { trace }).elapsedMs;
    const ts = () =>
      timed(() => {
        const rec = trace ? new Recorder().start() : null;
        ts1000(n);
        rec?.stop();
      });
    const warmup = warmUp([py, ts]);
    const [pySamples, tsSamples] = samplesOf([py, ts], 25);
    const [ours, peer] = [median(pySamples), median(tsSamples)];
    const [oursMin, peerMin] = [Math.min(...pySamples), Math.min(...tsSamples)];
    report({
      bench: `python 1000 ops on ${n} elements${trace ? " +trace" : ""}`,
      unit: "ms",
      ours,
      peer: "gradlens TS API",
      peer_value: peer,
      ratio: Number((ours / peer).toFixed(2)),
      // on a loaded machine the longer Python runs are preempted more often: the fastest runs too
      ours_min: Number(oursMin.toFixed(3)),
      peer_min: Number(peerMin.toFixed(3)),
      ratio_min: Number((oursMin / peerMin).toFixed(2)),
      warmup,
    });
  }
}

/**
 * Where Pyodide's C function-pointer calls go: its wasm trampoline (`ref.test`, needs standard Wasm
 * GC) when the engine has it, else a JS function for every call. Reads the pointer Pyodide stored
 * (0: the JS fallback) and times a loop of builtin calls, each a C call through a function pointer.
 */
export function trampolineRow(rt: PythonRuntime, where: string): BenchResult {
  const m = (rt.pyodide as unknown as { _module: Record<string, unknown> })._module;
  const heap = m.HEAP32 as Int32Array;
  const offset = heap[(m.__PyEM_EMSCRIPTEN_TRAMPOLINE_OFFSET as number) >> 2];
  const pointer = heap[((m.__PyRuntime as number) + offset) >> 2];
  const loop = `
import math
for i in range(100000):
    abs(-i); math.sqrt(i); len("ab"); isinstance(i, int)
`;
  const run = () => timed(() => rt.pyodide.runPython(loop));
  warmUp([run], 30);
  const [ms] = interleaved([run], 9);
  return {
    bench: `python 400k builtin calls${where}`,
    unit: "ms",
    ours: ms,
    wasm_trampoline: pointer !== 0,
    trampoline_pointer: pointer,
  };
}

/** The MLP training loop through Python vs its TS API twin (bench/python-programs.ts mlpProgram). */
export function mlpRow(rt: PythonRuntime, steps = 20): BenchResult {
  const src = mlpProgram(steps);
  const py = () => rt.run(src, { trace: false }).elapsedMs;
  const ts = () => timed(() => tsMlp(steps));
  const warmup = warmUp([py, ts]);
  const [pySamples, tsSamples] = samplesOf([py, ts], 25);
  const [ours, peer] = [median(pySamples), median(tsSamples)];
  return {
    bench: `python MLP training, ${steps} steps (4-8-1, 16 samples)`,
    unit: "ms",
    ours,
    peer: "gradlens TS API",
    peer_value: peer,
    ratio: Number((ours / peer).toFixed(2)),
    ours_min: Number(Math.min(...pySamples).toFixed(3)),
    peer_min: Number(Math.min(...tsSamples).toFixed(3)),
    ratio_min: Number((Math.min(...pySamples) / Math.min(...tsSamples)).toFixed(2)),
    warmup,
  };
}

/**
 * What one op of the 1,000-op program costs, piece by piece (ms per 1,000 iterations, i.e. µs per
 * op, on 4-element tensors, interleaved medians): the Python mechanisms a shim op cannot avoid
 * (an operator calling a Python method, a new object, its __del__, a call into JS), the JS hot
 * function called from Python with no wrapper, and whole shim ops next to the TS API's.
 */
export function breakdownRows(rt: PythonRuntime, report: (row: BenchResult) => void): void {
  const g = rt.pyodide.runPython("{}") as PyDict;
  rt.pyodide.runPython(BREAKDOWN_PY, { globals: g as never });
  const pyCase = (name: string) => {
    const f = g.get(name) as () => void;
    return () => timed(() => f());
  };
  const a = ops.linspace(-1, 1, 4);
  const w = ops.linspace(0.5, -0.5, 4);
  const ag = ops.linspace(-1, 1, 4, { requiresGrad: true });
  const wg = ops.linspace(0.5, -0.5, 4, { requiresGrad: true });
  const tsLoop = (f: (h: Tensor) => Tensor, x: Tensor) => () =>
    timed(() => {
      let h = x;
      for (let i = 0; i < 1000; i++) h = f(h);
    });
  const cases: [string, () => number][] = [
    ["loop alone", pyCase("loop")],
    ["operator -> Python method (returns self)", pyCase("dispatch")],
    ["  + a new object (made as the shim makes Tensors)", pyCase("new_object")],
    ["  + its __del__ (the shim's, queueing a handle)", pyCase("new_object_del")],
    ["zero-argument JS function (no-op) called from Python", pyCase("js_noop")],
    ["the JS hot function for mul, called from Python", pyCase("js_mul")],
    ["h * w (shim)", pyCase("mul")],
    ["h * w (TS API)", tsLoop((h) => ops.mul(h, w), a)],
    ["h * w requiring grad (shim)", pyCase("mul_grad")],
    ["h * w requiring grad (TS API)", tsLoop((h) => ops.mul(h, wg), ag)],
    ["h + 0.5 (shim)", pyCase("add_number")],
    ["h + 0.5 (TS API)", tsLoop((h) => ops.add(h, Tensor.wrap(0.5, "float32")), a)],
    ["0.5 - h (shim)", pyCase("rsub_number")],
    ["0.5 - h (TS API)", tsLoop((h) => ops.rsub(h, Tensor.wrap(0.5, "float32")), a)],
    ["torch.tanh(h) (shim)", pyCase("tanh_function")],
    ["h.tanh() (shim)", pyCase("tanh_method")],
    ["torch.tanh(h) (TS API)", tsLoop((h) => ops.tanh(h), a)],
  ];
  const fns = cases.map(([, f]) => f);
  const warmup = warmUp(fns);
  const medians = interleaved(fns, 25);
  g.get("release")();
  g.destroy();
  cases.forEach(([name], k) =>
    // ms per 1,000 = µs per op
    report({ bench: `python 1000 x ${name}`, unit: "ms", ours: Number(medians[k].toFixed(3)), warmup }),
  );
}

/** The Python dict the breakdown's functions live in. */
interface PyDict {
  get(key: string): () => void;
  destroy(): void;
}

/** The breakdown's Python side: each function runs its case 1,000 times. */
const BREAKDOWN_PY = `
import torch
from torch import _C
from torch import _tensor as T

E = _C.E
R = range(1000)
a = torch.linspace(-1, 1, 4)
w = torch.linspace(0.5, -0.5, 4)
ag = torch.linspace(-1, 1, 4, requires_grad=True)
wg = torch.linspace(0.5, -0.5, 4, requires_grad=True)
_KEY = T._KEY
_dead = _C.dead_handles
_DEAD_BATCH = _C.DEAD_BATCH


class Plain:
    __slots__ = ("_h", "__dict__", "__weakref__")

    def __init__(self, a, b=None):
        if b is _KEY:
            self._h = a

    def __mul__(self, other):
        return self

    def __add__(self, other):
        return Plain(0, _KEY)


class WithDel(Plain):
    __slots__ = ()

    def __add__(self, other):
        return WithDel(0, _KEY)

    def __del__(self):
        h = self._h
        if h:
            _dead.append(h)
            if len(_dead) >= _DEAD_BATCH:
                _C.release_dead()


p = Plain(0, _KEY)
pd = WithDel(0, _KEY)


def loop():
    for i in R:
        pass


def dispatch():
    h = p
    for i in R:
        h = h * p


def new_object():
    h = p
    for i in R:
        h = h + p


def new_object_del():
    h = pd
    for i in R:
        h = h + pd


noop = E.liveHandles


def js_noop():
    for i in R:
        noop()


mul_hot = E.binaryTT[T._BINARY["mul"]]


def js_mul():
    T._ARGS[0] = a._h or T._handle(a)
    T._ARGS[1] = w._h or T._handle(w)
    for i in R:
        h = mul_hot()
        _dead.append(h if h > 0 else -h)
    _C.release_dead()


def mul():
    h = a
    for i in R:
        h = h * w


def mul_grad():
    h = ag
    for i in R:
        h = h * wg


def add_number():
    h = a
    for i in R:
        h = h + 0.5


def rsub_number():
    h = a
    for i in R:
        h = 0.5 - h


def tanh_function():
    h = a
    for i in R:
        h = torch.tanh(h)


def tanh_method():
    h = a
    for i in R:
        h = h.tanh()


def release():
    _C.release_dead()
`;
