import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';

import { InvalidArgumentError } from '../errors/lmreg-error.js';
import { createRng, createRngFromState } from './rng.js';

describe('createRng', () => {
  test.prop([fc.integer()])('the same seed gives the same sequence', (seed) => {
    const a = createRng(seed);
    const b = createRng(seed);
    for (let i = 0; i < 20; i++) expect(a.int(1000)).toBe(b.int(1000));
    expect(a.float()).toBe(b.float());
  });

  test('sequence is fixed across machines (golden values for seed 42)', () => {
    const r = createRng(42);
    const values = Array.from({ length: 5 }, () => r.int(1_000_000));
    // Recorded once; a change here means runs stop being reproducible across versions.
    expect(values).toEqual(GOLDEN_42);
  });

  test.prop([fc.integer(), fc.integer({ min: 1, max: 1e9 })])('int stays in [0, n)', (seed, n) => {
    const r = createRng(seed);
    for (let i = 0; i < 10; i++) {
      const v = r.int(n);
      expect(Number.isInteger(v) && v >= 0 && v < n).toBe(true);
    }
  });

  test.prop([fc.integer()])('float stays in [0, 1)', (seed) => {
    const r = createRng(seed);
    for (let i = 0; i < 10; i++) {
      const v = r.float();
      expect(v >= 0 && v < 1).toBe(true);
    }
  });

  test.prop([fc.integer(), fc.nat({ max: 50 })])('state round-trips and continues the same stream', (seed, skip) => {
    const r = createRng(seed);
    for (let i = 0; i < skip; i++) r.int(7);
    const restored = createRngFromState(r.state());
    for (let i = 0; i < 10; i++) expect(restored.int(1 << 30)).toBe(r.int(1 << 30));
  });

  test.prop([fc.integer(), fc.array(fc.integer(), { maxLength: 30 })])('shuffle is a permutation', (seed, xs) => {
    const out = createRng(seed).shuffle(xs);
    expect([...out].sort((a, b) => a - b)).toEqual([...xs].sort((a, b) => a - b));
  });

  test('int is close to uniform (chi-square, 10 bins, 100k draws)', () => {
    const r = createRng(7);
    const counts = new Array<number>(10).fill(0);
    for (let i = 0; i < 100_000; i++) counts[r.int(10)]! += 1;
    const chi2 = counts.reduce((s, c) => s + (c - 10_000) ** 2 / 10_000, 0);
    expect(chi2).toBeLessThan(27.88); // p = 0.001 at 9 degrees of freedom
  });

  test('bad arguments throw InvalidArgumentError', () => {
    expect(() => createRng(1.5)).toThrow(InvalidArgumentError);
    expect(() => createRng(1).int(0)).toThrow(/positive safe integer/);
    expect(() => createRng(1).pick([])).toThrow(InvalidArgumentError);
    expect(() => createRngFromState([1, 2])).toThrow(/4 integers/);
  });
});

const GOLDEN_42 = [483605, 21225, 151535, 472820, 202834];
