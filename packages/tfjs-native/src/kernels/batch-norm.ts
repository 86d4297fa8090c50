import { InvalidArgumentError } from '@lmreg/common';
import * as tf from '@tensorflow/tfjs-core';
import type { GradConfig, KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';

import { loadNativeAddon } from '../addon/load.js';
import { NativeKernelError } from '../errors.js';
import type { CpuBackendLike } from './conv2d.js';
import { uninitialisedFloats } from './output.js';

/**
 * Kernel name (registered for cpu by `registerNativeKernels`, with its gradient):
 * `{x, gamma, beta}`, attrs `{epsilon}` -> y, training-mode batch norm of an NHWC x. Code that
 * wants the fused form without importing this package can test
 * `tf.getKernel(BATCH_NORM_TRAIN, tf.getBackend())` and call `tf.engine().runKernel` by name.
 */
export const BATCH_NORM_TRAIN = 'LmregBatchNormTrain';
/** Kernel: `{dy, x, gamma}`, `{epsilon}` -> `[dx, dgamma, dbeta]` (the gradient of BATCH_NORM_TRAIN). */
export const BATCH_NORM_TRAIN_GRAD = 'LmregBatchNormTrainGrad';

/** Batch-norm epsilon used when none is given (PyTorch's default). */
export const DEFAULT_BATCH_NORM_EPSILON = 1e-5;

/** The float32 values of a cpu tensor (copied when they are stored in another typed array). */
function values(backend: CpuBackendLike, t: TensorInfo): Float32Array {
  const v = backend.data.get(t.dataId).values;
  if (v instanceof Float32Array) return v;
  if (ArrayBuffer.isView(v)) return Float32Array.from(v as unknown as ArrayLike<number>);
  throw new NativeKernelError(BATCH_NORM_TRAIN, `input of dtype ${t.dtype} has no numeric values`);
}

function nhwc(kernelName: string, x: TensorInfo): [number, number, number, number] {
  const [n, h, w, c] = x.shape;
  if (x.shape.length !== 4 || n === undefined || h === undefined || w === undefined || c === undefined || n * h * w * c === 0) {
    throw new NativeKernelError(kernelName, `x must be a non-empty NHWC tensor, got shape [${x.shape.join(', ')}]`);
  }
  return [n, h, w, c];
}

function run(kernelName: string, fn: () => void): void {
  try {
    fn();
  } catch (cause) {
    throw new NativeKernelError(kernelName, `the oneDNN batch normalization failed: ${String(cause)}`, { cause });
  }
}

const epsilonOf = (attrs: unknown): number => Number((attrs as { epsilon?: number } | undefined)?.epsilon ?? DEFAULT_BATCH_NORM_EPSILON);
const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** The cpu kernel of `LmregBatchNormTrain` (oneDNN batch_normalization_forward, training). */
export const batchNormTrainConfig: KernelConfig = {
  kernelName: BATCH_NORM_TRAIN,
  backendName: 'cpu',
  kernelFunc: (args) => {
    const backend = args.backend as unknown as CpuBackendLike;
    const x = args.inputs['x'] as TensorInfo;
    const dims = nhwc(BATCH_NORM_TRAIN, x);
    const y = uninitialisedFloats(sizeOf(x.shape));
    const gamma = values(backend, args.inputs['gamma'] as TensorInfo);
    const beta = values(backend, args.inputs['beta'] as TensorInfo);
    run(BATCH_NORM_TRAIN, () => loadNativeAddon().batchNorm(Int32Array.from(dims), epsilonOf(args.attrs), values(backend, x), gamma, beta, y));
    return backend.makeTensorInfo([...x.shape], 'float32', y);
  },
};

/** The cpu kernel of `LmregBatchNormTrainGrad` (statistics of x, then oneDNN batch_normalization_backward). */
export const batchNormTrainGradConfig: KernelConfig = {
  kernelName: BATCH_NORM_TRAIN_GRAD,
  backendName: 'cpu',
  kernelFunc: (args) => {
    const backend = args.backend as unknown as CpuBackendLike;
    const x = args.inputs['x'] as TensorInfo;
    const dims = nhwc(BATCH_NORM_TRAIN_GRAD, x);
    const dx = uninitialisedFloats(sizeOf(x.shape));
    const dgamma = new Float32Array(dims[3]);
    const dbeta = new Float32Array(dims[3]);
    const dy = values(backend, args.inputs['dy'] as TensorInfo);
    const gamma = values(backend, args.inputs['gamma'] as TensorInfo);
    run(BATCH_NORM_TRAIN_GRAD, () =>
      loadNativeAddon().batchNormGrad(Int32Array.from(dims), epsilonOf(args.attrs), dy, values(backend, x), gamma, dx, dgamma, dbeta),
    );
    return [
      backend.makeTensorInfo([...x.shape], 'float32', dx),
      backend.makeTensorInfo([dims[3]], 'float32', dgamma),
      backend.makeTensorInfo([dims[3]], 'float32', dbeta),
    ];
  },
};

/** The gradient of BATCH_NORM_TRAIN (backend-independent: it runs BATCH_NORM_TRAIN_GRAD by name). */
export const batchNormTrainGradient: GradConfig = {
  kernelName: BATCH_NORM_TRAIN,
  inputsToSave: ['x', 'gamma'],
  gradFunc: (dy, saved, attrs) => {
    const [x, gamma] = saved as [tf.Tensor, tf.Tensor];
    // One kernel gives all three; the ones nobody asks for are freed with the backward pass's scope.
    const [dx, dgamma, dbeta] = tf.engine().runKernel(BATCH_NORM_TRAIN_GRAD, { dy: dy as tf.Tensor, x, gamma }, attrs as never) as tf.Tensor[];
    return { x: () => dx as tf.Tensor, gamma: () => dgamma as tf.Tensor, beta: () => dbeta as tf.Tensor };
  },
};

/** True when the fused kernels can run: both are registered for the active backend (cpu). */
export function isFusedBatchNormAvailable(): boolean {
  const backend = tf.getBackend();
  return tf.getKernel(BATCH_NORM_TRAIN, backend) !== undefined && tf.getKernel(BATCH_NORM_TRAIN_GRAD, backend) !== undefined;
}

/** The same function in tfjs ops (any backend): moments, then one scale and one shift per channel. */
function composite(x: tf.Tensor4D, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number): tf.Tensor4D {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, [0, 1, 2]);
    const scale = tf.mul(gamma, tf.rsqrt(tf.add(variance, epsilon)));
    return tf.add(tf.mul(x, scale), tf.sub(beta, tf.mul(mean, scale))) as tf.Tensor4D;
  });
}

