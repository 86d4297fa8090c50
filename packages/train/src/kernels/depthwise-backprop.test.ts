import * as tf from '@tensorflow/tfjs-core';
import { fc, test } from '@fast-check/vitest';
import { beforeAll, describe, expect, it } from 'vitest';

import { isTrainingKernelRegistered } from './register.js';
import { randomValues, relativeError, runOn, setUpBackends, wasmVersusCpu } from '../testing/backends.js';

/** Relative tolerance of the wasm-versus-cpu comparisons (float32 sums in another order). */
const TOLERANCE = 1e-4;

beforeAll(setUpBackends);

interface DepthwiseCase {
  batch: number;
  size: number;
  channels: number;
  multiplier: number;
  kernel: number;
  stride: number;
  pad: 'same' | 'valid';
  seed: number;
}

function depthwiseGradients(c: DepthwiseCase): () => tf.Tensor[] {
  return () => {
    const xShape: [number, number, number, number] = [c.batch, c.size, c.size + 2, c.channels];
    const wShape: [number, number, number, number] = [c.kernel, c.kernel, c.channels, c.multiplier];
    const x = tf.tensor4d(
      randomValues(
        xShape.reduce((a, b) => a * b),
        c.seed,
      ),
      xShape,
    );
    const w = tf.tensor4d(
      randomValues(
        wShape.reduce((a, b) => a * b),
        c.seed + 1,
      ),
      wShape,
    );
    const y = tf.depthwiseConv2d(x, w, c.stride, c.pad);
    const r = tf.tensor(randomValues(y.size, c.seed + 2), y.shape);
    const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad), r)))([
      x,
      w,
    ]);
    return [y, dx as tf.Tensor, dw as tf.Tensor];
  };
}

describe('wasm depthwise convolution gradients (missing from tfjs-backend-wasm 4.22)', () => {
  it('are registered by lmreg', () => {
    expect(isTrainingKernelRegistered('DepthwiseConv2dNativeBackpropInput', 'wasm')).toBe(true);
    expect(isTrainingKernelRegistered('DepthwiseConv2dNativeBackpropFilter', 'wasm')).toBe(true);
  });

  test.prop(
    {
      batch: fc.integer({ min: 1, max: 3 }),
      size: fc.integer({ min: 1, max: 9 }),
      channels: fc.integer({ min: 1, max: 5 }),
      multiplier: fc.integer({ min: 1, max: 3 }),
      kernel: fc.constantFrom(1, 3, 5),
      stride: fc.constantFrom(1, 2),
      pad: fc.constantFrom<'same' | 'valid'>('same', 'valid'),
      seed: fc.nat(1000),
    },
    { numRuns: 30 },
  )('match cpu within 1e-4 relative', async (c) => {
    fc.pre(c.pad === 'same' || c.size >= c.kernel);
    expect(await wasmVersusCpu(depthwiseGradients(c))).toBeLessThan(TOLERANCE);
  });

  // tfjs-backend-cpu 4.22's depthwise backprop kernels ignore dilations, so the reference here is a
  // plain loop. (tfjs-core's gradient rejects dilated depthwise convolutions before any kernel runs.)
  it.each([
    { dilation: 2, stride: 1, pad: 'same' as const, kernel: 3, multiplier: 1 },
    { dilation: 2, stride: 1, pad: 'valid' as const, kernel: 3, multiplier: 2 },
    { dilation: 3, stride: 1, pad: 'same' as const, kernel: 5, multiplier: 1 },
    { dilation: 2, stride: 2, pad: 'same' as const, kernel: 3, multiplier: 2 },
  ])('kernels honour dilations (plain-loop reference): %j', async ({ dilation, stride, pad, kernel, multiplier }) => {
    const xShape: [number, number, number, number] = [2, 13, 12, 3];
    const filterShape: [number, number, number, number] = [kernel, kernel, 3, multiplier];
    const info = tf.backend_util.computeConv2DInfo(xShape, filterShape, stride, dilation, pad, undefined, true);
    const x = randomValues(2 * 13 * 12 * 3, 11);
    const w = randomValues(kernel * kernel * 3 * multiplier, 12);
    const dy = randomValues(2 * info.outHeight * info.outWidth * 3 * multiplier, 13);
    const dx = new Array<number>(x.length).fill(0);
    const dw = new Array<number>(w.length).fill(0);
    for (let b = 0; b < 2; b++)
      for (let i = 0; i < info.outHeight; i++)
        for (let j = 0; j < info.outWidth; j++)
          for (let a = 0; a < kernel; a++)
            for (let e = 0; e < kernel; e++) {
              const u = i * stride + a * dilation - info.padInfo.top;
              const v = j * stride + e * dilation - info.padInfo.left;
              if (u < 0 || u >= 13 || v < 0 || v >= 12) continue;
              for (let c = 0; c < 3; c++)
                for (let m = 0; m < multiplier; m++) {
                  const g = dy[((b * info.outHeight + i) * info.outWidth + j) * 3 * multiplier + c * multiplier + m] ?? 0;
                  const xi = ((b * 13 + u) * 12 + v) * 3 + c;
                  const wi = ((a * kernel + e) * 3 + c) * multiplier + m;
                  dx[xi] = (dx[xi] ?? 0) + g * (w[wi] ?? 0);
                  dw[wi] = (dw[wi] ?? 0) + g * (x[xi] ?? 0);
                }
            }
    const [actualDx, actualDw] = await runOn('wasm', () => {
      const attrs = { strides: [stride, stride], dilations: [dilation, dilation], pad };
      const dyTensor = tf.tensor4d(dy, [2, info.outHeight, info.outWidth, 3 * multiplier]);
      const inputs = { dy: dyTensor, filter: tf.tensor4d(w, filterShape) };
      const dxTensor = tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput', inputs, { ...attrs, inputShape: [...xShape] }) as tf.Tensor;
      const dwTensor = tf
        .engine()
        .runKernel(
          'DepthwiseConv2dNativeBackpropFilter',
          { x: tf.tensor4d(x, xShape), dy: dyTensor },
          { ...attrs, filterShape: [...filterShape] },
        ) as tf.Tensor;
      return [dxTensor, dwTensor];
    });
    expect(relativeError(actualDx ?? [], dx)).toBeLessThan(TOLERANCE);
    expect(relativeError(actualDw ?? [], dw)).toBeLessThan(TOLERANCE);
  });
});
