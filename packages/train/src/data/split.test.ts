import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';

import { InvalidArgumentError } from '@lmreg/common';

import { selectRows, splitTrain, takeSubset } from './split.js';
import type { DatasetSplit } from './types.js';

/** A 2x1x1 split whose row i has pixels (i, -i), so rows can be recognised after a split. */
function makeSplit(labels: readonly number[]): DatasetSplit {
  const n = labels.length;
  const images = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    images[2 * i] = i;
    images[2 * i + 1] = -i;
  }
  return { images, labels: Int32Array.from(labels), n, height: 1, width: 1, channels: 2 };
}

const labelsArb = fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 0, maxLength: 200 });
const fractionArb = fc.double({ min: 0.01, max: 0.99, noNaN: true });

function counts(labels: Iterable<number>): Map<number, number> {
  const m = new Map<number, number>();
  for (const l of labels) m.set(l, (m.get(l) ?? 0) + 1);
  return m;
}

describe('splitTrain', () => {
  test.prop([labelsArb, fractionArb, fc.integer(), fc.boolean(), fc.boolean()])(
    'halves are disjoint, cover every row, have floor(fraction * n) super-net rows and carry their data',
    (labels, fraction, seed, stratify, shuffle) => {
      const split = makeSplit(labels);
      const s = splitTrain(split, { fraction, seed, stratify, shuffle });
      const all = [...s.supernetIndices, ...s.rankingIndices].sort((a, b) => a - b);
      expect(all).toEqual(labels.map((_, i) => i));
      expect(s.supernet.n).toBe(Math.floor(fraction * labels.length));
      expect(s.supernet.n + s.ranking.n).toBe(labels.length);
      s.supernetIndices.forEach((row, i) => {
        expect(s.supernet.images[2 * i]).toBe(row);
        expect(s.supernet.labels[i]).toBe(labels[row]);
      });
      s.rankingIndices.forEach((row, i) => expect(s.ranking.images[2 * i + 1]).toBe(-row));
    },
  );

  test.prop([labelsArb, fractionArb, fc.integer()])('stratified: every class is split to within one row', (labels, fraction, seed) => {
    const s = splitTrain(makeSplit(labels), { fraction, seed, stratify: true });
    const whole = counts(labels);
    const part = counts(s.supernet.labels);
    for (const [c, total] of whole) {
      const share = (Math.floor(fraction * labels.length) * total) / labels.length;
      expect(Math.abs((part.get(c) ?? 0) - share)).toBeLessThan(1);
    }
  });

  test.prop([labelsArb, fc.integer()])('deterministic for a seed', (labels, seed) => {
    const a = splitTrain(makeSplit(labels), { seed });
    const b = splitTrain(makeSplit(labels), { seed });
    expect(a.supernetIndices).toEqual(b.supernetIndices);
  });

  test('different seeds give different halves; shuffle:false is the authors\' contiguous split', () => {
    const split = makeSplit(Array.from({ length: 100 }, (_, i) => i % 10));
    expect(splitTrain(split, { seed: 1 }).supernetIndices).not.toEqual(splitTrain(split, { seed: 2 }).supernetIndices);
    const contiguous = splitTrain(split, { seed: 1, shuffle: false, fraction: 0.3 });
    expect(Array.from(contiguous.supernetIndices)).toEqual(Array.from({ length: 30 }, (_, i) => i));
  });

  test('accepts a whole data set (uses its train split) and rejects bad fractions', () => {
    const train = makeSplit([0, 1, 2, 3]);
    const dataset = {
      name: 'mnist' as const,
      classes: [],
      train,
      test: train,
      normalization: undefined,
      source: { dir: '', train: [], test: [] },
    };
    expect(splitTrain(dataset, { seed: 3 }).supernet.n).toBe(2);
    for (const fraction of [0, 1, -0.5, Number.NaN]) {
      expect(() => splitTrain(train, { seed: 0, fraction })).toThrow(InvalidArgumentError);
    }
  });
});

describe('takeSubset', () => {
  test.prop([labelsArb, fc.integer(), fc.boolean(), fc.double({ min: 0, max: 1, noNaN: true })])(
    'n distinct rows of the split, in their original order',
    (labels, seed, stratify, share) => {
      const split = makeSplit(labels);
      const n = Math.floor(share * labels.length);
      const sub = takeSubset(split, n, seed, { stratify });
      expect(sub.n).toBe(n);
      const rows = Array.from({ length: n }, (_, i) => sub.images[2 * i] ?? -1);
      expect(rows).toEqual([...new Set(rows)].sort((a, b) => a - b));
      rows.forEach((r, i) => expect(sub.labels[i]).toBe(labels[r]));
      expect(takeSubset(split, n, seed, { stratify }).images).toEqual(sub.images);
    },
  );

  test('stratified subset of a balanced set is balanced', () => {
    const split = makeSplit(Array.from({ length: 1000 }, (_, i) => i % 10));
    const sub = takeSubset(split, 100, 7, { stratify: true });
    expect([...counts(sub.labels).values()]).toEqual(new Array<number>(10).fill(10));
  });

  test('n out of range', () => {
    expect(() => takeSubset(makeSplit([0, 1]), 3, 0)).toThrow(InvalidArgumentError);
    expect(() => takeSubset(makeSplit([0, 1]), 1.5, 0)).toThrow(InvalidArgumentError);
  });
});

describe('selectRows', () => {
  test('copies rows in the given order and refuses bad indices', () => {
    const s = selectRows(makeSplit([5, 6, 7]), [2, 0, 2]);
    expect(Array.from(s.images)).toEqual([2, -2, 0, -0, 2, -2]);
    expect(Array.from(s.labels)).toEqual([7, 5, 7]);
    expect(() => selectRows(makeSplit([5]), [1])).toThrow(InvalidArgumentError);
  });
});
