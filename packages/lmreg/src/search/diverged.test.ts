import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { expectNoTensorLeak } from '@lmreg/common/testing';
import { beforeAll, describe, expect, it } from 'vitest';

import { selectBackend, loadCheckpoint, DivergedError } from '@lmreg/train';

import { tinySearchConfig } from '../testing/search.js';
import { runSearch } from './run-search.js';

// A NaN/infinite loss must stop the search with DivergedError naming the epoch, the step and the
// checkpoint, and leave the last good (end of epoch 0) checkpoint intact and loadable.
// Trigger: an absurd landmark weight (lambdaMax 1e300, finite in float64, Infinity once it becomes
// a float32 tensor). The ranking term starts after the 1 warm-up epoch, so epoch 0 trains normally
// and is checkpointed, and the first ranking step of epoch 1 has an infinite or NaN loss (hinge * Inf).
// (lr 1e30 alone diverges too, but already in epoch 0, before any checkpoint exists.)
beforeAll(async () => {
  await selectBackend('cpu');
});

describe('a diverging search', () => {
  it('stops with DivergedError and keeps the end-of-epoch-0 checkpoint', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lmreg-diverged-'));
    const config = tinySearchConfig({
      backend: 'cpu',
      testSubset: 32,
      epochs: 2,
      warmupEpochs: 1,
      heldOut: 2,
      landmarks: { count: 2 },
      ranking: { lambdaMax: 1e300, schedule: 'constant' },
    });
    // The failed search frees every tensor too.
    const error = await expectNoTensorLeak(() =>
      runSearch({ config, outDir: root }).then(
        () => undefined,
        (e: unknown) => e,
      ),
    );
    expect(error).toBeInstanceOf(DivergedError);
    const ckFile = path.join(root, 'supernet-landmarks.bin');
    const message = (error as Error).message;
    expect(message).toMatch(/landmarks super-net diverged at epoch 1, step \d+/);
    expect(message).toContain(ckFile);
    expect(message).toMatch(/end of epoch 0\) is intact/);
    const ck = loadCheckpoint(ckFile);
    expect((ck.meta as { epoch: number }).epoch).toBe(0);
    const weights = Object.entries(ck.arrays).filter(([k]) => k.startsWith('w/'));
    expect(weights.length).toBeGreaterThan(0);
    for (const [k, v] of weights) expect(v.every(Number.isFinite), k).toBe(true);
    expect(fs.existsSync(path.join(root, 'result.json'))).toBe(false);
    fs.rmSync(root, { recursive: true, force: true });
  }, 120_000);
});
