import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { FileFormatError } from '@lmreg/common';
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';

import { decodeCheckpoint, encodeCheckpoint, loadCheckpoint, saveCheckpoint } from './checkpoint.js';

const arrays = fc.dictionary(
  fc.string({ minLength: 1, maxLength: 12 }),
  fc.float32Array({ maxLength: 40, noDefaultInfinity: true }),
  { maxKeys: 6 },
);
const meta = fc.jsonValue();

describe('checkpoint encoding', () => {
  test.prop([arrays, meta])('round-trips arrays and metadata bit-exactly', (a, m) => {
    const back = decodeCheckpoint(encodeCheckpoint({ meta: m, arrays: a }));
    expect(JSON.stringify(back.meta)).toBe(JSON.stringify(JSON.parse(JSON.stringify(m))));
    expect(Object.keys(back.arrays).sort()).toEqual(Object.keys(a).sort());
    for (const [k, v] of Object.entries(a)) {
      expect(new Uint8Array(back.arrays[k]!.buffer, back.arrays[k]!.byteOffset, back.arrays[k]!.byteLength)).toEqual(
        new Uint8Array(v.buffer, v.byteOffset, v.byteLength),
      );
    }
  });

  test.prop([arrays, fc.nat(), fc.integer({ min: 1, max: 255 })])('any flipped byte or truncation is detected', (a, pos, flip) => {
    const bytes = encodeCheckpoint({ meta: { epoch: 1 }, arrays: a });
    const corrupt = Uint8Array.from(bytes);
    const i = pos % corrupt.length;
    corrupt[i] = (corrupt[i]! ^ flip) & 0xff;
    expect(() => decodeCheckpoint(corrupt, 'ck.bin')).toThrow(FileFormatError);
    expect(() => decodeCheckpoint(bytes.subarray(0, Math.max(0, bytes.length - 1 - (pos % 8))), 'ck.bin')).toThrow(/ck\.bin/);
  });
});

describe('saveCheckpoint / loadCheckpoint', () => {
  it('keeps the previous checkpoint and names the file in errors', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lmreg-ck-'));
    const file = path.join(dir, 'checkpoint.bin');
    saveCheckpoint(file, { meta: { epoch: 1 }, arrays: { w: Float32Array.of(1, 2) } });
    saveCheckpoint(file, { meta: { epoch: 2 }, arrays: { w: Float32Array.of(3, 4) } });
    expect(loadCheckpoint(file).meta).toEqual({ epoch: 2 });
    expect(loadCheckpoint(path.join(dir, 'checkpoint.prev.bin')).meta).toEqual({ epoch: 1 });
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(() => loadCheckpoint(path.join(dir, 'missing.bin'))).toThrow(/missing\.bin/);
    fs.rmSync(dir, { recursive: true });
  });
});