/**
 * Batch normalisation with the batch's own statistics (training mode; biased variance, as PyTorch
 * normalises in training): `gamma * (x - mean) / sqrt(variance + epsilon) + beta`, statistics over
 * N, H and W of an NHWC `x`; gradients flow through the statistics.
 *
 * On the cpu backend with `registerNativeKernels()` done, it is one oneDNN kernel forward and one
 * backward (`LmregBatchNormTrain` and its gradient `LmregBatchNormTrainGrad`) instead of ~8 + ~25
 * tfjs kernels;
 * anywhere else it computes the same function with tfjs ops (`tf.moments`, broadcasting), so it
 * can be called unconditionally.
 *
 * @param x NHWC `[n, h, w, c]` float32. @param gamma, beta `[c]`. Inputs are not disposed; the
 *   caller owns the returned tensor.
 * @throws InvalidArgumentError for other shapes or a negative epsilon.
 */
export function batchNormWithBatchStats(x: tf.Tensor4D, gamma: tf.Tensor, beta: tf.Tensor, epsilon = DEFAULT_BATCH_NORM_EPSILON): tf.Tensor4D {
  const c = x.shape[3];
  if (x.rank !== 4 || x.size === 0) throw new InvalidArgumentError(`batchNormWithBatchStats needs a non-empty NHWC x, got shape [${x.shape.join(', ')}].`);
  if (gamma.rank !== 1 || gamma.shape[0] !== c || beta.rank !== 1 || beta.shape[0] !== c) {
    throw new InvalidArgumentError(
      `batchNormWithBatchStats needs gamma and beta of shape [${c}], got [${gamma.shape.join(', ')}] and [${beta.shape.join(', ')}].`,
    );
  }
  if (!(epsilon >= 0) || !Number.isFinite(epsilon))
    throw new InvalidArgumentError(`batchNormWithBatchStats: epsilon must be a finite number >= 0, got ${epsilon}.`);
  if (!isFusedBatchNormAvailable() || x.dtype !== 'float32') return composite(x, gamma, beta, epsilon);
  return tf.engine().runKernel(BATCH_NORM_TRAIN, { x, gamma, beta }, { epsilon }) as tf.Tensor4D;
}
