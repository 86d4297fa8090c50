import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';

import { loadNativeAddon } from '../addon/load.js';
import { CpuBackendMissingError } from '../errors.js';
import { installBufferPool, setBufferPoolEnabled } from './output.js';
import type { PooledBackend } from './output.js';
import { nativeConv2dBackpropFilterConfig, nativeConv2dBackpropInputConfig, nativeConv2dConfig } from './conv2d.js';
import { BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD, batchNormTrainConfig, batchNormTrainGradConfig, batchNormTrainGradient } from './batch-norm.js';
import {
  NATIVE_BINARY_KERNELS,
  NATIVE_REDUCE_KERNELS,
  NATIVE_UNARY_KERNELS,
  nativeAddNConfig,
  nativeBatchMatMulConfig,
  nativeBinaryConfig,
  nativePadConfig,
  nativeReduceConfig,
  nativeSliceConfig,
  nativeUnaryConfig,
} from './elementwise.js';
import { nativeDepthwiseBackpropFilterConfig, nativeDepthwiseBackpropInputConfig, nativeDepthwiseConfig } from './depthwise.js';
import { nativePoolConfig, nativePoolGradConfig } from './pool.js';
import { nativeConcatConfig, nativeSplitVConfig } from './copy.js';
import {
  ADD_N,
  addNConfig,
  addNGradient,
  AVG_POOL,
  AVG_POOL_GRAD,
  avgPoolConfig,
  avgPoolGradConfig,
  avgPoolGradient,
  RELU,
  RELU_GRAD,
  reluConfig,
  reluGradConfig,
  reluGradient,
} from './fused.js';
import {
  RELU_CONV_BN,
  RELU_CONV_BN_GRAD,
  RELU_SEP_CONV_BN,
  RELU_SEP_CONV_BN_GRAD,
  reluConvBnConfig,
  reluConvBnGradConfig,
  reluConvBnGradient,
  reluSepConvBnConfig,
  reluSepConvBnGradConfig,
  reluSepConvBnGradient,
} from './fused-conv.js';
import { CLIP_SGD, clipSgdConfig } from './optim.js';
import {
  SOFTMAX_CROSS_ENTROPY,
  SOFTMAX_CROSS_ENTROPY_GRAD,
  softmaxCrossEntropyConfig,
  softmaxCrossEntropyGradConfig,
  softmaxCrossEntropyGradient,
} from './loss.js';
import { FACTORIZED_REDUCE, FACTORIZED_REDUCE_GRAD, factorizedReduceConfig, factorizedReduceGradConfig, factorizedReduceGradient } from './reduce.js';
import { RESIDUAL_REDUCTION, RESIDUAL_REDUCTION_GRAD, residualReductionConfig, residualReductionGradConfig, residualReductionGradient } from './residual.js';

/** Kernel names `registerNativeKernels()` installs for the `cpu` backend. */
export const NATIVE_KERNELS: readonly string[] = [
  'Conv2D',
  'Conv2DBackpropInput',
  'Conv2DBackpropFilter',
  'DepthwiseConv2dNative',
  'DepthwiseConv2dNativeBackpropInput',
  'DepthwiseConv2dNativeBackpropFilter',
  'AvgPool',
  'AvgPoolGrad',
  'MaxPool',
  'MaxPoolGrad',
  ...Object.keys(NATIVE_BINARY_KERNELS),
  ...Object.keys(NATIVE_UNARY_KERNELS),
  ...Object.keys(NATIVE_REDUCE_KERNELS),
  'AddN',
  'Slice',
  'PadV2',
  'BatchMatMul',
  'SplitV',
  'Concat',
  BATCH_NORM_TRAIN,
  BATCH_NORM_TRAIN_GRAD,
  RELU,
  RELU_GRAD,
  AVG_POOL,
  AVG_POOL_GRAD,
  RELU_CONV_BN,
  RELU_CONV_BN_GRAD,
  RELU_SEP_CONV_BN,
  RELU_SEP_CONV_BN_GRAD,
  CLIP_SGD,
  SOFTMAX_CROSS_ENTROPY,
  SOFTMAX_CROSS_ENTROPY_GRAD,
  RESIDUAL_REDUCTION,
  RESIDUAL_REDUCTION_GRAD,
  FACTORIZED_REDUCE,
  FACTORIZED_REDUCE_GRAD,
  ADD_N,
];

