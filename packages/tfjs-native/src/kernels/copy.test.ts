import '@tensorflow/tfjs-backend-cpu';
// tfjs-core alone registers no gradients: tf.grads needs them (the union package would load them).
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { fc, test } from '@fast-check/vitest';
import { expectNoTensorLeak } from '@lmreg/common/testing';
import { expect, it } from 'vitest';

import { isNativeKernelRegistered, registerNativeKernels } from './register.js';
import { compare, describeNative, randomTensor } from '../testing/kernels.js';

/** A shape of rank 1-4, an axis, and 1-4 part sizes along it (0 allowed) that make up the shape. */
const splitCase = fc
  .record({
    shape: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 4 }),
    axisSeed: fc.nat(),
    parts: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 2, maxLength: 4 }),
    seed: fc.integer({ min: 1, max: 1_000_000 }),
  })
  .map((c) => {
    const axis = c.axisSeed % c.shape.length;
    const parts = c.parts.some((p) => p > 0) ? c.parts : [1, ...c.parts];
    const shape = c.shape.map((d, i) => (i === axis ? parts.reduce((a, b) => a + b, 0) : d));
    return { shape, axis, parts, seed: c.seed };
  });

describeNative('native SplitV and Concat (strided copies) against the stock cpu kernels', () => {
  it('are registered', () => {
    registerNativeKernels();
    expect(isNativeKernelRegistered('SplitV')).toBe(true);
    expect(isNativeKernelRegistered('Concat')).toBe(true);
  });

  test.prop([splitCase], { numRuns: 100 })(
    'tf.split and tf.concat along any axis (empty parts included), with their gradients, match the stock kernels',
    (c) => {
      compare(() =>
        tf.tidy(() => {
          const x = randomTensor(c.shape, c.seed);
          const parts = tf.split(x, c.parts, c.axis);
          const weights = parts.map((p, i) => randomTensor(p.shape, c.seed + i + 1));
          const joined = tf.concat(
            parts.map((p, i) => tf.mul(p, weights[i] as tf.Tensor)),
            c.axis,
          );
          const r = randomTensor(joined.shape, c.seed + 99);
          const grad = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.concat(tf.split(a, c.parts, c.axis).reverse(), c.axis), r)))(x);
          return [...parts, joined, grad];
        }),
      );
    },
  );

  it('fall back to the stock kernels for int32', () => {
    registerNativeKernels();
    expectNoTensorLeak(() =>
      tf.tidy(() => {
        const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3], 'int32');
        const [a, b] = tf.split(x, [1, 2], 1) as [tf.Tensor, tf.Tensor];
        expect(Array.from(a.dataSync())).toEqual([1, 4]);
        expect(Array.from(tf.concat([b, a], 1).dataSync())).toEqual([2, 3, 1, 5, 6, 4]);
      }),
    );
  });
});
