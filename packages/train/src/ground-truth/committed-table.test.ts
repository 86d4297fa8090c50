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

// The 4-epoch rebuild of the same cells (data/fmnist-nb201-e4): same architectures, one more epoch.
describe('the committed ground-truth table data/fmnist-nb201-e4', () => {
  const e4Dir = path.resolve(dir, '../fmnist-nb201-e4');
  const e4 = loadGroundTruthTable<Nb201Arch>(e4Dir);
  const e3 = loadGroundTruthTable<Nb201Arch>(dir);

  it('holds the same 250 cells as data/fmnist-nb201 in the same order, with the recipe changed only in epochs', () => {
    expect(e4.size).toBe(250);
    expect(e4.meta.config).toEqual({ ...DEFAULT_GROUND_TRUTH, recipe: { ...DEFAULT_GROUND_TRUTH.recipe, epochs: 4 } });
    for (const arch of e3.searchSpace.members) expect(e4.rowOf(arch)).toBe(e3.rowOf(arch));
  });

  it("has a noise ceiling recomputed from its raw rows, above the 3-epoch table's", () => {
    const rows = readGroundTruthRows(e4Dir);
    const byJob = new Map(rows.map((r) => [`${r.key}#${r.seed}`, r.testAccuracy]));
    expect(byJob.size).toBe(500);
    const s0 = e4.searchSpace.members.map((a) => byJob.get(`${nb201.key(a)}#0`) ?? NaN);
    const s1 = e4.searchSpace.members.map((a) => byJob.get(`${nb201.key(a)}#1`) ?? NaN);
    const ceiling = sparseKendallTau(s0, s1, { threshold: 1e-3 });
    expect(e4.meta.noiseCeiling.skdt).toBeCloseTo(ceiling, 12);
    expect(ceiling).toBeGreaterThan(e3.meta.noiseCeiling.skdt);
  });
});
