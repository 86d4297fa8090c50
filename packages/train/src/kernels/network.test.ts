import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

import { randomValues, runOn, setUpBackends, wasmVersusCpu } from '../testing/backends.js';

/** Relative tolerance of the whole-network comparison (float32, sums in another order). */
const TOLERANCE = 1e-4;

beforeAll(setUpBackends);

const SHAPES = {
  conv1: [3, 3, 3, 6],
  gamma1: [6],
  beta1: [6],
  conv2: [3, 3, 6, 8],
  depthwise: [3, 3, 8, 1],
  pointwise: [1, 1, 8, 8],
  gamma2: [8],
  beta2: [8],
  dense: [8 * 2 * 2, 5],
  bias: [5],
} as const;

type Parameters = Record<keyof typeof SHAPES, tf.Tensor>;

/** batch 4 of 3x9x9 images -> conv-BN-ReLU, avg pool, strided conv, separable conv-BN-ReLU, max pool, dense. */
function forward(x: tf.Tensor4D, p: Parameters, labels: tf.Tensor2D): tf.Scalar {
  const batchNorm = (h: tf.Tensor4D, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor4D => {
    const { mean, variance } = tf.moments(h, [0, 1, 2]);
    return tf.batchNorm(h, mean, variance, beta as tf.Tensor1D, gamma as tf.Tensor1D, 1e-5) as tf.Tensor4D;
  };
  let h = tf.relu(batchNorm(tf.conv2d(x, p.conv1 as tf.Tensor4D, 1, 'same'), p.gamma1, p.beta1));
  h = tf.avgPool(h, 3, 1, 'same');
  h = tf.conv2d(h, p.conv2 as tf.Tensor4D, 2, 'same');
  h = tf.depthwiseConv2d(h, p.depthwise as tf.Tensor4D, 1, 'same');
  h = tf.relu(batchNorm(tf.conv2d(h, p.pointwise as tf.Tensor4D, 1, 'valid'), p.gamma2, p.beta2));
  h = tf.maxPool(h, 2, 2, 'valid');
  const logits = tf.add(tf.matMul(tf.reshape(h, [x.shape[0], -1]), p.dense as tf.Tensor2D), p.bias);
  return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
}

function gradients(): tf.Tensor[] {
  const names = Object.keys(SHAPES) as Array<keyof typeof SHAPES>;
  const values = names.map((name, i) => {
    const shape = SHAPES[name];
    const size = shape.reduce((a: number, b: number) => a * b, 1);
    const raw = randomValues(size, 100 + i);
    return tf.tensor(name.startsWith('gamma') ? raw.map((v) => 1 + 0.2 * v) : raw.map((v) => 0.5 * v), [...shape]);
  });
  const x = tf.tensor4d(randomValues(4 * 9 * 9 * 3, 7), [4, 9, 9, 3]);
  const labels = tf.oneHot(tf.tensor1d([0, 3, 1, 4], 'int32'), 5) as tf.Tensor2D;
  const f = (...args: tf.Tensor[]) => {
    const parameters = Object.fromEntries(names.map((name, i) => [name, args[i + 1] as tf.Tensor])) as Parameters;
    return forward(args[0] as tf.Tensor4D, parameters, labels);
  };
  const { value, grads } = tf.valueAndGrads(f)([x, ...values]);
  return [value, ...grads];
}

describe('a conv-BN-ReLU-pool-dense network', () => {
  it('has the same loss and gradients (input and every parameter) on wasm as on cpu, within 1e-4 relative', async () => {
    expect(await wasmVersusCpu(gradients)).toBeLessThan(TOLERANCE);
  });

  it('has non-trivial gradients (the comparison is not between zeros)', async () => {
    const [loss, ...grads] = await runOn('wasm', gradients);
    expect(loss?.[0]).toBeGreaterThan(0.1);
    for (const g of grads) expect(Math.max(...g.map(Math.abs))).toBeGreaterThan(1e-4);
  });
});
