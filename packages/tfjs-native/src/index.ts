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
export { AVG_POOL, AVG_POOL_GRAD, RELU, RELU_GRAD } from './kernels/fused.js';
export { RELU_CONV_BN, RELU_CONV_BN_GRAD, RELU_SEP_CONV_BN, RELU_SEP_CONV_BN_GRAD, reluConvBn, reluSepConvBn } from './kernels/fused-conv.js';
export type { FusedConvOptions } from './kernels/fused-conv.js';
export { bufferPoolStats, clearBufferPool } from './kernels/output.js';
export { isNativeKernelRegistered, NATIVE_KERNELS, registerNativeKernels, unregisterNativeKernels } from './kernels/register.js';
