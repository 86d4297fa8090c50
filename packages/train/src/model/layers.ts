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
  // @lmreg/tfjs-native's fused form (one oneDNN kernel forward, one backward) when the active backend has it.
  if (tf.getKernel('LmregBatchNormTrain', tf.getBackend()) !== undefined) {
    return tf.engine().runKernel('LmregBatchNormTrain', { x, gamma, beta }, { epsilon: BATCH_NORM_EPSILON }) as tf.Tensor4D;
  }
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, [0, 1, 2]);
    const scale = tf.mul(gamma, tf.rsqrt(tf.add(variance, BATCH_NORM_EPSILON)));
    return tf.add(tf.mul(x, scale), tf.sub(beta, tf.mul(mean, scale))) as tf.Tensor4D;
  });
}

/** True when the active backend has every one of these kernels (@lmreg/tfjs-native's fused ones, by name). */
function hasKernels(...names: string[]): boolean {
  const backend = tf.getBackend();
  return names.every((n) => tf.getKernel(n, backend) !== undefined);
}

/**
 * `max(x, 0)`. With @lmreg/tfjs-native's kernels (on `--backend native`) it is one kernel forward
 * and one backward (`LmregRelu`, `LmregReluGrad`) instead of tfjs-core's `dy * cast(step(x))`;
 * the same values and gradient either way.
 * @internal
 */
export function relu<T extends tf.Tensor>(x: T): T {
  if (x.dtype === 'float32' && hasKernels('LmregRelu', 'LmregReluGrad')) return tf.engine().runKernel('LmregRelu', { x }) as T;
  return tf.relu(x);
}

/** @lmreg/tfjs-native's exclude-padding average pool (one kernel each way), or undefined when the backend lacks it. */
function fusedAvgPool(x: tf.Tensor4D, k: number, stride: number, pad: number): tf.Tensor4D | undefined {
  if (x.dtype !== 'float32' || !hasKernels('LmregAvgPool', 'LmregAvgPoolGrad')) return undefined;
  return tf.engine().runKernel('LmregAvgPool', { x }, { filterSize: k, strides: stride, pad } as never) as tf.Tensor4D;
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
 * Runs one of @lmreg/tfjs-native's fused ReLU-conv-BN kernels (outputs `[y, z]`, z = the
 * pre-normalisation values, which only its gradient reads) as a custom-gradient op whose one output is y: with the
 * kernel's own two-output gradient, tfjs' backward pass would fill a zero `dz` of z's size for
 * every call (~100 MB of fresh zeroed memory per DARTS step). `names` are the kernel's inputs in
 * order (the last one `beta`); its gradient kernel `gradName` takes them without `beta`, with `dy`
 * and `z`, and returns their gradients in the same order, `beta`'s last.
 */
function runFusedConvBn(kernelName: string, gradName: string, names: readonly string[], inputs: tf.Tensor[], attrs: Record<string, number>): tf.Tensor4D {
  const allAttrs = { ...attrs, epsilon: BATCH_NORM_EPSILON } as never;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    const tensors = args as tf.Tensor[];
    const [y, z] = tf.engine().runKernel(kernelName, Object.fromEntries(names.map((n, i) => [n, tensors[i] as tf.Tensor])), allAttrs) as tf.Tensor4D[];
    save([...tensors.slice(0, -1), z as tf.Tensor]); // z itself is disposed with the op's scope
    return {
      value: y as tf.Tensor4D,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const gradInputs: tf.NamedTensorMap = { dy, z: saved[saved.length - 1] as tf.Tensor };
        names.slice(0, -1).forEach((n, i) => (gradInputs[n] = saved[i] as tf.Tensor));
        return tf.engine().runKernel(gradName, gradInputs, allAttrs) as tf.Tensor[];
      },
    };
  });
  return op(...inputs) as tf.Tensor4D;
}

/**
 * NB201's ReLU-Conv-BN: `BN(conv(relu(x)))`, conv without bias, padding `(k - 1) / 2`.
 * With @lmreg/tfjs-native's kernels (`--backend native`) it is one kernel forward and one backward
 * (`LmregReluConvBn`, `LmregReluConvBnGrad`) instead of 3 + 4; the same function either way.
 * @internal
 */
export function reluConvBn(x: tf.Tensor4D, filter: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, stride: number): tf.Tensor4D {
  const k = filter.shape[0] ?? 1;
  if (x.dtype === 'float32' && hasKernels('LmregReluConvBn', 'LmregReluConvBnGrad')) {
    return runFusedConvBn('LmregReluConvBn', 'LmregReluConvBnGrad', ['x', 'filter', 'gamma', 'beta'], [x, filter, gamma, beta], {
      strides: stride,
      pad: (k - 1) / 2,
    });
  }
  return tf.tidy(() => batchNormBatchStats(conv2dTorch(relu(x), filter, stride, (k - 1) / 2), gamma, beta));
}

