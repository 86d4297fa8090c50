import '@tensorflow/tfjs-backend-cpu';
import { expectNoTensorLeak } from '@lmreg/common/testing';
import * as tf from '@tensorflow/tfjs-core';
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';

import { avgPool3x3ExcludePad, batchNormBatchStats, conv2dTorch, factorizedReduce, maxPoolTorch, reluConvBn, reluSepConvBn } from './layers.js';
import { useCpuWithLeakCheck } from '../testing/model.js';
import { native, NATIVE_BUILT as BUILT } from '../testing/native.js';

useCpuWithLeakCheck();

/** Reference: mean of the in-image pixels of each 3x3 window (count_include_pad=False). */
function referenceAvgPool(x: number[][]): number[][] {
  const h = x.length;
  const w = x[0]?.length ?? 0;
  return x.map((row, r) =>
    row.map((_, c) => {
      let sum = 0;
      let n = 0;
      for (let i = r - 1; i <= r + 1; i++) {
        for (let j = c - 1; j <= c + 1; j++) {
          if (i >= 0 && i < h && j >= 0 && j < w) {
            sum += x[i]?.[j] ?? 0;
            n++;
          }
        }
      }
      return sum / n;
    }),
  );
}

describe('avgPool3x3ExcludePad', () => {
  it('averages only in-image pixels (hand computation on 1..9)', () => {
    const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
    const y = avgPool3x3ExcludePad(x);
    // corner (1+2+4+5)/4, edge (1+2+3+4+5+6)/6, centre 45/9, ...
    expect(Array.from(y.dataSync())).toEqual([3, 3.5, 4, 4.5, 5, 5.5, 6, 6.5, 7]);
    tf.dispose([x, y]);
  });

  it('matches the reference on a random 5x4 image and has the exact gradient', () => {
    const h = 5;
    const w = 4;
    const values = Array.from({ length: h * w }, (_, i) => Math.sin(i * 1.7) * 3);
    const weights = Array.from({ length: h * w }, (_, i) => Math.cos(i * 0.9));
    const rows = Array.from({ length: h }, (_, r) => values.slice(r * w, (r + 1) * w));
    const expected = referenceAvgPool(rows).flat();
    const x = tf.tensor4d(values, [1, h, w, 1]);
    const wt = tf.tensor4d(weights, [1, h, w, 1]);
    const y = avgPool3x3ExcludePad(x);
    const got = Array.from(y.dataSync());
    got.forEach((v, i) => expect(v).toBeCloseTo(expected[i] ?? NaN, 5));
    // d/dx sum(w * pool(x)): pixel p receives w[o] / count(o) from every window o containing it.
    const expectedGrad = new Array<number>(h * w).fill(0);
    for (let r = 0; r < h; r++) {
      for (let c = 0; c < w; c++) {
        const n = (Math.min(r + 1, h - 1) - Math.max(r - 1, 0) + 1) * (Math.min(c + 1, w - 1) - Math.max(c - 1, 0) + 1);
        for (let i = Math.max(r - 1, 0); i <= Math.min(r + 1, h - 1); i++) {
          for (let j = Math.max(c - 1, 0); j <= Math.min(c + 1, w - 1); j++) {
            expectedGrad[i * w + j] = (expectedGrad[i * w + j] ?? 0) + (weights[r * w + c] ?? 0) / n;
          }
        }
      }
    }
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(avgPool3x3ExcludePad(t as tf.Tensor4D), wt)))(x);
    Array.from(g.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(expectedGrad[i] ?? NaN, 5));
    tf.dispose([x, wt, y, g]);
  });

  it('works per channel and per image', () => {
    const x = tf.randomNormal([2, 4, 4, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
    const y = avgPool3x3ExcludePad(x);
    // tfjs's own 'same' avgPool excludes padding in its forward pass: the two must agree.
    const ref = tf.avgPool(x, 3, 1, 'same');
    expect(y.shape).toEqual([2, 4, 4, 3]);
    const a = y.dataSync();
    const b = ref.dataSync();
    for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i] ?? NaN, 5);
    tf.dispose([x, y, ref]);
  });
});

describe('batchNormBatchStats', () => {
  it('normalises each channel with the batch statistics, then applies gamma and beta', () => {
    const x = tf.tidy(() => tf.add(tf.mul(tf.randomNormal([4, 3, 3, 2], 0, 1, 'float32', 7), 5), 2)) as tf.Tensor4D;
    const gamma = tf.tensor1d([2, 0.5]);
    const beta = tf.tensor1d([1, -3]);
    const y = batchNormBatchStats(x, gamma, beta);
    const { mean, variance } = tf.moments(y, [0, 1, 2]);
    const m = mean.dataSync();
    const v = variance.dataSync();
    expect(m[0]).toBeCloseTo(1, 4);
    expect(m[1]).toBeCloseTo(-3, 4);
    expect(v[0]).toBeCloseTo(4, 2);
    expect(v[1]).toBeCloseTo(0.25, 3);
    tf.dispose([x, gamma, beta, y, mean, variance]);
  });
});

