import '@tensorflow/tfjs-backend-cpu';

import { expectNoTensorLeak, startTensorLeakCheck } from '@lmreg/common/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, test } from 'vitest';

import { InvalidArgumentError } from '@lmreg/common';

import { createBatcher } from './batcher.js';
import { toTensors } from './to-tensors.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('toTensors', () => {
  test('x is NHWC float32, y is one-hot float32; the caller disposes both', () => {
    const leakCheck = startTensorLeakCheck();
    const split = {
      images: Float32Array.from({ length: 5 * 2 * 2 * 3 }, (_, i) => i / 10),
      labels: Int32Array.of(3, 0, 9, 1, 3),
      n: 5,
      height: 2,
      width: 2,
      channels: 3,
    };
    const batch = createBatcher(split, { batchSize: 4, shuffle: false }).nextBatch();
    const { x, y } = toTensors(batch);
    expect(leakCheck.leaked()).toBe(2);
    expect(x.shape).toEqual([4, 2, 2, 3]);
    expect(x.dtype).toBe('float32');
    expect(y.shape).toEqual([4, 10]);
    expect(y.dtype).toBe('float32');
    expect(Array.from(x.dataSync())).toEqual(Array.from(batch.images));
    const rows = y.arraySync();
    expect(rows.map((r) => r.indexOf(1))).toEqual([3, 0, 9, 1]);
    expect(rows.every((r) => r.reduce((a, b) => a + b, 0) === 1)).toBe(true);
    x.dispose();
    y.dispose();
    leakCheck.expectNone();
  });

  test('labels outside the classes and mismatched arrays are refused without leaking', () => {
    expectNoTensorLeak(() => {
      const batch = { images: new Float32Array(4), labels: Int32Array.of(2), size: 1, height: 2, width: 2, channels: 1 };
      expect(() => toTensors(batch, 2)).toThrow(InvalidArgumentError);
      expect(() => toTensors({ ...batch, size: 2 }, 3)).toThrow(InvalidArgumentError);
      expect(() => toTensors(batch, 1)).toThrow(InvalidArgumentError);
      const { x, y } = toTensors(batch, 3);
      expect(y.shape).toEqual([1, 3]);
      tf.dispose([x, y]);
    });
  });
});
