import '@tensorflow/tfjs-backend-cpu';
// tfjs-core alone registers no gradients: tf.grads needs them (the union package would load them).
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { fc, test } from '@fast-check/vitest';
import { expectNoTensorLeak } from '@lmreg/common/testing';
import { expect, it } from 'vitest';

import { NativeKernelError } from '../errors.js';
import { FACTORIZED_REDUCE, FACTORIZED_REDUCE_GRAD } from './reduce.js';
import { isNativeKernelRegistered, registerNativeKernels, unregisterNativeKernels } from './register.js';
import { compositeBn, describeNative, maxRelativeError, randomTensor as tensor, scaledError, TOLERANCE, valuesWith } from '../testing/kernels.js';

// LmregFactorizedReduce against DARTS' FactorizedReduce composed of stock tfjs ops on the stock cpu
// kernels (relu, the stride-2 1x1 convs of x and of x shifted by one pixel, concat, batch norm):
// y and the gradients of sum(y * r) with respect to x, both filters, gamma and beta, within
// TOLERANCE (max |native - cpu| <= 1e-4 * max(|cpu|, 1)) and within 1e-3 of each output's own
// magnitude (floor 0.01). As for the fused convolutions (fused-conv.test.ts), the stock comparison
// takes batch norms over at least 8 values per channel and at least 2 input channels; every size,
// down to 1 value per channel, is compared with the same function on the separate native kernels
// (still with 2+ input channels: with one, a filter's exact gradient is 0, batch norm being
// invariant to its scale, and the two sides' rounding noise differs, their convolutions summing in
// another order: stride-2 convs of the whole image there, 1x1 convs of the gathered pixels here).

const reduceCase = fc.record({
  n: fc.integer({ min: 1, max: 3 }),
  halfH: fc.integer({ min: 1, max: 5 }),
  halfW: fc.integer({ min: 1, max: 5 }),
  c: fc.oneof(fc.integer({ min: 1, max: 9 }), fc.constantFrom(16, 17)),
  half: fc.oneof(fc.integer({ min: 1, max: 9 }), fc.constantFrom(8, 16)),
  seed: fc.integer({ min: 1, max: 1_000_000 }),
});
type ReduceCase = typeof reduceCase extends fc.Arbitrary<infer T> ? T : never;

type Op = (x: tf.Tensor4D, f1: tf.Tensor4D, f2: tf.Tensor4D, gamma: tf.Tensor, beta: tf.Tensor) => tf.Tensor4D;

/** The fused kernel through its registered gradient (z dropped). */
const fused: Op = (x, filter1, filter2, gamma, beta) => {
  const [y, z] = tf.engine().runKernel(FACTORIZED_REDUCE, { x, filter1, filter2, gamma, beta }, { epsilon: 1e-5 } as never) as tf.Tensor4D[];
  z?.dispose();
  return y as tf.Tensor4D;
};

/** DARTS' composite on any kernels: `relu` and batch norm given. */
function composite(relu: (x: tf.Tensor4D) => tf.Tensor4D, bn: (z: tf.Tensor4D, g: tf.Tensor, b: tf.Tensor) => tf.Tensor4D): Op {
  return (x, filter1, filter2, gamma, beta) => {
    const r = relu(x);
    const a = tf.conv2d(r, filter1, 2, 'valid');
    const b = tf.conv2d(tf.slice(r, [0, 1, 1, 0], [-1, -1, -1, -1]), filter2, 2, 'valid');
    return bn(tf.concat([a, b], 3), gamma, beta);
  };
}

const stock = composite(tf.relu, compositeBn);
const separateNative = composite(
  (x) => tf.engine().runKernel('LmregRelu', { x }) as tf.Tensor4D,
  (z, gamma, beta) => tf.engine().runKernel('LmregBatchNormTrain', { x: z, gamma, beta }, { epsilon: 1e-5 } as never) as tf.Tensor4D,
);

function run(p: ReduceCase, op: Op): tf.Tensor[] {
  return tf.tidy(() => {
    const x = tf.add(tf.mul(tensor([p.n, 2 * p.halfH, 2 * p.halfW, p.c], p.seed), 2), 0.3) as tf.Tensor4D;
    const f1 = tensor([1, 1, p.c, p.half], p.seed + 1, 0.5) as tf.Tensor4D;
    const f2 = tensor([1, 1, p.c, p.half], p.seed + 2, 0.5) as tf.Tensor4D;
    const gamma = tensor([2 * p.half], p.seed + 3, 0.5, 1);
    const beta = tensor([2 * p.half], p.seed + 4);
    const y = op(x, f1, f2, gamma, beta);
    const r = tensor(y.shape, p.seed + 5);
    const loss = (a: tf.Tensor, u: tf.Tensor, v: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(op(a as tf.Tensor4D, u as tf.Tensor4D, v as tf.Tensor4D, g, b), r));
    return [y, ...tf.grads(loss)([x, f1, f2, gamma, beta])];
  });
}

