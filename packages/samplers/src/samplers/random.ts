import { resolveNumberOptions } from '../internal/options.js';
import type { NumberOptionSpec } from '../internal/options.js';
import type { Sampler } from '../sampler/types.js';
import { UniformPathSampler } from '../sampler/uniform-sampler.js';
import { randomSearch } from '../search/strategy.js';

/** Options of the `random` sampler. */
export interface RandomSamplerOptions {
  /** Default budget of `propose`: distinct architectures to evaluate. Default 1000. */
  readonly budget?: number;
}

const SPECS: Readonly<Record<string, NumberOptionSpec>> = {
  budget: { default: 1000, integer: true, min: 1 },
};

/**
 * Creates the `random` sampler: uniform single path while training (every batch an independent
 * `space.sample`); `propose` evaluates `budget` distinct uniformly random architectures and returns
 * them best first (random search, the baseline of Li & Talwalkar 2019 and of NAS-Bench-201).
 * Throws `InvalidArgumentError` on bad options.
 */
export function createRandomSampler<A = unknown>(options: RandomSamplerOptions = {}): Sampler<A> {
  return new UniformPathSampler<A>(
    'random',
    (raw) => resolveNumberOptions('random', SPECS, raw),
    (context) => randomSearch(context),
    options,
  );
}
