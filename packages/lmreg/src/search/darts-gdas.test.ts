import '@tensorflow/tfjs-backend-cpu';

import path from 'node:path';

import { getSpace } from '@lmreg/spaces';
import { describe, expect, it } from 'vitest';

import { loadCheckpoint } from '@lmreg/train';

import { runSearchWithoutLeaks, tinySearchConfig, useCpuBackend, withTempDir } from '../testing/search.js';

useCpuBackend();

describe('lmreg search --space darts --sampler gdas', () => {
  it('trains the DARTS super-net with GDAS architecture steps, ranks the held-out cells (finite S-KdT) and proposes the argmax cell first; no leaks', async () => {
    const config = tinySearchConfig({
      space: 'darts',
      sampler: 'gdas',
      imageSize: 8,
      channels: 4,
      cells: 1,
      testSubset: 128,
      landmarks: { count: 2 },
      // Budget 1: GDAS's search evaluates exactly one cell, which must be its argmax.
      search: { budget: 1, top: 1, trainTop: 0 },
    });
    await withTempDir('lmreg-darts-gdas-', async (out) => {
      const result = await runSearchWithoutLeaks({ config, outDir: out });
      expect(result.space).toBe('darts');
      const landmarks = result.variants.find((v) => v.name === 'landmarks');
      expect(landmarks).toBeDefined();
      expect(Number.isFinite(landmarks?.skdt)).toBe(true);
      const search = landmarks?.search;
      expect(search?.sampler).toBe('gdas');
      expect(search?.evaluated).toBe(1);
      expect(typeof search?.argmax).toBe('string');
      expect(search?.top[0]?.arch).toBe(search?.argmax);
      const space = getSpace('darts');
      expect(space.format(space.parse(search?.argmax as string))).toBe(search?.argmax);
      // The GDAS logits (one row per position of the darts encoding) took one Adam step per
      // architecture batch: 64 ranking images / 16 per batch, over 1 epoch.
      const meta = loadCheckpoint(path.join(out, 'supernet-landmarks.bin')).meta as {
        sampler: { sampler: string; space: string; extra: { t: number; logits: number[][] } };
      };
      expect(meta.sampler.sampler).toBe('gdas');
      expect(meta.sampler.space).toBe('darts');
      expect(meta.sampler.extra.t).toBe(Math.floor(64 / 16));
      expect(meta.sampler.extra.logits.map((row) => row.length)).toEqual(space.encodingBounds);
    });
  }, 120_000);
});
