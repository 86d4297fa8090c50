import { InvalidArgumentError } from '@lmreg/common';
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';

import { pairedArrays, tiedValue } from '../testing/arbitraries.js';
import { bruteKendallTauB, releasedCodeRankLists } from '../internal/reference.js';
import { kendallTau } from './kendall-tau.js';
import { sparseKendallTau } from './sparse-kendall-tau.js';

const accuracy = fc.double({ min: 0, max: 1, noNaN: true });
const isConstant = (xs: readonly number[]): boolean => xs.every((v) => v === xs[0]);

describe('sparseKendallTau', () => {
  it('bins only the ground truth: gaps below the threshold become ties, not errors', () => {
    const groundTruth = [0.9101, 0.9104, 0.9203, 0.9306]; // first two share the 0.910 bin
    const predicted = [0.52, 0.51, 0.6, 0.7]; // swaps the first two
    expect(kendallTau(predicted, groundTruth)).toBeCloseTo(4 / 6, 15);
    // 5 concordant pairs, 0 discordant, 1 pair tied only in the binned ground truth
    expect(sparseKendallTau(predicted, groundTruth)).toBeCloseTo(5 / Math.sqrt(6 * 5), 15);
    // Predictions are never binned: 0.5201 vs 0.5204 still count as ordered.
    expect(sparseKendallTau([0.5201, 0.5204, 0.6, 0.7], [0.91, 0.92, 0.93, 0.94])).toBe(1);
  });

  it('uses the default threshold 1e-3 (fractions) and needs 0.1 for percentages', () => {
    const fractions = [0.9101, 0.9104, 0.9203];
    const percent = fractions.map((v) => v * 100);
    const predicted = [2, 1, 3];
    expect(sparseKendallTau(predicted, fractions)).toBe(sparseKendallTau(predicted, fractions, { threshold: 1e-3 }));
    expect(sparseKendallTau(predicted, percent, { threshold: 0.1 })).toBe(sparseKendallTau(predicted, fractions));
    // With the default on percentages, the bins are 1e-3 % wide: no ties, plain tau.
    expect(sparseKendallTau(predicted, percent)).toBe(kendallTau(predicted, percent));
  });

  it('bins with floor(gt * (1 / threshold)) in plain float64, as the authors do', () => {
    // 0.3 * 10 === 3, so 0.3 opens bin 3 and ties with 0.35 (0.3 / 0.1 would give bin 2).
    expect(0.3 / 0.1).toBe(2.9999999999999996);
    expect(sparseKendallTau([1, 2, 3], [0.3, 0.35, 0.41], { threshold: 0.1 })).toBeCloseTo(2 / Math.sqrt(3 * 2), 15);
    // Documented float artefact, not corrected: 1.001 * 1000 === 1000.9999999999999, so 1.001
    // falls into bin 1000 together with 1.0005.
    expect(sparseKendallTau([1, 2, 3], [1.0005, 1.001, 1.002])).toBeCloseTo(2 / Math.sqrt(3 * 2), 15);
    // Negative ground truth floors downward: -0.0001 is bin -1, not bin 0.
    expect(sparseKendallTau([1, 2], [-0.0001, 0.0001])).toBe(1);
  });

  it('sends every 3-decimal fraction in [0, 1) and every 1-decimal percentage to its exact bin', () => {
    for (let k = 0; k < 1000; k++) {
      const fraction = Number(`${k}e-3`);
      expect(Math.floor(fraction * (1 / 1e-3))).toBe(k);
      const percent = Number(`${k}e-1`);
      expect(Math.floor(percent * (1 / 0.1))).toBe(k);
    }
    // Adjacent exact edges are therefore always different bins:
    const gt = Array.from({ length: 1000 }, (_, k) => Number(`${k}e-3`));
    expect(sparseKendallTau(gt, gt)).toBe(1);
  });

  it('returns NaN when all ground truth falls into one bin or the prediction is constant', () => {
    expect(sparseKendallTau([1, 2, 3], [0.9101, 0.9102, 0.9109])).toBeNaN();
    expect(sparseKendallTau([1, 1, 1], [0.1, 0.2, 0.3])).toBeNaN();
    expect(sparseKendallTau([1, 1, 1], [0.1, 0.2, 0.3], { variant: 'released-code' })).toBeNaN();
  });

  it.each([
    ['threshold 0', { threshold: 0 }, /threshold must be a finite number > 0/],
    ['a negative threshold', { threshold: -0.1 }, /threshold must be a finite number > 0.*got -0.1/],
    ['a NaN threshold', { threshold: Number.NaN }, /got NaN/],
    ['an infinite threshold', { threshold: Infinity }, /got Infinity/],
    ['a threshold with an infinite reciprocal', { threshold: 1e-320 }, /got 1e-320/],
    ['a string threshold', { threshold: '0.1' }, /got 0.1/],
    ['an unknown variant', { variant: 'scipy' }, /unknown variant 'scipy'; use one of 'binned-tau-b', 'released-code'/],
    ['non-object options', 0.1, /options must be an object like \{ threshold: 0.1 \}, got number/],
  ])('throws InvalidArgumentError on %s', (_label, options, message) => {
    const call = (): number => sparseKendallTau([1, 2], [0.1, 0.2], options as never);
    expect(call).toThrow(InvalidArgumentError);
    expect(call).toThrow(message);
  });

  it('validates the arrays like kendallTau, naming the S-KdT arguments', () => {
    expect(() => sparseKendallTau([1, 2, 3], [0.1, 0.2])).toThrow(/'predicted' has 3 items but 'groundTruth' has 2/);
    expect(() => sparseKendallTau([1, 2], [0.1, Number.NaN])).toThrow(/'groundTruth'\[1\] is NaN/);
    expect(() => sparseKendallTau('0.1,0.2' as never, [0.1, 0.2])).toThrow(InvalidArgumentError);
  });

  test.prop([
    fc.uniqueArray(fc.integer({ min: -1e6, max: 1e6 }), { minLength: 2, maxLength: 40 }),
    fc.integer({ min: 0, max: 30 }),
    fc.array(tiedValue, { minLength: 40, maxLength: 40 }),
  ])('with a threshold finer than the spacing of distinct multiples, equals plain tau-b', (steps, exponent, pool) => {
    const threshold = 2 ** -exponent; // exact in binary, so k * threshold * (1 / threshold) === k
    const groundTruth = steps.map((k) => k * threshold);
    const predicted = pool.slice(0, steps.length);
    expect(sparseKendallTau(predicted, groundTruth, { threshold })).toBe(kendallTau(predicted, groundTruth));
  });

  test.prop([pairedArrays(fc.oneof(tiedValue, accuracy)), fc.constantFrom(1e-3, 1e-2, 0.1, 0.25, 1, 3)])(
    'equals the brute-force tau-b of (predicted, floor(gt / threshold-by-reciprocal))',
    ([predicted, groundTruth], threshold) => {
      const bins = groundTruth.map((g) => Math.floor(g * (1 / threshold)));
      const expected = bruteKendallTauB(predicted, bins);
      const actual = sparseKendallTau(predicted, groundTruth, { threshold });
      if (Number.isNaN(expected)) expect(actual).toBeNaN();
      else expect(actual).toBeCloseTo(expected, 12);
    },
  );

  test.prop([pairedArrays(fc.oneof(tiedValue, accuracy)), fc.constantFrom(1e-3, 0.1)])(
    'is invariant under strictly increasing transforms of the prediction and lies in [-1, 1]',
    ([predicted, groundTruth], threshold) => {
      const tau = sparseKendallTau(predicted, groundTruth, { threshold });
      // Piecewise scaling by powers of two: exact in float64, so strictly increasing.
      const grow = (v: number): number => (v < 0 ? v * 4 : v * 1024);
      expect(sparseKendallTau(predicted.map(grow), groundTruth, { threshold })).toBe(tau);
      if (!Number.isNaN(tau)) {
        expect(Math.abs(tau)).toBeLessThanOrEqual(1);
      }
    },
  );

  describe("variant 'released-code'", () => {
    test.prop([pairedArrays(fc.oneof(tiedValue, accuracy)), fc.constantFrom(1e-3, 0.1, 0.5)])(
      "equals scipy's tau-b of the two rank lists the authors' code builds (transcribed)",
      ([predicted, groundTruth], threshold) => {
        fc.pre(!isConstant(predicted));
        const [sortedRanks, ranksByPrediction] = releasedCodeRankLists(predicted, groundTruth, threshold);
        const expected = bruteKendallTauB(sortedRanks, ranksByPrediction);
        const actual = sparseKendallTau(predicted, groundTruth, { threshold, variant: 'released-code' });
        if (Number.isNaN(expected)) expect(actual).toBeNaN();
        else expect(actual).toBeCloseTo(expected, 12);
      },
    );

    test.prop([fc.uniqueArray(fc.integer({ min: 0, max: 1000 }), { minLength: 2, maxLength: 40 }), fc.integer()])(
      'equals the default variant when predictions are distinct and every item has its own bin',
      (steps, seed) => {
        const groundTruth = steps.map((k) => k / 1000 + 0.0004); // away from bin edges
        const predicted = steps.map((_, i) => Math.sin(seed + i * 7.3));
        fc.pre(new Set(predicted).size === predicted.length);
        const released = sparseKendallTau(predicted, groundTruth, { variant: 'released-code' });
        expect(released).toBeCloseTo(sparseKendallTau(predicted, groundTruth), 14);
      },
    );

    it('differs from the default when bins tie (position pairing)', () => {
      const predicted = [1, 2, 3, 4];
      const groundTruth = [0.1, 0.1, 0.2, 0.3];
      // default: pairs (1,2) tied in gt only -> 5 / sqrt(6 * 5)
      expect(sparseKendallTau(predicted, groundTruth)).toBeCloseTo(5 / Math.sqrt(30), 15);
      // released code pairs sorted bins with the bins in prediction order: the same lists here
      expect(sparseKendallTau(predicted, groundTruth, { variant: 'released-code' })).toBeCloseTo(1, 15);
    });
  });
});
