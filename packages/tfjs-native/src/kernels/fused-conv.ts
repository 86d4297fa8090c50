import { InvalidArgumentError } from '@lmreg/common';
import * as tf from '@tensorflow/tfjs-core';
import type { GradConfig, KernelConfig, NamedTensorMap, TensorInfo } from '@tensorflow/tfjs-core';

import { loadNativeAddon } from '../addon/load.js';
import { NativeKernelError } from '../errors.js';
import { DEFAULT_BATCH_NORM_EPSILON } from './batch-norm.js';
import type { CpuBackendLike } from './conv2d.js';
import { callAddon, float32Input as float32, inputShapes, sizeOf } from './native-call.js';
import { uninitialisedFloats } from './output.js';

/**
 * `{x, filter, gamma, beta}`, attrs `{strides, pad, epsilon}` (numbers; `pad` symmetric zero
 * padding) -> `[y, z]`: `z = conv2d(relu(x), filter)` (NHWC, HWIO filter, no bias) and
 * `y = batchNorm(z)` with z's own statistics (training mode, biased variance, affine). NB201's
 * ReLU-Conv-BN edge op as one native call; `z` is what the gradient needs (callers drop it).
 * Its gradient is one `LmregReluConvBnGrad`.
 */
export const RELU_CONV_BN = 'LmregReluConvBn';
/** `{dy, x, filter, gamma, z}`, the same attrs -> `[dx, dfilter, dgamma, dbeta]`. */
export const RELU_CONV_BN_GRAD = 'LmregReluConvBnGrad';
/**
 * `{x, depthwiseFilter, pointwiseFilter, gamma, beta}`, attrs `{strides, pad, dilation, epsilon}`
 * -> `[y, z]`: ReLU, depthwise conv (`[k, k, c, 1]`, stride, symmetric pad, dilation), 1x1 conv
 * (`[1, 1, c, o]`), batch norm with batch statistics: DARTS' dil_conv, and each half of its
 * sep_conv. Its gradient is one `LmregReluSepConvBnGrad`.
 */
export const RELU_SEP_CONV_BN = 'LmregReluSepConvBn';
/** `{dy, x, depthwiseFilter, pointwiseFilter, gamma, z}` -> `[dx, dDepthwiseFilter, dPointwiseFilter, dgamma, dbeta]`. */
export const RELU_SEP_CONV_BN_GRAD = 'LmregReluSepConvBnGrad';

interface FusedAttrs {
  strides: number;
  pad: number;
  dilation?: number;
  epsilon?: number;
}

/**
 * The addon's 18-number geometry of an NHWC convolution with symmetric padding, or a message
 * saying why there is none.
 */
function geometry(x: readonly number[], filter: readonly number[], stride: number, pad: number, dilation: number, groups: number): Int32Array | string {
  const [n = 0, h = 0, w = 0, c = 0] = x;
  const [kh = 0, kw = 0, fc = 0, fo = 0] = filter;
  if (x.length !== 4 || filter.length !== 4) return `x [${x.join(', ')}] must be NHWC and the filter [${filter.join(', ')}] HWIO`;
  const o = groups === 1 ? fo : c * fo;
  if (fc !== c || (groups !== 1 && fo !== 1)) return `the filter [${filter.join(', ')}] does not fit x's ${c} channels`;
  const out = (size: number, k: number) => Math.floor((size + 2 * pad - ((k - 1) * dilation + 1)) / stride) + 1;
  const [oh, ow] = [out(h, kh), out(w, kw)];
  if ([n, h, w, c, kh, kw, o].some((v) => v < 1) || oh < 1 || ow < 1) return `no output for x [${x.join(', ')}] and filter [${filter.join(', ')}]`;
  return Int32Array.of(n, h, w, c, kh, kw, o, oh, ow, stride, stride, dilation, dilation, pad, pad, pad, pad, groups);
}

function checkAttrs(kernelName: string, attrs: unknown): Required<FusedAttrs> {
  const { strides, pad, dilation = 1, epsilon = DEFAULT_BATCH_NORM_EPSILON } = (attrs ?? {}) as FusedAttrs;
  for (const [name, v, min] of [
    ['strides', strides, 1],
    ['pad', pad, 0],
    ['dilation', dilation, 1],
  ] as const) {
    if (!Number.isSafeInteger(v) || v < min) throw new NativeKernelError(kernelName, `attr ${name} must be an integer >= ${min}, got ${String(v)}`);
  }
  if (!(epsilon >= 0) || !Number.isFinite(epsilon))
    throw new NativeKernelError(kernelName, `attr epsilon must be a finite number >= 0, got ${String(epsilon)}`);
  return { strides, pad, dilation, epsilon };
}

