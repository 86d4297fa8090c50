import { InvalidArgumentError } from '@lmreg/common';
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';

import { pairedArrays, tiedValue } from '../testing/arbitraries.js';
import { bestRank, precisionAtK } from './top-k.js';

const distinctPairs = fc
  .uniqueArray(fc.integer({ min: -1000, max: 1000 }), { minLength: 1, maxLength: 40 })
  .chain((gt) => fc.tuple(fc.shuffledSubarray(gt, { minLength: gt.length, maxLength: gt.length }), fc.constant(gt)));

describe('precisionAtK', () => {
  it('counts the overlap of the two top-k sets over k (higher is better)', () => {
    const groundTruth = [0.9, 0.8, 0.7, 0.6, 0.5];
    expect(precisionAtK([5, 4, 3, 2, 1], groundTruth, 2)).toBe(1);
    expect(precisionAtK([5, 1, 4, 2, 3], groundTruth, 2)).toBe(0.5); // {0,2} vs {0,1}
    expect(precisionAtK([1, 2, 3, 4, 5], groundTruth, 2)).toBe(0);
    expect(precisionAtK([1, 2, 3, 4, 5], groundTruth, 5)).toBe(1);
  });

  it('breaks ties at the k-th place in favour of the earlier item', () => {
    // ground truth ties for 2nd place between items 1 and 2; item 1 comes first, so top-2 = {0, 1}
    expect(precisionAtK([9, 1, 8], [0.9, 0.5, 0.5], 2)).toBe(0.5);
    expect(precisionAtK([9, 8, 1], [0.9, 0.5, 0.5], 2)).toBe(1);
    // the same for tied predictions
    expect(precisionAtK([7, 7, 7], [0.1, 0.2, 0.3], 1)).toBe(0);
    expect(precisionAtK([7, 7, 7], [0.3, 0.2, 0.1], 1)).toBe(1);
  });

  it.each([
    ['k = 0', 0, /k must be an integer between 1 and the number of items \(3\), got 0/],
    ['k > n', 4, /got 4/],
    ['fractional k', 1.5, /got 1.5/],
    ['NaN k', Number.NaN, /got NaN/],
    ['string k', '2', /got 2/],
  ])('throws InvalidArgumentError on %s', (_label, k, message) => {
    const call = (): number => precisionAtK([1, 2, 3], [1, 2, 3], k as number);
    expect(call).toThrow(InvalidArgumentError);
    expect(call).toThrow(message);
  });

  it('throws InvalidArgumentError on bad arrays', () => {
    expect(() => precisionAtK([], [], 1)).toThrow(/at least 1 item in each array, got 0/);
    expect(() => precisionAtK([1, 2], [1], 1)).toThrow(/'predicted' has 2 items but 'groundTruth' has 1/);
    expect(() => precisionAtK([1, Number.NaN], [1, 2], 1)).toThrow(/'predicted'\[1\] is NaN/);
  });

  test.prop([pairedArrays(tiedValue, 1, 30), fc.nat()])('is a multiple of 1/k in [0, 1]', ([p, g], seed) => {
    const k = 1 + (seed % p.length);
    const value = precisionAtK(p, g, k);
    expect(value).toBeGreaterThanOrEqual(0);
    expect(value).toBeLessThanOrEqual(1);
    expect(Number.isInteger(Math.round(value * k * 1e9) / 1e9)).toBe(true);
    expect(precisionAtK(p, g, p.length)).toBe(1);
    expect(precisionAtK(g, g, k)).toBe(1);
  });

  test.prop([distinctPairs, fc.nat()])('without ties, equals a set computation and ignores the order of the items', ([p, g], seed) => {
    const k = 1 + (seed % p.length);
    const top = (xs: readonly number[]): Set<number> =>
      new Set(
        xs
          .map((v, i) => [v, i] as const)
          .sort((a, b) => b[0] - a[0])
          .slice(0, k)
          .map(([, i]) => i),
      );
    const tp = top(p);
    const expected = [...top(g)].filter((i) => tp.has(i)).length / k;
    expect(precisionAtK(p, g, k)).toBe(expected);
    expect(precisionAtK([...p].reverse(), [...g].reverse(), k)).toBe(expected);
  });
});

describe('bestRank', () => {
  it('returns the 1-based ground-truth rank of the top predicted item', () => {
    const groundTruth = [0.7, 0.9, 0.8];
    expect(bestRank([0, 5, 1], groundTruth)).toBe(1);
    expect(bestRank([0, 1, 5], groundTruth)).toBe(2);
    expect(bestRank([5, 1, 0], groundTruth)).toBe(3);
  });

  it('takes the first of tied predictions and lets tied ground truth share the better rank', () => {
    expect(bestRank([3, 3, 1], [0.5, 0.9, 0.7])).toBe(3); // item 0 chosen
    expect(bestRank([1, 3, 3], [0.5, 0.9, 0.7])).toBe(1); // item 1 chosen
    expect(bestRank([0, 5, 1, 0], [0.9, 0.9, 0.8, 0.95])).toBe(2); // 0.9 is behind 0.95 only
  });

  it('throws InvalidArgumentError on bad arrays', () => {
    expect(() => bestRank([], [])).toThrow(InvalidArgumentError);
    expect(() => bestRank([1], [1, 2])).toThrow(/'predicted' has 1 items but 'groundTruth' has 2/);
    expect(() => bestRank({} as never, [1])).toThrow(/'predicted' must be an array/);
  });

  test.prop([pairedArrays(tiedValue, 1, 30)])('lies in [1, n] and is 1 when predicting the truth', ([p, g]) => {
    const rank = bestRank(p, g);
    expect(rank).toBeGreaterThanOrEqual(1);
    expect(rank).toBeLessThanOrEqual(p.length);
    expect(bestRank(g, g)).toBe(1);
    expect(
      bestRank(
        g.map((v) => -v),
        g,
      ),
    ).toBe(1 + g.filter((v) => v > Math.min(...g)).length);
  });
});
