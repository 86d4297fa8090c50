import * as tf from '@tensorflow/tfjs-core';
import type { KernelBackend, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';

import { checkOutput, expectShape } from './conv-backprop.js';
import { convGeometry, cropThenPad, phaseRows, transposedPadding, valuesOf, zeroInsert } from './conv-geometry.js';
import type { ConvGeometry, PadAttr, RoundingAttr } from './conv-geometry.js';
import { dim, withRunner } from './kernel-runner.js';
import type { KernelRunner } from './kernel-runner.js';

/**
 * dx of an NHWC depthwise convolution (filter [K_h, K_w, C, M], output channel c * M + m): a
 * stride-1 depthwise correlation of dy (zeros inserted when strided) with the flipped filter seen
 * as [K_h, K_w, C * M, 1], then a sum over the M multiplier channels. Supports dilation.
 *
 * @returns dx [N, H, W, C], owned by the caller.
 */
export function depthwiseBackpropInputNhwc(
  runner: KernelRunner,
  dy: TensorInfo,
  filter: TensorInfo,
  inputShape: readonly [number, number, number, number],
  geometry: ConvGeometry,
): TensorInfo {
  const [gh, gw] = geometry;
  const [kh, kw, channels, multiplier] = [dim(filter.shape, 0), dim(filter.shape, 1), dim(filter.shape, 2), dim(filter.shape, 3)];
  const spread = zeroInsert(runner, dy, gh.stride, gw.stride);
  const flipped = runner.run('Reverse', { x: filter }, { dims: [0, 1] });
  const perOutput = runner.reshape(flipped, [kh, kw, channels * multiplier, 1]);
  const { input, pad } = cropThenPad(runner, spread, [transposedPadding(gh, dim(spread.shape, 1)), transposedPadding(gw, dim(spread.shape, 2))]);
  const summed = runner.run('DepthwiseConv2dNative', { x: input, filter: perOutput }, { strides: [1, 1], dilations: [gh.dilation, gw.dilation], pad });
  if (multiplier === 1) return expectShape(summed, inputShape, 'DepthwiseConv2dNativeBackpropInput');
  const [n, h, w] = inputShape;
  const split = runner.reshape(summed, [n, h, w, channels, multiplier]);
  return expectShape(runner.run('Sum', { x: split }, { axis: [4], keepDims: false }), inputShape, 'DepthwiseConv2dNativeBackpropInput');
}

/**
 * dw of an NHWC depthwise convolution: for each tap and channel, a dot product (float64 sum in
 * JavaScript) of dy's channel with the tap's contiguous range of the phase-split padded input (see
 * `phaseRows`), both laid out channel-major on the same row grid.
 *
 * @returns dw [K_h, K_w, C, M], owned by the caller.
 */
export function depthwiseBackpropFilterNhwc(
  runner: KernelRunner,
  x: TensorInfo,
  dy: TensorInfo,
  filterShape: readonly [number, number, number, number],
  geometry: ConvGeometry,
): TensorInfo {
  const [gh, gw] = geometry;
  const [kh, kw, channels, multiplier] = filterShape;
  const n = dim(x.shape, 0);
  const outChannels = channels * multiplier;
  const phased = phaseRows(valuesOf(runner, x), x.shape, geometry);
  const used = phased.usedRows;
  // dy channel-major on the same row grid: dyRows[k * used + row].
  const dyRows = new Float32Array(outChannels * used);
  const dyValues = valuesOf(runner, dy);
  for (let b = 0; b < n; b++) {
    for (let oh = 0; oh < gh.outSize; oh++) {
      for (let ow = 0; ow < gw.outSize; ow++) {
        const row = phased.outputRow(b, oh, ow);
        const from = ((b * gh.outSize + oh) * gw.outSize + ow) * outChannels;
        for (let k = 0; k < outChannels; k++) dyRows[k * used + row] = dyValues[from + k]!;
      }
    }
  }
  const result = new Float32Array(kh * kw * outChannels);
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const offset = phased.tapOffset(i, j);
      for (let c = 0; c < channels; c++) {
        const xFrom = c * phased.rows + offset;
        for (let m = 0; m < multiplier; m++) {
          const k = c * multiplier + m;
          const dyFrom = k * used;
          let sum = 0;
          for (let r = 0; r < used; r++) sum += phased.values[xFrom + r]! * dyRows[dyFrom + r]!;
          result[(i * kw + j) * outChannels + k] = sum;
        }
      }
    }
  }
  return runner.fromValues([kh, kw, channels, multiplier], result);
}

interface DepthwiseBackpropAttrs {
  strides: [number, number] | number;
  dilations: [number, number] | number;
  pad: PadAttr;
  dimRoundingMode?: RoundingAttr;
  inputShape?: [number, number, number, number];
  filterShape?: [number, number, number, number];
}

const inputKernel =
  (backendName: string): KernelFunc =>
  ({ inputs, backend, attrs }) => {
    const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
    const a = attrs as unknown as DepthwiseBackpropAttrs;
    const inputShape = a.inputShape;
    if (inputShape === undefined) throw new Error('lmreg DepthwiseConv2dNativeBackpropInput: missing inputShape');
    return withRunner(backend as KernelBackend, backendName, (runner) => {
      const geometry = convGeometry(inputShape, filter.shape, a.strides, a.dilations ?? 1, a.pad, a.dimRoundingMode, true);
      checkOutput(dy, inputShape, geometry, dim(filter.shape, 2) * dim(filter.shape, 3), 'DepthwiseConv2dNativeBackpropInput');
      return depthwiseBackpropInputNhwc(runner, dy, filter, inputShape, geometry);
    });
  };

const filterKernel =
  (backendName: string): KernelFunc =>
  ({ inputs, backend, attrs }) => {
    const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
    const a = attrs as unknown as DepthwiseBackpropAttrs;
    const filterShape = a.filterShape;
    if (filterShape === undefined) throw new Error('lmreg DepthwiseConv2dNativeBackpropFilter: missing filterShape');
    return withRunner(backend as KernelBackend, backendName, (runner) => {
      const geometry = convGeometry(x.shape, filterShape, a.strides, a.dilations ?? 1, a.pad, a.dimRoundingMode, true);
      checkOutput(dy, x.shape, geometry, filterShape[2] * filterShape[3], 'DepthwiseConv2dNativeBackpropFilter');
      return depthwiseBackpropFilterNhwc(runner, x, dy, filterShape, geometry);
    });
  };

/** `DepthwiseConv2dNativeBackpropInput` for `backendName`, built from its DepthwiseConv2dNative. */
export function depthwiseBackpropInputConfig(backendName: string): KernelConfig {
  return { kernelName: tf.DepthwiseConv2dNativeBackpropInput, backendName, kernelFunc: inputKernel(backendName) };
}

/** `DepthwiseConv2dNativeBackpropFilter` for `backendName`. */
export function depthwiseBackpropFilterConfig(backendName: string): KernelConfig {
  return { kernelName: tf.DepthwiseConv2dNativeBackpropFilter, backendName, kernelFunc: filterKernel(backendName) };
}
