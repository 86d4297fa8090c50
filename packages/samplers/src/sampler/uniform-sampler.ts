import { createRng, createRngFromState, InvalidArchitectureError, InvalidArgumentError } from '@lmreg/common';
import type { SearchSpace } from '@lmreg/spaces';

import { BudgetedEvaluator } from '../internal/budgeted-evaluator.js';
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
    const bad = (what: string): never => {
      throw new InvalidArgumentError(`${this.name}.loadState: ${what}; pass the unmodified JSON from sampler.state().`);
    };
    const s: unknown = state;
    if (s === null || typeof s !== 'object' || Array.isArray(s)) bad('the state must be an object');
    const o = s as Record<string, unknown>;
    if (o['format'] !== 'lmreg-sampler-state') bad(`'format' must be 'lmreg-sampler-state', got ${JSON.stringify(o['format'])}`);
    if (o['version'] !== 1) bad(`unsupported state version ${JSON.stringify(o['version'])} (this version reads 1)`);
    if (o['sampler'] !== this.name) bad(`the state was written by sampler ${JSON.stringify(o['sampler'])}, not '${this.name}'; load it into getSampler(${JSON.stringify(o['sampler'])})`);
    if (o['space'] !== bound.space.name) bad(`the state is for space ${JSON.stringify(o['space'])} but init used '${bound.space.name}'; call init with that space first`);
    let options: Record<string, number>;
    try {
      options = this.#resolve(o['options']);
    } catch (error) {
      throw new InvalidArgumentError(`${this.name}.loadState: bad 'options': ${(error as Error).message}`, { cause: error });
    }
    const pathSeed = o['pathSeed'];
    if (!Number.isSafeInteger(pathSeed)) bad(`'pathSeed' must be an integer, got ${JSON.stringify(pathSeed)}`);
    const searchRng = o['searchRng'];
    if (!Array.isArray(searchRng) || searchRng.length !== 4 || !searchRng.every((x) => Number.isInteger(x))) {
      bad(`'searchRng' must be the 4 integers of Rng.state(), got ${JSON.stringify(searchRng)}`);
    }
    const evaluated = o['evaluated'];
    if (!Array.isArray(evaluated)) bad(`'evaluated' must be an array of [arch, fitness] pairs`);
    const records = new Map<string, number>();
    const order: [string, number][] = [];
    (evaluated as unknown[]).forEach((entry, i) => {
      if (!Array.isArray(entry) || entry.length !== 2 || typeof entry[0] !== 'string' || typeof entry[1] !== 'number' || !Number.isFinite(entry[1])) {
        bad(`'evaluated[${i}]' must be [formatted architecture, finite fitness], got ${JSON.stringify(entry)}`);
      }
      const [text, fitness] = entry as [string, number];
      let key: string;
      try {
        key = bound.space.format(bound.space.parse(text));
      } catch (error) {
        if (!(error instanceof InvalidArchitectureError)) throw error;
        throw new InvalidArgumentError(`${this.name}.loadState: 'evaluated[${i}]' is not an architecture of '${bound.space.name}': ${error.message}`, {
          cause: error,
        });
      }
      if (records.has(key)) bad(`'evaluated' lists ${key} twice`);
      records.set(key, fitness);
      order.push([key, fitness]);
    });
    this.#options = options;
    this.#bound = { space: bound.space, pathSeed: pathSeed as number, searchRng: [...(searchRng as number[])], records, order };
  }
}
