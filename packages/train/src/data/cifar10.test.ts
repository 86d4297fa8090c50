import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, test } from 'vitest';

import { FileFormatError } from '@lmreg/common';

import {
  CIFAR10_FOLDER,
  CIFAR10_RECORD_BYTES,
  CIFAR10_TEST_FILES,
  CIFAR10_TRAIN_FILES,
  encodeCifar10Batch,
  parseCifar10Batch,
  readCifar10,
  readCifar10Batch,
  resolveCifar10Dir,
} from './cifar10.js';
import { expectFileFormatRejection } from '../testing/data.js';

const root = mkdtempSync(join(tmpdir(), 'lmreg-cifar-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** `n` records whose pixel k of record i is (i * 7 + k) % 256 and whose label is (first + i) % 10. */
function makeBatch(n: number, first: number): { images: Uint8Array; labels: Uint8Array } {
  const images = Uint8Array.from({ length: n * 3072 }, (_, j) => (Math.floor(j / 3072) * 7 + (j % 3072) + first) % 256);
  const labels = Uint8Array.from({ length: n }, (_, i) => (first + i) % 10);
  return { images, labels };
}

/** Writes a full fake binary version (2 records per batch) into `<dir>/cifar-10-batches-bin`. */
function writeFake(dir: string): string {
  const folder = join(dir, CIFAR10_FOLDER);
  mkdirSync(folder, { recursive: true });
  CIFAR10_TRAIN_FILES.forEach((f, b) => {
    const { images, labels } = makeBatch(2, b * 2);
    writeFileSync(join(folder, f), encodeCifar10Batch(images, labels));
  });
  const t = makeBatch(3, 100);
  writeFileSync(join(folder, CIFAR10_TEST_FILES[0] ?? ''), encodeCifar10Batch(t.images, t.labels));
  return folder;
}

describe('CIFAR-10 binary reader', () => {
  test('record layout: label byte then 3072 CHW bytes', () => {
    const { images, labels } = makeBatch(2, 3);
    const bytes = encodeCifar10Batch(images, labels);
    expect(bytes.length).toBe(2 * CIFAR10_RECORD_BYTES);
    expect(bytes[0]).toBe(3);
    expect(bytes[CIFAR10_RECORD_BYTES]).toBe(4);
    const parsed = parseCifar10Batch(bytes);
    expect(parsed.n).toBe(2);
    expect(parsed.images).toEqual(images);
    expect(Array.from(parsed.labels)).toEqual([3, 4]);
  });

  test('reads the parent folder or cifar-10-batches-bin itself, batches in order', async () => {
    const dir = join(root, 'ok');
    const folder = writeFake(dir);
    expect(resolveCifar10Dir(dir)).toBe(folder);
    expect(resolveCifar10Dir(folder)).toBe(folder);
    expect(resolveCifar10Dir(join(root, 'nothing'))).toBeUndefined();
    for (const d of [dir, folder]) {
      const { train, test: testSplit, files } = await readCifar10(d);
      expect(train.n).toBe(10);
      expect(Array.from(train.labels)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(testSplit.n).toBe(3);
      expect(files.train[4]).toBe(join(folder, 'data_batch_5.bin'));
      // record 1 of data_batch_3 is train row 5
      expect(train.images.subarray(5 * 3072, 6 * 3072)).toEqual(makeBatch(2, 4).images.subarray(3072));
    }
  });

  test('truncated record: says how many whole records and the expected size', async () => {
    const { images, labels } = makeBatch(3, 0);
    const file = join(root, 'truncated.bin');
    writeFileSync(file, encodeCifar10Batch(images, labels).subarray(0, 2 * CIFAR10_RECORD_BYTES + 100));
    const e = await expectFileFormatRejection(readCifar10Batch(file));
    expect(e.file).toBe(file);
    expect(e.message).toContain('2 whole records and a truncated one of 100 bytes');
    expect(e.message).toContain('30730000');
    expect(e.message).toContain('cifar-10-binary.tar.gz');
  });

  test('label above 9 (e.g. a CIFAR-100 file)', () => {
    const { images } = makeBatch(2, 0);
    const bytes = encodeCifar10Batch(images, Uint8Array.of(1, 42));
    const err = (() => {
      try {
        parseCifar10Batch(bytes, { file: 'data_batch_1.bin' });
      } catch (e) {
        return e as FileFormatError;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(FileFormatError);
    expect(err?.message).toContain(`record 1 (byte offset ${CIFAR10_RECORD_BYTES}) has label 42`);
  });

  test('empty file', () => {
    expect(() => parseCifar10Batch(new Uint8Array(0), { file: 'x' })).toThrow(/empty/);
  });

  test('missing batch file: names it and says where to download', async () => {
    const folder = writeFake(join(root, 'missing'));
    unlinkSync(join(folder, 'data_batch_3.bin'));
    const e = await expectFileFormatRejection(readCifar10(folder));
    expect(e.file).toBe(join(folder, 'data_batch_3.bin'));
    expect(e.message).toContain('file not found');
    expect(e.message).toContain('https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz');
  });
});
