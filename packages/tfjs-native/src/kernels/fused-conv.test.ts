import '@tensorflow/tfjs-backend-cpu';
// tfjs-core alone registers no gradients: tf.grads needs them (the union package would load them).
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { fc, test } from '@fast-check/vitest';
import { InvalidArgumentError } from '@lmreg/common';
import { expectNoTensorLeak } from '@lmreg/common/testing';
import { beforeAll, describe, expect, it } from 'vitest';

import { NativeKernelError } from '../errors.js';
import { RELU_CONV_BN, RELU_CONV_BN_GRAD, RELU_SEP_CONV_BN, RELU_SEP_CONV_BN_GRAD, reluConvBn, reluSepConvBn } from './fused-conv.js';
import { isNativeKernelRegistered, registerNativeKernels, unregisterNativeKernels } from './register.js';
import { compare, compositeBn, describeNative, maxRelativeError, randomTensor, scaledError, TOLERANCE, valuesWith } from '../testing/kernels.js';

// Tolerance (testing/kernels.ts's TOLERANCE): max |native - cpu| <= 1e-4 * max(|cpu|, 1) for y and for the
// gradients of sum(y * r) with respect to every input, the reference being the composite in stock
// tfjs ops on the stock cpu kernels, and max |native - cpu| <= 1e-3 * max(max |cpu|, 0.01) per output
// (relative to its own magnitude: errors up to ~1.1e-4 of it were seen, float rounding). valuesWith
// also asserts tf.memory().numTensors is unchanged.
// Batch statistics over very few values per channel are ill-conditioned (two close conv outputs:
// 1/sigma amplifies the float rounding of the convolution, ~7e-4 seen at 2 values per channel,
// the same for the separate native kernels), so the comparison with the stock kernels takes cases
// with at least 8 values per channel; every size, down to 1 value, is compared with the same
// function on the separate native kernels (LmregRelu, Conv2D, LmregBatchNormTrain). One input channel
// is left out of the stock comparison too: with c = 1 a 1x1 (or pointwise) filter holds one number per
// output channel, batch norm is invariant to its scale, so its exact gradient is 0 and both sides
// return rounding noise (~1e-4 seen).

/** Also: max |native - cpu| <= 1e-3 * max(max |cpu|, 0.01) per output (its own scale; see scaledError). */
const SCALED_TOLERANCE = 1e-3;

const tensor = randomTensor;

const channels = fc.oneof(fc.integer({ min: 1, max: 9 }), fc.constantFrom(16, 17));

const convCase = fc
  .record({
    batch: fc.integer({ min: 1, max: 3 }),
    height: fc.integer({ min: 1, max: 9 }),
    width: fc.integer({ min: 1, max: 9 }),
    c: channels,
    o: channels,
    k: fc.constantFrom(1, 3),
    stride: fc.constantFrom(1, 2),
    samePad: fc.boolean(),
    seed: fc.integer({ min: 1, max: 1_000_000 }),
  })
  .map((c) => ({ ...c, pad: c.samePad ? (c.k - 1) / 2 : 0 }))
  .filter((c) => c.height + 2 * c.pad >= c.k && c.width + 2 * c.pad >= c.k);

function expectScaledClose(actual: Float32Array[], expected: Float32Array[], tolerance: number, floor: number): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((v, i) => expect(scaledError(v, expected[i] ?? new Float32Array(), floor), `output ${i}`).toBeLessThanOrEqual(tolerance));
}

/** Values per channel that the batch norm's statistics are taken over. */
const statisticsCount = (batch: number, height: number, width: number, k: number, stride: number, pad: number, dilation = 1): number => {
  const out = (size: number) => Math.floor((size + 2 * pad - (dilation * (k - 1) + 1)) / stride) + 1;
  return batch * out(height) * out(width);
};

