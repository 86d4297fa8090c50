import { createRng } from '@lmreg/common';
import { describe, expect, it } from 'vitest';

import { mixSeed } from './hash.js';
import { fitKernelRidge, quadraticMatchKernel } from './kernel-ridge.js';

describe('mixSeed', () => {
  it('gives distinct 32-bit seeds for nearby steps and seeds', () => {
    const seen = new Set<number>();
    for (let seed = 0; seed < 20; seed++) for (let step = 0; step < 500; step++) seen.add(mixSeed(seed, step));
    expect(seen.size).toBe(10000);
    expect(mixSeed(1, 2 ** 40)).not.toBe(mixSeed(1, 0));
  });
});

describe('fitKernelRidge', () => {
  it('learns an objective with pairwise interactions (what the quadratic kernel spans)', () => {
    const rng = createRng(3);
    const w = Array.from({ length: 30 }, () => rng.normal());
    const target = (x: readonly number[]) =>
      x.reduce((s, v, i) => s + (w[i * 5 + v] as number), 0) + (x[0] === x[1] ? 2 : 0) - (x[2] === 0 && x[5] === 0 ? 3 : 0);
    const draw = () => Array.from({ length: 6 }, () => rng.int(5));
    const train = Array.from({ length: 400 }, draw);
    const predict = fitKernelRidge(train, train.map(target), quadraticMatchKernel, 1e-3);
    const test = Array.from({ length: 200 }, draw);
    const errors = test.map((x) => predict(x) - target(x));
    const rmse = Math.sqrt(errors.reduce((s, e) => s + e * e, 0) / errors.length);
    const spread = Math.sqrt(test.map(target).reduce((s, v, _, all) => s + (v - all.reduce((a, b) => a + b) / all.length) ** 2, 0) / test.length);
    expect(rmse).toBeLessThan(0.1 * spread);
  });
});
