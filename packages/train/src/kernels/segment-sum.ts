import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';

import { isWasmBackend, sizeOf } from './kernel-runner.js';

/**
 * `UnsortedSegmentSum` for the wasm backend, which tfjs-backend-wasm 4.22 lacks. tfjs's gradient of
 * `tf.gather` uses it, so without it any model with an embedding lookup (NAO's encoder, GDAS's
 * per-edge weights) cannot train on wasm. Sums the rows of `x` (along axis 0) into
 * `numSegments` segments by `segmentIds`; ids outside `[0, numSegments)` are dropped, as tfjs does.
 */
export function unsortedSegmentSumConfig(backendName: string): KernelConfig {
  const kernelFunc: KernelFunc = ({ inputs, backend, attrs }) => {
    const { x, segmentIds } = inputs as { x: TensorInfo; segmentIds: TensorInfo };
    const numSegments = (attrs as unknown as { numSegments: number }).numSegments;
    if (!isWasmBackend(backend as tf.KernelBackend)) throw new Error('lmreg UnsortedSegmentSum: not a wasm backend');
    const wasm = backend as unknown as Parameters<typeof isWasmBackend>[0] & {
      makeOutput(shape: number[], dtype: tf.DataType): TensorInfo;
      typedArrayFromHeap(info: TensorInfo): Float32Array | Int32Array | Uint8Array;
    };
    const rows = x.shape[0] ?? 0;
    const inner = rows === 0 ? 0 : sizeOf(x.shape) / rows;
    const outShape = [numSegments, ...x.shape.slice(1)];
    const dtype = x.dtype === 'bool' ? 'int32' : x.dtype;
    const out = wasm.makeOutput(outShape, dtype);
    // Views are taken after the allocation: growing the wasm heap invalidates older views.
    const target = wasm.typedArrayFromHeap(out);
    target.fill(0);
    const source = wasm.typedArrayFromHeap(x);
    const ids = wasm.typedArrayFromHeap(segmentIds);
    for (let r = 0; r < rows; r++) {
      const s = ids[r] ?? -1;
      if (s < 0 || s >= numSegments) continue;
      const from = r * inner;
      const to = s * inner;
      for (let k = 0; k < inner; k++) target[to + k] = (target[to + k] ?? 0) + (source[from + k] ?? 0);
    }
    return out;
  };
  return { kernelName: tf.UnsortedSegmentSum, backendName, kernelFunc };
}
