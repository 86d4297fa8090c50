import { createRequire } from 'node:module';

import * as tf from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { InvalidArgumentError, LmregError } from '@lmreg/common';
import { afterEach, describe, expect, it } from 'vitest';

import { isTrainingKernelRegistered } from '../kernels/register.js';
import { BackendUnavailableError } from './backend-unavailable-error.js';
import { currentBackendName, currentBackendThreads, parseBackendRequest, selectBackend } from './select-backend.js';

const require = createRequire(import.meta.url);
const installed = (name: string): boolean => {
  try {
    require.resolve(name);
    return true;
  } catch {
    return false;
  }
};
const tensorflowInstalled = installed('@tensorflow/tfjs-node') || installed('@tensorflow/tfjs-node-gpu');

function notFound(specifier: string): Error {
  return Object.assign(new Error(`Cannot find package '${specifier}' imported from /app/index.js`), { code: 'ERR_MODULE_NOT_FOUND' });
}

/** An importer where the tfjs-node packages behave as given and everything else is real. */
function importer(tensorflow: Partial<Record<'@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node', 'ok' | 'missing' | Error>>) {
  const calls: string[] = [];
  const importModule = async (specifier: string): Promise<unknown> => {
    calls.push(specifier);
    // 'auto' tries @lmreg/tfjs-native before wasm: absent here unless a test supplies it.
    if (specifier === '@lmreg/tfjs-native') throw notFound(specifier);
    if (specifier === '@tensorflow/tfjs-node-gpu' || specifier === '@tensorflow/tfjs-node') {
      const behaviour = tensorflow[specifier] ?? 'missing';
      if (behaviour === 'missing') throw notFound(specifier);
      if (behaviour instanceof Error) throw behaviour;
      // What tfjs-node does on import: register a backend named 'tensorflow'.
      if (tf.findBackendFactory('tensorflow') === null) tf.registerBackend('tensorflow', () => new MathBackendCPU(), 0);
      return {};
    }
    return import(specifier);
  };
  return { importModule, calls };
}

afterEach(async () => {
  if (tf.findBackendFactory('tensorflow') !== null) tf.removeBackend('tensorflow');
  await tf.setBackend('cpu');
});

