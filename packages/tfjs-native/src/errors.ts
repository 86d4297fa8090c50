import { LmregError } from '@lmreg/common';

/** Debian packages the addon needs: the oneDNN headers and library, and a C++ toolchain for node-gyp. */
export const NATIVE_BUILD_PACKAGES: readonly string[] = ['libdnnl-dev', 'g++', 'make', 'python3'];

/**
 * The oneDNN addon (`build/Release/lmreg_tfjs_native.node`) is not built or cannot be loaded.
 * The message lists the Debian packages to install and the command that builds the addon.
 */
export class NativeAddonUnavailableError extends LmregError {
  /** The path that was tried. */
  readonly addonPath: string;

  constructor(addonPath: string, options?: { cause?: unknown }) {
    const reason = options?.cause instanceof Error ? ` (${options.cause.message.split('\n')[0] ?? ''})` : '';
    super(
      'LMREG_NATIVE_UNAVAILABLE',
      `the @lmreg/tfjs-native addon could not be loaded from ${addonPath}${reason}. ` +
        `Install the Debian packages ${NATIVE_BUILD_PACKAGES.join(' ')} ` +
        `(apt-get install -y ${NATIVE_BUILD_PACKAGES.join(' ')}), then run ` +
        '`npm run build:native` in the @lmreg/tfjs-native package folder (or .ci/native.sh from the repo root). ' +
        'At run time only libdnnl2 and libgomp1 are needed.',
      options,
    );
    this.addonPath = addonPath;
  }
}

/** A native kernel was called and oneDNN (or the addon's argument checks) refused it. */
export class NativeKernelError extends LmregError {
  /** The tfjs kernel that failed, e.g. `Conv2D`. */
  readonly kernelName: string;

  constructor(kernelName: string, message: string, options?: { cause?: unknown }) {
    super('LMREG_NATIVE_KERNEL', `${kernelName}: ${message}`, options);
    this.kernelName = kernelName;
  }
}

/** `registerNativeKernels` was called before `@tensorflow/tfjs-backend-cpu` registered its kernels. */
export class CpuBackendMissingError extends LmregError {
  constructor() {
    super(
      'LMREG_BACKEND_UNAVAILABLE',
      "cannot register native kernels for 'cpu': its kernels are not registered. " +
        "Import '@tensorflow/tfjs-backend-cpu' before calling registerNativeKernels().",
    );
  }
}
