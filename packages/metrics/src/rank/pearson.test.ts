import { InvalidArgumentError } from '@lmreg/common';
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';

import { mixedPairs, pairedArrays, tiedValue } from '../testing/arbitraries.js';
import { bruteAverageRanks, brutePearson } from '../internal/reference.js';
import { pearson, spearman } from './pearson.js';

const isConstant = (xs: readonly number[]): boolean => xs.every((v) => v === xs[0]);
// Multiples of 1/64 up to ±1e6: exact in float64, so the textbook formula is a fair reference.
const finitePairs = pairedArrays(
  fc.oneof(
    tiedValue,
    fc.integer({ min: -1e6, max: 1e6 }).map((v) => v / 64),
  ),
);

describe('pearson', () => {
  it('matches scipy.stats.pearsonr on a small example', () => {
    expect(pearson([1, 2, 3, 4.5], [2, 1, 5, 3])).toBeCloseTo(0.4738840450125853, 14);
    expect(pearson([1, 2, 3], [10, 20, 30])).toBe(1);
    expect(pearson([1, 2, 3], [3, 2, 1])).toBe(-1);
  });

  it('returns NaN for a constant side, even when its mean is not exactly representable', () => {
    expect(pearson([0.1, 0.1, 0.1], [1, 2, 3])).toBeNaN();
    expect(pearson([1, 2, 3], [7, 7, 7])).toBeNaN();
  });

  it('refuses infinite values (they have no mean) with InvalidArgumentError', () => {
    expect(() => pearson([1, Infinity], [1, 2])).toThrow(InvalidArgumentError);
    expect(() => pearson([1, Infinity], [1, 2])).toThrow(/'a'\[1\] is Infinity; this metric needs finite values/);
  });

  test.prop([finitePairs])('equals the textbook formula and stays in [-1, 1]', ([a, b]) => {
    const r = pearson(a, b);
    const expected = brutePearson(a, b);
    if (isConstant(a) || isConstant(b)) {
      expect(r).toBeNaN();
      return;
    }
    expect(r).toBeGreaterThanOrEqual(-1);
    expect(r).toBeLessThanOrEqual(1);
    expect(r).toBeCloseTo(expected, 12);
  });

  test.prop([finitePairs, fc.integer({ min: -1000, max: 1000 }), fc.integer({ min: -1000, max: 1000 })])(
    'is unchanged by scaling either side by 2^k, even to near-overflow or near-underflow magnitudes',
    ([a, b], ka, kb) => {
      const r = pearson(a, b);
      const scaled = pearson(
        a.map((v) => v * 2 ** ka),
        b.map((v) => v * 2 ** kb),
      );
      expect(scaled).toBe(r);
    },
  );

  it('stays accurate where the textbook formula underflows', () => {
    // x = [0,0,0,a], y = [0,0,b,0] has r = -1/3 for any a, b of the same sign; b^2 underflows.
    expect(pearson([0, 0, 0, -0.0043], [0, 0, -4.8e-160, 0])).toBeCloseTo(-1 / 3, 14);
    expect(pearson([0, 0, 0, 1e300], [0, 0, 1e300, 0])).toBeCloseTo(-1 / 3, 14);
  });
});

describe('spearman', () => {
  it('matches scipy.stats.spearmanr with ties', () => {
    expect(spearman([1, 2, 2, 3, 5], [2, 1, 4, 4, 9])).toBeCloseTo(0.7631578947368421, 14);
  });

  it('returns NaN for a constant side', () => {
    expect(spearman([4, 4, 4, 4], [1, 2, 3, 4])).toBeNaN();
  });

  it.each([
    ['non-array', 3, [1, 2], /'a' must be an array of numbers.*got number/],
    ['NaN', [1, 2], [Number.NaN, 2], /'b'\[0\] is NaN/],
    ['length mismatch', [1, 2], [1, 2, 3], /'a' has 2 items but 'b' has 3/],
    ['fewer than 2 items', [1], [1], /at least 2 items/],
  ])('throws InvalidArgumentError on %s', (_label, a, b, message) => {
    const call = (): number => spearman(a as number[], b as number[]);
    expect(call).toThrow(InvalidArgumentError);
    expect(call).toThrow(message);
  });

  test.prop([mixedPairs])('is the Pearson correlation of average ranks (counted by brute force)', ([a, b]) => {
    const expected = brutePearson(bruteAverageRanks(a), bruteAverageRanks(b));
    const rho = spearman(a, b);
    if (Number.isNaN(expected)) expect(rho).toBeNaN();
    else expect(rho).toBeCloseTo(expected, 12);
  });

  test.prop([pairedArrays(tiedValue)])('is symmetric and invariant under strictly increasing transforms', ([a, b]) => {
    const rho = spearman(a, b);
    expect(spearman(b, a)).toBe(rho);
    expect(
      spearman(
        a.map((v) => Math.exp(v)),
        b.map((v) => v ** 3),
      ),
    ).toBe(rho);
  });

  test.prop([fc.array(fc.double({ noNaN: true }), { minLength: 2, maxLength: 50 })])('rho(x, x) = 1 and rho(x, -x) = -1 for non-constant x', (x) => {
    fc.pre(!isConstant(x));
    expect(spearman(x, x)).toBe(1);
    expect(
      spearman(
        x,
        x.map((v) => -v),
      ),
    ).toBeCloseTo(-1, 14);
  });
});
