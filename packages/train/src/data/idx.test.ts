import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import { fc, test } from '@fast-check/vitest';
import { afterAll, describe, expect } from 'vitest';

import { FileFormatError } from '@lmreg/common';

import {
  encodeIdx,
  IDX_IMAGES_MAGIC,
  IDX_LABELS_MAGIC,
  parseIdx,
  parseIdxImages,
  parseIdxLabels,
  readIdxImages,
  readIdxLabels,
} from './idx.js';
import { expectFileFormatError, expectFileFormatRejection } from '../testing/data.js';

const dir = mkdtempSync(join(tmpdir(), 'lmreg-idx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function pixels(count: number): Uint8Array {
  return Uint8Array.from({ length: count }, (_, i) => (i * 37 + 11) % 256);
}

describe('IDX round trip', () => {
  test.prop([fc.nat({ max: 6 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }), fc.boolean()])(
    'encodeIdx then parseIdxImages gives back the pixels, raw or gzipped',
    (n, rows, cols, gz) => {
      const data = pixels(n * rows * cols);
      const raw = encodeIdx([n, rows, cols], data);
      const parsed = parseIdxImages(gz ? gzipSync(raw) : raw);
      expect([parsed.n, parsed.rows, parsed.cols]).toEqual([n, rows, cols]);
      expect(parsed.images).toEqual(data);
    },
  );

  test('header is big-endian with the documented magic numbers', () => {
    const bytes = encodeIdx([2, 3, 4], pixels(24));
    expect(Array.from(bytes.subarray(0, 16))).toEqual([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4]);
    expect(new DataView(bytes.buffer).getUint32(0)).toBe(IDX_IMAGES_MAGIC);
    expect(new DataView(encodeIdx([5], pixels(5)).buffer).getUint32(0)).toBe(IDX_LABELS_MAGIC);
  });

  test('reads raw and .gz files from disk', async () => {
    const images = pixels(3 * 28 * 28);
    const labels = Uint8Array.of(7, 0, 9);
    writeFileSync(join(dir, 'imgs-idx3-ubyte'), encodeIdx([3, 28, 28], images));
    writeFileSync(join(dir, 'imgs-idx3-ubyte.gz'), gzipSync(encodeIdx([3, 28, 28], images)));
    writeFileSync(join(dir, 'lbls-idx1-ubyte.gz'), gzipSync(encodeIdx([3], labels)));
    for (const f of ['imgs-idx3-ubyte', 'imgs-idx3-ubyte.gz']) {
      const read = await readIdxImages(join(dir, f));
      expect(read.n).toBe(3);
      expect(read.images).toEqual(images);
    }
    const l = await readIdxLabels(join(dir, 'lbls-idx1-ubyte.gz'));
    expect(Array.from(l.labels)).toEqual([7, 0, 9]);
  });
});

describe('IDX errors', () => {
  const good = encodeIdx([60000, 28, 28], new Uint8Array(60000 * 28 * 28));

  test('truncated file: says the expected and found byte counts', () => {
    const e = expectFileFormatError(() => parseIdxImages(good.subarray(0, 1234), { file: 'train-images-idx3-ubyte' }));
    expect(e.file).toBe('train-images-idx3-ubyte');
    expect(e.message).toContain('expected 47040016 bytes for 60000x28x28 uint8 images, found 1234');
    expect(e.message).toContain('apt-get install dataset-fashion-mnist');
    expect(e.message).toContain('--data-dir');
  });

  test('truncated gzip file says so', () => {
    const gz = gzipSync(encodeIdx([4, 5, 5], pixels(100)));
    const e = expectFileFormatError(() => parseIdxImages(gz.subarray(0, gz.length - 10), { file: 'x.gz' }));
    expect(e.message).toMatch(/gzip/);
    expect(e.cause).toBeDefined();
  });

  test('too long file, and length checked after gunzip', () => {
    const raw = encodeIdx([2, 2, 2], pixels(8));
    const longer = new Uint8Array(raw.length + 3);
    longer.set(raw);
    expect(expectFileFormatError(() => parseIdxImages(longer)).message).toContain('expected 24 bytes for 2x2x2 uint8 images, found 27');
    expect(expectFileFormatError(() => parseIdxImages(gzipSync(longer))).message).toContain('found 27 after gunzip');
  });

  test('wrong magic: a label file passed as images, and garbage', () => {
    const labels = encodeIdx([3], Uint8Array.of(1, 2, 3));
    const e = expectFileFormatError(() => parseIdxImages(new Uint8Array([...labels, 0, 0, 0, 0, 0, 0, 0, 0, 0])));
    expect(e.message).toContain('expected IDX magic number 0x00000803');
    expect(e.message).toContain('found 0x00000801');
    expect(e.message).toContain('labels');
    const garbage = Uint8Array.from({ length: 64 }, (_, i) => i + 50);
    expect(expectFileFormatError(() => parseIdxLabels(garbage)).message).toContain('expected IDX magic number 0x00000801');
  });

  test('header too short, and zero image dimensions', () => {
    expect(expectFileFormatError(() => parseIdxImages(Uint8Array.of(0, 0, 8, 3, 0))).message).toContain('found only 5 bytes');
    expect(expectFileFormatError(() => parseIdxImages(encodeIdx([2, 0, 5], new Uint8Array(0)))).message).toContain('dimension 1 is 0');
  });

  test('other element types (e.g. float, 0x0d) are refused', () => {
    const bytes = encodeIdx([1], Uint8Array.of(1));
    bytes[2] = 0x0d;
    expect(() => parseIdx(bytes, IDX_LABELS_MAGIC)).toThrow(FileFormatError);
  });

  test('missing file: names the file and says how to get it', async () => {
    const file = join(dir, 'nope', 't10k-images-idx3-ubyte.gz');
    const e = await expectFileFormatRejection(readIdxImages(file));
    expect(e.file).toBe(file);
    expect(e.message).toContain('file not found');
    expect(e.message).toContain('0x00000803');
    expect(e.message).toContain('fashion-mnist');
  });
});
