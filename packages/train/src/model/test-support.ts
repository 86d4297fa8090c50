// Shared by the network tests (not exported from the package).
import { ensureGradients } from '@lmreg/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, beforeEach, expect } from 'vitest';

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
  let before = 0;
  beforeAll(async () => {
    expect(await tf.setBackend('cpu')).toBe(true);
    expect(ensureGradients()).toBe(true);
  });
  beforeEach(() => {
    before = tf.memory().numTensors;
  });
  afterEach(() => {
    expect(tf.memory().numTensors).toBe(before);
  });
  return { tensorsAtStart: () => before };
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
