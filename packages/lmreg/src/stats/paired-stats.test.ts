import { fc, test } from '@fast-check/vitest';
import { InvalidArgumentError } from '@lmreg/common';
import { describe, expect, it } from 'vitest';

import { bootstrapMeanInterval, mean, pairedDifference, sampleStd, signTest } from './paired-stats.js';

const value = fc.double({ min: -1, max: 1, noNaN: true });
const values = fc.array(value, { minLength: 1, maxLength: 12 });
/** Few resamples keep the property runs fast; the defaults are tested on their own. */
const quick = { resamples: 500 };

describe('mean and sampleStd', () => {
  it('are the mean and the n - 1 standard deviation, NaN where undefined', () => {
    expect(mean([1, 2, 3, 6])).toBe(3);
    expect(sampleStd([1, 2, 3, 6])).toBeCloseTo(Math.sqrt(14 / 3), 14);
    expect(sampleStd([4])).toBeNaN();
    expect(mean([])).toBeNaN();
  });
});

describe('bootstrapMeanInterval', () => {
  test.prop([value, fc.integer({ min: 1, max: 20 })])('of constant values is the value itself, so it contains the mean', (c, n) => {
    const xs = Array.from({ length: n }, () => c);
    const [low, high] = bootstrapMeanInterval(xs, quick);
    expect(low).toBe(high);
    expect(low).toBeLessThanOrEqual(mean(xs));
    expect(high).toBeGreaterThanOrEqual(mean(xs));
  });

  test.prop([values])('lies within the range of the values, low <= high, and is the same for the same seed', (xs) => {
    const [low, high] = bootstrapMeanInterval(xs, quick);
    const eps = 1e-12;
    expect(low).toBeLessThanOrEqual(high);
    expect(low).toBeGreaterThanOrEqual(Math.min(...xs) - eps);
    expect(high).toBeLessThanOrEqual(Math.max(...xs) + eps);
    expect(bootstrapMeanInterval(xs, quick)).toEqual([low, high]);
  });

  test.prop([values, fc.integer({ min: 0, max: 1000 })])('a higher level gives an interval that contains the lower level one (same seed)', (xs, seed) => {
    const [low95, high95] = bootstrapMeanInterval(xs, { ...quick, seed, level: 0.95 });
    const [low99, high99] = bootstrapMeanInterval(xs, { ...quick, seed, level: 0.99 });
    const [low50, high50] = bootstrapMeanInterval(xs, { ...quick, seed, level: 0.5 });
    expect(low99).toBeLessThanOrEqual(low95);
    expect(high99).toBeGreaterThanOrEqual(high95);
    expect(low95).toBeLessThanOrEqual(low50);
    expect(high95).toBeGreaterThanOrEqual(high50);
  });

  it('uses 10,000 resamples and seed 17 by default: the numbers of the fmnist study (SPOS, seeds 0-4)', () => {
    // Paired S-KdT gains of experiments/fmnist/results/spos-s0..s4 (README: 0.375 [0.254, 0.470]).
    const gains = [0.47534229711266596, 0.3100479543346042, 0.16177297576007296, 0.4749862301931066, 0.450370893490312];
    expect(bootstrapMeanInterval(gains)).toEqual([0.2541418357454978, 0.47020558962037146]);
    expect(bootstrapMeanInterval(gains, { seed: 18 })).not.toEqual([0.2541418357454978, 0.47020558962037146]);
  });

  it('refuses empty input, NaN and bad options', () => {
    expect(() => bootstrapMeanInterval([])).toThrow(InvalidArgumentError);
    expect(() => bootstrapMeanInterval([0.1, Number.NaN])).toThrow(/'xs'\[1\] is NaN, not a finite number/);
    expect(() => bootstrapMeanInterval([0.1], { level: 1 })).toThrow(/level must be in \(0, 1\)/);
    expect(() => bootstrapMeanInterval([0.1], { resamples: 0 })).toThrow(/resamples must be a positive integer/);
  });
});

describe('signTest', () => {
  it('gives the exact two-sided binomial p-value, dropping ties', () => {
    expect(signTest([0.1, 0.2, 0.3, 0.4, 0.5])).toEqual({ positive: 5, n: 5, p: 0.0625 });
    expect(signTest([0.1, 0.2, 0.3, 0.4, -0.5])).toEqual({ positive: 4, n: 5, p: 0.375 });
    expect(signTest([1, 1, 1, 1, 1, 1, 1, 1, -1, -1]).p).toBe((2 * (1 + 10 + 45)) / 1024);
    expect(signTest([1, 0, 0, -1])).toEqual({ positive: 1, n: 2, p: 1 });
    expect(signTest([])).toEqual({ positive: 0, n: 0, p: 1 });
  });

  test.prop([fc.array(fc.oneof(value, fc.constant(0)), { maxLength: 60 })])(
    'p is in (0, 1] and the same when every sign is flipped; zeros change nothing',
    (diffs) => {
      const { p, n, positive } = signTest(diffs);
      expect(p).toBeGreaterThan(0);
      expect(p).toBeLessThanOrEqual(1);
      expect(signTest(diffs.map((d) => -d))).toEqual({ positive: n - positive, n, p });
      expect(signTest([...diffs, 0, 0]).p).toBe(p);
    },
  );
});

describe('pairedDifference', () => {
  test.prop([values])('of identical runs is 0 with a [0, 0] interval and p = 1', (xs) => {
    const d = pairedDifference(xs, xs, quick);
    expect(d.diffs.every((x) => x === 0)).toBe(true);
    expect(d.mean).toBe(0);
    expect(d.ci).toEqual([0, 0]);
    expect(d.sign).toEqual({ positive: 0, n: 0, p: 1 });
  });

  test.prop([values.chain((a) => fc.tuple(fc.constant(a), fc.array(value, { minLength: a.length, maxLength: a.length })))])(
    'is with minus without, pair by pair; swapping the sides negates it and keeps p',
    ([without, withTerm]) => {
      const d = pairedDifference(without, withTerm, quick);
      expect(d.diffs).toEqual(withTerm.map((w, i) => w - without[i]!));
      expect(d.mean).toBeCloseTo(mean(withTerm) - mean(without), 12);
      const swapped = pairedDifference(withTerm, without, quick);
      expect(swapped.mean).toBeCloseTo(-d.mean, 12);
      expect(swapped.sign.p).toBe(d.sign.p);
      expect(d.ci[0]).toBeLessThanOrEqual(d.ci[1]);
    },
  );

  it('refuses arrays of different length and non-finite values', () => {
    expect(() => pairedDifference([0.1, 0.2], [0.3])).toThrow(/2 values without and 1 with the term/);
    expect(() => pairedDifference([0.1], [Number.POSITIVE_INFINITY])).toThrow(InvalidArgumentError);
    expect(() => pairedDifference([], [])).toThrow(/needs at least 1 value/);
  });
});
