import '@tensorflow/tfjs-backend-cpu';
// tfjs-core alone registers no gradients: tf.grads needs them (the union package would load them).
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { fc, test } from '@fast-check/vitest';
import { expectNoTensorLeak } from '@lmreg/common/testing';
import { expect, it } from 'vitest';

import { NativeKernelError } from '../errors.js';
import { ADD_N, AVG_POOL, AVG_POOL_GRAD, RELU, RELU_GRAD } from './fused.js';
import { isNativeKernelRegistered, registerNativeKernels, unregisterNativeKernels } from './register.js';
import { describeNative, maxRelativeError, random, randomTensor, randomTensor4d, TOLERANCE, valuesWith } from '../testing/kernels.js';

/** `nn.AvgPool2d(k, stride, pad, count_include_pad=False)` in stock tfjs ops: zero pad, 'valid' pool (exact gradient), rescale. */
function avgPoolReference(x: tf.Tensor4D, k: number, stride: number, pad: number): tf.Tensor4D {
  const [, h, w] = x.shape;
  const counts = (size: number): number[] =>
    Array.from({ length: Math.floor((size + 2 * pad - k) / stride) + 1 }, (_, i) => Math.min(i * stride - pad + k, size) - Math.max(i * stride - pad, 0));
  const rows = counts(h);
  const cols = counts(w);
  const scale = new Float32Array(rows.length * cols.length);
  rows.forEach((r, i) => cols.forEach((c, j) => (scale[i * cols.length + j] = (k * k) / (r * c))));
  const mean = tf.avgPool(
    tf.pad(x, [
      [0, 0],
      [pad, pad],
      [pad, pad],
      [0, 0],
    ]),
    k,
    stride,
    'valid',
  );
  return tf.mul(mean, tf.tensor4d(scale, [1, rows.length, cols.length, 1]));
}

const fusedAvgPool = (x: tf.Tensor, k: number, stride: number, pad: number): tf.Tensor4D =>
  tf.engine().runKernel(AVG_POOL, { x }, { filterSize: k, strides: stride, pad } as never) as tf.Tensor4D;

const poolCase = fc
  .record({
    batch: fc.integer({ min: 1, max: 3 }),
    height: fc.integer({ min: 1, max: 11 }),
    width: fc.integer({ min: 1, max: 11 }),
    channels: fc.constantFrom(1, 3, 8, 17),
    k: fc.constantFrom(1, 2, 3, 5),
    stride: fc.constantFrom(1, 2),
    pad: fc.integer({ min: 0, max: 2 }),
    seed: fc.integer({ min: 1, max: 1_000_000 }),
  })
  .filter((c) => 2 * c.pad <= c.k && c.height + 2 * c.pad >= c.k && c.width + 2 * c.pad >= c.k);

