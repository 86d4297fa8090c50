import { InvalidArgumentError, type Rng } from '@lmreg/common';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Shape of the per-pair penalty, applied to `d = L_better - L_worse` (super-net losses of the
 * landmark with the higher and the lower ground-truth metric):
 *
 * - `'hinge'`: `max(0, margin + d)`; with the default `margin = 0` this is the paper's Eq. 4 term.
 * - `'softplus'`: `log(1 + exp(beta * d)) / beta`, the logistic ranking loss. `beta` is an inverse
 *   temperature: large `beta` approaches the zero-margin hinge, small `beta` is smoother.
 */
export type PairLossKind = 'hinge' | 'softplus';

/** How the pair terms are combined into the returned scalar. */
export type RankingReduction = 'sum' | 'mean';

/** Options shared by every ranking-loss function. All fields are optional. */
export interface RankingLossOptions {
  /** Per-pair penalty; default `'hinge'`. */
  readonly kind?: PairLossKind;
  /** Hinge margin, in loss units, `>= 0`; default 0 (the paper's zero-margin hinge). Hinge only. */
  readonly margin?: number;
  /** Softplus inverse temperature, `> 0`; default 1. Softplus only. */
  readonly beta?: number;
  /**
   * Multiply each pair term by its normalised ground-truth gap
   * `(metric_better - metric_worse) / (max(metric) - min(metric))`, a weight in `(0, 1]`, so that
   * confusing far-apart landmarks costs more than confusing near-equal ones. Default false.
   */
  readonly weightByGap?: boolean;
  /** `'sum'` over pairs (Eq. 4 / Eq. 6, the default) or `'mean'` over pairs (0 when there are none). */
  readonly reduction?: RankingReduction;
}

/** One ordered landmark pair: indices into the landmark arrays, better (higher metric) first. */
export interface RankingPair {
  /** Index of the landmark with the higher ground-truth metric. */
  readonly better: number;
  /** Index of the landmark with the lower ground-truth metric. */
  readonly worse: number;
  /** Normalised ground-truth gap in `(0, 1]` (see {@link RankingLossOptions.weightByGap}). */
  readonly weight: number;
}

interface ResolvedOptions {
  kind: PairLossKind;
  margin: number;
  beta: number;
  weightByGap: boolean;
  reduction: RankingReduction;
}

const OPTION_KEYS = new Set(['kind', 'margin', 'beta', 'weightByGap', 'reduction']);

function resolveOptions(fn: string, options: RankingLossOptions | undefined, extraKeys: readonly string[] = []): ResolvedOptions {
  if (options === undefined) return { kind: 'hinge', margin: 0, beta: 1, weightByGap: false, reduction: 'sum' };
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError(`${fn}: options must be an object, got ${String(options)}.`);
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.has(key) && !extraKeys.includes(key)) {
      throw new InvalidArgumentError(`${fn}: unknown option '${key}'. Known options: ${[...OPTION_KEYS, ...extraKeys].join(', ')}.`);
    }
  }
  const kind = options.kind ?? 'hinge';
  if (kind !== 'hinge' && kind !== 'softplus') {
    throw new InvalidArgumentError(`${fn}: options.kind must be 'hinge' or 'softplus', got ${JSON.stringify(kind)}.`);
  }
  if (options.margin !== undefined) {
    if (kind !== 'hinge') {
      throw new InvalidArgumentError(`${fn}: options.margin only applies to kind 'hinge'; remove it or set kind: 'hinge'.`);
    }
    if (typeof options.margin !== 'number' || !Number.isFinite(options.margin) || options.margin < 0) {
      throw new InvalidArgumentError(`${fn}: options.margin must be a finite number >= 0, got ${String(options.margin)}.`);
    }
  }
  if (options.beta !== undefined) {
    if (kind !== 'softplus') {
      throw new InvalidArgumentError(`${fn}: options.beta only applies to kind 'softplus'; remove it or set kind: 'softplus'.`);
    }
    if (typeof options.beta !== 'number' || !Number.isFinite(options.beta) || options.beta <= 0) {
      throw new InvalidArgumentError(`${fn}: options.beta must be a finite number > 0, got ${String(options.beta)}.`);
    }
  }
  if (options.weightByGap !== undefined && typeof options.weightByGap !== 'boolean') {
    throw new InvalidArgumentError(`${fn}: options.weightByGap must be a boolean, got ${String(options.weightByGap)}.`);
  }
  const reduction = options.reduction ?? 'sum';
  if (reduction !== 'sum' && reduction !== 'mean') {
    throw new InvalidArgumentError(`${fn}: options.reduction must be 'sum' or 'mean', got ${JSON.stringify(reduction)}.`);
  }
  return {
    kind,
    margin: options.margin ?? 0,
    beta: options.beta ?? 1,
    weightByGap: options.weightByGap ?? false,
    reduction,
  };
}

