/** Outputs of at least this many bytes skip the zero-fill (the kernels write every element). */
const UNINITIALISED_MIN_BYTES = 16_384;

/**
 * A buffer this module handed out: `array` covers all of it; `refs` counts the cpu backend's data
 * entries whose values live in it (a tensor, and any view another kernel made of it, e.g. the
 * stock contiguous `Slice`).
 */
interface Tracked {
  readonly array: Float32Array;
  refs: number;
}

const tracked = new WeakMap<ArrayBufferLike, Tracked>();
/** Free buffers by element count (exact-size buckets: a training step repeats the same shapes). */
const free = new Map<number, Float32Array[]>();
let freeBytes = 0;
let enabled = false;
const stats = { hits: 0, misses: 0, returned: 0, dropped: 0 };

/** Most bytes kept in free buffers (LMREG_NATIVE_POOL_MB, default 1024; 0 turns the pool off). */
function capacityBytes(): number {
  const mb = Number(process.env['LMREG_NATIVE_POOL_MB'] ?? 1024);
  return Number.isFinite(mb) && mb > 0 ? mb * 1024 * 1024 : 0;
}

function allocate(size: number): Float32Array {
  const bytes = size * 4;
  if (bytes < UNINITIALISED_MIN_BYTES || process.env['LMREG_NATIVE_ZERO_OUTPUTS'] === '1') return new Float32Array(size);
  const buffer = Buffer.allocUnsafe(bytes);
  // Buffers of this size never come from Node's shared pool, so they start at offset 0.
  if (buffer.byteOffset % 4 !== 0 || buffer.buffer.byteLength !== bytes) return new Float32Array(size);
  return new Float32Array(buffer.buffer, buffer.byteOffset, size);
}

/**
 * A Float32Array of `size` elements for a kernel output that the kernel writes completely; its
 * initial contents are arbitrary. With the pool on (`registerNativeKernels()`), a buffer the cpu
 * backend has released (its last tensor disposed) is reused; otherwise large ones come from
 * `Buffer.allocUnsafe` (malloc without the memset that `new Float32Array` pays).
 */
export function uninitialisedFloats(size: number): Float32Array {
  if (!enabled) return allocate(size);
  const reused = free.get(size)?.pop();
  if (reused !== undefined) {
    freeBytes -= size * 4;
    stats.hits++;
    return reused;
  }
  stats.misses++;
  const array = allocate(size);
  if (array.byteOffset === 0 && array.buffer.byteLength === size * 4) tracked.set(array.buffer, { array, refs: 0 });
  return array;
}

function reference(values: unknown, delta: 1 | -1): void {
  if (!ArrayBuffer.isView(values)) return;
  const entry = tracked.get(values.buffer);
  if (entry === undefined) return;
  entry.refs += delta;
  if (entry.refs > 0) return;
  const bytes = entry.array.byteLength;
  if (!enabled || freeBytes + bytes > capacityBytes()) {
    tracked.delete(values.buffer); // the garbage collector takes it
    stats.dropped++;
    return;
  }
  const list = free.get(entry.array.length);
  if (list === undefined) free.set(entry.array.length, [entry.array]);
  else list.push(entry.array);
  freeBytes += bytes;
  stats.returned++;
}

/** The parts of tfjs-backend-cpu's `MathBackendCPU` the pool hooks into. */
export interface PooledBackend {
  data: {
    has(dataId: object): boolean;
    get(dataId: object): { values?: unknown };
    set(dataId: object, value: { values?: unknown }): void;
    delete(dataId: object): boolean;
  };
  readSync(dataId: object): unknown;
}

const hooked = new WeakSet<object>();

/**
 * Makes kernel outputs come from a pool of released buffers: the cpu backend's data storage is
 * hooked so that a buffer from `uninitialisedFloats` goes back to the pool when the last data
 * entry using it (tensor, or a view of it) is deleted, i.e. from `disposeData`. Reads
 * (`dataSync()`, `data()`, `bufferSync`) of pooled tensors return copies, since a buffer may be
 * reused once its tensor is disposed. The hooks stay for the backend's life (they only act on
 * pooled buffers); `setBufferPoolEnabled(false)` stops the reuse. Off with LMREG_NATIVE_POOL_MB=0.
 */
export function installBufferPool(backend: PooledBackend): void {
  enabled = capacityBytes() > 0;
  if (hooked.has(backend)) return;
  hooked.add(backend);
  const data = backend.data;
  const set = data.set.bind(data);
  const remove = data.delete.bind(data);
  const readSync = backend.readSync.bind(backend);
  data.set = (dataId, value) => {
    const old = data.has(dataId) ? data.get(dataId).values : undefined;
    reference(value.values, 1);
    set(dataId, value);
    if (old !== undefined) reference(old, -1);
  };
  data.delete = (dataId) => {
    const old = data.has(dataId) ? data.get(dataId).values : undefined;
    const result = remove(dataId);
    if (old !== undefined) reference(old, -1);
    return result;
  };
  backend.readSync = (dataId) => {
    const values = readSync(dataId);
    return ArrayBuffer.isView(values) && tracked.has(values.buffer) && values instanceof Float32Array ? values.slice() : values;
  };
}

/** Turns reuse on or off; off also empties the pool. */
export function setBufferPoolEnabled(on: boolean): void {
  enabled = on && capacityBytes() > 0;
  if (!enabled) clearBufferPool();
}

/** Drops every free buffer (the garbage collector takes them). */
export function clearBufferPool(): void {
  for (const list of free.values()) for (const array of list) tracked.delete(array.buffer);
  free.clear();
  freeBytes = 0;
}

/** Counters since the process started: reused outputs (hits), fresh ones (misses), buffers returned and dropped; bytes now free. */
export function bufferPoolStats(): { hits: number; misses: number; returned: number; dropped: number; freeBytes: number; enabled: boolean } {
  return { ...stats, freeBytes, enabled };
}
