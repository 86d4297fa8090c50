import { expectNoTensorLeak } from '@lmreg/common/testing';
import { ensureGradients } from '@lmreg/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';

import { selectBackend } from '../backend/select-backend.js';

// tf.gather's gradient needs UnsortedSegmentSum, which tfjs-backend-wasm 4.22 lacks: NAO and GDAS
// crashed on wasm with "Kernel 'UnsortedSegmentSum' not registered" before lmreg registered one.
describe('UnsortedSegmentSum on wasm', () => {
  afterAll(async () => {
    await selectBackend('cpu');
  });

  async function gatherGrad(backend: 'cpu' | 'wasm'): Promise<{ sum: number[]; grad: number[] }> {
    await selectBackend(backend);
    expect(ensureGradients()).toBe(true);
    return expectNoTensorLeak(() => {
      const x = tf.tensor2d([1, 2, 3, 4, 5, 6, 7, 8, 9], [3, 3]);
      const ids = tf.tensor1d([2, 0, 2, 5, -1], 'int32');
      const s = tf.tidy(() => tf.unsortedSegmentSum(tf.tensor2d([1, 1, 2, 2, 3, 3, 4, 4, 5, 5], [5, 2]), ids, 3));
      const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, tf.tensor1d([0, 2, 2, 1], 'int32')), tf.reshape(tf.range(1, 13), [4, 3]))))(x);
      const out = { sum: Array.from(s.dataSync()), grad: Array.from(g.dataSync()) };
      tf.dispose([x, ids, s, g]);
      return out;
    });
  }

  it('matches the cpu backend for segment sums and for the gradient of gather', async () => {
    const cpu = await gatherGrad('cpu');
    const wasm = await gatherGrad('wasm');
    expect(cpu.sum).toEqual([2, 2, 0, 0, 4, 4]);
    expect(wasm).toEqual(cpu);
  });
});
