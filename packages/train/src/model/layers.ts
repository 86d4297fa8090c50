import * as tf from '@tensorflow/tfjs-core';

/** Batch-norm epsilon (PyTorch's default). */
export const BATCH_NORM_EPSILON = 1e-5;

/**
 * Batch norm with the batch's own statistics (biased variance, as PyTorch normalises in training
 * mode), affine: `gamma * (x - mean) / sqrt(var + eps) + beta`, statistics over N, H, W.
 * Gradients flow through the statistics. Written with broadcasting rather than `tf.batchNorm`
 * (whose gradient tiles).
 *
 * @param x NHWC `[n, h, w, c]`; `gamma`, `beta` `[c]`. Returns a new tensor; inputs are not disposed.
 * @internal
 */
export function batchNormBatchStats(x: tf.Tensor4D, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor4D {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, [0, 1, 2]);
    const scale = tf.mul(gamma, tf.rsqrt(tf.add(variance, BATCH_NORM_EPSILON)));
    return tf.add(tf.mul(x, scale), tf.sub(beta, tf.mul(mean, scale))) as tf.Tensor4D;
  });
}

/**
 * `conv2d` with PyTorch-style symmetric zero padding `pad` on H and W (TF's 'same' pads
 * asymmetrically for stride 2, which would shift the windows by one pixel).
 *
 * @param filter `[kh, kw, in, out]`. Returns a new tensor.
 * @internal
 */
export function conv2dTorch(x: tf.Tensor4D, filter: tf.Tensor, stride: number, pad: number): tf.Tensor4D {
  const k = filter.shape[0] ?? 1;
  // For stride 1 and pad (k - 1) / 2, 'same' is identical and the most widely supported form.
  const padding = pad === 0 ? 'valid' : stride === 1 && 2 * pad === k - 1 ? 'same' : pad;
  return tf.conv2d(x, filter as tf.Tensor4D, stride, padding);
}

/**
 * NB201's ReLU-Conv-BN: `BN(conv(relu(x)))`, conv without bias, padding `(k - 1) / 2`.
 * @internal
 */
export function reluConvBn(
  x: tf.Tensor4D,
  filter: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  stride: number,
): tf.Tensor4D {
  return tf.tidy(() => {
    const k = filter.shape[0] ?? 1;
    return batchNormBatchStats(conv2dTorch(tf.relu(x), filter, stride, (k - 1) / 2), gamma, beta);
  });
}

/** `9 / (number of in-image pixels of the 3x3 window)` at every output position, `[h * w]`. */
function excludePadScale(h: number, w: number): Float32Array {
  const out = new Float32Array(h * w);
  for (let r = 0; r < h; r++) {
    const rows = Math.min(r + 1, h - 1) - Math.max(r - 1, 0) + 1;
    for (let c = 0; c < w; c++) {
      const cols = Math.min(c + 1, w - 1) - Math.max(c - 1, 0) + 1;
      out[r * w + c] = 9 / (rows * cols);
    }
  }
  return out;
}

/**
 * 3x3 average pool, stride 1, padding 1, `count_include_pad=False` (NB201's `avg_pool_3x3`:
 * `nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)`): each output is the mean of
 * the in-image pixels of its window (4 at a corner, 6 on an edge, 9 inside).
 *
 * tfjs's `avgPool(x, 3, 1, 'same')` already excludes padding in its forward pass, but its
 * gradient (cpu backend `AvgPoolGrad`) divides by 9 everywhere, which is wrong at the border. This
 * version zero-pads, takes the 'valid' 3x3 mean (exact gradient) and rescales by `9 / count`.
 *
 * @param x NHWC. Returns a new tensor of the same shape; `x` is not disposed.
 * @internal
 */
export function avgPool3x3ExcludePad(x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [, h, w] = x.shape;
    const padded = tf.pad(x, [
      [0, 0],
      [1, 1],
      [1, 1],
      [0, 0],
    ]);
    const mean9 = tf.avgPool(padded, 3, 1, 'valid');
    return tf.mul(mean9, tf.tensor4d(excludePadScale(h, w), [1, h, w, 1])) as tf.Tensor4D;
  });
}
