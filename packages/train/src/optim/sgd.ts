import { InvalidArgumentError } from '@lmreg/common';
import * as tf from '@tensorflow/tfjs-core';

import { clipGradNorm } from './clip.js';

/**
 * @lmreg/tfjs-native's multi-tensor kernel (registered for the cpu backend by
 * `registerNativeKernels()`, i.e. on `--backend native`): global-norm clip plus this SGD update of
 * every variable in one call. Inputs `g<i>`, `w<i>`, optional `m<i>`; attrs `{count, lr, momentum,
 * weightDecay, dampening, nesterov, maxNorm}`; outputs `[norm, new values..., new momentum
 * buffers...]` (see that package). Called by name: this package does not import it.
 */
const FUSED_CLIP_SGD = 'LmregClipSgd';

/** Options of {@link createSgd}. */
export interface SgdOptions {
  /** Momentum factor. Default 0.9. */
  readonly momentum?: number;
  /** Coupled (L2) weight decay added to the gradient, as PyTorch's SGD. Default 5e-4. */
  readonly weightDecay?: number;
  /** Nesterov momentum. Default false (NB201's own training configs set it; pass true to match). */
  readonly nesterov?: boolean;
  /** Dampening of the momentum update. Default 0; must be 0 with Nesterov. */
  readonly dampening?: number;
  /**
   * Use the active backend's fused multi-tensor kernel `LmregClipSgd` when it has one
   * (@lmreg/tfjs-native, `--backend native`): the clip and the update of every variable in one
   * kernel call instead of about 9 per variable. Default true. The composite tfjs ops used
   * otherwise compute the same float32 operations; only the global norm's partial sums may be
   * added in another order.
   */
  readonly fused?: boolean;
}

/** Checkpointable state of an {@link SgdOptimizer}: momentum buffers by variable key, flattened. */
export interface SgdState {
  readonly momentum: Readonly<Record<string, Float32Array>>;
}

function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) {
    throw new InvalidArgumentError(`SGD option '${name}' must be a finite number >= 0, got ${String(value)}.`);
  }
  return value;
}

/**
 * SGD with momentum, PyTorch semantics (`torch.optim.SGD`): for each variable with a gradient g,
 * `d = g + weightDecay * w`; `buf = d` on its first step, else `buf = momentum * buf + (1 - dampening) * d`;
 * `d = nesterov ? d + momentum * buf : buf`; `w -= lr * d`.
 *
 * State is keyed by the variable's stable key (not by position), so paths that change from step to
 * step are fine, and a variable without a gradient in a step is left exactly as it is: no decay,
 * no momentum (PyTorch's `zero_grad(set_to_none=True)` behaviour). Owns its momentum buffers
 * (free them with {@link SgdOptimizer.dispose}).
 */
export class SgdOptimizer {
  readonly momentum: number;
  readonly weightDecay: number;
  readonly nesterov: boolean;
  readonly dampening: number;
  /** Whether the fused kernel is used where the backend has it (see {@link SgdOptions.fused}). */
  readonly fused: boolean;
  readonly #buffers = new Map<string, tf.Tensor>();

  constructor(options: SgdOptions = {}) {
    this.momentum = nonNegative('momentum', options.momentum ?? 0.9);
    this.weightDecay = nonNegative('weightDecay', options.weightDecay ?? 5e-4);
    this.dampening = nonNegative('dampening', options.dampening ?? 0);
    this.nesterov = options.nesterov ?? false;
    this.fused = options.fused ?? true;
    if (this.nesterov && (this.momentum <= 0 || this.dampening !== 0)) {
      throw new InvalidArgumentError('Nesterov SGD needs momentum > 0 and dampening 0 (as PyTorch).');
    }
  }

