/**
 * Timing and reporting shared by every benchmark suite: the median of several timed samples after a
 * warm-up, one JSON object per line on stdout.
 */

export interface BenchResult {
  bench: string;
  unit: "ms";
  /** gradlens' time (lower is better). */
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

/** Median time of one call of `fn`, in ms. Fast functions are batched so a sample lasts ≥ ~5 ms. */
export function measure(fn: () => void, opts: MeasureOptions = {}): number {
  const { warmup = 3, minSamples = 7, maxSamples = 25, budgetMs = 1500 } = opts;
  for (let i = 0; i < warmup; i++) fn();
  let inner = 1;
  for (;;) {
    const t0 = now();
    for (let i = 0; i < inner; i++) fn();
    const dt = now() - t0;
    if (dt >= 5 || inner >= 1 << 16) break;
    inner *= dt < 0.5 ? 8 : 2;
  }
  const samples: number[] = [];
  const start = now();
  while (samples.length < maxSamples && (samples.length < minSamples || now() - start < budgetMs)) {
    const t0 = now();
    for (let i = 0; i < inner; i++) fn();
    samples.push((now() - t0) / inner);
  }
  return median(samples);
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Rounds to 4 significant digits for a readable line. */
export function round(ms: number): number {
  return Number(ms.toPrecision(4));
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
