import { expectNoTensorLeak } from '@lmreg/common/testing';
import * as tf from '@tensorflow/tfjs-core';
import { fc, test } from '@fast-check/vitest';
import { beforeAll, describe, expect, it } from 'vitest';

import { selectBackend } from '../backend/select-backend.js';
import { conv2dBackpropFilterNhwc, conv2dBackpropInputNhwc } from './conv-backprop.js';
import { convGeometry } from './conv-geometry.js';
import type { PadAttr } from './conv-geometry.js';
import { KernelRunner } from './kernel-runner.js';
import { isTrainingKernelRegistered } from './register.js';
import { randomValues, relativeError, runOn, setUpBackends, wasmVersusCpu } from '../testing/backends.js';

/** Relative tolerance of every wasm-versus-cpu comparison in this file (float32 sums reordered). */
const TOLERANCE = 1e-4;

interface ConvCase {
  batch: number;
  height: number;
  width: number;
  cin: number;
  cout: number;
  kernel: number;
  stride: number;
  pad: PadAttr;
}

/** Gradients of sum(conv2d(x, w) * r) with respect to x and w, from plain-array inputs. */
function convGradients(c: ConvCase, seed: number): () => tf.Tensor[] {
  return () => {
    const xShape: [number, number, number, number] = [c.batch, c.height, c.width, c.cin];
    const wShape: [number, number, number, number] = [c.kernel, c.kernel, c.cin, c.cout];
    const x = tf.tensor4d(
      randomValues(
        xShape.reduce((a, b) => a * b),
        seed,
      ),
      xShape,
    );
    const w = tf.tensor4d(
      randomValues(
        wShape.reduce((a, b) => a * b),
        seed + 1,
      ),
      wShape,
    );
    const y = tf.conv2d(x, w, c.stride, c.pad as 'same');
    const r = tf.tensor(randomValues(y.size, seed + 2), y.shape);
    const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad as 'same'), r)))([
      x,
      w,
    ]);
    return [y, dx as tf.Tensor, dw as tf.Tensor];
  };
}

function outputSize(input: number, c: ConvCase): number {
  const info = tf.backend_util.computeConv2DInfo([1, input, input, 1], [c.kernel, c.kernel, 1, 1], c.stride, 1, c.pad as 'same');
  return info.outHeight;
}

beforeAll(setUpBackends);

