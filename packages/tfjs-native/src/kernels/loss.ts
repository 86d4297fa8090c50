import * as tf from '@tensorflow/tfjs-core';
import type { GradConfig, KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';

import { NativeKernelError } from '../errors.js';
import type { CpuBackendLike } from './conv2d.js';

/**
 * `{logits [batch, classes] float32, labels [batch] (int32, or float32 truncated to integers)}` ->
 * the mean softmax cross-entropy, a scalar: `-mean over the batch of logSoftmax(logits)[label]`,
 * a label outside `[0, classes)` contributing 0 (its one-hot row is zeros). This is
 * `@lmreg/train`'s `softmaxCrossEntropy` (`-mean(sum(oneHot(labels) * logSoftmax(logits), 1))`),
 * about 13 tfjs kernels forward and 20 backward, as one kernel each way. Rounding follows the
 * composite: logSoftmax's steps (shift by the row maximum, exp, sum, log) each rounded to float32;
 * sums in double. A row with a non-finite logSoftmax value gives NaN (0 * inf in the composite).
 * Its gradient is one `LmregSoftmaxCrossEntropyGrad`.
 */
export const SOFTMAX_CROSS_ENTROPY = 'LmregSoftmaxCrossEntropy';
/** `{dy (scalar), logits, labels}` -> dlogits = `dy * (softmax(logits) - oneHot(labels)) / batch` (0 rows for labels out of range). */
export const SOFTMAX_CROSS_ENTROPY_GRAD = 'LmregSoftmaxCrossEntropyGrad';

const f32 = Math.fround;

interface Problem {
  batch: number;
  classes: number;
  logits: Float32Array;
  labels: ArrayLike<number>;
}

function read(kernelName: string, backend: CpuBackendLike, logits: TensorInfo | undefined, labels: TensorInfo | undefined): Problem {
  if (logits === undefined || labels === undefined) throw new NativeKernelError(kernelName, 'needs inputs logits and labels');
  const [batch = 0, classes = 0] = logits.shape;
  if (logits.shape.length !== 2 || logits.dtype !== 'float32') {
    throw new NativeKernelError(kernelName, `logits must be a float32 [batch, classes] tensor, got ${logits.dtype} [${logits.shape.join(', ')}]`);
  }
  if (labels.shape.length !== 1 || labels.shape[0] !== batch || (labels.dtype !== 'int32' && labels.dtype !== 'float32')) {
    throw new NativeKernelError(kernelName, `labels must be an int32 or float32 [${batch}] tensor, got ${labels.dtype} [${labels.shape.join(', ')}]`);
  }
  const l = backend.data.get(logits.dataId).values;
  const y = backend.data.get(labels.dataId).values;
  if (!(l instanceof Float32Array) || !(y instanceof Int32Array || y instanceof Float32Array)) {
    throw new NativeKernelError(kernelName, 'the inputs have no numeric values on this backend');
  }
  return { batch, classes, logits: l, labels: y };
}

/** Label of row b as tfjs' cast to int32 gives it, or -1 when it selects no class. */
function labelOf(p: Problem, b: number): number {
  const v = Math.trunc(p.labels[b] ?? Number.NaN);
  return Number.isInteger(v) && v >= 0 && v < p.classes ? v : -1;
}

/** logSoftmax of row b into `out` (float32 steps, as tfjs' logSoftmax: x - max - log(sum(exp(x - max)))). */
function logSoftmaxRow(p: Problem, b: number, out: Float64Array): void {
  const row = b * p.classes;
  let max = Number.NEGATIVE_INFINITY;
  for (let c = 0; c < p.classes; c++) {
    const v = p.logits[row + c] as number;
    if (v > max || Number.isNaN(v)) max = Number.isNaN(max) ? max : v;
  }
  let sum = 0;
  for (let c = 0; c < p.classes; c++) {
    const shifted = f32((p.logits[row + c] as number) - max);
    out[c] = shifted;
    sum += f32(Math.exp(shifted));
  }
  const log = f32(Math.log(f32(sum)));
  for (let c = 0; c < p.classes; c++) out[c] = f32((out[c] as number) - log);
}

/** The cpu kernel of `LmregSoftmaxCrossEntropy`. */
export const softmaxCrossEntropyConfig: KernelConfig = {
  kernelName: SOFTMAX_CROSS_ENTROPY,
  backendName: 'cpu',
  kernelFunc: (args) => {
    const backend = args.backend as unknown as CpuBackendLike;
    const p = read(SOFTMAX_CROSS_ENTROPY, backend, args.inputs['logits'], args.inputs['labels']);
    const row = new Float64Array(p.classes);
    let total = 0;
    for (let b = 0; b < p.batch; b++) {
      logSoftmaxRow(p, b, row);
      const label = labelOf(p, b);
      if (!row.every(Number.isFinite)) total = Number.NaN;
      else if (label >= 0) total += row[label] as number;
    }
    // tfjs: Sum over classes (one nonzero term), Mean over the batch (in double, rounded once), Neg.
    const loss = p.batch === 0 ? Number.NaN : -f32(total / p.batch);
    return backend.makeTensorInfo([], 'float32', Float32Array.of(loss));
  },
};

/** The cpu kernel of `LmregSoftmaxCrossEntropyGrad`. */
export const softmaxCrossEntropyGradConfig: KernelConfig = {
  kernelName: SOFTMAX_CROSS_ENTROPY_GRAD,
  backendName: 'cpu',
  kernelFunc: (args) => {
    const backend = args.backend as unknown as CpuBackendLike;
    const dyInfo = args.inputs['dy'];
    const p = read(SOFTMAX_CROSS_ENTROPY_GRAD, backend, args.inputs['logits'], args.inputs['labels']);
    const dyValues = dyInfo === undefined ? undefined : backend.data.get(dyInfo.dataId).values;
    if (dyInfo === undefined || dyInfo.shape.length !== 0 || !(dyValues instanceof Float32Array)) {
      throw new NativeKernelError(SOFTMAX_CROSS_ENTROPY_GRAD, 'dy must be a float32 scalar');
    }
    // d(loss)/d(logSoftmax) = -dy / batch at the label (tfjs: Neg, Mean and Sum gradients), then
    // logSoftmax's gradient g - softmax * sum(g) with softmax = exp(logSoftmax).
    const scale = f32(f32(-(dyValues[0] as number)) / p.batch);
    const dx = new Float32Array(p.batch * p.classes);
    const row = new Float64Array(p.classes);
    for (let b = 0; b < p.batch; b++) {
      const label = labelOf(p, b);
      if (label < 0) continue;
      logSoftmaxRow(p, b, row);
      for (let c = 0; c < p.classes; c++) {
        const g = c === label ? scale : 0;
        dx[b * p.classes + c] = f32(g - f32(scale * f32(Math.exp(row[c] as number))));
      }
    }
    return backend.makeTensorInfo([p.batch, p.classes], 'float32', dx);
  },
};

/** The gradient of `LmregSoftmaxCrossEntropy` (one `LmregSoftmaxCrossEntropyGrad`; labels get zeros). */
export const softmaxCrossEntropyGradient: GradConfig = {
  kernelName: SOFTMAX_CROSS_ENTROPY,
  inputsToSave: ['logits', 'labels'],
  gradFunc: (dy, saved) => {
    const [logits, labels] = saved as [tf.Tensor, tf.Tensor];
    return {
      logits: () => tf.engine().runKernel(SOFTMAX_CROSS_ENTROPY_GRAD, { dy: dy as tf.Tensor, logits, labels }) as tf.Tensor,
      labels: () => tf.zerosLike(labels),
    };
  },
};
