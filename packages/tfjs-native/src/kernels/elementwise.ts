import { backend_util, broadcast_util, slice_util, util } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';

import { BINARY_OP, loadNativeAddon, REDUCE_OP, UNARY_OP } from '../addon/load.js';
import type { BinaryOp, ReduceOp, UnaryOp } from '../addon/load.js';
import { NativeKernelError } from '../errors.js';
import { uninitialisedFloats } from './output.js';
import { floats } from './conv2d.js';
import type { CpuBackendLike } from './conv2d.js';

const product = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Row-major strides of `shape` in `outRank` dimensions (right-aligned), 0 where it broadcasts. */
export function broadcastStrides(shape: readonly number[], outShape: readonly number[]): Int32Array {
  const out = new Int32Array(outShape.length);
  let step = 1;
  for (let i = shape.length - 1, o = outShape.length - 1; o >= 0; i--, o--) {
    const size = i >= 0 ? (shape[i] ?? 1) : 1;
    out[o] = size === 1 ? 0 : step;
    step *= size;
  }
  return out;
}

function call(kernelName: string, what: string, fn: () => void): void {
  try {
    fn();
  } catch (cause) {
    throw new NativeKernelError(kernelName, `the native ${what} failed: ${String(cause)}`, { cause });
  }
}

/** Float32 values of every input, or `undefined` when one is not float32 / empty (then the stock kernel runs). */
function allFloats(backend: CpuBackendLike, tensors: readonly TensorInfo[]): Float32Array[] | undefined {
  const out: Float32Array[] = [];
  for (const t of tensors) {
    const values = floats(backend, t);
    if (values === undefined || values.length === 0 || values.length !== product(t.shape)) return undefined;
    out.push(values);
  }
  return out;
}

/** Broadcasting binary kernels: `Add`, `Sub`, `Multiply`, `RealDiv`, `SquaredDifference`. */
export const NATIVE_BINARY_KERNELS: Readonly<Record<string, BinaryOp>> = {
  Add: BINARY_OP.add,
  Sub: BINARY_OP.sub,
  Multiply: BINARY_OP.mul,
  RealDiv: BINARY_OP.div,
  SquaredDifference: BINARY_OP.squaredDifference,
};

/**
 * A tfjs binary kernel with two-way broadcasting on the addon (float32 only; other dtypes and
 * empty tensors use `fallback`, the stock kernel). Inputs are read in place.
 */
export function nativeBinaryConfig(kernelName: string, fallback: KernelFunc): KernelConfig {
  const op = NATIVE_BINARY_KERNELS[kernelName];
  if (op === undefined) throw new NativeKernelError(kernelName, 'not a native binary kernel');
  return {
    kernelName,
    backendName: 'cpu',
    kernelFunc: (args) => {
      const backend = args.backend as unknown as CpuBackendLike;
      const a = args.inputs['a'] as TensorInfo;
      const b = args.inputs['b'] as TensorInfo;
      const values = allFloats(backend, [a, b]);
      if (values === undefined || a.dtype !== b.dtype) return fallback(args);
      const [av, bv] = values as [Float32Array, Float32Array];
      const outShape = broadcast_util.assertAndGetBroadcastShape(a.shape, b.shape);
      const out = uninitialisedFloats(product(outShape));
      const shape = outShape.length === 0 ? [1] : outShape;
      call(kernelName, 'binary op', () =>
        loadNativeAddon().binary(op, Int32Array.from(shape), out, av, broadcastStrides(a.shape, shape), bv, broadcastStrides(b.shape, shape)),
      );
      return backend.makeTensorInfo(outShape, 'float32', out);
    },
  };
}

/** Unary kernels: `Relu`, `Step` (its `alpha`), `Neg`, `Square`, `Sqrt`, `Rsqrt`, `Exp`, `Log`. */
export const NATIVE_UNARY_KERNELS: Readonly<Record<string, UnaryOp>> = {
  Relu: UNARY_OP.relu,
  Step: UNARY_OP.step,
  Neg: UNARY_OP.neg,
  Square: UNARY_OP.square,
  Sqrt: UNARY_OP.sqrt,
  Rsqrt: UNARY_OP.rsqrt,
  Exp: UNARY_OP.exp,
  Log: UNARY_OP.log,
};

