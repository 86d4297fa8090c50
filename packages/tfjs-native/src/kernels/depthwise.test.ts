import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { fc, test } from '@fast-check/vitest';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';

import { isNativeAvailable } from '../addon/load.js';
import { isNativeKernelRegistered, registerNativeKernels, unregisterNativeKernels } from './register.js';
import { compare, random } from './test-support.js';

// Depthwise convolutions (DARTS' separable convs) against the stock cpu kernels: forward with
// dilation, both gradients, channel multipliers 1-3, odd sizes, batch 1, strides, pads.
const BUILT = isNativeAvailable();

type Pad = 'same' | 'valid' | [[0, 0], [number, number], [number, number], [0, 0]];

const caseArbitrary = fc
  .record({
    batch: fc.integer({ min: 1, max: 3 }),
    height: fc.integer({ min: 1, max: 11 }),
    width: fc.integer({ min: 1, max: 11 }),
    channels: fc.oneof(fc.integer({ min: 1, max: 9 }), fc.constantFrom(16, 17, 32)),
    multiplier: fc.integer({ min: 1, max: 3 }),
    kernel: fc.constantFrom(1, 3, 5),
    stride: fc.constantFrom(1, 2),
    dilation: fc.constantFrom(1, 2),
    pad: fc.oneof(
      fc.constant<Pad>('same'),
      fc.constant<Pad>('valid'),
      fc.tuple(fc.nat(2), fc.nat(2), fc.nat(2), fc.nat(2)).map(([t, b, l, r]): Pad => [
        [0, 0],
        [t, b],
        [l, r],
        [0, 0],
      ]),
    ),
    seed: fc.integer({ min: 1, max: 1_000_000 }),
  })
  .map((c) => (c.stride > 1 ? { ...c, dilation: 1 } : c))
  .filter((c) => {
    const effective = (c.kernel - 1) * c.dilation + 1;
    const [t, b, l, r] = c.pad === 'same' ? [9, 9, 9, 9] : c.pad === 'valid' ? [0, 0, 0, 0] : [c.pad[1][0], c.pad[1][1], c.pad[2][0], c.pad[2][1]];
    return c.height + t + b >= effective && c.width + l + r >= effective;
  });

describe.skipIf(!BUILT)('native depthwise convolution kernels', () => {
  beforeAll(async () => {
    expect(await tf.setBackend('cpu')).toBe(true);
  });
  afterEach(() => unregisterNativeKernels());

  it('are registered', () => {
    registerNativeKernels();
    for (const name of ['DepthwiseConv2dNative', 'DepthwiseConv2dNativeBackpropInput', 'DepthwiseConv2dNativeBackpropFilter']) {
      expect(isNativeKernelRegistered(name), name).toBe(true);
    }
  });

  test.prop([caseArbitrary], { numRuns: 80 })('forward and both gradients match the cpu kernels', (c) => {
    const xShape: [number, number, number, number] = [c.batch, c.height, c.width, c.channels];
    const wShape: [number, number, number, number] = [c.kernel, c.kernel, c.channels, c.multiplier];
    const pad = c.pad === 'same' || c.pad === 'valid' ? c.pad : (c.pad as tf.backend_util.ExplicitPadding);
    compare(() =>
      tf.tidy(() => {
        const x = tf.tensor4d(
          random(
            xShape.reduce((a, b) => a * b),
            c.seed,
          ),
          xShape,
        );
        const w = tf.tensor4d(
          random(
            wShape.reduce((a, b) => a * b),
            c.seed + 1,
          ),
          wShape,
        );
        const y = tf.depthwiseConv2d(x, w, c.stride, pad, 'NHWC', c.dilation);
        if (c.dilation > 1) return [y]; // tfjs's depthwise gradient rejects dilation > 1
        const r = tf.tensor(random(y.size, c.seed + 2), y.shape);
        const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, pad), r)))([
          x,
          w,
        ]);
        return [y, dx as tf.Tensor, dw as tf.Tensor];
      }),
    );
  });
});
