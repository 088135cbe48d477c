/**
 * The JS module the Python `torch` shim imports (`import _gradlens_engine`). Every Python call crosses
 * into JS once: Python numbers travel with a kind code (int/float/bool) so they become the right
 * wrapped-number dtype here, and tensors travel as JS objects (Python holds a JsProxy) or, on the hot
 * path (arithmetic, unary math, matmul), as integer handles into a HandleTable, with the arguments
 * in cells of wasm memory.
 */
import * as ops from "../engine/ops/index.ts";
import { Tensor } from "../engine/tensor.ts";
import {
  Node,
  isAnomalyEnabled,
  isGradEnabled,
  runBackward,
  setDetectAnomaly,
  setGradEnabled,
} from "../engine/autograd.ts";
import { type DType, castValue } from "../engine/dtype.ts";
import { DEFAULT_SEED, Generator, defaultGenerator } from "../engine/random.ts";
import { MSG, TorchError } from "../engine/errors.ts";
import { addListener, emit, silently } from "../engine/events.ts";
import { DEFAULT_PRINT_OPTIONS, getPrintOptions, reprTensor, setPrintOptions } from "../engine/repr.ts";
import {
  bitwise,
  floorDivide,
  invert,
  logical,
  predicate,
  remainder,
  toDtype,
  unary,
  where,
} from "./extra-ops.ts";

/** What the shim tells the trace recorder (src/trace/recorder.ts implements it). */
export interface TraceHooks {
  setSource(line: number | null): void;
  pushScope(name: string): void;
  popScope(): void;
  labelTensor(t: Tensor, name: string | null): void;
  gradAssigned(t: Tensor): void;
  recordWarning(category: string, message: string): void;
  recordError(pyType: string, message: string): void;
}

/** The wrapped-number dtype of a Python scalar, by the kind code the shim sends. */
const KINDS: DType[] = ["float32", "int64", "float32", "bool"];

/** Python None arrives as undefined; JS null would arrive in Python as `jsnull`, so return undefined. */
const orUndef = <T>(x: T | null | undefined): T | undefined => (x === null ? undefined : x);

function scalar(v: number | boolean, kind: number): Tensor {
  return Tensor.wrap(v, KINDS[kind]);
}

/** `kind` 0: `b` is a tensor; 1/2/3: `b` is a Python int/float/bool. */
function operand(b: Tensor | number | boolean, kind: number): Tensor {
  return kind === 0 ? (b as Tensor) : scalar(b as number, kind);
}

/** Nested arrays of `shape` from row-major values. */
function nest(values: ArrayLike<number | boolean>, shape: number[]): unknown {
  if (shape.length === 0) return values[0];
  let k = 0;
  const build = (d: number): unknown[] => {
    const out: unknown[] = [];
    for (let i = 0; i < shape[d]; i++) out.push(d === shape.length - 1 ? values[k++] : build(d + 1));
    return out;
  };
  return build(0);
}

/** The grads backward starts from: given ones checked against their outputs, else ones for a scalar. */
function rootGrads(roots: Tensor[], grads: (Tensor | undefined)[]): Tensor[] {
  return roots.map((r, i) => {
    const g = grads[i];
    if (g) {
      if (g.shape.length !== r.shape.length || g.shape.some((n, k) => n !== r.shape[k])) {
        throw new TorchError(
          "RuntimeError",
          `Mismatch in shape: grad_output[${i}] has a shape of torch.Size([${g.shape.join(", ")}]) and output[${i}] has a shape of torch.Size([${r.shape.join(", ")}]).`,
        );
      }
      return g;
    }
    if (r.requiresGrad && r.numel() !== 1) throw new TorchError("RuntimeError", MSG.implicitScalar);
    return silently(() => ops.onesLike(r));
  });
}

type Binary = (a: Tensor, b: Tensor) => Tensor;

/**
 * The binary ops of the shim's hot path, by code (the Python side reads this list for the codes):
 * `a op b` with a tensor b, or with a Python number b wrapped as PyTorch wraps it. The `r...` ones
 * are the reflected operators (`1 - t`: b is the number).
 */
