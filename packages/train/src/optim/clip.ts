import { InvalidArgumentError } from '@lmreg/common';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Global L2 gradient-norm clipping with PyTorch's `clip_grad_norm_` semantics:
 * `norm = sqrt(sum of squares of all gradients)`, every gradient scaled by
 * `min(1, maxNorm / (norm + 1e-6))`.
 *
 * @param grads gradients by key; not disposed.
 * @param maxNorm largest allowed norm; `Infinity` only measures.
 * @returns new clipped gradients (same keys) and the norm before clipping; the caller owns all of them.
 */
export function clipGradNorm(grads: Readonly<Record<string, tf.Tensor>>, maxNorm: number): { grads: Record<string, tf.Tensor>; norm: tf.Scalar } {
  if (Number.isNaN(maxNorm) || maxNorm <= 0) {
    throw new InvalidArgumentError(`clipGradNorm needs maxNorm > 0 (or Infinity), got ${String(maxNorm)}.`);
  }
  return tf.tidy(() => {
    const entries = Object.entries(grads);
    const squares = entries.map(([, g]) => tf.sum(tf.square(g)));
    const norm = (squares.length === 0 ? tf.scalar(0) : tf.sqrt(tf.addN(squares))) as tf.Scalar;
    const out: Record<string, tf.Tensor> = {};
    if (maxNorm === Infinity) {
      for (const [key, g] of entries) out[key] = tf.clone(g);
    } else {
      const coef = tf.minimum(tf.div(tf.scalar(maxNorm), tf.add(norm, 1e-6)), 1);
      for (const [key, g] of entries) out[key] = tf.mul(g, coef);
    }
    return { grads: out, norm };
  });
}
