import { createRequire } from 'node:module';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@lmreg/common';

import { registerTrainingKernels } from '../kernels/register.js';
import { BackendUnavailableError } from './backend-unavailable-error.js';

/** Backend names `selectBackend` accepts. `auto` picks the best one present. */
export const BACKEND_REQUESTS = ['auto', 'tensorflow', 'wasm', 'cpu', 'native'] as const;
export type BackendRequest = (typeof BACKEND_REQUESTS)[number];

/** Backend names reserved for later versions; asking for them fails with a clear message. */
export const FUTURE_BACKENDS = [] as const;

/** A backend `selectBackend` can end up on (tfjs's name for it). */
export type SelectedBackendName = Exclude<BackendRequest, 'auto'>;

export interface SelectedBackend {
  /** Backend selected: tfjs' name for it, except `native`, which runs on tfjs' `cpu` (see {@link currentBackendName}). */
  readonly name: SelectedBackendName;
  /** Which package provides it and why it was picked, for logs. */
  readonly reason: string;
  /** `native` only: its OpenMP thread count; record it (a seed reproduces a run only at the same count). */
  readonly threads?: number;
}

export interface SelectBackendOptions {
  /** Receives one line per decision (what was tried, what was found). */
  readonly log?: (message: string) => void;
  /**
   * Directory (or URL prefix, ending in '/') holding tfjs-backend-wasm's `.wasm` binaries.
   * Default: the `dist` folder of the installed `@tensorflow/tfjs-backend-wasm`.
   */
  readonly wasmPath?: string;
  /** Loads a module by name; defaults to dynamic `import()`. For tests and bundlers. */
  readonly importModule?: (specifier: string) => Promise<unknown>;
  /**
   * Threads of the `native` backend's oneDNN kernels (OpenMP). Default: `OMP_NUM_THREADS` when
   * set, else every core. Ignored by the other backends. Results differ between thread counts in
   * the last bits (oneDNN and the reductions split sums by thread): same seed + same count = same run.
   * Every core stays the default: once @lmreg/tfjs-native stopped idle OpenMP threads spinning,
   * cached oneDNN primitives per thread count and ran the spin-barrier primitives (batch norm,
   * backward weights) on one thread, two threads on the 2-core VM cost the CPU time per image of one
   * (within 6 %) and trained 0.89-1.34x as fast (load 8-9; before, slower in every config):
   * `node bench/native-threads.mjs --configs C8N1b64,C16N5b64,dartsC16L5b64 --variants default,fresh --eval`.
   */
  readonly threads?: number;
}

const TENSORFLOW_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;
const WASM_PACKAGE = '@tensorflow/tfjs-backend-wasm';
const CPU_PACKAGE = '@tensorflow/tfjs-backend-cpu';

const INSTALL_TENSORFLOW =
  'Install one next to lmreg: `npm install @tensorflow/tfjs-node` (CPU) or ' +
  '`npm install @tensorflow/tfjs-node-gpu` (NVIDIA GPU, needs the CUDA and cuDNN versions its README lists). ' +
  'Caveat: their install step downloads libtensorflow (a native library of several hundred MB) from ' +
  'storage.googleapis.com, so it needs network access and a platform libtensorflow is built for ' +
  '(Linux x86-64 with glibc, macOS, Windows x86-64); where that fails, use --backend wasm.';

/**
 * Checks a user-supplied backend name (e.g. a CLI flag).
 *
 * @throws InvalidArgumentError for an unknown name; BackendUnavailableError for a reserved one.
 */
export function parseBackendRequest(value: string): BackendRequest {
  if ((BACKEND_REQUESTS as readonly string[]).includes(value)) return value as BackendRequest;
  if ((FUTURE_BACKENDS as readonly string[]).includes(value)) {
    throw new BackendUnavailableError(value, `backend '${value}' is not available in this version of lmreg. Use one of: ${BACKEND_REQUESTS.join(', ')}.`);
  }
  throw new InvalidArgumentError(`unknown backend '${value}'. Use one of: ${BACKEND_REQUESTS.join(', ')}.`);
}

/**
 * Makes a TensorFlow.js backend the active one, loading its package by dynamic import (library
 * code never imports a backend; only this function does).
 *
 * - `tensorflow`: `@tensorflow/tfjs-node-gpu`, else `@tensorflow/tfjs-node` (native libtensorflow).
 * - `wasm`: `@tensorflow/tfjs-backend-wasm`, with its `.wasm` files found in node_modules, plus
 *   lmreg's training kernels (see `registerTrainingKernels`).
 * - `cpu`: `@tensorflow/tfjs-backend-cpu` (pure JavaScript; a correctness reference), with the
 *   AvgPoolGrad fix.
 * - `native`: the cpu backend with @lmreg/tfjs-native's oneDNN kernels (optional package whose
 *   addon is built with `npm run build:native`).
 * - `auto`: the first of tensorflow, native, wasm, cpu that loads and initialises (native before
 *   wasm: measured 1.5-1.8x faster on a whole NB201 super-net training step, 1 thread each).
 *
 * @throws BackendUnavailableError when the backend is not installed or fails to initialise; the
 *   message says how to install it.
 * @throws InvalidArgumentError for an unknown name.
 */
