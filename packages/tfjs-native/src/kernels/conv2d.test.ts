import '@tensorflow/tfjs-backend-cpu';
// tfjs-core alone registers no gradients: tf.grads needs them (the union package would load them).
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import os from 'node:os';

import * as tf from '@tensorflow/tfjs-core';

import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';

import { isNativeAvailable, loadNativeAddon } from '../addon/load.js';
import { clearNativeCache, getNativeThreads, nativeCacheSize, setNativeThreads } from '../addon/settings.js';
import { NativeAddonUnavailableError } from '../errors.js';
import { isNativeKernelRegistered, NATIVE_KERNELS, registerNativeKernels, unregisterNativeKernels } from './register.js';
import { compare, describeNative, type Pad, padArbitrary, padFits, random, randomTensor, randomTensor4d, tfPad } from '../testing/kernels.js';

const policyBeforeLoad = process.env['OMP_WAIT_POLICY'];
const BUILT = isNativeAvailable();
/** Set by .ci/native.sh: the addon must be built, so its absence is a failure, not a pass. */
const REQUIRED = process.env['LMREG_REQUIRE_NATIVE'] === '1';

interface Case {
  batch: number;
  height: number;
  width: number;
  cin: number;
  cout: number;
  kernel: number;
  strides: [number, number];
  dilations: [number, number];
  pad: Pad;
  seed: number;
}

const effective = (k: number, d: number): number => (k - 1) * d + 1;

/** Conv cases the stock cpu kernels accept: odd sizes, batch 1, strides, pads, dilation. */
const caseArbitrary = fc
  .record({
    batch: fc.integer({ min: 1, max: 3 }),
    height: fc.integer({ min: 1, max: 13 }),
    width: fc.integer({ min: 1, max: 13 }),
    cin: fc.integer({ min: 1, max: 7 }),
    cout: fc.integer({ min: 1, max: 7 }),
    kernel: fc.constantFrom(1, 3, 5),
    strides: fc.tuple(fc.constantFrom(1, 2), fc.constantFrom(1, 2)),
    dilations: fc.tuple(fc.constantFrom(1, 2), fc.constantFrom(1, 2)),
    pad: padArbitrary,
    seed: fc.integer({ min: 1, max: 1_000_000 }),
  })
  .map((c): Case => (c.strides[0] > 1 || c.strides[1] > 1 ? { ...c, dilations: [1, 1] } : c))
  .filter((c) => padFits(c.height, c.width, c.pad, effective(c.kernel, c.dilations[0]), effective(c.kernel, c.dilations[1])));

/** Backward cases: tfjs's gradient kernels have no dilation attribute. */
const backwardArbitrary = caseArbitrary.map((c): Case => ({ ...c, dilations: [1, 1] }));

const shapes = (c: Case) => ({
  x: [c.batch, c.height, c.width, c.cin] as [number, number, number, number],
  w: [c.kernel, c.kernel, c.cin, c.cout] as [number, number, number, number],
});

