import type { RoundRecord as CoreRoundRecord } from '@lmreg/core';

import type { StandaloneResult } from '@lmreg/train';

/** Progress of a long phase, for progress bars. */
export interface SearchProgress {
  readonly phase: 'standalone' | 'supernet';
  /** What is running, e.g. `landmark 3/10` or `landmarks epoch 2/6`. */
  readonly label: string;
  readonly done: number;
  readonly total: number;
}

/** One epoch of super-net training. */
export interface EpochRecord {
  readonly epoch: number;
  readonly loss: number;
  readonly rankingLoss: number;
  readonly lambda: number;
  readonly lr: number;
  /** S-KdT of the super-net on the held-out architectures after this epoch. */
  readonly skdt: number;
  readonly kendallTau: number;
  readonly spearman: number;
  readonly seconds: number;
}

/** One architecture proposed by the sampler's search on the trained super-net. */
export interface ProposedArchitecture {
  readonly arch: string;
  /** Accuracy (fraction) of its path on the super-net over the test subset. */
  readonly supernetAccuracy: number;
  /** Stand-alone accuracy, when known (trained alone in this run, or in the ground-truth table); otherwise absent. */
  readonly groundTruth?: number;
  /** With a ground-truth table: 1-based rank of its ground truth among the table's rows (1 = best). */
  readonly rank?: number;
}

/** The sampler's search on the trained super-net (`sampler.propose`). */
export interface SamplerSearchResult {
  readonly sampler: string;
  /** Distinct architectures evaluated on the super-net. */
  readonly evaluated: number;
  /** The best `search.top` proposals, best first. */
  readonly top: readonly ProposedArchitecture[];
  /** GDAS only: the argmax architecture of the final logits. */
  readonly argmax?: string;
}

/** One round boundary of the multi-iteration pipeline (Algorithm 1, core's `runRounds`): the landmarks it added. */
export interface RoundRecord extends CoreRoundRecord {
  /** Last epoch of that round (0-based, over all rounds). */
  readonly epoch: number;
}

/** Outcome of one super-net variant (with or without the landmark term). */
export interface VariantResult {
  readonly name: 'baseline' | 'landmarks';
  readonly skdt: number;
  readonly kendallTau: number;
  readonly spearman: number;
  /** Super-net accuracy of each held-out architecture (same order as `SearchResult.heldOut`). */
  readonly supernetAccuracy: readonly number[];
  readonly epochs: readonly EpochRecord[];
  /** The held-out architecture the super-net ranks best, and its ground-truth accuracy. */
  readonly best: { readonly arch: string; readonly groundTruth: number; readonly supernetAccuracy: number };
  /** What the sampler's search on this super-net returns. */
  readonly search: SamplerSearchResult;
  /** Round boundaries of the multi-iteration pipeline (empty with `rounds: 1` or without landmarks). */
  readonly rounds: readonly RoundRecord[];
  readonly seconds: number;
}

/** `result.json` of a search run. */
export interface SearchResult {
  readonly space: string;
  readonly dataset: string;
  readonly sampler: string;
  /** The ground-truth table the run drew its architectures from (config `groundTruth`), if any. */
  readonly groundTruth?: {
    readonly name: string;
    readonly dir?: string;
    readonly size: number;
    readonly noiseCeiling: { readonly skdt: number; readonly kendallTau: number; readonly spearman: number; readonly n: number };
  };
  readonly landmarks: readonly StandaloneResult[];
  readonly heldOut: readonly StandaloneResult[];
  readonly variants: readonly VariantResult[];
  readonly backend: string;
  readonly seconds: number;
}