function checkGroundTruth(fn: string, groundTruth: readonly number[]): void {
  if (!Array.isArray(groundTruth)) {
    throw new InvalidArgumentError(`${fn}: groundTruth must be an array of numbers (one metric per landmark).`);
  }
  groundTruth.forEach((g, i) => {
    if (typeof g !== 'number' || !Number.isFinite(g)) {
      throw new InvalidArgumentError(`${fn}: groundTruth[${i}] must be a finite number, got ${String(g)}.`);
    }
  });
}

function checkLosses(fn: string, losses: tf.Tensor, length: number): void {
  if (typeof losses !== 'object' || losses === null || (losses as { rank?: unknown }).rank !== 1) {
    throw new InvalidArgumentError(`${fn}: losses must be a 1-D tf.Tensor of per-landmark super-net losses.`);
  }
  if (losses.isDisposed) throw new InvalidArgumentError(`${fn}: losses has already been disposed.`);
  if (losses.dtype !== 'float32') {
    throw new InvalidArgumentError(`${fn}: losses must have dtype float32, got ${losses.dtype}; cast it first.`);
  }
  if (losses.shape[0] !== length) {
    throw new InvalidArgumentError(`${fn}: losses has ${String(losses.shape[0])} entries but groundTruth has ${length}; pass one metric per landmark.`);
  }
}

function gapScale(groundTruth: readonly number[]): number {
  let lo = Infinity;
  let hi = -Infinity;
  for (const g of groundTruth) {
    if (g < lo) lo = g;
    if (g > hi) hi = g;
  }
  return hi - lo;
}

/**
 * Every ordered-by-truth landmark pair: for each `i < j` with `groundTruth[i] !== groundTruth[j]`,
 * one {@link RankingPair} with the higher-metric index as `better`. Ties give no pair. The pairs of
 * Eq. 4, `M (M - 1) / 2` of them when all metrics differ.
 *
 * @param groundTruth stand-alone metric per landmark, higher = better (e.g. accuracy).
 */
export function rankingPairs(groundTruth: readonly number[]): RankingPair[] {
  checkGroundTruth('rankingPairs', groundTruth);
  const scale = gapScale(groundTruth);
  const pairs: RankingPair[] = [];
  for (let i = 0; i < groundTruth.length; i++) {
    const gi = groundTruth[i] as number;
    for (let j = i + 1; j < groundTruth.length; j++) {
      const gj = groundTruth[j] as number;
      if (gi === gj) continue;
      pairs.push(gi > gj ? { better: i, worse: j, weight: (gi - gj) / scale } : { better: j, worse: i, weight: (gj - gi) / scale });
    }
  }
  return pairs;
}

/**
 * Draws `m` landmark pairs for the stochastic ranking loss (Eq. 6): each draw is uniform over the
 * unordered pairs `{i, j}` (`i < j`) whose ground-truth metrics differ, independently and with
 * replacement, then oriented as (better, worse). Unlike the authors' sampler this is unbiased: the
 * mean of the sampled pair terms is an unbiased estimate of the mean over all pairs.
 *
 * A trainer uses the returned indices to run only the two landmark paths a pair needs, then calls
 * {@link pairRankingLoss}.
 *
 * @param groundTruth stand-alone metric per landmark, higher = better.
 * @param m number of pairs, a non-negative integer (the paper uses 1).
 * @param rng seeded generator; advanced by `m` draws.
 * @returns `m` pairs, or `[]` when no two landmarks have different metrics.
 */
