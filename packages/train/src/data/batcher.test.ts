import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';

import { InvalidArgumentError } from '@lmreg/common';

import type { Batch, BatcherOptions, BatcherState } from './batcher.js';
import { createBatcher } from './batcher.js';
import type { DatasetSplit } from './types.js';

/** n images of 3x3x1 whose pixels all equal the row index + 1, label = row % 10. */
function makeSplit(n: number): DatasetSplit {
  const images = new Float32Array(n * 9);
  for (let i = 0; i < n; i++) images.fill(i + 1, i * 9, (i + 1) * 9);
  return { images, labels: Int32Array.from({ length: n }, (_, i) => i % 10), n, height: 3, width: 3, channels: 1 };
}

function take(batcher: { nextBatch(): Batch }, count: number): Batch[] {
  return Array.from({ length: count }, () => batcher.nextBatch());
}

const optionsArb = fc.record({
  batchSize: fc.integer({ min: 1, max: 12 }),
  shuffle: fc.boolean(),
  seed: fc.integer(),
  dropLast: fc.boolean(),
  augment: fc.oneof(fc.constant(false as const), fc.record({ pad: fc.integer({ min: 0, max: 2 }), flip: fc.boolean() })),
});

describe('createBatcher', () => {
  test.prop([fc.integer({ min: 1, max: 60 }), optionsArb])(
    'an epoch visits every row once (minus the dropped tail), with matching labels',
    (n, options) => {
      fc.pre(!options.dropLast || n >= options.batchSize);
      const batcher = createBatcher(makeSplit(n), options);
      const batches = [...batcher];
      expect(batches).toHaveLength(batcher.batchesPerEpoch);
      expect([batcher.epoch, batcher.batch]).toEqual([1, 0]);
      const rows = batches.flatMap((b) => Array.from(b.indices));
      const expected = options.dropLast ? Math.floor(n / options.batchSize) * options.batchSize : n;
      expect(rows).toHaveLength(expected);
      expect(new Set(rows).size).toBe(expected);
      for (const b of batches) {
        expect(b.images).toHaveLength(b.size * 9);
        expect(b.size).toBeLessThanOrEqual(options.batchSize);
        if (options.dropLast) expect(b.size).toBe(options.batchSize);
        b.indices.forEach((row, i) => {
          expect(b.labels[i]).toBe(row % 10);
          if (options.augment === false) expect(b.images[i * 9 + 4]).toBe(row + 1);
        });
      }
      if (!options.shuffle && !options.dropLast) expect(rows).toEqual(Array.from({ length: n }, (_, i) => i));
    },
  );

  test.prop([fc.integer({ min: 1, max: 40 }), optionsArb, fc.nat({ max: 30 }), fc.nat({ max: 30 })])(
    'a batcher restored from a saved state yields exactly what an uninterrupted one does',
    (n, options, stopAt, more) => {
      fc.pre(!options.dropLast || n >= options.batchSize);
      const split = makeSplit(n);
      const uninterrupted = take(createBatcher(split, options), stopAt + more);
      const first = createBatcher(split, options);
      const before = take(first, stopAt);
      const saved = JSON.parse(JSON.stringify(first.state())) as BatcherState;
      const resumed = createBatcher(split, options);
      resumed.restore(saved);
      expect([resumed.epoch, resumed.batch]).toEqual([first.epoch, first.batch]);
      expect([...before, ...take(resumed, more)]).toEqual(uninterrupted);
    },
  );

  test('epochs are reshuffled, and different seeds shuffle differently', () => {
    const split = makeSplit(50);
    const b = createBatcher(split, { batchSize: 50, seed: 1 });
    const [e0, e1] = [b.nextBatch().indices, b.nextBatch().indices];
    expect(e0).not.toEqual(e1);
    expect(createBatcher(split, { batchSize: 50, seed: 2 }).nextBatch().indices).not.toEqual(e0);
  });

  test('augmentation changes images, not labels, and is reproducible', () => {
    const split: DatasetSplit = { ...makeSplit(16), images: Float32Array.from({ length: 16 * 9 }, (_, i) => i) };
    const options: BatcherOptions = { batchSize: 4, seed: 9, augment: { pad: 1, flip: true } };
    const a = take(createBatcher(split, options), 8);
    const plain = take(createBatcher(split, { ...options, augment: false }), 8);
    expect(a).toEqual(take(createBatcher(split, options), 8));
    expect(a.map((b) => b.labels)).toEqual(plain.map((b) => b.labels));
    expect(a.map((b) => b.images)).not.toEqual(plain.map((b) => b.images));
  });

  test('restore refuses a state from other data or settings, or out of range', () => {
    const b = createBatcher(makeSplit(10), { batchSize: 3, seed: 4 });
    const good = b.state();
    expect(good).toEqual({ epoch: 0, batch: 0, n: 10, batchSize: 3, seed: 4, shuffle: true, dropLast: false, augment: false });
    const bad: BatcherState[] = [
      { ...good, n: 11 },
      { ...good, batchSize: 2 },
      { ...good, seed: 5 },
      { ...good, shuffle: false },
      { ...good, augment: { pad: 2, flip: false } },
      { ...good, batch: 4 },
      { ...good, epoch: -1 },
    ];
    for (const state of bad) expect(() => b.restore(state)).toThrow(InvalidArgumentError);
    b.restore({ ...good, epoch: 3, batch: 2 });
    expect([b.epoch, b.batch]).toEqual([3, 2]);
  });

  test('bad options', () => {
    expect(() => createBatcher(makeSplit(4), { batchSize: 0 })).toThrow(InvalidArgumentError);
    expect(() => createBatcher(makeSplit(4), { batchSize: 2, seed: 0.5 })).toThrow(InvalidArgumentError);
    expect(() => createBatcher(makeSplit(4), { batchSize: 5, dropLast: true })).toThrow(/no batch/);
    expect(() => createBatcher({ ...makeSplit(4), n: 5 }, { batchSize: 2 })).toThrow(InvalidArgumentError);
  });
});
