import fs from 'node:fs';
import path from 'node:path';

import { FileFormatError, InvalidArchitectureError, InvalidArgumentError, writeFileAtomic } from '@lmreg/common';
import { kendallTau, sparseKendallTau, spearman } from '@lmreg/metrics';
import type { BenchmarkTable } from '@lmreg/samplers';
import { getSpace, restrictSpace, type RestrictedSpace, type SearchSpace } from '@lmreg/spaces';

import { parseGroundTruthConfig } from './config.js';
import { readGroundTruthRows, sampleTableArchitectures, type GroundTruthRow } from './build.js';
import {
  csvCell,
  NOT_RECORDED,
  parseGroundTruthCsv,
  parseGroundTruthMeta,
  type GroundTruthColumn,
  type GroundTruthMeta,
  type NoiseCeiling,
  type Refinish,
} from './table-format.js';

export type { GroundTruthColumn, GroundTruthMeta, NoiseCeiling, Refinish } from './table-format.js';

/** Names and meaning of the columns of `table.csv`. */
export function tableColumns(seeds: readonly number[]): Record<string, string> {
  const cols: Record<string, string> = {
    index: 'position in the uniform sample (0-based)',
    arch: "architecture in the space's string format",
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
 * The provenance of an earlier finish of the same folder (its `table.json`), or `undefined` when
 * there is none or it cannot be read (then this finish counts as the first).
 */
function previousFinish(file: string): GroundTruthMeta | undefined {
  if (!fs.existsSync(file)) return undefined;
  try {
    return parseGroundTruthMeta(fs.readFileSync(file, 'utf8'), file);
  } catch {
    return undefined;
  }
}

/**
 * Finishes a ground-truth table: checks that every (architecture, seed) job is in the rows,
 * writes `table.csv` (one line per architecture) and `table.json` (config, command, version,
 * noise ceiling, column meanings). Finishing again keeps the first finish's name, command, version
 * and time, and appends `{ at, version, command }` to `refinished`.
 *
 * @throws InvalidArgumentError naming the missing jobs when the build is not complete.
 */
export function finishGroundTruth(dir: string, options: { command: string; version: string; name?: string }): GroundTruthMeta {
  const configFile = path.join(dir, 'config.json');
  if (!fs.existsSync(configFile)) {
    throw new InvalidArgumentError(`${dir} holds no ground-truth build (no config.json). Build it first: lmreg ground-truth build --out ${dir}.`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(configFile, 'utf8'));
  } catch (cause) {
    throw new FileFormatError(
      configFile,
      `is not valid JSON (${(cause as Error).message}). Restore the build's config.json (the rows-*.jsonl files are kept) or start the build again in a new folder.`,
      { cause },
    );
  }
  const config = parseGroundTruthConfig(raw, configFile);
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
  const now = new Date().toISOString();
  const earlier = previousFinish(path.join(dir, 'table.json'));
  const recorded = (v: string | undefined): string | undefined => (v === NOT_RECORDED ? undefined : v);
  const refinished: Refinish[] | undefined =
    earlier === undefined ? undefined : [...(earlier.refinished ?? []), { at: now, version: options.version, command: options.command }];
  const meta: GroundTruthMeta = {
    name: options.name ?? earlier?.name ?? path.basename(path.resolve(dir)),
    config,
    command: recorded(earlier?.command) ?? options.command,
    version: recorded(earlier?.version) ?? options.version,
    backends: [...new Set(rows.map((r) => r.backend))].sort(),
    rows: archs.length,
    trainingSeconds,
    noiseCeiling: noiseCeilingOf(rows, config.seeds),
    columns: tableColumns(config.seeds),
    finished: recorded(earlier?.finished) ?? now,
    ...(refinished === undefined ? {} : { refinished }),
  };
  writeFileAtomic(path.join(dir, 'table.csv'), lines.join('\n') + '\n');
  writeFileAtomic(path.join(dir, 'table.json'), JSON.stringify(meta, null, 2) + '\n');
  return meta;
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
  const meta = parseGroundTruthMeta(fs.readFileSync(metaFile, 'utf8'), metaFile);
  const space = getSpace(meta.config.space) as SearchSpace<A>;
  const { columns: numeric, archs, values } = parseGroundTruthCsv(fs.readFileSync(csvFile, 'utf8'), csvFile, space);
  const rowByKey = new Map<string, number>(archs.map((a, i) => [space.key(a), i]));
  const numericIndex = new Map(numeric.map((c, j) => [c, j]));
  const searchSpace = restrictSpace(space, archs);
  const rowOf = (arch: A): number => {
    const row = rowByKey.get(space.key(arch));
    if (row === undefined) {
      throw new InvalidArchitectureError(
        space.name,
        `${space.format(arch)} is not one of the ${archs.length} architectures of the ground-truth table '${meta.name}'.`,
      );
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
