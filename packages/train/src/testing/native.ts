// The optional @lmreg/tfjs-native kernels, for tests that compare them with the stock cpu kernels.
// Private to this package's tests.

/** The switches of @lmreg/tfjs-native these tests use. */
export interface NativeKernels {
  isNativeAvailable(): boolean;
  registerNativeKernels(): readonly string[];
  unregisterNativeKernels(): void;
}

/** @lmreg/tfjs-native when it is installed, else undefined. */
export const native = (await import('@lmreg/tfjs-native').catch(() => undefined)) as NativeKernels | undefined;

/** True when the addon is built: the comparisons run (LMREG_REQUIRE_NATIVE=1 makes its absence a failure). */
export const NATIVE_BUILT = native?.isNativeAvailable() ?? false;