/** Geometries (depthwise first, when there is one) and the output shape of the fused op. */
function plan(kernelName: string, inputs: Readonly<Record<string, TensorInfo | undefined>>, attrs: Required<FusedAttrs>, separable: boolean) {
  const { fail } = inputShapes(kernelName, inputs, ['x', 'gamma', ...(separable ? ['depthwiseFilter', 'pointwiseFilter'] : ['filter'])]);
  const x = inputs['x'] as TensorInfo;
  if (!separable) {
    const filter = (inputs['filter'] as TensorInfo).shape;
    const g = geometry(x.shape, filter, attrs.strides, attrs.pad, attrs.dilation, 1);
    if (typeof g === 'string') return fail(g);
    return { geometries: g, outShape: [g[0], g[7], g[8], g[6]] as number[], channels: g[6] as number };
  }
  const depthwise = (inputs['depthwiseFilter'] as TensorInfo).shape;
  const pointwise = (inputs['pointwiseFilter'] as TensorInfo).shape;
  const d = geometry(x.shape, depthwise, attrs.strides, attrs.pad, attrs.dilation, x.shape[3] ?? 0);
  if (typeof d === 'string') return fail(d);
  if (pointwise[0] !== 1 || pointwise[1] !== 1) fail(`the pointwise filter must be 1x1, got [${pointwise.join(', ')}]`);
  const p = geometry([d[0], d[7], d[8], d[6]] as number[], pointwise, 1, 0, 1, 1);
  if (typeof p === 'string') return fail(p);
  const geometries = new Int32Array(36);
  geometries.set(d, 0);
  geometries.set(p, 18);
  return { geometries, outShape: [p[0], p[7], p[8], p[6]] as number[], channels: p[6] as number };
}

function checkChannels(kernelName: string, t: TensorInfo, name: string, channels: number): void {
  if (t.shape.length !== 1 || t.shape[0] !== channels)
    throw new NativeKernelError(kernelName, `${name} must have shape [${channels}], got [${t.shape.join(', ')}]`);
}

function runAddon(kernelName: string, fn: () => void): void {
  callAddon(kernelName, 'fused convolution', fn);
}

function forwardConfig(kernelName: string, separable: boolean): KernelConfig {
  return {
    kernelName,
    backendName: 'cpu',
    kernelFunc: (args) => {
      const backend = args.backend as unknown as CpuBackendLike;
      const { inputs } = args;
      const attrs = checkAttrs(kernelName, args.attrs);
      const { geometries, outShape, channels } = plan(kernelName, inputs, attrs, separable);
      const gamma = inputs['gamma'] as TensorInfo;
      const beta = inputs['beta'] as TensorInfo;
      checkChannels(kernelName, gamma, 'gamma', channels);
      checkChannels(kernelName, beta, 'beta', channels);
      const x = float32(kernelName, backend, inputs['x'] as TensorInfo, 'x');
      const dw = separable ? float32(kernelName, backend, inputs['depthwiseFilter'] as TensorInfo, 'depthwiseFilter') : null;
      const filter = float32(kernelName, backend, (separable ? inputs['pointwiseFilter'] : inputs['filter']) as TensorInfo, 'filter');
      const size = sizeOf(outShape);
      const z = uninitialisedFloats(size);
      const y = uninitialisedFloats(size);
      const [g, b] = [float32(kernelName, backend, gamma, 'gamma'), float32(kernelName, backend, beta, 'beta')];
      runAddon(kernelName, () => loadNativeAddon().fusedConvBn(geometries, attrs.epsilon, x, dw, filter, g, b, z, y));
      return [backend.makeTensorInfo(outShape, 'float32', y), backend.makeTensorInfo(outShape, 'float32', z)];
    },
  };
}