describeNative(
  'fused relu and average pool',
  () => {
    test.prop(
      [fc.array(fc.oneof(fc.float({ noNaN: true }), fc.constantFrom(0, -0, Number.NaN)), { minLength: 1, maxLength: 300 }), fc.integer({ min: 1, max: 1e6 })],
      { numRuns: 80 },
    )(
      "LmregRelu and its gradient equal tf.relu and tfjs-core's relu gradient exactly (NaN and infinities included; relu(-0) may keep its sign)",
      (values, seed) => {
        const x = () => tf.tensor1d(values);
        const dy = () => tf.tensor1d(random(values.length, seed));
        const [y0, g0] = valuesWith(false, () =>
          tf.tidy(() => {
            const [v, w] = [x(), dy()];
            return [tf.relu(v), tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.relu(a), w)))(v)];
          }),
        );
        const [y1, g1] = valuesWith(true, () =>
          tf.tidy(() => {
            const [v, w] = [x(), dy()];
            return [
              tf.engine().runKernel(RELU, { x: v }) as tf.Tensor,
              tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.engine().runKernel(RELU, { x: a }) as tf.Tensor, w)))(v),
            ];
          }),
        );
        const unsignedZero = (v: Float32Array | undefined): number[] => Array.from(v ?? [], (e) => (e === 0 ? 0 : e));
        expect(unsignedZero(y1)).toEqual(unsignedZero(y0));
        expect(unsignedZero(g1)).toEqual(unsignedZero(g0));
      },
    );

    test.prop([poolCase], { numRuns: 80 })('LmregAvgPool and its gradient match the stock-op reference (padding excluded, exact gradient)', (c) => {
      const shape: [number, number, number, number] = [c.batch, c.height, c.width, c.channels];
      const run = (pool: (x: tf.Tensor4D) => tf.Tensor4D): tf.Tensor[] =>
        tf.tidy(() => {
          const x = randomTensor4d(shape, c.seed);
          const y = pool(x);
          const r = randomTensor(y.shape, c.seed + 1);
          return [y, tf.grad((a: tf.Tensor) => tf.sum(tf.mul(pool(a as tf.Tensor4D), r)))(x)];
        });
      const expected = valuesWith(false, () => run((x) => avgPoolReference(x, c.k, c.stride, c.pad)));
      const actual = valuesWith(true, () => run((x) => fusedAvgPool(x, c.k, c.stride, c.pad)));
      actual.forEach((v, i) => expect(maxRelativeError(v, expected[i] ?? new Float32Array())).toBeLessThanOrEqual(TOLERANCE));
    });

    test.prop(
      [
        fc.record({
          shape: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 0, maxLength: 4 }),
          count: fc.integer({ min: 1, max: 5 }),
          repeat: fc.boolean(),
          seed: fc.integer({ min: 1, max: 1e6 }),
        }),
      ],
      { numRuns: 60 },
    )('LmregAddN and its gradient equal tf.addN exactly (in-order float32 sums; an input passed twice gets both gradients)', (c) => {
      const run = (sum: (ts: tf.Tensor[]) => tf.Tensor): tf.Tensor[] =>
        tf.tidy(() => {
          const xs = Array.from({ length: c.count }, (_, i) => randomTensor(c.shape, c.seed + i));
          // a skip connection feeds the same tensor to a sum twice
          const terms = (ts: tf.Tensor[]) => (c.repeat ? [...ts, ts[0] as tf.Tensor] : ts);
          const r = randomTensor(c.shape, c.seed + 99);
          return [sum(terms(xs)), ...tf.grads((...ts: tf.Tensor[]) => tf.sum(tf.mul(sum(terms(ts)), r)))(xs)];
        });
      const expected = valuesWith(false, () => run((ts) => tf.addN(ts)));
      const actual = valuesWith(true, () =>
        run((ts) => tf.engine().runKernel(ADD_N, Object.fromEntries(ts.map((t, i) => [`t${i}`, t])), { count: ts.length } as never) as tf.Tensor),
      );
      expect(actual.map((v) => Array.from(v))).toEqual(expected.map((v) => Array.from(v)));
    });

    it('registers all four with their gradients; bad attrs and shapes name the problem', () => {
      registerNativeKernels();
      for (const name of [RELU, RELU_GRAD, AVG_POOL, AVG_POOL_GRAD]) expect(isNativeKernelRegistered(name)).toBe(true);
      expectNoTensorLeak(() =>
        tf.tidy(() => {
          const x = tf.ones([1, 4, 4, 2]);
          expect(() => fusedAvgPool(x, 3, 1, 2)).toThrow(/pad 2 must be at most half the window 3/);
          expect(() => fusedAvgPool(x, 3, 0, 1)).toThrow(NativeKernelError);
          expect(() => fusedAvgPool(tf.ones([4, 4, 2]), 3, 1, 1)).toThrow(/must be NHWC/);
          expect(() => tf.engine().runKernel(RELU_GRAD, { dy: tf.ones([3]), x: tf.ones([4]) })).toThrow(/same shape/);
          expect(() => tf.engine().runKernel(AVG_POOL_GRAD, { dy: tf.ones([1, 3, 3, 2]), x }, { filterSize: 3, strides: 1, pad: 1 } as never)).toThrow(
            /output shape \[1, 4, 4, 2\]/,
          );
          expect(() => tf.engine().runKernel(RELU, { x: tf.ones([2], 'int32') })).toThrow(/float32/);
          expect(() => tf.engine().runKernel(ADD_N, { t0: tf.ones([2]), t1: tf.ones([3]) }, { count: 2 } as never)).toThrow(/differ in shape/);
          expect(() => tf.engine().runKernel(ADD_N, { t0: tf.ones([2]) }, { count: 2 } as never)).toThrow(/missing input t1/);
        }),
      );
      unregisterNativeKernels();
      expect(tf.getKernel(RELU, 'cpu')).toBeUndefined();
    });
  },
  { notBuilt: RELU },
);
