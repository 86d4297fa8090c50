// What every kernel of this package that calls the addon does around the call: read its float32
// inputs (with a NativeKernelError naming the kernel and the input when one is not float32),
// check the batch-norm epsilon and the input shapes, size outputs, and turn what the addon throws
// into a NativeKernelError. Shared by fused.ts, fused-conv.ts, residual.ts, reduce.ts and optim.ts.
import type { TensorInfo } from '@tensorflow/tfjs-core';

import { NativeKernelError } from '../errors.js';
import { DEFAULT_BATCH_NORM_EPSILON } from './batch-norm.js';
import { floats } from './conv2d.js';
import type { CpuBackendLike } from './conv2d.js';

/** Number of elements of a tensor of `shape`. */
export const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/**
 * The float32 values of input `name` of kernel `kernelName` (the cpu backend's own array, not a
 * copy). Throws NativeKernelError when the input is missing or not float32.
 */
export function float32Input(kernelName: string, backend: CpuBackendLike, t: TensorInfo | undefined, name: string): Float32Array {
  const v = t === undefined ? undefined : floats(backend, t);
  if (t === undefined || v === undefined || v.length !== sizeOf(t.shape)) {
    throw new NativeKernelError(
      kernelName,
      `input ${name} must be a float32 tensor (got ${t === undefined ? 'none' : `dtype ${t.dtype}, shape [${t.shape.join(', ')}]`})`,
    );
  }
  return v;
}

/** {@link float32Input} of each of `names` in `inputs`, as a tuple in the order of `names`. */
export function float32Inputs<N extends readonly string[]>(
  kernelName: string,
  backend: CpuBackendLike,
  inputs: Readonly<Record<string, TensorInfo | undefined>>,
  names: N,
): { [K in keyof N]: Float32Array } {
  return names.map((name) => float32Input(kernelName, backend, inputs[name], name)) as { [K in keyof N]: Float32Array };
}

/** Runs one addon call; what it throws becomes a NativeKernelError "the native `what` failed" (with the cause). */
export function callAddon<T>(kernelName: string, what: string, fn: () => T): T {
  try {
    return fn();
  } catch (cause) {
    throw new NativeKernelError(kernelName, `the native ${what} failed: ${String(cause)}`, { cause });
  }
}

/** `attrs.epsilon` (default 1e-5), checked to be a finite number >= 0. */
export function epsilonAttr(kernelName: string, attrs: unknown): number {
  const epsilon = (attrs as { epsilon?: unknown } | undefined)?.epsilon ?? DEFAULT_BATCH_NORM_EPSILON;
  if (typeof epsilon !== 'number' || !(epsilon >= 0) || !Number.isFinite(epsilon)) {
    throw new NativeKernelError(kernelName, `attr epsilon must be a finite number >= 0, got ${String(epsilon)}`);
  }
  return epsilon;
}

/** What {@link inputShapes} gives a kernel's shape planning; every failure names the kernel. */
export interface InputShapes {
  /** Throws the NativeKernelError `why`. */
  readonly fail: (why: string) => never;
  /** A copy of input `name`'s shape. */
  readonly shape: (name: string) => number[];
  /** Input `x`'s `[n, h, w, c]`, checked to be a non-empty NHWC tensor with even height and width. */
  readonly evenNhwc: () => [number, number, number, number];
  /** Checks each of the kernel's inputs that `expected` names against its shape there. */
  readonly expectShapes: (expected: Readonly<Record<string, readonly number[]>>) => void;
}

/** Checks that every input in `names` is there; returns the shape checks of a kernel's planning. */
export function inputShapes(kernelName: string, inputs: Readonly<Record<string, TensorInfo | undefined>>, names: readonly string[]): InputShapes {
  const fail = (why: string): never => {
    throw new NativeKernelError(kernelName, why);
  };
  const missing = names.filter((name) => inputs[name] === undefined);
  if (missing.length > 0) fail(`missing input(s) ${missing.join(', ')}`);
  const shape = (name: string): number[] => [...(inputs[name] as TensorInfo).shape];
  const evenNhwc = (): [number, number, number, number] => {
    const x = shape('x');
    const [n = 0, h = 0, w = 0, c = 0] = x;
    if (x.length !== 4 || n * h * w * c === 0) fail(`x must be a non-empty NHWC tensor, got [${x.join(', ')}]`);
    if (h % 2 !== 0 || w % 2 !== 0) fail(`x's height and width must be even, got [${x.join(', ')}]`);
    return [n, h, w, c];
  };
  const expectShapes = (expected: Readonly<Record<string, readonly number[]>>): void => {
    for (const name of names) {
      const want = expected[name];
      if (want === undefined) continue;
      const got = shape(name);
      if (got.length !== want.length || got.some((d, i) => d !== want[i])) fail(`${name} must have shape [${want.join(', ')}], got [${got.join(', ')}]`);
    }
  };
  return { fail, shape, evenNhwc, expectShapes };
}
