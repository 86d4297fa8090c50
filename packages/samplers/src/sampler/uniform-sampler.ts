import { createRng, createRngFromState, InvalidArgumentError } from '@lmreg/common';
import type { SearchSpace } from '@lmreg/spaces';

import { BudgetedEvaluator } from '../internal/budgeted-evaluator.js';
import { readSamplerState } from '../internal/sampler-state.js';
import { mixSeed } from '../internal/hash.js';
import type { SearchContext } from '../search/strategy.js';
import { SamplerLifecycleError } from './errors.js';
import type { Evaluate, Proposal, Sampler, SamplerInit, SamplerState } from './types.js';

/** Search run by a uniform sampler after training, with its resolved numeric options. */
export type UniformSearch = <A>(context: SearchContext<A>, options: Readonly<Record<string, number>>) => Promise<void>;

interface Bound<A> {
  readonly space: SearchSpace<A>;
  pathSeed: number;
  searchRng: number[];
  readonly records: Map<string, number>;
  readonly order: [string, number][];
}

/**
 * A sampler that trains with a uniform single path (`pathForBatch` draws `space.sample` from a
 * per-step seed) and searches with `search` afterwards. Shared implementation of `random`, `spos`
 * and `predictor`.
 */
export class UniformPathSampler<A> implements Sampler<A> {
  readonly name: string;
  #options: Record<string, number>;
  readonly #resolve: (raw: unknown) => Record<string, number>;
  readonly #search: UniformSearch;
  #bound: Bound<A> | undefined;

  constructor(name: string, resolve: (raw: unknown) => Record<string, number>, search: UniformSearch, options: unknown) {
    this.name = name;
    this.#resolve = resolve;
    this.#search = search;
    this.#options = resolve(options);
  }

  /** The resolved options (defaults filled in). */
  get options(): Readonly<Record<string, number>> {
    return { ...this.#options };
  }

  init({ space, rng }: SamplerInit<A>): void {
    if (space === null || typeof space !== 'object' || typeof space.sample !== 'function' || typeof space.format !== 'function') {
      throw new InvalidArgumentError(`${this.name}.init needs { space, rng } with a SearchSpace from @lmreg/spaces (e.g. getSpace('nb201')).`);
    }
    if (rng === null || typeof rng !== 'object' || typeof rng.int !== 'function' || typeof rng.fork !== 'function') {
      throw new InvalidArgumentError(`${this.name}.init needs { space, rng } with an Rng from createRng(seed) of @lmreg/common.`);
    }
    const pathSeed = rng.int(0x7fffffff);
    const searchRng = rng.fork().state();
    this.#bound = { space, pathSeed, searchRng, records: new Map(), order: [] };
  }

  #require(method: string): Bound<A> {
    if (this.#bound === undefined) {
      throw new SamplerLifecycleError(`${this.name}.${method} was called before init; call sampler.init({ space, rng }) first.`);
    }
    return this.#bound;
  }

  pathForBatch(step: number): A {
    const bound = this.#require('pathForBatch');
    if (!Number.isSafeInteger(step) || step < 0) {
      throw new InvalidArgumentError(`${this.name}.pathForBatch(step) needs a non-negative integer step, got ${String(step)}.`);
    }
    return bound.space.sample(createRng(mixSeed(bound.pathSeed, step)));
  }

  async propose(evaluate: Evaluate<A>, budget?: number): Promise<Proposal<A>[]> {
    const bound = this.#require('propose');
    if (typeof evaluate !== 'function') {
      throw new InvalidArgumentError(`${this.name}.propose needs an evaluate(arch) function returning the fitness (a number or a Promise of one).`);
    }
    const requested = budget ?? (this.#options['budget'] as number);
    if (!Number.isSafeInteger(requested) || requested < 1) {
      throw new InvalidArgumentError(`${this.name}.propose budget must be a positive integer (distinct architectures to evaluate), got ${String(requested)}.`);
    }
    const effective = bound.space.size < BigInt(requested) ? Number(bound.space.size) : requested;
    const evaluator = new BudgetedEvaluator(bound.space, evaluate, effective, bound.records, (key, fitness) => {
      bound.order.push([key, fitness]);
    });
    await this.#search({ space: bound.space, rng: createRngFromState(bound.searchRng), evaluator }, this.#options);
    return evaluator.ranked();
  }

  state(): SamplerState {
    const bound = this.#require('state');
    return {
      format: 'lmreg-sampler-state',
      version: 1,
      sampler: this.name,
      space: bound.space.name,
      options: { ...this.#options },
      pathSeed: bound.pathSeed,
      searchRng: [...bound.searchRng],
      evaluated: bound.order.map(([arch, fitness]) => [arch, fitness] as const),
    };
  }

  loadState(state: SamplerState): void {
    const bound = this.#require('loadState');
    const { options, pathSeed, searchRng, records, order } = readSamplerState(this.name, bound.space, state, (raw) => this.#resolve(raw));
    this.#options = options;
    this.#bound = { space: bound.space, pathSeed, searchRng, records, order };
  }
}