export async function selectBackend(name: BackendRequest, options: SelectBackendOptions = {}): Promise<SelectedBackend> {
  const request = parseBackendRequest(name);
  const context: Context = {
    log: options.log ?? (() => undefined),
    importModule: options.importModule ?? ((specifier: string) => import(specifier)),
    customImport: options.importModule !== undefined,
    wasmPath: options.wasmPath,
    threads: options.threads,
  };
  const selected = await select(request, context);
  // Remembered with the tfjs backend it runs on ('native' runs on tfjs' 'cpu').
  lastSelected = { name: selected.name, tfjsName: tf.getBackend(), threads: selected.threads };
  return selected;
}

function select(request: BackendRequest, context: Context): Promise<SelectedBackend> {
  switch (request) {
    case 'tensorflow':
      return useTensorflow(context);
    case 'wasm':
      return useWasm(context);
    case 'cpu':
      return useCpu(context);
    case 'native':
      return useNative(context);
    case 'auto':
      return useAuto(context);
  }
}

/** What the last successful {@link selectBackend} call selected, and the tfjs backend that was then active. */
let lastSelected: { readonly name: SelectedBackendName; readonly tfjsName: string; readonly threads: number | undefined } | undefined;

/**
 * The name of the backend that runs tensors now, as results should record it: what the last
 * {@link selectBackend} call of this process selected (e.g. `native`, where `tf.getBackend()` says
 * `cpu` because @lmreg/tfjs-native's kernels are registered over tfjs' cpu backend), as long as the
 * tfjs backend it activated is still the active one; otherwise (nothing selected through
 * `selectBackend`, or another backend set with `tf.setBackend` since) `tf.getBackend()`.
 */
export function currentBackendName(): string {
  const active = tf.getBackend();
  return lastSelected !== undefined && lastSelected.tfjsName === active ? lastSelected.name : active;
}

/** The thread count {@link selectBackend} reported (`native` only) while its backend is the active one, as results record it. */
export function currentBackendThreads(): number | undefined {
  return lastSelected !== undefined && lastSelected.tfjsName === tf.getBackend() ? lastSelected.threads : undefined;
}

interface Context {
  readonly log: (message: string) => void;
  readonly importModule: (specifier: string) => Promise<unknown>;
  /** True when `importModule` was supplied: then only its errors tell what is installed. */
  readonly customImport: boolean;
  readonly wasmPath: string | undefined;
  readonly threads: number | undefined;
}

type LoadOutcome = { readonly status: 'loaded' } | { readonly status: 'missing' } | { readonly status: 'failed'; readonly error: unknown };

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error !== null && 'message' in error) return String((error as { message: unknown }).message);
  return String(error);
}

/** True when `error` says that `specifier` itself (not one of its dependencies) is not installed. */
function isMissingPackage(error: unknown, specifier: string): boolean {
  const message = messageOf(error);
  const named = message.includes(`'${specifier}'`) || message.includes(`"${specifier}"`);
  const code = typeof error === 'object' && error !== null && 'code' in error ? (error as { code: unknown }).code : undefined;
  if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') return named;
  // Bundlers and Vite word it their own way.
  return named && /cannot find (module|package)|could not resolve|failed to resolve/i.test(message);
}

/** False when Node's resolution from this file cannot find `specifier` at all (without loading it). */
function isResolvable(specifier: string): boolean {
  const require = createRequire(import.meta.url);
  for (const request of [specifier, `${specifier}/package.json`]) {
    try {
      require.resolve(request);
      return true;
    } catch (error) {
      const code = typeof error === 'object' && error !== null && 'code' in error ? (error as { code: unknown }).code : undefined;
      if (code !== 'MODULE_NOT_FOUND') return true; // e.g. ERR_PACKAGE_PATH_NOT_EXPORTED: it is there.
    }
  }
  return false;
}

async function load(context: Context, specifier: string): Promise<LoadOutcome> {
  if (!context.customImport && !isResolvable(specifier)) return { status: 'missing' };
  try {
    await context.importModule(specifier);
    return { status: 'loaded' };
  } catch (error) {
    return isMissingPackage(error, specifier) ? { status: 'missing' } : { status: 'failed', error };
  }
}

/** True when `backendName` has been initialised (without starting its initialisation). */
function isInitialised(backendName: string): boolean {
  // tf.findBackend would start initialising a registered backend: look at the registry instead.
  return backendName in tf.engine().registry;
}