  /**
   * One update of the variables that have a gradient.
   *
   * @param grads gradients by variable key (e.g. already clipped); not disposed.
   * @param variables the network's variables by key (e.g. `net.allVariables()`); every key of
   *   `grads` must be there with the same shape.
   * @param lr learning rate of this step.
   */
  applyGradients(grads: Readonly<Record<string, tf.Tensor>>, variables: ReadonlyMap<string, tf.Variable>, lr: number): void {
    const entries = this.#check(grads, variables, lr);
    if (this.#canFuse(entries, variables)) this.#fusedUpdate(entries, variables, lr, Infinity).dispose();
    else this.#compositeUpdate(entries, variables, lr);
  }

  /**
   * Global-norm gradient clipping ({@link clipGradNorm}: every gradient scaled by
   * `min(1, maxNorm / (norm + 1e-6))`) followed by {@link SgdOptimizer.applyGradients} with the
   * clipped gradients. On a backend with the fused kernel (`--backend native`) both are one kernel
   * call for all variables; elsewhere, the composite tfjs ops.
   *
   * @param grads gradients by variable key, before clipping; not disposed.
   * @param variables as for `applyGradients`.
   * @param lr learning rate of this step.
   * @param maxNorm largest allowed global norm; `Infinity` only measures it.
   * @returns the global L2 norm of `grads` before clipping, a new scalar the caller owns.
   */
  clipAndApplyGradients(grads: Readonly<Record<string, tf.Tensor>>, variables: ReadonlyMap<string, tf.Variable>, lr: number, maxNorm: number): tf.Scalar {
    if (Number.isNaN(maxNorm) || maxNorm <= 0) {
      throw new InvalidArgumentError(`clipAndApplyGradients needs maxNorm > 0 (or Infinity), got ${String(maxNorm)}.`);
    }
    const entries = this.#check(grads, variables, lr);
    if (this.#canFuse(entries, variables)) return this.#fusedUpdate(entries, variables, lr, maxNorm);
    const clipped = clipGradNorm(grads, maxNorm);
    try {
      this.#compositeUpdate(Object.entries(clipped.grads), variables, lr);
    } finally {
      tf.dispose(Object.values(clipped.grads));
    }
    return clipped.norm;
  }

  /** Validates a step's arguments; returns the gradients' entries. */
  #check(grads: Readonly<Record<string, tf.Tensor>>, variables: ReadonlyMap<string, tf.Variable>, lr: number): [string, tf.Tensor][] {
    if (!Number.isFinite(lr) || lr < 0) throw new InvalidArgumentError(`learning rate must be a finite number >= 0, got ${String(lr)}.`);
    const entries = Object.entries(grads);
    for (const [key, grad] of entries) {
      const variable = variables.get(key);
      if (variable === undefined) throw new InvalidArgumentError(`SGD: gradient for unknown variable '${key}'.`);
      if (!tf.util.arraysEqual(grad.shape, variable.shape)) {
        throw new InvalidArgumentError(`SGD: gradient of '${key}' has shape [${grad.shape.join(', ')}], the variable [${variable.shape.join(', ')}].`);
      }
      const old = this.#buffers.get(key);
      if (old !== undefined && old.size !== variable.size) {
        throw new InvalidArgumentError(
          `SGD: momentum buffer of '${key}' has ${old.size} values, the variable ${variable.size}; was the state loaded for another network?`,
        );
      }
    }
    return entries;
  }

  /** True when this step can run as one `LmregClipSgd` kernel call. */
  #canFuse(entries: readonly [string, tf.Tensor][], variables: ReadonlyMap<string, tf.Variable>): boolean {
    if (!this.fused || entries.length === 0 || tf.getKernel(FUSED_CLIP_SGD, tf.getBackend()) === undefined) return false;
    return entries.every(([key, grad]) => grad.dtype === 'float32' && variables.get(key)?.dtype === 'float32');
  }

