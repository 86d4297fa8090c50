import { InvalidArgumentError } from '@lmreg/common';

import { loadNativeAddon } from './load.js';

/**
 * Sets how many OpenMP threads oneDNN uses (default: all cores, or `OMP_NUM_THREADS` when set
 * before the process starts).
 * @throws InvalidArgumentError unless `count` is an integer >= 1.
 * @throws NativeAddonUnavailableError when the addon is not built.
 */
export function setNativeThreads(count: number): void {
  if (!Number.isInteger(count) || count < 1) {
    throw new InvalidArgumentError(`thread count must be an integer >= 1, got ${count}`);
  }
  loadNativeAddon().setThreads(count);
}

/** The number of OpenMP threads oneDNN will use. @throws NativeAddonUnavailableError */
export function getNativeThreads(): number {
  return loadNativeAddon().getThreads();
}

/** Frees the cached oneDNN primitives and their blocked-layout buffers. @throws NativeAddonUnavailableError */
export function clearNativeCache(): void {
  loadNativeAddon().clearCache();
}

/** How many (operation, shape) primitives are cached. @throws NativeAddonUnavailableError */
export function nativeCacheSize(): number {
  return loadNativeAddon().cacheSize();
}

/** oneDNN's version string, e.g. `2.6.3 (cpu runtime 2)` (2 = OpenMP). @throws NativeAddonUnavailableError */
export function nativeVersion(): string {
  return loadNativeAddon().version();
}
