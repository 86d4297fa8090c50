/**
 * Test-only reader for the reference tables in `shared/data/darts` (beside the repository root).
 * Never imported by package code.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Absolute path of a file in `shared/data/darts`. */
export function dartsDataPath(file: string): string {
  return fileURLToPath(new URL(`../../../../../shared/data/darts/${file}`, import.meta.url));
}

/** Minimal RFC-4180 CSV reader (quoted fields, doubled quotes); rows as header-keyed records. */
export function readCsv(file: string): Record<string, string>[] {
  const text = readFileSync(dartsDataPath(file), 'utf8');
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  const [header, ...body] = rows;
  if (header === undefined) throw new Error(`${file} is empty`);
  return body
    .filter((r) => r.length > 1)
    .map((r) => {
      if (r.length !== header.length) throw new Error(`${file}: row has ${r.length} fields, header ${header.length}`);
      return Object.fromEntries(header.map((h, i) => [h, r[i] ?? '']));
    });
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
