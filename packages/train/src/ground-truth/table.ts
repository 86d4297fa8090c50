import fs from 'node:fs';
import path from 'node:path';

import { FileFormatError, InvalidArchitectureError, InvalidArgumentError } from '@lmreg/common';
import { kendallTau, sparseKendallTau, spearman } from '@lmreg/metrics';
import type { BenchmarkTable } from '@lmreg/samplers';
import { getSpace, restrictSpace, type RestrictedSpace, type SearchSpace } from '@lmreg/spaces';

import { writeFileAtomic } from '../run/atomic-file.js';
import { parseGroundTruthConfig, type GroundTruthConfig } from './config.js';
import { readGroundTruthRows, sampleTableArchitectures, type GroundTruthRow } from './build.js';

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
  readonly finished: string;
}

/** Columns of a ground-truth table (accuracies in percent, means over the seeds). */
export type GroundTruthColumn = 'test' | 'valid' | 'params' | 'seconds' | `test_s${number}` | `valid_s${number}`;

/** Names and meaning of the columns of `table.csv`. */
export function tableColumns(seeds: readonly number[]): Record<string, string> {
  const cols: Record<string, string> = {
    index: 'position in the uniform sample (0-based)',
    arch: 'architecture in the space\'s string format',
    key: 'space.key(arch): equal keys are the same network',
    params: 'trainable parameters of the stand-alone network',
    test: 'test accuracy in percent, mean over the seeds',
    valid: 'validation accuracy in percent, mean over the seeds',
    seconds: 'training + evaluation wall time in seconds, mean over the seeds',
  };
  for (const s of seeds) {
    cols[`test_s${s}`] = `test accuracy in percent with seed ${s}`;
    cols[`valid_s${s}`] = `validation accuracy in percent with seed ${s}`;
  }
  return cols;
}

function noiseCeiling(a: readonly number[], b: readonly number[]): NoiseCeiling {
  const n = a.length;
  if (n < 2) return { skdt: NaN, kendallTau: NaN, spearman: NaN, n, meanAbsDiff: NaN };
  let diff = 0;
  for (let i = 0; i < n; i++) diff += Math.abs((a[i] ?? 0) - (b[i] ?? 0));
  return {
    skdt: sparseKendallTau(a, b, { threshold: 1e-3 }),
    kendallTau: kendallTau(a, b),
    spearman: spearman(a, b),
    n,
    meanAbsDiff: (100 * diff) / n,
  };
}

/** Noise ceiling of the rows built so far (architectures that have the first two seeds). */
export function noiseCeilingOf(rows: readonly GroundTruthRow[], seeds: readonly number[]): NoiseCeiling {
  const [s0, s1] = seeds;
  if (s0 === undefined || s1 === undefined) return noiseCeiling([], []);
  const byKey = new Map<string, Map<number, GroundTruthRow>>();
  for (const r of rows) {
    const m = byKey.get(r.key) ?? new Map<number, GroundTruthRow>();
    m.set(r.seed, r);
    byKey.set(r.key, m);
  }
  const a: number[] = [];
  const b: number[] = [];
  for (const m of byKey.values()) {
    const x = m.get(s0);
    const y = m.get(s1);
    if (x !== undefined && y !== undefined) {
      a.push(x.testAccuracy);
      b.push(y.testAccuracy);
    }
  }
  return noiseCeiling(a, b);
}

const pct = (x: number): string => (100 * x).toFixed(2);

/**
 * Finishes a ground-truth table: checks that every (architecture, seed) job is in the rows,
 * writes `table.csv` (one line per architecture) and `table.json` (config, command, version,
 * noise ceiling, column meanings).
 *
 * @throws InvalidArgumentError naming the missing jobs when the build is not complete.
 */
