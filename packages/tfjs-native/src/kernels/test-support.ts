import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';

import { registerNativeKernels, unregisterNativeKernels } from './register.js';

/**
 * Tolerance of every native-versus-cpu comparison: max |native - cpu| <= 1e-4 * max(|cpu|, 1)
 * (float32 sums taken in another order, by blocks).
 */
export const TOLERANCE = 1e-4;

/** Deterministic values in [-1, 1) from a seed (an LCG: reproducible counterexamples). */
export function random(size: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

export function maxRelativeError(actual: Float32Array, expected: Float32Array): number {
  if (actual.length !== expected.length) return Number.POSITIVE_INFINITY;
  let diff = 0;
  let scale = 1;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs((actual[i] ?? Number.NaN) - (expected[i] ?? 0)));
    scale = Math.max(scale, Math.abs(expected[i] ?? 0));
  }
  return Number.isNaN(diff) ? Number.POSITIVE_INFINITY : diff / scale;
}

/** Runs `fn` with the native kernels registered or not; returns its outputs' values; checks for leaks. */
export function valuesWith(native: boolean, fn: () => tf.Tensor[]): Float32Array[] {
  if (native) registerNativeKernels();
  else unregisterNativeKernels();
  const before = tf.memory().numTensors;
  const outputs = fn();
  const values = outputs.map((t) => t.dataSync() as Float32Array);
  tf.dispose(outputs);
  expect(tf.memory().numTensors).toBe(before);
  return values;
}

/** Asserts that `fn` gives the same values (within TOLERANCE) with the native kernels as without. */
export function compare(fn: () => tf.Tensor[]): void {
  const expected = valuesWith(false, fn);
  const actual = valuesWith(true, fn);
  expect(actual.length).toBe(expected.length);
  actual.forEach((values, i) => expect(maxRelativeError(values, expected[i] ?? new Float32Array())).toBeLessThanOrEqual(TOLERANCE));
}