describe('conv2dTorch', () => {
  it('pads symmetrically for stride 2 (PyTorch windows centred on even pixels)', () => {
    // 1x4x4x1 input 0..15, 3x3 filter that picks the window centre: output = x[2i, 2j].
    const x = tf.tensor4d(
      Array.from({ length: 16 }, (_, i) => i),
      [1, 4, 4, 1],
    );
    const f = tf.tensor4d([0, 0, 0, 0, 1, 0, 0, 0, 0], [3, 3, 1, 1]);
    const y = conv2dTorch(x, f, 2, 1);
    expect(y.shape).toEqual([1, 2, 2, 1]);
    expect(Array.from(y.dataSync())).toEqual([0, 2, 8, 10]);
    tf.dispose([x, f, y]);
  });
});

/** Largest |analytic - central difference| / (1e-3 + |analytic|) over a few entries of `at`. */
function gradientError(f: (t: tf.Tensor) => tf.Scalar, at: tf.Tensor, h = 1e-2): number {
  const g = tf.grad(f)(at);
  const exact = g.dataSync().slice();
  g.dispose();
  const base = Float32Array.from(at.dataSync());
  const value = (values: Float32Array): number => tf.tidy(() => f(tf.tensor(values, at.shape)).dataSync()[0] ?? NaN);
  let worst = 0;
  for (const i of new Set([0, 3, 7, base.length - 1].filter((k) => k < base.length))) {
    const plus = base.slice();
    const minus = base.slice();
    plus[i] = (plus[i] ?? 0) + h;
    minus[i] = (minus[i] ?? 0) - h;
    const numeric = (value(plus) - value(minus)) / (2 * h);
    worst = Math.max(worst, Math.abs(numeric - (exact[i] ?? NaN)) / (1e-3 + Math.abs(exact[i] ?? NaN)));
  }
  return worst;
}

describe('gradients of the building blocks (central differences)', () => {
  it('ReLU-Conv-BN (3x3 stride 1 and 2, 1x1) w.r.t. filter and gamma; padded stride-2 conv w.r.t. its input', () => {
    const x = tf.randomNormal([4, 8, 8, 3], 0, 1, 'float32', 21) as tf.Tensor4D;
    const r8 = tf.randomNormal([4, 8, 8, 3], 0, 1, 'float32', 22);
    const r4 = tf.randomNormal([4, 4, 4, 3], 0, 1, 'float32', 23);
    const w3 = tf.randomNormal([3, 3, 3, 3], 0, 0.5, 'float32', 24);
    const w1 = tf.randomNormal([1, 1, 3, 3], 0, 0.5, 'float32', 25);
    const gamma = tf.tensor1d([1, 0.5, 2]);
    const beta = tf.tensor1d([0, 0.1, -0.2]);
    const project = (y: tf.Tensor, r: tf.Tensor): tf.Scalar => tf.sum(tf.mul(y, r));
    expect(gradientError((w) => project(reluConvBn(x, w, gamma, beta, 1), r8), w3)).toBeLessThan(1e-2);
    expect(gradientError((w) => project(reluConvBn(x, w, gamma, beta, 2), r4), w3)).toBeLessThan(1e-2);
    expect(gradientError((w) => project(reluConvBn(x, w, gamma, beta, 1), r8), w1)).toBeLessThan(1e-2);
    expect(gradientError((g) => project(reluConvBn(x, w3, g, beta, 1), r8), gamma)).toBeLessThan(1e-2);
    expect(gradientError((t) => project(conv2dTorch(t as tf.Tensor4D, w3, 2, 1), r4), x)).toBeLessThan(1e-2);
    expect(gradientError((t) => project(batchNormBatchStats(t as tf.Tensor4D, gamma, beta), r8), x)).toBeLessThan(1e-2);
    tf.dispose([x, r8, r4, w3, w1, gamma, beta]);
  });
});

