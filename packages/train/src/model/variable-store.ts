import { createRng, InvalidArgumentError } from '@lmreg/common';
import * as tf from '@tensorflow/tfjs-core';

import type { SetWeightsOptions } from './network.js';

/** How a variable is initialised. */
export type Initializer =
  /** Kaiming normal, mode fan_out, ReLU gain: N(0, 2 / (outChannels * kh * kw)); shape `[kh, kw, in, out]`. */
  | { readonly kind: 'kaiming-normal-fan-out' }
  /** Uniform on `[-bound, bound]` (PyTorch's default for `nn.Linear` uses bound = 1/sqrt(fanIn)). */
  | { readonly kind: 'uniform'; readonly bound: number }
  | { readonly kind: 'constant'; readonly value: number };

let instanceCounter = 0;

/** FNV-1a, 32 bits. */
function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Seed of one variable's stream: depends only on the network seed and the key. */
function variableSeed(seed: number, key: string): number {
  return (Math.imul((seed | 0) ^ 0x9e3779b9, 0x85ebca6b) ^ hashString(key)) >>> 0;
}

function initialValues(seed: number, key: string, shape: readonly number[], init: Initializer): Float32Array {
  const size = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(size);
  if (init.kind === 'constant') {
    out.fill(init.value);
    return out;
  }
  const rng = createRng(variableSeed(seed, key));
  if (init.kind === 'uniform') {
    for (let i = 0; i < size; i++) out[i] = (2 * rng.float() - 1) * init.bound;
    return out;
  }
  if (shape.length !== 4) throw new InvalidArgumentError(`kaiming init needs a 4-d conv filter, got shape [${shape.join(', ')}] for '${key}'.`);
  const fanOut = (shape[0] ?? 1) * (shape[1] ?? 1) * (shape[3] ?? 1);
  const std = Math.sqrt(2 / fanOut);
  for (let i = 0; i < size; i++) out[i] = rng.normal() * std;
  return out;
}

/**
 * Owns the `tf.Variable`s of one network, keyed by stable keys. A variable's initial values depend
 * only on (seed, key), so creation order never changes the weights and a stand-alone network gets
 * the same initial weights as the super-net's copy of the same ops.
 *
 * @internal
 */
export class VariableStore {
  readonly #seed: number;
  readonly #prefix: string;
  readonly #variables = new Map<string, tf.Variable>();
  readonly #keyByEngineName = new Map<string, string>();
  #disposed = false;

  constructor(space: string, seed: number) {
    if (!Number.isSafeInteger(seed)) throw new InvalidArgumentError(`network seed must be an integer, got ${String(seed)}.`);
    this.#seed = seed;
    instanceCounter += 1;
    this.#prefix = `lmreg.${space}#${instanceCounter}/`;
  }

  /** Creates (once) the variable `key`. */
  create(key: string, shape: readonly number[], init: Initializer): tf.Variable {
    this.#assertLive();
    if (this.#variables.has(key)) throw new InvalidArgumentError(`variable '${key}' created twice.`);
    const values = initialValues(this.#seed, key, shape, init);
    const name = this.#prefix + key;
    const variable = tf.tidy(() => tf.variable(tf.tensor(values, [...shape], 'float32'), true, name));
    this.#variables.set(key, variable);
    this.#keyByEngineName.set(name, key);
    return variable;
  }

  has(key: string): boolean {
    return this.#variables.has(key);
  }

  get(key: string): tf.Variable {
    this.#assertLive();
    const v = this.#variables.get(key);
    if (v === undefined) throw new InvalidArgumentError(`this network has no variable '${key}'.`);
    return v;
  }

  /** Parameter count of `key` (0 when absent). */
  size(key: string): number {
    return this.#variables.get(key)?.size ?? 0;
  }

  all(): ReadonlyMap<string, tf.Variable> {
    this.#assertLive();
    return this.#variables;
  }

  keyOf(variable: tf.Variable): string | undefined {
    const key = this.#keyByEngineName.get(variable.name);
    return key !== undefined && this.#variables.get(key) === variable ? key : undefined;
  }

  getWeights(): Record<string, Float32Array> {
    this.#assertLive();
    const out: Record<string, Float32Array> = {};
    for (const [key, v] of this.#variables) out[key] = new Float32Array(v.dataSync() as Float32Array);
    return out;
  }

  setWeights(weights: Readonly<Record<string, Float32Array>>, options: SetWeightsOptions = {}): void {
    this.#assertLive();
    for (const [key, values] of Object.entries(weights)) {
      const v = this.#variables.get(key);
      if (v === undefined) throw new InvalidArgumentError(`setWeights: unknown weight '${key}' (not a variable of this network).`);
      if (!(values instanceof Float32Array) || values.length !== v.size) {
        throw new InvalidArgumentError(
          `setWeights: '${key}' needs a Float32Array of ${v.size} values (shape [${v.shape.join(', ')}]), got ${values instanceof Float32Array ? values.length : typeof values}.`,
        );
      }
    }
    if (options.allowMissing !== true) {
      const missing = [...this.#variables.keys()].filter((k) => !(k in weights));
      if (missing.length > 0) {
        throw new InvalidArgumentError(
          `setWeights: ${missing.length} weights missing (e.g. '${missing[0] ?? ''}'); pass { allowMissing: true } to load a subset.`,
        );
      }
    }
    for (const [key, values] of Object.entries(weights)) {
      const v = this.#variables.get(key) as tf.Variable;
      // Copy: the cpu backend would otherwise adopt the caller's array as the variable's storage.
      tf.tidy(() => v.assign(tf.tensor(values.slice(), v.shape, 'float32')));
    }
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const v of this.#variables.values()) v.dispose();
    this.#variables.clear();
    this.#keyByEngineName.clear();
  }

  #assertLive(): void {
    if (this.#disposed) throw new InvalidArgumentError('this network was disposed.');
  }
}
