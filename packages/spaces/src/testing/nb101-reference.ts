/**
 * Readers of the NAS-Bench-101 reference data in /work/shared/data/nasbench101 (see its SOURCE.md).
 * Private to this package's tests.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { parseCsv } from '@lmreg/common/testing';

/** Path of a file in shared/data/nasbench101 (the repo is cloned as main/ with shared/ beside it). */
export function nb101DataPath(file: string): string {
  return fileURLToPath(new URL(`../../../../../shared/data/nasbench101/${file}`, import.meta.url));
}

/** The rows of a CSV file in shared/data/nasbench101, as header-keyed records. */
export function readCsv(file: string): Array<Record<string, string>> {
  return parseCsv(readFileSync(nb101DataPath(file), 'utf8'), file);
}

/** A row-major 0/1 string of length V² to a V x V matrix. */
export function matrixFromBits(bits: string): number[][] {
  const n = Math.round(Math.sqrt(bits.length));
  if (n * n !== bits.length) throw new Error(`matrix string of length ${bits.length} is not square`);
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => Number(bits[i * n + j])));
}

/** A `|`-joined ops string to an array. */
export function opsFromPipes(ops: string): string[] {
  return ops.split('|');
}

/** The sorted official hash list (first 6,668 of the 423,624). */
export function readFirstHashes(): string[] {
  return readFileSync(nb101DataPath('nb101_first_6668_hashes_sorted.txt'), 'utf8').trim().split(/\s+/);
}
