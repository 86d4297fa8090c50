import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import { afterAll, describe, expect, test } from 'vitest';

import { FileFormatError, NotRegisteredError } from '@lmreg/common';

import { CIFAR10_FOLDER, CIFAR10_TEST_FILES, CIFAR10_TRAIN_FILES, encodeCifar10Batch } from './cifar10.js';
import { datasetSearchPath, findDataset, getDatasetInfo, loadDataset } from './datasets.js';
import { encodeIdx } from './idx.js';
import { computeChannelStats } from './preprocess.js';
import type { DatasetName } from './types.js';
import { expectBalancedUnitSplit, expectFileFormatRejection } from '../testing/data.js';

const root = mkdtempSync(join(tmpdir(), 'lmreg-datasets-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const NO_ENV = {};
const NO_SYSTEM: readonly string[] = [];

/** Writes a tiny MNIST-format set (train 20, test 10, 4x4) into `dir`; train gzipped, test raw. */
function writeIdxSet(dir: string, options: { labelOffset?: number; trainLabels?: number } = {}): void {
  mkdirSync(dir, { recursive: true });
  const trainPx = Uint8Array.from({ length: 20 * 16 }, (_, i) => (i * 13) % 256);
  const testPx = Uint8Array.from({ length: 10 * 16 }, (_, i) => (i * 29) % 256);
  const nTrainLabels = options.trainLabels ?? 20;
  const trainLabels = Uint8Array.from({ length: nTrainLabels }, (_, i) => (i + (options.labelOffset ?? 0)) % 10);
  const testLabels = Uint8Array.from({ length: 10 }, (_, i) => 9 - i);
  writeFileSync(join(dir, 'train-images-idx3-ubyte.gz'), gzipSync(encodeIdx([20, 4, 4], trainPx)));
  writeFileSync(join(dir, 'train-labels-idx1-ubyte.gz'), gzipSync(encodeIdx([nTrainLabels], trainLabels)));
  writeFileSync(join(dir, 't10k-images-idx3-ubyte'), encodeIdx([10, 4, 4], testPx));
  writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), encodeIdx([10], testLabels));
}

describe('dataset lookup', () => {
  test('search order: --data-dir (sub-folders first), then $LMREG_DATA, then system folders', () => {
    const path = datasetSearchPath('fashion-mnist', { dataDir: '/a', env: { LMREG_DATA: '/b' } });
    expect(path.map((c) => c.dir)).toEqual([
      '/a/fashion-mnist',
      '/a/fashion_mnist',
      '/a/FashionMNIST/raw',
      '/a',
      '/b/fashion-mnist',
      '/b/fashion_mnist',
      '/b/FashionMNIST/raw',
      '/b',
      '/usr/share/datasets/fashion-mnist',
    ]);
    expect(path.map((c) => c.origin)).toContain('$LMREG_DATA');
  });

  test('--data-dir wins over $LMREG_DATA, which wins over system folders', () => {
    const a = join(root, 'order-a');
    const b = join(root, 'order-b');
    const c = join(root, 'order-c');
    for (const d of [a, b, c]) writeIdxSet(join(d, 'mnist'));
    const base = { systemDirs: [join(c, 'mnist')] };
    expect(findDataset('mnist', { ...base, dataDir: a, env: { LMREG_DATA: b } })).toBe(join(a, 'mnist'));
    // An explicit --data-dir that holds nothing is refused, never passed over for $LMREG_DATA (issue 18).
    expect(() => findDataset('mnist', { ...base, dataDir: join(root, 'empty'), env: { LMREG_DATA: b } })).toThrow(
      /--data-dir .*empty does not exist, so it cannot hold the MNIST data set .*drop it to use \$LMREG_DATA/s,
    );
    expect(findDataset('mnist', { ...base, env: { LMREG_DATA: b } })).toBe(join(b, 'mnist'));
    expect(findDataset('mnist', { ...base, env: NO_ENV })).toBe(join(c, 'mnist'));
  });

  test('nothing found: the error lists every place looked in and how to get the data', () => {
    const options = { dataDir: join(root, 'void-1'), env: { LMREG_DATA: join(root, 'void-2') }, systemDirs: ['/nowhere'] };
    let error: unknown;
    try {
      findDataset('fashion-mnist', options);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FileFormatError);
    const message = (error as Error).message;
    for (const c of datasetSearchPath('fashion-mnist', options).filter((x) => x.origin === '--data-dir')) expect(message).toContain(c.dir);
    expect(message).toMatch(/--data-dir .*void-1 does not exist/);
    expect(message).toContain('apt-get install dataset-fashion-mnist');
    expect(message).toContain('train-images-idx3-ubyte');
  });

  test('nothing given at all says so', () => {
    expect(() => findDataset('cifar10', { env: NO_ENV })).toThrow(/--data-dir not given; \$LMREG_DATA not set/);
  });

  test('unknown data set name', async () => {
    expect(() => getDatasetInfo('imagenet')).toThrow(NotRegisteredError);
    await expect(loadDataset('imagenet' as DatasetName, { env: NO_ENV })).rejects.toThrow(/fashion-mnist, fashion-mnist-mini, mnist, cifar10/);
  });
});

