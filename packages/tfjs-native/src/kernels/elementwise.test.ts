import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { fc, test } from '@fast-check/vitest';
import { expectNoTensorLeak } from '@lmreg/common/testing';
import { expect, it, vi } from 'vitest';

import { loadNativeAddon } from '../addon/load.js';
import { NATIVE_BINARY_KERNELS, NATIVE_REDUCE_KERNELS, NATIVE_UNARY_KERNELS } from './elementwise.js';
import { isNativeKernelRegistered, registerNativeKernels } from './register.js';
import { compare, describeNative, random, randomTensor } from '../testing/kernels.js';

// Every kernel of elementwise.ts against the stock cpu kernel (forward) and tf.grads of composite
// functions with and without the native kernels (gradient), on fast-check shapes: ranks 0-5, odd
// sizes, size-1 dimensions, two-way broadcasting (strides 0 on either side), non-contiguous
// slices. Tolerance: testing/kernels.ts's TOLERANCE (max |native - cpu| <= 1e-4 * max(|cpu|, 1)).
// When the addon is not built, conv2d.test.ts tests the failure path; this file has nothing to run.

const dim = fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 1, max: 6 }) }, { weight: 1, arbitrary: fc.constantFrom(1, 17, 33) });
const shapeArbitrary = fc.array(dim, { minLength: 0, maxLength: 5 });
const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** An output shape and two operand shapes that broadcast to it (dims set to 1, leading dims dropped). */
const broadcastArbitrary = shapeArbitrary.chain((out) =>
  fc
    .tuple(
      fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }),
      fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }),
      fc.nat(out.length),
      fc.nat(out.length),
      fc.integer({ min: 1, max: 1_000_000 }),
    )
    .map(([ones, twos, dropA, dropB, seed]) => ({
      a: out.map((d, i) => (ones[i] === true ? 1 : d)).slice(dropA),
      b: out.map((d, i) => (twos[i] === true ? 1 : d)).slice(dropB),
      seed,
    })),
);

const tensor = (shape: number[], seed: number, offset = 0): tf.Tensor => randomTensor(shape, seed, 1, offset);

