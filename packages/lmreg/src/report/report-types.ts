import type { SearchResult } from '../search/search-result.js';

// The plain-JSON shapes of `lmreg report` (ReportData is embedded in the page as is, so numbers
// that may be undefined are `null`, never NaN).

/** One finished search-run folder as read by `readRun`. */
export interface ReportRun {
  /** Absolute path of the folder. */
  readonly dir: string;
  /** Short name shown in the report: the folder's base name (made unique across runs). */
  readonly name: string;
  /** `config.json`: the resolved search config (an empty object when the folder has none). */
  readonly config: Readonly<Record<string, unknown>>;
  /** `result.json`, validated by `searchResultSchema`. */
  readonly result: SearchResult;
  /** CPU seconds (user + system) from the folder's `cpu-time.jsonl`, when it has one. */
  readonly cpuSeconds?: number;
}

/** Mean and sample standard deviation (`std` is `null` for fewer than two values). */
export interface MeanStd {
  readonly mean: number;
  readonly std: number | null;
  readonly n: number;
}

/** S-KdT of one super-net in both variants of the metric, recomputed; `null` where undefined. */
export interface SkdtPair {
  /** `'binned-tau-b'` (the default). */
  readonly binned: number | null;
  /** `'released-code'` (the authors' code). */
  readonly released: number | null;
}

/** One row of the results table: the runs of one (sampler, variant, setting) across seeds. */
export interface ReportGroup {
  /** `sampler | variant | setting`, unique. */
  readonly key: string;
  /** Legend label, e.g. `spos, with landmarks (pairs=3)`. */
  readonly label: string;
  readonly sampler: string;
  /** Search space of the runs (`result.space`). */
  readonly space: string;
  readonly variant: 'baseline' | 'landmarks';
  /** Config fields that differ between the report's runs, e.g. `schedule=constant pairs=3`; `''` when none. */
  readonly setting: string;
  /** Names of the runs in the group (seeds). */
  readonly runs: readonly string[];
  readonly seeds: readonly (number | null)[];
  /** Final S-KdT (as recorded, `'binned-tau-b'`) on the held-out architectures over the runs that have it; `null` when none. */
  readonly skdt: MeanStd | null;
  /** The same with the `'released-code'` variant, recomputed from the held-out accuracies. */
  readonly skdtReleased: MeanStd | null;
  /** Mean noise-ceiling S-KdT of the ground-truth tables the runs used; `null` when none did. */
  readonly noiseCeiling: number | null;
  /** Names of those ground-truth tables. */
  readonly groundTruthTables: readonly string[];
  /** Ground-truth accuracy (fraction) of the architecture each search returns (`search.top[0]`). */
  readonly returned: { readonly mean: number; readonly best: number; readonly n: number } | null;
  /** Best (smallest) 1-based rank of a returned architecture in the ground-truth table. */
  readonly bestRank: number | null;
  /** Mean wall-clock hours of this variant (super-net training + search); `null` when not recorded. */
  readonly variantHours: number | null;
  /** Mean wall-clock hours of the whole runs (all variants and stand-alone training); `null` when not recorded. */
  readonly runHours: number | null;
  /** Mean S-KdT per epoch over the runs (Fig. 3). */
  readonly skdtByEpoch: readonly { readonly epoch: number; readonly mean: number; readonly n: number }[];
  /** Mean landmark weight lambda per epoch. */
  readonly lambdaByEpoch: readonly { readonly epoch: number; readonly mean: number }[];
  /** Held-out architectures of all runs: super-net accuracy (x) vs ground truth (y), fractions (Fig. 1). */
  readonly scatter: readonly { readonly x: number; readonly y: number; readonly arch: string; readonly run: string }[];
}

/** Mean, bootstrap interval and sign test of paired differences (with minus without landmarks). */
export interface PairedSummary {
  /** Number of pairs (seeds). */
  readonly n: number;
  readonly mean: number;
  /** 95 % percentile bootstrap interval of the mean over seeds (10,000 resamples, seeded). */
  readonly low: number;
  readonly high: number;
  /** Pairs where the landmark term raised S-KdT. */
  readonly positive: number;
  /** Pairs with a difference other than zero (the sign test's n). */
  readonly nonZero: number;
  /** Two-sided sign-test p-value. */
  readonly p: number;
}

