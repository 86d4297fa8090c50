/**
 * Test-only readers of the NAS-Bench-101 reference data in /work/shared/data/nasbench101 (see its
 * SOURCE.md). Not part of the package: only `*.test.ts` files import this.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Path of a file in shared/data/nasbench101 (the repo is cloned as main/ with shared/ beside it). */
export function nb101DataPath(file: string): string {
  return fileURLToPath(new URL(`../../../../../shared/data/nasbench101/${file}`, import.meta.url));
}

/** Parses RFC 4180 CSV (quoted fields may hold commas and doubled quotes) into records by header. */
export function readCsv(file: string): Array<Record<string, string>> {
  const text = readFileSync(nb101DataPath(file), 'utf8');
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      field = '';
      if (row.some((f) => f !== '')) rows.push(row);
      row = [];
    } else field += ch;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  const [header = [], ...body] = rows;
  return body.map((r) => Object.fromEntries(header.map((h, k) => [h, r[k] ?? ''])));
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