const sepCase = fc.record({
  batch: fc.integer({ min: 1, max: 3 }),
  height: fc.integer({ min: 1, max: 9 }),
  width: fc.integer({ min: 1, max: 9 }),
  c: channels,
  o: channels,
  k: fc.constantFrom(3, 5),
  stride: fc.constantFrom(1, 2),
  dilation: fc.constantFrom(1, 2),
  // the native code's own depthwise backward loops (used where oneDNN has no jit_dw kernel) on every shape
  forceLoops: fc.boolean(),
  seed: fc.integer({ min: 1, max: 1_000_000 }),
});

/** The losses' inputs, spread so that the statistics matter (non-zero means, values on both sides of 0). */
function inputs(shape: number[], seed: number) {
  return { x: tf.add(tf.mul(tensor(shape, seed), 2), 0.3) as tf.Tensor4D };
}

/** A dilated depthwise filter as an undilated one with zeros between the taps (stock gradients reject dilation > 1). */
function dilate(filter: tf.Tensor4D, dilation: number): tf.Tensor4D {
  const [k, , c] = filter.shape;
  const big = (k - 1) * dilation + 1;
  const select = new Float32Array(big * big * k * k);
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) select[(i * dilation * big + j * dilation) * k * k + i * k + j] = 1;
  return tf.reshape(tf.matMul(tf.tensor2d(select, [big * big, k * k]), tf.reshape(filter, [k * k, c])), [big, big, c, 1]);
}

describe('reluConvBn / reluSepConvBn without the native kernels (composite tfjs ops)', () => {
  beforeAll(async () => {
    expect(await tf.setBackend('cpu')).toBe(true);
  });

  it('computes batchNorm(conv(relu(x))) and rejects bad options with InvalidArgumentError', () => {
    unregisterNativeKernels();
    expectNoTensorLeak(() =>
      tf.tidy(() => {
        // x = [-1, 2] (1x1x2 image, 2 channels... as batch 2), 1x1 filter 1: z = relu(x) = [0, 2]; bn: [-1, 1].
        const y = reluConvBn(tf.tensor4d([-1, 2], [2, 1, 1, 1]), tf.ones([1, 1, 1, 1]) as tf.Tensor4D, tf.ones([1]), tf.zeros([1]), { epsilon: 0 });
        expect(Array.from(y.dataSync())).toEqual([-1, 1]);
        const x = tf.zeros([1, 4, 4, 2]) as tf.Tensor4D;
        expect(() => reluConvBn(x, tf.zeros([3, 3, 2, 2]) as tf.Tensor4D, tf.ones([2]), tf.zeros([2]), { stride: 0 })).toThrow(InvalidArgumentError);
        expect(() =>
          reluSepConvBn(x, tf.zeros([3, 3, 2, 1]) as tf.Tensor4D, tf.zeros([1, 1, 2, 2]) as tf.Tensor4D, tf.ones([2]), tf.zeros([2]), { pad: -1 }),
        ).toThrow(InvalidArgumentError);
      }),
    );
  });
});

