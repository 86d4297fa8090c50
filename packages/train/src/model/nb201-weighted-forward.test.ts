import '@tensorflow/tfjs-backend-cpu';

import { expectNoTensorLeak } from '@lmreg/common/testing';
import { ensureGradients } from '@lmreg/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

import { createNb201Supernet } from './nb201-network.js';
import { nb201WeightedForward } from './nb201-weighted-forward.js';

beforeAll(async () => {
  expect(await tf.setBackend('cpu')).toBe(true);
  expect(ensureGradients()).toBe(true);
});

const arch = ['nor_conv_3x3', 'none', 'avg_pool_3x3', 'skip_connect', 'nor_conv_1x1', 'none'];
const OPS = ['none', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3'];

describe('nb201WeightedForward (GDAS on the NB201 super-net)', () => {
  it('with one-hot weights equals the super-net forward of the path; gradients reach every edge weight; no leaks', () => {
    const net = createNb201Supernet({ seed: 1, channels: 4, cells: 1, classes: 3, inputChannels: 1 });
    const x = tf.randomNormal([4, 8, 8, 1], 0, 1, 'float32', 7) as tf.Tensor4D;
    const y = tf.tensor1d([0, 1, 2, 0], 'int32');
    expectNoTensorLeak(() => {
      const weights = arch.map((op) => tf.tensor1d(OPS.map((o) => (o === op ? 1 : 0))));
      const reference = net.forward(arch, x, { training: true });
      const weighted = nb201WeightedForward(net, arch, weights, x);
      const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(reference, weighted))));
      expect(diff.dataSync()[0]).toBeLessThan(1e-5);
      const grads = tf.grads((...ws: tf.Tensor[]) => {
        const logits = nb201WeightedForward(net, arch, ws as tf.Tensor1D[], x);
        return tf.losses.softmaxCrossEntropy(tf.oneHot(y, 3), logits) as tf.Scalar;
      })(weights);
      // Edges into nodes 1 and 3 get gradient (chosen op and the zero-valued terms of the others);
      // node 2 only feeds a `none` edge, so edges 1 and 2 are dead and get exactly none (as in GDAS).
      const g = grads.map((t) => Array.from(t.dataSync()));
      for (const e of [0, 3, 4, 5])
        expect(
          g[e]?.some((v) => v !== 0),
          `edge ${e}`,
        ).toBe(true);
      for (const e of [1, 2])
        expect(
          g[e]?.every((v) => v === 0),
          `edge ${e}`,
        ).toBe(true);
      expect(g[0]?.[3]).not.toBe(0);
      expect(g[5]?.[0]).toBe(0); // a chosen `none` multiplies zeros
      tf.dispose([reference, weighted, diff, ...weights, ...grads]);
    });
    tf.dispose([x, y]);
    net.dispose();
  });

  it('rejects weights of the wrong shape', () => {
    const net = createNb201Supernet({ seed: 1, channels: 4, cells: 1, classes: 3, inputChannels: 1 });
    const x = tf.zeros([1, 8, 8, 1]) as tf.Tensor4D;
    const w = [tf.ones([5]) as tf.Tensor1D];
    expect(() => nb201WeightedForward(net, arch, w, x)).toThrow(/6 weight vectors/);
    tf.dispose([x, ...w]);
    net.dispose();
  });
});
