// Helpers of the native kernel tests (src/kernels): the suite set-up, seeded inputs and the
// native-versus-stock comparison. Private to this package's tests (they import vitest).
import { fc } from '@fast-check/vitest';
import { expectNoTensorLeak } from '@lmreg/common/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';

import { isNativeAvailable } from '../addon/load.js';
import { isNativeKernelRegistered, registerNativeKernels, unregisterNativeKernels } from '../kernels/register.js';

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

/** A tensor of `shape` holding `random(size, seed) * scale + offset` (the caller owns it). */
export function randomTensor(shape: readonly number[], seed: number, scale = 1, offset = 0): tf.Tensor {
  const values = random(
    shape.reduce((a, b) => a * b, 1),
    seed,
  );
  return tf.tensor(scale === 1 && offset === 0 ? values : values.map((v) => v * scale + offset), [...shape]);
}

/** A 4-d {@link randomTensor}. */
export function randomTensor4d(shape: readonly [number, number, number, number], seed: number): tf.Tensor4D {
  return randomTensor(shape, seed) as tf.Tensor4D;
}

/**
 * max |actual - expected| / max(max |expected|, 1): the error TOLERANCE bounds (NaN anywhere, or
 * another length, is infinite).
 */
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

/**
 * max |actual - expected| / max(max |expected|, floor): relative to each output's own magnitude
 * (TOLERANCE floors the scale at 1, which hides errors in gradients much smaller than 1).
 */
export function scaledError(actual: Float32Array, expected: Float32Array, floor: number): number {
  if (actual.length !== expected.length) return Number.POSITIVE_INFINITY;
  let diff = 0;
  let scale = floor;
  expected.forEach((e, i) => {
    diff = Math.max(diff, Math.abs((actual[i] ?? Number.NaN) - e));
    scale = Math.max(scale, Math.abs(e));
  });
  return Number.isNaN(diff) ? Number.POSITIVE_INFINITY : diff / scale;
}

/** Training-mode batch norm (batch statistics, biased variance, epsilon 1e-5) in stock tfjs ops: the reference of the fused kernels. */
export function compositeBn(z: tf.Tensor4D, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor4D {
  const { mean, variance } = tf.moments(z, [0, 1, 2]);
  const scale = tf.mul(gamma, tf.rsqrt(tf.add(variance, 1e-5)));
  return tf.add(tf.mul(z, scale), tf.sub(beta, tf.mul(mean, scale))) as tf.Tensor4D;
}

/** Runs `fn` with the native kernels registered or not; returns its outputs' values; checks for leaks. */
export function valuesWith(native: boolean, fn: () => tf.Tensor[]): Float32Array[] {
  if (native) registerNativeKernels();
  else unregisterNativeKernels();
  return expectNoTensorLeak(
    () => {
      const outputs = fn();
      const values = outputs.map((t) => t.dataSync() as Float32Array);
      tf.dispose(outputs);
      return values;
    },
    { label: native ? 'native kernels' : 'stock kernels' },
  );
}

/** Asserts that `fn` gives the same values (within TOLERANCE) with the native kernels as without. */
export function compare(fn: () => tf.Tensor[]): void {
  const expected = valuesWith(false, fn);
  const actual = valuesWith(true, fn);
  expect(actual.length).toBe(expected.length);
  actual.forEach((values, i) => expect(maxRelativeError(values, expected[i] ?? new Float32Array())).toBeLessThanOrEqual(TOLERANCE));
}

/** Options of {@link describeNative}. */
export interface NativeSuiteOptions {
  /**
   * When the addon is not built, one test that this kernel is not registered (and that
   * LMREG_REQUIRE_NATIVE=1 is not set) stands in for the suite; without it the suite is skipped.
   */
  readonly notBuilt?: string;
  /** Also run after every test (after the native kernels are unregistered). */
  readonly afterEach?: () => void;
}

/**
 * Declares a suite of native kernel tests: on the cpu backend, with the native kernels unregistered
 * after every test (each test registers them when it needs them).
 */
export function describeNative(title: string, body: () => void, options: NativeSuiteOptions = {}): void {
  const kernel = options.notBuilt;
  if (!isNativeAvailable() && kernel !== undefined) {
    describe(`${title} (addon NOT built)`, () => {
      it(`${kernel} is not registered (the failure path is tested in conv2d.test.ts and load.test.ts)`, () => {
        expect(process.env['LMREG_REQUIRE_NATIVE'], 'LMREG_REQUIRE_NATIVE=1 but the addon is not built').not.toBe('1');
        expect(isNativeKernelRegistered(kernel)).toBe(false);
      });
    });
    return;
  }
  describe.skipIf(!isNativeAvailable())(kernel === undefined ? title : `${title} (addon built)`, () => {
    beforeAll(async () => {
      expect(await tf.setBackend('cpu')).toBe(true);
    });
    afterEach(() => {
      unregisterNativeKernels();
      options.afterEach?.();
    });
    body();
  });
}

/** A convolution's padding: tfjs's names or explicit NHWC pads. */
export type Pad = 'same' | 'valid' | [[0, 0], [number, number], [number, number], [0, 0]];

/** 'same', 'valid' or explicit pads of 0-2 on each side. */
export const padArbitrary: fc.Arbitrary<Pad> = fc.oneof(
  fc.constant<Pad>('same'),
  fc.constant<Pad>('valid'),
  fc.tuple(fc.nat(2), fc.nat(2), fc.nat(2), fc.nat(2)).map(([t, b, l, r]): Pad => [
    [0, 0],
    [t, b],
    [l, r],
    [0, 0],
  ]),
);

/** True when a `height` x `width` input padded by `pad` holds a window of `windowHeight` x `windowWidth` ('same' always does). */
export function padFits(height: number, width: number, pad: Pad, windowHeight: number, windowWidth: number): boolean {
  const [t, b, l, r] = pad === 'same' ? [9, 9, 9, 9] : pad === 'valid' ? [0, 0, 0, 0] : [pad[1][0], pad[1][1], pad[2][0], pad[2][1]];
  return height + t + b >= windowHeight && width + l + r >= windowWidth;
}

/** `pad` as tf.conv2d / tf.depthwiseConv2d take it. */
export function tfPad(pad: Pad): 'same' | 'valid' | tf.backend_util.ExplicitPadding {
  return pad === 'same' || pad === 'valid' ? pad : (pad as tf.backend_util.ExplicitPadding);
}
