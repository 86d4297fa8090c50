import { InvalidArgumentError, LmregError } from '@lmreg/common';
import type { SearchSpace } from '@lmreg/spaces';

import type { Evaluate, Proposal } from '../sampler/types.js';

/**
 * The fitness as a search strategy sees it: caches by `space.format`, charges each distinct
 * architecture once against the budget, replays fitness values recorded in a saved state without
 * calling the user's `evaluate`, and records new ones.
 */
export class BudgetedEvaluator<A> {
  readonly #space: SearchSpace<A>;
  readonly #evaluate: Evaluate<A>;
  readonly #budget: number;
  /** Every evaluation the sampler knows (this run and saved ones), shared with the sampler. */
  readonly #records: Map<string, number>;
  readonly #onRecord: (key: string, fitness: number) => void;
  /** Architectures this search run has touched, in order. */
  readonly #touched = new Map<string, Proposal<A>>();

  constructor(space: SearchSpace<A>, evaluate: Evaluate<A>, budget: number, records: Map<string, number>, onRecord: (key: string, fitness: number) => void) {
    this.#space = space;
    this.#evaluate = evaluate;
    this.#budget = budget;
    this.#records = records;
    this.#onRecord = onRecord;
  }

  /** Distinct architectures this run may still evaluate. */
  get remaining(): number {
    return this.#budget - this.#touched.size;
  }

  /** Number of distinct architectures this run has evaluated. */
  get used(): number {
    return this.#touched.size;
  }

  /** True when this run already evaluated `arch` (evaluating it again is free). */
  has(arch: A): boolean {
    return this.#touched.has(this.#space.format(arch));
  }

  /** Fitness of `arch`: cached, replayed from the saved state, or from the user's `evaluate`. */
  async evaluate(arch: A): Promise<number> {
    const key = this.#space.format(arch);
    const known = this.#touched.get(key);
    if (known !== undefined) return known.fitness;
    if (this.remaining <= 0) {
      throw new LmregError('LMREG_INTERNAL', `search strategy evaluated beyond its budget of ${this.#budget}; this is a bug in @lmreg/samplers.`);
    }
    let fitness = this.#records.get(key);
    if (fitness === undefined) {
      const value: unknown = await this.#evaluate(arch);
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw new InvalidArgumentError(
          `evaluate returned ${String(value)} for ${key}; the fitness must be a finite number (e.g. an accuracy in percent), higher is better.`,
        );
      }
      fitness = value;
      this.#records.set(key, fitness);
      this.#onRecord(key, fitness);
    }
    this.#touched.set(key, { arch, fitness });
    return fitness;
  }

  /** Everything this run evaluated, best fitness first, ties in evaluation order. */
  ranked(): Proposal<A>[] {
    return [...this.#touched.values()]
      .map((p, order) => ({ p, order }))
      .sort((x, y) => y.p.fitness - x.p.fitness || x.order - y.order)
      .map(({ p }) => p);
  }

  /** Everything this run evaluated, in evaluation order. */
  history(): Proposal<A>[] {
    return [...this.#touched.values()];
  }
}