/**
 * DARTS' ReLU + depthwise conv + pointwise (1x1) conv + BN: `dil_conv`, and each half of
 * `sep_conv`. The depthwise conv has PyTorch-style symmetric padding `pad`, `stride` and
 * `dilation` (see `depthwiseConvTorch`). With @lmreg/tfjs-native's kernels it is one kernel each
 * way (`LmregReluSepConvBn`, `LmregReluSepConvBnGrad`) instead of 4 + 5 (with dilation, 7 + 8).
 *
 * @param depthwise `[k, k, C, 1]`. @param pointwise `[1, 1, C, C_out]`. Returns a new tensor;
 *   inputs are not disposed.
 * @internal
 */
export function reluSepConvBn(
  x: tf.Tensor4D,
  depthwise: tf.Tensor,
  pointwise: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  stride: number,
  pad: number,
  dilation = 1,
): tf.Tensor4D {
  if (x.dtype === 'float32' && hasKernels('LmregReluSepConvBn', 'LmregReluSepConvBnGrad')) {
    const names = ['x', 'depthwiseFilter', 'pointwiseFilter', 'gamma', 'beta'];
    return runFusedConvBn('LmregReluSepConvBn', 'LmregReluSepConvBnGrad', names, [x, depthwise, pointwise, gamma, beta], { strides: stride, pad, dilation });
  }
  return tf.tidy(() => batchNormBatchStats(conv2dTorch(depthwiseConvTorch(relu(x), depthwise, stride, pad, dilation), pointwise, 1, 0), gamma, beta));
}

/**
 * DARTS' `FactorizedReduce`: `BN(concat(conv1(relu(x)), conv2(relu(x)[:, 1:, 1:])))`, both convs
 * 1x1 with stride 2 and no bias, the concat along channels (PyTorch's `conv_1(x)` and
 * `conv_2(x[:, :, 1:, 1:])`). With @lmreg/tfjs-native's kernels (and even h, w) it is one kernel
 * each way (`LmregFactorizedReduce`, `LmregFactorizedReduceGrad`) instead of 6 + 9.
 *
 * @param x NHWC. @param filter1, filter2 `[1, 1, C, C_out / 2]`. @param gamma, beta `[C_out]`.
 *   Returns a new tensor `[n, h / 2, w / 2, C_out]`; inputs are not disposed.
 * @internal
 */
