import { createHash } from 'node:crypto';

import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';

import { MD5_PADDING_ROOM, md5Hex, md5HexInto } from './md5.js';

const nodeMd5 = (bytes: Uint8Array | string): string => createHash('md5').update(bytes).digest('hex');

describe('md5 (the JS MD5 behind the NB101 hash)', () => {
  it('gives the RFC 1321 test-suite digests', () => {
    expect(md5Hex('')).toBe('d41d8cd98f00b204e9800998ecf8427e');
    expect(md5Hex('abc')).toBe('900150983cd24fb0d6963f7d28e17f72');
    expect(md5Hex('message digest')).toBe('f96b697d7cb7938d525a2f31aaf161d0');
    expect(md5Hex('12345678901234567890123456789012345678901234567890123456789012345678901234567890')).toBe('57edf4a22be3c955ac49da2e2107b67a');
  });

  it('agrees with node:crypto on every length around the block boundaries', () => {
    for (let n = 0; n <= 260; n++) {
      const text = Array.from({ length: n }, (_, i) => String.fromCharCode(33 + ((i * 31 + n) % 94))).join('');
      expect(md5Hex(text)).toBe(nodeMd5(text));
    }
  });

  test.prop([fc.uint8Array({ maxLength: 400 })], { numRuns: 300 })('agrees with node:crypto on arbitrary bytes', (bytes) => {
    const buf = new Uint8Array(bytes.length + MD5_PADDING_ROOM).fill(0xaa);
    buf.set(bytes);
    const out = new Uint8Array(40);
    md5HexInto(buf, bytes.length, out, 4);
    expect(new TextDecoder().decode(out.subarray(4, 36))).toBe(nodeMd5(bytes));
  });
});
