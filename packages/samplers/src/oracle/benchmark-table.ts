import type { SearchSpace } from '@lmreg/spaces';

/**
 * A tabular NAS benchmark: one row per architecture of a search space, numeric columns (e.g.
 * accuracies in percent). `@lmreg/samplers/nb201-table` provides NAS-Bench-201.
 */
export interface BenchmarkTable<A, C extends string = string> {
  /** Benchmark name, e.g. `'nb201'`. */
  readonly name: string;
  /** Registry name of the search space the rows belong to (`getSpace(table.space)`). */
  readonly space: string;
  /** Available columns. */
  readonly columns: readonly C[];
  /** Number of rows. */
  readonly size: number;
  /**
   * The architectures a search may visit, when the table covers only part of its space (e.g. a
   * ground-truth table of sampled architectures): {@link searchTable} initialises samplers on it.
   * Absent: the whole registered space (every architecture has a row).
   */
  readonly searchSpace?: SearchSpace<A>;
  /** Row of `arch` (for NAS-Bench-201: the official index). Throws `InvalidArchitectureError` on a bad architecture. */
  rowOf(arch: A): number;
  /** Value of `column` in `row`. Throws `InvalidArgumentError` on an unknown column or a bad row. */
  value(row: number, column: C): number;
}