const HOT_BINARY: [string, Binary][] = [
  ["add", (a, b) => ops.add(a, b)],
  ["sub", (a, b) => ops.sub(a, b)],
  ["mul", ops.mul],
  ["div", ops.div],
  ["pow", (a, b) => ops.pow(a, b)],
  ["eq", ops.eq],
  ["ne", ops.ne],
  ["lt", ops.lt],
  ["le", ops.le],
  ["gt", ops.gt],
  ["ge", ops.ge],
  ["matmul", ops.matmul],
  ["floorDivide", floorDivide],
  ["remainder", remainder],
  // `b - a` (Python's `1 - t`): rsub, RsubBackward1 for a number
  ["rsub", (a, b) => ops.rsub(a, b)],
  // `b / a`: PyTorch computes reciprocal(a) * b (ReciprocalBackward0, MulBackward0)
  ["rdiv", (a, b) => ops.mul(ops.reciprocal(a), b)],
  // `b ** a` with a number b: pow(Scalar, Tensor)
  ["rpow", (a, b) => ops.pow(b, a)],
  ["rfloorDivide", (a, b) => floorDivide(b, a)],
  ["rremainder", (a, b) => remainder(b, a)],
];

/** How the shim names a unary op's kind: an engine op, one of extra-ops' `unary`, or a `predicate`. */
type UnaryKind = "op" | "extra" | "predicate";

/**
 * Engine tensors by integer handle, for the shim's hot path: an int crosses the FFI for about half
 * the cost of a fresh JS object (Pyodide inspects each new object to pick its proxy type). The
 * Python Tensor gives its handle back when it dies (batched, see `release`); slot 0 means "none".
 */
/** Not a handle (handles are positive, pending ones negated): see `gradH`. */
const SAME_GRAD = -(2 ** 31);

export class HandleTable {
  private readonly tensors: (Tensor | undefined)[] = [undefined];
  private readonly free: number[] = [];

  put(t: Tensor): number {
    const h = this.free.pop();
    if (h === undefined) {
      this.tensors.push(t);
      return this.tensors.length - 1;
    }
    this.tensors[h] = t;
    return h;
  }

  get(h: number): Tensor {
    const t = this.tensors[h];
    if (t === undefined) throw new Error(`gradlens internal error: no tensor for handle ${h}`);
    return t;
  }

  release(h: number): void {
    this.tensors[h] = undefined;
    this.free.push(h);
  }

  /** Handles in use. */
  get live(): number {
    return this.tensors.length - 1 - this.free.length;
  }
}

export type Bridge = ReturnType<typeof createBridge>;

/**
 * `heap` and `heapF64` are Pyodide's wasm memory as 32-bit words and as doubles: the shim keeps the
 * program's current line in a cell of it (see torch/_C.py), read here without a call from Python per
 * line, and passes the hot ops' arguments in cells (each argument of a call costs ~0.2 us to convert).
 */