describe('loadDataset on generated files', () => {
  test('MNIST format: shapes, labels, [0, 1] pixels without normalisation', async () => {
    const dir = join(root, 'idx-plain');
    writeIdxSet(dir);
    const ds = await loadDataset('mnist', { dataDir: dir, env: NO_ENV, systemDirs: NO_SYSTEM, normalize: false });
    expect(ds.name).toBe('mnist');
    expect(ds.classes).toHaveLength(10);
    expect([ds.train.n, ds.train.height, ds.train.width, ds.train.channels]).toEqual([20, 4, 4, 1]);
    expect(ds.test.n).toBe(10);
    expect(Array.from(ds.test.labels)).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    expect(ds.train.images[1]).toBeCloseTo(13 / 255, 6);
    expect(ds.normalization).toBeUndefined();
    expect(ds.source.dir).toBe(dir);
    expect(ds.source.train[0]).toBe(join(dir, 'train-images-idx3-ubyte.gz'));
    expect(ds.source.test[1]).toBe(join(dir, 't10k-labels-idx1-ubyte'));
  });

  test('normalised with train statistics; resize happens before normalisation', async () => {
    const dir = join(root, 'idx-norm');
    writeIdxSet(dir);
    const ds = await loadDataset('mnist', { dataDir: dir, env: NO_ENV, systemDirs: NO_SYSTEM, resize: { height: 2, width: 2 } });
    expect([ds.train.height, ds.train.width]).toEqual([2, 2]);
    expect(ds.train.images).toHaveLength(20 * 4);
    const values = Array.from(ds.train.images);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
    expect(mean).toBeCloseTo(0, 5);
    expect(variance).toBeCloseTo(1, 4);
    expect(ds.normalization?.mean).toHaveLength(1);
  });

  test('a label above 9 is a FileFormatError naming the label file', async () => {
    const dir = join(root, 'idx-bad-label');
    writeIdxSet(dir, { labelOffset: 3 });
    // overwrite labels with a value of 12
    writeFileSync(join(dir, 'train-labels-idx1-ubyte.gz'), gzipSync(encodeIdx([20], new Uint8Array(20).fill(12))));
    const e = await expectFileFormatRejection(loadDataset('mnist', { dataDir: dir, env: NO_ENV, systemDirs: NO_SYSTEM }));
    expect(e.file).toBe(join(dir, 'train-labels-idx1-ubyte.gz'));
    expect(e.message).toContain('label 0 is 12');
  });

  test('label and image counts must agree', async () => {
    const dir = join(root, 'idx-count');
    writeIdxSet(dir, { trainLabels: 19 });
    const e = await expectFileFormatRejection(loadDataset('mnist', { dataDir: dir, env: NO_ENV, systemDirs: NO_SYSTEM }));
    expect(e.message).toContain('holds 19 labels but');
  });

  test('a folder with the train images but no test files names the missing file', async () => {
    const dir = join(root, 'idx-partial');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'train-images-idx3-ubyte'), encodeIdx([1, 2, 2], new Uint8Array(4)));
    writeFileSync(join(dir, 'train-labels-idx1-ubyte'), encodeIdx([1], new Uint8Array(1)));
    const e = await expectFileFormatRejection(loadDataset('fashion-mnist', { dataDir: dir, env: NO_ENV, systemDirs: NO_SYSTEM }));
    expect(e.file).toMatch(/t10k-(images|labels)-idx[13]-ubyte\.gz$/);
    expect(e.message).toContain('file not found');
  });

  test('CIFAR-10 binary: CHW records become NHWC, found under $LMREG_DATA/cifar-10-batches-bin', async () => {
    const folder = join(root, 'cifar-root', CIFAR10_FOLDER);
    mkdirSync(folder, { recursive: true });
    const image = new Uint8Array(3072);
    image[0] = 255; // R at (0, 0)
    image[1024 + 1] = 51; // G at (0, 1)
    image[2048 + 32] = 102; // B at (1, 0)
    for (const f of [...CIFAR10_TRAIN_FILES, ...CIFAR10_TEST_FILES]) writeFileSync(join(folder, f), encodeCifar10Batch(image, Uint8Array.of(6)));
    const ds = await loadDataset('cifar10', { env: { LMREG_DATA: join(root, 'cifar-root') }, systemDirs: NO_SYSTEM, normalize: false });
    expect(ds.source.dir).toBe(folder);
    expect([ds.train.n, ds.train.height, ds.train.width, ds.train.channels, ds.test.n]).toEqual([5, 32, 32, 3, 1]);
    expect(ds.classes[ds.train.labels[0] ?? 0]).toBe('frog');
    const px = (y: number, x: number, c: number): number => ds.train.images[(y * 32 + x) * 3 + c] ?? NaN;
    expect(px(0, 0, 0)).toBe(1);
    expect(px(0, 1, 1)).toBeCloseTo(0.2, 6);
    expect(px(1, 0, 2)).toBeCloseTo(0.4, 6);
    expect(px(0, 0, 1)).toBe(0);
  });
});

