/**
 * A small, allocation-free MD5 (RFC 1321) for the short ASCII messages of the NAS-Bench-101 module
 * hash. Written for speed on messages of a few hundred bytes (the enumeration hashes every
 * NB101 cell). Not exported from the package: MD5 is used here only because the official hash is
 * defined with it, never for security.
 *
 * @internal
 */

const HEX = new Uint8Array([48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102]);

let viewBytes: Uint8Array | undefined;
let view: DataView = new DataView(new ArrayBuffer(0));

/** Bytes a message buffer needs beyond the message itself (padding and length). */
export const MD5_PADDING_ROOM = 72;

/**
 * MD5 of `buf[0, length)`, written as 32 lowercase hex ASCII bytes to `out[outOffset, +32)`.
 * `buf` must have {@link MD5_PADDING_ROOM} spare bytes after `length`; they are overwritten.
 */
export function md5HexInto(buf: Uint8Array, length: number, out: Uint8Array, outOffset: number): void {
  // Padding: 0x80, zeros up to 56 mod 64, then the bit length as a 64-bit little-endian integer.
  let end = length;
  buf[end++] = 0x80;
  while ((end & 63) !== 56) buf[end++] = 0;
  const bits = length * 8;
  buf[end++] = bits & 255;
  buf[end++] = (bits >>> 8) & 255;
  buf[end++] = (bits >>> 16) & 255;
  buf[end++] = (bits >>> 24) & 255;
  const high = Math.floor(bits / 4294967296);
  buf[end++] = high & 255;
  buf[end++] = (high >>> 8) & 255;
  buf[end++] = (high >>> 16) & 255;
  buf[end++] = (high >>> 24) & 255;

  if (buf !== viewBytes) {
    viewBytes = buf;
    view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  let a0 = 0x67452301;
  let b0 = 0xefcdab89 | 0;
  let c0 = 0x98badcfe | 0;
  let d0 = 0x10325476;
  for (let block = 0; block < end; block += 64) {
    const w0 = view.getInt32(block + 0, true);
    const w1 = view.getInt32(block + 4, true);
    const w2 = view.getInt32(block + 8, true);
    const w3 = view.getInt32(block + 12, true);
    const w4 = view.getInt32(block + 16, true);
    const w5 = view.getInt32(block + 20, true);
    const w6 = view.getInt32(block + 24, true);
    const w7 = view.getInt32(block + 28, true);
    const w8 = view.getInt32(block + 32, true);
    const w9 = view.getInt32(block + 36, true);
    const w10 = view.getInt32(block + 40, true);
    const w11 = view.getInt32(block + 44, true);
    const w12 = view.getInt32(block + 48, true);
    const w13 = view.getInt32(block + 52, true);
    const w14 = view.getInt32(block + 56, true);
    const w15 = view.getInt32(block + 60, true);
    // The 64 steps of RFC 1321 section 3.4, unrolled (constants inline). Instead of moving the four
    // registers after each step, the roles of a, b, c, d rotate from one line pair to the next.
    let a = a0;
    let b = b0;
    let c = c0;
    let d = d0;
    let f = 0;
    f = (((b & c) | (~b & d)) + a + 0xd76aa478 + w0) | 0;
    a = (b + ((f << 7) | (f >>> 25))) | 0;
    f = (((a & b) | (~a & c)) + d + 0xe8c7b756 + w1) | 0;
    d = (a + ((f << 12) | (f >>> 20))) | 0;
    f = (((d & a) | (~d & b)) + c + 0x242070db + w2) | 0;
    c = (d + ((f << 17) | (f >>> 15))) | 0;
    f = (((c & d) | (~c & a)) + b + 0xc1bdceee + w3) | 0;
    b = (c + ((f << 22) | (f >>> 10))) | 0;
    f = (((b & c) | (~b & d)) + a + 0xf57c0faf + w4) | 0;
    a = (b + ((f << 7) | (f >>> 25))) | 0;
    f = (((a & b) | (~a & c)) + d + 0x4787c62a + w5) | 0;
    d = (a + ((f << 12) | (f >>> 20))) | 0;
    f = (((d & a) | (~d & b)) + c + 0xa8304613 + w6) | 0;
    c = (d + ((f << 17) | (f >>> 15))) | 0;
    f = (((c & d) | (~c & a)) + b + 0xfd469501 + w7) | 0;
    b = (c + ((f << 22) | (f >>> 10))) | 0;
    f = (((b & c) | (~b & d)) + a + 0x698098d8 + w8) | 0;
    a = (b + ((f << 7) | (f >>> 25))) | 0;
    f = (((a & b) | (~a & c)) + d + 0x8b44f7af + w9) | 0;
    d = (a + ((f << 12) | (f >>> 20))) | 0;
    f = (((d & a) | (~d & b)) + c + 0xffff5bb1 + w10) | 0;
    c = (d + ((f << 17) | (f >>> 15))) | 0;
    f = (((c & d) | (~c & a)) + b + 0x895cd7be + w11) | 0;
    b = (c + ((f << 22) | (f >>> 10))) | 0;
    f = (((b & c) | (~b & d)) + a + 0x6b901122 + w12) | 0;
    a = (b + ((f << 7) | (f >>> 25))) | 0;
    f = (((a & b) | (~a & c)) + d + 0xfd987193 + w13) | 0;
    d = (a + ((f << 12) | (f >>> 20))) | 0;
    f = (((d & a) | (~d & b)) + c + 0xa679438e + w14) | 0;
    c = (d + ((f << 17) | (f >>> 15))) | 0;
    f = (((c & d) | (~c & a)) + b + 0x49b40821 + w15) | 0;
    b = (c + ((f << 22) | (f >>> 10))) | 0;
    f = (((d & b) | (~d & c)) + a + 0xf61e2562 + w1) | 0;
    a = (b + ((f << 5) | (f >>> 27))) | 0;
    f = (((c & a) | (~c & b)) + d + 0xc040b340 + w6) | 0;
    d = (a + ((f << 9) | (f >>> 23))) | 0;
    f = (((b & d) | (~b & a)) + c + 0x265e5a51 + w11) | 0;
    c = (d + ((f << 14) | (f >>> 18))) | 0;
    f = (((a & c) | (~a & d)) + b + 0xe9b6c7aa + w0) | 0;
    b = (c + ((f << 20) | (f >>> 12))) | 0;
    f = (((d & b) | (~d & c)) + a + 0xd62f105d + w5) | 0;
    a = (b + ((f << 5) | (f >>> 27))) | 0;
    f = (((c & a) | (~c & b)) + d + 0x02441453 + w10) | 0;
    d = (a + ((f << 9) | (f >>> 23))) | 0;
    f = (((b & d) | (~b & a)) + c + 0xd8a1e681 + w15) | 0;
    c = (d + ((f << 14) | (f >>> 18))) | 0;
    f = (((a & c) | (~a & d)) + b + 0xe7d3fbc8 + w4) | 0;
    b = (c + ((f << 20) | (f >>> 12))) | 0;
    f = (((d & b) | (~d & c)) + a + 0x21e1cde6 + w9) | 0;
    a = (b + ((f << 5) | (f >>> 27))) | 0;
    f = (((c & a) | (~c & b)) + d + 0xc33707d6 + w14) | 0;
    d = (a + ((f << 9) | (f >>> 23))) | 0;
    f = (((b & d) | (~b & a)) + c + 0xf4d50d87 + w3) | 0;
    c = (d + ((f << 14) | (f >>> 18))) | 0;
    f = (((a & c) | (~a & d)) + b + 0x455a14ed + w8) | 0;
    b = (c + ((f << 20) | (f >>> 12))) | 0;
    f = (((d & b) | (~d & c)) + a + 0xa9e3e905 + w13) | 0;
    a = (b + ((f << 5) | (f >>> 27))) | 0;
    f = (((c & a) | (~c & b)) + d + 0xfcefa3f8 + w2) | 0;
    d = (a + ((f << 9) | (f >>> 23))) | 0;
    f = (((b & d) | (~b & a)) + c + 0x676f02d9 + w7) | 0;
    c = (d + ((f << 14) | (f >>> 18))) | 0;
    f = (((a & c) | (~a & d)) + b + 0x8d2a4c8a + w12) | 0;
    b = (c + ((f << 20) | (f >>> 12))) | 0;
    f = ((b ^ c ^ d) + a + 0xfffa3942 + w5) | 0;
    a = (b + ((f << 4) | (f >>> 28))) | 0;
    f = ((a ^ b ^ c) + d + 0x8771f681 + w8) | 0;
    d = (a + ((f << 11) | (f >>> 21))) | 0;
    f = ((d ^ a ^ b) + c + 0x6d9d6122 + w11) | 0;
    c = (d + ((f << 16) | (f >>> 16))) | 0;
    f = ((c ^ d ^ a) + b + 0xfde5380c + w14) | 0;
    b = (c + ((f << 23) | (f >>> 9))) | 0;
    f = ((b ^ c ^ d) + a + 0xa4beea44 + w1) | 0;
    a = (b + ((f << 4) | (f >>> 28))) | 0;
    f = ((a ^ b ^ c) + d + 0x4bdecfa9 + w4) | 0;
    d = (a + ((f << 11) | (f >>> 21))) | 0;
    f = ((d ^ a ^ b) + c + 0xf6bb4b60 + w7) | 0;
    c = (d + ((f << 16) | (f >>> 16))) | 0;
    f = ((c ^ d ^ a) + b + 0xbebfbc70 + w10) | 0;
    b = (c + ((f << 23) | (f >>> 9))) | 0;
    f = ((b ^ c ^ d) + a + 0x289b7ec6 + w13) | 0;
    a = (b + ((f << 4) | (f >>> 28))) | 0;
    f = ((a ^ b ^ c) + d + 0xeaa127fa + w0) | 0;
    d = (a + ((f << 11) | (f >>> 21))) | 0;
    f = ((d ^ a ^ b) + c + 0xd4ef3085 + w3) | 0;
    c = (d + ((f << 16) | (f >>> 16))) | 0;
    f = ((c ^ d ^ a) + b + 0x04881d05 + w6) | 0;
    b = (c + ((f << 23) | (f >>> 9))) | 0;
    f = ((b ^ c ^ d) + a + 0xd9d4d039 + w9) | 0;
    a = (b + ((f << 4) | (f >>> 28))) | 0;
    f = ((a ^ b ^ c) + d + 0xe6db99e5 + w12) | 0;
    d = (a + ((f << 11) | (f >>> 21))) | 0;
    f = ((d ^ a ^ b) + c + 0x1fa27cf8 + w15) | 0;
    c = (d + ((f << 16) | (f >>> 16))) | 0;
    f = ((c ^ d ^ a) + b + 0xc4ac5665 + w2) | 0;
    b = (c + ((f << 23) | (f >>> 9))) | 0;
    f = ((c ^ (b | ~d)) + a + 0xf4292244 + w0) | 0;
    a = (b + ((f << 6) | (f >>> 26))) | 0;
    f = ((b ^ (a | ~c)) + d + 0x432aff97 + w7) | 0;
    d = (a + ((f << 10) | (f >>> 22))) | 0;
    f = ((a ^ (d | ~b)) + c + 0xab9423a7 + w14) | 0;
    c = (d + ((f << 15) | (f >>> 17))) | 0;
    f = ((d ^ (c | ~a)) + b + 0xfc93a039 + w5) | 0;
    b = (c + ((f << 21) | (f >>> 11))) | 0;
    f = ((c ^ (b | ~d)) + a + 0x655b59c3 + w12) | 0;
    a = (b + ((f << 6) | (f >>> 26))) | 0;
    f = ((b ^ (a | ~c)) + d + 0x8f0ccc92 + w3) | 0;
    d = (a + ((f << 10) | (f >>> 22))) | 0;
    f = ((a ^ (d | ~b)) + c + 0xffeff47d + w10) | 0;
    c = (d + ((f << 15) | (f >>> 17))) | 0;
    f = ((d ^ (c | ~a)) + b + 0x85845dd1 + w1) | 0;
    b = (c + ((f << 21) | (f >>> 11))) | 0;
    f = ((c ^ (b | ~d)) + a + 0x6fa87e4f + w8) | 0;
    a = (b + ((f << 6) | (f >>> 26))) | 0;
    f = ((b ^ (a | ~c)) + d + 0xfe2ce6e0 + w15) | 0;
    d = (a + ((f << 10) | (f >>> 22))) | 0;
    f = ((a ^ (d | ~b)) + c + 0xa3014314 + w6) | 0;
    c = (d + ((f << 15) | (f >>> 17))) | 0;
    f = ((d ^ (c | ~a)) + b + 0x4e0811a1 + w13) | 0;
    b = (c + ((f << 21) | (f >>> 11))) | 0;
    f = ((c ^ (b | ~d)) + a + 0xf7537e82 + w4) | 0;
    a = (b + ((f << 6) | (f >>> 26))) | 0;
    f = ((b ^ (a | ~c)) + d + 0xbd3af235 + w11) | 0;
    d = (a + ((f << 10) | (f >>> 22))) | 0;
    f = ((a ^ (d | ~b)) + c + 0x2ad7d2bb + w2) | 0;
    c = (d + ((f << 15) | (f >>> 17))) | 0;
    f = ((d ^ (c | ~a)) + b + 0xeb86d391 + w9) | 0;
    b = (c + ((f << 21) | (f >>> 11))) | 0;
    a0 = (a0 + a) | 0;
    b0 = (b0 + b) | 0;
    c0 = (c0 + c) | 0;
    d0 = (d0 + d) | 0;
  }
  writeWordHex(a0, out, outOffset);
  writeWordHex(b0, out, outOffset + 8);
  writeWordHex(c0, out, outOffset + 16);
  writeWordHex(d0, out, outOffset + 24);
}

/** Hex of the 4 little-endian bytes of `w`. */
function writeWordHex(w: number, out: Uint8Array, o: number): void {
  for (let k = 0; k < 4; k++) {
    const byte = (w >>> (8 * k)) & 255;
    out[o + 2 * k] = HEX[byte >>> 4] as number;
    out[o + 2 * k + 1] = HEX[byte & 15] as number;
  }
}

let scratch = new Uint8Array(256);
const hexOut = new Uint8Array(32);
const decoder = new TextDecoder();

/** MD5 hex digest of an ASCII (or any UTF-8) string. Convenience wrapper for tests and one-off use. */
export function md5Hex(text: string): string {
  const bytes = new TextEncoder().encode(text);
  if (scratch.length < bytes.length + MD5_PADDING_ROOM) scratch = new Uint8Array(bytes.length + MD5_PADDING_ROOM);
  scratch.set(bytes, 0);
  md5HexInto(scratch, bytes.length, hexOut, 0);
  return decoder.decode(hexOut);
}
