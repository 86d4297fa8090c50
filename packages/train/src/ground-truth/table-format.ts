import path from 'node:path';

import { FileFormatError, isLmregError } from '@lmreg/common';
import type { SearchSpace } from '@lmreg/spaces';

import { parseGroundTruthConfig, type GroundTruthConfig } from './config.js';

/** Seed-to-seed agreement of a table: how much training noise alone scrambles the ranking. */
export interface NoiseCeiling {
  /** S-KdT (0.1 % bins) between the test accuracies of the first two seeds. */
  readonly skdt: number;
  readonly kendallTau: number;
  readonly spearman: number;
  /** Architectures with both seeds. */
  readonly n: number;
  /** Mean absolute difference of test accuracy between the two seeds, in percentage points. */
  readonly meanAbsDiff: number;
}

/** One later `ground-truth finish` of an already finished table (the original provenance is kept). */
export interface Refinish {
  /** ISO time of the re-finish. */
  readonly at: string;
  /** `@lmreg/train` version that re-finished it. */
  readonly version: string;
  readonly command: string;
}

/** `table.json`: what the table is and how it was made. */
export interface GroundTruthMeta {
  readonly name: string;
  readonly config: GroundTruthConfig;
  /** The command that built the table (as documented beside it). */
  readonly command: string;
  /** `@lmreg/train` version that built it. */
  readonly version: string;
  readonly backends: readonly string[];
  readonly rows: number;
  /** Total training seconds over all jobs (sum of the rows' `seconds`). */
  readonly trainingSeconds: number;
  readonly noiseCeiling: NoiseCeiling;
  readonly columns: Readonly<Record<string, string>>;
  /** ISO time of the first finish. */
  readonly finished: string;
  /** Later finishes of the same folder, oldest first (absent when there were none). */
  readonly refinished?: readonly Refinish[];
}

/** Columns of a ground-truth table (accuracies in percent, means over the seeds). */
export type GroundTruthColumn = 'test' | 'valid' | 'params' | 'seconds' | `test_s${number}` | `valid_s${number}`;

/** What {@link parseGroundTruthMeta} reads for a provenance field an older `table.json` lacks. */
export const NOT_RECORDED = '(not recorded)';

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** How to rebuild `table.json`/`table.csv` from the build folder they sit in. */
function refinishAdvice(file: string): string {
  return `Re-create the table files from the build's rows with: lmreg ground-truth finish --out ${path.dirname(file)}.`;
}

/**
 * Parses and checks the text of a `table.json`. Missing or mistyped fields are refused naming the
 * file and the field; `null` noise-ceiling values (NaN in JSON) are read as NaN.
 *
 * @throws FileFormatError for anything that is not a usable table description.
 */
export function parseGroundTruthMeta(text: string, file: string): GroundTruthMeta {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (cause) {
    throw new FileFormatError(file, `is not valid JSON (${(cause as Error).message}). ${refinishAdvice(file)}`, { cause });
  }
  if (!isRecord(v)) throw new FileFormatError(file, `must hold a JSON object describing the table. ${refinishAdvice(file)}`);
  const missing = (field: string, what: string): never => {
    throw new FileFormatError(file, `${v[field] === undefined ? 'has no' : 'has a bad'} field '${field}' (${what}). ${refinishAdvice(file)}`);
  };
  let config: GroundTruthConfig;
  if (!isRecord(v.config)) return missing('config', 'the ground-truth config the table was built with');
  try {
    config = parseGroundTruthConfig(v.config, `${file}, field 'config'`);
  } catch (cause) {
    if (!isLmregError(cause)) throw cause;
    throw new FileFormatError(file, `field 'config' is not a valid ground-truth config: ${cause.message}\n${refinishAdvice(file)}`, { cause });
  }
  const nc = v.noiseCeiling;
  if (!isRecord(nc)) return missing('noiseCeiling', 'an object with skdt, kendallTau, spearman, n and meanAbsDiff');
  const num = (x: unknown, field: string): number => {
    if (x === null) return Number.NaN;
    if (typeof x !== 'number') return missing('noiseCeiling', `${field} must be a number or null, got ${typeof x}`);
    return x;
  };
  const noiseCeiling: NoiseCeiling = {
    skdt: num(nc.skdt, 'skdt'),
    kendallTau: num(nc.kendallTau, 'kendallTau'),
    spearman: num(nc.spearman, 'spearman'),
    n: num(nc.n, 'n'),
    meanAbsDiff: num(nc.meanAbsDiff ?? null, 'meanAbsDiff'),
  };
  const str = (field: string, fallback?: string): string => {
    const x = v[field];
    if (typeof x === 'string') return x;
    if (x === undefined && fallback !== undefined) return fallback;
    return missing(field, 'a string');
  };
  const columns = isRecord(v.columns) ? Object.fromEntries(Object.entries(v.columns).map(([k, c]) => [k, String(c)])) : {};
  const refinished = Array.isArray(v.refinished)
    ? v.refinished.filter(isRecord).map((r) => ({ at: String(r.at), version: String(r.version), command: String(r.command) }))
    : undefined;
  return {
    name: str('name', path.basename(path.dirname(path.resolve(file)))),
    config,
    command: str('command', NOT_RECORDED),
    version: str('version', NOT_RECORDED),
    backends: Array.isArray(v.backends) ? v.backends.map(String) : [],
    rows: typeof v.rows === 'number' ? v.rows : Number.NaN,
    trainingSeconds: typeof v.trainingSeconds === 'number' ? v.trainingSeconds : Number.NaN,
    noiseCeiling,
    columns,
    finished: str('finished', NOT_RECORDED),
    ...(refinished === undefined ? {} : { refinished }),
  };
}

