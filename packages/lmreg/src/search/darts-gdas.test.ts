import '@tensorflow/tfjs-backend-cpu';

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { getSpace } from '@lmreg/spaces';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

import { loadCheckpoint } from '@lmreg/train';

import { resolveSearchConfig } from '../config/search-config.js';
import { runSearch } from './run-search.js';

beforeAll(async () => {
  expect(await tf.setBackend('cpu')).toBe(true);
});

describe('lmreg search --space darts --sampler gdas', () => {
  it('trains the DARTS super-net with GDAS architecture steps, ranks the held-out cells (finite S-KdT) and proposes the argmax cell first; no leaks', async () => {
    const config = resolveSearchConfig([
      {
        source: 'test',
        values: {
          preset: 'tiny',
          space: 'darts',
          sampler: 'gdas',
          imageSize: 8,
          channels: 4,
          cells: 1,
          trainSubset: 128,
          testSubset: 128,
          epochs: 1,
          batchSize: 16,
          heldOut: 3,
          compareBaseline: false,
          landmarks: { count: 2, selection: 'diverse', tau: 2 },
          ranking: { batchSize: 16 },
          standalone: { epochs: 1, batchSize: 32 },
          // Budget 1: GDAS's search evaluates exactly one cell, which must be its argmax.
          search: { budget: 1, top: 1, trainTop: 0 },
        },
      },
    ]);
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'lmreg-darts-gdas-'));
    try {
      const before = tf.memory().numTensors;
      const result = await runSearch({ config, outDir: out });
      expect(tf.memory().numTensors).toBe(before);
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
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  }, 120_000);
});
