import * as tf from '@tensorflow/tfjs-core';

import { LmregError } from '../errors/lmreg-error.js';

/** Options of the tensor-leak helpers. */
export interface TensorLeakOptions {
  /**
   * Also require the active backend's buffer count (`tf.engine().backend.numDataIds()`) to be back
   * where it started: catches buffers a kernel allocated outside any tensor. Default false.
   */
  readonly backendBuffers?: boolean;
  /** Named in the error message, e.g. the backend or the case under test. */
  readonly label?: string;
}

/** A started leak check: {@link startTensorLeakCheck}. */
export interface TensorLeakCheck {
  /** `tf.memory().numTensors` when the check started. */
  readonly tensorsAtStart: number;
  /** Tensors allocated now minus at the start (negative when more were disposed than made). */
  leaked(): number;
  /** Throws {@link TensorLeakError} unless the tensor count (and the backend's buffers, if asked) is back to the start. */
  expectNone(): void;
}

/** Tensors (or backend buffers) were left allocated by code that should have freed them. */
export class TensorLeakError extends LmregError {
  /** Tensors allocated at the end minus at the start. */
  readonly leaked: number;
  /** Backend buffers allocated at the end minus at the start (0 when they were not checked). */
  readonly leakedBuffers: number;

  constructor(leaked: number, leakedBuffers: number, label: string | undefined) {
    const what = [leaked !== 0 ? `${leaked} tensor(s)` : undefined, leakedBuffers !== 0 ? `${leakedBuffers} backend buffer(s)` : undefined].filter(
      (w) => w !== undefined,
    );
    super(
      'LMREG_TENSOR_LEAK',
      `${label === undefined ? '' : `${label}: `}${what.join(' and ')} ${leaked < 0 || leakedBuffers < 0 ? 'changed (negative: disposed what the caller owned)' : 'leaked'}; dispose what you own, or wrap synchronous math in tf.tidy`,
    );
    this.leaked = leaked;
    this.leakedBuffers = leakedBuffers;
  }
}

const backendBuffers = (): number => tf.engine().backend.numDataIds();

/**
 * Starts counting: call `expectNone()` (or `leaked()`) once the code under test has disposed what
 * it owns. For code that cannot be wrapped in a function (vitest hooks: start in `beforeEach`,
 * check in `afterEach`); otherwise prefer {@link expectNoTensorLeak}.
 */
export function startTensorLeakCheck(options: TensorLeakOptions = {}): TensorLeakCheck {
  const tensorsAtStart = tf.memory().numTensors;
  const buffersAtStart = options.backendBuffers === true ? backendBuffers() : 0;
  const leaked = (): number => tf.memory().numTensors - tensorsAtStart;
  return {
    tensorsAtStart,
    leaked,
    expectNone() {
      const tensors = leaked();
      const buffers = options.backendBuffers === true ? backendBuffers() - buffersAtStart : 0;
      if (tensors !== 0 || buffers !== 0) throw new TensorLeakError(tensors, buffers, options.label);
    },
  };
}

const isPromiseLike = (value: unknown): value is PromiseLike<unknown> =>
  value !== null && (typeof value === 'object' || typeof value === 'function') && typeof (value as { then?: unknown }).then === 'function';

/**
 * Runs `fn` and returns its result together with how many tensors it left allocated
 * (`tf.memory().numTensors` after minus before). Synchronous for a synchronous `fn`, a promise for
 * an async one. Tests assert that `leaked` is 0 after disposing what they own.
 */
export function measureTensorLeak<T>(fn: () => Promise<T>): Promise<{ result: T; leaked: number }>;
export function measureTensorLeak<T>(fn: () => T): { result: T; leaked: number };
export function measureTensorLeak<T>(fn: () => T | Promise<T>): { result: T; leaked: number } | Promise<{ result: T; leaked: number }> {
  const check = startTensorLeakCheck();
  const result = fn();
  if (isPromiseLike(result)) return Promise.resolve(result).then((r) => ({ result: r, leaked: check.leaked() }));
  return { result, leaked: check.leaked() };
}

/**
 * Runs `fn` and returns what it returns, after checking that it left `tf.memory().numTensors`
 * unchanged (and the backend's buffer count, with `backendBuffers`); throws
 * {@link TensorLeakError} otherwise. Synchronous for a synchronous `fn`, a promise for an async
 * one. `fn` must dispose every tensor it makes (the result should be plain values); when `fn`
 * throws, its error is passed on unchecked.
 */
export function expectNoTensorLeak<T>(fn: () => Promise<T>, options?: TensorLeakOptions): Promise<T>;
export function expectNoTensorLeak<T>(fn: () => T, options?: TensorLeakOptions): T;
export function expectNoTensorLeak<T>(fn: () => T | Promise<T>, options: TensorLeakOptions = {}): T | Promise<T> {
  const check = startTensorLeakCheck(options);
  const result = fn();
  if (isPromiseLike(result)) {
    return Promise.resolve(result).then((r) => {
      check.expectNone();
      return r;
    });
  }
  check.expectNone();
  return result;
}

/** The per-test hooks of a test framework (vitest's, jest's and mocha's fit). */
export interface TestHooks {
  beforeEach(fn: () => void): unknown;
  afterEach(fn: () => void): unknown;
}

/**
 * Checks every test of the current file or suite for leaks: starts a {@link TensorLeakCheck} in
 * `beforeEach` and calls `expectNone()` in `afterEach`. Pass the framework's hooks, e.g.
 * `useTensorLeakCheck({ beforeEach, afterEach })` with vitest's. `tensorsAtStart()` is the count
 * at the start of the running test.
 */
export function useTensorLeakCheck(hooks: TestHooks, options: TensorLeakOptions = {}): { tensorsAtStart: () => number } {
  let check: TensorLeakCheck | undefined;
  hooks.beforeEach(() => {
    check = startTensorLeakCheck(options);
  });
  hooks.afterEach(() => {
    const running = check;
    check = undefined;
    running?.expectNone();
  });
  return { tensorsAtStart: () => check?.tensorsAtStart ?? 0 };
}
