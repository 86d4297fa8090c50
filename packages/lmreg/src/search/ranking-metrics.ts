import { kendallTau, sparseKendallTau, spearman } from '@lmreg/metrics';

/** S-KdT (accuracies as fractions, 0.1 % bins), Kendall tau-b and Spearman; NaN when undefined. */
export function rankingMetrics(predicted: readonly number[], groundTruth: readonly number[]): { skdt: number; kendallTau: number; spearman: number } {
  if (predicted.length < 2) return { skdt: NaN, kendallTau: NaN, spearman: NaN };
  return {
    skdt: sparseKendallTau(predicted, groundTruth, { threshold: 1e-3 }),
    kendallTau: kendallTau(predicted, groundTruth),
    spearman: spearman(predicted, groundTruth),
  };
}
