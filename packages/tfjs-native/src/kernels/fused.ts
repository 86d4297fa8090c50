import { backend_util } from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';
import type { GradConfig, KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';

import { BINARY_OP, loadNativeAddon, POOL_OP, UNARY_OP } from '../addon/load.js';
import { NativeKernelError } from '../errors.js';
import { nativeGeometry } from './conv2d.js';
import type { CpuBackendLike } from './conv2d.js';
import { callAddon, float32Input as float32, sizeOf } from './native-call.js';
import { uninitialisedFloats } from './output.js';

/**
 * Kernel names this package defines (registered for cpu by `registerNativeKernels`, with their
 * gradients). They exist to cut the number of tfjs kernel calls of a training step, each of which
 * allocates its output: tfjs-core's gradient of `Relu` is `dy * cast(step(x))` (three kernels) and
 * an average pool that excludes the padding from its counts with an exact gradient needs pad +
 * pool + rescale in tfjs ops (six kernels with the backward pass).
 *
 * Code that wants them without importing this package can test `tf.getKernel(name, tf.getBackend())`
 * and call `tf.engine().runKernel(name, ...)`.
 */
/** `{x}` -> `max(x, 0)`; its gradient is one `LmregReluGrad`. */
export const RELU = 'LmregRelu';
/** `{dy, x}` -> `dy * step(x)` (tfjs' Relu gradient, NaN where x is NaN), one pass. */
export const RELU_GRAD = 'LmregReluGrad';
/**
 * `{x}`, attrs `{filterSize, strides, pad}` (numbers; `pad` symmetric zero padding, PyTorch's
 * `nn.AvgPool2d(k, stride, pad, count_include_pad=False)`) -> each output the mean of the in-image
 * pixels of its window. Its gradient is one `LmregAvgPoolGrad`.
 */
export const AVG_POOL = 'LmregAvgPool';
/** `{dy, x}`, the same attrs -> dx, the exact adjoint of `LmregAvgPool` (padding excluded from the counts). */
export const AVG_POOL_GRAD = 'LmregAvgPoolGrad';

/**
 * `{t0, ..., t<count-1>}` (same shape, float32), attrs `{count}` -> their sum, added in order in
 * float32 (as tfjs' AddN). Its gradient hands each input a copy of dy without the tape saving the
 * inputs: tfjs-core's AddN gradient saves every input (one `Identity` call each) only to count them.
 */
export const ADD_N = 'LmregAddN';

interface AvgPoolAttrs {
  filterSize: number;
  strides: number;
  pad: number;
}

function sameShape(kernelName: string, a: TensorInfo, b: TensorInfo): void {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new NativeKernelError(kernelName, `dy [${a.shape.join(', ')}] and x [${b.shape.join(', ')}] must have the same shape`);
  }
}

/** The cpu kernel of `LmregRelu`. */
export const reluConfig: KernelConfig = {
  kernelName: RELU,
  backendName: 'cpu',
  kernelFunc: (args) => {
    const backend = args.backend as unknown as CpuBackendLike;
    const x = args.inputs['x'] as TensorInfo;
    const xv = float32(RELU, backend, x, 'x');
    const out = uninitialisedFloats(xv.length);
    callAddon(RELU, 'relu', () => loadNativeAddon().unary(UNARY_OP.relu, xv, out, 0));
    return backend.makeTensorInfo([...x.shape], 'float32', out);
  },
};

/** The cpu kernel of `LmregReluGrad`. */
export const reluGradConfig: KernelConfig = {
  kernelName: RELU_GRAD,
  backendName: 'cpu',
  kernelFunc: (args) => {
    const backend = args.backend as unknown as CpuBackendLike;
    const dy = args.inputs['dy'] as TensorInfo;
    const x = args.inputs['x'] as TensorInfo;
    sameShape(RELU_GRAD, dy, x);
    const dyv = float32(RELU_GRAD, backend, dy, 'dy');
    const xv = float32(RELU_GRAD, backend, x, 'x');
    const out = uninitialisedFloats(xv.length);
    const flat = Int32Array.of(Math.max(1, xv.length));
    const unit = Int32Array.of(1);
    if (xv.length > 0) callAddon(RELU_GRAD, 'relu gradient', () => loadNativeAddon().binary(BINARY_OP.reluGrad, flat, out, dyv, unit, xv, unit));
    return backend.makeTensorInfo([...x.shape], 'float32', out);
  },
};

/** The gradient of `LmregRelu` (runs `LmregReluGrad` by name). */
export const reluGradient: GradConfig = {
  kernelName: RELU,
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const [x] = saved as [tf.Tensor];
    return { x: () => tf.engine().runKernel(RELU_GRAD, { dy: dy as tf.Tensor, x }) as tf.Tensor };
  },
};

