import { InvalidArgumentError } from '@lmreg/common';

import { sortIndices } from '../internal/sort.js';
import { tauBUnchecked } from '../internal/tau-b.js';
import type { NumericInput } from '../types.js';
import { isConstant, toPair } from '../internal/validate.js';

/** How {@link sparseKendallTau} pairs the binned ground truth with the predictions. */
export type SparseKendallTauVariant = 'binned-tau-b' | 'released-code';

/** Options of {@link sparseKendallTau}. */
export interface SparseKendallTauOptions {
  /**
   * Bin width, in the units of `groundTruth`. Default `1e-3`, i.e. 0.1 % bins for accuracies given
   * as fractions in [0, 1]. **For accuracies in percent (e.g. NAS-Bench-201's 94.37) pass `0.1`.**
   * Must be a finite number > 0 whose reciprocal is finite.
   */
  readonly threshold?: number;
  /**
   * `'binned-tau-b'` (default): Kendall tau-b between the binned ground truth and the predicted
   * values, item by item, as IMPLEMENTATION-NOTES.md defines S-KdT.
   *
   * `'released-code'`: what `compute_sparse_rank_metric` in the authors' public code
   * (kcyu2014/nas-landmarkreg) returns: tau-b between the binned ground truth sorted ascending and
   * the binned ground truth of the items taken in ascending order of prediction (position k of
   * one list is paired with position k of the other). Use it to reproduce the paper's numbers; on
   * NAS-Bench-201 it is about 0.005 higher than the default. Tied predictions are taken in input
   * order (NumPy's default `argsort` is not stable, so the authors' tie order is unspecified).
   */
  readonly variant?: SparseKendallTauVariant;
}

const VARIANTS: readonly SparseKendallTauVariant[] = ['binned-tau-b', 'released-code'];

/**
 * Sparse Kendall tau (S-KdT) from the Landmark Regularization paper: Kendall tau-b after binning
 * **only the ground truth**, so architectures whose stand-alone accuracies differ by less than
 * `threshold` count as tied instead of as a ranking error.
 *
 * Binning is `bin = Math.floor(groundTruth * (1 / threshold))` in plain float64, with no epsilon:
 * exactly the authors' `p * (1 / threshold) // 1`. Multiplying by the reciprocal (not dividing) is
 * what they do and it matters at bin edges: `0.3` with threshold `0.1` goes to bin 3
 * (`0.3 * 10 === 3`), whereas `0.3 / 0.1 === 2.9999999999999996` would give bin 2. Decimal
 * values exactly on an edge can still fall one bin low (`1.001 * 1000 === 1000.9999999999999`);
 * all 3-decimal fractions in [0, 1) with the default threshold, and all 1-decimal percentages with
 * threshold 0.1, land in their exact bin.
 *
 * Differences from the authors' code, on purpose: they rescale values whose mean lies in (1, 100)
 * from percent to fractions before binning, and use bins of width 1 whenever `threshold >= 1`;
 * here `threshold` is always taken literally in the units of `groundTruth`.
 *
 * @param predicted - Super-net score per architecture (higher = better, e.g. super-net accuracy;
 *   only the order matters, so pass `-loss` for a loss). NaN is refused, ±Infinity allowed.
 * @param groundTruth - Stand-alone accuracy per architecture, same length and order.
 * @param options - `threshold` (bin width, default 1e-3) and `variant` (default `'binned-tau-b'`).
 * @returns S-KdT in [-1, 1]; **NaN when `predicted` is constant or all ground-truth values fall
 *   into one bin** (as {@link kendallTau}).
 * @throws InvalidArgumentError on a non-array, NaN, length mismatch, fewer than 2 items, a
 *   threshold that is not a finite positive number, or an unknown variant.
 */
export function sparseKendallTau(predicted: NumericInput, groundTruth: NumericInput, options: SparseKendallTauOptions = {}): number {
  const fn = 'sparseKendallTau';
  const [pred, truth] = toPair(fn, ['predicted', 'groundTruth'], predicted, groundTruth, {
    minItems: 2,
    allowInfinite: true,
  });
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError(`${fn}: options must be an object like { threshold: 0.1 }, got ${options === null ? 'null' : typeof options}.`);
  }
  const threshold = options.threshold ?? 1e-3;
  const usable = typeof threshold === 'number' && threshold > 0 && Number.isFinite(threshold) && Number.isFinite(1 / threshold);
  if (!usable) {
    throw new InvalidArgumentError(
      `${fn}: threshold must be a finite number > 0 in the units of the ground truth (1e-3 for fractions, 0.1 for percentages), got ${String(threshold)}.`,
    );
  }
  const variant = options.variant ?? 'binned-tau-b';
  if (!VARIANTS.includes(variant)) {
    throw new InvalidArgumentError(`${fn}: unknown variant '${String(variant)}'; use one of ${VARIANTS.map((v) => `'${v}'`).join(', ')}.`);
  }

  const n = truth.length;
  const multiplier = 1 / threshold;
  const bins = new Float64Array(n);
  for (let i = 0; i < n; i++) bins[i] = Math.floor((truth[i] as number) * multiplier);

  if (variant === 'binned-tau-b') return tauBUnchecked(pred, bins);

  // Constant predictions rank nothing; the released code would return an arbitrary value here.
  if (isConstant(pred)) return Number.NaN;
  const byPrediction = sortIndices(n, (i, j) => (pred[i] as number) < (pred[j] as number));
  const binsByPrediction = new Float64Array(n);
  for (let k = 0; k < n; k++) binsByPrediction[k] = bins[byPrediction[k] as number] as number;
  const sortedBins = bins.slice().sort();
  return tauBUnchecked(sortedBins, binsByPrediction);
}
