import { createRng, InvalidArgumentError } from '@lmreg/common';

// Statistics of paired runs (issue 17): the same seed with and without the landmark term. Few
// seeds (5 in the fmnist study), so nothing assumes normality: a percentile bootstrap of the mean
// over seeds and an exact two-sided sign test. Used by `lmreg report` and experiments/fmnist/stats.mjs.

function checkFinite(fn: string, name: string, xs: readonly number[], minLength: number): void {
  if (!Array.isArray(xs)) throw new InvalidArgumentError(`${fn}: '${name}' must be an array of numbers.`);
  if (xs.length < minLength)
    throw new InvalidArgumentError(`${fn}: '${name}' needs at least ${minLength} value${minLength === 1 ? '' : 's'}, got ${xs.length}.`);
  const bad = xs.findIndex((x) => typeof x !== 'number' || !Number.isFinite(x));
  if (bad >= 0) {
    throw new InvalidArgumentError(`${fn}: '${name}'[${bad}] is ${String(xs[bad])}, not a finite number; leave out the runs whose metric is undefined (NaN).`);
  }
}

/** Arithmetic mean (summed in order); NaN for an empty array. */
export function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Sample standard deviation (n - 1 in the denominator); NaN for fewer than two values. */
export function sampleStd(xs: readonly number[]): number {
  if (xs.length < 2) return Number.NaN;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
}

/** Options of {@link bootstrapMeanInterval}. */
export interface BootstrapOptions {
  /** Resamples (default 10,000). */
  readonly resamples?: number;
  /** Seed of the resampling (default 17): the same data give the same interval. */
  readonly seed?: number;
  /** Coverage of the interval (default 0.95). */
  readonly level?: number;
}

/**
 * Percentile bootstrap interval of the mean of `xs`: `resamples` times, draw `xs.length` values
 * with replacement (seeded, @lmreg/common's `createRng`), take their mean; the interval is the
 * `(1 - level) / 2` and `(1 + level) / 2` quantiles of those means (order statistics
 * `floor(a * R)` and `ceil((1 - a) * R) - 1`, 0-based). Deterministic for a given seed.
 *
 * @returns `[low, high]`, with `low <= mean(xs) <= high` whenever the values are all equal.
 * @throws InvalidArgumentError on an empty array, a non-finite value, or bad options.
 */
export function bootstrapMeanInterval(xs: readonly number[], options: BootstrapOptions = {}): [number, number] {
  checkFinite('bootstrapMeanInterval', 'xs', xs, 1);
  const resamples = options.resamples ?? 10_000;
  const level = options.level ?? 0.95;
  if (!Number.isSafeInteger(resamples) || resamples < 1)
    throw new InvalidArgumentError(`bootstrapMeanInterval: resamples must be a positive integer, got ${resamples}.`);
  if (!(level > 0 && level < 1)) throw new InvalidArgumentError(`bootstrapMeanInterval: level must be in (0, 1), e.g. 0.95, got ${level}.`);
  const rng = createRng(options.seed ?? 17);
  const means = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let s = 0;
    for (let i = 0; i < xs.length; i++) s += xs[rng.int(xs.length)] as number;
    means[r] = s / xs.length;
  }
  means.sort();
  const alpha = (1 - level) / 2;
  // The small epsilon keeps 0.025 * 10000 at 250 although (1 - 0.95) / 2 is 0.025000000000000022.
  const low = Math.min(resamples - 1, Math.max(0, Math.floor(alpha * resamples + 1e-9)));
  const high = Math.min(resamples - 1, Math.max(0, Math.ceil((1 - alpha) * resamples - 1e-9) - 1));
  return [means[low] as number, means[high] as number];
}

/** Outcome of {@link signTest}. */
export interface SignTestResult {
  /** Differences above zero. */
  readonly positive: number;
  /** Differences other than zero (ties are dropped). */
  readonly n: number;
  /** Exact two-sided p-value, in (0, 1]; 1 when every difference is zero. */
  readonly p: number;
}

/**
 * Exact two-sided sign test of paired differences against a median of zero: ties dropped,
 * `p = min(1, 2 * P(X <= min(k, n - k)))` for X ~ Binomial(n, 1/2), k the positive differences.
 * Symmetric: negating every difference gives the same p. With 5 pairs the smallest p is 0.0625.
 *
 * @throws InvalidArgumentError on a non-finite difference.
 */
export function signTest(diffs: readonly number[]): SignTestResult {
  checkFinite('signTest', 'diffs', diffs, 0);
  const nonZero = diffs.filter((d) => d !== 0);
  const n = nonZero.length;
  const positive = nonZero.filter((d) => d > 0).length;
  const tail = Math.min(positive, n - positive);
  // C(n, j) / 2^n, built up exactly (C(n, j) (n - j) / (j + 1) is the integer C(n, j + 1)).
  let coefficient = 1;
  let sum = 0;
  for (let j = 0; j <= tail; j++) {
    sum += coefficient / 2 ** n;
    coefficient = (coefficient * (n - j)) / (j + 1);
  }
  return { positive, n, p: Math.min(1, 2 * sum) };
}

/** Paired differences and their statistics ({@link pairedDifference}). */
export interface PairedDifference {
  /** `withTerm[i] - without[i]`, in the order given. */
  readonly diffs: readonly number[];
  readonly mean: number;
  /** 95 % percentile bootstrap interval of the mean over the pairs ({@link bootstrapMeanInterval}). */
  readonly ci: readonly [number, number];
  readonly sign: SignTestResult;
}

/**
 * Differences `withTerm[i] - without[i]` of paired runs (same seed, with and without the landmark
 * term), their mean, a bootstrap interval of the mean over the pairs and a sign test.
 *
 * @throws InvalidArgumentError when the arrays differ in length, are empty or hold a non-finite value.
 */
export function pairedDifference(without: readonly number[], withTerm: readonly number[], options: BootstrapOptions = {}): PairedDifference {
  checkFinite('pairedDifference', 'without', without, 1);
  checkFinite('pairedDifference', 'withTerm', withTerm, 1);
  if (without.length !== withTerm.length) {
    throw new InvalidArgumentError(
      `pairedDifference: ${without.length} values without and ${withTerm.length} with the term; pass one value per seed in both, in the same order.`,
    );
  }
  const diffs = withTerm.map((w, i) => w - (without[i] as number));
  return { diffs, mean: mean(diffs), ci: bootstrapMeanInterval(diffs, options), sign: signTest(diffs) };
}
