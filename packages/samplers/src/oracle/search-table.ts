import { createRng, InvalidArgumentError } from '@lmreg/common';
import { getSpace } from '@lmreg/spaces';

import type { Sampler } from '../sampler/types.js';
import type { BenchmarkTable } from './benchmark-table.js';
import { createTabularOracle } from './tabular-oracle.js';

/** Options of {@link searchTable}. */
export interface TableSearchOptions<C extends string> {
  /** Column the search sees as fitness. */
  readonly fitness: C;
  /** Column reported for the chosen architecture. */
  readonly report: C;
  /** Query budget (distinct architectures). */
  readonly budget: number;
  /** Seed of the run (`init({ space, rng: createRng(seed) })`). */
  readonly seed: number;
}

/** Outcome of one {@link searchTable} run. */
export interface TableSearchResult<A> {
  /** Architecture with the best fitness among those evaluated. */
  readonly arch: A;
  /** Its fitness (the `fitness` column). */
  readonly fitness: number;
  /** Its `report` column (e.g. the 200-epoch test accuracy). */
  readonly reported: number;
  /** Distinct architectures the search queried (at most `budget`). */
  readonly queries: number;
}

/**
 * One search of a benchmark table, the NAS-Bench-201 way: `sampler.init` on the table's space (its
 * `searchSpace` when it covers only part of the space) with
 * `createRng(seed)`, `propose` against a {@link createTabularOracle} with `budget` queries, and the
 * best proposal's `report` value. The sampler is re-initialised (its previous state is dropped).
 */
export async function searchTable<A, C extends string>(
  sampler: Sampler<A>,
  table: BenchmarkTable<A, C>,
  options: TableSearchOptions<C>,
): Promise<TableSearchResult<A>> {
  const oracle = createTabularOracle(table, { fitness: options.fitness, report: options.report, budget: options.budget });
  sampler.init({ space: table.searchSpace ?? getSpace<A>(table.space), rng: createRng(options.seed) });
  const [best] = await sampler.propose(oracle.evaluate, options.budget);
  if (best === undefined) {
    throw new InvalidArgumentError(`searchTable: sampler '${sampler.name}' proposed nothing; use a budget of at least 1.`);
  }
  return { arch: best.arch, fitness: best.fitness, reported: oracle.report(best.arch), queries: oracle.queries };
}