export function finishGroundTruth(dir: string, options: { command: string; version: string; name?: string }): GroundTruthMeta {
  const configFile = path.join(dir, 'config.json');
  if (!fs.existsSync(configFile)) {
    throw new InvalidArgumentError(`${dir} holds no ground-truth build (no config.json). Build it first: lmreg ground-truth build --out ${dir}.`);
  }
  const config = parseGroundTruthConfig(JSON.parse(fs.readFileSync(configFile, 'utf8')), configFile);
  const space = getSpace(config.space) as SearchSpace<unknown>;
  const archs = sampleTableArchitectures(space, config.archs, config.sampleSeed);
  const rows = readGroundTruthRows(dir);
  const byJob = new Map<string, GroundTruthRow>();
  for (const r of rows) byJob.set(`${r.key}#${r.seed}`, r);
  const missing: string[] = [];
  const lines: string[] = [];
  const cols = Object.keys(tableColumns(config.seeds));
  lines.push(cols.join(','));
  let trainingSeconds = 0;
  archs.forEach((arch, index) => {
    const key = space.key(arch);
    const per = config.seeds.map((s) => byJob.get(`${key}#${s}`));
    per.forEach((r, i) => {
      if (r === undefined) missing.push(`arch ${index} seed ${config.seeds[i]}`);
    });
    if (per.some((r) => r === undefined)) return;
    const rs = per as GroundTruthRow[];
    const mean = (f: (r: GroundTruthRow) => number): number => rs.reduce((s, r) => s + f(r), 0) / rs.length;
    trainingSeconds += rs.reduce((s, r) => s + r.seconds, 0);
    const values: Record<string, string> = {
      index: String(index),
      arch: space.format(arch),
      key,
      params: String(rs[0]?.params ?? ''),
      test: pct(mean((r) => r.testAccuracy)),
      valid: pct(mean((r) => r.validAccuracy)),
      seconds: mean((r) => r.seconds).toFixed(2),
    };
    config.seeds.forEach((s, i) => {
      values[`test_s${s}`] = pct(rs[i]?.testAccuracy ?? NaN);
      values[`valid_s${s}`] = pct(rs[i]?.validAccuracy ?? NaN);
    });
    lines.push(cols.map((c) => csvCell(values[c] ?? '')).join(','));
  });
  if (missing.length > 0) {
    throw new InvalidArgumentError(
      `the table in ${dir} is not complete: ${missing.length} of ${archs.length * config.seeds.length} jobs missing (${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', ...' : ''}). Continue the build: lmreg ground-truth build --out ${dir}.`,
    );
  }
  const meta: GroundTruthMeta = {
    name: options.name ?? path.basename(path.resolve(dir)),
    config,
    command: options.command,
    version: options.version,
    backends: [...new Set(rows.map((r) => r.backend))].sort(),
    rows: archs.length,
    trainingSeconds,
    noiseCeiling: noiseCeilingOf(rows, config.seeds),
    columns: tableColumns(config.seeds),
    finished: new Date().toISOString(),
  };
  writeFileAtomic(path.join(dir, 'table.csv'), lines.join('\n') + '\n');
  writeFileAtomic(path.join(dir, 'table.json'), JSON.stringify(meta, null, 2) + '\n');
  return meta;
}