/** Activates a registered backend; false when it is unknown or fails to initialise. */
async function activate(backendName: string): Promise<boolean> {
  if (tf.getBackend() === backendName && isInitialised(backendName)) return true;
  if (tf.findBackendFactory(backendName) === null) return false;
  try {
    // setBackend resolves to false (it does not throw) when initialisation fails, and getBackend()
    // may still name the failed backend afterwards: check both.
    const ok = await tf.setBackend(backendName);
    return ok && tf.getBackend() === backendName;
  } catch {
    return false;
  }
}

async function useTensorflow(context: Context): Promise<SelectedBackend> {
  const failures: string[] = [];
  let firstError: unknown;
  for (const specifier of TENSORFLOW_PACKAGES) {
    const outcome = await load(context, specifier);
    if (outcome.status === 'missing') {
      context.log(`backend: ${specifier} is not installed`);
      continue;
    }
    if (outcome.status === 'failed') {
      context.log(`backend: ${specifier} is installed but failed to load: ${messageOf(outcome.error)}`);
      failures.push(`${specifier} is installed but failed to load (${messageOf(outcome.error)})`);
      firstError ??= outcome.error;
      continue;
    }
    if (await activate('tensorflow')) {
      const device = specifier.endsWith('-gpu') ? 'CUDA build of libtensorflow (GPU when one is visible)' : 'libtensorflow on the CPU';
      const reason = `${specifier}: native TensorFlow, ${device}`;
      context.log(`backend: using tensorflow (${reason})`);
      return { name: 'tensorflow', reason };
    }
    failures.push(`${specifier} loaded but backend 'tensorflow' did not initialise`);
  }
  if (failures.length === 0) {
    throw new BackendUnavailableError(
      'tensorflow',
      `backend 'tensorflow' is not installed: neither ${TENSORFLOW_PACKAGES.join(' nor ')} was found. ${INSTALL_TENSORFLOW}`,
    );
  }
  throw new BackendUnavailableError(
    'tensorflow',
    `backend 'tensorflow' is not available: ${failures.join('; ')}. This usually means the native addon or ` +
      'libtensorflow is missing because the install step could not download it, or this platform or Node ' +
      `version is not supported. Reinstall with network access (\`npm rebuild @tensorflow/tfjs-node\`). ${INSTALL_TENSORFLOW}`,
    firstError === undefined ? undefined : { cause: firstError },
  );
}

interface WasmModule {
  setWasmPaths(prefix: string): void;
  getThreadsCount?: () => number;
}

function isWasmModule(value: unknown): value is WasmModule {
  return typeof value === 'object' && value !== null && typeof (value as Partial<WasmModule>).setWasmPaths === 'function';
}

/** The folder holding the installed tfjs-backend-wasm's `.wasm` binaries, with a trailing separator. */
export function defaultWasmPath(): string {
  const require = createRequire(import.meta.url);
  return path.dirname(require.resolve(WASM_PACKAGE)) + path.sep;
}

async function useWasm(context: Context): Promise<SelectedBackend> {
  let module: unknown;
  try {
    module = await context.importModule(WASM_PACKAGE);
  } catch (error) {
    throw new BackendUnavailableError(
      'wasm',
      `backend 'wasm' is not available: ${WASM_PACKAGE} could not be loaded (${messageOf(error)}). ` +
        `Install it with \`npm install ${WASM_PACKAGE}\` (it is a dependency of @lmreg/train, so a clean \`npm install\` should bring it).`,
      { cause: error },
    );
  }
  if (!isWasmModule(module)) {
    throw new BackendUnavailableError('wasm', `backend 'wasm' is not available: ${WASM_PACKAGE} has no setWasmPaths export.`);
  }
  let wasmPath = context.wasmPath;
  if (!isInitialised('wasm')) {
    try {
      wasmPath ??= defaultWasmPath();
      module.setWasmPaths(wasmPath);
    } catch (error) {
      throw new BackendUnavailableError(
        'wasm',
        `backend 'wasm' is not available: cannot locate its .wasm binaries (${messageOf(error)}). ` +
          `Reinstall ${WASM_PACKAGE}, or pass the folder that holds tfjs-backend-wasm*.wasm as wasmPath.`,
        { cause: error },
      );
    }
  }
  if (!(await activate('wasm'))) {
    throw new BackendUnavailableError(
      'wasm',
      `backend 'wasm' failed to initialise${wasmPath === undefined ? '' : ` (its .wasm binaries were looked up in ${wasmPath})`}. ` +
        `Check that ${WASM_PACKAGE} is installed completely (its dist folder holds tfjs-backend-wasm*.wasm), ` +
        'or use --backend cpu.',
    );
  }
  registerTrainingKernels('wasm');
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const threads = module.getThreadsCount?.() ?? 1;
  const reason = `${WASM_PACKAGE}: XNNPACK, SIMD ${simd === true ? 'on' : 'off'}, ${threads} thread${threads === 1 ? '' : 's'}, with lmreg's training kernels`;
  context.log(`backend: using wasm (${reason})`);
  return { name: 'wasm', reason };
}

