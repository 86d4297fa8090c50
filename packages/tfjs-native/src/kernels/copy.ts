import { backend_util, util } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';

import { loadNativeAddon } from '../addon/load.js';
import { NativeKernelError } from '../errors.js';
import type { CpuBackendLike } from './conv2d.js';
import { floats } from './conv2d.js';
import { uninitialisedFloats } from './output.js';

// `SplitV` (the gradient of `Concat`) and `Concat` along any axis as strided copies on the addon.
// The stock cpu SplitV slices with a per-element JavaScript loop when the split is not along the
// first axis: a DARTS cell's channel concat made its gradient ~10 s per C=16 training step.

const product = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

function rowMajorStrides(shape: readonly number[]): Int32Array {
  const out = new Int32Array(shape.length);
  let step = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    out[i] = step;
    step *= shape[i] ?? 1;
  }
  return out;
}

function copy(
  kernelName: string,
  shape: readonly number[],
  dst: Float32Array,
  dstOffset: number,
  dstStrides: Int32Array,
  src: Float32Array,
  srcOffset: number,
  srcStrides: Int32Array,
): void {
  try {
    loadNativeAddon().copy(Int32Array.from(shape), dst, dstOffset, dstStrides, src, srcOffset, srcStrides);
  } catch (cause) {
    throw new NativeKernelError(kernelName, `the native strided copy failed: ${String(cause)}`, { cause });
  }
}

/** tfjs `SplitV`: one strided copy per output; the stock kernel for non-float32, empty or rank-0 inputs. */
export function nativeSplitVConfig(fallback: KernelFunc): KernelConfig {
  return {
    kernelName: 'SplitV',
    backendName: 'cpu',
    kernelFunc: (args) => {
      const backend = args.backend as unknown as CpuBackendLike;
      const x = args.inputs['x'] as TensorInfo;
      const values = floats(backend, x);
      if (values === undefined || x.shape.length === 0 || values.length !== product(x.shape) || values.length === 0) return fallback(args);
      const { numOrSizeSplits, axis } = args.attrs as unknown as { numOrSizeSplits: number | number[]; axis: number };
      const $axis = util.parseAxisParam(axis, x.shape)[0] ?? 0;
      const sizes = backend_util.prepareSplitSize(x as never, numOrSizeSplits, $axis);
      const xStrides = rowMajorStrides(x.shape);
      let begin = 0;
      return sizes.map((size) => {
        const shape = x.shape.map((d, i) => (i === $axis ? size : d));
        const out = uninitialisedFloats(product(shape));
        if (out.length > 0) copy('SplitV', shape, out, 0, rowMajorStrides(shape), values, begin * (xStrides[$axis] ?? 0), xStrides);
        begin += size;
        return backend.makeTensorInfo(shape, 'float32', out);
      });
    },
  };
}

/** tfjs `Concat`: one strided copy per input; the stock kernel for other dtypes, one input or mixed ranks. */
export function nativeConcatConfig(fallback: KernelFunc): KernelConfig {
  return {
    kernelName: 'Concat',
    backendName: 'cpu',
    kernelFunc: (args) => {
      const backend = args.backend as unknown as CpuBackendLike;
      const inputs = Object.values(args.inputs) as TensorInfo[];
      const first = inputs[0];
      if (first === undefined || inputs.length < 2 || first.shape.length === 0) return fallback(args);
      const $axis = util.parseAxisParam((args.attrs as unknown as { axis: number }).axis, first.shape)[0] ?? 0;
      const sources: Float32Array[] = [];
      for (const t of inputs) {
        const v = floats(backend, t);
        if (v === undefined || v.length !== product(t.shape) || t.shape.length !== first.shape.length) return fallback(args);
        if (t.shape.some((d, i) => i !== $axis && d !== first.shape[i])) return fallback(args);
        sources.push(v);
      }
      const outShape = first.shape.map((d, i) => (i === $axis ? inputs.reduce((a, t) => a + (t.shape[i] ?? 0), 0) : d));
      const out = uninitialisedFloats(product(outShape));
      const outStrides = rowMajorStrides(outShape);
      let begin = 0;
      inputs.forEach((t, j) => {
        const src = sources[j] as Float32Array;
        if (src.length > 0) copy('Concat', t.shape, out, begin * (outStrides[$axis] ?? 0), outStrides, src, 0, rowMajorStrides(t.shape));
        begin += t.shape[$axis] ?? 0;
      });
      return backend.makeTensorInfo(outShape, 'float32', out);
    },
  };
}
