import { backend_util } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';

import { loadNativeAddon, POOL_OP } from '../addon/load.js';
import type { PoolOp } from '../addon/load.js';
import { NativeKernelError } from '../errors.js';
import { uninitialisedFloats } from './output.js';
import { floats, nativeGeometry } from './conv2d.js';
import type { CpuBackendLike } from './conv2d.js';

type Shape4 = [number, number, number, number];

interface PoolAttrs {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

const product = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

function poolInfo(shape: readonly number[], attrs: PoolAttrs): backend_util.Conv2DInfo {
  return backend_util.computePool2DInfo(shape as Shape4, attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
}

function run(kernelName: string, op: PoolOp, geometry: Int32Array, a: Float32Array, size: number, x?: Float32Array): Float32Array {
  const out = uninitialisedFloats(size);
  try {
    if (x === undefined) loadNativeAddon().pool(op, geometry, a, out);
    else loadNativeAddon().pool(op, geometry, a, out, x);
  } catch (cause) {
    throw new NativeKernelError(kernelName, `the oneDNN pooling failed: ${String(cause)}`, { cause });
  }
  return out;
}

/** tfjs `AvgPool` / `MaxPool` (NHWC; averages exclude the padding, as tfjs does) on oneDNN for cpu. */
export function nativePoolConfig(kernelName: 'AvgPool' | 'MaxPool', fallback: KernelFunc): KernelConfig {
  const op = kernelName === 'AvgPool' ? POOL_OP.avgForward : POOL_OP.maxForward;
  return {
    kernelName,
    backendName: 'cpu',
    kernelFunc: (args) => {
      const backend = args.backend as unknown as CpuBackendLike;
      const x = args.inputs['x'] as TensorInfo;
      const info = poolInfo(x.shape, args.attrs as unknown as PoolAttrs);
      const geometry = nativeGeometry(info);
      const xv = floats(backend, x);
      if (geometry === undefined || xv === undefined) return fallback(args);
      return backend.makeTensorInfo(info.outShape, 'float32', run(kernelName, op, geometry, xv, product(info.outShape)));
    },
  };
}

/**
 * tfjs `AvgPoolGrad` / `MaxPoolGrad` on oneDNN for cpu. `AvgPoolGrad` is the exact adjoint of
 * `AvgPool` (padding excluded from the counts); `MaxPoolGrad` routes dy to the first maximum of
 * each window of the forward input (it recomputes the forward pass for oneDNN's argmax workspace).
 */
export function nativePoolGradConfig(kernelName: 'AvgPoolGrad' | 'MaxPoolGrad', fallback: KernelFunc): KernelConfig {
  const op = kernelName === 'AvgPoolGrad' ? POOL_OP.avgBackward : POOL_OP.maxBackward;
  return {
    kernelName,
    backendName: 'cpu',
    kernelFunc: (args) => {
      const backend = args.backend as unknown as CpuBackendLike;
      const dy = args.inputs['dy'] as TensorInfo;
      const input = args.inputs['input'] as TensorInfo;
      const info = poolInfo(input.shape, args.attrs as unknown as PoolAttrs);
      const geometry = nativeGeometry(info);
      const dyv = floats(backend, dy);
      const xv = op === POOL_OP.maxBackward ? floats(backend, input) : undefined;
      const sameOut = dy.shape.length === 4 && dy.shape.every((v, i) => v === info.outShape[i]);
      if (geometry === undefined || dyv === undefined || !sameOut || (op === POOL_OP.maxBackward && xv === undefined)) {
        return fallback(args);
      }
      const dx = run(kernelName, op, geometry, dyv, product(input.shape), xv);
      return backend.makeTensorInfo([...input.shape], 'float32', dx);
    },
  };
}
