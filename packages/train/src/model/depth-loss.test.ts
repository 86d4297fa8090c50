import '@tensorflow/tfjs-backend-cpu';
import { fc, test } from '@fast-check/vitest';
import { InvalidArgumentError } from '@lmreg/common';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';

import { ssiLoss } from './depth-loss.js';
import { useCpuWithLeakCheck } from '../testing/model.js';

useCpuWithLeakCheck();

function value(t: tf.Scalar): number {
  const v = t.dataSync()[0] ?? NaN;
  t.dispose();
  return v;
}

/** Direct per-image least squares in float64 (reference). */
function reference(pred: number[][], target: number[][], mask?: number[][]): number {
  let total = 0;
  let count = 0;
  pred.forEach((p, b) => {
    const d = target[b] as number[];
    const m = mask?.[b] ?? p.map(() => 1);
    let a00 = 0,
      a01 = 0,
      a11 = 0,
      b0 = 0,
      b1 = 0;
    p.forEach((pi, i) => {
      const mi = m[i] ?? 0;
      a00 += mi * pi * pi;
      a01 += mi * pi;
      a11 += mi;
      b0 += mi * pi * (d[i] ?? 0);
      b1 += mi * (d[i] ?? 0);
    });
    const det = a00 * a11 - a01 * a01;
    const s = det > 1e-10 * a11 * a00 ? (a11 * b0 - a01 * b1) / det : 0;
    const t = det > 1e-10 * a11 * a00 ? (a00 * b1 - a01 * b0) / det : b1 / Math.max(a11, 1);
    p.forEach((pi, i) => {
      total += (m[i] ?? 0) * Math.abs(s * pi + t - (d[i] ?? 0));
      count += m[i] ?? 0;
    });
  });
  return total / Math.max(count, 1);
}

/** 16 pixels on a 0.01 grid in [-10, 10] (float32-representable scale; no near-singular 1e-18 images). */
const image = fc.array(
  fc.integer({ min: -1000, max: 1000 }).map((v) => v / 100),
  { minLength: 16, maxLength: 16 },
);

describe('ssiLoss (MiDaS scale- and shift-invariant loss)', () => {
  test.prop(
    [
      fc.array(fc.tuple(image, image), { minLength: 1, maxLength: 3 }),
      fc.double({ min: 0.1, max: 20, noNaN: true }),
      fc.double({ min: -50, max: 50, noNaN: true }),
    ],
    { numRuns: 100 },
  )('is invariant to a positive scale and any shift of the prediction, and matches a float64 reference', (pairs, scale, shift) => {
    const pred = pairs.map(([p]) => p);
    const target = pairs.map(([, d]) => d);
    const p = tf.tensor2d(pred);
    const d = tf.tensor2d(target);
    const moved = tf.tidy(() => tf.add(tf.mul(p, scale), shift));
    const base = value(ssiLoss(p, d));
    const other = value(ssiLoss(moved, d));
    tf.dispose([p, d, moved]);
    const tol = 1e-3 * (1 + Math.max(...target.flat().map(Math.abs)));
    expect(Math.abs(base - other)).toBeLessThan(tol);
    expect(Math.abs(base - reference(pred, target))).toBeLessThan(tol);
  });

  it('is zero for an affinely related pair and positive otherwise; honours the mask', () => {
    const pred = tf.randomNormal([2, 8, 8], 0, 1, 'float32', 1);
    const target = tf.tidy(() => tf.add(tf.mul(pred, 3), -2));
    expect(value(ssiLoss(pred, target))).toBeLessThan(1e-5);
    const noisy = tf.randomNormal([2, 8, 8], 0, 1, 'float32', 2);
    expect(value(ssiLoss(pred, noisy))).toBeGreaterThan(0.1);
    // Corrupt half the target where the mask is 0: the loss stays zero.
    const mask = tf.tidy(() => tf.cast(tf.greater(tf.randomUniform([2, 8, 8], 0, 1, 'float32', 3), 0.5), 'float32'));
    const corrupted = tf.tidy(() => tf.add(tf.mul(target, mask), tf.mul(tf.sub(1, mask), 100)));
    expect(value(ssiLoss(pred, corrupted, mask))).toBeLessThan(1e-4);
    expect(value(ssiLoss(pred, corrupted))).toBeGreaterThan(1);
    // a constant prediction falls back to the target's mean
    const flat = tf.zeros([1, 4]);
    const t = tf.tensor2d([[1, 2, 3, 6]]);
    expect(value(ssiLoss(flat, t))).toBeCloseTo((2 + 1 + 0 + 3) / 4, 5);
    const wrong = tf.zeros([1, 5]);
    expect(() => ssiLoss(flat, wrong)).toThrow(InvalidArgumentError);
    tf.dispose([pred, target, noisy, mask, corrupted, flat, t, wrong]);
  });

  it('has finite gradients through the closed-form alignment', () => {
    const init = tf.randomNormal([2, 16], 0, 1, 'float32', 4);
    const pred = tf.variable(init);
    init.dispose();
    const target = tf.randomNormal([2, 16], 0, 1, 'float32', 5);
    const { value: v, grads } = tf.variableGrads(() => ssiLoss(pred, target), [pred]);
    const g = grads[pred.name] as tf.Tensor;
    expect(Array.from(g.dataSync()).every(Number.isFinite)).toBe(true);
    expect(Array.from(g.dataSync()).some((x) => x !== 0)).toBe(true);
    tf.dispose([v, g, pred, target]);
  });
});
