import { InvalidArgumentError } from '@lmreg/common';

import { BudgetExhaustedError } from '../sampler/errors.js';
import type { BenchmarkTable } from './benchmark-table.js';

/** Options of {@link createTabularOracle}. */
export interface TabularOracleOptions<C extends string> {
  /** Column the search sees as fitness, e.g. `'cifar10valid_val_12'`. */
  readonly fitness: C;
  /** Column reported for the final architecture, e.g. `'cifar10_test_200'`. */
  readonly report: C;
  /** Distinct architectures `evaluate` may be asked about; unlimited when absent. */
  readonly budget?: number;
}

/**
 * A table used as a search's fitness, counting queries the way NAS benchmarks count them: every
 * distinct architecture passed to `evaluate` is one query; asking again is free.
 */
export interface TabularOracle<A> {
  /**
   * Fitness of `arch` (the `fitness` column). A bound function: pass it straight to
   * `sampler.propose(oracle.evaluate)`. Throws `BudgetExhaustedError` when a new architecture
   * would exceed the budget.
   */
  readonly evaluate: (arch: A) => number;
  /** The `report` column of `arch` (e.g. the final test accuracy). Not a query: costs nothing. */
  report(arch: A): number;
  /** Distinct architectures queried through `evaluate` so far. */
  readonly queries: number;
  /** The query budget, or `undefined` when unlimited. */
  readonly budget: number | undefined;
  /** Forgets all queries (the count restarts at 0). */
  reset(): void;
}

function checkColumn<C extends string>(table: BenchmarkTable<unknown, C>, role: string, column: unknown): C {
  if (typeof column !== 'string' || !table.columns.includes(column as C)) {
    throw new InvalidArgumentError(
      `createTabularOracle: '${role}' must be a column of table '${table.name}' (${table.columns.join(', ')}), got ${String(column)}.`,
    );
  }
  return column as C;
}

/**
 * A query-counting fitness on a benchmark table, so a sampler can search the table instead of a
 * super-net. Example: `createTabularOracle(nb201Table, { fitness: 'cifar10valid_val_12', report:
 * 'cifar10_test_200', budget: 100 })`. Throws `InvalidArgumentError` on an unknown column or a bad
 * budget.
 */
export function createTabularOracle<A, C extends string>(table: BenchmarkTable<A, C>, options: TabularOracleOptions<C>): TabularOracle<A> {
  if (table === null || typeof table !== 'object' || typeof table.rowOf !== 'function' || typeof table.value !== 'function') {
    throw new InvalidArgumentError('createTabularOracle needs a BenchmarkTable, e.g. nb201Table from @lmreg/samplers/nb201-table.');
  }
  const fitness = checkColumn(table, 'fitness', options?.fitness);
  const report = checkColumn(table, 'report', options.report);
  const budget = options.budget;
  if (budget !== undefined && (!Number.isSafeInteger(budget) || budget < 1)) {
    throw new InvalidArgumentError(`createTabularOracle: 'budget' must be a positive integer (distinct architectures) or absent, got ${String(budget)}.`);
  }
  const queried = new Set<number>();
  return {
    evaluate: (arch: A): number => {
      const row = table.rowOf(arch);
      if (!queried.has(row)) {
        if (budget !== undefined && queried.size >= budget) {
          throw new BudgetExhaustedError(
            budget,
            `the oracle's budget of ${budget} distinct architectures is spent; pass a larger budget to createTabularOracle, or reset() it for a new run.`,
          );
        }
        queried.add(row);
      }
      return table.value(row, fitness);
    },
    report: (arch: A): number => table.value(table.rowOf(arch), report),
    get queries() {
      return queried.size;
    },
    budget,
    reset: () => {
      queried.clear();
    },
  };
}