describeNative(
  'native element-wise, reduction, copy and matmul kernels',
  () => {
    it('are registered by registerNativeKernels()', () => {
      registerNativeKernels();
      for (const name of [
        ...Object.keys(NATIVE_BINARY_KERNELS),
        ...Object.keys(NATIVE_UNARY_KERNELS),
        ...Object.keys(NATIVE_REDUCE_KERNELS),
        'AddN',
        'Slice',
        'PadV2',
        'BatchMatMul',
      ]) {
        expect(isNativeKernelRegistered(name), name).toBe(true);
      }
    });

    test.prop([fc.constantFrom(...Object.keys(NATIVE_BINARY_KERNELS)), broadcastArbitrary], { numRuns: 150 })(
      'binary %s with broadcasting matches the cpu kernel',
      (kernel, { a, b, seed }) => {
        compare(() => {
          const ta = tensor(a, seed);
          // RealDiv: keep the divisor away from 0 (the tolerance is relative to max(|expected|, 1)).
          const tb = tensor(b, seed + 1, kernel === 'RealDiv' ? 2 : 0);
          const y = tf.engine().runKernel(kernel, { a: ta, b: tb }) as tf.Tensor;
          tf.dispose([ta, tb]);
          return [y];
        });
      },
    );

    test.prop([fc.constantFrom(...Object.keys(NATIVE_UNARY_KERNELS)), shapeArbitrary, fc.integer({ min: 1, max: 1_000_000 }), fc.constantFrom(0, 0.3)], {
      numRuns: 80,
    })('unary %s matches the cpu kernel', (kernel, shape, seed, alpha) => {
      compare(() => {
        const positive = kernel === 'Sqrt' || kernel === 'Rsqrt' || kernel === 'Log';
        const values = random(size(shape), seed).map((v) => (positive ? Math.abs(v) + 0.1 : v));
        if (!positive && values.length > 2) values[1] = 0; // Relu / Step at exactly 0
        const x = tf.tensor(values, shape);
        const y = tf.engine().runKernel(kernel, { x }, kernel === 'Step' ? { alpha } : {}) as tf.Tensor;
        x.dispose();
        return [y];
      });
    });

    it('Relu and Step keep NaN (as the cpu kernels)', () => {
      registerNativeKernels();
      expectNoTensorLeak(() =>
        tf.tidy(() => {
          const x = tf.tensor1d([Number.NaN, -1, 0, 2]);
          expect(Array.from(tf.relu(x).dataSync())).toEqual([Number.NaN, 0, 0, 2]);
          expect(Array.from(tf.step(x, 0.5).dataSync())).toEqual([Number.NaN, 0.5, 0.5, 1]);
        }),
      );
    });

    test.prop(
      [
        fc.constantFrom(...Object.keys(NATIVE_REDUCE_KERNELS)),
        fc.array(dim, { minLength: 1, maxLength: 5 }),
        fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }),
        fc.boolean(),
        fc.integer({ min: 1, max: 1_000_000 }),
      ],
      { numRuns: 150 },
    )('reduction %s over any axes matches the cpu kernel', (kernel, shape, flags, keepDims, seed) => {
      const axis = shape
        .map((_, i) => i)
        .filter((i) => flags[i] === true)
        .map((i) => (i % 2 === 1 ? i - shape.length : i)); // some negative
      compare(() => {
        const x = tensor(shape, seed);
        const y = tf.engine().runKernel(kernel, { x }, { axis, keepDims }) as tf.Tensor;
        x.dispose();
        return [y];
      });
    });

    it('reductions of large tensors split over threads give the cpu values (batch-norm axes, global pool, all)', () => {
      for (const [shape, axis] of [
        [
          [64, 32, 32, 16],
          [0, 1, 2],
        ],
        [
          [64, 8, 8, 64],
          [1, 2],
        ],
        [
          [64, 32, 32, 1],
          [0, 3],
        ],
        [
          [3, 70_000],
          [0, 1],
        ],
      ] as [number[], number[]][]) {
        compare(() => {
          const x = tensor(shape, shape[0] ?? 1);
          const out = [tf.sum(x, axis), tf.mean(x, axis, true), tf.max(x, axis)];
          x.dispose();
          return out;
        });
      }
    });

    test.prop([fc.array(dim, { minLength: 0, maxLength: 4 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 1_000_000 })], { numRuns: 40 })(
      'AddN of n tensors matches the cpu kernel',
      (shape, n, seed) => {
        compare(() => {
          const xs = Array.from({ length: n }, (_, i) => tensor(shape, seed + i));
          const y = tf.addN(xs);
          tf.dispose(xs);
          return [y];
        });
      },
    );

    test.prop(
      [
        fc
          .array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 4 })
          .chain((shape) =>
            fc.tuple(fc.constant(shape), fc.tuple(...shape.map((d) => fc.integer({ min: 0, max: d - 1 }))), fc.integer({ min: 1, max: 1_000_000 })),
          ),
        fc.array(fc.nat(7), { minLength: 4, maxLength: 4 }),
      ],
      { numRuns: 80 },
    )('Slice (strided, non-contiguous) matches the cpu kernel', ([shape, begin, seed], sizes) => {
      const sliceSize = shape.map((d, i) => 1 + ((sizes[i] ?? 0) % (d - (begin[i] ?? 0))));
      compare(() => {
        const x = tensor(shape, seed);
        const y = tf.slice(x, begin, sliceSize);
        x.dispose();
        return [y];
      });
    });

    test.prop(
      [
        fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 4 }),
        fc.array(fc.tuple(fc.nat(2), fc.nat(2)), { minLength: 4, maxLength: 4 }),
        fc.constantFrom(0, -1e30, 2.5),
        fc.integer({ min: 1, max: 1_000_000 }),
      ],
      { numRuns: 60 },
    )('PadV2 matches the cpu kernel', (shape, pads, value, seed) => {
      compare(() => {
        const x = tensor(shape, seed);
        const y = tf.pad(x, pads.slice(0, shape.length) as [number, number][], value);
        x.dispose();
        return [y];
      });
    });

    test.prop(
      [
        fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 0, maxLength: 2 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 40 }),
        fc.boolean(),
        fc.boolean(),
        fc.integer({ min: 1, max: 1_000_000 }),
      ],
      { numRuns: 60 },
    )('BatchMatMul with transposes and batch dimensions matches the cpu kernel', (outer, m, k, n, ta, tb, seed) => {
      compare(() => {
        const a = tensor([...outer, ...(ta ? [k, m] : [m, k])], seed);
        const b = tensor([...outer, ...(tb ? [n, k] : [k, n])], seed + 1);
        const y = tf.matMul(a, b, ta, tb);
        tf.dispose([a, b]);
        return [y];
      });
    });

    test.prop(
      [
        fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 17 })),
        fc.integer({ min: 1, max: 1_000_000 }),
      ],
      { numRuns: 40 },
    )('gradients of batch norm with batch statistics, ReLU, pooling-style broadcasts and a classifier match', (shape, seed) => {
      const [n, h, w, c] = shape;
      compare(() =>
        tf.tidy(() => {
          const x = tensor(shape, seed);
          const gamma = tensor([c], seed + 1, 1);
          const beta = tensor([c], seed + 2);
          const spatial = tensor([1, h, w, 1], seed + 3, 2);
          const weight = tensor([c, 5], seed + 4);
          const r = tensor([n, 5], seed + 5);
          const f = (xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor, s: tf.Tensor, wt: tf.Tensor) => {
            const { mean, variance } = tf.moments(xi, [0, 1, 2]);
            const scale = tf.mul(g, tf.rsqrt(tf.add(variance, 1e-5)));
            const bn = tf.add(tf.mul(xi, scale), tf.sub(b, tf.mul(mean, scale)));
            const padded = tf.pad(tf.relu(bn), [
              [0, 0],
              [1, 1],
              [1, 1],
              [0, 0],
            ]);
            const cropped = tf.slice(padded, [0, 1, 1, 0], [n, h, w, c]);
            const pooled = tf.mean(tf.mul(cropped, s), [1, 2]);
            const logits = tf.matMul(pooled as tf.Tensor2D, wt as tf.Tensor2D);
            return tf.sum(tf.mul(tf.logSoftmax(logits), r));
          };
          const grads = tf.grads(f)([x, gamma, beta, spatial, weight]);
          return [f(x, gamma, beta, spatial, weight), ...grads];
        }),
      );
    });

    it('the batch-norm path really runs on the addon (binary, reduce, unary calls)', () => {
      registerNativeKernels();
      const addon = loadNativeAddon();
      const binary = vi.spyOn(addon, 'binary');
      const reduce = vi.spyOn(addon, 'reduce');
      const unary = vi.spyOn(addon, 'unary');
      expectNoTensorLeak(() =>
        tf.tidy(() => {
          const x = tensor([2, 5, 5, 3], 9);
          const { mean, variance } = tf.moments(x, [0, 1, 2]);
          tf.relu(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-5)))).dataSync();
        }),
      );
      expect(binary).toHaveBeenCalled();
      expect(reduce).toHaveBeenCalled();
      expect(unary).toHaveBeenCalled();
    });

    it('non-float32 inputs use the stock kernels', () => {
      compare(() =>
        tf.tidy(() => {
          const a = tf.tensor2d([1, 2, 3, 4], [2, 2], 'int32');
          const b = tf.tensor1d([5, 6], 'int32');
          return [tf.cast(tf.add(a, b), 'float32'), tf.cast(tf.sum(a, 0), 'float32'), tf.cast(tf.matMul(a, a), 'float32')];
        }),
      );
    });
  },
  { afterEach: () => vi.restoreAllMocks() },
);
