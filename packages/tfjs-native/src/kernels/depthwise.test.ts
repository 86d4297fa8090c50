import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { fc, test } from '@fast-check/vitest';
import { expect, it } from 'vitest';

import { isNativeKernelRegistered, registerNativeKernels } from './register.js';
import { compare, describeNative, padArbitrary, padFits, randomTensor, randomTensor4d, tfPad } from '../testing/kernels.js';

// Depthwise convolutions (DARTS' separable convs) against the stock cpu kernels: forward with
// dilation, both gradients, channel multipliers 1-3, odd sizes, batch 1, strides, pads.
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
    pad: padArbitrary,
    seed: fc.integer({ min: 1, max: 1_000_000 }),
  })
  .map((c) => (c.stride > 1 ? { ...c, dilation: 1 } : c))
  .filter((c) => padFits(c.height, c.width, c.pad, (c.kernel - 1) * c.dilation + 1, (c.kernel - 1) * c.dilation + 1));

describeNative('native depthwise convolution kernels', () => {
  it('are registered', () => {
    registerNativeKernels();
    for (const name of ['DepthwiseConv2dNative', 'DepthwiseConv2dNativeBackpropInput', 'DepthwiseConv2dNativeBackpropFilter']) {
      expect(isNativeKernelRegistered(name), name).toBe(true);
    }
  });

  test.prop([caseArbitrary], { numRuns: 80 })('forward and both gradients match the cpu kernels', (c) => {
    const xShape: [number, number, number, number] = [c.batch, c.height, c.width, c.channels];
    const wShape: [number, number, number, number] = [c.kernel, c.kernel, c.channels, c.multiplier];
    const pad = tfPad(c.pad);
    compare(() =>
      tf.tidy(() => {
        const x = randomTensor4d(xShape, c.seed);
        const w = randomTensor4d(wShape, c.seed + 1);
        const y = tf.depthwiseConv2d(x, w, c.stride, pad, 'NHWC', c.dilation);
        if (c.dilation > 1) return [y]; // tfjs's depthwise gradient rejects dilation > 1
        const r = randomTensor(y.shape, c.seed + 2);
        const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, pad), r)))([
          x,
          w,
        ]);
        return [y, dx as tf.Tensor, dw as tf.Tensor];
      }),
    );
  });
});
