import { expectNoTensorLeak } from '@lmreg/common/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';

import { selectBackend } from '../backend/select-backend.js';
import { toTensors } from '../data/to-tensors.js';
import { softmaxCrossEntropy } from './train-step.js';

// Regression: tfjs-backend-wasm 4.22's OneHot ignores its dtype argument, which once made every
// cross-entropy on wasm read as ~3e-45 (int bits seen as float) and silently stopped training.
describe('softmaxCrossEntropy and one-hot labels agree on cpu and wasm', () => {
  const logits = [1, 2, 3, 0, 0, 5, -1, 4, 0.5];
  const labels = [2, 0, 1];

  async function on(backend: 'cpu' | 'wasm'): Promise<{ ce: number; oneHot: number[] }> {
    await selectBackend(backend);
    return expectNoTensorLeak(() => {
      const l = tf.tensor2d(logits, [3, 3]);
      const y = tf.tensor1d(labels, 'int32');
      const ce = softmaxCrossEntropy(l, y);
      const batch = toTensors({ images: new Float32Array(3), labels: Int32Array.from(labels), size: 3, height: 1, width: 1, channels: 1 }, 3);
      const out = { ce: ce.dataSync()[0] ?? NaN, oneHot: Array.from(batch.y.dataSync()) };
      tf.dispose([l, y, ce, batch.x, batch.y]);
      return out;
    });
  }

  afterAll(async () => {
    await selectBackend('cpu');
  });

  it('gives the hand-computed value on both backends', async () => {
    const expected =
      -(
        [0, 1, 2].map((r) => {
          const row = logits.slice(3 * r, 3 * r + 3);
          const lse = Math.log(row.reduce((s, v) => s + Math.exp(v), 0));
          return (row[labels[r] ?? 0] ?? 0) - lse;
        }) as number[]
      ).reduce((a, b) => a + b, 0) / 3;
    for (const backend of ['cpu', 'wasm'] as const) {
      const r = await on(backend);
      expect(r.ce).toBeCloseTo(expected, 5);
      expect(r.oneHot).toEqual([0, 0, 1, 1, 0, 0, 0, 1, 0]);
    }
  });
});