describe('wasm Conv2DBackpropInput / Conv2DBackpropFilter', () => {
  it('are lmreg kernels after selectBackend("wasm")', async () => {
    await selectBackend('wasm');
    expect(isTrainingKernelRegistered('Conv2DBackpropInput', 'wasm')).toBe(true);
    expect(isTrainingKernelRegistered('Conv2DBackpropFilter', 'wasm')).toBe(true);
  });

  const cases: ConvCase[] = [
    { batch: 2, height: 8, width: 8, cin: 3, cout: 4, kernel: 3, stride: 1, pad: 'same' },
    { batch: 1, height: 7, width: 9, cin: 2, cout: 5, kernel: 3, stride: 2, pad: 'same' },
    { batch: 3, height: 9, width: 7, cin: 4, cout: 3, kernel: 5, stride: 1, pad: 'valid' },
    { batch: 2, height: 11, width: 10, cin: 3, cout: 2, kernel: 5, stride: 2, pad: 'valid' },
    { batch: 2, height: 6, width: 6, cin: 5, cout: 4, kernel: 1, stride: 2, pad: 'same' },
    { batch: 1, height: 5, width: 5, cin: 2, cout: 2, kernel: 1, stride: 1, pad: 'valid' },
    {
      batch: 2,
      height: 8,
      width: 7,
      cin: 3,
      cout: 3,
      kernel: 3,
      stride: 2,
      pad: [
        [0, 0],
        [2, 0],
        [1, 2],
        [0, 0],
      ],
    },
    { batch: 1, height: 6, width: 6, cin: 2, cout: 3, kernel: 3, stride: 1, pad: 2 },
    {
      batch: 1,
      height: 4,
      width: 4,
      cin: 2,
      cout: 2,
      kernel: 5,
      stride: 1,
      pad: [
        [0, 0],
        [3, 4],
        [0, 1],
        [0, 0],
      ],
    },
  ];
  it.each(cases)('match cpu within 1e-4 relative: %j', async (c) => {
    expect(await wasmVersusCpu(convGradients(c, 7))).toBeLessThan(TOLERANCE);
  });

  test.prop(
    {
      batch: fc.integer({ min: 1, max: 3 }),
      height: fc.integer({ min: 1, max: 9 }),
      width: fc.integer({ min: 1, max: 9 }),
      cin: fc.integer({ min: 1, max: 4 }),
      cout: fc.integer({ min: 1, max: 4 }),
      kernel: fc.constantFrom(1, 3, 5),
      stride: fc.constantFrom(1, 2),
      pad: fc.oneof(
        fc.constantFrom<PadAttr>('same', 'valid'),
        fc.tuple(fc.nat(3), fc.nat(3), fc.nat(3), fc.nat(3)).map(([t, b, l, r]): PadAttr => [
          [0, 0],
          [t, b],
          [l, r],
          [0, 0],
        ]),
      ),
      seed: fc.nat(1000),
    },
    { numRuns: 30 },
  )('match cpu on random shapes, strides, kernels and paddings', async ({ seed, ...c }) => {
    const padded = (size: number, axis: 1 | 2): number => (Array.isArray(c.pad) ? size + (c.pad[axis]?.[0] ?? 0) + (c.pad[axis]?.[1] ?? 0) : size);
    fc.pre(c.pad === 'same' || (padded(c.height, 1) >= c.kernel && padded(c.width, 2) >= c.kernel));
    fc.pre(outputSize(Math.min(c.height, c.width), c) >= 1);
    expect(await wasmVersusCpu(convGradients(c, seed))).toBeLessThan(TOLERANCE);
  });

  it('handle NCHW data format like the cpu backend', async () => {
    const body = () => {
      const dy = tf.tensor4d(randomValues(2 * 3 * 4 * 4, 3), [2, 3, 4, 4]);
      const w = tf.tensor4d(randomValues(3 * 3 * 2 * 3, 4), [3, 3, 2, 3]);
      const x = tf.tensor4d(randomValues(2 * 2 * 7 * 7, 5), [2, 2, 7, 7]);
      const attrs = { strides: [2, 2], pad: 'same', dataFormat: 'NCHW' };
      const dx = tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, { ...attrs, inputShape: [2, 2, 7, 7] }) as tf.Tensor;
      const dw = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: [3, 3, 2, 3] }) as tf.Tensor;
      return [dx, dw];
    };
    expect(await wasmVersusCpu(body)).toBeLessThan(TOLERANCE);
  });

  it('serve conv2dTranspose (whose forward is Conv2DBackpropInput) and its gradient', async () => {
    const body = () => {
      const x = tf.tensor4d(randomValues(2 * 4 * 4 * 3, 8), [2, 4, 4, 3]);
      const w = tf.tensor4d(randomValues(3 * 3 * 2 * 3, 9), [3, 3, 2, 3]);
      const f = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.conv2dTranspose(a as tf.Tensor4D, b as tf.Tensor4D, [2, 8, 8, 2], 2, 'same')));
      const [dx, dw] = tf.grads(f)([x, w]);
      return [f(x, w), dx as tf.Tensor, dw as tf.Tensor];
    };
    expect(await wasmVersusCpu(body)).toBeLessThan(TOLERANCE);
  });
});

