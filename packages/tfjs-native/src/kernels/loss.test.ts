import '@tensorflow/tfjs-backend-cpu';
// tfjs-core alone registers no gradients: tf.grads needs them (the union package would load them).
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { fc, test } from '@fast-check/vitest';
import { expectNoTensorLeak } from '@lmreg/common/testing';
import { expect, it } from 'vitest';

import { SOFTMAX_CROSS_ENTROPY, SOFTMAX_CROSS_ENTROPY_GRAD } from './loss.js';
import { isNativeKernelRegistered, registerNativeKernels } from './register.js';
import { describeNative, random, valuesWith } from '../testing/kernels.js';

// LmregSoftmaxCrossEntropy against @lmreg/train's composite (oneHot, logSoftmax, sum, mean, neg in
// stock tfjs ops on the stock cpu kernels), the loss and the gradient of k * loss for a random k:
// |native - composite| <= 1e-6 * max(|composite|, 1) for the loss and
// <= 1e-6 * max(max |composite gradient|, 1e-3) for the gradient (float32 rounding of the same
// steps; the batch mean sums in another order).

/** `@lmreg/train`'s softmaxCrossEntropy in stock tfjs ops. */
function composite(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  const oneHot = tf.cast(tf.oneHot(tf.cast(labels, 'int32'), logits.shape[1]), 'float32');
  return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, tf.logSoftmax(logits)), 1))) as tf.Scalar;
}

const fused = (logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar => tf.engine().runKernel(SOFTMAX_CROSS_ENTROPY, { logits, labels }) as tf.Scalar;

const caseArbitrary = fc
  .record({
    batch: fc.integer({ min: 1, max: 9 }),
    classes: fc.integer({ min: 2, max: 12 }), // tf.oneHot needs depth >= 2
    scale: fc.constantFrom(0.1, 1, 30),
    float: fc.boolean(),
    outOfRange: fc.boolean(),
    k: fc.constantFrom(1, -0.5, 3),
    seed: fc.integer({ min: 1, max: 1_000_000 }),
  })
  .map((c) => {
    const u = random(c.batch, c.seed + 1);
    const labels = Array.from(u, (v, i) => (c.outOfRange && i === 0 ? (v < 0 ? -1 : c.classes) : Math.floor(((v + 1) / 2) * c.classes)));
    return { ...c, labels };
  });

describeNative(
  'fused softmax cross-entropy',
  () => {
    test.prop([caseArbitrary], { numRuns: 150 })('LmregSoftmaxCrossEntropy and its gradient match the composite (labels out of range give 0)', (c) => {
      const run = (ce: typeof composite): tf.Tensor[] =>
        tf.tidy(() => {
          const logits = tf.tensor2d(
            random(c.batch * c.classes, c.seed).map((v) => v * c.scale),
            [c.batch, c.classes],
          );
          const labels = tf.tensor1d(c.labels, c.float ? 'float32' : 'int32');
          const loss = ce(logits, labels);
          const grad = tf.grad((l: tf.Tensor) => tf.mul(ce(l as tf.Tensor2D, labels), c.k))(logits);
          return [loss, grad];
        });
      const [loss0, grad0] = valuesWith(false, () => run(composite));
      const [loss1, grad1] = valuesWith(true, () => run(fused));
      const expectedLoss = loss0?.[0] ?? Number.NaN;
      expect(Math.abs((loss1?.[0] ?? Number.NaN) - expectedLoss)).toBeLessThanOrEqual(1e-6 * Math.max(Math.abs(expectedLoss), 1));
      const g0 = grad0 ?? new Float32Array();
      const g1 = grad1 ?? new Float32Array();
      expect(g1.length).toBe(g0.length);
      const scale = Math.max(1e-3, ...Array.from(g0, Math.abs));
      g0.forEach((e, i) => expect(Math.abs((g1[i] ?? Number.NaN) - e), `gradient ${i}`).toBeLessThanOrEqual(1e-6 * scale));
    });

    it('is one kernel each way, gives NaN for non-finite logits, and names bad inputs', async () => {
      registerNativeKernels();
      expect(isNativeKernelRegistered(SOFTMAX_CROSS_ENTROPY)).toBe(true);
      expect(isNativeKernelRegistered(SOFTMAX_CROSS_ENTROPY_GRAD)).toBe(true);
      await expectNoTensorLeak(async () => {
        const logits = tf.tensor2d([
          [1, 2, 3],
          [0, -1, 4],
        ]);
        const labels = tf.tensor1d([2, 0], 'int32');
        const profile = await tf.profile(() => tf.grad((l: tf.Tensor) => fused(l as tf.Tensor2D, labels))(logits));
        tf.dispose(profile.result);
        expect(profile.kernelNames.filter((k) => k !== 'Identity' && k !== 'Fill')).toEqual([SOFTMAX_CROSS_ENTROPY, SOFTMAX_CROSS_ENTROPY_GRAD]);
        tf.tidy(() => {
          expect(fused(tf.tensor2d([[Number.NaN, 1]]), tf.tensor1d([0], 'int32')).dataSync()[0]).toBeNaN();
          expect(() => fused(tf.ones([2, 3, 1]) as unknown as tf.Tensor2D, labels)).toThrow(/logits must be a float32 \[batch, classes\]/);
          expect(() => fused(logits, tf.tensor1d([1, 2, 3], 'int32'))).toThrow(/labels must be an int32 or float32 \[2\]/);
        });
        tf.dispose([logits, labels]);
      });
    });
  },
  { notBuilt: SOFTMAX_CROSS_ENTROPY },
);
