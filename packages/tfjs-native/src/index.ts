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
export { isNativeKernelRegistered, NATIVE_KERNELS, registerNativeKernels, unregisterNativeKernels } from './kernels/register.js';
