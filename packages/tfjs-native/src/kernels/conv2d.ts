import { backend_util } from '@tensorflow/tfjs-core';
import type { DataType, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';

import { CONV_OP, loadNativeAddon } from '../addon/load.js';
import type { ConvOp } from '../addon/load.js';
import { NativeKernelError } from '../errors.js';
import { uninitialisedFloats } from './output.js';

/** The parts of tfjs-backend-cpu's `MathBackendCPU` the kernels use (its data storage). */
export interface CpuBackendLike {
  data: { get(dataId: object): { values?: unknown } };
  makeTensorInfo(shape: number[], dtype: DataType, values?: Float32Array): TensorInfo;
}

type Shape4 = [number, number, number, number];

/**
 * The addon's 17-number geometry (n, h, w, c, kh, kw, o, oh, ow, sh, sw, dh, dw, pt, pl, pb, pr)
 * of a tfjs conv info, or `undefined` when oneDNN cannot express it exactly (NCHW, or paddings
 * that do not give tfjs's output size with floor rounding): the caller then uses the stock kernel.
 */
export function nativeGeometry(info: backend_util.Conv2DInfo): Int32Array | undefined {
  if (info.dataFormat !== 'channelsLast') return undefined;
  const { top, left, bottom, right } = info.padInfo;
  if (top < 0 || left < 0 || bottom < 0 || right < 0) return undefined;
  const fits = (size: number, before: number, after: number, kernel: number, dilation: number, stride: number, out: number) =>
    Math.floor((size + before + after - ((kernel - 1) * dilation + 1)) / stride) + 1 === out;
  if (!fits(info.inHeight, top, bottom, info.filterHeight, info.dilationHeight, info.strideHeight, info.outHeight)) return undefined;
  if (!fits(info.inWidth, left, right, info.filterWidth, info.dilationWidth, info.strideWidth, info.outWidth)) return undefined;
  if (info.batchSize < 1 || info.outHeight < 1 || info.outWidth < 1 || info.inChannels < 1 || info.outChannels < 1) return undefined;
  return Int32Array.of(
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.filterHeight,
    info.filterWidth,
    info.outChannels,
    info.outHeight,
    info.outWidth,
    info.strideHeight,
    info.strideWidth,
    info.dilationHeight,
    info.dilationWidth,
    top,
    left,
    bottom,
    right,
  );
}

/** The float32 values of a cpu-backend tensor, used in place; `undefined` for other dtypes. */
export function floats(backend: CpuBackendLike, tensor: TensorInfo): Float32Array | undefined {
  if (tensor.dtype !== 'float32') return undefined;
  const values = backend.data.get(tensor.dataId).values;
  return values instanceof Float32Array ? values : undefined;
}

function run(kernelName: string, op: ConvOp, geometry: Int32Array, a: Float32Array, b: Float32Array, size: number): Float32Array {
  const out = uninitialisedFloats(size);
  try {
    loadNativeAddon().conv(op, geometry, a, b, out);
  } catch (cause) {
    throw new NativeKernelError(kernelName, `the oneDNN convolution failed: ${String(cause)}`, { cause });
  }
  return out;
}

const product = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** The attributes tfjs passes to the three Conv2D kernels (backprops carry no dilations). */
interface ConvAttrs {
  readonly strides: number | [number, number];
  readonly pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
  readonly dataFormat: 'NHWC' | 'NCHW';
  readonly dilations?: number | [number, number];
  readonly dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** tfjs's convolution geometry for input `xShape` and filter `filterShape` under `attrs`. */
function convInfo(xShape: Shape4, filterShape: Shape4, attrs: unknown): backend_util.Conv2DInfo {
  const { strides, pad, dataFormat, dilations, dimRoundingMode } = attrs as ConvAttrs;
  return backend_util.computeConv2DInfo(
    xShape,
    filterShape,
    strides,
    dilations ?? 1,
    pad,
    dimRoundingMode,
    false,
    backend_util.convertConv2DDataFormat(dataFormat),
  );
}

/**
 * tfjs `Conv2D` on oneDNN for the cpu backend. Reads x and the filter from the cpu backend's data
 * storage without copying and writes y into a new Float32Array handed to `makeTensorInfo`.
 * Falls back to `fallback` (the stock kernel) for what it does not handle (non-float32, NCHW).
 */
export function nativeConv2dConfig(fallback: KernelFunc): KernelConfig {
  return {
    kernelName: 'Conv2D',
    backendName: 'cpu',
    kernelFunc: (args) => {
      const { inputs, attrs } = args;
      const backend = args.backend as unknown as CpuBackendLike;
      const x = inputs['x'] as TensorInfo;
      const filter = inputs['filter'] as TensorInfo;
      const info = convInfo(x.shape as Shape4, filter.shape as Shape4, attrs);
      const geometry = nativeGeometry(info);
      const xv = floats(backend, x);
      const wv = floats(backend, filter);
      if (geometry === undefined || xv === undefined || wv === undefined) return fallback(args);
      const y = run('Conv2D', CONV_OP.forward, geometry, xv, wv, product(info.outShape));
      return backend.makeTensorInfo(info.outShape, 'float32', y);
    },
  };
}

/** tfjs `Conv2DBackpropInput` (dx from dy and the filter) on oneDNN for the cpu backend. */
export function nativeConv2dBackpropInputConfig(fallback: KernelFunc): KernelConfig {
  return {
    kernelName: 'Conv2DBackpropInput',
    backendName: 'cpu',
    kernelFunc: (args) => {
      const { inputs, attrs } = args;
      const backend = args.backend as unknown as CpuBackendLike;
      const dy = inputs['dy'] as TensorInfo;
      const filter = inputs['filter'] as TensorInfo;
      const { inputShape } = attrs as unknown as { inputShape: Shape4 };
      const info = convInfo(inputShape, filter.shape as Shape4, attrs);
      const geometry = nativeGeometry(info);
      const dyv = floats(backend, dy);
      const wv = floats(backend, filter);
      if (geometry === undefined || dyv === undefined || wv === undefined || !sameShape(dy.shape, info.outShape)) {
        return fallback(args);
      }
      const dx = run('Conv2DBackpropInput', CONV_OP.backwardData, geometry, dyv, wv, product(inputShape));
      return backend.makeTensorInfo([...inputShape], 'float32', dx);
    },
  };
}

/** tfjs `Conv2DBackpropFilter` (dw from x and dy) on oneDNN for the cpu backend. */
export function nativeConv2dBackpropFilterConfig(fallback: KernelFunc): KernelConfig {
  return {
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'cpu',
    kernelFunc: (args) => {
      const { inputs, attrs } = args;
      const backend = args.backend as unknown as CpuBackendLike;
      const x = inputs['x'] as TensorInfo;
      const dy = inputs['dy'] as TensorInfo;
      const { filterShape } = attrs as unknown as { filterShape: Shape4 };
      const info = convInfo(x.shape as Shape4, filterShape, attrs);
      const geometry = nativeGeometry(info);
      const xv = floats(backend, x);
      const dyv = floats(backend, dy);
      if (geometry === undefined || xv === undefined || dyv === undefined || !sameShape(dy.shape, info.outShape)) {
        return fallback(args);
      }
      const dw = run('Conv2DBackpropFilter', CONV_OP.backwardWeights, geometry, xv, dyv, product(filterShape));
      return backend.makeTensorInfo([...filterShape], 'float32', dw);
    },
  };
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
