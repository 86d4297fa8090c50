import { InvalidArgumentError } from '@lmreg/common';
import { ensureGradients } from '@lmreg/core';
import * as tf from '@tensorflow/tfjs-core';

import type { SgdOptimizer } from '../optim/sgd.js';
import type { Network } from './network.js';

/** @lmreg/tfjs-native's fused form (one kernel forward, one backward), called by name when the backend has it. */
const FUSED_SOFTMAX_CROSS_ENTROPY = 'LmregSoftmaxCrossEntropy';

/**
 * Mean softmax cross-entropy of `logits` `[batch, classes]` against integer `labels` `[batch]`.
 * Returns a new scalar; inputs are not disposed. Labels outside `[0, classes)` contribute 0.
 * On `--backend native` it is one kernel each way (`LmregSoftmaxCrossEntropy`) instead of about
 * 13 forward and 20 backward; the same function.
 */
export function softmaxCrossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  if (
    logits.dtype === 'float32' &&
    (labels.dtype === 'int32' || labels.dtype === 'float32') &&
    tf.getKernel(FUSED_SOFTMAX_CROSS_ENTROPY, tf.getBackend()) !== undefined &&
    tf.getKernel(`${FUSED_SOFTMAX_CROSS_ENTROPY}Grad`, tf.getBackend()) !== undefined
  ) {
    return tf.engine().runKernel(FUSED_SOFTMAX_CROSS_ENTROPY, { logits, labels }) as tf.Scalar;
  }
  return tf.tidy(() => {
    const classes = logits.shape[1];
    // tfjs-backend-wasm 4.22's OneHot ignores the dtype argument and writes int32 bits into a
    // float32 tensor; build it as int32 and cast, which is right on every backend.
    const oneHot = tf.cast(tf.oneHot(tf.cast(labels, 'int32'), classes), 'float32');
    return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, tf.logSoftmax(logits)), 1))) as tf.Scalar;
  });
}

/** Arguments of {@link trainStep}. */
export interface TrainStepOptions<A> {
  readonly net: Network<A>;
  /** The path trained by the cross-entropy term. */
  readonly arch: A;
  /** Images, NHWC `[batch, h, w, c]`. Not disposed. */
  readonly x: tf.Tensor4D;
  /** Integer class labels `[batch]`. Not disposed. */
  readonly y: tf.Tensor1D;
  readonly optimizer: SgdOptimizer;
  /** Learning rate of this step (e.g. from `cosineLr`). */
  readonly lr: number;
  /**
   * Optional extra differentiable loss added to the cross-entropy before the single gradient
   * computation (e.g. the landmark ranking term). Called synchronously inside the gradient scope;
   * it may run `net.forward` on other architectures and other batches. Must return a scalar; every
   * tensor it creates is freed by `trainStep`.
   */
  readonly extraLoss?: (net: Network<A>) => tf.Scalar;
  /** Global gradient-norm clip (PyTorch `clip_grad_norm_`). Default 5; `Infinity` disables. */
  readonly clipNorm?: number;
}

/** Plain-number outcome of {@link trainStep}. */
export interface TrainStepResult {
  /** Cross-entropy of `arch` on the batch, before the update. */
  readonly loss: number;
  /** Value of the extra loss term (0 without one). */
  readonly extraLoss: number;
  /** Global gradient norm before clipping. */
  readonly gradNorm: number;
}

/**
 * One training step: forward of `arch` on `(x, y)`, softmax cross-entropy plus the optional
 * extra term, ONE gradient computation over all the network's variables, one global clip, one
 * optimizer step (`optimizer.clipAndApplyGradients`: a single kernel call on `--backend native`). Variables that got no gradient (off every path used in the step) are not
 * touched. Leaks no tensors.
 */
