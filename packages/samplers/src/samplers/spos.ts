import { InvalidArgumentError } from '@lmreg/common';

import { resolveNumberOptions } from '../internal/options.js';
import type { NumberOptionSpec } from '../internal/options.js';
import type { Sampler } from '../sampler/types.js';
import { UniformPathSampler } from '../sampler/uniform-sampler.js';
import { regularizedEvolution } from '../search/regularized-evolution.js';

/** Options of the `spos` sampler. */
export interface SposSamplerOptions {
  /** Default budget of `propose`: distinct architectures to evaluate. Default 1000. */
  readonly budget?: number;
  /** Population size of the aging evolution. Default 50. */
  readonly population?: number;
  /** Tournament size (members drawn with replacement to choose each parent). Default 10. */
  readonly tournament?: number;
}

const SPECS: Readonly<Record<string, NumberOptionSpec>> = {
  budget: { default: 1000, integer: true, min: 1 },
  population: { default: 50, integer: true, min: 1 },
  tournament: { default: 10, integer: true, min: 1 },
};

function resolve(raw: unknown): Record<string, number> {
  const options = resolveNumberOptions('spos', SPECS, raw);
  if ((options['tournament'] as number) > (options['population'] as number)) {
    throw new InvalidArgumentError(
      `option 'tournament' of sampler 'spos' (${options['tournament']}) must not exceed 'population' (${options['population']}); lower the tournament or raise the population.`,
    );
  }
  return options;
}

/**
 * Creates the `spos` sampler (Single Path One-Shot, Guo et al. 2020, as set up in the Landmark
 * Regularization paper): uniform single path while training; `propose` runs regularized (aging)
 * evolution on the fitness: `population` random architectures, then each cycle a tournament of
 * `tournament` members (drawn with replacement), one `space.mutate` of the winner, the child
 * replaces the oldest member; `budget` distinct evaluations in all. Defaults: population 50,
 * tournament 10, budget 1000. For a 100-query tabular search, NAS-Bench-201's REA setting is
 * `{ population: 10, tournament: 3 }`. Throws `InvalidArgumentError` on bad options.
 */
export function createSposSampler<A = unknown>(options: SposSamplerOptions = {}): Sampler<A> {
  return new UniformPathSampler<A>(
    'spos',
    resolve,
    (context, o) => regularizedEvolution(context, { population: o['population'] as number, tournament: o['tournament'] as number }),
    options,
  );
}
