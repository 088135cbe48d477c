/**
 * PyTorch's CPU random generator, reproduced: an mt19937 engine seeded like `torch.manual_seed`, and
 * the transformations ATen applies on top of it (aten/src/ATen/core/DistributionsHelper.h,
 * TransformationHelper.h, native/cpu/DistributionTemplates.h). So `manualSeed(0); rand(3)` and
 * `randn(3)` give PyTorch's own numbers. Checked against PyTorch 1.13 on an AVX2 CPU (Debian's
 * build, no MKL): rand, randn (both its scalar path below 16 elements and its vectorized AVX2 path),
 * randint, randperm, uniform_, normal_ and dropout's bernoulli masks.
 */

const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;

/** The seed of a fresh PyTorch process's default CPU generator. */
export const DEFAULT_SEED = 67280421310721;

/** The Mersenne Twister as at::mt19937 implements it (standard mt19937, 32-bit output). */
export class MT19937 {
  private readonly state = new Uint32Array(N);
  private left = 1;
  private next = 0;

  constructor(seed: number = 5489) {
    this.seed(seed);
  }

  /** at::mt19937::init_with_uint32: only the low 32 bits of the seed matter. */
  seed(seed: number): void {
    const s = this.state;
    s[0] = lowBits32(seed);
    for (let j = 1; j < N; j++) {
      const prev = s[j - 1] ^ (s[j - 1] >>> 30);
      s[j] = (Math.imul(1812433253, prev) + j) >>> 0;
    }
    this.left = 1;
    this.next = 0;
  }

  private twist(): void {
    const s = this.state;
    const mix = (u: number, v: number) => {
      const y = (u & UPPER_MASK) | (v & LOWER_MASK);
      return (y >>> 1) ^ (v & 1 ? MATRIX_A : 0);
    };
    let k = 0;
    for (; k < N - M; k++) s[k] = s[k + M] ^ mix(s[k], s[k + 1]);
    for (; k < N - 1; k++) s[k] = s[k + M - N] ^ mix(s[k], s[k + 1]);
    s[N - 1] = s[M - 1] ^ mix(s[N - 1], s[0]);
    this.left = N;
    this.next = 0;
  }

