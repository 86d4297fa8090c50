import { InvalidArgumentError } from '@lmreg/common';
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';

import { mixedPairs, pairedArrays, tiedValue } from '../testing/arbitraries.js';
import { bruteKendallTauB } from '../internal/reference.js';
import { kendallTau } from './kendall-tau.js';

/** Both NaN, or equal within `digits` decimals. */
function expectSame(actual: number, expected: number, digits = 12): void {
  if (Number.isNaN(expected)) expect(actual).toBeNaN();
  else expect(actual).toBeCloseTo(expected, digits);
}

const isConstant = (xs: readonly number[]): boolean => xs.every((v) => v === xs[0]);

describe('kendallTau', () => {
  it('matches hand-computed tau-b values', () => {
    expect(kendallTau([1, 2, 3, 4], [1, 2, 3, 4])).toBe(1);
    expect(kendallTau([1, 2, 3, 4], [4, 3, 2, 1])).toBe(-1);
    // 6 pairs: 4 concordant, 2 discordant ((3,2) and (4,2)) -> 2/6
    expect(kendallTau([1, 2, 3, 4], [1, 3, 4, 2])).toBeCloseTo(1 / 3, 15);
    // 3 concordant, 3 discordant -> exactly +0 (toBe uses Object.is, so -0 would fail)
    expect(kendallTau([1, 2, 3, 4], [2, 4, 1, 3])).toBe(0);
    expect(kendallTau([1, 2, 3, 4], [-2, -4, -1, -3])).toBe(0);
    // scipy.stats.kendalltau([1,2,2,3],[1,3,2,2]).statistic = 0.4 (hand: C=3, D=1, Tx=1, Ty=1 -> 2/5)
    expect(kendallTau([1, 2, 2, 3], [1, 3, 2, 2])).toBeCloseTo(0.4, 15);
    // scipy.stats.kendalltau([12,2,1,12,2],[1,4,7,1,0]).statistic
    expect(kendallTau([12, 2, 1, 12, 2], [1, 4, 7, 1, 0])).toBeCloseTo(-0.4714045207910316, 15);
  });

  it('accepts Float64Array and ±Infinity, and does not modify its inputs', () => {
    const a = new Float64Array([3, -Infinity, Infinity, 0]);
    const b = [2, 0, 3, 1];
    expect(kendallTau(a, b)).toBe(1);
    expect([...a]).toEqual([3, -Infinity, Infinity, 0]);
    expect(b).toEqual([2, 0, 3, 1]);
  });

  it('returns NaN when either side is constant (tau-b is 0/0 there)', () => {
    expect(kendallTau([5, 5, 5], [1, 2, 3])).toBeNaN();
    expect(kendallTau([1, 2, 3], [0, -0, 0])).toBeNaN();
    expect(kendallTau([1, 1], [2, 2])).toBeNaN();
  });

  it.each([
    ['a string', 'abc', [1, 2], /'a' must be an array of numbers.*got string/],
    ['null', null, [1, 2], /'a' must be an array.*got null/],
    ['an array-like object', { length: 2, 0: 1, 1: 2 }, [1, 2], /'a' must be an array/],
    ['a NaN', [1, Number.NaN], [1, 2], /'a'\[1\] is NaN/],
    ['a string element', [1, 2], [1, '2'], /'b'\[1\] is a string/],
    ['a hole', [1, , 3], [1, 2, 3], /'a'\[1\] is missing/], // eslint-disable-line no-sparse-arrays
    ['different lengths', [1, 2, 3], [1, 2], /'a' has 3 items but 'b' has 2/],
    ['one item', [1], [2], /at least 2 items.*got 1/],
    ['no items', [], [], /at least 2 items.*got 0/],
  ])('throws InvalidArgumentError on %s', (_label, a, b, message) => {
    const call = (): number => kendallTau(a as number[], b as number[]);
    expect(call).toThrow(InvalidArgumentError);
    expect(call).toThrow(message);
  });

  test.prop([mixedPairs])('equals the O(n^2) pair-counting tau-b, ties included', ([a, b]) => {
    expectSame(kendallTau(a, b), bruteKendallTauB(a, b));
  });

  test.prop([mixedPairs])('lies in [-1, 1] or is NaN exactly when a side is constant', ([a, b]) => {
    const tau = kendallTau(a, b);
    if (isConstant(a) || isConstant(b)) expect(tau).toBeNaN();
    else {
      expect(tau).toBeGreaterThanOrEqual(-1);
      expect(tau).toBeLessThanOrEqual(1);
    }
  });

  test.prop([mixedPairs])('is symmetric', ([a, b]) => {
    expect(kendallTau(a, b)).toBe(kendallTau(b, a));
  });

  test.prop([pairedArrays(tiedValue)])('is invariant under strictly increasing transforms of either argument', ([a, b]) => {
    const tau = kendallTau(a, b);
    const grow = (v: number): number => Math.exp(v) + v ** 3;
    expect(kendallTau(a.map(grow), b)).toBe(tau);
    expect(
      kendallTau(
        a,
        b.map((v) => 1000 * v - 7),
      ),
    ).toBe(tau);
    // A decreasing transform of one side flips the sign.
    expect(
      kendallTau(
        a.map((v) => -grow(v)),
        b,
      ),
    ).toBe(tau === 0 ? 0 : -tau);
  });

  test.prop([fc.array(fc.oneof(tiedValue, fc.double({ noNaN: true })), { minLength: 2, maxLength: 60 })])(
    'tau(x, x) = 1 and tau(x, -x) = -1 for non-constant x',
    (x) => {
      fc.pre(!isConstant(x));
      expect(kendallTau(x, x)).toBe(1);
      expect(
        kendallTau(
          x,
          x.map((v) => -v),
        ),
      ).toBe(-1);
    },
  );

  test.prop([fc.integer({ min: 2, max: 3000 }), fc.integer()], { numRuns: 20 })(
    'equals the reference on long tie-heavy inputs (exercises every merge level)',
    (n, seed) => {
      let s = seed | 0;
      const next = (): number => {
        s = (Math.imul(s, 1103515245) + 12345) | 0;
        return (s >>> 16) % 50;
      };
      const a = Array.from({ length: n }, next);
      const b = Array.from({ length: n }, next);
      expectSame(kendallTau(a, b), bruteKendallTauB(a, b));
    },
  );
});
