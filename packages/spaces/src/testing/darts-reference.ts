/**
 * Readers of the reference tables in `shared/data/darts` (beside the repository root). Private to
 * this package's tests.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { parseCsv } from '@lmreg/common/testing';

/** Absolute path of a file in `shared/data/darts`. */
export function dartsDataPath(file: string): string {
  return fileURLToPath(new URL(`../../../../../shared/data/darts/${file}`, import.meta.url));
}

/** The rows of a CSV file in `shared/data/darts`, as header-keyed records. */
export function readCsv(file: string): Record<string, string>[] {
  return parseCsv(readFileSync(dartsDataPath(file), 'utf8'), file);
}

/** One genotype row of darts_genotypes.csv with its JSON columns decoded. */
export interface GenotypeRow {
  readonly name: string;
  readonly format: string;
  readonly normal: [string, number][];
  readonly reduce: [string, number][];
  readonly normalConcat: number[];
  readonly reduceConcat: number[];
  readonly paramsNoAux: number | undefined;
  readonly paramsWithAux: number | undefined;
}

/** All 45 rows of darts_genotypes.csv. */
export function readGenotypeRows(): GenotypeRow[] {
  const num = (s: string | undefined): number | undefined => (s === undefined || s === '' ? undefined : Number(s));
  return readCsv('darts_genotypes.csv').map((r) => ({
    name: r['name'] as string,
    format: r['genotype_format'] as string,
    normal: JSON.parse(r['normal'] as string) as [string, number][],
    reduce: JSON.parse(r['reduce'] as string) as [string, number][],
    normalConcat: JSON.parse(r['normal_concat'] as string) as number[],
    reduceConcat: JSON.parse(r['reduce_concat'] as string) as number[],
    paramsNoAux: num(r['params_computed_C36_L20_noaux']),
    paramsWithAux: num(r['params_computed_C36_L20_with_aux']),
  }));
}
