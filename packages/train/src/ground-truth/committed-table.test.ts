import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { sparseKendallTau } from '@lmreg/metrics';
import { getSampler, searchTable } from '@lmreg/samplers';
import { getSpace, type Nb201Arch } from '@lmreg/spaces';
import { describe, expect, it } from 'vitest';

import { readGroundTruthRows, sampleTableArchitectures } from './build.js';
import { DEFAULT_GROUND_TRUTH } from './config.js';
import { loadGroundTruthTable } from './table.js';

// The table committed in data/fmnist-nb201 (the reproduction's ground truth): checks that it is
// what its README says, recomputed from its raw rows.
const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../data/fmnist-nb201');
const nb201 = getSpace<Nb201Arch>('nb201');

describe('the committed ground-truth table data/fmnist-nb201', () => {
  const table = loadGroundTruthTable<Nb201Arch>(dir);

  it('holds 250 uniformly sampled NB201 cells distinct under key, built with the default recipe', () => {
    expect(table.size).toBe(250);
    expect(table.meta.config).toEqual(DEFAULT_GROUND_TRUTH);
    const archs = sampleTableArchitectures(nb201, 250, DEFAULT_GROUND_TRUTH.sampleSeed);
    expect(new Set(archs.map((a) => nb201.key(a))).size).toBe(250);
    archs.forEach((a, i) => expect(table.rowOf(a)).toBe(i));
    expect(table.meta.command).toContain('ground-truth build --out data/fmnist-nb201');
    expect(table.meta.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('every row is the mean of its two seeds, each trained once; the noise ceiling is recomputed from the raw rows', () => {
    const rows = readGroundTruthRows(dir);
    const byJob = new Map(rows.map((r) => [`${r.key}#${r.seed}`, r]));
    expect(byJob.size).toBe(500);
    const s0: number[] = [];
    const s1: number[] = [];
    for (const arch of table.searchSpace.members) {
      const a = byJob.get(`${nb201.key(arch)}#0`);
      const b = byJob.get(`${nb201.key(arch)}#1`);
      expect(a).toBeDefined();
      expect(b).toBeDefined();
      const row = table.rowOf(arch);
      expect(table.value(row, 'test')).toBeCloseTo((100 * ((a?.testAccuracy ?? 0) + (b?.testAccuracy ?? 0))) / 2, 2);
      expect(table.value(row, 'params')).toBe(a?.params);
      s0.push(a?.testAccuracy ?? NaN);
      s1.push(b?.testAccuracy ?? NaN);
    }
    const ceiling = sparseKendallTau(s0, s1, { threshold: 1e-3 });
    expect(table.meta.noiseCeiling.skdt).toBeCloseTo(ceiling, 12);
    expect(table.meta.noiseCeiling.n).toBe(250);
  });

  it('is a tabular oracle: regularized evolution on validation accuracy beats random search on test accuracy', async () => {
    const run = async (name: string, options: Record<string, unknown>): Promise<number> => {
      let sum = 0;
      for (let seed = 0; seed < 30; seed++) {
        sum += (await searchTable(getSampler<Nb201Arch>(name, options), table, { fitness: 'valid', report: 'test', budget: 25, seed })).reported;
      }
      return sum / 30;
    };
    const rea = await run('spos', { budget: 25, population: 10, tournament: 3 });
    const rs = await run('random', { budget: 25 });
    expect(rea).toBeGreaterThan(rs);
  });

  it('has the files its README lists', () => {
    for (const f of ['README.md', 'table.csv', 'table.json', 'config.json']) expect(fs.existsSync(path.join(dir, f))).toBe(true);
  });
});
