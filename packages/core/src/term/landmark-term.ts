import { createRngFromState, InvalidArgumentError, type Rng } from '@lmreg/common';
import type { SearchSpace } from '@lmreg/spaces';
import * as tf from '@tensorflow/tfjs-core';

import { LandmarkSet, type Landmark } from '../landmarks/landmark-set.js';
import { checkRankingLossOptions, pairRankingLoss, samplePairs, type RankingLossOptions, type RankingPair } from '../loss/ranking-loss.js';
import type { LambdaSchedule } from '../schedule/lambda-schedule.js';

/** Options of {@link createLandmarkTerm}. */
export interface LandmarkTermOptions<A> {
  /** Space of the landmark architectures (their keys make the set unique). */
  readonly space: SearchSpace<A>;
  /**
   * The initial landmarks (architecture + stand-alone metric, higher = better). Pairs are drawn over
   * the landmarks in the order they were given and added, so that a run is reproducible from its
   * seed; a {@link LandmarkSet} gives its best-first order.
   */
  readonly landmarks: Iterable<Landmark<A>>;
  /** Lambda over training (`createLambdaSchedule`): the term is skipped wherever it is 0. */
  readonly schedule: LambdaSchedule;
  /** Pairs `m` per step (the paper's default is 1); a positive integer. Default 1. */
  readonly pairs?: number;
  /** The term runs on steps with `step % every === 0` only (cheaper settings); a positive integer. Default 1. */
  readonly every?: number;
  /**
   * Per-pair penalty: `{ kind: 'hinge', margin }` (default, margin 0: the paper's Eq. 4) or
   * `{ kind: 'softplus', beta }`. `weightByGap` weights each pair by its normalised metric gap.
   * `reduction` is not an option here: the pair terms are summed, as in Eq. 6.
   */
  readonly loss?: Omit<RankingLossOptions, 'reduction'>;
  /** Seeded generator of the pair draws; the term owns it from here on (its state is in `toJSON`). */
  readonly rng: Rng;
}

/** One landmark pair of a step, as architectures and as indices into the term's landmark order. */
export interface LandmarkPair<A> extends RankingPair {
  readonly betterArchitecture: A;
  readonly worseArchitecture: A;
}

/** The landmark term of one training step, as returned by {@link LandmarkTerm.at}. */
export interface LandmarkTermStep<A> {
  /** Lambda at this step (> 0). */
  readonly lambda: number;
  /** The sampled pairs (`m` of them), better landmark first. */
  readonly pairs: readonly LandmarkPair<A>[];
  /**
   * `lambda * sum over pairs of penalty(lossOf(better) - lossOf(worse))` (Eq. 6). `lossOf` gives a
   * landmark's super-net loss on the step's ranking batch; it is called twice per pair, better
   * then worse, pair by pair, and may be called inside `tf.grad`/`optimizer.minimize`. The scalar
   * returned belongs to the caller; tensors returned by `lossOf` are not disposed here (run this
   * inside a `tf.tidy` or a gradient closure).
   */
  loss(lossOf: (architecture: A) => tf.Scalar): tf.Scalar;
}

/** JSON state of a {@link LandmarkTerm}: everything a resumed run needs to continue identically. */
export interface LandmarkTermState {
  readonly format: 'lmreg-landmark-term';
  readonly version: 1;
  /** Landmarks in pair order: `[space.format(arch), metric]`. */
  readonly landmarks: readonly (readonly [string, number])[];
  /** `Rng.state()` of the pair draws. */
  readonly rng: readonly number[];
}

/** The landmark ranking term of a super-net training run (see {@link createLandmarkTerm}). */
export interface LandmarkTerm<A> {
  /** The landmarks as a set (unique by key, best first); a fresh copy. */
  readonly landmarks: LandmarkSet<A>;
  /** The landmarks in pair order (initial ones, then those added). */
  readonly ordered: readonly Landmark<A>[];
  /** Number of landmarks. */
  readonly size: number;
  /** Lambda at `(epoch, step)` whether or not this step runs the term. */
  lambda(epoch: number, step: number): number;
  /**
   * The term at `(epoch, step)`: undefined when lambda is 0 there, when the step is skipped
   * (`step % every !== 0`), or when no two landmarks have different metrics. Otherwise draws `m`
   * pairs (advancing the generator) and returns them with their loss builder. Call it once per step.
   */
  at(epoch: number, step: number): LandmarkTermStep<A> | undefined;
  /** Adds a landmark (e.g. the top-M of a round of Algorithm 1). Returns false for a key already present. */
  add(landmark: Landmark<A>): boolean;
  /** JSON state (landmarks in order and generator state). */
  toJSON(): LandmarkTermState;
}

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new InvalidArgumentError(`createLandmarkTerm: ${name} must be a positive integer, got ${String(value)}.`);
  }
  return value;
}

/**
 * The landmark regularization term (Yu et al. 2021, Eq. 6) of one super-net training run: at each
 * step where lambda > 0 (and `step % every === 0`) it draws `m` landmark pairs without bias
 * (`samplePairs`) and builds `lambda * sum penalty(L_better - L_worse)` from a function that gives a
 * landmark's loss on the ranking batch. The caller runs only the two paths each pair needs.
 *
 * Its state (landmarks in order, generator) round-trips through `toJSON` and
 * {@link restoreLandmarkTerm}, so a resumed run draws the same pairs as an uninterrupted one.
 *
 * @throws InvalidArgumentError on a bad option or landmark (non-finite metric, wrong space).
 */