/** A tfjs unary kernel on the addon (float32 only; otherwise `fallback`). */
export function nativeUnaryConfig(kernelName: string, fallback: KernelFunc): KernelConfig {
  const op = NATIVE_UNARY_KERNELS[kernelName];
  if (op === undefined) throw new NativeKernelError(kernelName, 'not a native unary kernel');
  return {
    kernelName,
    backendName: 'cpu',
    kernelFunc: (args) => {
      const backend = args.backend as unknown as CpuBackendLike;
      const x = args.inputs['x'] as TensorInfo;
      const values = allFloats(backend, [x]);
      if (values === undefined) return fallback(args);
      const xv = values[0] as Float32Array;
      const out = uninitialisedFloats(xv.length);
      const alpha = kernelName === 'Step' ? Number((args.attrs as { alpha?: number } | undefined)?.alpha ?? 0) : 0;
      call(kernelName, 'unary op', () => loadNativeAddon().unary(op, xv, out, alpha));
      return backend.makeTensorInfo([...x.shape], 'float32', out);
    },
  };
}

/** Reduction kernels over any axes: `Sum`, `Mean`, `Max`. */
export const NATIVE_REDUCE_KERNELS: Readonly<Record<string, ReduceOp>> = {
  Sum: REDUCE_OP.sum,
  Mean: REDUCE_OP.mean,
  Max: REDUCE_OP.max,
};

/**
 * A tfjs reduction on the addon: reduces the axes in place, without tfjs cpu's transpose to the
 * innermost axis; accumulates in double (float32 inputs only; otherwise `fallback`).
 */
export function nativeReduceConfig(kernelName: string, fallback: KernelFunc): KernelConfig {
  const op = NATIVE_REDUCE_KERNELS[kernelName];
  if (op === undefined) throw new NativeKernelError(kernelName, 'not a native reduction kernel');
  return {
    kernelName,
    backendName: 'cpu',
    kernelFunc: (args) => {
      const backend = args.backend as unknown as CpuBackendLike;
      const x = args.inputs['x'] as TensorInfo;
      const values = allFloats(backend, [x]);
      if (values === undefined) return fallback(args);
      // Sum and Mean call the axes `axis`, Max `reductionIndices`; null / undefined means every axis.
      const { axis, reductionIndices, keepDims } = args.attrs as unknown as {
        axis?: number | number[];
        reductionIndices?: number | number[];
        keepDims: boolean;
      };
      const rank = x.shape.length;
      const axes = util.parseAxisParam((kernelName === 'Max' ? reductionIndices : axis) as number | number[], x.shape).map((a) => (a < 0 ? a + rank : a));
      const [reducedShape] = backend_util.computeOutAndReduceShapes(x.shape, axes);
      const outShape = keepDims ? backend_util.expandShapeToKeepDim(reducedShape, axes) : reducedShape;
      const shape = x.shape.length === 0 ? [1] : x.shape;
      const mask = Int32Array.from(shape, (_, i) => (axes.includes(i) ? 1 : 0));
      const out = uninitialisedFloats(product(reducedShape));
      call(kernelName, 'reduction', () => loadNativeAddon().reduce(op, Int32Array.from(shape), mask, values[0] as Float32Array, out));
      return backend.makeTensorInfo(outShape, 'float32', out);
    },
  };
}

/** tfjs `AddN` (same-shape float32 inputs, summed in order) on the addon. */
export function nativeAddNConfig(fallback: KernelFunc): KernelConfig {
  return {
    kernelName: 'AddN',
    backendName: 'cpu',
    kernelFunc: (args) => {
      const backend = args.backend as unknown as CpuBackendLike;
      const tensors = args.inputs as unknown as TensorInfo[];
      const values = allFloats(backend, tensors);
      const first = tensors[0];
      if (values === undefined || first === undefined || tensors.some((t) => !util.arraysEqual(t.shape, first.shape))) {
        return fallback(args);
      }
      const out = uninitialisedFloats(product(first.shape));
      call('AddN', 'AddN', () => loadNativeAddon().addN(out, values));
      return backend.makeTensorInfo([...first.shape], 'float32', out);
    },
  };
}

const rowMajorStrides = (shape: readonly number[]): Int32Array => {
  const out = new Int32Array(shape.length);
  let step = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    out[i] = step;
    step *= shape[i] ?? 1;
  }
  return out;
};

/**
 * tfjs `Slice` on the addon for non-contiguous slices (a strided copy); contiguous slices keep
 * the stock kernel, which returns a view without copying.
 */