  /** The clip and the update of every entry as one kernel call; returns the norm before clipping. */
  #fusedUpdate(entries: readonly [string, tf.Tensor][], variables: ReadonlyMap<string, tf.Variable>, lr: number, maxNorm: number): tf.Scalar {
    const { momentum, weightDecay, nesterov, dampening } = this;
    const inputs: tf.NamedTensorMap = {};
    entries.forEach(([key, grad], i) => {
      inputs[`g${i}`] = grad;
      inputs[`w${i}`] = variables.get(key) as tf.Variable;
      const old = momentum !== 0 ? this.#buffers.get(key) : undefined;
      if (old !== undefined) inputs[`m${i}`] = old;
    });
    const attrs = { count: entries.length, lr, momentum, weightDecay, dampening, nesterov, maxNorm };
    const outputs = tf.engine().runKernel(FUSED_CLIP_SGD, inputs, attrs as never) as tf.Tensor[];
    const count = entries.length;
    entries.forEach(([key], i) => {
      const value = outputs[1 + i] as tf.Tensor;
      (variables.get(key) as tf.Variable).assign(value);
      value.dispose(); // the variable holds its own reference to the data now
      if (momentum !== 0) {
        const buf = tf.keep(outputs[1 + count + i] as tf.Tensor);
        this.#buffers.get(key)?.dispose();
        this.#buffers.set(key, buf);
      }
    });
    return outputs[0] as tf.Scalar;
  }

  /** The update in tfjs ops, one variable at a time. */
  #compositeUpdate(entries: readonly [string, tf.Tensor][], variables: ReadonlyMap<string, tf.Variable>, lr: number): void {
    const { momentum, weightDecay, nesterov, dampening } = this;
    tf.tidy(() => {
      for (const [key, grad] of entries) {
        const variable = variables.get(key) as tf.Variable;
        let d: tf.Tensor = weightDecay !== 0 ? tf.add(grad, tf.mul(variable, weightDecay)) : grad;
        if (momentum !== 0) {
          const old = this.#buffers.get(key);
          const buf = tf.keep(
            old === undefined ? tf.clone(d) : tf.add(tf.mul(tf.reshape(old, variable.shape), momentum), dampening === 0 ? d : tf.mul(d, 1 - dampening)),
          );
          old?.dispose();
          this.#buffers.set(key, buf);
          d = nesterov ? tf.add(d, tf.mul(buf, momentum)) : buf;
        }
        variable.assign(tf.sub(variable, tf.mul(d, lr)));
      }
    });
  }

  /** Momentum buffers by key, as copies (flattened row-major). */
  state(): SgdState {
    const momentum: Record<string, Float32Array> = {};
    for (const [key, buf] of this.#buffers) momentum[key] = new Float32Array(buf.dataSync() as Float32Array);
    return { momentum };
  }

  /** Replaces all momentum buffers with copies of `state`'s (shapes are checked at the next step). */
  loadState(state: SgdState): void {
    if (typeof state !== 'object' || state === null || typeof state.momentum !== 'object' || state.momentum === null) {
      throw new InvalidArgumentError('SGD loadState needs { momentum: Record<string, Float32Array> }.');
    }
    for (const [key, values] of Object.entries(state.momentum)) {
      if (!(values instanceof Float32Array)) throw new InvalidArgumentError(`SGD loadState: momentum of '${key}' is not a Float32Array.`);
    }
    this.#clear();
    for (const [key, values] of Object.entries(state.momentum)) this.#buffers.set(key, tf.tensor1d(values.slice(), 'float32'));
  }

  /** Frees the momentum buffers; the optimizer starts afresh if used again. */
  dispose(): void {
    this.#clear();
  }

  #clear(): void {
    for (const buf of this.#buffers.values()) buf.dispose();
    this.#buffers.clear();
  }
}

/** Creates an {@link SgdOptimizer} (defaults: momentum 0.9, weight decay 5e-4, no Nesterov). */
export function createSgd(options: SgdOptions = {}): SgdOptimizer {
  return new SgdOptimizer(options);
}