/** Plain-loop reference of dx and dw for a dilated, strided NHWC convolution. */
function naiveBackprop(
  x: readonly number[],
  w: readonly number[],
  dy: readonly number[],
  dims: { n: number; h: number; w: number; cin: number; cout: number; k: number; s: number; d: number; oh: number; ow: number; pt: number; pl: number },
): { dx: number[]; dw: number[] } {
  const { n, h, cin, cout, k, s, d, oh, ow, pt, pl } = dims;
  const width = dims.w;
  const dx = new Array<number>(n * h * width * cin).fill(0);
  const dw = new Array<number>(k * k * cin * cout).fill(0);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let a = 0; a < k; a++)
          for (let e = 0; e < k; e++) {
            const u = i * s + a * d - pt;
            const v = j * s + e * d - pl;
            if (u < 0 || u >= h || v < 0 || v >= width) continue;
            for (let ci = 0; ci < cin; ci++)
              for (let co = 0; co < cout; co++) {
                const g = dy[((b * oh + i) * ow + j) * cout + co] ?? 0;
                const xi = ((b * h + u) * width + v) * cin + ci;
                const wi = ((a * k + e) * cin + ci) * cout + co;
                dx[xi] = (dx[xi] ?? 0) + g * (w[wi] ?? 0);
                dw[wi] = (dw[wi] ?? 0) + g * (x[xi] ?? 0);
              }
          }
  return { dx, dw };
}

describe('conv backprop cores with dilation (not reachable through tfjs-core 4.22 gradients)', () => {
  test.prop(
    {
      n: fc.integer({ min: 1, max: 2 }),
      size: fc.integer({ min: 5, max: 10 }),
      cin: fc.integer({ min: 1, max: 3 }),
      cout: fc.integer({ min: 1, max: 3 }),
      k: fc.constantFrom(1, 3, 5),
      strideDilation: fc.constantFrom([1, 2], [1, 3], [2, 1], [2, 2], [3, 2]),
      pad: fc.constantFrom<PadAttr>('same', 'valid', 1),
      seed: fc.nat(1000),
    },
    { numRuns: 25 },
  )('match a plain-loop reference on wasm', async ({ n, size, cin, cout, k, strideDilation, pad, seed }) => {
    const [s, d] = strideDilation as [number, number];
    const xShape: [number, number, number, number] = [n, size, size + 1, cin];
    const filterShape: [number, number, number, number] = [k, k, cin, cout];
    const geometry = convGeometry(xShape, filterShape, s, d, pad, undefined, false);
    const [gh, gw] = geometry;
    fc.pre(gh.outSize >= 1 && gw.outSize >= 1);
    const x = randomValues(
      xShape.reduce((a, b) => a * b),
      seed,
    );
    const w = randomValues(
      filterShape.reduce((a, b) => a * b),
      seed + 1,
    );
    const dy = randomValues(n * gh.outSize * gw.outSize * cout, seed + 2);
    const reference = naiveBackprop(x, w, dy, {
      n,
      h: size,
      w: size + 1,
      cin,
      cout,
      k,
      s,
      d,
      oh: gh.outSize,
      ow: gw.outSize,
      pt: gh.padBefore,
      pl: gw.padBefore,
    });
    await selectBackend('wasm');
    const before = tf.engine().backend.numDataIds();
    const runner = new KernelRunner(tf.engine().backend, 'wasm');
    try {
      const toInfo = (values: number[], shape: number[]) => runner.fromValues(shape, Float32Array.from(values));
      const dx = conv2dBackpropInputNhwc(runner, toInfo(dy, [n, gh.outSize, gw.outSize, cout]), toInfo(w, filterShape), xShape, geometry);
      const dw = conv2dBackpropFilterNhwc(runner, toInfo(x, xShape), toInfo(dy, [n, gh.outSize, gw.outSize, cout]), filterShape, geometry);
      expect(relativeError(Array.from(runner.read(dx)), reference.dx)).toBeLessThan(TOLERANCE);
      expect(relativeError(Array.from(runner.read(dw)), reference.dw)).toBeLessThan(TOLERANCE);
    } finally {
      runner.dispose();
    }
    expect(tf.engine().backend.numDataIds()).toBe(before);
  });
});

describe('runOn', () => {
  it('leaves no tensors behind on either backend', async () => {
    await expectNoTensorLeak(async () => {
      await runOn('wasm', convGradients({ batch: 1, height: 5, width: 5, cin: 2, cout: 2, kernel: 3, stride: 2, pad: 'same' }, 1));
    });
  });
});
