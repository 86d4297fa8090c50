/** Outputs of at least this many bytes skip the zero-fill (the kernels write every element). */
const UNINITIALISED_MIN_BYTES = 16_384;

/**
 * A new Float32Array of `size` elements for a kernel output that the kernel writes completely.
 * Large ones come from `Buffer.allocUnsafe` (malloc without the memset that `new Float32Array`
 * pays: an extra pass over memory per kernel); their initial contents are arbitrary.
 */
export function uninitialisedFloats(size: number): Float32Array {
  const bytes = size * 4;
  if (bytes < UNINITIALISED_MIN_BYTES || process.env['LMREG_NATIVE_ZERO_OUTPUTS'] === '1') return new Float32Array(size);
  const buffer = Buffer.allocUnsafe(bytes);
  // Buffers of this size never come from Node's shared pool, so they start at offset 0.
  if (buffer.byteOffset % 4 !== 0) return new Float32Array(size);
  return new Float32Array(buffer.buffer, buffer.byteOffset, size);
}
