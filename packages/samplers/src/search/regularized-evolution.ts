import type { Proposal } from '../sampler/types.js';
import { evaluateRandom, stallLimit } from './strategy.js';
import type { SearchContext } from './strategy.js';

/** Settings of {@link regularizedEvolution}. */
export interface EvolutionSettings {
  /** Population size P (number of individuals kept alive). */
  readonly population: number;
  /** Tournament (sample) size S: individuals drawn, with replacement, to pick each parent. */
  readonly tournament: number;
}

/**
 * Regularized (aging) evolution, Real et al. 2019, Algorithm 1: P distinct random architectures,
 * then each cycle draws S members with replacement, mutates the fittest of them once
 * (`space.mutate`), appends the child and removes the oldest member. A child that was already
 * evaluated re-enters the population with its recorded fitness and costs no budget. Stops when
 * the budget is spent (or after a long run of only already-seen children).
 */
export async function regularizedEvolution<A>(context: SearchContext<A>, settings: EvolutionSettings): Promise<void> {
  const { space, rng, evaluator } = context;
  await evaluateRandom(context, settings.population);
  const population: Proposal<A>[] = evaluator.history();
  const limit = stallLimit(evaluator.used + evaluator.remaining);
  let stall = 0;
  while (evaluator.remaining > 0 && stall < limit && population.length > 0) {
    let parent = population[rng.int(population.length)] as Proposal<A>;
    for (let i = 1; i < settings.tournament; i++) {
      const candidate = population[rng.int(population.length)] as Proposal<A>;
      if (candidate.fitness > parent.fitness) parent = candidate;
    }
    const child = space.mutate(parent.arch, rng);
    const seen = evaluator.has(child);
    const fitness = await evaluator.evaluate(child);
    stall = seen ? stall + 1 : 0;
    population.push({ arch: child, fitness });
    population.shift();
  }
}