/** One seed of a paired comparison: a super-net with the landmark term and the same seed's baseline. */
export interface ReportPair {
  readonly seed: number;
  /** Run that trained the super-net with landmarks. */
  readonly run: string;
  /** Run whose baseline super-net it is paired with (the same run when it trained both). */
  readonly baselineRun: string;
  readonly without: SkdtPair;
  readonly with: SkdtPair;
}

/** Paired differences of one method and setting over seeds (issue 17). */
export interface ReportPaired {
  /** `sampler | setting`, unique. */
  readonly key: string;
  /** The method and what its setting changes from the common one, e.g. `spos, every=2`, or just `nao`. */
  readonly label: string;
  readonly sampler: string;
  readonly space: string;
  /** The full setting label (`settingLabels` over all runs of the report). */
  readonly setting: string;
  /** What this setting changes from the common setting of the paired rows (`variationLabels`); `''` for that one. */
  readonly change: string;
  readonly pairs: readonly ReportPair[];
  /** Over the pairs where both super-nets have a defined S-KdT; `null` when none. */
  readonly binned: PairedSummary | null;
  readonly released: PairedSummary | null;
  /** Training passes of the super-net with the landmark term relative to the baseline (`trainingPassRatio`). */
  readonly passes: number | null;
  /**
   * Mean CPU seconds of the runs that trained only this super-net (`--no-baseline`, with a
   * `cpu-time.jsonl`), of the matching baseline-only runs of the paired seeds, and their ratio.
   */
  readonly cpu: {
    readonly withTerm: number;
    readonly runs: number;
    readonly withoutTerm: number | null;
    readonly baselineRuns: number;
    readonly ratio: number | null;
  } | null;
  /** What could not be paired, and duplicate seeds. */
  readonly notes: readonly string[];
}

/** A landmark of a run, as trained alone before the search. */
export interface ReportLandmark {
  readonly run: string;
  readonly arch: string;
  readonly groundTruth: number | null;
  readonly params: number | null;
}

/** A landmark added after a round of the multi-iteration pipeline. */
export interface ReportRoundLandmark {
  readonly run: string;
  readonly setting: string;
  readonly round: number;
  readonly epoch: number | null;
  readonly arch: string;
  readonly supernetAccuracy: number | null;
  readonly groundTruth: number | null;
}

/** One run of the report. */
export interface ReportRunSummary {
  readonly name: string;
  readonly dir: string;
  readonly sampler: string;
  readonly space: string;
  readonly seed: number | null;
  readonly setting: string;
  /** Wall-clock hours of the run; `null` when not recorded. */
  readonly hours: number | null;
  /** CPU seconds from its `cpu-time.jsonl`; `null` when it has none. */
  readonly cpuSeconds: number | null;
  /** S-KdT of each super-net it trained, in both variants (`null`: not trained in this run). */
  readonly skdt: { readonly baseline: SkdtPair | null; readonly landmarks: SkdtPair | null };
}

/** Everything the HTML report shows; plain JSON (it is embedded in the page as is). */
export interface ReportData {
  readonly title: string;
  readonly spaces: readonly string[];
  readonly datasets: readonly string[];
  /** Dotted config paths that differ between the runs (and make up each group's `setting`). */
  readonly settingKeys: readonly string[];
  readonly runs: readonly ReportRunSummary[];
  readonly groups: readonly ReportGroup[];
  /** With minus without landmarks, per method and setting over seeds. */
  readonly paired: readonly ReportPaired[];
  /** The setting most paired rows share (`ReportPaired.change` is relative to it), e.g. `warmupEpochs=1 every=1`; `''` when they all agree. */
  readonly pairedCommon: string;
  readonly landmarks: readonly ReportLandmark[];
  readonly rounds: readonly ReportRoundLandmark[];
}
