import { backend_util } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';

import { CONV_OP, loadNativeAddon } from '../addon/load.js';
import type { ConvOp } from '../addon/load.js';
import { NativeKernelError } from '../errors.js';
import { floats, nativeGeometry } from './conv2d.js';
import type { CpuBackendLike } from './conv2d.js';
import { uninitialisedFloats } from './output.js';

type Shape4 = [number, number, number, number];

interface DepthwiseAttrs {
  readonly strides: number | [number, number];
  readonly pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
  readonly dilations?: number | [number, number];
  readonly dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

const product = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/**
 * The addon geometry of a depthwise convolution (a grouped convolution with one group per input
 * channel, `channelMultiplier` outputs each), or `undefined` when oneDNN cannot express it.
 */
function depthwiseGeometry(xShape: Shape4, filterShape: Shape4, attrs: unknown): { info: backend_util.Conv2DInfo; geometry: Int32Array } | undefined {
  const { strides, pad, dilations, dimRoundingMode } = attrs as DepthwiseAttrs;
  const info = backend_util.computeConv2DInfo(xShape, filterShape, strides, dilations ?? 1, pad, dimRoundingMode, true);
  const plain = nativeGeometry(info);
  if (plain === undefined || filterShape[2] !== xShape[3]) return undefined;
  const geometry = new Int32Array(18);
  geometry.set(plain);
  geometry[17] = info.inChannels;
  return { info, geometry };
}

function run(kernelName: string, op: ConvOp, geometry: Int32Array, a: Float32Array, b: Float32Array, size: number): Float32Array {
  const out = uninitialisedFloats(size);
  try {
    loadNativeAddon().conv(op, geometry, a, b, out);
  } catch (cause) {
    throw new NativeKernelError(kernelName, `the oneDNN depthwise convolution failed: ${String(cause)}`, { cause });
  }
  return out;
}

/** tfjs `DepthwiseConv2dNative` (NHWC, any channel multiplier, strides, pads, dilations) on oneDNN. */
export function nativeDepthwiseConfig(fallback: KernelFunc): KernelConfig {
  return {
    kernelName: 'DepthwiseConv2dNative',
    backendName: 'cpu',
    kernelFunc: (args) => {
      const backend = args.backend as unknown as CpuBackendLike;
      const x = args.inputs['x'] as TensorInfo;
      const filter = args.inputs['filter'] as TensorInfo;
      const found = depthwiseGeometry(x.shape as Shape4, filter.shape as Shape4, args.attrs);
      const xv = floats(backend, x);
      const wv = floats(backend, filter);
      if (found === undefined || xv === undefined || wv === undefined) return fallback(args);
      const y = run('DepthwiseConv2dNative', CONV_OP.forward, found.geometry, xv, wv, product(found.info.outShape));
      return backend.makeTensorInfo(found.info.outShape, 'float32', y);
    },
  };
}

/** tfjs `DepthwiseConv2dNativeBackpropInput` (dx from dy and the filter) on oneDNN. */
export function nativeDepthwiseBackpropInputConfig(fallback: KernelFunc): KernelConfig {
  return {
    kernelName: 'DepthwiseConv2dNativeBackpropInput',
    backendName: 'cpu',
    kernelFunc: (args) => {
      const backend = args.backend as unknown as CpuBackendLike;
      const dy = args.inputs['dy'] as TensorInfo;
      const filter = args.inputs['filter'] as TensorInfo;
      const { inputShape } = args.attrs as unknown as { inputShape: Shape4 };
      const found = depthwiseGeometry(inputShape, filter.shape as Shape4, args.attrs);
      const dyv = floats(backend, dy);
      const wv = floats(backend, filter);
      if (found === undefined || dyv === undefined || wv === undefined || product(dy.shape) !== product(found.info.outShape)) return fallback(args);
      const dx = run('DepthwiseConv2dNativeBackpropInput', CONV_OP.backwardData, found.geometry, dyv, wv, product(inputShape));
      return backend.makeTensorInfo([...inputShape], 'float32', dx);
    },
  };
}

/** tfjs `DepthwiseConv2dNativeBackpropFilter` (dw from x and dy) on oneDNN. */
export function nativeDepthwiseBackpropFilterConfig(fallback: KernelFunc): KernelConfig {
  return {
    kernelName: 'DepthwiseConv2dNativeBackpropFilter',
    backendName: 'cpu',
    kernelFunc: (args) => {
      const backend = args.backend as unknown as CpuBackendLike;
      const x = args.inputs['x'] as TensorInfo;
      const dy = args.inputs['dy'] as TensorInfo;
      const { filterShape } = args.attrs as unknown as { filterShape: Shape4 };
      const found = depthwiseGeometry(x.shape as Shape4, filterShape, args.attrs);
      const xv = floats(backend, x);
      const dyv = floats(backend, dy);
      if (found === undefined || xv === undefined || dyv === undefined || product(dy.shape) !== product(found.info.outShape)) return fallback(args);
      const dw = run('DepthwiseConv2dNativeBackpropFilter', CONV_OP.backwardWeights, found.geometry, xv, dyv, product(filterShape));
      return backend.makeTensorInfo([...filterShape], 'float32', dw);
    },
  };
}