// @lmreg/tfjs-native's fused edge ops (`LmregReluConvBn`, `LmregReluSepConvBn`, `LmregFactorizedReduce`;
// max pooling with the padding in the native MaxPool kernel) against this file's
// composite forms on the stock cpu kernels: the same layer functions, run once with the native
// kernels registered and once without. Tolerance: max |fused - composite| <= 1e-4 * max(|composite|, 1)
// on y and on every gradient of sum(y * r), for shapes whose batch norm sees at least 8 values per
// channel (fewer is ill-conditioned: 1/sigma amplifies the convolution's float rounding; tfjs-native's
// own tests compare those sizes with its separate kernels) and at least 2 input channels (with one,
// a 1x1 or pointwise filter's exact gradient is 0, batch norm being invariant to its scale, and both
// sides return rounding noise). Skipped when the addon is not built
// (LMREG_REQUIRE_NATIVE=1 makes that a failure).

function seeded(shape: number[], seed: number, scale = 1, offset = 0): tf.Tensor {
  let s = seed >>> 0 || 1;
  const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < values.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    values[i] = (s / 2 ** 31 - 1) * scale + offset;
  }
  return tf.tensor(values, shape);
}

/** Values of `fn`'s outputs with the native kernels on or off (disposed; no leaks). */
function valuesWith(useNative: boolean, fn: () => tf.Tensor[]): Float32Array[] {
  if (useNative) native?.registerNativeKernels();
  else native?.unregisterNativeKernels();
  try {
    return expectNoTensorLeak(() => {
      const outputs = fn();
      const values = outputs.map((t) => t.dataSync().slice() as Float32Array);
      tf.dispose(outputs);
      return values;
    });
  } finally {
    native?.unregisterNativeKernels();
  }
}

function expectClose(actual: Float32Array[], expected: Float32Array[]): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => {
    const e = expected[i] ?? new Float32Array();
    expect(a.length).toBe(e.length);
    let diff = 0;
    let scale = 1;
    e.forEach((v, j) => {
      diff = Math.max(diff, Math.abs((a[j] ?? Number.NaN) - v));
      scale = Math.max(scale, Math.abs(v));
    });
    expect(diff / scale, `output ${i}`).toBeLessThanOrEqual(1e-4);
  });
}

