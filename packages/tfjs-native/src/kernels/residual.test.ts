import '@tensorflow/tfjs-backend-cpu';
// tfjs-core alone registers no gradients: tf.grads needs them (the union package would load them).
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { fc, test } from '@fast-check/vitest';
import { expectNoTensorLeak } from '@lmreg/common/testing';
import { expect, it } from 'vitest';

import { NativeKernelError } from '../errors.js';
import { RELU_CONV_BN } from './fused-conv.js';
import { RESIDUAL_REDUCTION, RESIDUAL_REDUCTION_GRAD } from './residual.js';
import { isNativeKernelRegistered, registerNativeKernels } from './register.js';
import { compositeBn, describeNative, maxRelativeError, randomTensor, scaledError, TOLERANCE, valuesWith } from '../testing/kernels.js';

// LmregResidualReduction (NB201's ResNet basic block, stride 2) against its composite, y and the
// gradients of sum(y * r) with respect to all 8 inputs:
// - against the composite in stock tfjs ops on the stock cpu kernels, for blocks whose batch norms
//   see at least 8 values per channel (fewer is ill-conditioned: see fused-conv.test.ts), within
//   testing/kernels.ts's TOLERANCE (max |native - cpu| <= 1e-4 * max(|cpu|, 1)) and
//   max |native - cpu| <= 1e-3 * max(max |cpu|, 0.01) per output (its own scale);
// - at every size (down to one value per channel), against the same block composed from this
//   package's separate native kernels (LmregReluConvBn twice, AvgPool, Conv2D, Add), within 1e-5 of
//   each output's own scale (the same oneDNN primitives; sums of the pool and the residual in
//   another order at most).
// Every run asserts that tf.memory().numTensors is unchanged.

const tensor = randomTensor;

interface Params {
  filterA: tf.Tensor4D;
  gammaA: tf.Tensor1D;
  betaA: tf.Tensor1D;
  filterB: tf.Tensor4D;
  gammaB: tf.Tensor1D;
  betaB: tf.Tensor1D;
  filterDown: tf.Tensor4D;
}

interface Case {
  batch: number;
  height: number;
  width: number;
  cin: number;
  cout: number;
  seed: number;
}

/** The block in stock tfjs ops (as @lmreg/train's Nb201Network composes it without the kernel). */
function stockBlock(x: tf.Tensor4D, p: Params): tf.Tensor4D {
  const a = compositeBn(tf.conv2d(tf.relu(x), p.filterA, 2, 1), p.gammaA, p.betaA);
  const b = compositeBn(tf.conv2d(tf.relu(a), p.filterB, 1, 1), p.gammaB, p.betaB);
  return tf.add(tf.conv2d(tf.avgPool(x, 2, 2, 'valid'), p.filterDown, 1, 'valid'), b);
}

const reluConvBn = (x: tf.Tensor4D, filter: tf.Tensor4D, gamma: tf.Tensor, beta: tf.Tensor, strides: number): tf.Tensor4D => {
  const [y, z] = tf.engine().runKernel(RELU_CONV_BN, { x, filter, gamma, beta }, { strides, pad: 1, epsilon: 1e-5 } as never) as tf.Tensor4D[];
  z?.dispose();
  return y as tf.Tensor4D;
};

/** The block from the package's separate native kernels. */
function separateBlock(x: tf.Tensor4D, p: Params): tf.Tensor4D {
  const a = reluConvBn(x, p.filterA, p.gammaA, p.betaA, 2);
  const b = reluConvBn(a, p.filterB, p.gammaB, p.betaB, 1);
  return tf.add(tf.conv2d(tf.avgPool(x, 2, 2, 'valid'), p.filterDown, 1, 'valid'), b);
}

function fusedBlock(x: tf.Tensor4D, p: Params): tf.Tensor4D {
  const [y, saved] = tf.engine().runKernel(RESIDUAL_REDUCTION, { x, ...p }, { epsilon: 1e-5 } as never) as tf.Tensor[];
  saved?.dispose();
  return y as tf.Tensor4D;
}