function csvCell(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function splitCsvLine(line: string): string[] {
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

/** A finished ground-truth table, usable as a tabular oracle ({@link BenchmarkTable}). */
export interface GroundTruthTable<A = unknown> extends BenchmarkTable<A, GroundTruthColumn> {
  readonly meta: GroundTruthMeta;
  /** The table's architectures as a search space (searches stay inside the table). */
  readonly searchSpace: RestrictedSpace<A>;
  /** Mean test accuracy as a fraction, or `undefined` when `arch` is not in the table. */
  accuracyOf(arch: A): number | undefined;
  /** 1-based rank of `arch`'s mean test accuracy among the rows (1 = best; ties share the better rank). */
  rankOf(arch: A): number;
}

/**
 * Loads a finished table folder (`table.csv` + `table.json`, from {@link finishGroundTruth}).
 * `rowOf` throws `InvalidArchitectureError` for an architecture that is not in the table.
 */
export function loadGroundTruthTable<A = unknown>(dir: string): GroundTruthTable<A> {
  const csvFile = path.join(dir, 'table.csv');
  const metaFile = path.join(dir, 'table.json');
  if (!fs.existsSync(csvFile) || !fs.existsSync(metaFile)) {
    throw new InvalidArgumentError(
      `${dir} is not a finished ground-truth table (needs table.csv and table.json). Finish a complete build with: lmreg ground-truth finish --out ${dir}.`,
    );
  }
  let meta: GroundTruthMeta;
  try {
    meta = JSON.parse(fs.readFileSync(metaFile, 'utf8')) as GroundTruthMeta;
  } catch (cause) {
    throw new FileFormatError(metaFile, 'is not valid JSON.', { cause });
  }
  const space = getSpace(meta.config.space) as SearchSpace<A>;
  const lines = fs.readFileSync(csvFile, 'utf8').split('\n').filter((l) => l.trim() !== '');
  const header = splitCsvLine(lines[0] ?? '');
  const archCol = header.indexOf('arch');
  const numeric = header.filter((h) => h !== 'arch' && h !== 'key' && h !== 'index') as GroundTruthColumn[];
  if (archCol < 0 || !numeric.includes('test')) {
    throw new FileFormatError(csvFile, `needs the columns arch and test (header: ${header.join(',')}).`);
  }
  const colIndex = new Map(numeric.map((c) => [c, header.indexOf(c)]));
  const archs: A[] = [];
  const values: Float64Array[] = [];
  const rowByKey = new Map<string, number>();
  lines.slice(1).forEach((line, i) => {
    const cells = splitCsvLine(line);
    let arch: A;
    try {
      arch = space.parse(cells[archCol] ?? '');
    } catch (cause) {
      throw new FileFormatError(csvFile, `line ${i + 2}: ${(cause as Error).message}`, { cause });
    }
    const v = new Float64Array(numeric.length);
    numeric.forEach((c, j) => {
      const x = Number(cells[colIndex.get(c) ?? -1]);
      if (!Number.isFinite(x)) throw new FileFormatError(csvFile, `line ${i + 2}: column ${c} is not a number ('${cells[colIndex.get(c) ?? -1] ?? ''}').`);
      v[j] = x;
    });
    rowByKey.set(space.key(arch), archs.length);
    archs.push(arch);
    values.push(v);
  });
  const numericIndex = new Map(numeric.map((c, j) => [c, j]));
  const searchSpace = restrictSpace(space, archs);
  const rowOf = (arch: A): number => {
    const row = rowByKey.get(space.key(arch));
    if (row === undefined) {
      throw new InvalidArchitectureError(space.name, `${space.format(arch)} is not one of the ${archs.length} architectures of the ground-truth table '${meta.name}'.`);
    }
    return row;
  };
  return {
    name: meta.name,
    space: space.name,
    columns: numeric,
    size: archs.length,
    meta,
    searchSpace,
    rowOf,
    value(row: number, column: GroundTruthColumn): number {
      const j = numericIndex.get(column);
      const v = values[row];
      if (j === undefined) throw new InvalidArgumentError(`table '${meta.name}' has no column '${column}' (columns: ${numeric.join(', ')}).`);
      if (v === undefined) throw new InvalidArgumentError(`table '${meta.name}' has no row ${row} (0..${archs.length - 1}).`);
      return v[j] ?? NaN;
    },
    rankOf(arch: A): number {
      const j = numericIndex.get('test') ?? 0;
      const mine = values[rowOf(arch)]?.[j] ?? NaN;
      let better = 0;
      for (const v of values) if ((v[j] ?? -Infinity) > mine) better++;
      return better + 1;
    },
    accuracyOf(arch: A): number | undefined {
      const row = rowByKey.get(space.key(arch));
      const j = numericIndex.get('test');
      return row === undefined || j === undefined ? undefined : (values[row]?.[j] ?? NaN) / 100;
    },
  };
}
