import { fc, test } from '@fast-check/vitest';
import { InvalidArgumentError } from '@lmreg/common';
import { describe, expect, it } from 'vitest';

import { cosineLr } from './schedule.js';

describe('cosineLr', () => {
  it('goes from 0.025 to 0.001 along a half cosine (defaults)', () => {
    const o = { epochs: 400 };
    expect(cosineLr(o, 0)).toBeCloseTo(0.025, 12);
    expect(cosineLr(o, 200)).toBeCloseTo(0.013, 12);
    expect(cosineLr(o, 100)).toBeCloseTo(0.001 + (0.024 * (1 + Math.SQRT1_2)) / 2, 12);
    expect(cosineLr(o, 400)).toBeCloseTo(0.001, 12);
    expect(cosineLr(o, 450)).toBeCloseTo(0.001, 12);
  });

  it('moves per step with stepsPerEpoch and once per epoch without it', () => {
    const perStep = { epochs: 10, stepsPerEpoch: 4, lrMax: 0.1, lrMin: 0 };
    expect(cosineLr(perStep, 5, 0)).toBeCloseTo(0.05, 12);
    expect(cosineLr(perStep, 4, 2)).toBeCloseTo(cosineLr({ epochs: 20, lrMax: 0.1, lrMin: 0 }, 9), 12);
    const perEpoch = { epochs: 10, lrMax: 0.1, lrMin: 0 };
    expect(cosineLr(perEpoch, 3, 7)).toBe(cosineLr(perEpoch, 3, 0));
  });

  test.prop([fc.integer({ min: 1, max: 500 }), fc.integer({ min: 1, max: 50 }), fc.nat(), fc.nat()])(
    'stays in [lrMin, lrMax] and never increases',
    (epochs, stepsPerEpoch, a, b) => {
      const o = { epochs, stepsPerEpoch };
      const total = epochs * stepsPerEpoch + stepsPerEpoch;
      const [i, j] = [a % total, b % total].sort((x, y) => x - y) as [number, number];
      const at = (k: number): number => cosineLr(o, Math.floor(k / stepsPerEpoch), k % stepsPerEpoch);
      expect(at(i)).toBeGreaterThanOrEqual(at(j));
      expect(at(i)).toBeLessThanOrEqual(0.025 + 1e-15);
      expect(at(j)).toBeGreaterThanOrEqual(0.001 - 1e-15);
    },
  );

  it('refuses bad arguments', () => {
    expect(() => cosineLr({ epochs: 0 }, 0)).toThrow(InvalidArgumentError);
    expect(() => cosineLr({ epochs: 10, stepsPerEpoch: 4 }, 0, 4)).toThrow(InvalidArgumentError);
    expect(() => cosineLr({ epochs: 10 }, -1)).toThrow(InvalidArgumentError);
    expect(() => cosineLr({ epochs: 10, lrMax: 0.001, lrMin: 0.01 }, 0)).toThrow(InvalidArgumentError);
  });
});