/** Kernels that only this package defines (no stock kernel to replace or restore). */
const OWN_KERNELS: Readonly<Record<string, KernelConfig>> = {
  [BATCH_NORM_TRAIN]: batchNormTrainConfig,
  [BATCH_NORM_TRAIN_GRAD]: batchNormTrainGradConfig,
  [RELU]: reluConfig,
  [RELU_GRAD]: reluGradConfig,
  [AVG_POOL]: avgPoolConfig,
  [AVG_POOL_GRAD]: avgPoolGradConfig,
  [RELU_CONV_BN]: reluConvBnConfig,
  [RELU_CONV_BN_GRAD]: reluConvBnGradConfig,
  [RELU_SEP_CONV_BN]: reluSepConvBnConfig,
  [RELU_SEP_CONV_BN_GRAD]: reluSepConvBnGradConfig,
  [CLIP_SGD]: clipSgdConfig,
  [SOFTMAX_CROSS_ENTROPY]: softmaxCrossEntropyConfig,
  [SOFTMAX_CROSS_ENTROPY_GRAD]: softmaxCrossEntropyGradConfig,
  [RESIDUAL_REDUCTION]: residualReductionConfig,
  [RESIDUAL_REDUCTION_GRAD]: residualReductionGradConfig,
  [FACTORIZED_REDUCE]: factorizedReduceConfig,
  [FACTORIZED_REDUCE_GRAD]: factorizedReduceGradConfig,
  [ADD_N]: addNConfig,
};

const factories: Record<string, (fallback: KernelFunc) => KernelConfig> = {
  Conv2D: nativeConv2dConfig,
  Conv2DBackpropInput: nativeConv2dBackpropInputConfig,
  Conv2DBackpropFilter: nativeConv2dBackpropFilterConfig,
  DepthwiseConv2dNative: nativeDepthwiseConfig,
  DepthwiseConv2dNativeBackpropInput: nativeDepthwiseBackpropInputConfig,
  DepthwiseConv2dNativeBackpropFilter: nativeDepthwiseBackpropFilterConfig,
  AvgPool: (fallback) => nativePoolConfig('AvgPool', fallback),
  AvgPoolGrad: (fallback) => nativePoolGradConfig('AvgPoolGrad', fallback),
  MaxPool: (fallback) => nativePoolConfig('MaxPool', fallback),
  MaxPoolGrad: (fallback) => nativePoolGradConfig('MaxPoolGrad', fallback),
  ...Object.fromEntries(Object.keys(NATIVE_BINARY_KERNELS).map((name) => [name, (fallback: KernelFunc) => nativeBinaryConfig(name, fallback)])),
  ...Object.fromEntries(Object.keys(NATIVE_UNARY_KERNELS).map((name) => [name, (fallback: KernelFunc) => nativeUnaryConfig(name, fallback)])),
  ...Object.fromEntries(Object.keys(NATIVE_REDUCE_KERNELS).map((name) => [name, (fallback: KernelFunc) => nativeReduceConfig(name, fallback)])),
  AddN: nativeAddNConfig,
  Slice: nativeSliceConfig,
  PadV2: nativePadConfig,
  BatchMatMul: nativeBatchMatMulConfig,
  SplitV: nativeSplitVConfig,
  Concat: nativeConcatConfig,
};

/** The cpu backend's own kernels, kept to restore and as fallbacks. */
const originals = new Map<string, KernelConfig>();
const installed = new Map<string, KernelConfig>();

const current = (kernelName: string): KernelConfig | undefined => tf.getKernel(kernelName, 'cpu') as KernelConfig | undefined;