/** Quotes a CSV cell when needed. */
export function csvCell(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Splits one CSV line into cells (RFC 4180 quoting). */
export function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

/** A decimal number as `table.csv` writes it (no hex, no empty string, no `Infinity`). */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** The rows of a `table.csv`. */
export interface ParsedTableCsv<A> {
  /** Numeric columns in file order (every column but `index`, `arch` and `key`). */
  readonly columns: readonly GroundTruthColumn[];
  readonly archs: readonly A[];
  /** `values[row][j]` is column `columns[j]` of row `row`. */
  readonly values: readonly Float64Array[];
}

/**
 * Parses the text of a `table.csv` (LF or CRLF line ends, optional BOM): the `arch` column through
 * `space.parse`, every other column but `index` and `key` as a finite decimal number.
 *
 * @throws FileFormatError naming the line and column of the first bad cell, a missing column,
 *   a repeated architecture or an empty table.
 */
export function parseGroundTruthCsv<A>(text: string, file: string, space: SearchSpace<A>): ParsedTableCsv<A> {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const header = splitCsvLine(lines[0] ?? '').map((h) => h.trim());
  const archCol = header.indexOf('arch');
  const columns = header.filter((h) => h !== 'arch' && h !== 'key' && h !== 'index') as GroundTruthColumn[];
  if (archCol < 0 || !columns.includes('test')) {
    const shown = header.join(',');
    throw new FileFormatError(
      file,
      `line 1 must be a header with the columns arch and test (got: ${shown.length > 120 ? `${shown.slice(0, 120)}...` : shown}). ${refinishAdvice(file)}`,
    );
  }
  const dup = header.find((h, i) => header.indexOf(h) !== i);
  if (dup !== undefined) throw new FileFormatError(file, `line 1: column '${dup}' appears twice. ${refinishAdvice(file)}`);
  const colIndex = columns.map((c) => header.indexOf(c));
  const archs: A[] = [];
  const values: Float64Array[] = [];
  const lineOfKey = new Map<string, number>();
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line.trim() === '') continue;
    const at = `line ${i + 1}`;
    const cells = splitCsvLine(line);
    if (cells.length !== header.length) {
      throw new FileFormatError(file, `${at} has ${cells.length} cells, the header has ${header.length}. ${refinishAdvice(file)}`);
    }
    let arch: A;
    try {
      arch = space.parse(cells[archCol] ?? '');
    } catch (cause) {
      if (!isLmregError(cause)) throw cause;
      throw new FileFormatError(file, `${at}, column arch: ${cause.message}`, { cause });
    }
    const v = new Float64Array(columns.length);
    columns.forEach((c, j) => {
      const cell = (cells[colIndex[j] ?? -1] ?? '').trim();
      if (cell === '') throw new FileFormatError(file, `${at}, column ${c}: empty cell; every cell of column ${c} must hold a number. ${refinishAdvice(file)}`);
      const x = Number(cell);
      if (!DECIMAL.test(cell) || !Number.isFinite(x)) {
        throw new FileFormatError(
          file,
          `${at}, column ${c}: '${cell.length > 40 ? `${cell.slice(0, 40)}...` : cell}' is not a number. ${refinishAdvice(file)}`,
        );
      }
      v[j] = x;
    });
    const key = space.key(arch);
    const before = lineOfKey.get(key);
    if (before !== undefined)
      throw new FileFormatError(file, `${at} repeats the architecture of line ${before} (${space.format(arch)}). ${refinishAdvice(file)}`);
    lineOfKey.set(key, i + 1);
    archs.push(arch);
    values.push(v);
  }
  if (archs.length === 0) throw new FileFormatError(file, `has no rows. ${refinishAdvice(file)}`);
  return { columns, archs, values };
}
