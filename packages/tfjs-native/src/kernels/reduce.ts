import * as tf from '@tensorflow/tfjs-core';
import type { GradConfig, KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';

import { loadNativeAddon } from '../addon/load.js';
import type { CpuBackendLike } from './conv2d.js';
import { callAddon, epsilonAttr, float32Inputs, inputShapes, sizeOf } from './native-call.js';
import { uninitialisedFloats } from './output.js';

/**
 * DARTS' `FactorizedReduce` (a reduction cell's skip_connect; a cell's input-0 preprocessing after
 * a reduction) as one kernel: `{x [n, h, w, c], filter1 [1, 1, c, co/2], filter2 [1, 1, c, co/2],
 * gamma [co], beta [co]}`, attrs `{epsilon}` -> `[y, z]`, `z = concat(conv1x1(r[:, 0::2, 0::2],
 * filter1), conv1x1(r[:, 1::2, 1::2], filter2))` along channels, `r = relu(x)` (PyTorch's
 * `conv_1(x)` and `conv_2(x[:, :, 1:, 1:])`, stride 2), `y = batchNorm(z)` with z's own statistics
 * (training mode, biased variance, affine), `[n, h/2, w/2, co]`; h and w even. `z` is what the
 * gradient needs (callers drop it). One kernel each way (`LmregFactorizedReduceGrad`) instead of 6
 * forward (relu, slice, 2 convs, concat, batch norm) and 9 backward.
 */
export const FACTORIZED_REDUCE = 'LmregFactorizedReduce';
/** `{dy, x, filter1, filter2, gamma, z}`, attrs `{epsilon}` -> `[dx, dFilter1, dFilter2, dgamma, dbeta]`. */
export const FACTORIZED_REDUCE_GRAD = 'LmregFactorizedReduceGrad';

/** Checks every input's shape against x's and filter1's; returns the addon's dims [n, h, w, c, co]. */
function plan(kernelName: string, inputs: Readonly<Record<string, TensorInfo | undefined>>, names: readonly string[]) {
  const { fail, shape, evenNhwc, expectShapes } = inputShapes(kernelName, inputs, names);
  const [n, h, w, c] = evenNhwc();
  const half = shape('filter1')[3] ?? 0;
  if (half < 1) fail(`filter1 must be [1, 1, ${c}, co / 2], got [${shape('filter1').join(', ')}]`);
  const co = 2 * half;
  const outShape = [n, h / 2, w / 2, co];
  expectShapes({ filter1: [1, 1, c, half], filter2: [1, 1, c, half], gamma: [co], beta: [co], dy: outShape, z: outShape });
  return { dims: Int32Array.of(n, h, w, c, co), outShape, co };
}

const FORWARD_INPUTS = ['x', 'filter1', 'filter2', 'gamma', 'beta'] as const;
const GRAD_INPUTS = ['dy', 'x', 'filter1', 'filter2', 'gamma', 'z'] as const;

/** The cpu kernel of `LmregFactorizedReduce`. */
export const factorizedReduceConfig: KernelConfig = {
  kernelName: FACTORIZED_REDUCE,
  backendName: 'cpu',
  kernelFunc: (args) => {
    const backend = args.backend as unknown as CpuBackendLike;
    const epsilon = epsilonAttr(FACTORIZED_REDUCE, args.attrs);
    const { dims, outShape } = plan(FACTORIZED_REDUCE, args.inputs, FORWARD_INPUTS);
    const [x, f1, f2, gamma, beta] = float32Inputs(FACTORIZED_REDUCE, backend, args.inputs, FORWARD_INPUTS);
    const size = sizeOf(outShape);
    const z = uninitialisedFloats(size);
    const y = uninitialisedFloats(size);
    callAddon(FACTORIZED_REDUCE, 'FactorizedReduce', () => loadNativeAddon().factorizedReduce(dims, epsilon, x, f1, f2, gamma, beta, z, y));
    return [backend.makeTensorInfo(outShape, 'float32', y), backend.makeTensorInfo(outShape, 'float32', z)];
  },
};

/** The cpu kernel of `LmregFactorizedReduceGrad`. */
export const factorizedReduceGradConfig: KernelConfig = {
  kernelName: FACTORIZED_REDUCE_GRAD,
  backendName: 'cpu',
  kernelFunc: (args) => {
    const backend = args.backend as unknown as CpuBackendLike;
    const epsilon = epsilonAttr(FACTORIZED_REDUCE_GRAD, args.attrs);
    const { dims, co } = plan(FACTORIZED_REDUCE_GRAD, args.inputs, GRAD_INPUTS);
    const [dy, x, f1, f2, gamma, z] = float32Inputs(FACTORIZED_REDUCE_GRAD, backend, args.inputs, GRAD_INPUTS);
    const shapes = [
      [...(args.inputs['x'] as TensorInfo).shape],
      [...(args.inputs['filter1'] as TensorInfo).shape],
      [...(args.inputs['filter2'] as TensorInfo).shape],
      [co],
      [co],
    ];
    const out = shapes.map((shape) => uninitialisedFloats(sizeOf(shape)));
    const [dx, df1, df2, dgamma, dbeta] = out as [Float32Array, Float32Array, Float32Array, Float32Array, Float32Array];
    callAddon(FACTORIZED_REDUCE_GRAD, 'FactorizedReduce gradient', () =>
      loadNativeAddon().factorizedReduceGrad(dims, epsilon, dy, x, f1, f2, gamma, z, dx, df1, df2, dgamma, dbeta),
    );
    return out.map((values, i) => backend.makeTensorInfo(shapes[i] ?? [], 'float32', values));
  },
};

/** The gradient of `LmregFactorizedReduce` (one `LmregFactorizedReduceGrad`; z is the saved second output). */
export const factorizedReduceGradient: GradConfig = {
  kernelName: FACTORIZED_REDUCE,
  inputsToSave: ['x', 'filter1', 'filter2', 'gamma'],
  outputsToSave: [false, true],
  gradFunc: (dys, saved, attrs) => {
    const dy = (Array.isArray(dys) ? dys[0] : dys) as tf.Tensor;
    const [x, filter1, filter2, gamma, z] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
    const grads = tf.engine().runKernel(FACTORIZED_REDUCE_GRAD, { dy, x, filter1, filter2, gamma, z }, attrs as never) as tf.Tensor[];
    const [dx, df1, df2, dgamma, dbeta] = grads as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
    return { x: () => dx, filter1: () => df1, filter2: () => df2, gamma: () => dgamma, beta: () => dbeta };
  },
};