export function createBridge(heap: () => Int32Array, heapF64: () => Float64Array) {
  let hooks: TraceHooks | null = null;
  let lineCell = -1;
  /** Engine warnings of the running program, until Python prints them (a cell flags them, see torch/_C.py). */
  let warnCell = -1;
  let collecting = false;
  const pendingWarnings: [string, string][] = [];
  addListener((e) => {
    if (!collecting || e.kind !== "warning") return;
    pendingWarnings.push([e.category, e.message]);
    if (warnCell >= 0) heap()[warnCell] = 1;
  });
  let lastLine: number | null = null;
  /** Tells the recorder the line now running, when it changed since it was last told. */
  const syncLine = () => {
    if (!hooks || lineCell < 0) return;
    const v = heap()[lineCell];
    const line = v > 0 ? v : null;
    if (line !== lastLine) {
      lastLine = line;
      hooks.setSource(line);
    }
  };
  /** Forward tracebacks of grad_fn nodes, kept while anomaly mode is on (torch.autograd.detect_anomaly). */
  let stacks = new WeakMap<Node, string>();
  const handles = new HandleTable();
  /** The hot ops' argument cells (see torch/_C.py ARGS, NUM): int32 and float64 indices into the heap. */
  let argCell = -1;
  let numCell = -1;
  let labelCell = -1;
  const names: string[] = [];
  /**
   * `h`, or -h when engine warnings wait for Python or anomaly mode wants the op's traceback. `m` is
   * the heap view the op read its arguments from: should the op have grown wasm memory, that view is
   * detached, reads undefined, and Python is sent to look (the warn cell is set before any op runs).
   */
  const pending = (m: Int32Array, h: number): number => (m[warnCell] !== 0 || isAnomalyEnabled() ? -h : h);
  const binary = HOT_BINARY.map(([, f]) => f);

  const bridge = {
    ops: { ...ops } as Record<string, unknown>,
    Tensor,

    setHooks(h: TraceHooks | null): void {
      hooks = h;
      lastLine = null;
      stacks = new WeakMap();
    },
    /** The byte address of the shim's line cell in wasm memory. */
    setLineCell(address: number): void {
      lineCell = address >> 2;
    },
    /** Runs before the recorder sees each engine event (a listener registered ahead of it). */
    syncLine,
    setWarnCell(address: number): void {
      warnCell = address >> 2;
    },
    /** Engine warnings are gathered for Python between `true` and `false` (one program's run). */
    collectWarnings(on: boolean): void {
      collecting = on;
      pendingWarnings.length = 0;
    },
    /** The engine's warnings since the last call, as [category, message] pairs. */
    takeWarnings(): [string, string][] {
      return pendingWarnings.splice(0);
    },

    // ---- the hot path: tensors by handle (see HandleTable) ----
    /** The hot binary ops' names, in code order. */
    hotBinaryNames: HOT_BINARY.map(([name]) => name),
    /** Where the hot ops' arguments are: byte addresses of the int32 cells and the float64 cell. */
    setArgCells(intAddress: number, floatAddress: number): void {
      argCell = intAddress >> 2;
      numCell = floatAddress >> 3;
    },
    /**
     * Per hot binary op (by code), `a op b` for handles a and b in the cells [a, b]. One function of
     * no arguments per op: each argument Python passes costs more than the op on small tensors.
     * The hot functions return the result's handle, negated when Python has more to do (see `pending`).
     */
    binaryTT: binary.map((f) => (): number => {
      const m = heap();
      const i = argCell;
      return pending(m, handles.put(f(handles.get(m[i]), handles.get(m[i + 1]))));
    }),
    /**
     * Per kind of Python number (1 int, 2 float, 3 bool; 0 unused), per hot binary op: `a op b` for
     * the handle a in the first cell and the number b in the float cell.
     */
    binaryTN: KINDS.map((_, kind) =>
      binary.map((f) => (): number => {
        const m = heap();
        return pending(m, handles.put(f(handles.get(m[argCell]), scalar(heapF64()[numCell], kind))));
      }),
    ),
    /**
     * The unary op `name` (an engine op, one of extra-ops' `unary`, or a `predicate`) for the handle
     * in the first cell; undefined when the engine lacks an op of kind "op".
     */
    hotUnary(name: string, kind: UnaryKind): (() => number) | undefined {
      let f: ((a: Tensor) => Tensor) | undefined;
      if (kind === "extra") f = (a) => unary(name, a);
      else if (kind === "predicate") f = (a) => predicate(name as Parameters<typeof predicate>[0], a);
      else {
        const g = (ops as Record<string, unknown>)[name];
        if (typeof g === "function") f = (a) => (g as (a: Tensor) => Tensor)(a);
      }
      if (!f) return undefined;
      const op = f;
      return () => {
        const m = heap();
        return pending(m, handles.put(op(handles.get(m[argCell]))));
      };
    },
    /**
     * The in-place op `name` (`a.add_(b)`, `a -= b`) as functions of no arguments by the kind of b
     * (0: a tensor, its handle in the second cell; 1/2/3: a Python number in the float cell), for
     * the handle a in the first cell; add and sub read their alpha from the second float cell.
     */
    hotInplace(name: string): (() => void)[] {
      const alpha = name === "add" || name === "sub";
      const run = (kind: number) => (): void => {
        const m = heap();
        const f = heapF64();
        const b = kind === 0 ? handles.get(m[argCell + 1]) : scalar(f[numCell], kind);
        ops.inplace(handles.get(m[argCell]), name, [b], alpha ? { alpha: f[numCell + 1] } : {});
      };
      return KINDS.map((_, kind) => run(kind));
    },
    /**
     * `.grad` of the tensor whose handle is in the first cell: its handle, 0 for None (see `pending`),
     * SAME_GRAD when it is the tensor whose handle is in the second cell (the Python object the shim
     * returned last time, kept so that `w.grad is w.grad`).
     */
    gradH(): number {
      const m = heap();
      const g = handles.get(m[argCell]).grad;
      if (!g) return 0;
      const cached = m[argCell + 1];
      return cached > 0 && handles.get(cached) === g ? SAME_GRAD : pending(m, handles.put(g));
    },
    /** gradH's answer when the grad is the tensor whose handle was in the second cell. */
    SAME_GRAD,
    /** `meta` and `item` of the tensor whose handle is in the first cell. */
    metaH(): (string | number)[] {
      return bridge.meta(handles.get(heap()[argCell]));
    },
    itemH(): number {
      return handles.get(heap()[argCell]).item();
    },
    /** A handle for a tensor Python holds as a JS object. */
    handleOf(t: Tensor): number {
      return handles.put(t);
    },
    tensorOf(h: number): Tensor {
      return handles.get(h);
    },
    /** Gives back `count` handles listed as int32 at byte `address` of wasm memory. */
    release(address: number, count: number): void {
      const m = heap();
      const at = address >> 2;
      for (let k = 0; k < count; k++) handles.release(m[at + k]);
    },
    /** Handles in use (a program's dead tensors give theirs back in batches). */
    liveHandles(): number {
      return handles.live;
    },
    /** A number for a variable name, so that labelling by handle passes no string. */
    nameId(name: string): number {
      names.push(name);
      return names.length - 1;
    },
    /** The byte address of the label cells: [handle, name id]. */
    setLabelCells(address: number): void {
      labelCell = address >> 2;
    },
    /** `label` for the tensor and name (by id) in the label cells. */
    labelH(): void {
      const m = heap();
      bridge.label(handles.get(m[labelCell]), names[m[labelCell + 1]]);
    },
    setStackH(h: number, text: string): void {
      bridge.setStack(handles.get(h), text);
    },

    // ---- Python numbers and binary ops ----
    scalar,
    bin(fn: (a: Tensor, b: Tensor) => Tensor, a: Tensor, b: Tensor | number, kind: number): Tensor {
      return fn(a, operand(b, kind));
    },

    // ---- creation (the engine's ops; options travel positionally, Python has no JS objects) ----
    /** `torch.tensor(data)`: the shim flattened and checked the data; `dtype` is Python's inference. */
    fromFlat(
      values: ArrayLike<number | boolean>,
      shape: number[],
      dtype: DType,
      requiresGrad: boolean,
    ): Tensor {
      return ops.tensor(nest(values, shape) as ops.NestedData, { dtype, requiresGrad });
    },
    /** zeros, ones, empty, rand, randn. */
    create(
      name: "zeros" | "ones" | "empty" | "rand" | "randn",
      size: number[],
      dtype: DType | undefined,
      requiresGrad: boolean,
      generator?: Generator,
    ): Tensor {
      return name === "rand" || name === "randn"
        ? ops[name](size, { dtype, requiresGrad, generator })
        : ops[name](size, { dtype, requiresGrad });
    },
    full(size: number[], value: number | boolean, dtype: DType | undefined, requiresGrad: boolean): Tensor {
      return ops.full(size, value, { dtype, requiresGrad });
    },
    /** zerosLike, onesLike, emptyLike, randLike, randnLike, fullLike (with `value`). */
    like(
      name: "zerosLike" | "onesLike" | "emptyLike" | "randLike" | "randnLike" | "fullLike",
      a: Tensor,
      value: number | boolean | undefined,
      dtype: DType | undefined,
      requiresGrad: boolean,
    ): Tensor {
      const opts = { dtype, requiresGrad };
      return name === "fullLike" ? ops.fullLike(a, value ?? 0, opts) : ops[name](a, opts);
    },
    arange(
      start: number,
      end: number,
      step: number,
      dtype: DType | undefined,
      requiresGrad: boolean,
    ): Tensor {
      return ops.arange(start, end, step, { dtype, requiresGrad });
    },
    linspace(
      start: number,
      end: number,
      steps: number,
      dtype: DType | undefined,
      requiresGrad: boolean,
    ): Tensor {
      return ops.linspace(start, end, steps, { dtype, requiresGrad });
    },
    eye(n: number, m: number, dtype: DType | undefined, requiresGrad: boolean): Tensor {
      return ops.eye(n, m, { dtype, requiresGrad });
    },
    randint(
      low: number,
      high: number,
      size: number[],
      dtype: DType | undefined,
      generator?: Generator,
    ): Tensor {
      return ops.randint(low, high, size, { dtype, generator });
    },
    randperm(n: number, dtype: DType | undefined, generator?: Generator): Tensor {
      return ops.randperm(n, { dtype, generator });
    },
    manualSeed(seed: number): void {
      ops.manualSeed(seed);
    },
    uniform_(t: Tensor, from: number, to: number, generator?: Generator): void {
      ops.uniform_(t, from, to, generator);
    },
    normal_(t: Tensor, mean: number, std: number, generator?: Generator): void {
      ops.normal_(t, mean, std, generator);
    },
    // ---- torch.Generator: the default one or a fresh one, seeded like PyTorch's CPU generator ----
    defaultGenerator(): Generator {
      return defaultGenerator;
    },
    newGenerator(): Generator {
      return new Generator();
    },
    generatorManualSeed(g: Generator, seed: number | bigint): void {
      g.manualSeed(seed);
    },
    generatorInitialSeed(g: Generator): number | bigint {
      return g.initialSeed();
    },
    /** `random_()` on an int64 element: random64() as [hi, lo] (the shim takes it modulo 2^63). */
    random64(g: Generator): [number, number] {
      return g.random64();
    },
    /** A fresh run starts as a fresh `python` process would: grad on, anomaly off, the default seed. */
    resetState(): void {
      setGradEnabled(true);
      setDetectAnomaly(false);
      ops.manualSeed(DEFAULT_SEED);
      ops.resetWarnOnce();
      setPrintOptions(DEFAULT_PRINT_OPTIONS);
      stacks = new WeakMap();
    },
    /** `[dtype, ...shape]`: what the shim caches per tensor. */
    meta(t: Tensor): (string | number)[] {
      return [t.dtype, ...t.shape];
    },
    values(t: Tensor) {
      return t.values;
    },
    repr(t: Tensor): string {
      return reprTensor(t);
    },
    /** torch.set_printoptions with every option resolved (sciMode null: the formatter chooses). */
    setPrintOptions(
      precision: number,
      threshold: number,
      edgeitems: number,
      linewidth: number,
      sciMode: boolean | null | undefined,
    ): void {
      setPrintOptions({ precision, threshold, edgeitems, linewidth, sciMode: sciMode ?? null });
    },
    /** [precision, threshold, edgeitems, linewidth]: what set_printoptions keeps when not given. */
    printOptions(): number[] {
      const o = getPrintOptions();
      return [o.precision, o.threshold, o.edgeitems, o.linewidth];
    },
    item(t: Tensor): number {
      return t.item();
    },
    strides(t: Tensor): number[] {
      return [...t.strides];
    },
    storageOffset(t: Tensor): number {
      return t.storageOffset;
    },
    /** `.data`: the same elements (a view of the same storage), cut from the graph, with its own version counter. */
    data(t: Tensor): Tensor {
      const d = new Tensor(
        { data: t.storage.data, version: 0 },
        t.shape,
        t.dtype,
        t.strides,
        t.storageOffset,
      );
      d.label = t.label;
      return d;
    },
    /** `p.data = src`: copies src's elements into p (same shape only). */
    setData(t: Tensor, src: Tensor): void {
      if (src.shape.length !== t.shape.length || src.shape.some((n, i) => n !== t.shape[i])) {
        throw new TorchError(
          "NotImplementedError",
          "gradlens does not support assigning .data of another shape yet",
        );
      }
      t.writeValues(Array.from(src.values, (v) => castValue(t.dtype, v)));
    },

    // ---- ops the engine does not export (src/python/extra-ops.ts) ----
    toDtype,
    unary,
    predicate,
    logical,
    bitwise(a: Tensor, b: Tensor | number | boolean, kind: number, op: "and" | "or" | "xor"): Tensor {
      return bitwise(op, a, operand(b, kind));
    },
    invert,
    floorDivide,
    remainder,
    /** `number // t` and `number % t`. */
    rfloorDivide(a: Tensor, b: number, kind: number): Tensor {
      return floorDivide(operand(b, kind), a);
    },
    rremainder(a: Tensor, b: number, kind: number): Tensor {
      return remainder(operand(b, kind), a);
    },
    where(c: Tensor, x: Tensor | number, kx: number, y: Tensor | number, ky: number): Tensor {
      return where(c, operand(x, kx), operand(y, ky));
    },

    /** `t.std(dim, correction=c, keepdim)` / `t.var(...)`. */
    varStd(
      name: "std" | "variance",
      a: Tensor,
      dim: ops.DimArg,
      correction: number,
      keepdim: boolean,
    ): Tensor {
      return ops[name](a, dim, { correction }, keepdim);
    },

    nllLoss(
      input: Tensor,
      target: Tensor,
      weight: Tensor | undefined,
      ignoreIndex: number,
      reduction: ops.Reduction,
    ): Tensor {
      return ops.nllLoss(input, target, { weight: weight ?? null, ignoreIndex, reduction });
    },
    crossEntropy(
      input: Tensor,
      target: Tensor,
      weight: Tensor | undefined,
      ignoreIndex: number,
      reduction: ops.Reduction,
      labelSmoothing: number,
    ): Tensor {
      return ops.crossEntropy(input, target, {
        weight: weight ?? null,
        ignoreIndex,
        reduction,
        labelSmoothing,
      });
    },

    // ---- indexing: the shim builds the engine's IndexSpec list ----
    slice(start: number | undefined, stop: number | undefined, step: number | undefined): ops.SliceSpec {
      return { start: start ?? null, stop: stop ?? null, step: step ?? null };
    },
    /** JS null (Python's None in an index); Python holds it as `jsnull`. */
    none(): null {
      return null;
    },

    // ---- in-place ops ----
    /** `t.addcmul_(t1, t2, value=v)` and `t.addcdiv_(...)`. */
    inplaceAddc(t: Tensor, name: string, t1: Tensor, t2: Tensor, value: number): void {
      ops.inplace(t, name, [t1, t2], { value });
    },
    /** `t.copy_(src)`: the engine's whole-tensor write (`t[...] = src`: CopyBackwards, broadcasting src). */
    copy_(t: Tensor, src: Tensor): void {
      ops.indexPut_(t, ["..."], src);
    },
    /** `t.relu_()` and friends: a registered unary op written in place. */
    inplaceUnary(t: Tensor, name: string): void {
      ops.inplace(t, name, [], {});
    },
    zero_(t: Tensor): void {
      t.zero_();
    },
    fill_(t: Tensor, value: number | boolean): void {
      t.fill_(Number(value));
    },
    clamp_(t: Tensor, min: number | undefined, max: number | undefined): void {
      if (min === undefined && max === undefined) {
        throw new TorchError("RuntimeError", "torch.clamp: At least one of 'min' or 'max' must not be None");
      }
      ops.inplace(t, "clamp", [], { min: min ?? null, max: max ?? null });
    },

    // ---- autograd ----
    requiresGrad(t: Tensor): boolean {
      return t.requiresGrad;
    },
    setRequiresGrad(t: Tensor, flag: boolean): void {
      t.requiresGrad_(flag);
    },
    isLeaf(t: Tensor): boolean {
      return t.isLeaf;
    },
    retainsGrad(t: Tensor): boolean {
      return t.retainsGrad;
    },
    retainGrad(t: Tensor): void {
      t.retainGrad();
    },
    version(t: Tensor): number {
      return t.version;
    },
    detach(t: Tensor): Tensor {
      return t.detach();
    },
    detach_(t: Tensor): void {
      t.detach_();
    },
    /** `.grad`; the engine's getter emits the non-leaf warning event. */
    grad(t: Tensor): Tensor | undefined {
      return orUndef(t.grad);
    },
    setGrad(t: Tensor, g: Tensor | undefined): void {
      if (g && (g.shape.length !== t.shape.length || g.shape.some((n, i) => n !== t.shape[i]))) {
        throw new TorchError("RuntimeError", `assigned grad has data of a different size`);
      }
      t.grad = g ?? null;
      syncLine();
      hooks?.gradAssigned(t);
    },
    gradFn(t: Tensor): Node | undefined {
      return orUndef(t.gradFn);
    },
    /** `grad_fn.next_functions` as [node | undefined, index] pairs. */
    nextFunctions(n: Node): [Node | undefined, number][] {
      return n.nextFunctions.map(([m, i]) => [orUndef(m), i]);
    },
    /** The leaf tensor of an AccumulateGrad node. */
    variable(n: Node): Tensor | undefined {
      return orUndef((n as Node & { variable?: Tensor }).variable);
    },
    backward(t: Tensor, gradient: Tensor | undefined, retainGraph: boolean): void {
      t.backward(gradient ?? null, { retainGraph });
    },
    /** torch.autograd.backward over several roots (undefined grads: ones for scalar roots). */
    backwardMany(roots: Tensor[], grads: (Tensor | undefined)[], retainGraph: boolean): void {
      runBackward(roots, rootGrads(roots, grads), { retainGraph });
    },
    /** torch.autograd.grad: the grads of `inputs` (undefined where unused); `.grad` stays untouched. */
    autogradGrad(
      outputs: Tensor[],
      grads: (Tensor | undefined)[],
      inputs: Tensor[],
      retainGraph: boolean,
      createGraph = false,
    ): (Tensor | undefined)[] {
      const got = runBackward(outputs, rootGrads(outputs, grads), { retainGraph, inputs, createGraph })!;
      return inputs.map((t) => orUndef(got.get(t)));
    },
    /**
     * A `torch.autograd.Function` application: `out` (computed by the Python forward under no_grad)
     * gets a `<Name>Backward` node whose backward calls the Python `backward` (grads per input, in
     * order; undefined for none). Saved tensors are version-checked as PyTorch checks them.
     */
    customFunction(
      name: string,
      inputs: Tensor[],
      out: Tensor,
      saved: Tensor[],
      backward: (g: Tensor) => (Tensor | undefined)[],
    ): void {
      const edges: [Node | null, number][] = inputs.map((t) =>
        t.requiresGrad ? [t.gradFn ?? t.gradAccumulator(), 0] : [null, 0],
      );
      const node = new Node(
        `${name}Backward`,
        edges,
        saved.map((t) => ({ tensor: t, version: t.version, isOutput: t === out })),
        (g) => {
          const grads = backward(g);
          if (grads.length !== inputs.length) {
            throw new TorchError(
              "RuntimeError",
              `function ${name}Backward returned an incorrect number of gradients (expected ${inputs.length}, got ${grads.length})`,
            );
          }
          return grads.map((x) => x ?? null);
        },
      );
      out.setGradFn(node);
      emit({ kind: "op", op: name, out, inputs, attrs: {}, gradFn: node });
    },
    registerHook(t: Tensor, hook: (g: Tensor) => Tensor | undefined): () => void {
      return t.registerHook((g) => hook(g) ?? undefined);
    },
    setGradEnabled,
    isGradEnabled,
    setDetectAnomaly(flag: boolean): void {
      setDetectAnomaly(flag);
      if (!flag) stacks = new WeakMap();
    },
    isAnomalyEnabled,
    /** Remembers the forward traceback of `t`'s grad_fn (anomaly mode). */
    setStack(t: Tensor, text: string): void {
      if (t.gradFn) stacks.set(t.gradFn, text);
    },
    /** The forward traceback of the node an anomaly error names, if recorded. */
    stackOf(err: unknown): string | undefined {
      const node = (err as { node?: Node } | null)?.node;
      return node ? stacks.get(node) : undefined;
    },

    // ---- trace hooks (no-ops when not recording) ----
    pushScope(name: string): void {
      hooks?.pushScope(name);
    },
    popScope(): void {
      hooks?.popScope();
    },
    /** Names a tensor after a program variable, unless it has a name already (the first name wins). */
    label(t: Tensor, name: string): void {
      if (t.label !== null) return;
      if (hooks) {
        syncLine();
        hooks.labelTensor(t, name);
      } else t.label = name;
    },
    /** Names a module's parameter (`fc1.weight`), replacing the shorter name it had. */
    relabel(t: Tensor, name: string): void {
      if (hooks) hooks.labelTensor(t, name);
      else t.label = name;
    },
    recordWarning(category: string, message: string): void {
      syncLine();
      hooks?.recordWarning(category, message);
    },
    recordError(pyType: string, message: string): void {
      syncLine();
      hooks?.recordError(pyType, message);
    },
  };
  return bridge;
}
