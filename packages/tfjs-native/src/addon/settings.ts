import { InvalidArgumentError } from '@lmreg/common';

import { loadNativeAddon } from './load.js';

/**
 * Sets how many OpenMP threads oneDNN and the addon's loops use (default: `OMP_NUM_THREADS` when
 * set before the process starts, else every core). Results depend on the thread count in the last
 * bits (oneDNN and the reductions split their sums by thread): the same seed reproduces a run only
 * at the same count. Primitives are cached per thread count, so changing it costs one rebuild per
 * shape.
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