describe.skipIf(!BUILT)('fused ReLU-conv-BN edge ops (@lmreg/tfjs-native) against the composite layers', () => {
  it('is tested where the addon is required', () => {
    if (process.env['LMREG_REQUIRE_NATIVE'] === '1') expect(BUILT).toBe(true);
  });

  test.prop(
    [
      fc
        .record({
          n: fc.integer({ min: 1, max: 3 }),
          h: fc.integer({ min: 2, max: 9 }),
          c: fc.constantFrom(2, 3, 8, 16),
          o: fc.constantFrom(1, 4, 8, 16),
          k: fc.constantFrom(1, 3),
          stride: fc.constantFrom(1, 2),
          seed: fc.integer({ min: 1, max: 1_000_000 }),
        })
        .filter((p) => p.n * (Math.floor((p.h - 1) / p.stride) + 1) ** 2 >= 8),
    ],
    { numRuns: 30 },
  )('reluConvBn (NB201 edges, residual conv_a/conv_b, DARTS preprocessing): forward and d/dx, d/dfilter, d/dgamma, d/dbeta', (p) => {
    const run = () =>
      tf.tidy(() => {
        const x = seeded([p.n, p.h, p.h, p.c], p.seed, 2, 0.3);
        const filter = seeded([p.k, p.k, p.c, p.o], p.seed + 1, 0.5);
        const gamma = seeded([p.o], p.seed + 2, 0.5, 1);
        const beta = seeded([p.o], p.seed + 3);
        const op = (a: tf.Tensor, f: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => reluConvBn(a as tf.Tensor4D, f, g, b, p.stride);
        const y = op(x, filter, gamma, beta);
        const r = seeded(y.shape, p.seed + 4);
        return [y, ...tf.grads((a: tf.Tensor, f: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(op(a, f, g, b), r)))([x, filter, gamma, beta])];
      });
    expectClose(valuesWith(true, run), valuesWith(false, run));
  });

  test.prop(
    [
      fc
        .record({
          n: fc.integer({ min: 1, max: 2 }),
          half: fc.integer({ min: 2, max: 5 }),
          c: fc.constantFrom(2, 3, 8, 16),
          o: fc.constantFrom(1, 8, 16),
          k: fc.constantFrom(3, 5),
          stride: fc.constantFrom(1, 2),
          dilation: fc.constantFrom(1, 2),
          seed: fc.integer({ min: 1, max: 1_000_000 }),
        })
        .filter((p) => p.n * (Math.floor((2 * p.half - 1) / p.stride) + 1) ** 2 >= 8),
    ],
    { numRuns: 30 },
  )('reluSepConvBn (DARTS sep_conv halves, dil_conv): forward and the gradients of x, both filters, gamma, beta', (p) => {
    // even sizes: the composite dilated path (spaceToBatchND) needs them
    const h = 2 * p.half;
    const pad = (p.dilation * (p.k - 1)) / 2;
    const run = () =>
      tf.tidy(() => {
        const x = seeded([p.n, h, h, p.c], p.seed, 2, 0.3);
        const dw = seeded([p.k, p.k, p.c, 1], p.seed + 1, 0.5);
        const pw = seeded([1, 1, p.c, p.o], p.seed + 2, 0.5);
        const gamma = seeded([p.o], p.seed + 3, 0.5, 1);
        const beta = seeded([p.o], p.seed + 4);
        const op = (a: tf.Tensor, d: tf.Tensor, q: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
          reluSepConvBn(a as tf.Tensor4D, d, q, g, b, p.stride, pad, p.dilation);
        const y = op(x, dw, pw, gamma, beta);
        const r = seeded(y.shape, p.seed + 5);
        const loss = (a: tf.Tensor, d: tf.Tensor, q: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(op(a, d, q, g, b), r));
        return [y, ...tf.grads(loss)([x, dw, pw, gamma, beta])];
      });
    expectClose(valuesWith(true, run), valuesWith(false, run));
  });
  test.prop(
    [
      fc
        .record({
          n: fc.integer({ min: 1, max: 3 }),
          halfH: fc.integer({ min: 1, max: 5 }),
          halfW: fc.integer({ min: 1, max: 5 }),
          c: fc.constantFrom(2, 3, 8, 16),
          half: fc.constantFrom(1, 2, 4, 8),
          seed: fc.integer({ min: 1, max: 1_000_000 }),
        })
        .filter((p) => p.n * p.halfH * p.halfW >= 8),
    ],
    { numRuns: 30 },
  )("factorizedReduce (DARTS' FactorizedReduce): forward and the gradients of x, both filters, gamma, beta", (p) => {
    const run = () =>
      tf.tidy(() => {
        const x = seeded([p.n, 2 * p.halfH, 2 * p.halfW, p.c], p.seed, 2, 0.3);
        const f1 = seeded([1, 1, p.c, p.half], p.seed + 1, 0.5);
        const f2 = seeded([1, 1, p.c, p.half], p.seed + 2, 0.5);
        const gamma = seeded([2 * p.half], p.seed + 3, 0.5, 1);
        const beta = seeded([2 * p.half], p.seed + 4);
        const op = (a: tf.Tensor, u: tf.Tensor, v: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => factorizedReduce(a as tf.Tensor4D, u, v, g, b);
        const y = op(x, f1, f2, gamma, beta);
        expect(y.shape).toEqual([p.n, p.halfH, p.halfW, 2 * p.half]);
        const r = seeded(y.shape, p.seed + 5);
        const loss = (a: tf.Tensor, u: tf.Tensor, v: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(op(a, u, v, g, b), r));
        return [y, ...tf.grads(loss)([x, f1, f2, gamma, beta])];
      });
    expectClose(valuesWith(true, run), valuesWith(false, run));
  });

  test.prop(
    [
      fc
        .record({
          n: fc.integer({ min: 1, max: 2 }),
          h: fc.integer({ min: 1, max: 9 }),
          w: fc.integer({ min: 1, max: 9 }),
          c: fc.integer({ min: 1, max: 5 }),
          k: fc.constantFrom(2, 3, 5),
          stride: fc.constantFrom(1, 2),
          pad: fc.constantFrom(0, 1, 2),
          seed: fc.integer({ min: 1, max: 1_000_000 }),
        })
        .filter((p) => p.pad < p.k && p.h + 2 * p.pad >= p.k && p.w + 2 * p.pad >= p.k),
    ],
    { numRuns: 40 },
  )('maxPoolTorch (native MaxPool with the padding, or pad with -1e30 + valid pool): forward and d/dx', (p) => {
    const run = () =>
      tf.tidy(() => {
        // integers in a small range: ties between window members happen, and both forms route dy to the same one
        const x = tf.round(seeded([p.n, p.h, p.w, p.c], p.seed, 3));
        const y = maxPoolTorch(x as tf.Tensor4D, p.k, p.stride, p.pad);
        const r = seeded(y.shape, p.seed + 1);
        return [y, tf.grad((a: tf.Tensor) => tf.sum(tf.mul(maxPoolTorch(a as tf.Tensor4D, p.k, p.stride, p.pad), r)))(x)];
      });
    expectClose(valuesWith(true, run), valuesWith(false, run));
  });
});
