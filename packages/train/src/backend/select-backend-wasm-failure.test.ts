// In a file of its own: a failed wasm initialisation cannot be retried in the same process.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';

import { BackendUnavailableError } from './backend-unavailable-error.js';
import { selectBackend } from './select-backend.js';

describe('selectBackend("wasm") when the .wasm binaries cannot be found', () => {
  it('throws BackendUnavailableError naming the folder instead of reporting success', async () => {
    const error = await selectBackend('wasm', { wasmPath: '/nonexistent/lmreg-wasm/' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect((error as Error).message).toContain('failed to initialise');
    expect((error as Error).message).toContain('/nonexistent/lmreg-wasm/');
  });

  it("and 'auto' then falls back to cpu", async () => {
    // Without @lmreg/tfjs-native, which 'auto' would pick ahead of wasm when its addon is built.
    const importModule = async (specifier: string): Promise<unknown> => {
      if (specifier === '@lmreg/tfjs-native') {
        throw Object.assign(new Error(`Cannot find package '${specifier}'`), { code: 'ERR_MODULE_NOT_FOUND' });
      }
      return import(specifier);
    };
    const selected = await selectBackend('auto', { wasmPath: '/nonexistent/lmreg-wasm/', importModule });
    expect(selected.name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(selected.reason).toContain('wasm is unavailable');
  });
});