/**
 * Replaces the `cpu` backend's kernels listed in `NATIVE_KERNELS` with native ones: oneDNN
 * convolutions (also depthwise), pooling, MatMul and their gradients; broadcasting `Add` / `Sub` / `Multiply` /
 * `RealDiv` / `SquaredDifference`; `Relu`, `Step`, `Neg`, `Square`, `Sqrt`, `Rsqrt`, `Exp`, `Log`;
 * `Sum` / `Mean` / `Max` over any axes; `AddN`; strided `Slice` and `PadV2`; and adds the fused
 * training-mode batch norm kernels behind `batchNormWithBatchStats`, and `LmregRelu` /
 * `LmregAvgPool` with one-kernel gradients (`./fused.ts`), and the fused ReLU-conv-BN edge ops
 * `LmregReluConvBn` / `LmregReluSepConvBn` (`./fused-conv.ts`), and the multi-tensor clip + SGD
 * update `LmregClipSgd` (`./optim.ts`) the softmax cross-entropy `LmregSoftmaxCrossEntropy`
 * (`./loss.ts`) NB201's residual reduction block `LmregResidualReduction` (`./residual.ts`), DARTS'
 * `LmregFactorizedReduce` (`./reduce.ts`) and `LmregAddN`. The originals are kept
 * for `unregisterNativeKernels` and as fallbacks for what the native ones do not handle (non-float32
 * dtypes, NCHW, batch-broadcast MatMul, contiguous slices). Idempotent.
 *
 * The kernels extend `cpu` instead of defining a new backend: tensors stay in the cpu backend's
 * data storage (plain Float32Arrays), which the addon reads and writes in place, so every other op
 * keeps working and nothing is copied between backends.
 *
 * It also tunes glibc's malloc (process-wide) to keep freed large blocks for reuse instead of
 * mapping fresh zeroed pages for every kernel output (~2x faster training steps here; the resident
 * size stays at its peak). Set `LMREG_NATIVE_MALLOC=default` before the first call to keep the
 * C library's defaults.
 *
 * Kernel outputs then come from a pool of released buffers (`./output.ts`: the cpu backend's
 * `disposeData` returns them; reads of pooled tensors return copies). LMREG_NATIVE_POOL_MB sets
 * the most bytes kept free (default 1024; 0 turns the pool off).
 *
 * Call it after importing `@tensorflow/tfjs-backend-cpu`.
 *
 * @returns the kernel names that are now native.
 * @throws NativeAddonUnavailableError when the addon is not built (the message says how to build it).
 * @throws CpuBackendMissingError when the cpu backend's kernels are not registered.
 */
let allocatorTuned = false;

export function registerNativeKernels(): readonly string[] {
  const addon = loadNativeAddon();
  // The gradient registry is global and keyed by kernel name (ours): registering it is harmless
  // for other backends, which simply have no such kernel.
  for (const gradient of [
    batchNormTrainGradient,
    reluGradient,
    avgPoolGradient,
    reluConvBnGradient,
    reluSepConvBnGradient,
    softmaxCrossEntropyGradient,
    residualReductionGradient,
    factorizedReduceGradient,
    addNGradient,
  ]) {
    if ((tf.getGradient(gradient.kernelName) as unknown) === undefined) tf.registerGradient(gradient);
  }
  if (!allocatorTuned && process.env['LMREG_NATIVE_MALLOC'] !== 'default') {
    addon.retainFreedMemory();
    allocatorTuned = true;
  }
  for (const kernelName of NATIVE_KERNELS) {
    if (OWN_KERNELS[kernelName] !== undefined) continue;
    if (current(kernelName) === undefined && !originals.has(kernelName)) throw new CpuBackendMissingError();
  }
  for (const kernelName of NATIVE_KERNELS) {
    const existing = current(kernelName);
    if (existing !== undefined && existing === installed.get(kernelName)) continue;
    const own = OWN_KERNELS[kernelName];
    if (own !== undefined) {
      if (existing !== undefined) tf.unregisterKernel(kernelName, 'cpu');
      tf.registerKernel(own);
      const registered = current(kernelName);
      if (registered !== undefined) installed.set(kernelName, registered);
      continue;
    }
    if (existing !== undefined) {
      originals.set(kernelName, existing);
      tf.unregisterKernel(kernelName, 'cpu');
    }
    const original = originals.get(kernelName);
    const factory = factories[kernelName];
    if (original === undefined || factory === undefined) throw new CpuBackendMissingError();
    tf.registerKernel(factory(original.kernelFunc));
    const registered = current(kernelName);
    if (registered !== undefined) installed.set(kernelName, registered);
  }
  const cpu = tf.findBackend('cpu') as unknown as PooledBackend | null;
  if (cpu !== null && process.env['LMREG_NATIVE_POOL_MB'] !== '0') installBufferPool(cpu);
  return NATIVE_KERNELS;
}

/** Puts the cpu backend's own kernels back. A no-op when the native ones are not registered. */
export function unregisterNativeKernels(): void {
  setBufferPoolEnabled(false);
  for (const kernelName of NATIVE_KERNELS) {
    if (!installed.has(kernelName)) continue;
    if (current(kernelName) !== undefined) tf.unregisterKernel(kernelName, 'cpu');
    const original = originals.get(kernelName);
    if (original !== undefined) tf.registerKernel(original);
    installed.delete(kernelName);
  }
}

/** True when the native `kernelName` is the one registered for the cpu backend. */
export function isNativeKernelRegistered(kernelName: string): boolean {
  const existing = current(kernelName);
  return existing !== undefined && existing === installed.get(kernelName);
}