describe('selectBackend', () => {
  it("'cpu' activates the cpu backend with the AvgPoolGrad fix", async () => {
    const selected = await selectBackend('cpu');
    expect(selected.name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(selected.reason).toContain('@tensorflow/tfjs-backend-cpu');
    expect(isTrainingKernelRegistered('AvgPoolGrad', 'cpu')).toBe(true);
  });

  it("'wasm' really initialises the wasm backend (files found in node_modules) and registers the gradient kernels", async () => {
    const lines: string[] = [];
    const selected = await selectBackend('wasm', { log: (line) => lines.push(line) });
    expect(selected.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(selected.reason).toMatch(/SIMD (on|off), \d+ threads?/);
    for (const kernel of ['Conv2DBackpropInput', 'Conv2DBackpropFilter', 'DepthwiseConv2dNativeBackpropFilter', 'Tile']) {
      expect(isTrainingKernelRegistered(kernel, 'wasm')).toBe(true);
    }
    const before = tf.memory().numTensors;
    const sum = tf.tidy(() => tf.sum(tf.conv2d(tf.ones([1, 4, 4, 2]) as tf.Tensor4D, tf.ones([3, 3, 2, 1]) as tf.Tensor4D, 1, 'same')).dataSync()[0]);
    expect(sum).toBe(2 * (4 * 4 + 2 * 4 * 6 + 4 * 9));
    expect(tf.memory().numTensors).toBe(before);
    expect(lines.some((line) => line.includes('using wasm'))).toBe(true);
    // Selecting it again is a no-op that still answers.
    expect((await selectBackend('wasm')).name).toBe('wasm');
  });

  it.skipIf(tensorflowInstalled)("'tensorflow' without tfjs-node installed explains how to install it", async () => {
    const error = await selectBackend('tensorflow').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect(error).toBeInstanceOf(LmregError);
    const { message, code, backend } = error as BackendUnavailableError;
    expect(code).toBe('LMREG_BACKEND_UNAVAILABLE');
    expect(backend).toBe('tensorflow');
    expect(message).toContain('npm install @tensorflow/tfjs-node');
    expect(message).toContain('libtensorflow');
  });

  it.skipIf(tensorflowInstalled)("'auto' without tfjs-node and without the native addon picks wasm and says why", async () => {
    const selected = await selectBackend('auto', { importModule: importer({}).importModule });
    expect(selected.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(selected.reason).toContain('tensorflow is not installed');
    expect(selected.reason).toContain('native is not installed (@lmreg/tfjs-native)');
  });

  it.skipIf(tensorflowInstalled)("'auto' picks native ahead of wasm when @lmreg/tfjs-native loads", async () => {
    const calls: string[] = [];
    const importModule = async (specifier: string): Promise<unknown> => {
      calls.push(specifier);
      if (specifier === '@lmreg/tfjs-native') return { registerNativeKernels: () => ['Conv2D', 'Multiply'], getNativeThreads: () => 2 };
      return import(specifier);
    };
    const selected = await selectBackend('auto', { importModule });
    expect(selected.name).toBe('native');
    expect(tf.getBackend()).toBe('cpu');
    expect(selected.reason).toContain('2 native kernels (Conv2D, Multiply');
    expect(selected.reason).toContain('2 threads');
    expect(calls).not.toContain('@tensorflow/tfjs-backend-wasm');
  });

  it.skipIf(tensorflowInstalled)("'auto' moves on to wasm when the native addon is not built", async () => {
    const importModule = async (specifier: string): Promise<unknown> => {
      if (specifier === '@lmreg/tfjs-native') {
        return {
          registerNativeKernels: () => {
            throw new Error('the @lmreg/tfjs-native addon could not be loaded from /x.node');
          },
        };
      }
      return import(specifier);
    };
    const lines: string[] = [];
    const selected = await selectBackend('auto', { importModule, log: (line) => lines.push(line) });
    expect(selected.name).toBe('wasm');
    expect(selected.reason).toContain('native is unavailable');
    expect(lines.some((line) => line.includes('auto skips native'))).toBe(true);
  });

  it("'auto' prefers tensorflow, and tfjs-node-gpu over tfjs-node", async () => {
    const both = importer({ '@tensorflow/tfjs-node-gpu': 'ok', '@tensorflow/tfjs-node': 'ok' });
    const selected = await selectBackend('auto', { importModule: both.importModule });
    expect(selected.name).toBe('tensorflow');
    expect(tf.getBackend()).toBe('tensorflow');
    expect(selected.reason).toContain('@tensorflow/tfjs-node-gpu');
    expect(both.calls).toEqual(['@tensorflow/tfjs-node-gpu']);
  });

  it("'tensorflow' falls back from tfjs-node-gpu to tfjs-node", async () => {
    const cpuOnly = importer({ '@tensorflow/tfjs-node': 'ok' });
    const selected = await selectBackend('tensorflow', { importModule: cpuOnly.importModule });
    expect(selected.reason).toContain('@tensorflow/tfjs-node:');
    expect(cpuOnly.calls).toEqual(['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']);
  });

  it("an installed tfjs-node that fails to load (libtensorflow missing) is reported with its cause, and 'auto' moves on", async () => {
    const broken = new Error('libtensorflow.so.2: cannot open shared object file: No such file or directory');
    const { importModule } = importer({ '@tensorflow/tfjs-node': broken });
    const error = await selectBackend('tensorflow', { importModule }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect((error as Error).message).toContain('installed but failed to load');
    expect((error as Error).message).toContain('libtensorflow.so.2');
    expect((error as Error).cause).toBe(broken);
    const lines: string[] = [];
    const selected = await selectBackend('auto', { importModule, log: (line) => lines.push(line) });
    expect(selected.name).toBe('wasm');
    expect(selected.reason).toContain('tensorflow is unavailable');
    expect(lines.some((line) => line.includes('failed to load'))).toBe(true);
  });

  it("a missing dependency of tfjs-node counts as a broken install, not as 'not installed'", async () => {
    const { importModule } = importer({ '@tensorflow/tfjs-node': notFound('@mapbox/node-pre-gyp') });
    await expect(selectBackend('tensorflow', { importModule })).rejects.toThrow(/installed but failed to load/);
  });

  it("'native' without @lmreg/tfjs-native says what to install", async () => {
    const importModule = async (specifier: string): Promise<unknown> => {
      if (specifier === '@lmreg/tfjs-native') throw notFound(specifier);
      return import(specifier);
    };
    await expect(selectBackend('native', { importModule })).rejects.toThrow(BackendUnavailableError);
    await expect(selectBackend('native', { importModule })).rejects.toThrow(/libdnnl-dev.*npm install @lmreg\/tfjs-native/s);
  });

  it("'native' with an addon that is not built passes the addon's own advice on", async () => {
    const importModule = async (specifier: string): Promise<unknown> => {
      if (specifier === '@lmreg/tfjs-native') {
        return {
          registerNativeKernels: () => {
            throw new Error('the oneDNN addon is not built: run npm run build:native');
          },
        };
      }
      return import(specifier);
    };
    await expect(selectBackend('native', { importModule })).rejects.toThrow(/not built: run npm run build:native/);
  });

  it("'native' registers the addon's kernels over the cpu backend", async () => {
    const registered: string[] = [];
    const importModule = async (specifier: string): Promise<unknown> => {
      if (specifier === '@lmreg/tfjs-native') {
        return {
          registerNativeKernels: () => {
            registered.push('Conv2D');
            return ['Conv2D'];
          },
        };
      }
      return import(specifier);
    };
    const selected = await selectBackend('native', { importModule });
    expect(selected.name).toBe('native');
    expect(tf.getBackend()).toBe('cpu');
    expect(registered).toEqual(['Conv2D']);
    expect(selected.reason).toContain('Conv2D');
  });

  it("'native' sets the requested thread count and rejects a bad one", async () => {
    const set: number[] = [];
    const importModule = async (specifier: string): Promise<unknown> => {
      if (specifier === '@lmreg/tfjs-native') {
        return { registerNativeKernels: () => ['Conv2D'], setNativeThreads: (n: number) => void set.push(n), getNativeThreads: () => set.at(-1) ?? 2 };
      }
      return import(specifier);
    };
    const selected = await selectBackend('native', { importModule, threads: 1 });
    expect(set).toEqual([1]);
    expect(selected.reason).toMatch(/, 1 thread$/);
    expect(currentBackendThreads()).toBe(1);
    await expect(selectBackend('native', { importModule, threads: 0 })).rejects.toThrow(InvalidArgumentError);
    await selectBackend('native', { importModule, threads: 2 });
    expect(currentBackendThreads()).toBe(2);
    // Backends that report no thread count record none, and neither does a backend set behind selectBackend's back.
    await selectBackend('cpu');
    expect(currentBackendThreads()).toBeUndefined();
    await selectBackend('native', { importModule, threads: 2 });
    tf.registerBackend('other-cpu', () => new MathBackendCPU(), 0);
    try {
      await tf.setBackend('other-cpu');
      expect(currentBackendThreads()).toBeUndefined();
    } finally {
      await tf.setBackend('cpu');
      tf.removeBackend('other-cpu');
    }
  });

  it("currentBackendName() says what selectBackend selected ('native' on tfjs' cpu), until another tfjs backend is set", async () => {
    const importModule = async (specifier: string): Promise<unknown> =>
      specifier === '@lmreg/tfjs-native' ? { registerNativeKernels: () => [] } : import(specifier);
    await selectBackend('native', { importModule });
    expect(tf.getBackend()).toBe('cpu');
    expect(currentBackendName()).toBe('native');
    // Set behind selectBackend's back: the active tfjs backend is what runs, and what is reported.
    tf.registerBackend('other-cpu', () => new MathBackendCPU(), 0);
    try {
      await tf.setBackend('other-cpu');
      expect(currentBackendName()).toBe('other-cpu');
    } finally {
      await tf.setBackend('cpu');
      tf.removeBackend('other-cpu');
    }
    expect((await selectBackend('cpu')).name).toBe('cpu');
    expect(currentBackendName()).toBe('cpu');
    // A selection that fails changes nothing it did not activate: native falls over after activating cpu.
    await selectBackend('wasm');
    expect(currentBackendName()).toBe('wasm');
    const missing = async (specifier: string): Promise<unknown> => {
      if (specifier === '@lmreg/tfjs-native') throw notFound(specifier);
      return import(specifier);
    };
    await expect(selectBackend('native', { importModule: missing })).rejects.toThrow(BackendUnavailableError);
    expect(tf.getBackend()).toBe('cpu');
    expect(currentBackendName()).toBe('cpu');
  });

  it('unknown names are invalid arguments that list the valid ones', () => {
    expect(() => parseBackendRequest('webgl')).toThrow(InvalidArgumentError);
    expect(() => parseBackendRequest('webgl')).toThrow(/auto, tensorflow, wasm, cpu, native/);
    expect(parseBackendRequest('auto')).toBe('auto');
  });
});
