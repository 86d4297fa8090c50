import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { LmregError } from '../errors/lmreg-error.js';
import { expectNoTensorLeak, measureTensorLeak, startTensorLeakCheck, TensorLeakError, useTensorLeakCheck } from './index.js';

describe('tensor leak helpers', () => {
  beforeAll(async () => {
    expect(await tf.setBackend('cpu')).toBe(true);
  });

  it('expectNoTensorLeak passes a clean synchronous body through and returns its result', () => {
    const start = tf.memory().numTensors;
    const values = expectNoTensorLeak(() => tf.tidy(() => Array.from(tf.add(tf.tensor1d([1, 2]), 1).dataSync())));
    expect(values).toEqual([2, 3]);
    expect(tf.memory().numTensors).toBe(start);
  });

  it('expectNoTensorLeak throws TensorLeakError naming the count and the label when a tensor is left', () => {
    let kept: tf.Tensor | undefined;
    const run = () =>
      expectNoTensorLeak(
        () => {
          kept = tf.tensor1d([1]);
        },
        { label: 'case 7' },
      );
    expect(run).toThrow(TensorLeakError);
    kept?.dispose();
    expect(run).toThrow(/case 7: 1 tensor\(s\) leaked/);
    kept?.dispose();
    try {
      run();
    } catch (e) {
      expect(e).toBeInstanceOf(LmregError);
      expect((e as TensorLeakError).code).toBe('LMREG_TENSOR_LEAK');
      expect((e as TensorLeakError).leaked).toBe(1);
    }
    kept?.dispose();
  });

  it('expectNoTensorLeak also catches disposing a tensor the caller owned (negative change)', () => {
    const owned = tf.tensor1d([1]);
    expect(() => expectNoTensorLeak(() => owned.dispose())).toThrow(/-1 tensor\(s\) changed/);
  });

  it('expectNoTensorLeak awaits an async body and checks after it settles', async () => {
    await expect(expectNoTensorLeak(async () => tf.tidy(() => tf.sum(tf.tensor1d([1, 2])).dataSync()[0]))).resolves.toBe(3);
    let kept: tf.Tensor | undefined;
    await expect(
      expectNoTensorLeak(async () => {
        await Promise.resolve();
        kept = tf.scalar(1);
      }),
    ).rejects.toThrow(TensorLeakError);
    kept?.dispose();
  });

  it("expectNoTensorLeak passes the body's own error on", async () => {
    expect(() =>
      expectNoTensorLeak(() => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    await expect(expectNoTensorLeak(() => Promise.reject(new Error('async boom')))).rejects.toThrow('async boom');
  });

  it('backendBuffers: also counts backend data ids (a tensor counts once in each)', () => {
    let kept: tf.Tensor | undefined;
    expect(() =>
      expectNoTensorLeak(
        () => {
          kept = tf.tensor1d([1, 2, 3]);
        },
        { backendBuffers: true },
      ),
    ).toThrow(/1 tensor\(s\) and 1 backend buffer\(s\) leaked/);
    kept?.dispose();
  });

  it('measureTensorLeak reports the count, synchronously or as a promise', async () => {
    const sync = measureTensorLeak(() => tf.scalar(2));
    expect(sync.leaked).toBe(1);
    sync.result.dispose();
    const clean = measureTensorLeak(() => 'no tensors');
    expect(clean).toEqual({ result: 'no tensors', leaked: 0 });
    const async = await measureTensorLeak(async () => {
      const t = tf.scalar(3);
      const v = (await t.data())[0];
      t.dispose();
      return v;
    });
    expect(async).toEqual({ result: 3, leaked: 0 });
  });

  it('startTensorLeakCheck: counts from the start; expectNone passes once everything is disposed', () => {
    const check = startTensorLeakCheck();
    expect(check.tensorsAtStart).toBe(tf.memory().numTensors);
    const t = tf.zeros([2, 2]);
    expect(check.leaked()).toBe(1);
    expect(() => check.expectNone()).toThrow(TensorLeakError);
    t.dispose();
    expect(check.leaked()).toBe(0);
    check.expectNone();
  });
});

describe('useTensorLeakCheck', () => {
  const hooks: { before: (() => void)[]; after: (() => void)[] } = { before: [], after: [] };
  const leakCheck = useTensorLeakCheck({ beforeEach: (fn) => hooks.before.push(fn), afterEach: (fn) => hooks.after.push(fn) });

  it('registers one hook of each kind: a clean test passes, a leaking one throws in afterEach', () => {
    expect(hooks.before).toHaveLength(1);
    expect(hooks.after).toHaveLength(1);
    const [start, end] = [hooks.before[0]!, hooks.after[0]!];
    start();
    expect(leakCheck.tensorsAtStart()).toBe(tf.memory().numTensors);
    tf.tidy(() => {
      tf.ones([3]);
    });
    end();
    start();
    const kept = tf.ones([3]);
    expect(end).toThrow(TensorLeakError);
    kept.dispose();
  });
});

describe('useTensorLeakCheck with vitest hooks', () => {
  useTensorLeakCheck({ beforeEach, afterEach });
  it('passes a test that disposes what it makes', () => {
    tf.tidy(() => void tf.add(tf.scalar(1), tf.scalar(2)).dataSync());
  });
});
