import { sparseKendallTau, type SparseKendallTauVariant } from '@lmreg/metrics';

/** S-KdT in both of @lmreg/metrics' variants; NaN where it is undefined. */
export interface SkdtVariants {
  /** `'binned-tau-b'`, the default (what `lmreg search` records as `skdt`). */
  readonly binned: number;
  /** `'released-code'`: what the authors' code computes. */
  readonly released: number;
}

/** The bin width of S-KdT for accuracies given as fractions (0.1 %), as `lmreg search` uses. */
export const SKDT_THRESHOLD = 1e-3;

function one(predicted: readonly number[], truth: readonly number[], variant: SparseKendallTauVariant): number {
  const usable = predicted.length >= 2 && predicted.length === truth.length && [...predicted, ...truth].every((x) => !Number.isNaN(x));
  return usable ? sparseKendallTau(predicted, truth, { threshold: SKDT_THRESHOLD, variant }) : Number.NaN;
}

/**
 * S-KdT of a super-net on the held-out architectures, recomputed from their super-net accuracies
 * and ground truth (fractions, 0.1 % bins) in both variants: `'binned-tau-b'` and
 * `'released-code'` (see `sparseKendallTau` of @lmreg/metrics). NaN, instead of an error, when the
 * metric is undefined: fewer than two architectures, different lengths, a NaN accuracy (a diverged
 * super-net), constant predictions or one ground-truth bin.
 */
export function skdtVariants(supernetAccuracy: readonly number[], groundTruth: readonly number[]): SkdtVariants {
  return { binned: one(supernetAccuracy, groundTruth, 'binned-tau-b'), released: one(supernetAccuracy, groundTruth, 'released-code') };
}
