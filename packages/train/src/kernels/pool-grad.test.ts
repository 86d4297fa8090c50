import * as tf from '@tensorflow/tfjs-core';
import { fc, test } from '@fast-check/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { selectBackend } from '../backend/select-backend.js';
import { registerTrainingKernels, unregisterTrainingKernels } from './register.js';
import type { TestBackend } from '../testing/backends.js';
import { randomValues, relativeError, runOn, setUpBackends, wasmVersusCpu } from '../testing/backends.js';

/** Relative tolerance of every comparison in this file. */
const TOLERANCE = 1e-5;

beforeAll(setUpBackends);
afterAll(() => registerTrainingKernels('cpu'));

type PoolPad = 'same' | 'valid' | number;

interface PoolCase {
  batch: number;
  height: number;
  width: number;
  channels: number;
  filter: number;
  stride: number;
  pad: PoolPad;
  seed: number;
}

const poolCase = fc.record({
  batch: fc.integer({ min: 1, max: 3 }),
  height: fc.integer({ min: 1, max: 9 }),
  width: fc.integer({ min: 1, max: 9 }),
  channels: fc.integer({ min: 1, max: 5 }),
  filter: fc.integer({ min: 1, max: 3 }),
  stride: fc.integer({ min: 1, max: 3 }),
  pad: fc.constantFrom<PoolPad>('same', 'valid', 1),
  seed: fc.nat(1000),
});

function isValid(c: PoolCase): boolean {
  const extra = typeof c.pad === 'number' ? 2 * c.pad : 0;
  if (typeof c.pad === 'number' && c.pad >= c.filter) return false;
  return c.pad === 'same' || (c.height + extra >= c.filter && c.width + extra >= c.filter);
}

function input(c: PoolCase, ties: boolean): tf.Tensor4D {
  const shape: [number, number, number, number] = [c.batch, c.height, c.width, c.channels];
  const values = randomValues(
    shape.reduce((a, b) => a * b),
    c.seed,
  );
  // Ties: values in {-1, 0, 1} after a ReLU-like clamp, as max pooling meets after ReLU.
  return tf.tensor4d(ties ? values.map((v) => Math.max(0, Math.round(v * 1.5))) : values, shape);
}

/** Average pooling rebuilt from a depthwise convolution with ones, divided by the in-bounds count. */
function referenceAvgPool(x: tf.Tensor4D, c: PoolCase): tf.Tensor4D {
  const ones = tf.ones([c.filter, c.filter, c.channels, 1]) as tf.Tensor4D;
  const count = tf.depthwiseConv2d(tf.onesLike(x), ones, c.stride, c.pad);
  return tf.div(tf.depthwiseConv2d(x, ones, c.stride, c.pad), count);
}

function avgPoolGradient(c: PoolCase, useReference: boolean): () => tf.Tensor[] {
  return () => {
    const x = input(c, false);
    const pool = (a: tf.Tensor) => (useReference ? referenceAvgPool(a as tf.Tensor4D, c) : tf.avgPool(a as tf.Tensor4D, c.filter, c.stride, c.pad));
    const y = pool(x);
    const r = tf.tensor(randomValues(y.size, c.seed + 1), y.shape);
    return [y, tf.grad((a: tf.Tensor) => tf.sum(tf.mul(pool(a), r)))(x)];
  };
}

describe('AvgPoolGrad consistent with the forward pass', () => {
  test.prop({ c: poolCase }, { numRuns: 30 })('wasm and cpu equal the gradient of a count-normalised depthwise conv', async ({ c }) => {
    fc.pre(isValid(c));
    const [referenceY, referenceGradient] = await runOn('cpu', avgPoolGradient(c, true));
    for (const backend of ['cpu', 'wasm'] satisfies TestBackend[]) {
      const [y, gradient] = await runOn(backend, avgPoolGradient(c, false));
      expect(relativeError(y ?? [], referenceY ?? [])).toBeLessThan(TOLERANCE);
      expect(relativeError(gradient ?? [], referenceGradient ?? [])).toBeLessThan(TOLERANCE);
    }
  });

  it("fixes tfjs 4.22's stock AvgPoolGrad, which divides by the full window at 'same' borders", async () => {
    const body = () => tf.grad((a: tf.Tensor) => tf.sum(tf.avgPool(a as tf.Tensor4D, 3, 1, 'same')))(tf.ones([1, 4, 4, 1]));
    // Corner input: in windows with 4, 6, 6 and 9 in-bounds inputs -> 1/4 + 2/6 + 1/9.
    const expectedCorner = 1 / 4 + 2 / 6 + 1 / 9;
    const [fixed] = await runOn('cpu', body);
    expect(fixed?.[0]).toBeCloseTo(expectedCorner, 6);
    unregisterTrainingKernels('cpu');
    try {
      const [stock] = await runOn('cpu', body);
      expect(stock?.[0]).toBeCloseTo(4 / 9, 6);
    } finally {
      registerTrainingKernels('cpu');
    }
  });
});

describe('MaxPoolGrad on wasm', () => {
  test.prop({ c: poolCase, ties: fc.boolean() }, { numRuns: 40 })('matches cpu, ties included (first maximum wins)', async ({ c, ties }) => {
    fc.pre(isValid(c));
    const body = () => {
      const x = input(c, ties);
      const y = tf.maxPool(x, c.filter, c.stride, c.pad);
      const r = tf.tensor(randomValues(y.size, c.seed + 1), y.shape);
      return [y, tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, c.filter, c.stride, c.pad), r)))(x)];
    };
    expect(await wasmVersusCpu(body)).toBeLessThan(TOLERANCE);
  });

  it('sends the gradient of an all-equal window to its first element only', async () => {
    await selectBackend('wasm');
    const [gradient] = await runOn('wasm', () => tf.grad((a: tf.Tensor) => tf.sum(tf.maxPool(a as tf.Tensor4D, 2, 2, 'valid')))(tf.zeros([1, 2, 2, 1])));
    expect(gradient).toEqual([1, 0, 0, 0]);
  });
});
