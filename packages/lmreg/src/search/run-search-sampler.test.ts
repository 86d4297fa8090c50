import '@tensorflow/tfjs-backend-cpu';

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { expectNoTensorLeak } from '@lmreg/common/testing';
import { describe, expect, it } from 'vitest';

import { loadCheckpoint, selectBackend } from '@lmreg/train';

import { runSearchWithoutLeaks, tinySearchConfig, useCpuBackend } from '../testing/search.js';
import { runSearch } from './run-search.js';

useCpuBackend();

describe('runSearch driven by the sampler registry', () => {
  it('gdas: steps the logits, proposes the argmax first, reports top architectures with ground truth when trained alone; no leaks', async () => {
    const config = tinySearchConfig({ sampler: 'gdas', epochs: 2, search: { budget: 5, top: 3, trainTop: 1 } });
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'lmreg-gdas-'));
    const result = await runSearchWithoutLeaks({ config, outDir: out });
    const search = result.variants[0]?.search;
    expect(search?.sampler).toBe('gdas');
    expect(search?.evaluated).toBe(5);
    expect(search?.top.length).toBe(3);
    const accs = search?.top.map((t) => t.supernetAccuracy) ?? [];
    expect([...accs].sort((a, b) => b - a)).toEqual(accs);
    expect(search?.top[0]?.groundTruth).toBeGreaterThan(0); // top-1 was trained alone
    expect(typeof search?.argmax).toBe('string');
    const standalone = JSON.parse(fs.readFileSync(path.join(out, 'standalone.json'), 'utf8')) as Record<string, unknown>;
    expect(Object.keys(standalone).length).toBeGreaterThanOrEqual(config.landmarks.count + config.heldOut);
    // The sampler's state (GDAS logits and Adam moments) is in the checkpoint; the logits moved.
    const meta = loadCheckpoint(path.join(out, 'supernet-landmarks.bin')).meta as { sampler: { sampler: string; extra: { t: number; logits: number[][] } } };
    expect(meta.sampler.sampler).toBe('gdas');
    expect(meta.sampler.extra.t).toBe(2 * Math.floor(64 / 16));
    fs.rmSync(out, { recursive: true, force: true });
  }, 240_000);
});

describe('runSearch with the nao sampler', () => {
  it('trains with uniform paths and proposes with NAO on the super-net; records the native backend and its thread count', async () => {
    // The native backend as a stub addon with no kernels (tfjs' cpu computes) set to 2 threads.
    const stubNative = async (specifier: string): Promise<unknown> =>
      specifier === '@lmreg/tfjs-native'
        ? { registerNativeKernels: () => [], setNativeThreads: () => undefined, getNativeThreads: () => 2 }
        : import(specifier);
    await selectBackend('native', { importModule: stubNative, threads: 2 });
    try {
      const config = tinySearchConfig({ sampler: 'nao', search: { budget: 8, top: 2, trainTop: 0 } });
      const out = fs.mkdtempSync(path.join(os.tmpdir(), 'lmreg-nao-'));
      const result = await runSearchWithoutLeaks({ config, outDir: out });
      expect(result.variants[0]?.search.sampler).toBe('nao');
      expect(result.variants[0]?.search.evaluated).toBe(8);
      expect(result.variants[0]?.search.top.length).toBe(2);
      const written = JSON.parse(fs.readFileSync(path.join(out, 'result.json'), 'utf8')) as { backend: string; threads?: number };
      expect([written.backend, written.threads]).toEqual(['native', 2]);
      fs.rmSync(out, { recursive: true, force: true });
    } finally {
      await selectBackend('cpu');
    }
  }, 240_000);
});

describe('the multi-iteration pipeline (rounds)', () => {
  it('adds the top proposals, trained alone, as landmarks after each round; an interruption after a round resumes to the same weights', async () => {
    const config = tinySearchConfig({
      sampler: 'spos',
      rounds: 2,
      roundLandmarks: 2,
      search: { budget: 6, population: 3, tournament: 2, top: 2, trainTop: 0 },
    });
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lmreg-rounds-'));
    const straight = path.join(root, 'straight');
    const broken = path.join(root, 'broken');
    // Both runs and the interrupted one leave no tensors behind.
    const { variant, resumed } = await expectNoTensorLeak(async () => {
      const result = await runSearch({ config, outDir: straight });
      const variant = result.variants[0];
      expect(variant?.epochs.length).toBe(2);
      expect(variant?.rounds.length).toBe(1);
      const added = variant?.rounds[0]?.added ?? [];
      expect(added.length).toBe(2);
      const standalone = JSON.parse(fs.readFileSync(path.join(straight, 'standalone.json'), 'utf8')) as Record<string, { accuracy: number }>;
      const heldOut = new Set(result.heldOut.map((h) => h.arch));
      const landmarks = new Set(result.landmarks.map((l) => l.arch));
      for (const a of added) {
        expect(a.groundTruth).toBeGreaterThanOrEqual(0);
        expect(heldOut.has(a.arch) || landmarks.has(a.arch)).toBe(false);
      }
      expect(Object.keys(standalone).length).toBe(3 + 3 + 2);

      // Abort during round 2 (after round 1's checkpoint), then resume.
      await expect(
        runSearch({
          config,
          outDir: broken,
          onProgress: (p) => {
            if (p.phase === 'supernet' && p.label.includes('epoch 2/2') && p.done > p.total / 2 + 1) throw new Error('interrupted');
          },
        }),
      ).rejects.toThrow('interrupted');
      const mid = loadCheckpoint(path.join(broken, 'supernet-landmarks.bin')).meta as {
        epoch: number;
        extra: { rounds: unknown[] };
        landmarkTerm: { landmarks: unknown[] };
      };
      expect(mid.epoch).toBe(0);
      expect(mid.extra.rounds.length).toBe(1);
      expect(mid.landmarkTerm.landmarks.length).toBe(3 + 2); // the term's state holds the round's landmarks
      const resumed = await runSearch({ config, outDir: broken, resume: true });
      return { variant, resumed };
    });
    const x = loadCheckpoint(path.join(straight, 'supernet-landmarks.bin'));
    const y = loadCheckpoint(path.join(broken, 'supernet-landmarks.bin'));
    for (const [k, v] of Object.entries(x.arrays)) expect(Array.from(y.arrays[k] ?? []), k).toEqual(Array.from(v));
    expect(resumed.variants[0]?.rounds).toEqual(variant?.rounds);
    expect(resumed.variants[0]?.search.top).toEqual(variant?.search.top);
    fs.rmSync(root, { recursive: true, force: true });
  }, 400_000);
});
