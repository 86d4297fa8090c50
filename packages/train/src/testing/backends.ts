// Helpers of the kernel tests (src/kernels): cpu versus wasm on the same computation. Private to
// this package's tests, not exported from @lmreg/train/testing.
import { expectNoTensorLeak } from '@lmreg/common/testing';
import { ensureGradients } from '@lmreg/core';
import * as tf from '@tensorflow/tfjs-core';

import { selectBackend } from '../backend/select-backend.js';

export type TestBackend = 'cpu' | 'wasm';

/** Loads both backends (with lmreg's kernels) and gradients; call in `beforeAll`. */
export async function setUpBackends(): Promise<void> {
  ensureGradients();
  await selectBackend('cpu');
  await selectBackend('wasm');
}

/**
 * Runs `body` on `backend` (set up by `setUpBackends`) inside `tf.tidy` and returns its tensors as flat plain arrays, so that
 * the same computation on two backends can be compared. Inputs must be built inside `body` from
 * plain arrays (tensors do not move between backends).
 */
export async function runOn(backend: TestBackend, body: () => tf.Tensor | tf.Tensor[]): Promise<number[][]> {
  // Plain setBackend (not selectBackend): tests may have swapped kernels on purpose.
  if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} did not initialise`);
  // Every tensor and every backend buffer the body made must be freed again.
  return expectNoTensorLeak(
    () => {
      const tensors = tf.tidy(body);
      const list = Array.isArray(tensors) ? tensors : [tensors];
      const values = list.map((t) => Array.from(t.dataSync()));
      tf.dispose(list);
      return values;
    },
    { backendBuffers: true, label: backend },
  );
}

/** Largest |a - b| over max(1, largest |b|): the relative error we state tolerances in. */
export function relativeError(actual: readonly number[], expected: readonly number[]): number {
  if (actual.length !== expected.length) return Number.POSITIVE_INFINITY;
  let worst = 0;
  let scale = 1;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i] ?? Number.NaN;
    const b = expected[i] ?? Number.NaN;
    if (Number.isNaN(a) !== Number.isNaN(b)) return Number.POSITIVE_INFINITY;
    if (!Number.isNaN(b)) {
      worst = Math.max(worst, Math.abs(a - b));
      scale = Math.max(scale, Math.abs(b));
    }
  }
  return worst / scale;
}

/** Deterministic pseudo-random values in [-1, 1) (a small LCG; tests need no statistics). */
export function randomValues(count: number, seed: number): number[] {
  let state = (seed * 2654435761 + 12345) >>> 0;
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out.push(state / 2 ** 31 - 1);
  }
  return out;
}

/** Compares every output of `body` on wasm against cpu; returns the worst relative error. */
export async function wasmVersusCpu(body: () => tf.Tensor | tf.Tensor[]): Promise<number> {
  const expected = await runOn('cpu', body);
  const actual = await runOn('wasm', body);
  let worst = 0;
  expected.forEach((values, i) => {
    worst = Math.max(worst, relativeError(actual[i] ?? [], values));
  });
  return worst;
}