function gradConfig(kernelName: string, separable: boolean): KernelConfig {
  return {
    kernelName,
    backendName: 'cpu',
    kernelFunc: (args) => {
      const backend = args.backend as unknown as CpuBackendLike;
      const { inputs } = args;
      const attrs = checkAttrs(kernelName, args.attrs);
      const { geometries, outShape, channels } = plan(kernelName, inputs, attrs, separable);
      if (inputs['dy'] === undefined || inputs['z'] === undefined) throw new NativeKernelError(kernelName, 'missing input(s) dy, z');
      const dyInfo = inputs['dy'] as TensorInfo;
      const zInfo = inputs['z'] as TensorInfo;
      for (const [name, t] of [
        ['dy', dyInfo],
        ['z', zInfo],
      ] as const) {
        if (t.shape.length !== 4 || t.shape.some((v, i) => v !== outShape[i])) {
          throw new NativeKernelError(kernelName, `${name} must have the output shape [${outShape.join(', ')}], got [${t.shape.join(', ')}]`);
        }
      }
      checkChannels(kernelName, inputs['gamma'] as TensorInfo, 'gamma', channels);
      const xInfo = inputs['x'] as TensorInfo;
      const x = float32(kernelName, backend, xInfo, 'x');
      const dwInfo = separable ? (inputs['depthwiseFilter'] as TensorInfo) : undefined;
      const filterInfo = (separable ? inputs['pointwiseFilter'] : inputs['filter']) as TensorInfo;
      const dw = dwInfo === undefined ? null : float32(kernelName, backend, dwInfo, 'depthwiseFilter');
      const filter = float32(kernelName, backend, filterInfo, 'filter');
      const dx = uninitialisedFloats(x.length);
      const ddw = dwInfo === undefined ? null : uninitialisedFloats(sizeOf(dwInfo.shape));
      const dfilter = uninitialisedFloats(filter.length);
      const [dgamma, dbeta] = [uninitialisedFloats(channels), uninitialisedFloats(channels)];
      const dy = float32(kernelName, backend, dyInfo, 'dy');
      const z = float32(kernelName, backend, zInfo, 'z');
      const gamma = float32(kernelName, backend, inputs['gamma'] as TensorInfo, 'gamma');
      runAddon(kernelName, () => loadNativeAddon().fusedConvBnGrad(geometries, attrs.epsilon, dy, x, dw, filter, gamma, z, dx, ddw, dfilter, dgamma, dbeta));
      const outputs = [backend.makeTensorInfo([...xInfo.shape], 'float32', dx)];
      if (dwInfo !== undefined && ddw !== null) outputs.push(backend.makeTensorInfo([...dwInfo.shape], 'float32', ddw));
      outputs.push(
        backend.makeTensorInfo([...filterInfo.shape], 'float32', dfilter),
        backend.makeTensorInfo([channels], 'float32', dgamma),
        backend.makeTensorInfo([channels], 'float32', dbeta),
      );
      return outputs;
    },
  };
}

/** The cpu kernels (registered by `registerNativeKernels`). */
export const reluConvBnConfig = forwardConfig(RELU_CONV_BN, false);
export const reluConvBnGradConfig = gradConfig(RELU_CONV_BN_GRAD, false);
export const reluSepConvBnConfig = forwardConfig(RELU_SEP_CONV_BN, true);
export const reluSepConvBnGradConfig = gradConfig(RELU_SEP_CONV_BN_GRAD, true);

/** The gradient of `LmregReluConvBn` (one `LmregReluConvBnGrad`; z is the saved second output). */
export const reluConvBnGradient: GradConfig = {
  kernelName: RELU_CONV_BN,
  inputsToSave: ['x', 'filter', 'gamma'],
  outputsToSave: [false, true],
  gradFunc: (dys, saved, attrs) => {
    const dy = (Array.isArray(dys) ? dys[0] : dys) as tf.Tensor;
    const [x, filter, gamma, z] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
    const [dx, dfilter, dgamma, dbeta] = tf.engine().runKernel(RELU_CONV_BN_GRAD, { dy, x, filter, gamma, z }, attrs as never) as tf.Tensor[];
    return { x: () => dx as tf.Tensor, filter: () => dfilter as tf.Tensor, gamma: () => dgamma as tf.Tensor, beta: () => dbeta as tf.Tensor };
  },
};

/** The gradient of `LmregReluSepConvBn` (one `LmregReluSepConvBnGrad`). */
export const reluSepConvBnGradient: GradConfig = {
  kernelName: RELU_SEP_CONV_BN,
  inputsToSave: ['x', 'depthwiseFilter', 'pointwiseFilter', 'gamma'],
  outputsToSave: [false, true],
  gradFunc: (dys, saved, attrs) => {
    const dy = (Array.isArray(dys) ? dys[0] : dys) as tf.Tensor;
    const [x, depthwiseFilter, pointwiseFilter, gamma, z] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
    const grads = tf.engine().runKernel(RELU_SEP_CONV_BN_GRAD, { dy, x, depthwiseFilter, pointwiseFilter, gamma, z }, attrs as never) as tf.Tensor[];
    const [dx, ddw, dpw, dgamma, dbeta] = grads as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
    return { x: () => dx, depthwiseFilter: () => ddw, pointwiseFilter: () => dpw, gamma: () => dgamma, beta: () => dbeta };
  },
};

const has = (...names: string[]): boolean => names.every((n) => tf.getKernel(n, tf.getBackend()) !== undefined);