describeNative('fused ReLU-conv-BN kernels against the composite on the stock cpu kernels', () => {
  it('are registered with their gradients and unregistered with the other native kernels', () => {
    registerNativeKernels();
    for (const name of [RELU_CONV_BN, RELU_CONV_BN_GRAD, RELU_SEP_CONV_BN, RELU_SEP_CONV_BN_GRAD]) expect(isNativeKernelRegistered(name)).toBe(true);
    expect(tf.getGradient(RELU_CONV_BN)).toBeDefined();
    expect(tf.getGradient(RELU_SEP_CONV_BN)).toBeDefined();
    unregisterNativeKernels();
    expect(tf.getKernel(RELU_CONV_BN, 'cpu')).toBeUndefined();
  });

  const convLoss = (
    c: { batch: number; height: number; width: number; c: number; o: number; k: number; stride: number; pad: number; seed: number },
    separate: boolean,
  ) =>
    tf.tidy(() => {
      const { x } = inputs([c.batch, c.height, c.width, c.c], c.seed);
      const filter = tensor([c.k, c.k, c.c, c.o], c.seed + 1, 0.5) as tf.Tensor4D;
      const gamma = tensor([c.o], c.seed + 2, 0.5, 1);
      const beta = tensor([c.o], c.seed + 3);
      const op = (a: tf.Tensor, f: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
        separate
          ? (tf.engine().runKernel(
              'LmregBatchNormTrain',
              {
                x: tf.conv2d(tf.engine().runKernel('LmregRelu', { x: a }) as tf.Tensor4D, f as tf.Tensor4D, c.stride, c.pad === 0 ? 'valid' : c.pad),
                gamma: g,
                beta: b,
              },
              { epsilon: 1e-5 },
            ) as tf.Tensor4D)
          : reluConvBn(a as tf.Tensor4D, f as tf.Tensor4D, g, b, { stride: c.stride, pad: c.pad });
      const y = op(x, filter, gamma, beta);
      const r = tensor(y.shape, c.seed + 4);
      return [y, ...tf.grads((a: tf.Tensor, f: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(op(a, f, g, b), r)))([x, filter, gamma, beta])];
    });

  test.prop([convCase.filter((c) => c.c > 1 && statisticsCount(c.batch, c.height, c.width, c.k, c.stride, c.pad) >= 8)], { numRuns: 80 })(
    'LmregReluConvBn: forward and d/dx, d/dfilter, d/dgamma, d/dbeta match the stock composite (NB201 edge op; 1x1 and 3x3, stride 1 and 2)',
    (c) => {
      compare(() => convLoss(c, false));
      expectScaledClose(
        valuesWith(true, () => convLoss(c, false)),
        valuesWith(false, () => convLoss(c, false)),
        SCALED_TOLERANCE,
        1e-2,
      );
    },
  );

  test.prop([convCase], { numRuns: 40 })(
    'LmregReluConvBn equals the same function on the separate native kernels at every size (1 value per channel and up)',
    (c) => {
      const expected = valuesWith(true, () => convLoss(c, true));
      const actual = valuesWith(true, () => convLoss(c, false));
      expectScaledClose(actual, expected, 1e-5, 1e-30);
    },
  );

  test.prop([sepCase.filter((c) => c.c > 1 && statisticsCount(c.batch, c.height, c.width, c.k, c.stride, (c.dilation * (c.k - 1)) / 2, c.dilation) >= 8)], {
    numRuns: 60,
  })(
    'LmregReluSepConvBn: forward and the gradients of x, both filters, gamma, beta match (DARTS sep/dil conv; k 3 and 5, dilation 1 and 2, stride 1 and 2; oneDNN or own depthwise backward loops)',
    (c) => {
      const shape = [c.batch, c.height, c.width, c.c];
      const pad = (c.dilation * (c.k - 1)) / 2;
      const run = (op: (x: tf.Tensor4D, d: tf.Tensor4D, p: tf.Tensor4D, g: tf.Tensor, b: tf.Tensor) => tf.Tensor4D) =>
        tf.tidy(() => {
          const { x } = inputs(shape, c.seed);
          const dw = tensor([c.k, c.k, c.c, 1], c.seed + 1, 0.5) as tf.Tensor4D;
          const pw = tensor([1, 1, c.c, c.o], c.seed + 2, 0.5) as tf.Tensor4D;
          const gamma = tensor([c.o], c.seed + 3, 0.5, 1);
          const beta = tensor([c.o], c.seed + 4);
          const y = op(x, dw, pw, gamma, beta);
          const r = tensor(y.shape, c.seed + 5);
          const loss = (a: tf.Tensor, d: tf.Tensor, p: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
            tf.sum(tf.mul(op(a as tf.Tensor4D, d as tf.Tensor4D, p as tf.Tensor4D, g, b), r));
          return [y, ...tf.grads(loss)([x, dw, pw, gamma, beta])];
        });
      const expected = valuesWith(false, () =>
        run((x, d, p, g, b) => compositeBn(tf.conv2d(tf.depthwiseConv2d(tf.relu(x), dilate(d, c.dilation), c.stride, pad), p, 1, 'valid'), g, b)),
      );
      if (c.forceLoops) process.env['LMREG_NATIVE_DEPTHWISE_LOOPS'] = '1';
      let actual: Float32Array[];
      try {
        actual = valuesWith(true, () => run((x, d, p, g, b) => reluSepConvBn(x, d, p, g, b, { stride: c.stride, pad, dilation: c.dilation })));
      } finally {
        delete process.env['LMREG_NATIVE_DEPTHWISE_LOOPS'];
      }
      expect(actual.length).toBe(6);
      actual.forEach((v, i) => expect(maxRelativeError(v, expected[i] ?? new Float32Array()), `output ${i}`).toBeLessThanOrEqual(TOLERANCE));
      expectScaledClose(actual, expected, SCALED_TOLERANCE, 1e-2);
    },
  );

  it('leaks nothing through tf.variableGrads, with the tape on or off', () => {
    registerNativeKernels();
    const filter = tf.variable(tensor([3, 3, 4, 8], 1, 0.3), true, 'fused-test-filter');
    const gamma = tf.variable(tf.ones([8]), true, 'fused-test-gamma');
    const beta = tf.variable(tf.zeros([8]), true, 'fused-test-beta');
    const x = tensor([2, 6, 6, 4], 2) as tf.Tensor4D;
    expectNoTensorLeak(() => {
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(reluConvBn(x, filter as unknown as tf.Tensor4D, gamma, beta))) as tf.Scalar);
        // sum(x_hat^2) = N H W per channel at gamma 1, beta 0.
        expect(value.dataSync()[0]).toBeCloseTo(2 * 6 * 6 * 8, 0);
        expect(Object.keys(grads).sort()).toEqual(['fused-test-beta', 'fused-test-filter', 'fused-test-gamma']);
      });
      tf.tidy(() => void reluConvBn(x, filter as unknown as tf.Tensor4D, gamma, beta).dataSync());
    });
    tf.dispose([filter, gamma, beta, x]);
  });

  it('name the problem for bad attrs and shapes', () => {
    registerNativeKernels();
    expectNoTensorLeak(() =>
      tf.tidy(() => {
        const x = tf.ones([1, 4, 4, 2]);
        const run = (inputs: Record<string, tf.Tensor>, attrs: Record<string, number>) => tf.engine().runKernel(RELU_CONV_BN, inputs, attrs as never);
        const ok = { x, filter: tf.ones([3, 3, 2, 5]), gamma: tf.ones([5]), beta: tf.zeros([5]) };
        expect(() => run(ok, { strides: 0, pad: 1 })).toThrow(NativeKernelError);
        expect(() => run({ x, gamma: ok.gamma, beta: ok.beta }, { strides: 1, pad: 1 })).toThrow(/missing input\(s\) filter/);
        expect(() => run({ ...ok, filter: tf.ones([3, 3, 3, 5]) }, { strides: 1, pad: 1 })).toThrow(/does not fit x's 2 channels/);
        expect(() => run({ ...ok, gamma: tf.ones([4]) }, { strides: 1, pad: 1 })).toThrow(/gamma must have shape \[5\]/);
        expect(() => run({ ...ok, x: tf.ones([1, 4, 4, 2], 'int32') }, { strides: 1, pad: 1 })).toThrow(/float32/);
        const sep = { x, depthwiseFilter: tf.ones([3, 3, 2, 1]), pointwiseFilter: tf.ones([3, 3, 2, 4]), gamma: tf.ones([4]), beta: tf.zeros([4]) };
        expect(() => tf.engine().runKernel(RELU_SEP_CONV_BN, sep, { strides: 1, pad: 1, dilation: 1 } as never)).toThrow(/pointwise filter must be 1x1/);
      }),
    );
  });
});