function expectScaledClose(actual: Float32Array[], expected: Float32Array[], tolerance: number, floor: number): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((v, i) => expect(scaledError(v, expected[i] ?? new Float32Array(), floor), `output ${i}`).toBeLessThanOrEqual(tolerance));
}

describeNative(
  'LmregFactorizedReduce against the composite on the stock cpu kernels',
  () => {
    it('is registered with its gradient and unregistered with the other native kernels', () => {
      registerNativeKernels();
      for (const name of [FACTORIZED_REDUCE, FACTORIZED_REDUCE_GRAD]) expect(isNativeKernelRegistered(name)).toBe(true);
      expect(tf.getGradient(FACTORIZED_REDUCE)).toBeDefined();
      unregisterNativeKernels();
      expect(tf.getKernel(FACTORIZED_REDUCE, 'cpu')).toBeUndefined();
    });

    test.prop([reduceCase.filter((p) => p.c > 1 && p.n * p.halfH * p.halfW >= 8)], { numRuns: 60 })(
      'forward and d/dx, d/dfilter1, d/dfilter2, d/dgamma, d/dbeta match the stock composite',
      (p) => {
        const expected = valuesWith(false, () => run(p, stock));
        const actual = valuesWith(true, () => run(p, fused));
        expect(actual.length).toBe(6);
        actual.forEach((v, i) => expect(maxRelativeError(v, expected[i] ?? new Float32Array()), `output ${i}`).toBeLessThanOrEqual(TOLERANCE));
        expectScaledClose(actual, expected, 1e-3, 1e-2);
      },
    );

    test.prop([reduceCase.filter((p) => p.c > 1)], { numRuns: 40 })(
      'equals the same function on the separate native kernels at every size (1 value per channel and up)',
      (p) => {
        const expected = valuesWith(true, () => run(p, separateNative));
        const actual = valuesWith(true, () => run(p, fused));
        // The two sum the 1x1 convolutions in different orders; with under 8 values per channel
        // the batch norm divides those last-bit differences by a standard deviation that can be
        // near 0 (1 x 1 x 2 values gave 3.3e-4 of dgamma's scale), so small sizes get the
        // composite test's bound.
        const small = p.n * p.halfH * p.halfW < 8;
        expectScaledClose(actual, expected, small ? 1e-3 : 1e-5, small ? 1e-2 : 1e-30);
      },
    );

    it('leaks nothing through tf.variableGrads, with the tape on or off', () => {
      registerNativeKernels();
      const f1 = tf.variable(tensor([1, 1, 4, 3], 1, 0.3), true, 'reduce-test-f1');
      const f2 = tf.variable(tensor([1, 1, 4, 3], 2, 0.3), true, 'reduce-test-f2');
      const gamma = tf.variable(tf.ones([6]), true, 'reduce-test-gamma');
      const beta = tf.variable(tf.zeros([6]), true, 'reduce-test-beta');
      const x = tensor([2, 6, 6, 4], 3) as tf.Tensor4D;
      const op = () => fused(x, f1 as unknown as tf.Tensor4D, f2 as unknown as tf.Tensor4D, gamma, beta);
      expectNoTensorLeak(() => {
        tf.tidy(() => {
          const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(op())) as tf.Scalar);
          // sum(x_hat^2) = N H W per channel at gamma 1, beta 0.
          expect(value.dataSync()[0]).toBeCloseTo(2 * 3 * 3 * 6, 0);
          expect(Object.keys(grads).sort()).toEqual(['reduce-test-beta', 'reduce-test-f1', 'reduce-test-f2', 'reduce-test-gamma']);
        });
        tf.tidy(() => void op().dataSync());
      });
      tf.dispose([f1, f2, gamma, beta, x]);
    });

    it('names the problem for bad attrs and shapes', () => {
      registerNativeKernels();
      expectNoTensorLeak(() =>
        tf.tidy(() => {
          const x = tf.ones([1, 4, 4, 2]);
          const ok = { x, filter1: tf.ones([1, 1, 2, 3]), filter2: tf.ones([1, 1, 2, 3]), gamma: tf.ones([6]), beta: tf.zeros([6]) };
          const call = (inputs: Record<string, tf.Tensor>, attrs: Record<string, number> = {}) =>
            tf.engine().runKernel(FACTORIZED_REDUCE, inputs, attrs as never);
          expect(() => call(ok, { epsilon: -1 })).toThrow(NativeKernelError);
          expect(() => call({ ...ok, x: tf.ones([1, 5, 4, 2]) })).toThrow(/height and width must be even/);
          expect(() => call({ x, filter1: ok.filter1, gamma: ok.gamma, beta: ok.beta })).toThrow(/missing input\(s\) filter2/);
          expect(() => call({ ...ok, filter2: tf.ones([1, 1, 2, 4]) })).toThrow(/filter2 must have shape \[1, 1, 2, 3\]/);
          expect(() => call({ ...ok, gamma: tf.ones([3]) })).toThrow(/gamma must have shape \[6\]/);
          expect(() => call({ ...ok, x: tf.ones([1, 4, 4, 2], 'int32') })).toThrow(/float32/);
        }),
      );
    });
  },
  { notBuilt: FACTORIZED_REDUCE },
);