/** Options of `reluConvBn` / `reluSepConvBn`. */
export interface FusedConvOptions {
  /** Stride (both axes); default 1. */
  readonly stride?: number;
  /** Symmetric zero padding; default `dilation * (k - 1) / 2` (same size at stride 1). */
  readonly pad?: number;
  /** Batch-norm epsilon; default 1e-5. */
  readonly epsilon?: number;
}

function resolve(name: string, k: number, options: FusedConvOptions & { dilation?: number }): Required<FusedAttrs> {
  const dilation = options.dilation ?? 1;
  const attrs = {
    strides: options.stride ?? 1,
    pad: options.pad ?? (dilation * (k - 1)) / 2,
    dilation,
    epsilon: options.epsilon ?? DEFAULT_BATCH_NORM_EPSILON,
  };
  try {
    return checkAttrs(name, attrs);
  } catch (cause) {
    throw new InvalidArgumentError(`${name}: ${(cause as Error).message}`, { cause });
  }
}

/** The composite form's batch norm (tfjs ops, any backend). */
function compositeBatchNorm(z: tf.Tensor4D, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number): tf.Tensor4D {
  const { mean, variance } = tf.moments(z, [0, 1, 2]);
  const scale = tf.mul(gamma, tf.rsqrt(tf.add(variance, epsilon)));
  return tf.add(tf.mul(z, scale), tf.sub(beta, tf.mul(mean, scale))) as tf.Tensor4D;
}

function runFused(kernelName: string, inputs: NamedTensorMap, attrs: Required<FusedAttrs>): tf.Tensor4D {
  const [y, z] = tf.engine().runKernel(kernelName, inputs, attrs as never) as [tf.Tensor4D, tf.Tensor4D];
  z.dispose(); // the tape keeps its own reference for the gradient
  return y;
}

/**
 * NB201's ReLU-Conv-BN: `batchNorm(conv2d(relu(x), filter))`, batch statistics, conv without bias.
 * With `registerNativeKernels()` on the cpu backend it is one native kernel forward
 * (`LmregReluConvBn`) and one backward instead of 3 + 4 (and their saved tensors); anywhere else
 * the same function in tfjs ops.
 *
 * @param x NHWC float32. @param filter `[k, k, c, o]`. @param gamma, beta `[o]`. Inputs are not
 *   disposed; the caller owns the result.
 */
export function reluConvBn(x: tf.Tensor4D, filter: tf.Tensor4D, gamma: tf.Tensor, beta: tf.Tensor, options: FusedConvOptions = {}): tf.Tensor4D {
  const attrs = resolve('reluConvBn', filter.shape[0], options);
  if (x.dtype === 'float32' && has(RELU_CONV_BN, RELU_CONV_BN_GRAD)) return runFused(RELU_CONV_BN, { x, filter, gamma, beta }, attrs);
  return tf.tidy(() => compositeBatchNorm(tf.conv2d(tf.relu(x), filter, attrs.strides, attrs.pad === 0 ? 'valid' : attrs.pad), gamma, beta, attrs.epsilon));
}

/**
 * DARTS' ReLU + depthwise conv + pointwise conv + BN (dil_conv; each half of sep_conv), one native
 * kernel each way with `registerNativeKernels()`; elsewhere tfjs ops (whose stock depthwise
 * gradient rejects dilation > 1: @lmreg/train composes that case differently).
 *
 * @param depthwiseFilter `[k, k, c, 1]`. @param pointwiseFilter `[1, 1, c, o]`. @param gamma, beta `[o]`.
 */
export function reluSepConvBn(
  x: tf.Tensor4D,
  depthwiseFilter: tf.Tensor4D,
  pointwiseFilter: tf.Tensor4D,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  options: FusedConvOptions & { readonly dilation?: number } = {},
): tf.Tensor4D {
  const attrs = resolve('reluSepConvBn', depthwiseFilter.shape[0], options);
  if (x.dtype === 'float32' && has(RELU_SEP_CONV_BN, RELU_SEP_CONV_BN_GRAD)) {
    return runFused(RELU_SEP_CONV_BN, { x, depthwiseFilter, pointwiseFilter, gamma, beta }, attrs);
  }
  return tf.tidy(() => {
    const d = tf.depthwiseConv2d(tf.relu(x), depthwiseFilter, attrs.strides, attrs.pad === 0 ? 'valid' : attrs.pad, 'NHWC', attrs.dilation);
    return compositeBatchNorm(tf.conv2d(d, pointwiseFilter, 1, 'valid'), gamma, beta, attrs.epsilon);
  });
}
