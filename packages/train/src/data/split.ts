import type { Rng } from '@lmreg/common';
import { createRng, InvalidArgumentError } from '@lmreg/common';

import type { Dataset, DatasetSplit } from './types.js';

/**
 * Returns the rows `indices` of `split`, in that order, as a new split (copies the data).
 *
 * @throws InvalidArgumentError when an index is out of range.
 */
export function selectRows(split: DatasetSplit, indices: ArrayLike<number>): DatasetSplit {
  const size = split.height * split.width * split.channels;
  const images = new Float32Array(indices.length * size);
  const labels = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const row = indices[i] ?? -1;
    if (!Number.isInteger(row) || row < 0 || row >= split.n) {
      throw new InvalidArgumentError(`selectRows: index ${String(row)} is outside 0..${split.n - 1}.`);
    }
    images.set(split.images.subarray(row * size, (row + 1) * size), i * size);
    labels[i] = split.labels[row] ?? 0;
  }
  return { images, labels, n: indices.length, height: split.height, width: split.width, channels: split.channels };
}

/**
 * Chooses `target` of `labels.length` rows. Without stratification: the first `target` of a seeded
 * shuffle (or of `0..n-1` when `rng` is undefined). With stratification, each class gives
 * `floor(share)` rows plus one more for the classes with the largest remainders, so every class
 * keeps its proportion to within one row. Both halves come back sorted ascending.
 */
function choose(
  labels: Int32Array,
  target: number,
  rng: Rng | undefined,
  stratify: boolean,
): { chosen: Int32Array; rest: Int32Array } {
  const n = labels.length;
  const order = (items: number[]): number[] => (rng === undefined ? items : rng.shuffle(items));
  const picked = new Uint8Array(n);
  if (!stratify) {
    const all = order(Array.from({ length: n }, (_, i) => i));
    for (let i = 0; i < target; i++) picked[all[i] ?? 0] = 1;
  } else {
    const byClass = new Map<number, number[]>();
    for (let i = 0; i < n; i++) {
      const c = labels[i] ?? 0;
      const list = byClass.get(c);
      if (list === undefined) byClass.set(c, [i]);
      else list.push(i);
    }
    const classes = [...byClass.keys()].sort((a, b) => a - b);
    // Exact integer arithmetic: class c's share is target * size_c / n.
    const quota = new Map<number, number>();
    let given = 0;
    for (const c of classes) {
      const q = Math.floor((target * (byClass.get(c)?.length ?? 0)) / n);
      quota.set(c, q);
      given += q;
    }
    const byRemainder = classes
      .map((c) => ({ c, r: (target * (byClass.get(c)?.length ?? 0)) % n }))
      .sort((a, b) => b.r - a.r || a.c - b.c);
    for (let k = 0; given < target && k < byRemainder.length; k++) {
      const c = (byRemainder[k] as { c: number }).c;
      quota.set(c, (quota.get(c) ?? 0) + 1);
      given++;
    }
    for (const c of classes) {
      const rows = order(byClass.get(c) ?? []);
      const q = Math.min(quota.get(c) ?? 0, rows.length);
      for (let i = 0; i < q; i++) picked[rows[i] ?? 0] = 1;
    }
  }
  const chosen: number[] = [];
  const rest: number[] = [];
  for (let i = 0; i < n; i++) (picked[i] === 1 ? chosen : rest).push(i);
  return { chosen: Int32Array.from(chosen), rest: Int32Array.from(rest) };
}

/** Options of {@link splitTrain}. */
export interface SplitTrainOptions {
  /** Share of the rows that train the super-net, in (0, 1); default 0.5 (the authors' 50/50 split). */
  readonly fraction?: number;
  /** Seed of the shuffle. */
  readonly seed: number;
  /** Keep each class's proportion in both halves (to within one row). Default false. */
  readonly stratify?: boolean;
  /**
   * Shuffle before splitting (default true). `false` reproduces the authors' code exactly: the
   * first `floor(fraction * n)` rows train the super-net, the rest feed the ranking loss.
   */
  readonly shuffle?: boolean;
}

/** The two disjoint halves of a train split, and which original rows went where (ascending). */
export interface TrainSplit {
  /** Rows that train the super-net weights. */
  readonly supernet: DatasetSplit;
  /** Rows that feed the landmark ranking loss (and architecture steps, e.g. GDAS). */
  readonly ranking: DatasetSplit;
  readonly supernetIndices: Int32Array;
  readonly rankingIndices: Int32Array;
}

/**
 * Splits a train split (or a data set's `train`) into a super-net half and a ranking half, as the
 * authors do with CIFAR-10: `floor(fraction * n)` rows for the super-net, the rest for ranking.
 * Deterministic for a given seed; the halves are disjoint and cover every row.
 *
 * @throws InvalidArgumentError when `fraction` is not in (0, 1) or `seed` is not an integer.
 */
export function splitTrain(source: Dataset | DatasetSplit, options: SplitTrainOptions): TrainSplit {
  const split = 'train' in source ? source.train : source;
  const fraction = options.fraction ?? 0.5;
  if (!(fraction > 0 && fraction < 1)) {
    throw new InvalidArgumentError(`splitTrain: fraction must be in (0, 1), got ${String(fraction)}.`);
  }
  const rng = (options.shuffle ?? true) ? createRng(options.seed) : undefined;
  const { chosen, rest } = choose(split.labels, Math.floor(fraction * split.n), rng, options.stratify ?? false);
  return {
    supernet: selectRows(split, chosen),
    ranking: selectRows(split, rest),
    supernetIndices: chosen,
    rankingIndices: rest,
  };
}

/**
 * A seeded random subset of `n` rows of `split` (kept in their original order), for small-scale
 * runs. With `stratify`, each class keeps its proportion to within one row.
 *
 * @throws InvalidArgumentError when `n` is not an integer in `0 .. split.n`.
 */
export function takeSubset(
  split: DatasetSplit,
  n: number,
  seed: number,
  options: { readonly stratify?: boolean } = {},
): DatasetSplit {
  if (!Number.isSafeInteger(n) || n < 0 || n > split.n) {
    throw new InvalidArgumentError(`takeSubset: n must be an integer in 0..${split.n}, got ${String(n)}.`);
  }
  const { chosen } = choose(split.labels, n, createRng(seed), options.stratify ?? false);
  return selectRows(split, chosen);
}