function poolGeometry(kernelName: string, shape: readonly number[], attrs: unknown): { info: backend_util.Conv2DInfo; geometry: Int32Array } {
  const { filterSize, strides, pad } = attrs as AvgPoolAttrs;
  for (const [name, v, min] of [
    ['filterSize', filterSize, 1],
    ['strides', strides, 1],
    ['pad', pad, 0],
  ] as const) {
    if (!Number.isSafeInteger(v) || v < min) throw new NativeKernelError(kernelName, `attr ${name} must be an integer >= ${min}, got ${String(v)}`);
  }
  if (shape.length !== 4) throw new NativeKernelError(kernelName, `x must be NHWC, got shape [${shape.join(', ')}]`);
  if (2 * pad > filterSize) {
    throw new NativeKernelError(kernelName, `pad ${pad} must be at most half the window ${filterSize} (a window of only padding has no mean)`);
  }
  const info = backend_util.computePool2DInfo(shape as [number, number, number, number], filterSize, strides, 1, pad);
  const geometry = nativeGeometry(info);
  if (geometry === undefined)
    throw new NativeKernelError(kernelName, `no output for x [${shape.join(', ')}] with a ${filterSize}x${filterSize} window, stride ${strides}, pad ${pad}`);
  return { info, geometry };
}

function pool(kernelName: string, op: number, geometry: Int32Array, a: Float32Array, size: number): Float32Array {
  const out = uninitialisedFloats(size);
  callAddon(kernelName, 'oneDNN pooling', () => loadNativeAddon().pool(op as never, geometry, a, out));
  return out;
}

/** The cpu kernel of `LmregAvgPool` (oneDNN avg pooling, padding excluded). */
export const avgPoolConfig: KernelConfig = {
  kernelName: AVG_POOL,
  backendName: 'cpu',
  kernelFunc: (args) => {
    const backend = args.backend as unknown as CpuBackendLike;
    const x = args.inputs['x'] as TensorInfo;
    const { info, geometry } = poolGeometry(AVG_POOL, x.shape, args.attrs);
    const out = pool(AVG_POOL, POOL_OP.avgForward, geometry, float32(AVG_POOL, backend, x, 'x'), sizeOf(info.outShape));
    return backend.makeTensorInfo(info.outShape, 'float32', out);
  },
};

/** The cpu kernel of `LmregAvgPoolGrad` (oneDNN avg pooling backward: the exact adjoint). */
export const avgPoolGradConfig: KernelConfig = {
  kernelName: AVG_POOL_GRAD,
  backendName: 'cpu',
  kernelFunc: (args) => {
    const backend = args.backend as unknown as CpuBackendLike;
    const dy = args.inputs['dy'] as TensorInfo;
    const x = args.inputs['x'] as TensorInfo;
    const { info, geometry } = poolGeometry(AVG_POOL_GRAD, x.shape, args.attrs);
    if (dy.shape.length !== 4 || dy.shape.some((d, i) => d !== info.outShape[i])) {
      throw new NativeKernelError(AVG_POOL_GRAD, `dy must have the pool's output shape [${info.outShape.join(', ')}], got [${dy.shape.join(', ')}]`);
    }
    const dx = pool(AVG_POOL_GRAD, POOL_OP.avgBackward, geometry, float32(AVG_POOL_GRAD, backend, dy, 'dy'), sizeOf(x.shape));
    return backend.makeTensorInfo([...x.shape], 'float32', dx);
  },
};

/** The gradient of `LmregAvgPool` (runs `LmregAvgPoolGrad` by name). */
export const avgPoolGradient: GradConfig = {
  kernelName: AVG_POOL,
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved as [tf.Tensor];
    return { x: () => tf.engine().runKernel(AVG_POOL_GRAD, { dy: dy as tf.Tensor, x }, attrs as never) as tf.Tensor };
  },
};

function addNCount(attrs: unknown): number {
  const count = (attrs as { count?: unknown } | undefined)?.count;
  if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 1) {
    throw new NativeKernelError(ADD_N, `attr count must be an integer >= 1, got ${String(count)}`);
  }
  return count;
}

/** The cpu kernel of `LmregAddN`. */
export const addNConfig: KernelConfig = {
  kernelName: ADD_N,
  backendName: 'cpu',
  kernelFunc: (args) => {
    const backend = args.backend as unknown as CpuBackendLike;
    const count = addNCount(args.attrs);
    const tensors = Array.from({ length: count }, (_, i) => args.inputs[`t${i}`]);
    const first = tensors[0];
    const values = tensors.map((t, i) => {
      if (t === undefined) throw new NativeKernelError(ADD_N, `missing input t${i}`);
      if (first !== undefined && (t.shape.length !== first.shape.length || t.shape.some((d, k) => d !== first.shape[k]))) {
        throw new NativeKernelError(ADD_N, `t${i} [${t.shape.join(', ')}] and t0 [${first.shape.join(', ')}] differ in shape`);
      }
      return float32(ADD_N, backend, t, `t${i}`);
    });
    const out = uninitialisedFloats(sizeOf((first as TensorInfo).shape));
    if (out.length > 0) callAddon(ADD_N, 'addN', () => loadNativeAddon().addN(out, values));
    return backend.makeTensorInfo([...(first as TensorInfo).shape], 'float32', out);
  },
};

/** The gradient of `LmregAddN`: a copy of dy for each input (nothing saved). */
export const addNGradient: GradConfig = {
  kernelName: ADD_N,
  gradFunc: (dy, _saved, attrs) => {
    const count = addNCount(attrs);
    return Object.fromEntries(Array.from({ length: count }, (_, i) => [`t${i}`, () => tf.clone(dy as tf.Tensor)]));
  },
};
