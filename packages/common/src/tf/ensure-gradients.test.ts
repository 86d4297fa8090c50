import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

import { expectNoTensorLeak } from '../testing/index.js';

import { ensureGradients } from './ensure-gradients.js';

describe('ensureGradients', () => {
  beforeAll(async () => {
    expect(await tf.setBackend('cpu')).toBe(true);
  });

  it('registers the gradients tfjs-core alone lacks, for the shared tfjs engine', () => {
    expect(ensureGradients()).toBe(true);
    expectNoTensorLeak(() => {
      const g = tf.grad((x: tf.Tensor) => tf.sum(tf.div(tf.square(x), tf.scalar(2))));
      const x = tf.tensor1d([1, -2, 3]);
      const dx = g(x);
      expect(Array.from(dx.dataSync())).toEqual([1, -2, 3]);
      tf.dispose([x, dx]);
    });
  });
});
