import '@tensorflow/tfjs-backend-cpu';

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { createRng, InvalidArchitectureError, InvalidArgumentError } from '@lmreg/common';
import { getSampler, searchTable } from '@lmreg/samplers';
import { getSpace, type Nb201Arch } from '@lmreg/spaces';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';

import { selectBackend } from '../backend/select-backend.js';
import { ConfigError } from '../config/config-error.js';
import { buildGroundTruth, readGroundTruthRows, sampleTableArchitectures } from './build.js';
import { parseGroundTruthConfig } from './config.js';
import { finishGroundTruth, loadGroundTruthTable, noiseCeilingOf } from './table.js';
import { TINY_GROUND_TRUTH as TINY, writeSyntheticTable } from '../testing/ground-truth.js';

const nb201 = getSpace<Nb201Arch>('nb201');
const dirs: string[] = [];
function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'lmreg-gt-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
beforeAll(async () => {
  expect(await tf.setBackend('cpu')).toBe(true);
});

describe('buildGroundTruth (tiny, cpu)', () => {
  it('trains every architecture once per seed, resumes, shards, survives a torn line, and leaks no tensors', async () => {
    const dir = tmp();
    const before = tf.memory().numTensors;
    // Two interleaved shards, the first stopped after one job (as if killed between jobs).
    const a = await buildGroundTruth({ dir, config: TINY, shard: { index: 0, count: 2 }, limit: 1 });
    expect(a).toMatchObject({ jobs: 6, before: 0, trained: 1, missing: 5 });
    fs.appendFileSync(path.join(dir, 'rows-1of2.jsonl'), '{"index":0,"arch":"|none'); // torn write of a killed process
    // The second shard runs on the native backend (a stub addon with no kernels: tfjs' cpu computes), the rest on cpu.
    const stubNative = async (specifier: string): Promise<unknown> =>
      specifier === '@lmreg/tfjs-native'
        ? { registerNativeKernels: () => [], setNativeThreads: () => undefined, getNativeThreads: () => 3 }
        : import(specifier);
    expect((await selectBackend('native', { importModule: stubNative, threads: 3 })).name).toBe('native');
    const b = await buildGroundTruth({ dir, config: TINY, shard: { index: 1, count: 2 } });
    expect(b.trained).toBe(3);
    expect((await selectBackend('cpu')).name).toBe('cpu');
    const c = await buildGroundTruth({ dir, config: TINY, shard: { index: 0, count: 2 } });
    expect(c).toMatchObject({ trained: 2, missing: 0 });
    expect(await buildGroundTruth({ dir, config: TINY })).toMatchObject({ trained: 0, missing: 0, before: 6 });
    expect(tf.memory().numTensors).toBe(before);

    const rows = readGroundTruthRows(dir);
    expect(rows).toHaveLength(6);
    // Rows record the backend selectBackend selected (native kernels run on tfjs' cpu backend), else tf.getBackend().
    // ... and the native backend's thread count (a seed reproduces a row only at the same count).
    const backendsIn = (file: string): string[] => [
      ...new Set(
        fs
          .readFileSync(path.join(dir, file), 'utf8')
          .trim()
          .split('\n')
          .filter((l) => l.endsWith('}'))
          .map((l) => JSON.parse(l) as { backend: string; threads?: number })
          .map((r) => (r.threads === undefined ? r.backend : `${r.backend}/${r.threads}`)),
      ),
    ];
    expect(backendsIn('rows-2of2.jsonl')).toEqual(['native/3']);
    expect(backendsIn('rows-1of2.jsonl')).toEqual(['cpu']);
    const archs = sampleTableArchitectures(nb201, 3, TINY.sampleSeed);
    expect(new Set(rows.map((r) => `${r.key}#${r.seed}`)).size).toBe(6);
    for (const r of rows) {
      expect(r.key).toBe(nb201.key(archs[r.index]!));
      expect(r.testAccuracy).toBeGreaterThanOrEqual(0);
      expect(r.testAccuracy).toBeLessThanOrEqual(1);
      expect(r.validAccuracy).toBeGreaterThanOrEqual(0);
      expect(r.params).toBeGreaterThan(0);
    }
    // Same architecture, different seeds: different networks (different weights and batch order).
    const byIndex0 = rows.filter((r) => r.index === 0);
    expect(byIndex0.map((r) => r.seed).sort()).toEqual([0, 1]);

    const meta = finishGroundTruth(dir, { command: 'test', version: '0.0.0' });
    expect(meta.rows).toBe(3);
    expect(meta.noiseCeiling.n).toBe(3);
    const table = loadGroundTruthTable<Nb201Arch>(dir);
    expect(table.size).toBe(3);
    for (const arch of archs) {
      const own = rows.filter((r) => r.key === nb201.key(arch));
      const mean = (100 * own.reduce((s, r) => s + r.testAccuracy, 0)) / own.length;
      expect(table.value(table.rowOf(arch), 'test')).toBeCloseTo(mean, 2);
      expect(table.accuracyOf(arch)).toBeCloseTo(mean / 100, 4);
    }
  }, 240_000);

  it('refuses a different config in the same folder, and a bad shard', async () => {
    const dir = tmp();
    await buildGroundTruth({ dir, config: { ...TINY, archs: 1, seeds: [0] } });
    await expect(buildGroundTruth({ dir, config: { ...TINY, archs: 1, seeds: [0], channels: 4 } })).rejects.toThrow(/configuration differs/);
    await expect(buildGroundTruth({ dir: tmp(), config: TINY, shard: { index: 2, count: 2 } })).rejects.toThrow(InvalidArgumentError);
  }, 120_000);

  it('validates configs field by field', () => {
    expect(() => parseGroundTruthConfig({ ...TINY, seeds: [1, 1], imageSize: 10 }, 'x')).toThrow(ConfigError);
    try {
      parseGroundTruthConfig({ ...TINY, seeds: [1, 1], archs: 0 }, 'x');
    } catch (e) {
      expect((e as ConfigError).issues.join('\n')).toMatch(/archs/);
    }
    expect(() => parseGroundTruthConfig({ ...TINY, seeds: [1, 1] }, 'x')).toThrow(/seeds: must be distinct/);
  });
});

