import { describe, expect, it, vi } from 'vitest';

describe('loadNativeAddon without an addon (always runs, built or not)', () => {
  it('throws NativeAddonUnavailableError that lists the Debian packages and the build command', async () => {
    vi.resetModules();
    vi.stubEnv('LMREG_TFJS_NATIVE_ADDON', '/nonexistent/lmreg_tfjs_native.node');
    try {
      const { loadNativeAddon, isNativeAvailable } = await import('./load.js');
      const { NativeAddonUnavailableError } = await import('../errors.js');
      expect(isNativeAvailable()).toBe(false);
      let error: unknown;
      try {
        loadNativeAddon();
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(NativeAddonUnavailableError);
      const typed = error as InstanceType<typeof NativeAddonUnavailableError>;
      expect(typed.code).toBe('LMREG_NATIVE_UNAVAILABLE');
      expect(typed.addonPath).toBe('/nonexistent/lmreg_tfjs_native.node');
      expect(typed.message).toContain('apt-get install -y libdnnl-dev g++ make python3');
      expect(typed.message).toContain('npm run build:native');
      expect(typed.cause).toBeInstanceOf(Error);
    } finally {
      vi.unstubAllEnvs();
      vi.resetModules();
    }
  });

  it('the package entry point imports without loading the addon', async () => {
    vi.resetModules();
    vi.stubEnv('LMREG_TFJS_NATIVE_ADDON', '/nonexistent/lmreg_tfjs_native.node');
    try {
      const lib = await import('../index.js');
      expect(typeof lib.registerNativeKernels).toBe('function');
      expect(lib.isNativeAvailable()).toBe(false);
    } finally {
      vi.unstubAllEnvs();
      vi.resetModules();
    }
  });
});
