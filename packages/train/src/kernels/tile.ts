import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';

import { isWasmBackend, sizeOf } from './kernel-runner.js';

type NumericArray = Float32Array | Int32Array | Uint8Array;
type TileBuffer = NumericArray | unknown[];

/**
 * Tiles `shape`-shaped data already stored at the start of `buffer` in place, so that the buffer
 * ends up holding the tiled tensor. Works axis by axis from the innermost, moving every block to
 * its final place (last block first, so no unread block is overwritten) and filling its repeats by
 * doubling copies; everything is a memmove (`copyWithin`).
 */
export function tileInPlace(buffer: TileBuffer, shape: readonly number[], reps: readonly number[]): void {
  const current = [...shape];
  for (let axis = current.length - 1; axis >= 0; axis--) {
    const repeat = reps[axis] ?? 1;
    if (repeat === 1) continue;
    let outer = 1;
    for (let i = 0; i < axis; i++) outer *= current[i] ?? 1;
    let block = 1;
    for (let i = axis; i < current.length; i++) block *= current[i] ?? 1;
    const total = block * repeat;
    if (block > 0) {
      for (let o = outer - 1; o >= 0; o--) {
        const target = o * total;
        const source = o * block;
        if (block < 32) {
          // Small blocks: a plain loop beats many tiny copyWithin calls. For o >= 1 the target
          // lies entirely after the source; for o = 0 the first repeat is the source itself.
          for (let r = 0; r < repeat; r++) {
            for (let j = 0; j < block; j++) buffer[target + r * block + j] = buffer[source + j] as never;
          }
          continue;
        }
        buffer.copyWithin(target, source, source + block);
        for (let filled = block; filled < total;) {
          const count = Math.min(filled, total - filled);
          buffer.copyWithin(target + filled, target, target + count);
          filled += count;
        }
      }
    }
    current[axis] = (current[axis] ?? 1) * repeat;
  }
}

/**
 * A `Tile` for the wasm backend that copies memory blocks instead of computing every element's
 * source index (tfjs-backend-wasm 4.22's Tile took ~135 ms to broadcast [1,1,1,16] to
 * [64,32,32,16]; `tf.batchNorm`'s gradient does exactly that). Also tiles string tensors, which
 * the built-in wasm Tile aborts on. Other dtypes (complex64) go to `fallback`.
 */
export function fastTileConfig(backendName: string, fallback: KernelConfig | undefined): KernelConfig {
  const kernelFunc: KernelFunc = (args) => {
    const { inputs, backend, attrs } = args;
    const { x } = inputs as { x: TensorInfo };
    const reps = (attrs as unknown as { reps: number[] }).reps;
    const kernelBackend = backend as tf.KernelBackend;
    const outShape = x.shape.map((d, i) => d * (reps[i] ?? 1));
    if (x.dtype === 'string') {
      const source = kernelBackend.readSync(x.dataId) as unknown as Uint8Array[];
      const tiled: Uint8Array[] = new Array<Uint8Array>(sizeOf(outShape));
      for (let i = 0; i < source.length; i++) tiled[i] = source[i] ?? new Uint8Array(0);
      tileInPlace(tiled, x.shape, reps);
      return { dataId: kernelBackend.write(tiled, outShape, 'string'), shape: outShape, dtype: 'string' };
    }
    if (x.dtype === 'complex64' || !isWasmBackend(kernelBackend)) {
      if (fallback === undefined) throw new Error(`lmreg Tile: no fallback kernel for dtype ${x.dtype}`);
      return fallback.kernelFunc(args);
    }
    const out = kernelBackend.makeOutput(outShape, x.dtype);
    if (sizeOf(outShape) === 0) return out;
    // Views are taken after the allocation: growing the wasm heap invalidates older views.
    const target = kernelBackend.typedArrayFromHeap(out);
    target.set(kernelBackend.typedArrayFromHeap(x));
    tileInPlace(target, x.shape, reps);
    return out;
  };
  return { kernelName: tf.Tile, backendName, kernelFunc };
}