export function createLandmarkTerm<A>(options: LandmarkTermOptions<A>): LandmarkTerm<A> {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('createLandmarkTerm: options must be an object.');
  const { space, schedule } = options;
  if (typeof schedule !== 'object' || schedule === null || typeof schedule.value !== 'function') {
    throw new InvalidArgumentError('createLandmarkTerm: schedule must be a LambdaSchedule from createLambdaSchedule(...).');
  }
  const pairCount = positiveInteger('pairs', options.pairs, 1);
  const every = positiveInteger('every', options.every, 1);
  const lossOptions = options.loss ?? {};
  if ('reduction' in lossOptions) {
    throw new InvalidArgumentError('createLandmarkTerm: loss.reduction is not an option; the pair terms are summed (Eq. 6). Remove it.');
  }
  const weightByGap = lossOptions.weightByGap === true;
  const { weightByGap: _ignored, ...penalty } = lossOptions;
  void _ignored;
  checkRankingLossOptions('createLandmarkTerm: loss', penalty); // fail now, not at the first step
  if (typeof options.rng !== 'object' || options.rng === null || typeof options.rng.state !== 'function') {
    throw new InvalidArgumentError('createLandmarkTerm: rng must be an Rng from createRng(seed).');
  }
  let rng = options.rng;
  const set = new LandmarkSet<A>(space);
  const ordered: Landmark<A>[] = [];
  const add = (landmark: Landmark<A>): boolean => {
    if (!set.add(landmark)) return false;
    ordered.push(set.get(landmark.architecture) as Landmark<A>);
    return true;
  };
  for (const l of options.landmarks) add(l);

  const term: LandmarkTerm<A> & { restore(state: LandmarkTermState): void } = {
    get landmarks() {
      return new LandmarkSet<A>(space, set.landmarks);
    },
    get ordered() {
      return ordered.slice();
    },
    get size() {
      return ordered.length;
    },
    lambda: (epoch, step) => schedule.value(epoch, step),
    at(epoch, step) {
      if (!schedule.isActive(epoch, step) || step % every !== 0) return undefined;
      const lambda = schedule.value(epoch, step);
      const metrics = ordered.map((l) => l.metric);
      const drawn = samplePairs(metrics, pairCount, rng);
      if (drawn.length === 0) return undefined;
      const pairs = drawn.map((p) => ({
        ...p,
        betterArchitecture: (ordered[p.better] as Landmark<A>).architecture,
        worseArchitecture: (ordered[p.worse] as Landmark<A>).architecture,
      }));
      return {
        lambda,
        pairs,
        loss(lossOf) {
          let total: tf.Scalar = tf.scalar(0);
          for (const p of pairs) {
            const lb = lossOf(p.betterArchitecture);
            const lw = lossOf(p.worseArchitecture);
            total = tf.add(total, pairRankingLoss(lb, lw, weightByGap ? { ...penalty, weight: p.weight } : penalty));
          }
          return tf.mul(total, lambda);
        },
      };
    },
    add,
    toJSON: () => ({
      format: 'lmreg-landmark-term',
      version: 1,
      landmarks: ordered.map((l) => [space.format(l.architecture), l.metric] as const),
      rng: rng.state(),
    }),
    restore(state) {
      rng = createRngFromState([...state.rng]);
      for (const [arch, metric] of state.landmarks.slice(ordered.length)) add({ architecture: space.parse(arch), metric });
    },
  };
  return term;
}

/**
 * Restores a term's state from {@link LandmarkTerm.toJSON} into a term made with the same options
 * (the same initial landmarks): the generator continues where it was and the landmarks added since
 * are added again, in order. Returns the term.
 *
 * @throws InvalidArgumentError when the state is malformed or its first landmarks differ from the term's.
 */
export function restoreLandmarkTerm<A>(term: LandmarkTerm<A>, state: unknown): LandmarkTerm<A> {
  const s = state as Partial<LandmarkTermState> | null;
  if (
    typeof s !== 'object' ||
    s === null ||
    s.format !== 'lmreg-landmark-term' ||
    s.version !== 1 ||
    !Array.isArray(s.landmarks) ||
    !Array.isArray(s.rng) ||
    !s.landmarks.every((l) => Array.isArray(l) && l.length === 2 && typeof l[0] === 'string' && typeof l[1] === 'number')
  ) {
    throw new InvalidArgumentError("restoreLandmarkTerm: not a landmark-term state (expected { format: 'lmreg-landmark-term', version: 1, landmarks, rng }).");
  }
  const mine = term.toJSON().landmarks;
  if (s.landmarks.length < mine.length || mine.some(([a, m], i) => s.landmarks?.[i]?.[0] !== a || s.landmarks[i]?.[1] !== m)) {
    throw new InvalidArgumentError(
      'restoreLandmarkTerm: the saved state starts with other landmarks than this term; restore into a term created with the same initial landmarks.',
    );
  }
  (term as LandmarkTerm<A> & { restore(state: LandmarkTermState): void }).restore(s as LandmarkTermState);
  return term;
}
