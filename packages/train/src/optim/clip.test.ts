import '@tensorflow/tfjs-backend-cpu';
import { useTensorLeakCheck } from '@lmreg/common/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { clipGradNorm } from './clip.js';

beforeAll(async () => {
  expect(await tf.setBackend('cpu')).toBe(true);
});
useTensorLeakCheck({ beforeEach, afterEach });

describe('clipGradNorm (PyTorch clip_grad_norm_)', () => {
  it('scales all gradients by maxNorm / (norm + 1e-6) when the global norm is larger', () => {
    const a = tf.tensor1d([3, 0]);
    const b = tf.tensor2d([[0, 4]]);
    const c = tf.tensor1d([0]);
    // global norm sqrt(9 + 16 + 0) = 5, maxNorm 2
    const { grads, norm } = clipGradNorm({ a, b, c }, 2);
    expect(norm.dataSync()[0]).toBeCloseTo(5, 6);
    const coef = 2 / (5 + 1e-6);
    expect(Array.from(grads['a']?.dataSync() ?? [])).toEqual([Math.fround(3 * coef), 0].map((v) => expect.closeTo(v, 6)));
    expect(grads['b']?.shape).toEqual([1, 2]);
    expect(grads['b']?.dataSync()[1]).toBeCloseTo(4 * coef, 6);
    tf.dispose([a, b, c, norm, ...Object.values(grads)]);
  });

  it('leaves gradients below the limit unchanged and reports the norm; Infinity only measures', () => {
    const a = tf.tensor1d([0.3, -0.4]);
    for (const maxNorm of [5, Infinity]) {
      const { grads, norm } = clipGradNorm({ a }, maxNorm);
      expect(norm.dataSync()[0]).toBeCloseTo(0.5, 6);
      expect(Array.from(grads['a']?.dataSync() ?? [])).toEqual(Array.from(a.dataSync()));
      tf.dispose([norm, ...Object.values(grads)]);
    }
    expect(() => clipGradNorm({ a }, 0)).toThrow();
    const empty = clipGradNorm({}, 5);
    expect(empty.norm.dataSync()[0]).toBe(0);
    empty.norm.dispose();
    a.dispose();
  });
});
