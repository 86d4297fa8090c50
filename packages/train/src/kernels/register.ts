import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig } from '@tensorflow/tfjs-core';

import { BackendUnavailableError } from '../backend/backend-unavailable-error.js';
import { conv2dBackpropFilterConfig, conv2dBackpropInputConfig } from './conv-backprop.js';
import { depthwiseBackpropFilterConfig, depthwiseBackpropInputConfig } from './depthwise-backprop.js';
import { avgPoolGradConfig, maxPoolGradConfig } from './pool-grad.js';
import { unsortedSegmentSumConfig } from './segment-sum.js';
import { fastTileConfig } from './tile.js';

/** Backends that get training kernels from `registerTrainingKernels`. */
export type TrainingKernelBackend = 'wasm' | 'cpu';

/** Kernel names `registerTrainingKernels(backend)` installs, by backend. */
export const TRAINING_KERNELS: Readonly<Record<TrainingKernelBackend, readonly string[]>> = {
  wasm: [
    tf.Conv2DBackpropInput,
    tf.Conv2DBackpropFilter,
    tf.DepthwiseConv2dNativeBackpropInput,
    tf.DepthwiseConv2dNativeBackpropFilter,
    tf.AvgPoolGrad,
    tf.MaxPoolGrad,
    tf.Tile,
    tf.UnsortedSegmentSum,
  ],
  cpu: [tf.AvgPoolGrad],
};

/** Kernels that were registered before ours, to restore; `null` = there was none. */
const replaced = new Map<string, KernelConfig | null>();
const installed = new Map<string, KernelConfig>();

const key = (backendName: string, kernelName: string): string => `${backendName}/${kernelName}`;

function existing(kernelName: string, backendName: string): KernelConfig | undefined {
  return tf.getKernel(kernelName, backendName) as KernelConfig | undefined;
}

function configsFor(backendName: TrainingKernelBackend): KernelConfig[] {
  if (backendName === 'cpu') return [avgPoolGradConfig('cpu')];
  const tileFallback = replaced.get(key('wasm', tf.Tile)) ?? existing(tf.Tile, 'wasm');
  return [
    conv2dBackpropInputConfig('wasm'),
    conv2dBackpropFilterConfig('wasm'),
    depthwiseBackpropInputConfig('wasm'),
    depthwiseBackpropFilterConfig('wasm'),
    avgPoolGradConfig('wasm'),
    maxPoolGradConfig('wasm'),
    fastTileConfig('wasm', tileFallback),
    unsortedSegmentSumConfig('wasm'),
  ];
}

/**
 * Registers lmreg's training kernels for a tfjs backend, replacing built-in ones (the originals
 * are kept for `unregisterTrainingKernels`). Idempotent.
 *
 * - `wasm`: `Conv2DBackpropInput` and `Conv2DBackpropFilter` (missing or a scalar loop in
 *   tfjs-backend-wasm 4.22) and both depthwise backprops (missing) built from the backend's
 *   XNNPACK convolutions and matrix products; `AvgPoolGrad` and `MaxPoolGrad` as fast loops; a
 *   memcpy-based `Tile` (used by `tf.batchNorm`'s gradient); `UnsortedSegmentSum` (missing; used
 *   by `tf.gather`'s gradient).
 * - `cpu`: `AvgPoolGrad` only, fixed to match the forward pass (see `avgPoolGradValues`).
 *
 * Call it after importing the backend package (`selectBackend` does both).
 *
 * @returns the kernel names that are now lmreg's.
 * @throws BackendUnavailableError when the backend package has not registered its kernels.
 */
export function registerTrainingKernels(backendName: TrainingKernelBackend): readonly string[] {
  const probe = backendName === 'wasm' ? tf.Conv2D : tf.AvgPool;
  if (existing(probe, backendName) === undefined) {
    throw new BackendUnavailableError(
      backendName,
      `cannot register training kernels for '${backendName}': its kernels are not registered. ` +
        `Import @tensorflow/tfjs-backend-${backendName} first (selectBackend('${backendName}') does).`,
    );
  }
  for (const config of configsFor(backendName)) {
    const id = key(backendName, config.kernelName);
    const current = existing(config.kernelName, backendName);
    if (current !== undefined && current === installed.get(id)) continue;
    if (!replaced.has(id)) replaced.set(id, current ?? null);
    if (current !== undefined) tf.unregisterKernel(config.kernelName, backendName);
    tf.registerKernel(config);
    installed.set(id, existing(config.kernelName, backendName) ?? config);
  }
  return TRAINING_KERNELS[backendName];
}

/** Puts back the kernels `registerTrainingKernels(backendName)` replaced (or removes ours). */
export function unregisterTrainingKernels(backendName: TrainingKernelBackend): void {
  for (const kernelName of TRAINING_KERNELS[backendName]) {
    const id = key(backendName, kernelName);
    if (!installed.has(id)) continue;
    if (existing(kernelName, backendName) !== undefined) tf.unregisterKernel(kernelName, backendName);
    const original = replaced.get(id);
    if (original) tf.registerKernel(original);
    installed.delete(id);
    replaced.delete(id);
  }
}

/** True when lmreg's version of `kernelName` is the one registered for `backendName`. */
export function isTrainingKernelRegistered(kernelName: string, backendName: TrainingKernelBackend): boolean {
  const current = existing(kernelName, backendName);
  return current !== undefined && current === installed.get(key(backendName, kernelName));
}
