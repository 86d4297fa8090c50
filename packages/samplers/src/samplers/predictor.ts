import { resolveNumberOptions } from '../internal/options.js';
import type { NumberOptionSpec } from '../internal/options.js';
import type { Sampler } from '../sampler/types.js';
import { UniformPathSampler } from '../sampler/uniform-sampler.js';
import { predictorSearch } from '../search/predictor-search.js';
import type { PredictorSettings } from '../search/predictor-search.js';

/** Options of the `predictor` sampler. */
export interface PredictorSamplerOptions {
  /** Default budget of `propose`: distinct architectures to evaluate. Default 1000. */
  readonly budget?: number;
  /** Random architectures evaluated before the first fit. Default 10. */
  readonly initial?: number;
  /** Architectures evaluated per round. Default 10. */
  readonly batch?: number;
  /** Best evaluated architectures whose mutations are candidates. Default 5. */
  readonly parents?: number;
  /** Mutated candidates per parent per round. Default 20. */
  readonly mutations?: number;
  /** Random candidates per round. Default 20. */
  readonly randomCandidates?: number;
  /** Ridge penalty on standardised fitness. Default 0.1. */
  readonly lambda?: number;
}

const SPECS: Readonly<Record<string, NumberOptionSpec>> = {
  budget: { default: 1000, integer: true, min: 1 },
  initial: { default: 10, integer: true, min: 1 },
  batch: { default: 10, integer: true, min: 1 },
  parents: { default: 5, integer: true, min: 1 },
  mutations: { default: 20, integer: true, min: 0 },
  randomCandidates: { default: 20, integer: true, min: 0 },
  lambda: { default: 0.1, integer: false, min: 0, exclusiveMin: true },
};

/**
 * Creates the `predictor` sampler: uniform single path while training; `propose` runs a
 * predictor-guided search (NAO-style, for cheap fitness such as a table or a super-net): after
 * `initial` random architectures, each round fits kernel ridge regression on the encodings of all
 * evaluated architectures (one-hot op features plus pairwise interactions) and evaluates the
 * `batch` best-predicted unevaluated candidates among one- and two-step mutations of the `parents`
 * best architectures and `randomCandidates` random ones. Not the NAO of Luo et al. (no
 * encoder/decoder); that one needs a super-net. Throws `InvalidArgumentError` on bad options.
 */
export function createPredictorSampler<A = unknown>(options: PredictorSamplerOptions = {}): Sampler<A> {
  return new UniformPathSampler<A>(
    'predictor',
    (raw) => resolveNumberOptions('predictor', SPECS, raw),
    (context, o) => predictorSearch(context, o as unknown as PredictorSettings),
    options,
  );
}