export function samplePairs(groundTruth: readonly number[], m: number, rng: Rng): RankingPair[] {
  if (!Number.isSafeInteger(m) || m < 0) {
    throw new InvalidArgumentError(`samplePairs: m must be a non-negative integer number of pairs, got ${String(m)}.`);
  }
  if (typeof rng !== 'object' || rng === null || typeof rng.int !== 'function') {
    throw new InvalidArgumentError('samplePairs: rng must be an Rng from createRng(seed).');
  }
  const all = rankingPairs(groundTruth);
  if (all.length === 0) return [];
  const out: RankingPair[] = [];
  for (let k = 0; k < m; k++) out.push(all[rng.int(all.length)] as RankingPair);
  return out;
}

/** Pair terms of `diff = L_better - L_worse` (any shape), weighted, reduced to a scalar. */
function reducePairTerms(diff: tf.Tensor, weights: tf.Tensor | undefined, count: number, o: ResolvedOptions): tf.Scalar {
  let terms: tf.Tensor =
    o.kind === 'hinge'
      ? tf.relu(o.margin === 0 ? diff : tf.add(diff, tf.scalar(o.margin)))
      : tf.div(tf.softplus(tf.mul(diff, tf.scalar(o.beta))), tf.scalar(o.beta));
  if (weights !== undefined) terms = tf.mul(terms, weights);
  const total: tf.Scalar = tf.sum(terms);
  return o.reduction === 'mean' && count > 0 ? tf.div<tf.Scalar>(total, tf.scalar(count)) : total;
}

/** Ranking loss over explicit pairs of a 1-D losses tensor. */
function lossOverPairs(losses: tf.Tensor1D, pairs: readonly RankingPair[], o: ResolvedOptions): tf.Scalar {
  return tf.tidy(() => {
    // No pair (M < 2 or all ties): a zero that still depends on `losses`, so tf.grad returns zeros
    // (gather's gradient cannot handle zero landmarks; multiplying by 0 would turn Inf into NaN).
    if (pairs.length === 0) return tf.sum(tf.slice(losses, [0], [0]));
    const better = tf.tensor1d(
      pairs.map((p) => p.better),
      'int32',
    );
    const worse = tf.tensor1d(
      pairs.map((p) => p.worse),
      'int32',
    );
    const diff = tf.sub(tf.gather(losses, better), tf.gather(losses, worse));
    const weights = o.weightByGap ? tf.tensor1d(pairs.map((p) => p.weight)) : undefined;
    return reducePairTerms(diff, weights, pairs.length, o);
  });
}

/**
 * The landmark ranking loss over all pairs (Eq. 4, O(M²)): the sum (or mean) over every pair of
 * landmarks with different ground truth of the pair penalty of `L_better - L_worse`. With the
 * default hinge it is zero, with zero gradient, exactly when every better landmark already has a
 * strictly lower super-net loss than every worse one.
 *
 * @param losses shape `[M]`, float32: super-net loss (e.g. cross-entropy on a ranking batch) of each
 *   landmark; differentiable. Not disposed.
 * @param groundTruth length `M`: stand-alone metric per landmark, higher = better. Ties give no pair.
 * @returns a scalar tensor; the caller owns it (and must dispose it).
 */
export function landmarkRankingLoss(losses: tf.Tensor1D, groundTruth: readonly number[], options?: RankingLossOptions): tf.Scalar {
  const o = resolveOptions('landmarkRankingLoss', options);
  checkGroundTruth('landmarkRankingLoss', groundTruth);
  checkLosses('landmarkRankingLoss', losses, groundTruth.length);
  return lossOverPairs(losses, rankingPairs(groundTruth), o);
}

/**
 * The stochastic landmark ranking loss (Eq. 6): {@link samplePairs} draws `m` pairs, then the pair
 * penalties are summed (default, as in the paper) or averaged. With `reduction: 'mean'` its
 * expectation equals {@link landmarkRankingLoss} with `reduction: 'mean'`.
 *
 * Needs all `M` landmark losses; a trainer that only wants to run the two paths of each pair should
 * call {@link samplePairs} and {@link pairRankingLoss} instead.
 *
 * @param losses shape `[M]`, float32, differentiable. Not disposed.
 * @param groundTruth length `M`, higher = better.
 * @param m number of sampled pairs (non-negative integer).
 * @param rng seeded generator, advanced by `m` draws.
 * @returns a scalar tensor; the caller owns it.
 */
