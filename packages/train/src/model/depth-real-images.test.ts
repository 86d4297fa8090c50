import '@tensorflow/tfjs-backend-cpu';
import { createRng } from '@lmreg/common';
import { expectNoTensorLeak } from '@lmreg/common/testing';
import { ensureGradients } from '@lmreg/core';
import { type DepthArch, getSpace } from '@lmreg/spaces';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

import { loadDataset } from '../data/datasets.js';
import { takeSubset } from '../data/split.js';
import { createSgd } from '../optim/sgd.js';
import { ssiLoss } from './depth-loss.js';
import { createDepthSupernet } from './depth-network.js';

// No depth data set exists on this machine. The dense target here is derived from real images:
// Fashion-MNIST (the embedded subset) resized to 16x16, and the "depth" of a pixel is its
// Gaussian-blurred intensity (5x5, sigma 1.5), a smooth map a decoder can learn from the image.
// It is a stand-in that exercises the fusion-block decoder and ssiLoss on real inputs, not a
// depth benchmark.
describe('depth super-net on real images', () => {
  beforeAll(async () => {
    expect(await tf.setBackend('cpu')).toBe(true);
    expect(ensureGradients()).toBe(true);
  });

  it('a sampled path learns the blurred-intensity target: ssiLoss falls by a third in 25 steps, no leaks', async () => {
    const data = await loadDataset('fashion-mnist-mini', { resize: { height: 16, width: 16 } });
    const split = takeSubset(data.train, 8, 3);
    expectNoTensorLeak(() => {
      const x = tf.tensor4d(split.images, [8, 16, 16, 1]);
      const target = tf.tidy(() => {
        const g = Array.from({ length: 5 }, (_, i) => Math.exp(-((i - 2) ** 2) / (2 * 1.5 ** 2)));
        const s = g.reduce((a, b) => a + b, 0);
        const k1 = g.map((v) => v / s);
        const kernel = tf.tensor4d(
          k1.flatMap((a) => k1.map((b) => a * b)),
          [5, 5, 1, 1],
        );
        return tf.squeeze(tf.conv2d(x, kernel, 1, 'same'), [3]);
      });
      const net = createDepthSupernet({ encoderChannels: 4, features: 8, inputChannels: 1, seed: 2 });
      const opt = createSgd({ momentum: 0.9, weightDecay: 0 });
      const arch = getSpace<DepthArch>('depth-v1-sync').sample(createRng(4));
      const vars = [...net.variablesFor(arch).values()];
      const losses: number[] = [];
      for (let step = 0; step < 25; step++) {
        tf.tidy(() => {
          const { value, grads } = tf.variableGrads(() => ssiLoss(net.predictDepth(arch, x), target), vars);
          losses.push(value.dataSync()[0] ?? NaN);
          const byKey: Record<string, tf.Tensor> = {};
          for (const [name, grad] of Object.entries(grads)) byKey[net.keyOf(vars.find((v) => v.name === name) as tf.Variable) as string] = grad;
          opt.applyGradients(byKey, net.allVariables(), 0.05);
        });
      }
      expect(losses.every(Number.isFinite)).toBe(true);
      const first = losses.slice(0, 3).reduce((a, b) => a + b, 0) / 3;
      const last = losses.slice(-3).reduce((a, b) => a + b, 0) / 3;
      expect(last).toBeLessThan((2 / 3) * first);
      opt.dispose();
      net.dispose();
      tf.dispose([x, target]);
    });
  }, 120_000);
});
