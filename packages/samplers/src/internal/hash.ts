/** murmur3's 32-bit finaliser: a bijective avalanche mix of a 32-bit integer. */
function fmix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A well-mixed 32-bit seed from a 32-bit seed and a non-negative safe integer (e.g. a step). */
export function mixSeed(seed: number, value: number): number {
  const low = value >>> 0;
  const high = Math.floor(value / 0x100000000) >>> 0;
  return fmix32(fmix32(seed ^ 0x9e3779b9) ^ fmix32(low + 0x7f4a7c15) ^ fmix32(high ^ 0x2545f491)) | 0;
}
