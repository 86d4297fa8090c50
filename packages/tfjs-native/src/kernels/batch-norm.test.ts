import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { fc, test } from '@fast-check/vitest';
import { InvalidArgumentError } from '@lmreg/common';
import { expectNoTensorLeak } from '@lmreg/common/testing';
import { beforeAll, describe, expect, it } from 'vitest';

import { BATCH_NORM_TRAIN, batchNormWithBatchStats, isFusedBatchNormAvailable } from './batch-norm.js';
import { isNativeKernelRegistered, registerNativeKernels, unregisterNativeKernels } from './register.js';
import { compare, describeNative, randomTensor } from '../testing/kernels.js';

const shapeArbitrary = fc.tuple(
  fc.integer({ min: 1, max: 4 }),
  fc.integer({ min: 1, max: 9 }),
  fc.integer({ min: 1, max: 9 }),
  fc.oneof(fc.integer({ min: 1, max: 9 }), fc.constantFrom(16, 17, 32)),
);

const tensor = (shape: number[], seed: number, offset = 0): tf.Tensor => randomTensor(shape, seed, 1, offset);

describe('batchNormWithBatchStats (any backend: composite tfjs ops without the fused kernels)', () => {
  beforeAll(async () => {
    expect(await tf.setBackend('cpu')).toBe(true);
  });

  it('normalises each channel over N, H, W with the biased variance', () => {
    unregisterNativeKernels();
    expect(isFusedBatchNormAvailable()).toBe(false);
    expectNoTensorLeak(() =>
      tf.tidy(() => {
        const x = tf.tensor4d([1, 10, 3, 20], [2, 1, 1, 2]);
        const y = batchNormWithBatchStats(x, tf.tensor1d([1, 2]), tf.tensor1d([0, 1]), 0);
        // channel 0: mean 2, biased std 1 -> -1, 1; channel 1: mean 15, std 5 -> 2 * (-1) + 1, 2 * 1 + 1
        expect(Array.from(y.dataSync())).toEqual([-1, -1, 1, 3]);
      }),
    );
  });

  it('rejects other shapes with InvalidArgumentError', () => {
    expectNoTensorLeak(() =>
      tf.tidy(() => {
        const x = tf.zeros([2, 3, 3, 4]) as tf.Tensor4D;
        expect(() => batchNormWithBatchStats(x, tf.ones([3]), tf.zeros([4]))).toThrow(InvalidArgumentError);
        expect(() => batchNormWithBatchStats(tf.zeros([2, 4]) as unknown as tf.Tensor4D, tf.ones([4]), tf.zeros([4]))).toThrow(InvalidArgumentError);
        expect(() => batchNormWithBatchStats(x, tf.ones([4]), tf.zeros([4]), -1)).toThrow(InvalidArgumentError);
      }),
    );
  });
});

describeNative('fused batch norm kernels (oneDNN) against the composite on the stock cpu kernels', () => {
  it('are registered and unregistered with the other native kernels', () => {
    registerNativeKernels();
    expect(isNativeKernelRegistered(BATCH_NORM_TRAIN)).toBe(true);
    expect(isFusedBatchNormAvailable()).toBe(true);
    expect(tf.getGradient(BATCH_NORM_TRAIN)).toBeDefined();
    unregisterNativeKernels();
    expect(tf.getKernel(BATCH_NORM_TRAIN, 'cpu')).toBeUndefined();
  });

  test.prop([shapeArbitrary, fc.integer({ min: 1, max: 1_000_000 }), fc.constantFrom(1e-5, 1e-3)], { numRuns: 80 })(
    'forward and gradients (x, gamma, beta) match, batch 1 and odd sizes included',
    (shape, seed, epsilon) => {
      const c = shape[3];
      compare(() =>
        tf.tidy(() => {
          // Offset and spread so that the statistics matter (a non-zero mean per channel).
          const x = tf.add(tf.mul(tensor(shape, seed), 3), 0.5) as tf.Tensor4D;
          const gamma = tensor([c], seed + 1, 1);
          const beta = tensor([c], seed + 2);
          const r = tensor(shape, seed + 3);
          const loss = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(batchNormWithBatchStats(a as tf.Tensor4D, g, b, epsilon), r));
          const grads = tf.grads(loss)([x, gamma, beta]);
          return [batchNormWithBatchStats(x, gamma, beta, epsilon), ...grads];
        }),
      );
    },
  );

  it('trains variables through tf.variableGrads and leaks nothing, with the tape on or off', () => {
    registerNativeKernels();
    const gamma = tf.variable(tf.ones([16]), true, 'bn-test-gamma');
    const beta = tf.variable(tf.zeros([16]), true, 'bn-test-beta');
    const x = tensor([4, 8, 8, 16], 5) as tf.Tensor4D;
    expectNoTensorLeak(() => {
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(batchNormWithBatchStats(x, gamma, beta))) as tf.Scalar, [gamma, beta]);
        // sum((x_hat * gamma + beta)^2) at gamma 1, beta 0: d/dgamma = 2 * sum(x_hat^2) = 2 * N H W per channel, d/dbeta = 2 * sum(x_hat) = 0.
        expect(value.dataSync()[0]).toBeCloseTo(4 * 8 * 8 * 16, 0);
        expect(Math.max(...Array.from(grads['bn-test-gamma']?.dataSync() ?? [0]).map((v) => Math.abs(v - 2 * 256)))).toBeLessThan(0.05);
        expect(Math.max(...Array.from(grads['bn-test-beta']?.dataSync() ?? [1]).map(Math.abs))).toBeLessThan(1e-3);
      });
      tf.tidy(() => void batchNormWithBatchStats(x, gamma, beta).dataSync());
    });
    tf.dispose([gamma, beta, x]);
  });
});