describe('finished tables', () => {
  it('finish refuses an incomplete build and names the missing jobs', () => {
    const dir = tmp();
    writeSyntheticTable(dir, 4);
    const rowsFile = path.join(dir, 'rows-all.jsonl');
    const lines = fs.readFileSync(rowsFile, 'utf8').trim().split('\n');
    fs.writeFileSync(rowsFile, lines.slice(0, -1).join('\n') + '\n');
    expect(() => finishGroundTruth(dir, { command: 'x', version: '0' })).toThrow(/1 of 8 jobs missing \(arch 3 seed 1\)/);
    expect(() => loadGroundTruthTable(tmp())).toThrow(/not a finished ground-truth table/);
  });

  it('is a tabular oracle: rows, ranks, columns, restricted search space; refuses architectures outside it', async () => {
    const dir = tmp();
    const archs = writeSyntheticTable(dir, 30);
    const table = loadGroundTruthTable<Nb201Arch>(dir);
    expect(table.size).toBe(30);
    expect(table.columns).toEqual(expect.arrayContaining(['test', 'valid', 'params', 'test_s0', 'test_s1']));
    // Accuracies grow with the index: the last architecture ranks first.
    expect(table.rankOf(archs[29]!)).toBe(1);
    expect(table.rankOf(archs[0]!)).toBe(30);
    expect(table.searchSpace.members).toHaveLength(30);
    let outsider = nb201.sample(createRng(1));
    for (let s = 2; table.searchSpace.has(outsider); s++) outsider = nb201.sample(createRng(s));
    expect(() => table.rowOf(outsider)).toThrow(InvalidArchitectureError);
    expect(table.accuracyOf(outsider)).toBeUndefined();
    // A sampler searches the table in seconds, staying inside it.
    const result = await searchTable(getSampler<Nb201Arch>('spos', { budget: 15, population: 5, tournament: 2 }), table, {
      fitness: 'valid',
      report: 'test',
      budget: 15,
      seed: 3,
    });
    expect(table.searchSpace.has(result.arch)).toBe(true);
    expect(result.queries).toBeLessThanOrEqual(15);
    expect(result.reported).toBeCloseTo(table.value(table.rowOf(result.arch), 'test'), 6);
  });

  it('the noise ceiling is 1 for identical seeds and falls with seed noise', () => {
    const dir = tmp();
    writeSyntheticTable(dir, 40);
    expect(loadGroundTruthTable(dir).meta.noiseCeiling.skdt).toBeCloseTo(1, 6);
    const noisy = tmp();
    writeSyntheticTable(noisy, 40, { noise: 0.3 });
    const c = loadGroundTruthTable(noisy).meta.noiseCeiling;
    expect(c.skdt).toBeLessThan(0.9);
    expect(c.meanAbsDiff).toBeGreaterThan(1);
    expect(noiseCeilingOf([], [0, 1]).n).toBe(0);
  });
});
