import { InvalidArgumentError } from '@lmreg/common';
import * as tf from '@tensorflow/tfjs-core';

/**
 * The scale- and shift-invariant loss of MiDaS (Ranftl et al., TPAMI 2020; the loss the paper's
 * depth search uses, Sec. 5.3): for every image, the scale `s` and shift `t` that minimise
 * `sum mask * (s * pred + t - target)^2` are solved in closed form (2x2 normal equations, as MiDaS'
 * `compute_scale_and_shift`, gradients flowing through `s` and `t`), then the loss is the mean
 * absolute error `|s * pred + t - target|` over all valid pixels of the batch (MiDaS' batch-based
 * reduction). An image whose prediction is constant over its valid pixels (singular system) gets
 * `s = 0` and `t` = the mean of its target.
 *
 * @param pred predictions `[batch, ...]` (e.g. `[batch, h, w]` or `[batch, h * w]`). Not disposed.
 * @param target targets, same shape. Not disposed.
 * @param mask optional 0/1 validity mask, same shape (default: every pixel valid). Not disposed.
 * @returns a scalar, owned by the caller; 0 when no pixel is valid.
 */
export function ssiLoss(pred: tf.Tensor, target: tf.Tensor, mask?: tf.Tensor): tf.Scalar {
  if (!(pred instanceof tf.Tensor) || !(target instanceof tf.Tensor) || pred.rank < 2) {
    throw new InvalidArgumentError('ssiLoss needs prediction and target tensors of shape [batch, ...].');
  }
  const same = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((d, i) => d === b[i]);
  if (!same(pred.shape, target.shape) || (mask !== undefined && !same(pred.shape, mask.shape))) {
    throw new InvalidArgumentError(
      `ssiLoss: prediction [${pred.shape.join(', ')}], target [${target.shape.join(', ')}]${mask === undefined ? '' : ` and mask [${mask.shape.join(', ')}]`} must have the same shape.`,
    );
  }
  return tf.tidy(() => {
    const batch = pred.shape[0] as number;
    const p = tf.reshape(tf.cast(pred, 'float32'), [batch, -1]);
    const d = tf.reshape(tf.cast(target, 'float32'), [batch, -1]);
    const m = mask === undefined ? tf.onesLike(p) : tf.reshape(tf.cast(mask, 'float32'), [batch, -1]);
    const a00 = tf.sum(tf.mul(m, tf.mul(p, p)), 1);
    const a01 = tf.sum(tf.mul(m, p), 1);
    const a11 = tf.sum(m, 1);
    const b0 = tf.sum(tf.mul(m, tf.mul(p, d)), 1);
    const b1 = tf.sum(tf.mul(m, d), 1);
    const det = tf.sub(tf.mul(a00, a11), tf.mul(a01, a01));
    // Relative threshold: det is a11^2 * variance of the valid predictions. `step` (zero gradient)
    // instead of a comparison, which has no gradient in tfjs.
    const regular = tf.step(tf.sub(det, tf.mul(1e-10, tf.add(tf.mul(a11, a00), 1e-30))));
    const irregular = tf.sub(1, regular);
    const safeDet = tf.add(tf.mul(det, regular), irregular);
    const safeCount = tf.maximum(a11, 1);
    const scale = tf.mul(regular, tf.div(tf.sub(tf.mul(a11, b0), tf.mul(a01, b1)), safeDet));
    const shift = tf.add(tf.mul(regular, tf.div(tf.sub(tf.mul(a00, b1), tf.mul(a01, b0)), safeDet)), tf.mul(irregular, tf.div(b1, safeCount)));
    const aligned = tf.add(tf.mul(p, tf.expandDims(scale, 1)), tf.expandDims(shift, 1));
    const total = tf.sum(tf.mul(m, tf.abs(tf.sub(aligned, d))));
    return tf.div(total, tf.maximum(tf.sum(m), 1)) as tf.Scalar;
  });
}