export function nativeSliceConfig(fallback: KernelFunc): KernelConfig {
  return {
    kernelName: 'Slice',
    backendName: 'cpu',
    kernelFunc: (args) => {
      const backend = args.backend as unknown as CpuBackendLike;
      const x = args.inputs['x'] as TensorInfo;
      const values = allFloats(backend, [x]);
      if (values === undefined || x.shape.length === 0) return fallback(args);
      const { begin, size } = args.attrs as unknown as { begin: number | number[]; size: number | number[] };
      const [$begin, $size] = slice_util.parseSliceParams(x, begin, size) as [number[], number[]];
      slice_util.assertParamsValid(x, $begin, $size);
      if (product($size) === 0 || slice_util.isSliceContinous(x.shape, $begin, $size)) return fallback(args);
      const xStrides = rowMajorStrides(x.shape);
      const offset = $begin.reduce((a, b, i) => a + b * (xStrides[i] ?? 0), 0);
      const out = uninitialisedFloats(product($size));
      call('Slice', 'strided copy', () =>
        loadNativeAddon().copy(Int32Array.from($size), out, 0, rowMajorStrides($size), values[0] as Float32Array, offset, xStrides),
      );
      return backend.makeTensorInfo($size, 'float32', out);
    },
  };
}

/** tfjs `PadV2` (constant padding) on the addon: fill, then one strided copy of the input. */
export function nativePadConfig(fallback: KernelFunc): KernelConfig {
  return {
    kernelName: 'PadV2',
    backendName: 'cpu',
    kernelFunc: (args) => {
      const backend = args.backend as unknown as CpuBackendLike;
      const x = args.inputs['x'] as TensorInfo;
      const values = allFloats(backend, [x]);
      const { paddings, constantValue } = args.attrs as unknown as { paddings: [number, number][]; constantValue: number };
      if (values === undefined || x.shape.length === 0 || paddings.length !== x.shape.length) return fallback(args);
      const outShape = x.shape.map((d, i) => (paddings[i]?.[0] ?? 0) + d + (paddings[i]?.[1] ?? 0));
      const outStrides = rowMajorStrides(outShape);
      const offset = paddings.reduce((a, [before], i) => a + before * (outStrides[i] ?? 0), 0);
      const out = new Float32Array(product(outShape)); // zero-filled: the copy writes only the interior
      if (constantValue !== 0) out.fill(constantValue);
      call('PadV2', 'strided copy', () =>
        loadNativeAddon().copy(Int32Array.from(x.shape), out, offset, outStrides, values[0] as Float32Array, 0, rowMajorStrides(x.shape)),
      );
      return backend.makeTensorInfo(outShape, 'float32', out);
    },
  };
}

/**
 * tfjs `BatchMatMul` on oneDNN's matmul primitive (float32, rank >= 2, equal batch dimensions on
 * both sides; batch broadcasting and other dtypes use `fallback`).
 */
export function nativeBatchMatMulConfig(fallback: KernelFunc): KernelConfig {
  return {
    kernelName: 'BatchMatMul',
    backendName: 'cpu',
    kernelFunc: (args) => {
      const backend = args.backend as unknown as CpuBackendLike;
      const a = args.inputs['a'] as TensorInfo;
      const b = args.inputs['b'] as TensorInfo;
      const { transposeA, transposeB } = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
      const values = allFloats(backend, [a, b]);
      const ra = a.shape.length;
      const rb = b.shape.length;
      if (values === undefined || ra < 2 || ra !== rb || !util.arraysEqual(a.shape.slice(0, -2), b.shape.slice(0, -2))) {
        return fallback(args);
      }
      const m = (transposeA ? a.shape[ra - 1] : a.shape[ra - 2]) ?? 0;
      const k = (transposeA ? a.shape[ra - 2] : a.shape[ra - 1]) ?? 0;
      const kb = (transposeB ? b.shape[rb - 1] : b.shape[rb - 2]) ?? 0;
      const n = (transposeB ? b.shape[rb - 2] : b.shape[rb - 1]) ?? 0;
      if (k !== kb) return fallback(args); // the stock kernel throws tfjs's own error
      const outer = a.shape.slice(0, -2);
      const batch = product(outer);
      const out = uninitialisedFloats(batch * m * n);
      const [av, bv] = values as [Float32Array, Float32Array];
      call('BatchMatMul', 'oneDNN matmul', () => loadNativeAddon().matmul(Int32Array.of(batch, m, k, n, transposeA ? 1 : 0, transposeB ? 1 : 0), av, bv, out));
      return backend.makeTensorInfo([...outer, m, n], 'float32', out);
    },
  };
}
