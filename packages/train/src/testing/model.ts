// Helpers of the network tests (src/model): private to this package's tests, not exported from
// @lmreg/train/testing (they import vitest).
import { useTensorLeakCheck } from '@lmreg/common/testing';
import { ensureGradients } from '@lmreg/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, beforeEach, expect } from 'vitest';

import { trainStep, type TrainStepOptions, type TrainStepResult } from '../model/train-step.js';

/** Number of trainable parameters held by a network's variables. */
export function trainableCount(net: { allVariables(): ReadonlyMap<string, tf.Variable> }): number {
  let total = 0;
  for (const v of net.allVariables().values()) if (v.trainable) total += v.size;
  return total;
}

/**
 * Registers hooks: the cpu backend with gradients before the file's tests, and a check after every
 * test that it left `tf.memory().numTensors` unchanged. Import '@tensorflow/tfjs-backend-cpu' first.
 * `tensorsAtStart()` is the count at the start of the running test.
 */
export function useCpuWithLeakCheck(): { tensorsAtStart: () => number } {
  beforeAll(async () => {
    expect(await tf.setBackend('cpu')).toBe(true);
    expect(ensureGradients()).toBe(true);
  });
  return useTensorLeakCheck({ beforeEach, afterEach });
}

/**
 * Asserts that a step moved exactly the path's weights: every weight outside `onPath` is
 * bit-identical in `after`, and every weight on it changed.
 */
export function expectOnlyPathMoved(
  start: Readonly<Record<string, Float32Array>>,
  after: Readonly<Record<string, Float32Array>>,
  onPath: ReadonlySet<string>,
): void {
  let moved = 0;
  for (const [key, values] of Object.entries(after)) {
    const changed = values.some((v, i) => v !== start[key]?.[i]);
    if (!onPath.has(key)) expect(changed, key).toBe(false);
    else if (changed) moved++;
  }
  expect(moved).toBe(onPath.size);
}

/** Largest |a - b| over all entries (the caller keeps `a` and `b`). */
export function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  const d = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))));
  const out = d.dataSync()[0] ?? NaN;
  d.dispose();
  return out;
}

/**
 * Runs one {@link trainStep} and asserts that its loss is finite and that it moved exactly the
 * weights of `options.arch`'s path (see {@link expectOnlyPathMoved}).
 */
export function expectTrainStepMovesOnlyPath<A>(options: TrainStepOptions<A>): TrainStepResult {
  const onPath = new Set(options.net.variablesFor(options.arch).keys());
  const start = options.net.getWeights();
  const result = trainStep(options);
  expect(Number.isFinite(result.loss)).toBe(true);
  expectOnlyPathMoved(start, options.net.getWeights(), onPath);
  return result;
}
