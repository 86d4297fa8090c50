// Parts of the NB201 network that run as @lmreg/tfjs-native's fused kernels when the active
// backend has them (called by name: this package does not import that one), with the composite
// tfjs ops elsewhere.
import * as tf from '@tensorflow/tfjs-core';

import { BATCH_NORM_EPSILON, conv2dTorch, reluConvBn } from './layers.js';

/** @lmreg/tfjs-native's `LmregAddN` (its gradient saves no inputs), called by name when the backend has it. */
const FUSED_ADD_N = 'LmregAddN';

/**
 * `tf.addN(terms)`, as `LmregAddN` on `--backend native` (one saved-tensor clone fewer per term).
 * @internal
 */
export function sumOf(terms: tf.Tensor4D[]): tf.Tensor4D {
  if (terms.every((t) => t.dtype === 'float32') && tf.getKernel(FUSED_ADD_N, tf.getBackend()) !== undefined) {
    const inputs = Object.fromEntries(terms.map((t, i) => [`t${i}`, t]));
    return tf.engine().runKernel(FUSED_ADD_N, inputs, { count: terms.length } as never) as tf.Tensor4D;
  }
  return tf.addN(terms);
}

/** @lmreg/tfjs-native's fused residual reduction block (one kernel each way), called by name when the backend has it. */
const FUSED_RESIDUAL_REDUCTION = 'LmregResidualReduction';

/**
 * NB201's residual reduction block between stages (its `ResNetBasicblock`, stride 2):
 * `bn_b(conv_b(relu(bn_a(conv3x3/s2(relu(h)))))) + conv1x1(avgPool2x2(h))`, with the weights
 * `${prefix}.conv_a.conv`, `.conv_a.bn.{gamma,beta}`, `.conv_b...`, `.downsample.conv` read by `v`.
 * On `--backend native` it is one kernel forward and one backward (`LmregResidualReduction`)
 * instead of 5 + 8; the same function either way. `h` is NHWC with even height and width; not
 * disposed. Returns a new tensor.
 * @internal
 */
export function nb201ResidualReduction(h: tf.Tensor4D, v: (key: string) => tf.Variable, prefix: string): tf.Tensor4D {
  const backend = tf.getBackend();
  if (
    h.dtype === 'float32' &&
    tf.getKernel(FUSED_RESIDUAL_REDUCTION, backend) !== undefined &&
    tf.getKernel(`${FUSED_RESIDUAL_REDUCTION}Grad`, backend) !== undefined
  ) {
    const inputs = {
      x: h,
      filterA: v(`${prefix}.conv_a.conv`),
      gammaA: v(`${prefix}.conv_a.bn.gamma`),
      betaA: v(`${prefix}.conv_a.bn.beta`),
      filterB: v(`${prefix}.conv_b.conv`),
      gammaB: v(`${prefix}.conv_b.bn.gamma`),
      betaB: v(`${prefix}.conv_b.bn.beta`),
      filterDown: v(`${prefix}.downsample.conv`),
    };
    const [y, saved] = tf.engine().runKernel(FUSED_RESIDUAL_REDUCTION, inputs, { epsilon: BATCH_NORM_EPSILON } as never) as tf.Tensor4D[];
    saved?.dispose(); // the tape keeps its own reference when a gradient is being recorded
    return y as tf.Tensor4D;
  }
  return tf.tidy(() => {
    const a = reluConvBn(h, v(`${prefix}.conv_a.conv`), v(`${prefix}.conv_a.bn.gamma`), v(`${prefix}.conv_a.bn.beta`), 2);
    const b = reluConvBn(a, v(`${prefix}.conv_b.conv`), v(`${prefix}.conv_b.bn.gamma`), v(`${prefix}.conv_b.bn.beta`), 1);
    const shortcut = conv2dTorch(tf.avgPool(h, 2, 2, 'valid'), v(`${prefix}.downsample.conv`), 1, 0);
    return tf.add(shortcut, b);
  });
}
