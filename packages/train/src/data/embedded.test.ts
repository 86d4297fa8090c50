import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { afterAll, describe, expect, test } from 'vitest';

import { datasetSearchPath, findDataset, getDatasetInfo, loadDataset } from './datasets.js';
import { embeddedDataDir, FASHION_MNIST_MINI_FOLDER, findTrainPackageRoot } from './embedded.js';
import { readIdxImages, readIdxLabels } from './idx.js';
import type { DatasetSplit } from './types.js';
import { expectBalancedUnitSplit } from '../testing/data.js';

const root = mkdtempSync(join(tmpdir(), 'lmreg-embedded-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const NO_PLACES = { env: {}, systemDirs: [] as readonly string[] };

function writeJson(file: string, value: unknown): void {
  writeFileSync(file, JSON.stringify(value));
}

describe('findTrainPackageRoot', () => {
  test('from the sources it finds packages/train, which holds data/fashion-mnist-mini', () => {
    const found = findTrainPackageRoot();
    expect(found).toBeDefined();
    expect(existsSync(join(found ?? '', 'package.json'))).toBe(true);
    expect(existsSync(join(found ?? '', 'data', FASHION_MNIST_MINI_FOLDER, 'train-images-idx3-ubyte.gz'))).toBe(true);
    expect(embeddedDataDir(FASHION_MNIST_MINI_FOLDER)).toBe(join(found ?? '', 'data', FASHION_MNIST_MINI_FOLDER));
  });

  test('from an installed tarball (node_modules/@lmreg/train/dist/index.js) it finds the package folder', () => {
    const app = join(root, 'app');
    const pkg = join(app, 'node_modules', '@lmreg', 'train');
    mkdirSync(join(pkg, 'dist'), { recursive: true });
    writeJson(join(app, 'package.json'), { name: 'app', private: true });
    writeJson(join(pkg, 'package.json'), { name: '@lmreg/train', version: '0.1.0' });
    // package.json files without our name on the way up (nameless, other name, invalid) are skipped
    writeJson(join(pkg, 'dist', 'package.json'), { type: 'module' });
    mkdirSync(join(pkg, 'dist', 'chunks'), { recursive: true });
    writeFileSync(join(pkg, 'dist', 'chunks', 'package.json'), '{ not json');
    const entry = join(pkg, 'dist', 'chunks', 'index.js');
    writeFileSync(entry, '');
    expect(findTrainPackageRoot(pathToFileURL(entry))).toBe(pkg);
    expect(findTrainPackageRoot(pathToFileURL(entry).href)).toBe(pkg);
    expect(findTrainPackageRoot(join(pkg, 'dist'))).toBe(pkg);
  });

  test('undefined when no @lmreg/train package.json is above the start, or the URL is not a file', () => {
    const lonely = join(root, 'bundle', 'out');
    mkdirSync(lonely, { recursive: true });
    writeJson(join(root, 'bundle', 'package.json'), { name: 'someone-elses-app' });
    expect(findTrainPackageRoot(join(lonely, 'main.js'))).toBeUndefined();
    expect(findTrainPackageRoot(new URL('https://example.com/dist/index.js'))).toBeUndefined();
  });
});

describe('fashion-mnist-mini (embedded in @lmreg/train)', () => {
  test('is registered, and always read from the package: --data-dir, $LMREG_DATA and system folders do not apply', () => {
    const info = getDatasetInfo('fashion-mnist-mini');
    expect([info.embedded, info.trainSize, info.testSize, info.classes[9]]).toEqual([true, 6000, 1000, 'Ankle boot']);
    const expected = [{ origin: 'embedded', dir: embeddedDataDir(FASHION_MNIST_MINI_FOLDER) }];
    expect(datasetSearchPath('fashion-mnist-mini', { dataDir: '/a', env: { LMREG_DATA: '/b' }, systemDirs: ['/c'] })).toEqual(expected);
    expect(findDataset('fashion-mnist-mini', { ...NO_PLACES })).toBe(expected[0]?.dir);
    // An explicit --data-dir is used or refused: here refused, naming the fix (issue 18).
    expect(() => findDataset('fashion-mnist-mini', { dataDir: join(root, 'nothing-here'), ...NO_PLACES })).toThrow(/--data-dir does not apply to fashion-mnist-mini: it is embedded/);
  });

  test('6000/1000 images of 28x28x1, 600/100 per class, pixels in [0, 1], no data installed', async () => {
    const ds = await loadDataset('fashion-mnist-mini', { ...NO_PLACES, normalize: false });
    expect(ds.name).toBe('fashion-mnist-mini');
    expect(ds.source.dir).toBe(embeddedDataDir(FASHION_MNIST_MINI_FOLDER));
    expect(ds.source.train[0]).toBe(join(ds.source.dir, 'train-images-idx3-ubyte.gz'));
    for (const [split, per] of [
      [ds.train, 600],
      [ds.test, 100],
    ] as const satisfies readonly (readonly [DatasetSplit, number])[]) {
      expect([split.n, split.height, split.width, split.channels]).toEqual([per * 10, 28, 28, 1]);
      expect(split.images).toHaveLength(per * 10 * 28 * 28);
      expectBalancedUnitSplit(split, per);
    }
    // The first rows of the official files are kept (no class is full yet): labels 9 0 0 3 0 / 9 2 1 1 6.
    expect(Array.from(ds.train.labels.subarray(0, 5))).toEqual([9, 0, 0, 3, 0]);
    expect(Array.from(ds.test.labels.subarray(0, 5))).toEqual([9, 2, 1, 1, 6]);
  });
});

const DEBIAN = '/usr/share/datasets/fashion-mnist';
const haveFashion = existsSync(join(DEBIAN, 'train-images-idx3-ubyte.gz'));

/** The documented row selection rule: row i is kept iff fewer than `perClass` earlier rows share its label. */
function selectionRule(labels: Uint8Array, perClass: number): number[] {
  const seen = new Array<number>(10).fill(0);
  const rows: number[] = [];
  labels.forEach((label, i) => {
    if ((seen[label] ?? 0) < perClass) {
      seen[label] = (seen[label] ?? 0) + 1;
      rows.push(i);
    }
  });
  return rows;
}

describe.skipIf(!haveFashion)('fashion-mnist-mini against the full Debian Fashion-MNIST', () => {
  test.each([
    ['train', 600],
    ['t10k', 100],
  ] as const)('%s: every image and label is the row of the full set the selection rule names', async (prefix, perClass) => {
    const miniDir = embeddedDataDir(FASHION_MNIST_MINI_FOLDER) ?? '';
    const [fullImages, fullLabels, miniImages, miniLabels] = await Promise.all([
      readIdxImages(join(DEBIAN, `${prefix}-images-idx3-ubyte.gz`)),
      readIdxLabels(join(DEBIAN, `${prefix}-labels-idx1-ubyte.gz`)),
      readIdxImages(join(miniDir, `${prefix}-images-idx3-ubyte.gz`)),
      readIdxLabels(join(miniDir, `${prefix}-labels-idx1-ubyte.gz`)),
    ]);
    const rows = selectionRule(fullLabels.labels, perClass);
    expect(rows).toHaveLength(perClass * 10);
    expect([miniImages.n, miniImages.rows, miniImages.cols, miniLabels.n]).toEqual([rows.length, 28, 28, rows.length]);
    const plane = 28 * 28;
    const mismatches: number[] = [];
    rows.forEach((row, j) => {
      const a = fullImages.images.subarray(row * plane, (row + 1) * plane);
      const b = miniImages.images.subarray(j * plane, (j + 1) * plane);
      if (miniLabels.labels[j] !== fullLabels.labels[row] || !a.every((v, k) => v === b[k])) mismatches.push(j);
    });
    expect(mismatches).toEqual([]);
    // The kept rows are not just a prefix: the last one lies well inside the full file.
    expect(rows.at(-1)).toBeGreaterThan(rows.length);
  });

  test('loadDataset gives the first images of the full set as floats, in file order', async () => {
    const [mini, full] = await Promise.all([
      loadDataset('fashion-mnist-mini', { ...NO_PLACES, normalize: false }),
      readIdxImages(join(DEBIAN, 'train-images-idx3-ubyte.gz')),
    ]);
    const plane = 28 * 28;
    const expected = Float32Array.from(full.images.subarray(0, 3 * plane), (v) => v / 255);
    expect(mini.train.images.subarray(0, 3 * plane)).toEqual(expected);
  });

  test('the committed files equal a fresh run of scripts/gen-fashion-mnist-mini.mjs (--check)', () => {
    const script = join(findTrainPackageRoot() ?? '', '..', '..', 'scripts', 'gen-fashion-mnist-mini.mjs');
    const out = execFileSync(process.execPath, [script, '--check'], { encoding: 'utf8' });
    expect(JSON.parse(out)).toMatchObject({ upToDate: true });
  });
});
