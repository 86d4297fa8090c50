export { isNativeAvailable, nativeAddonPath } from './addon/load.js';
export { clearNativeCache, getNativeThreads, nativeCacheSize, nativeVersion, setNativeThreads } from './addon/settings.js';
export { CpuBackendMissingError, NATIVE_BUILD_PACKAGES, NativeAddonUnavailableError, NativeKernelError } from './errors.js';
export { isNativeKernelRegistered, NATIVE_KERNELS, registerNativeKernels, unregisterNativeKernels } from './kernels/register.js';
