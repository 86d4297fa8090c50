export { isNativeAvailable, nativeAddonPath } from './addon/load.js';
export { clearNativeCache, getNativeThreads, nativeCacheSize, nativeVersion, setNativeThreads } from './addon/settings.js';
export { CpuBackendMissingError, NATIVE_BUILD_PACKAGES, NativeAddonUnavailableError, NativeKernelError } from './errors.js';
export {
  BATCH_NORM_TRAIN,
  BATCH_NORM_TRAIN_GRAD,
  batchNormWithBatchStats,
  DEFAULT_BATCH_NORM_EPSILON,
  isFusedBatchNormAvailable,
} from './kernels/batch-norm.js';
export { ADD_N, AVG_POOL, AVG_POOL_GRAD, RELU, RELU_GRAD } from './kernels/fused.js';
export { RELU_CONV_BN, RELU_CONV_BN_GRAD, RELU_SEP_CONV_BN, RELU_SEP_CONV_BN_GRAD, reluConvBn, reluSepConvBn } from './kernels/fused-conv.js';
export type { FusedConvOptions } from './kernels/fused-conv.js';
export { CLIP_SGD } from './kernels/optim.js';
export { SOFTMAX_CROSS_ENTROPY, SOFTMAX_CROSS_ENTROPY_GRAD } from './kernels/loss.js';
export { RESIDUAL_REDUCTION, RESIDUAL_REDUCTION_GRAD } from './kernels/residual.js';
export { FACTORIZED_REDUCE, FACTORIZED_REDUCE_GRAD } from './kernels/reduce.js';
export type { ClipSgdAttrs } from './kernels/optim.js';
export { bufferPoolStats, clearBufferPool } from './kernels/output.js';
export { isNativeKernelRegistered, NATIVE_KERNELS, registerNativeKernels, unregisterNativeKernels } from './kernels/register.js';