  /** The next 32-bit output, as an unsigned number. */
  nextUint32(): number {
    if (--this.left === 0) this.twist();
    let y = this.state[this.next++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  copyFrom(other: MT19937): void {
    this.state.set(other.state);
    this.left = other.left;
    this.next = other.next;
  }
}

/** `seed & 0xffffffff` for any integer seed, negative ones as PyTorch wraps them to uint64. */
function lowBits32(seed: number | bigint): number {
  if (typeof seed === "bigint") return Number(BigInt.asUintN(32, seed));
  return Number(BigInt.asUintN(32, BigInt(Math.trunc(seed))));
}

const TWO_POW_32 = 4294967296;
const TWO_POW_M24 = 2 ** -24;
const TWO_POW_M53 = 2 ** -53;
const f = Math.fround;

/** A CPU generator (`torch.Generator()`): the engine plus the cached second normal sample. */
export class Generator {
  private readonly engine = new MT19937();
  private seedValue: number | bigint = DEFAULT_SEED;
  /** The scalar normal path makes two samples at a time and keeps the second for the next call. */
  private nextDoubleNormal: number | null = null;

  constructor(seed: number | bigint = DEFAULT_SEED) {
    this.manualSeed(seed);
  }

  /** `generator.manual_seed(seed)`: reseeds the engine and drops the cached normal sample. */
  manualSeed(seed: number | bigint): this {
    if (typeof seed === "number" && !Number.isInteger(seed)) {
      throw new TypeError(`manual_seed expected an integer seed, got ${seed}`);
    }
    this.seedValue = seed;
    this.engine.seed(lowBits32(seed));
    this.nextDoubleNormal = null;
    return this;
  }

  initialSeed(): number | bigint {
    return this.seedValue;
  }

  /** A copy of the whole state (`get_state`), to restore with setState. */
  getState(): Generator {
    const g = new Generator(0);
    g.setState(this);
    return g;
  }

  setState(other: Generator): void {
    this.engine.copyFrom(other.engine);
    this.seedValue = other.seedValue;
    this.nextDoubleNormal = other.nextDoubleNormal;
  }

  /** CPUGeneratorImpl::random: one 32-bit draw. */
  random(): number {
    return this.engine.nextUint32();
  }

  /** CPUGeneratorImpl::random64 as [hi, lo]: the first draw is the high word. */
  random64(): [number, number] {
    const hi = this.engine.nextUint32();
    const lo = this.engine.nextUint32();
    return [hi, lo];
  }

  /** uniform_real_distribution<float>: 24 random bits scaled to [0, 1), then `x * (to - from) + from`. */
  uniformFloat(from = 0, to = 1): number {
    const x = (this.random() & 0xffffff) * TWO_POW_M24;
    const lo = f(from);
    // one rounding: the AVX2 build contracts x * range + from into an FMA (x * range is exact in double)
    return f(x * f(f(to) - lo) + lo);
  }

  /** uniform_real_distribution<double>: 53 bits of random64(). */
  uniformDouble(from = 0, to = 1): number {
    const [hi, lo] = this.random64();
    const x = ((hi & 0x1fffff) * TWO_POW_32 + lo) * TWO_POW_M53;
    return x * (to - from) + from;
  }

  /** normal_distribution<double> (Box-Muller in double), with the cached second sample. */
  normalDouble(mean = 0, std = 1): number {
    if (this.nextDoubleNormal !== null) {
      const cached = this.nextDoubleNormal;
      this.nextDoubleNormal = null;
      return cached * std + mean;
    }
    const u1 = this.uniformDouble();
    const u2 = this.uniformDouble();
    const r = Math.sqrt(-2.0 * Math.log(1.0 - u2));
    const theta = 2.0 * Math.PI * u1;
    this.nextDoubleNormal = r * Math.sin(theta);
    return r * Math.cos(theta) * std + mean;
  }

  /** uniform_int_from_to_distribution: `random() % range + base`, random64() when range ≥ 2^32. */
  intFromTo(range: number, base: number): number {
    if (range >= TWO_POW_32) {
      const [hi, lo] = this.random64();
      const v = (BigInt(hi) << 32n) | BigInt(lo);
      return Number(v % BigInt(range)) + base;
    }
    return (this.random() % range) + base;
  }
}

/** torch.default_generator. */
export const defaultGenerator = new Generator();

/** `torch.manual_seed(seed)`: seeds the default generator and returns it. */
export function manualSeed(seed: number | bigint): Generator {
  return defaultGenerator.manualSeed(seed);
}

export function initialSeed(): number | bigint {
  return defaultGenerator.initialSeed();
}

/** `uniform_(from, to)` on float32 storage: one draw per element, in order. */
export function fillUniform(out: Float32Array, from: number, to: number, gen = defaultGenerator): void {
  for (let i = 0; i < out.length; i++) out[i] = gen.uniformFloat(from, to);
}

/**
 * `normal_(mean, std)` on float32 storage, as ATen's CPU normal_kernel: below 16 elements, one scalar
 * normal_distribution<double> sample per element; from 16 on, all uniforms are drawn first and
 * transformed 16 at a time by the AVX2 Box-Muller (float32, avx_mathfun's log and sincos), the last
 * (size % 16) values by redrawing 16 uniforms for the tail block.
 */
export function fillNormal(out: Float32Array, mean: number, std: number, gen = defaultGenerator): void {
  const size = out.length;
  if (size < 16) {
    for (let i = 0; i < size; i++) out[i] = gen.normalDouble(mean, std);
    return;
  }
  for (let i = 0; i < size; i++) out[i] = gen.uniformFloat();
  const m = f(mean);
  const s = f(std);
  for (let i = 0; i + 16 <= size; i += 16) normalFill16(out, i, m, s);
  if (size % 16 !== 0) {
    const start = size - 16;
    for (let i = 0; i < 16; i++) out[start + i] = gen.uniformFloat();
    normalFill16(out, start, m, s);
  }
}

const TWO_PI_F = f(2 * Math.PI);

/** normal_fill_16_AVX2: eight Box-Muller pairs from 16 uniforms, in float32. */
function normalFill16(data: Float32Array, at: number, mean: number, std: number): void {
  for (let j = 0; j < 8; j++) {
    const u1 = f(1 - data[at + j]);
    const u2 = data[at + j + 8];
    const radius = f(Math.sqrt(f(-2 * log256(u1))));
    const theta = f(TWO_PI_F * u2);
    const [sin, cos] = sincos256(theta);
    data[at + j] = fma(f(radius * cos), std, mean);
    data[at + j + 8] = fma(f(radius * sin), std, mean);
  }
}

/** A float32 fused multiply-add: a*b is exact in double for float32 operands, so one rounding. */
function fma(a: number, b: number, c: number): number {
  return f(a * b + c);
}

const scratch = new DataView(new ArrayBuffer(4));
function floatBits(x: number): number {
  scratch.setFloat32(0, x);
  return scratch.getUint32(0);
}
function bitsFloat(b: number): number {
  scratch.setUint32(0, b >>> 0);
  return scratch.getFloat32(0);
}

const SQRTHF = f(Math.SQRT1_2);
const LOG_P = [
  7.0376836292e-2, -1.151461031e-1, 1.167699874e-1, -1.2420140846e-1, 1.4249322787e-1, -1.6668057665e-1,
  2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1,
].map(f);
const LOG_Q1 = f(-2.1219444e-4);
const LOG_Q2 = f(0.693359375);

/**
 * avx_mathfun's log256_ps on one lane (Cephes logf), float32 step by step. GCC contracts each
 * `y * x + c` of the AVX2 build into an FMA; those steps use fma() here.
 */
function log256(v: number): number {
  if (!(v > 0)) return NaN;
  const x0 = Math.max(v, 1.1754943508222875e-38);
  const bits = floatBits(x0);
  let e = f((bits >>> 23) - 127 + 1);
  let x = bitsFloat((bits & ~0x7f800000) | 0x3f000000);
  const small = x < SQRTHF;
  const tmp = small ? x : 0;
  x = f(x - 1);
  e = f(e - (small ? 1 : 0));
  x = f(x + tmp);
  const z = f(x * x);
  let y = LOG_P[0];
  for (let k = 1; k < LOG_P.length; k++) y = fma(y, x, LOG_P[k]);
  y = f(y * x);
  y = fma(y, z, f(e * LOG_Q1));
  y = fma(-z, 0.5, y);
  return fma(e, LOG_Q2, f(x + y));
}

const FOPI = f(1.27323954473516);
const DP1 = f(-0.78515625);
const DP2 = f(-2.4187564849853515625e-4);
const DP3 = f(-3.774894977445941e-8);
const SINCOF = [-1.9515295891e-4, 8.3321608736e-3, -1.6666654611e-1].map(f);
const COSCOF = [2.443315711809948e-5, -1.388731625493765e-3, 4.166664568298827e-2].map(f);

/** avx_mathfun's sincos256_ps on one lane (Cephes sinf/cosf with a shared range reduction). */
function sincos256(v: number): [number, number] {
  let signSin = v < 0 || Object.is(v, -0);
  let x = Math.abs(v);
  let j = Math.trunc(f(x * FOPI)) | 0;
  j = (j + 1) & ~1;
  const y = j;
  const swapSin = (j & 4) !== 0;
  const polyMask = (j & 2) === 0;
  x = fma(y, DP1, x);
  x = fma(y, DP2, x);
  x = fma(y, DP3, x);
  const signCos = ((j - 2) & 4) === 0;
  signSin = signSin !== swapSin;
  const z = f(x * x);
  let yc = COSCOF[0];
  yc = fma(yc, z, COSCOF[1]);
  yc = fma(yc, z, COSCOF[2]);
  yc = f(yc * z);
  yc = fma(yc, z, -f(z * 0.5));
  yc = f(yc + 1);
  let ys = SINCOF[0];
  ys = fma(ys, z, SINCOF[1]);
  ys = fma(ys, z, SINCOF[2]);
  ys = f(ys * z);
  ys = fma(ys, x, x);
  const sin = polyMask ? ys : yc;
  const cos = polyMask ? yc : ys;
  return [signSin ? -sin : sin, signCos ? -cos : cos];
}

/** `randperm(n)`: PyTorch's Fisher-Yates with `random() % (n - i)`. */
export function permutation(n: number, gen = defaultGenerator): Float64Array {
  const r = new Float64Array(n);
  for (let i = 0; i < n; i++) r[i] = i;
  for (let i = 0; i < n - 1; i++) {
    const z = gen.random() % (n - i);
    const save = r[i];
    r[i] = r[z + i];
    r[z + i] = save;
  }
  return r;
}

/** `bernoulli_(p)` with a scalar p on the CPU without MKL: `uniform double < p`, one per element. */
export function bernoulliMask(n: number, p: number, gen = defaultGenerator): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = gen.uniformDouble() < p ? 1 : 0;
  return out;
}
