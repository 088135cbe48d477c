/**
 * Timing and reporting shared by every benchmark suite: the median of several timed samples after a
 * warm-up, one JSON object per line on stdout.
 */

/** Times, sizes on disk (both lower is better) and frame rates (higher is better). */
export type BenchUnit = "ms" | "MB" | "fps";

export interface BenchResult {
  bench: string;
  unit: BenchUnit;
  /** gradlens' number, in `unit`. */
  ours: number;
  /** What the same work costs elsewhere, when something comparable exists. */
  peer?: string;
  peer_value?: number;
  [extra: string]: unknown;
}

export interface MeasureOptions {
  /** Untimed calls before sampling (JIT, caches). */
  warmup?: number;
  /** Samples taken at least (each sample is the mean of `inner` calls). */
  minSamples?: number;
  maxSamples?: number;
  /** Stop sampling after this long once minSamples are in. */
  budgetMs?: number;
}

const now = () => performance.now();

/** How many calls make one sample last at least ~5 ms (fast functions are batched). */
function calibrate(fn: () => void): number {
  let inner = 1;
  for (;;) {
    const t0 = now();
    for (let i = 0; i < inner; i++) fn();
    const dt = now() - t0;
    if (dt >= 5 || inner >= 1 << 16) return inner;
    inner *= dt < 0.5 ? 8 : 2;
  }
}

/**
 * Median time of one call of each function, in ms. Samples of the functions are interleaved, so a
 * change in machine load (other processes, GC, CPU frequency) hits all of them alike.
 */
export function measureEach(fns: (() => void)[], opts: MeasureOptions = {}): number[] {
  const { warmup = 3, minSamples = 7, maxSamples = 25, budgetMs = 1500 } = opts;
  for (const fn of fns) for (let i = 0; i < warmup; i++) fn();
  const inner = fns.map(calibrate);
  const samples: number[][] = fns.map(() => []);
  const start = now();
  for (let k = 0; k < maxSamples && (k < minSamples || now() - start < budgetMs * fns.length); k++) {
    fns.forEach((fn, j) => {
      const t0 = now();
      for (let i = 0; i < inner[j]; i++) fn();
      samples[j].push((now() - t0) / inner[j]);
    });
  }
  return samples.map(median);
}

/** Median time of one call of `fn`, in ms. */
export function measure(fn: () => void, opts: MeasureOptions = {}): number {
  return measureEach([fn], opts)[0];
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Rounds to 4 significant digits for a readable line. */
export function round(x: number): number {
  return Number(x.toPrecision(4));
}

export function report(r: BenchResult): void {
  const out: BenchResult = { ...r, ours: round(r.ours) };
  if (r.peer_value !== undefined) out.peer_value = round(r.peer_value);
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

/** A suite: a named group of benchmarks that reports its results as it goes. */
export interface Suite {
  name: string;
  run: (report: (r: BenchResult) => void) => Promise<void> | void;
}

/** Seeded uniform values in [-1, 1): the same inputs on every run and for every peer. */
export function randomValues(n: number, seed = 1): Float32Array {
  let a = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}
