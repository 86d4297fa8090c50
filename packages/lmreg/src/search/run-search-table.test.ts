import '@tensorflow/tfjs-backend-cpu';

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { getSpace, type Nb201Arch } from '@lmreg/spaces';
import { afterEach, describe, expect, it } from 'vitest';

import { loadGroundTruthTable } from '@lmreg/train';
import { writeSyntheticTable } from '@lmreg/train/testing';

import { runSearchWithoutLeaks, tinySearchConfig, useCpuBackend } from '../testing/search.js';
import { runSearch } from './run-search.js';

const nb201 = getSpace<Nb201Arch>('nb201');
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
useCpuBackend();

const tiny = (values: Record<string, unknown>) =>
  tinySearchConfig({ compareBaseline: true, heldOut: 6, landmarks: { tau: 3 }, search: { budget: 6, top: 3, trainTop: 1 }, ...values });

describe('runSearch on a ground-truth table', () => {
  it.each(['spos', 'gdas'])(
    '%s: landmarks, held-out architectures, round landmarks and proposals all come from the table; nothing is trained alone; no leaks',
    async (sampler) => {
      const tableDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lmreg-table-'));
      const out = fs.mkdtempSync(path.join(os.tmpdir(), 'lmreg-run-'));
      dirs.push(tableDir, out);
      writeSyntheticTable(tableDir, 20);
      const table = loadGroundTruthTable<Nb201Arch>(tableDir);
      const config = tiny({ sampler, groundTruth: tableDir, rounds: 2, roundLandmarks: 2 });
      const result = await runSearchWithoutLeaks({ config, outDir: out });

      expect(result.groundTruth).toMatchObject({ name: 'synthetic', size: 20 });
      expect(result.groundTruth?.noiseCeiling.skdt).toBeCloseTo(1, 6);
      const inTable = (text: string): boolean => table.searchSpace.has(nb201.parse(text));
      for (const r of [...result.landmarks, ...result.heldOut]) {
        expect(inTable(r.arch)).toBe(true);
        expect(r.accuracy).toBeCloseTo(table.accuracyOf(nb201.parse(r.arch)) ?? NaN, 6);
      }
      const keys = [...result.landmarks, ...result.heldOut].map((r) => r.key);
      expect(new Set(keys).size).toBe(keys.length); // held-out never overlaps landmarks
      // Nothing was trained alone: the ground truth came from the table.
      const standaloneFile = path.join(out, 'standalone.json');
      expect(fs.existsSync(standaloneFile) ? Object.keys(JSON.parse(fs.readFileSync(standaloneFile, 'utf8')) as object) : []).toHaveLength(0);
      const landmarks = result.variants.find((v) => v.name === 'landmarks');
      expect(landmarks?.rounds).toHaveLength(1);
      for (const a of landmarks?.rounds[0]?.added ?? []) {
        expect(inTable(a.arch)).toBe(true);
        expect(keys).not.toContain(nb201.key(nb201.parse(a.arch)));
      }
      for (const v of result.variants) {
        expect(v.search.top.length).toBeGreaterThan(0);
        for (const t of v.search.top) {
          expect(inTable(t.arch)).toBe(true);
          expect(t.groundTruth).toBeCloseTo(table.accuracyOf(nb201.parse(t.arch)) ?? NaN, 6);
          expect(t.rank).toBe(table.rankOf(nb201.parse(t.arch)));
        }
      }
    },
    300_000,
  );

  it('refuses a table too small for the landmarks, held-out and round landmarks, naming the fix', async () => {
    const tableDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lmreg-table-'));
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'lmreg-run-'));
    dirs.push(tableDir, out);
    writeSyntheticTable(tableDir, 8);
    await expect(runSearch({ config: tiny({ groundTruth: tableDir }), outDir: path.join(out, 'r') })).rejects.toThrow(/has 8 architectures.*lower --held-out/);
  });
});