export function sampledRankingLoss(losses: tf.Tensor1D, groundTruth: readonly number[], m: number, rng: Rng, options?: RankingLossOptions): tf.Scalar {
  const o = resolveOptions('sampledRankingLoss', options);
  checkGroundTruth('sampledRankingLoss', groundTruth);
  checkLosses('sampledRankingLoss', losses, groundTruth.length);
  return lossOverPairs(losses, samplePairs(groundTruth, m, rng), o);
}

/**
 * Validates ranking-loss options without making tensors (for factories that fail early).
 * @throws InvalidArgumentError naming `fn` and the bad option.
 * @internal
 */
export function checkRankingLossOptions(fn: string, options: RankingLossOptions | undefined): void {
  resolveOptions(fn, options);
}

/** Options of {@link pairRankingLoss}: the shared options plus explicit pair weights. */
export interface PairRankingLossOptions extends RankingLossOptions {
  /**
   * Weight per pair: one number for every pair, or one per element of `lossBetter`. Typically
   * {@link RankingPair.weight} from {@link samplePairs}. Default 1. Overrides `weightByGap`, which
   * {@link pairRankingLoss} cannot compute itself and therefore rejects.
   */
  readonly weight?: number | readonly number[];
}

/**
 * Ranking penalty for pairs whose super-net losses were computed separately (one forward pass per
 * landmark path): `penalty(lossBetter - lossWorse)`, element-wise, weighted, then summed (default)
 * or averaged.
 *
 * @param lossBetter super-net loss of the landmark(s) with the higher ground-truth metric; a scalar
 *   or any shape. Not disposed.
 * @param lossWorse same shape as `lossBetter`. Not disposed.
 * @returns a scalar tensor; the caller owns it.
 */
export function pairRankingLoss(lossBetter: tf.Tensor, lossWorse: tf.Tensor, options?: PairRankingLossOptions): tf.Scalar {
  const fn = 'pairRankingLoss';
  const o = resolveOptions(fn, options, ['weight']);
  if (o.weightByGap) {
    throw new InvalidArgumentError(`${fn}: weightByGap needs the ground truth; pass options.weight = pair.weight from samplePairs instead.`);
  }
  for (const [name, t] of [
    ['lossBetter', lossBetter],
    ['lossWorse', lossWorse],
  ] as const) {
    if (typeof t !== 'object' || t === null || !Array.isArray((t as { shape?: unknown }).shape)) {
      throw new InvalidArgumentError(`${fn}: ${name} must be a tf.Tensor (a super-net loss).`);
    }
    if (t.isDisposed) throw new InvalidArgumentError(`${fn}: ${name} has already been disposed.`);
    if (t.dtype !== 'float32') throw new InvalidArgumentError(`${fn}: ${name} must have dtype float32, got ${t.dtype}.`);
  }
  if (lossBetter.shape.join(',') !== lossWorse.shape.join(',')) {
    throw new InvalidArgumentError(
      `${fn}: lossBetter has shape [${lossBetter.shape.join(', ')}] but lossWorse has [${lossWorse.shape.join(', ')}]; they must match.`,
    );
  }
  const weight = options?.weight;
  let weights: number[] | undefined;
  if (weight !== undefined) {
    const list = typeof weight === 'number' ? [weight] : weight;
    if (!Array.isArray(list)) throw new InvalidArgumentError(`${fn}: options.weight must be a number or an array of numbers.`);
    list.forEach((w, i) => {
      if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) {
        throw new InvalidArgumentError(`${fn}: options.weight[${i}] must be a finite number >= 0, got ${String(w)}.`);
      }
    });
    if (typeof weight !== 'number' && list.length !== lossBetter.size) {
      throw new InvalidArgumentError(
        `${fn}: options.weight has ${list.length} entries but there are ${lossBetter.size} pairs; give one weight per pair or a single number.`,
      );
    }
    weights = list.slice();
  }
  return tf.tidy(() => {
    const diff = tf.reshape(tf.sub(lossBetter, lossWorse), [-1]);
    const w = weights === undefined ? undefined : weights.length === 1 ? tf.scalar(weights[0] as number) : tf.tensor1d(weights);
    return reducePairTerms(diff, w, lossBetter.size, o);
  });
}