async function useCpu(context: Context): Promise<SelectedBackend> {
  try {
    await context.importModule(CPU_PACKAGE);
  } catch (error) {
    throw new BackendUnavailableError(
      'cpu',
      `backend 'cpu' is not available: ${CPU_PACKAGE} could not be loaded (${messageOf(error)}). ` + `Install it with \`npm install ${CPU_PACKAGE}\`.`,
      { cause: error },
    );
  }
  if (!(await activate('cpu'))) {
    throw new BackendUnavailableError('cpu', `backend 'cpu' failed to initialise.`);
  }
  registerTrainingKernels('cpu');
  const reason = `${CPU_PACKAGE}: pure JavaScript, a correctness reference (far slower than wasm for training)`;
  context.log(`backend: using cpu (${reason})`);
  return { name: 'cpu', reason };
}

const NATIVE_PACKAGE = '@lmreg/tfjs-native';

/** What `useNative` needs from @lmreg/tfjs-native. */
interface NativeModule {
  registerNativeKernels: () => readonly string[];
  setNativeThreads?: (count: number) => void;
  getNativeThreads?: () => number;
}

/**
 * The cpu backend with @lmreg/tfjs-native's kernels (oneDNN convolutions, pooling, matmul, batch
 * norm; native element-wise ops and reductions) registered over the stock ones.
 */
async function useNative(context: Context): Promise<SelectedBackend> {
  if (context.threads !== undefined && (!Number.isInteger(context.threads) || context.threads < 1)) {
    throw new InvalidArgumentError(`threads must be an integer >= 1, got ${String(context.threads)}.`);
  }
  await useCpu({ ...context, log: () => undefined });
  let registered: readonly string[];
  let threads: number | undefined;
  try {
    const mod = (await context.importModule(NATIVE_PACKAGE)) as NativeModule;
    registered = mod.registerNativeKernels();
    if (context.threads !== undefined) mod.setNativeThreads?.(context.threads);
    threads = mod.getNativeThreads?.();
  } catch (error) {
    const missing = isMissingPackage(error, NATIVE_PACKAGE);
    throw new BackendUnavailableError(
      'native',
      `backend 'native' is not available: ${missing ? `${NATIVE_PACKAGE} is not installed` : messageOf(error)}. ` +
        `It needs oneDNN and a C++ toolchain: \`apt-get install libdnnl-dev g++ make python3\`, then ` +
        `\`npm install ${NATIVE_PACKAGE}\` and \`npm run build:native --prefix node_modules/${NATIVE_PACKAGE}\` ` +
        `(in the lmreg repository: \`bash .ci/native.sh\`). Or use --backend wasm.`,
      { cause: error },
    );
  }
  const threadText = threads === undefined ? '' : `, ${threads} thread${threads === 1 ? '' : 's'}`;
  const reason = `${NATIVE_PACKAGE}: cpu backend with ${registered.length} native kernels (${registered.slice(0, 3).join(', ')}${registered.length > 3 ? ', ...' : ''}; oneDNN convolutions, pooling, matmul, batch norm, native element-wise ops and reductions)${threadText}`;
  context.log(`backend: using native (${reason})`);
  return threads === undefined ? { name: 'native', reason } : { name: 'native', reason, threads };
}

async function useAuto(context: Context): Promise<SelectedBackend> {
  const skipped: string[] = [];
  for (const attempt of [useTensorflow, useNative, useWasm, useCpu]) {
    try {
      const selected = await attempt(context);
      const why = skipped.length === 0 ? 'the fastest kind present' : `because ${skipped.join('; ')}`;
      return { ...selected, reason: `auto: picked '${selected.name}' ${why} (${selected.reason})` };
    } catch (error) {
      if (!(error instanceof BackendUnavailableError)) throw error;
      const summary =
        error.backend === 'tensorflow' && error.message.includes('is not installed')
          ? `tensorflow is not installed (${TENSORFLOW_PACKAGES.join(' / ')})`
          : error.backend === 'native' && error.message.includes('is not installed')
            ? `native is not installed (${NATIVE_PACKAGE})`
            : `${error.backend} is unavailable (${error.message.split('. ')[0] ?? error.message})`;
      context.log(`backend: auto skips ${summary}`);
      skipped.push(summary);
    }
  }
  throw new BackendUnavailableError(
    'auto',
    `no TensorFlow.js backend could be initialised: ${skipped.join('; ')}. ` +
      `Install @tensorflow/tfjs-backend-wasm (normally installed with @lmreg/train) or ${INSTALL_TENSORFLOW}`,
  );
}