function convAttrs(c: Case) {
  return { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', dilations: c.dilations, dimRoundingMode: undefined };
}

if (!BUILT) {
  describe('native kernels (addon NOT built: only the failure path is tested here)', () => {
    it('loading fails with NativeAddonUnavailableError naming the Debian packages and the build command', () => {
      expect(REQUIRED, 'LMREG_REQUIRE_NATIVE=1 but the addon is not built').toBe(false);
      expect(() => loadNativeAddon()).toThrow(NativeAddonUnavailableError);
      expect(() => registerNativeKernels()).toThrow(/libdnnl-dev.*npm run build:native/);
      expect(isNativeKernelRegistered('Conv2D')).toBe(false);
    });
  });
} else {
  describeNative('native kernels (addon built)', () => {
    it('register, are idempotent and unregister back to the stock kernels', () => {
      const stock = tf.getKernel('Conv2D', 'cpu');
      expect(registerNativeKernels()).toEqual(NATIVE_KERNELS);
      expect(NATIVE_KERNELS).toEqual(expect.arrayContaining(['Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter']));
      registerNativeKernels();
      expect(isNativeKernelRegistered('Conv2D')).toBe(true);
      expect(isNativeKernelRegistered('Conv2DBackpropFilter')).toBe(true);
      unregisterNativeKernels();
      expect(isNativeKernelRegistered('Conv2D')).toBe(false);
      expect(tf.getKernel('Conv2D', 'cpu')).toBe(stock);
    });

    it('threads: start at OMP_NUM_THREADS or every core, settable, validated; loading leaves the environment as it was', () => {
      const initial = getNativeThreads();
      const fromEnv = process.env['OMP_NUM_THREADS'];
      expect(initial).toBe(fromEnv === undefined ? os.availableParallelism() : Number(fromEnv));
      // the addon was loaded with OMP_WAIT_POLICY=passive unless the environment chose a policy; not left behind
      expect(process.env['OMP_WAIT_POLICY']).toBe(policyBeforeLoad);
      setNativeThreads(1);
      expect(getNativeThreads()).toBe(1);
      setNativeThreads(initial);
      expect(() => setNativeThreads(0)).toThrow(/integer >= 1/);
    });

    it('primitives are cached per thread count, and a shape computes the same bits at a given count after the cache is rebuilt', () => {
      const initial = getNativeThreads();
      const x = randomTensor4d([4, 9, 9, 16], 11);
      const w = randomTensor4d([3, 3, 16, 8], 12);
      const run = (): Float32Array[] => {
        const grads = tf.tidy(() =>
          tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same'))))([x, w]),
        );
        const values = grads.map((t) => t.dataSync().slice() as Float32Array);
        tf.dispose(grads);
        return values;
      };
      try {
        registerNativeKernels();
        clearNativeCache();
        setNativeThreads(1);
        const one = run();
        const cachedAtOne = nativeCacheSize();
        expect(cachedAtOne).toBeGreaterThan(0);
        setNativeThreads(2);
        const two = run();
        expect(cachedAtOne).toBe(3); // forward, backward data, backward weights
        // forward and backward data built again for 2 threads; backward weights always run on 1
        // (oneDNN's spin-barrier primitives, LMREG_NATIVE_BARRIER_THREADS) and keep their entry
        expect(nativeCacheSize()).toBe(cachedAtOne + (Number(process.env['LMREG_NATIVE_BARRIER_THREADS'] ?? 1) === 1 ? 2 : 3));
        clearNativeCache();
        setNativeThreads(1);
        expect(run()).toEqual(one);
        setNativeThreads(2);
        expect(run()).toEqual(two);
      } finally {
        setNativeThreads(initial);
        unregisterNativeKernels();
        tf.dispose([x, w]);
      }
    });

    test.prop([caseArbitrary], { numRuns: 60 })('Conv2D matches the cpu kernel', (c) => {
      const { x, w } = shapes(c);
      compare(() => {
        const xt = randomTensor4d(x, c.seed);
        const wt = randomTensor4d(w, c.seed + 1);
        const y = tf.engine().runKernel('Conv2D', { x: xt, filter: wt }, convAttrs(c) as never) as tf.Tensor;
        tf.dispose([xt, wt]);
        return [y];
      });
    });

    test.prop([backwardArbitrary], { numRuns: 60 })('Conv2DBackpropInput matches the cpu kernel', (c) => {
      const { x, w } = shapes(c);
      const outShape = tf.backend_util.computeConv2DInfo(x, w, c.strides, 1, c.pad).outShape;
      compare(() => {
        const dy = randomTensor4d(outShape, c.seed);
        const wt = randomTensor4d(w, c.seed + 1);
        const attrs = { inputShape: x, strides: c.strides, pad: c.pad, dataFormat: 'NHWC', dimRoundingMode: undefined };
        const dx = tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: wt }, attrs as never) as tf.Tensor;
        tf.dispose([dy, wt]);
        return [dx];
      });
    });

    test.prop([backwardArbitrary], { numRuns: 60 })('Conv2DBackpropFilter matches the cpu kernel', (c) => {
      const { x, w } = shapes(c);
      const outShape = tf.backend_util.computeConv2DInfo(x, w, c.strides, 1, c.pad).outShape;
      compare(() => {
        const xt = randomTensor4d(x, c.seed);
        const dy = randomTensor4d(outShape, c.seed + 1);
        const attrs = { filterShape: w, strides: c.strides, pad: c.pad, dataFormat: 'NHWC', dimRoundingMode: undefined };
        const dw = tf.engine().runKernel('Conv2DBackpropFilter', { x: xt, dy }, attrs as never) as tf.Tensor;
        tf.dispose([xt, dy]);
        return [dw];
      });
    });

    test.prop([backwardArbitrary], { numRuns: 30 })('tf.grads of a conv2d loss match with and without native kernels', (c) => {
      const { x, w } = shapes(c);
      compare(() =>
        tf.tidy(() => {
          const xt = randomTensor4d(x, c.seed);
          const wt = randomTensor4d(w, c.seed + 1);
          const pad = tfPad(c.pad);
          const y = tf.conv2d(xt, wt, c.strides, pad);
          const r = randomTensor(y.shape, c.seed + 2);
          const loss = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.strides, pad), r));
          const [dx, dw] = tf.grads(loss)([xt, wt]);
          return [y, dx as tf.Tensor, dw as tf.Tensor];
        }),
      );
    });

    // Channel counts equal to oneDNN's block (4, 8, 16: the NHWC buffer is used in place), above
    // it (32) and ragged (17, 24): every kernel against the stock one, with stride 2 as well.
    it.each([
      [4, 8, 1],
      [8, 16, 1],
      [16, 16, 1],
      [16, 16, 2],
      [32, 16, 1],
      [17, 24, 2],
    ])('all three kernels match the cpu ones at C_in=%i C_out=%i stride %i', (cin, cout, stride) => {
      const c: Case = { batch: 2, height: 9, width: 7, cin, cout, kernel: 3, strides: [stride, stride], dilations: [1, 1], pad: 'same', seed: cin * 31 + cout };
      const { x, w } = shapes(c);
      compare(() =>
        tf.tidy(() => {
          const xt = randomTensor4d(x, c.seed);
          const wt = randomTensor4d(w, c.seed + 1);
          const y = tf.conv2d(xt, wt, c.strides, 'same');
          const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
            tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.strides, 'same'), tf.sin(y))),
          )([xt, wt]);
          return [y, dx as tf.Tensor, dw as tf.Tensor];
        }),
      );
    });

    it('strided 1x1 backward-weights runs repeatedly without corrupting the heap (oneDNN 2.6 NHWC jit_1x1 bug)', () => {
      // With NHWC activations this shape crashed the process within a few hundred calls; such
      // convolutions must keep the blocked layout (native/conv.cc, Lookup).
      const addon = loadNativeAddon();
      const geometry = Int32Array.of(2, 11, 10, 2, 1, 1, 5, 11, 5, 1, 2, 1, 1, 0, 0, 0, 0);
      for (let i = 0; i < 3000; i++) {
        // Fresh buffers each time, as in training: the corruption shows when malloc reuses them.
        const x = new Float32Array(2 * 11 * 10 * 2).fill(0.5);
        const dy = new Float32Array(2 * 11 * 5 * 5).fill(0.25);
        const dw = new Float32Array(2 * 5);
        addon.conv(2, geometry, x, dy, dw);
        if (i === 0) expect(dw[0]).toBeCloseTo(0.5 * 0.25 * 2 * 11 * 5, 4);
      }
    });

    it('falls back to the stock kernel for NCHW and caches primitives by shape', () => {
      compare(() =>
        tf.tidy(() => {
          const xt = tf.tensor4d(random(2 * 3 * 5 * 5, 7), [2, 3, 5, 5]);
          const wt = tf.tensor4d(random(3 * 3 * 3 * 4, 8), [3, 3, 3, 4]);
          return [tf.conv2d(xt, wt, 1, 'same', 'NCHW')];
        }),
      );
      registerNativeKernels();
      const shape: [number, number, number, number] = [2, 9, 9, 3];
      const run = () => tf.tidy(() => tf.conv2d(tf.ones(shape) as tf.Tensor4D, tf.ones([3, 3, 3, 5]) as tf.Tensor4D, 1, 'same').dataSync());
      run();
      const size = nativeCacheSize();
      run();
      expect(nativeCacheSize()).toBe(size);
    });

    it('each kernel really runs on oneDNN (one cached primitive per kernel and shape)', () => {
      registerNativeKernels();
      clearNativeCache();
      tf.tidy(() => {
        const x = tf.ones([1, 6, 6, 2]) as tf.Tensor4D;
        const w = tf.ones([3, 3, 2, 4]) as tf.Tensor4D;
        tf.conv2d(x, w, 1, 'same').dataSync();
        expect(nativeCacheSize()).toBe(1);
        const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same')))([x, w]);
        expect(nativeCacheSize()).toBe(3); // the forward in tf.grads reuses the cached primitive
        // Every dx entry counts its 3x3 window's in-bounds taps times 4 output channels.
        expect(dx?.dataSync()[0]).toBeCloseTo(16, 5);
        expect(dw?.dataSync()[4 * 8]).toBeCloseTo(36, 5);
      });
    });
  });
}
