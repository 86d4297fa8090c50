export { kendallTau } from './rank/kendall-tau.js';
export { pearson, spearman } from './rank/pearson.js';
export type { SparseKendallTauOptions, SparseKendallTauVariant } from './rank/sparse-kendall-tau.js';
export { sparseKendallTau } from './rank/sparse-kendall-tau.js';
export { bestRank, precisionAtK } from './rank/top-k.js';
export type { NumericInput } from './types.js';
