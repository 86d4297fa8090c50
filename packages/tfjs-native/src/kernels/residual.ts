import * as tf from '@tensorflow/tfjs-core';
import type { GradConfig, KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';

import { loadNativeAddon } from '../addon/load.js';
import type { CpuBackendLike } from './conv2d.js';
import { callAddon, epsilonAttr, float32Inputs, inputShapes, sizeOf } from './native-call.js';
import { uninitialisedFloats } from './output.js';

/**
 * NB201's residual reduction block (its `ResNetBasicblock` with stride 2) as one kernel:
 * `{x [n, h, w, cin], filterA [3, 3, cin, cout], gammaA, betaA, filterB [3, 3, cout, cout],
 * gammaB, betaB, filterDown [1, 1, cin, cout]}`, attrs `{epsilon}` -> `[y, saved]` with
 * `y = bnB(convB(relu(bnA(convA(relu(x)))))) + convDown(avgPool2x2(x))` `[n, h/2, w/2, cout]`:
 * convA 3x3 stride 2 padding 1, convB 3x3 stride 1 padding 1, the shortcut a 2x2 stride-2 average
 * pool and a 1x1 conv, batch norms with batch statistics (training mode, biased variance), h and w
 * even. `saved` (flat, 3 x y's size) holds what the gradient needs (convA's output, bnA's output,
 * convB's output); callers drop it. One kernel forward and one backward
 * (`LmregResidualReductionGrad`) instead of 5 + 8 and 13 saved tensors.
 */
export const RESIDUAL_REDUCTION = 'LmregResidualReduction';
/**
 * `{dy, x, filterA, gammaA, filterB, gammaB, filterDown, saved}`, attrs `{epsilon}` ->
 * `[dx, dFilterA, dGammaA, dBetaA, dFilterB, dGammaB, dBetaB, dFilterDown]`.
 */
export const RESIDUAL_REDUCTION_GRAD = 'LmregResidualReductionGrad';

const epsilonOf = (attrs: unknown): number => epsilonAttr(RESIDUAL_REDUCTION, attrs);

interface Plan {
  dims: Int32Array;
  outShape: number[];
  cout: number;
}

/** Checks every input's shape against x's and filterA's; returns the addon's dims. */
function plan(kernelName: string, inputs: Readonly<Record<string, TensorInfo | undefined>>, names: readonly string[]): Plan {
  const { fail, shape, evenNhwc, expectShapes } = inputShapes(kernelName, inputs, names);
  const [n, h, w, cin] = evenNhwc();
  const cout = shape('filterA')[3] ?? 0;
  if (cout < 1) fail(`filterA must be [3, 3, ${cin}, cout], got [${shape('filterA').join(', ')}]`);
  expectShapes({
    filterA: [3, 3, cin, cout],
    gammaA: [cout],
    betaA: [cout],
    filterB: [3, 3, cout, cout],
    gammaB: [cout],
    betaB: [cout],
    filterDown: [1, 1, cin, cout],
    dy: [n, h / 2, w / 2, cout],
    saved: [3 * n * (h / 2) * (w / 2) * cout],
  });
  return { dims: Int32Array.of(n, h, w, cin, cout), outShape: [n, h / 2, w / 2, cout], cout };
}

function runAddon(kernelName: string, fn: () => void): void {
  callAddon(kernelName, 'residual block', fn);
}

const FORWARD_INPUTS = ['x', 'filterA', 'gammaA', 'betaA', 'filterB', 'gammaB', 'betaB', 'filterDown'] as const;
const GRAD_INPUTS = ['dy', 'x', 'filterA', 'gammaA', 'filterB', 'gammaB', 'filterDown', 'saved'] as const;

/** The cpu kernel of `LmregResidualReduction`. */
export const residualReductionConfig: KernelConfig = {
  kernelName: RESIDUAL_REDUCTION,
  backendName: 'cpu',
  kernelFunc: (args) => {
    const backend = args.backend as unknown as CpuBackendLike;
    const epsilon = epsilonOf(args.attrs);
    const { dims, outShape } = plan(RESIDUAL_REDUCTION, args.inputs, FORWARD_INPUTS);
    const size = sizeOf(outShape);
    const saved = uninitialisedFloats(3 * size);
    const y = uninitialisedFloats(size);
    const [x, fa, ga, ba, fb, gb, bb, fd] = float32Inputs(RESIDUAL_REDUCTION, backend, args.inputs, FORWARD_INPUTS);
    runAddon(RESIDUAL_REDUCTION, () => loadNativeAddon().residualBlock(dims, epsilon, x, fa, ga, ba, fb, gb, bb, fd, saved, y));
    return [backend.makeTensorInfo(outShape, 'float32', y), backend.makeTensorInfo([3 * size], 'float32', saved)];
  },
};

/** The cpu kernel of `LmregResidualReductionGrad`. */
export const residualReductionGradConfig: KernelConfig = {
  kernelName: RESIDUAL_REDUCTION_GRAD,
  backendName: 'cpu',
  kernelFunc: (args) => {
    const backend = args.backend as unknown as CpuBackendLike;
    const epsilon = epsilonOf(args.attrs);
    const { dims, cout } = plan(RESIDUAL_REDUCTION_GRAD, args.inputs, GRAD_INPUTS);
    const [dy, x, fa, ga, fb, gb, fd, saved] = float32Inputs(RESIDUAL_REDUCTION_GRAD, backend, args.inputs, GRAD_INPUTS);
    const shapes = [
      (args.inputs['x'] as TensorInfo).shape,
      [...(args.inputs['filterA'] as TensorInfo).shape],
      [cout],
      [cout],
      [...(args.inputs['filterB'] as TensorInfo).shape],
      [cout],
      [cout],
      [...(args.inputs['filterDown'] as TensorInfo).shape],
    ];
    const out = shapes.map((shape) => uninitialisedFloats(sizeOf(shape)));
    const [dx, dfa, dga, dba, dfb, dgb, dbb, dfd] = out as [
      Float32Array,
      Float32Array,
      Float32Array,
      Float32Array,
      Float32Array,
      Float32Array,
      Float32Array,
      Float32Array,
    ];
    runAddon(RESIDUAL_REDUCTION_GRAD, () =>
      loadNativeAddon().residualBlockGrad(dims, epsilon, dy, x, fa, ga, fb, gb, fd, saved, dx, dfa, dga, dba, dfb, dgb, dbb, dfd),
    );
    return out.map((values, i) => backend.makeTensorInfo([...(shapes[i] ?? [])], 'float32', values));
  },
};

/** The gradient of `LmregResidualReduction` (one `LmregResidualReductionGrad`; `saved` is its second output). */
export const residualReductionGradient: GradConfig = {
  kernelName: RESIDUAL_REDUCTION,
  inputsToSave: ['x', 'filterA', 'gammaA', 'filterB', 'gammaB', 'filterDown'],
  outputsToSave: [false, true],
  gradFunc: (dys, saved, attrs) => {
    const dy = (Array.isArray(dys) ? dys[0] : dys) as tf.Tensor;
    const [x, filterA, gammaA, filterB, gammaB, filterDown, kept] = saved as tf.Tensor[];
    const grads = tf
      .engine()
      .runKernel(
        RESIDUAL_REDUCTION_GRAD,
        { dy, x, filterA, gammaA, filterB, gammaB, filterDown, saved: kept } as tf.NamedTensorMap,
        attrs as never,
      ) as tf.Tensor[];
    const [dx, dfa, dga, dba, dfb, dgb, dbb, dfd] = grads as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
    return {
      x: () => dx,
      filterA: () => dfa,
      gammaA: () => dga,
      betaA: () => dba,
      filterB: () => dfb,
      gammaB: () => dgb,
      betaB: () => dbb,
      filterDown: () => dfd,
    };
  },
};
