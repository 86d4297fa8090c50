// Helpers of the data set tests (src/data). Private to this package's tests (they import vitest).
import { FileFormatError } from '@lmreg/common';
import { expect } from 'vitest';

import type { DatasetSplit } from '../data/types.js';

/** Calls `fn`, expects it to throw a FileFormatError, and returns the error. */
export function expectFileFormatError(fn: () => unknown): FileFormatError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(FileFormatError);
    return error as FileFormatError;
  }
  throw new Error('expected a FileFormatError');
}

/** Awaits `promise`, expects it to reject with a FileFormatError, and returns the error. */
export async function expectFileFormatRejection(promise: Promise<unknown>): Promise<FileFormatError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FileFormatError);
  return error as FileFormatError;
}

/** How many labels of each of `classes` classes. */
export function labelHistogram(labels: ArrayLike<number>, classes = 10): number[] {
  const out = new Array<number>(classes).fill(0);
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i] ?? 0;
    out[l] = (out[l] ?? 0) + 1;
  }
  return out;
}

/** Asserts that `split` holds `perClass` images of each of 10 classes, with pixels spanning exactly [0, 1]. */
export function expectBalancedUnitSplit(split: DatasetSplit, perClass: number): void {
  expect(labelHistogram(split.labels)).toEqual(new Array<number>(10).fill(perClass));
  let min = Infinity;
  let max = -Infinity;
  for (const v of split.images) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  expect([min, max]).toEqual([0, 1]);
}
