import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { fc, test } from '@fast-check/vitest';
import { expectNoTensorLeak } from '@lmreg/common/testing';
import { expect, it } from 'vitest';

import { RELU } from './fused.js';
import { bufferPoolStats, clearBufferPool } from './output.js';
import { registerNativeKernels, unregisterNativeKernels } from './register.js';
import { describeNative, random } from '../testing/kernels.js';

const relu = (x: tf.Tensor): tf.Tensor => tf.engine().runKernel(RELU, { x }) as tf.Tensor;
const valuesOf = (t: tf.Tensor): Float32Array =>
  (tf.engine().backend as unknown as { data: { get(id: object): { values: Float32Array } } }).data.get(t.dataId).values;

describeNative(
  'pooled kernel outputs (buffers released by disposeData are reused)',
  () => {
    it('reuses the buffer of a disposed output for the next output of the same size', () => {
      registerNativeKernels();
      expectNoTensorLeak(() => {
        const x = tf.tensor1d(random(5000, 1));
        const a = relu(x);
        const buffer = valuesOf(a).buffer;
        a.dispose();
        const hits = bufferPoolStats().hits;
        const b = relu(x);
        expect(valuesOf(b).buffer).toBe(buffer);
        expect(bufferPoolStats().hits).toBe(hits + 1);
        tf.dispose([x, b]);
      });
    });

    it('dataSync() of a pooled tensor is a copy that stays valid after the buffer is reused', () => {
      registerNativeKernels();
      expectNoTensorLeak(() => {
        const x = tf.tensor1d(random(4096, 2));
        const a = relu(x);
        const read = a.dataSync();
        expect(read.buffer).not.toBe(valuesOf(a).buffer);
        const kept = Array.from(read);
        a.dispose();
        const b = tf.tidy(() => relu(tf.neg(x)));
        expect(Array.from(read)).toEqual(kept);
        tf.dispose([x, b]);
      });
    });

    test.prop([fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 1e6 })], { numRuns: 30 })(
      'a buffer that a view still uses (stock contiguous slice, reshape) is not reused until the view is disposed',
      (columns, keepRows, seed) => {
        registerNativeKernels();
        expectNoTensorLeak(() => {
          const x = tf.tensor2d(random(4 * columns, seed), [4, columns]);
          const a = relu(x);
          const view = tf.slice(a, [0, 0], [keepRows, columns]); // tfjs cpu returns a subarray of a's values
          const expected = Array.from(view.dataSync());
          a.dispose(); // a's data entry is deleted; the view's entry still uses the buffer
          const others = tf.tidy(() => [relu(tf.neg(x)), relu(tf.neg(x))]);
          expect(Array.from(view.dataSync())).toEqual(expected);
          // a reshape shares the data entry itself (reference-counted by the backend)
          const b = relu(x);
          const reshaped = tf.reshape(b, [columns, 4]);
          const expectedReshaped = Array.from(reshaped.dataSync());
          b.dispose();
          const more = tf.tidy(() => [relu(tf.neg(x)), relu(tf.neg(x))]);
          expect(Array.from(reshaped.dataSync())).toEqual(expectedReshaped);
          tf.dispose([view, reshaped]);
          tf.dispose([...others, ...more]);
          // all released now: a same-size output is served from the pool
          const hits = bufferPoolStats().hits;
          const c = relu(x);
          expect(bufferPoolStats().hits).toBe(hits + 1);
          tf.dispose([c, x]);
        });
      },
    );

    it('stops reusing when the native kernels are unregistered', () => {
      registerNativeKernels();
      expect(bufferPoolStats().enabled).toBe(true);
      unregisterNativeKernels();
      expect(bufferPoolStats()).toMatchObject({ enabled: false, freeBytes: 0 });
    });
  },
  { afterEach: () => clearBufferPool() },
);