/** y and the gradients of sum(y * r) with respect to x and every parameter. */
function run(c: Case, block: (x: tf.Tensor4D, p: Params) => tf.Tensor4D): tf.Tensor[] {
  return tf.tidy(() => {
    const { batch, height, width, cin, cout, seed } = c;
    const x = tensor([batch, height, width, cin], seed, 2, 0.3) as tf.Tensor4D;
    const p: Params = {
      filterA: tensor([3, 3, cin, cout], seed + 1, 1 / Math.sqrt(9 * cin)) as tf.Tensor4D,
      gammaA: tensor([cout], seed + 2, 0.5, 1) as tf.Tensor1D,
      betaA: tensor([cout], seed + 3, 0.2) as tf.Tensor1D,
      filterB: tensor([3, 3, cout, cout], seed + 4, 1 / Math.sqrt(9 * cout)) as tf.Tensor4D,
      gammaB: tensor([cout], seed + 5, 0.5, 1) as tf.Tensor1D,
      betaB: tensor([cout], seed + 6, 0.2) as tf.Tensor1D,
      filterDown: tensor([1, 1, cin, cout], seed + 7, 1 / Math.sqrt(cin)) as tf.Tensor4D,
    };
    const y = block(x, p);
    const r = tensor(y.shape, seed + 8);
    const order = ['filterA', 'gammaA', 'betaA', 'filterB', 'gammaB', 'betaB', 'filterDown'] as const;
    const grads = tf.grads((...args: tf.Tensor[]) => {
      const [xx, ...rest] = args;
      const q = Object.fromEntries(order.map((k, i) => [k, rest[i]])) as unknown as Params;
      return tf.sum(tf.mul(block(xx as tf.Tensor4D, q), r));
    })([x, ...order.map((k) => p[k])]);
    return [y, ...grads];
  });
}

const channels = fc.oneof(fc.integer({ min: 1, max: 9 }), fc.constantFrom(16, 17));
const caseArbitrary = fc.record({
  batch: fc.integer({ min: 1, max: 3 }),
  height: fc.integer({ min: 1, max: 5 }).map((v) => 2 * v),
  width: fc.integer({ min: 1, max: 5 }).map((v) => 2 * v),
  cin: channels,
  cout: channels,
  seed: fc.integer({ min: 1, max: 1_000_000 }),
});

describeNative(
  'fused residual reduction block',
  () => {
    test.prop([caseArbitrary.filter((c) => (c.batch * c.height * c.width) / 4 >= 8)], { numRuns: 40 })(
      'matches the composite in stock tfjs ops on the stock cpu kernels (y and all 8 gradients)',
      (c) => {
        const expected = valuesWith(false, () => run(c, stockBlock));
        const actual = valuesWith(true, () => run(c, fusedBlock));
        expect(actual.length).toBe(9);
        actual.forEach((v, i) => {
          const e = expected[i] ?? new Float32Array();
          expect(maxRelativeError(v, e), `output ${i}`).toBeLessThanOrEqual(TOLERANCE);
          expect(scaledError(v, e, 0.01), `output ${i} (own scale)`).toBeLessThanOrEqual(1e-3);
        });
      },
    );

    test.prop([caseArbitrary], { numRuns: 40 })('matches the same block from the separate native kernels at every size', (c) => {
      const expected = valuesWith(true, () => run(c, separateBlock));
      const actual = valuesWith(true, () => run(c, fusedBlock));
      actual.forEach((v, i) => expect(scaledError(v, expected[i] ?? new Float32Array(), 1e-3), `output ${i}`).toBeLessThanOrEqual(1e-5));
    });

    it('is one kernel each way; odd sizes and wrong shapes name the problem', async () => {
      registerNativeKernels();
      expect(isNativeKernelRegistered(RESIDUAL_REDUCTION)).toBe(true);
      expect(isNativeKernelRegistered(RESIDUAL_REDUCTION_GRAD)).toBe(true);
      const c: Case = { batch: 2, height: 4, width: 4, cin: 3, cout: 6, seed: 5 };
      await expectNoTensorLeak(async () => {
        const profile = await tf.profile(() => run(c, fusedBlock));
        tf.dispose(profile.result);
        const names = profile.kernelNames.filter((k) => k.startsWith('Lmreg'));
        expect(names).toEqual([RESIDUAL_REDUCTION, RESIDUAL_REDUCTION_GRAD]);
        tf.tidy(() => {
          const p = {
            filterA: tf.ones([3, 3, 3, 6]),
            gammaA: tf.ones([6]),
            betaA: tf.zeros([6]),
            filterB: tf.ones([3, 3, 6, 6]),
            gammaB: tf.ones([6]),
            betaB: tf.zeros([6]),
            filterDown: tf.ones([1, 1, 3, 6]),
          };
          const call = (inputs: tf.NamedTensorMap) => tf.engine().runKernel(RESIDUAL_REDUCTION, inputs, { epsilon: 1e-5 } as never);
          expect(() => call({ x: tf.ones([1, 5, 4, 3]), ...p })).toThrow(/height and width must be even/);
          expect(() => call({ x: tf.ones([1, 4, 4, 3]), ...p, filterB: tf.ones([3, 3, 6, 5]) })).toThrow(/filterB must have shape \[3, 3, 6, 6\]/);
          expect(() => call({ x: tf.ones([1, 4, 4, 3]), ...p, gammaA: undefined as unknown as tf.Tensor })).toThrow(NativeKernelError);
        });
      });
    });
  },
  { notBuilt: RESIDUAL_REDUCTION },
);