export function factorizedReduce(x: tf.Tensor4D, filter1: tf.Tensor, filter2: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor4D {
  if (x.dtype === 'float32' && x.shape[1] % 2 === 0 && x.shape[2] % 2 === 0 && hasKernels('LmregFactorizedReduce', 'LmregFactorizedReduceGrad')) {
    const names = ['x', 'filter1', 'filter2', 'gamma', 'beta'];
    return runFusedConvBn('LmregFactorizedReduce', 'LmregFactorizedReduceGrad', names, [x, filter1, filter2, gamma, beta], {});
  }
  return tf.tidy(() => {
    const r = relu(x);
    const shifted = tf.slice(r, [0, 1, 1, 0], [-1, -1, -1, -1]);
    const a = tf.conv2d(r, filter1 as tf.Tensor4D, 2, 'valid');
    const b = tf.conv2d(shifted, filter2 as tf.Tensor4D, 2, 'valid');
    return batchNormBatchStats(tf.concat([a, b], 3), gamma, beta);
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
 * version zero-pads, takes the 'valid' 3x3 mean (exact gradient) and rescales by `9 / count`;
 * with @lmreg/tfjs-native's kernels it is one `LmregAvgPool` (and one `LmregAvgPoolGrad`) instead.
 *
 * @param x NHWC. Returns a new tensor of the same shape; `x` is not disposed.
 * @internal
 */
export function avgPool3x3ExcludePad(x: tf.Tensor4D): tf.Tensor4D {
  const fused = fusedAvgPool(x, 3, 1, 1);
  if (fused !== undefined) return fused;
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

/**
 * Max pool with PyTorch-style symmetric padding `pad` (padded cells never win): the window of
 * output `i` covers input rows `stride * i - pad .. stride * i - pad + k - 1`
 * (`nn.MaxPool2d(k, stride, pad)`). TF's 'same' pads asymmetrically for stride 2, hence this form.
 *
 * @param x NHWC. Returns a new tensor; `x` is not disposed.
 * @internal
 */
export function maxPoolTorch(x: tf.Tensor4D, k: number, stride: number, pad: number): tf.Tensor4D {
  // @lmreg/tfjs-native's MaxPool / MaxPoolGrad take the symmetric padding themselves (oneDNN never
  // picks a padded cell): one kernel each way instead of PadV2 + MaxPool and MaxPoolGrad + Slice.
  if (pad > 0 && pad < k && x.dtype === 'float32' && hasKernels('LmregRelu')) return tf.maxPool(x, k, stride, pad);
  return tf.tidy(() => {
    const padded =
      pad === 0
        ? x
        : tf.pad(
            x,
            [
              [0, 0],
              [pad, pad],
              [pad, pad],
              [0, 0],
            ],
            -1e30,
          );
    return tf.maxPool(padded, k, stride, 'valid');
  });
}

/** Number of in-image pixels of each output window along one axis. */
function windowCounts(size: number, k: number, stride: number, pad: number): number[] {
  const out = Math.floor((size + 2 * pad - k) / stride) + 1;
  return Array.from({ length: out }, (_, i) => {
    const start = i * stride - pad;
    return Math.min(start + k, size) - Math.max(start, 0);
  });
}

/**
 * Average pool with symmetric zero padding `pad` and `count_include_pad=False`
 * (`nn.AvgPool2d(k, stride, pad, count_include_pad=False)`): each output is the mean of the
 * in-image pixels of its window. Built from a 'valid' pool of the zero-padded input (exact
 * gradient) rescaled by `k*k / count`.
 *
 * @param x NHWC. Returns a new tensor; `x` is not disposed.
 * @internal
 */
export function avgPoolExcludePad(x: tf.Tensor4D, k: number, stride: number, pad: number): tf.Tensor4D {
  const fused = fusedAvgPool(x, k, stride, pad);
  if (fused !== undefined) return fused;
  return tf.tidy(() => {
    const [, h, w] = x.shape;
    if (pad === 0) return tf.avgPool(x, k, stride, 'valid');
    const padded = tf.pad(x, [
      [0, 0],
      [pad, pad],
      [pad, pad],
      [0, 0],
    ]);
    const mean = tf.avgPool(padded, k, stride, 'valid');
    const rows = windowCounts(h, k, stride, pad);
    const cols = windowCounts(w, k, stride, pad);
    const scale = new Float32Array(rows.length * cols.length);
    rows.forEach((r, i) => cols.forEach((c, j) => (scale[i * cols.length + j] = (k * k) / (r * c))));
    return tf.mul(mean, tf.tensor4d(scale, [1, rows.length, cols.length, 1])) as tf.Tensor4D;
  });
}

/**
 * Depthwise conv with PyTorch-style symmetric padding and optional dilation
 * (`nn.Conv2d(C, C, k, stride, pad, dilation, groups=C)`). tfjs's depthwise gradient rejects
 * dilation > 1, so a dilated conv is computed as `spaceToBatchND -> valid depthwise conv ->
 * batchToSpaceND` (every op has a gradient); stride 2 with dilation 2 keeps only the phase-(0, 0)
 * sub-image. Needs `pad = dilation * (k - 1) / 2` when dilation > 1 and even padded sizes.
 *
 * @param filter `[k, k, C, 1]`. Returns a new tensor; inputs are not disposed.
 * @internal
 */
export function depthwiseConvTorch(x: tf.Tensor4D, filter: tf.Tensor, stride: number, pad: number, dilation = 1): tf.Tensor4D {
  return tf.tidy(() => {
    const f = filter as tf.Tensor4D;
    const k = f.shape[0];
    if (dilation === 1) {
      const padding = pad === 0 ? 'valid' : stride === 1 && 2 * pad === k - 1 ? 'same' : pad;
      return tf.depthwiseConv2d(x, f, stride, padding);
    }
    const n = x.shape[0];
    const padded = tf.pad(x, [
      [0, 0],
      [pad, pad],
      [pad, pad],
      [0, 0],
    ]);
    const [, ph, pw] = padded.shape;
    if (ph % dilation !== 0 || pw % dilation !== 0) {
      throw new Error(`depthwiseConvTorch: padded size ${ph}x${pw} must be divisible by the dilation ${dilation}.`);
    }
    const phases = tf.spaceToBatchND(
      padded,
      [dilation, dilation],
      [
        [0, 0],
        [0, 0],
      ],
    );
    if (stride === dilation) {
      const first = tf.slice(phases, [0, 0, 0, 0], [n, -1, -1, -1]);
      return tf.depthwiseConv2d(first, f, 1, 'valid');
    }
    if (stride !== 1) throw new Error(`depthwiseConvTorch: stride ${stride} with dilation ${dilation} is not supported.`);
    const conv = tf.depthwiseConv2d(phases, f, 1, 'valid');
    return tf.batchToSpaceND(
      conv,
      [dilation, dilation],
      [
        [0, 0],
        [0, 0],
      ],
    );
  });
}
