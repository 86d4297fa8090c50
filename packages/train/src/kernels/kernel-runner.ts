import * as tf from '@tensorflow/tfjs-core';
import type { DataType, KernelBackend, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';

/**
 * The parts of tfjs-backend-wasm's `BackendWasm` that our kernels use. Declared structurally so
 * that this module never imports the backend package (library code must not).
 */
export interface WasmBackendLike extends KernelBackend {
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array | Int32Array | Uint8Array;
}

/** True when `backend` looks like tfjs-backend-wasm's backend (has heap views). */
export function isWasmBackend(backend: KernelBackend): backend is WasmBackendLike {
  const candidate = backend as Partial<WasmBackendLike>;
  return typeof candidate.makeOutput === 'function' && typeof candidate.typedArrayFromHeap === 'function';
}

/** Number of elements of a shape. */
export function sizeOf(shape: readonly number[]): number {
  let size = 1;
  for (const dim of shape) size *= dim;
  return size;
}

/** Reads `shape[index]`, failing loudly instead of yielding `undefined`. */
export function dim(shape: readonly number[], index: number): number {
  const value = shape[index];
  if (value === undefined) throw new Error(`lmreg kernels: shape [${shape.join(',')}] has no axis ${index}`);
  return value;
}

/**
 * Runs other kernels of one backend on `TensorInfo`s from inside a kernel, and frees every
 * intermediate result it made when `dispose()` is called (except those passed to `keep`).
 *
 * This mirrors how tfjs's own backends compose kernels: no tensors, no engine scopes, no tape.
 */
export class KernelRunner {
  private readonly temps: TensorInfo[] = [];

  constructor(
    readonly backend: KernelBackend,
    readonly backendName: string,
  ) {}

  /** Runs kernel `name` of this backend; the result is freed by `dispose()` unless kept. */
  run(name: string, inputs: Record<string, TensorInfo> | TensorInfo[], attrs: NamedAttrMap = {}): TensorInfo {
    const kernel = tf.getKernel(name, this.backendName) as tf.KernelConfig | undefined;
    if (kernel === undefined) {
      throw new Error(`lmreg kernels: kernel '${name}' is not registered for backend '${this.backendName}'`);
    }
    const out = kernel.kernelFunc({
      inputs: inputs as unknown as tf.NamedTensorInfoMap,
      backend: this.backend,
      attrs,
    });
    if (Array.isArray(out)) throw new Error(`lmreg kernels: kernel '${name}' returned several outputs`);
    this.temps.push(out);
    return out;
  }

  /** Registers a TensorInfo made elsewhere (e.g. `makeOutput`) as an intermediate to free. */
  track(info: TensorInfo): TensorInfo {
    this.temps.push(info);
    return info;
  }

  /** Excludes `info` from disposal (it becomes the kernel's output). */
  keep(info: TensorInfo): TensorInfo {
    const index = this.temps.lastIndexOf(info);
    if (index >= 0) this.temps.splice(index, 1);
    return info;
  }

  /** Frees an intermediate now instead of at `dispose()`. */
  free(info: TensorInfo): void {
    const index = this.temps.lastIndexOf(info);
    if (index < 0) return;
    this.temps.splice(index, 1);
    this.backend.disposeData(info.dataId);
  }

  reshape(x: TensorInfo, shape: number[]): TensorInfo {
    return this.run('Reshape', { x }, { shape });
  }

  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    return this.run('Transpose', { x }, { perm });
  }

  /** Pads with zeros; `paddings` entries may be negative, which crops instead. */
  padOrCrop(x: TensorInfo, paddings: Array<[number, number]>): TensorInfo {
    let current = x;
    if (paddings.some(([before, after]) => before < 0 || after < 0)) {
      const begin = paddings.map(([before]) => Math.max(0, -before));
      const size = paddings.map(([before, after], axis) => dim(current.shape, axis) - Math.max(0, -before) - Math.max(0, -after));
      current = this.run('Slice', { x: current }, { begin, size });
    }
    if (paddings.some(([before, after]) => before > 0 || after > 0)) {
      const positive = paddings.map(([before, after]): [number, number] => [Math.max(0, before), Math.max(0, after)]);
      current = this.run('PadV2', { x: current }, { paddings: positive, constantValue: 0 });
    }
    return current;
  }

  /** Float32 values of `info` (a copy on wasm; do not keep across allocations). */
  read(info: TensorInfo): Float32Array {
    const values = this.backend.readSync(info.dataId);
    if (!(values instanceof Float32Array)) throw new Error('lmreg kernels: expected float32 data');
    return values;
  }

  /**
   * Makes a zero-filled float32 TensorInfo (tracked as an intermediate) and lets `fill` write its
   * values: straight into the wasm heap on wasm, else into a host array that is then uploaded.
   * Pass `zeroed = false` when `fill` writes every element.
   * `fill` must not run kernels (an allocation could move the heap under the view).
   */
  fromFill(shape: number[], fill: (values: Float32Array) => void, zeroed = true): TensorInfo {
    const backend = this.backend;
    if (isWasmBackend(backend)) {
      const out = this.track(backend.makeOutput(shape, 'float32'));
      const view = backend.typedArrayFromHeap(out) as Float32Array;
      if (zeroed) view.fill(0);
      fill(view);
      return out;
    }
    const values = new Float32Array(sizeOf(shape));
    fill(values);
    return this.fromValues(shape, values);
  }

  /** Makes a float32 TensorInfo holding `values` (tracked as an intermediate). */
  fromValues(shape: number[], values: Float32Array): TensorInfo {
    return this.track(makeFloat32(this.backend, shape, values));
  }

  dispose(): void {
    for (const info of this.temps) this.backend.disposeData(info.dataId);
    this.temps.length = 0;
  }
}

/** Makes a float32 TensorInfo on `backend` from host values (wasm: copies them into its heap). */
export function makeFloat32(backend: KernelBackend, shape: number[], values: Float32Array): TensorInfo {
  if (values.length !== sizeOf(shape)) throw new Error(`lmreg kernels: ${values.length} values for shape [${shape.join(',')}]`);
  const dataId = backend.write(values, shape, 'float32');
  return { dataId, shape, dtype: 'float32' };
}

/** Runs `body` with a fresh runner whose intermediates are freed afterwards. */
export function withRunner(backend: KernelBackend, backendName: string, body: (runner: KernelRunner) => TensorInfo): TensorInfo {
  const runner = new KernelRunner(backend, backendName);
  try {
    return runner.keep(body(runner));
  } finally {
    runner.dispose();
  }
}
