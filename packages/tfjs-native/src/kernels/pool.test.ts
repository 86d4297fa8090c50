import '@tensorflow/tfjs-backend-cpu';
// tfjs-core alone registers no gradients: tf.grads needs them (the union package would load them).
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { fc, test } from '@fast-check/vitest';
import { expectNoTensorLeak } from '@lmreg/common/testing';
import { expect, it } from 'vitest';

import { clearNativeCache, nativeCacheSize } from '../addon/settings.js';
import { isNativeKernelRegistered, registerNativeKernels } from './register.js';
import { compare, describeNative, randomTensor, randomTensor4d, TOLERANCE, valuesWith } from '../testing/kernels.js';

type Pad = 'same' | 'valid';

interface PoolCase {
  batch: number;
  height: number;
  width: number;
  channels: number;
  window: [number, number];
  strides: [number, number];
  pad: Pad;
  seed: number;
}

const poolArbitrary = fc
  .record({
    batch: fc.integer({ min: 1, max: 3 }),
    height: fc.integer({ min: 1, max: 12 }),
    width: fc.integer({ min: 1, max: 12 }),
    channels: fc.constantFrom(1, 3, 8, 16, 17),
    window: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
    strides: fc.tuple(fc.constantFrom(1, 2), fc.constantFrom(1, 2)),
    pad: fc.constantFrom<Pad>('same', 'valid'),
    seed: fc.integer({ min: 1, max: 1_000_000 }),
  })
  .filter((c) => c.pad === 'same' || (c.height >= c.window[0] && c.width >= c.window[1]));

const xShape = (c: PoolCase): [number, number, number, number] => [c.batch, c.height, c.width, c.channels];
const input = (c: PoolCase): tf.Tensor4D => randomTensor4d(xShape(c), c.seed);

describeNative(
  'native pooling kernels',
  () => {
    test.prop([poolArbitrary], { numRuns: 60 })('AvgPool and MaxPool match the cpu kernels', (c) => {
      compare(() =>
        tf.tidy(() => {
          const x = input(c);
          return [tf.avgPool(x, c.window, c.strides, c.pad), tf.maxPool(x, c.window, c.strides, c.pad)];
        }),
      );
    });

    test.prop([poolArbitrary], { numRuns: 60 })('MaxPoolGrad matches the cpu kernel (via tf.grad)', (c) => {
      compare(() =>
        tf.tidy(() => {
          const x = input(c);
          const y = tf.maxPool(x, c.window, c.strides, c.pad);
          const r = randomTensor(y.shape, c.seed + 1);
          return [tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, c.window, c.strides, c.pad), r)))(x)];
        }),
      );
    });

    // tfjs-backend-cpu 4.22's AvgPoolGrad does not match its forward pass at 'same' borders (see
    // @lmreg/train's avgPoolGradValues), so AvgPoolGrad is checked as the adjoint of the stock
    // AvgPool: <dy, AvgPool(x)> = <AvgPoolGrad(dy), x> for the linear map x -> AvgPool(x).
    test.prop([poolArbitrary], { numRuns: 60 })('AvgPoolGrad is the adjoint of the stock AvgPool', (c) => {
      const [forward] = valuesWith(false, () =>
        tf.tidy(() => {
          const y = tf.avgPool(input(c), c.window, c.strides, c.pad);
          return [tf.sum(tf.mul(y, randomTensor(y.shape, c.seed + 1)))];
        }),
      );
      const [adjoint] = valuesWith(true, () =>
        tf.tidy(() => {
          const x = input(c);
          const shape = tf.backend_util.computePool2DInfo(xShape(c), c.window, c.strides, 1, c.pad).outShape;
          const dy = randomTensor(shape, c.seed + 1);
          const attrs = { filterSize: c.window, strides: c.strides, pad: c.pad };
          const dx = tf.engine().runKernel('AvgPoolGrad', { dy, input: x }, attrs as never) as tf.Tensor;
          return [tf.sum(tf.mul(dx, x))];
        }),
      );
      const expected = forward?.[0] ?? Number.NaN;
      expect(Math.abs((adjoint?.[0] ?? Number.NaN) - expected)).toBeLessThanOrEqual(TOLERANCE * Math.max(1, Math.abs(expected)));
    });

    it('registers AvgPool, AvgPoolGrad, MaxPool and MaxPoolGrad with the convolutions', () => {
      registerNativeKernels();
      for (const name of ['AvgPool', 'AvgPoolGrad', 'MaxPool', 'MaxPoolGrad']) expect(isNativeKernelRegistered(name)).toBe(true);
      clearNativeCache();
      expectNoTensorLeak(() =>
        tf.tidy(() => {
          const x = tf.ones([1, 5, 5, 2]) as tf.Tensor4D;
          tf.avgPool(x, 3, 1, 'same').dataSync();
          tf.grad((a: tf.Tensor) => tf.sum(tf.maxPool(a as tf.Tensor4D, 3, 1, 'same')))(x).dataSync();
        }),
      );
      // avg forward, max forward, max backward: each ran on oneDNN (no silent fallback).
      expect(nativeCacheSize()).toBe(3);
    });
  },
  { notBuilt: 'AvgPool' },
);