export function trainStep<A>(options: TrainStepOptions<A>): TrainStepResult {
  const { net, arch, x, y, optimizer, lr, extraLoss } = options;
  const clipNorm = options.clipNorm ?? 5;
  if (!ensureGradients()) throw new InvalidArgumentError('tfjs gradients are not registered; cannot train.');
  if (y.rank !== 1 || y.shape[0] !== x.shape[0]) {
    throw new InvalidArgumentError(`labels must be [batch] = [${x.shape[0]}], got [${y.shape.join(', ')}].`);
  }
  if (!Number.isFinite(lr) || lr < 0) throw new InvalidArgumentError(`trainStep: lr must be a finite number >= 0, got ${String(lr)}.`);
  if (Number.isNaN(clipNorm) || clipNorm <= 0) {
    throw new InvalidArgumentError(`trainStep: clipNorm must be > 0 (or Infinity), got ${String(clipNorm)}.`);
  }
  const variables = net.allVariables();
  const varList = [...variables.values()].filter((v) => v.trainable);
  const byName = new Map(varList.map((v) => [v.name, v] as const));
  if (varList.length === 0) throw new InvalidArgumentError('trainStep: the network has no trainable variables.');
  let ce: tf.Scalar | undefined;
  let extra: tf.Scalar | undefined;
  // An exception thrown inside tf.variableGrads would leak every tensor the tape saved for the
  // backward pass; so failures inside the loss are caught, a dummy loss finishes the gradient
  // computation (which frees the tape), and the error is rethrown before any update.
  let failure: { error: unknown } | undefined;
  let summary: tf.Tensor1D;
  try {
    summary = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => {
        try {
          const logits = net.forward(arch, x, { training: true });
          const c = softmaxCrossEntropy(logits, y);
          ce = tf.keep(c);
          if (extraLoss === undefined) return c;
          const e = extraLoss(net);
          if (!(e instanceof tf.Tensor) || e.rank !== 0) {
            throw new InvalidArgumentError('trainStep: extraLoss must return a scalar tensor.');
          }
          extra = tf.keep(e);
          return tf.add(c, e) as tf.Scalar;
        } catch (error) {
          failure = { error };
          return tf.mul(tf.sum(varList[0] as tf.Variable), 0) as tf.Scalar;
        }
      }, varList);
      if (failure !== undefined) throw failure.error; // the enclosing tidy frees value and grads
      const byKey: Record<string, tf.Tensor> = {};
      for (const [name, grad] of Object.entries(grads)) {
        const variable = byName.get(name);
        const key = variable === undefined ? undefined : net.keyOf(variable);
        if (key === undefined) throw new InvalidArgumentError(`internal: gradient for unknown variable '${name}'.`);
        byKey[key] = grad;
      }
      // One fused kernel call on `--backend native` (LmregClipSgd), the composite ops elsewhere.
      const norm = optimizer.clipAndApplyGradients(byKey, variables, lr, clipNorm);
      return tf.stack([value, ce as tf.Scalar, extra ?? tf.scalar(0), norm]) as tf.Tensor1D;
    });
  } finally {
    tf.dispose([ce as tf.Scalar, extra as tf.Scalar].filter((t) => t !== undefined));
  }
  const values = summary.dataSync();
  summary.dispose();
  return { loss: values[1] ?? NaN, extraLoss: values[2] ?? NaN, gradNorm: values[3] ?? NaN };
}

/** One evaluation batch: images NHWC and integer labels `[batch]`. */
export interface LabelledBatch {
  readonly x: tf.Tensor4D;
  readonly y: tf.Tensor1D;
}

/** Plain-number outcome of {@link evaluate}. */
export interface EvaluateResult {
  /** Mean cross-entropy per example. */
  readonly loss: number;
  /** Fraction of examples whose arg-max logit is the label, in [0, 1]. */
  readonly accuracy: number;
  /** Number of examples seen. */
  readonly count: number;
}

/**
 * Runs `arch` over `batches` (batch statistics in every batch norm, no recalibration) and returns
 * the example-weighted mean loss and accuracy. Batches are not disposed; nothing leaks.
 */
export function evaluate<A>(net: Network<A>, arch: A, batches: Iterable<LabelledBatch>): EvaluateResult {
  let lossSum = 0;
  let correct = 0;
  let count = 0;
  for (const { x, y } of batches) {
    const n = x.shape[0];
    if (y.rank !== 1 || y.shape[0] !== n) {
      throw new InvalidArgumentError(`labels must be [batch] = [${n}], got [${y.shape.join(', ')}].`);
    }
    const stats = tf.tidy(() => {
      const logits = net.forward(arch, x, { training: false });
      const loss = tf.mul(softmaxCrossEntropy(logits, y), n);
      const hits = tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), tf.cast(y, 'int32')), 'float32'));
      return tf.stack([loss, hits]);
    });
    const [l, h] = stats.dataSync();
    stats.dispose();
    lossSum += l ?? NaN;
    correct += h ?? NaN;
    count += n;
  }
  if (count === 0) throw new InvalidArgumentError('evaluate needs at least one non-empty batch.');
  return { loss: lossSum / count, accuracy: correct / count, count };
}