const DEBIAN = '/usr/share/datasets/fashion-mnist';
const haveFashion = existsSync(join(DEBIAN, 'train-images-idx3-ubyte.gz'));

describe.skipIf(!haveFashion)('real Fashion-MNIST (Debian dataset-fashion-mnist)', () => {
  test('60000/10000 images of 28x28, 6000/1000 per class, pixels in [0, 1], known mean/std', async () => {
    const ds = await loadDataset('fashion-mnist', { env: NO_ENV, normalize: false });
    expect(ds.source.dir).toBe(DEBIAN);
    expect([ds.train.n, ds.test.n]).toEqual([60000, 10000]);
    expect([ds.train.height, ds.train.width, ds.train.channels]).toEqual([28, 28, 1]);
    for (const [split, per] of [
      [ds.train, 6000],
      [ds.test, 1000],
    ] as const) {
      expectBalancedUnitSplit(split, per);
    }
    // First labels of the official files: 9 (Ankle boot) 0 0 3 0 / 9 2 1 1 6.
    expect(Array.from(ds.train.labels.subarray(0, 5))).toEqual([9, 0, 0, 3, 0]);
    expect(Array.from(ds.test.labels.subarray(0, 5))).toEqual([9, 2, 1, 1, 6]);
    expect(ds.classes[9]).toBe('Ankle boot');
    // The well-known normalisation constants (mean 0.2860, std 0.3530).
    const stats = computeChannelStats(ds.train);
    expect(stats.mean[0]).toBeCloseTo(0.286040597, 6);
    expect(stats.std[0]).toBeCloseTo(0.353024245, 6);
  });
});
