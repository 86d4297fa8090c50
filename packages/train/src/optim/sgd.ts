import { InvalidArgumentError } from '@lmreg/common';
import * as tf from '@tensorflow/tfjs-core';

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
  readonly #buffers = new Map<string, tf.Tensor>();

  constructor(options: SgdOptions = {}) {
    this.momentum = nonNegative('momentum', options.momentum ?? 0.9);
    this.weightDecay = nonNegative('weightDecay', options.weightDecay ?? 5e-4);
    this.dampening = nonNegative('dampening', options.dampening ?? 0);
    this.nesterov = options.nesterov ?? false;
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
