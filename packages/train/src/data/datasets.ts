import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { FileFormatError, InvalidArgumentError, NotRegisteredError } from '@lmreg/common';

import { CIFAR10_FOLDER, CIFAR10_HINT, CIFAR10_TEST_FILES, CIFAR10_TRAIN_FILES, readCifar10 } from './cifar10.js';
import { embeddedDataDir, thisModulePath } from './embedded.js';
import { IDX_HINT, readIdxImages, readIdxLabels } from './idx.js';
import type { ResizeMethod } from './preprocess.js';
import { computeChannelStats, resizeSplit, standardize } from './preprocess.js';
import type { Dataset, DatasetName, DatasetSplit } from './types.js';

/** Static facts about a known data set. */
export interface DatasetInfo {
  readonly name: DatasetName;
  /** Display name, e.g. `Fashion-MNIST`. */
  readonly title: string;
  readonly classes: readonly string[];
  /** Image size as stored in the files. */
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  /** Split sizes of the files (the official ones, or the embedded subset's). */
  readonly trainSize: number;
  readonly testSize: number;
  /** Sub-folders of a data root where the files may sit (checked before the root itself). */
  readonly folders: readonly string[];
  /** System folders searched last (Debian's `dataset-fashion-mnist` package). */
  readonly systemDirs: readonly string[];
  /**
   * True for a data set that ships inside `@lmreg/train` (`<package>/data/<name>/`): it is always
   * read from there, and `folders`, `systemDirs`, `--data-dir` and `$LMREG_DATA` do not apply.
   */
  readonly embedded: boolean;
  /** How to obtain the files. */
  readonly hint: string;
}

const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
const FASHION_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

const FASHION_MNIST_MINI_HINT =
  'fashion-mnist-mini ships inside @lmreg/train (data/fashion-mnist-mini/, four gzipped IDX files); a missing ' +
  'or corrupt file means a broken install: reinstall @lmreg/train (in the lmreg repo: ' +
  '`node scripts/gen-fashion-mnist-mini.mjs`), or use the full set with --dataset fashion-mnist.';

const INFO: Readonly<Record<DatasetName, DatasetInfo>> = {
  'fashion-mnist': {
    name: 'fashion-mnist',
    title: 'Fashion-MNIST',
    classes: FASHION_CLASSES,
    height: 28,
    width: 28,
    channels: 1,
    trainSize: 60000,
    testSize: 10000,
    folders: ['fashion-mnist', 'fashion_mnist', join('FashionMNIST', 'raw')],
    systemDirs: ['/usr/share/datasets/fashion-mnist'],
    embedded: false,
    hint: IDX_HINT,
  },
  'fashion-mnist-mini': {
    name: 'fashion-mnist-mini',
    title: 'Fashion-MNIST mini',
    classes: FASHION_CLASSES,
    height: 28,
    width: 28,
    channels: 1,
    trainSize: 6000,
    testSize: 1000,
    folders: [],
    systemDirs: [],
    embedded: true,
    hint: FASHION_MNIST_MINI_HINT,
  },
  mnist: {
    name: 'mnist',
    title: 'MNIST',
    classes: DIGITS,
    height: 28,
    width: 28,
    channels: 1,
    trainSize: 60000,
    testSize: 10000,
    folders: ['mnist', join('MNIST', 'raw')],
    systemDirs: [],
    embedded: false,
    hint: IDX_HINT,
  },
  cifar10: {
    name: 'cifar10',
    title: 'CIFAR-10',
    classes: ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'],
    height: 32,
    width: 32,
    channels: 3,
    trainSize: 50000,
    testSize: 10000,
    folders: [CIFAR10_FOLDER, join('cifar10', CIFAR10_FOLDER), 'cifar10', 'cifar-10'],
    systemDirs: [],
    embedded: false,
    hint: CIFAR10_HINT,
  },
};

/** Names accepted by {@link loadDataset}. */
export const DATASET_NAMES: readonly DatasetName[] = ['fashion-mnist', 'fashion-mnist-mini', 'mnist', 'cifar10'];

/**
 * Static facts about data set `name` (classes, image size, split sizes, where it is searched).
 *
 * @throws NotRegisteredError for an unknown name.
 */
export function getDatasetInfo(name: string): DatasetInfo {
  if (!Object.hasOwn(INFO, name)) throw new NotRegisteredError('dataset', name, DATASET_NAMES);
  return INFO[name as DatasetName];
}

/**
 * Where {@link loadDataset} looks for files, and how to resize and normalise them. The three
 * places (`dataDir`, `env`, `systemDirs`) are ignored for an embedded data set
 * (`fashion-mnist-mini`), which is always read from the `@lmreg/train` package itself.
 */
export interface LoadDatasetOptions {
  /** Folder given on the command line (`--data-dir`); searched first. */
  readonly dataDir?: string;
  /** Environment whose `LMREG_DATA` is searched second. Defaults to `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** System folders searched last. Defaults to {@link DatasetInfo.systemDirs}. */
  readonly systemDirs?: readonly string[];
  /** Standardise every channel with mean/std of the train split (default true). */
  readonly normalize?: boolean;
  /** Resize both splits (before normalisation), e.g. 28x28 -> 16x16 for small-scale runs. */
  readonly resize?: { readonly height: number; readonly width: number; readonly method?: ResizeMethod };
}

/** One place {@link loadDataset} looks in, and why. */
export interface DatasetCandidate {
  /** `--data-dir`, `$LMREG_DATA`, `system`, or `embedded` (the `@lmreg/train` package's `data/` folder). */
  readonly origin: string;
  readonly dir: string;
}

/**
 * The folders searched for data set `name`, in order: for each root (`dataDir`, then
 * `$LMREG_DATA`) its data-set sub-folders (e.g. `fashion-mnist/`, `cifar-10-batches-bin/`) and then
 * the root itself; finally the system folders. For an embedded data set (`fashion-mnist-mini`) the
 * one folder inside the installed `@lmreg/train` package (`<package>/data/fashion-mnist-mini`), or
 * nothing when the package folder cannot be located.
 */
export function datasetSearchPath(name: DatasetName, options: LoadDatasetOptions = {}): DatasetCandidate[] {
  const info = getDatasetInfo(name);
  if (info.embedded) {
    const dir = embeddedDataDir(name);
    return dir === undefined ? [] : [{ origin: 'embedded', dir }];
  }
  const env = options.env ?? process.env;
  const roots: DatasetCandidate[] = [];
  if (options.dataDir !== undefined && options.dataDir !== '') roots.push({ origin: '--data-dir', dir: options.dataDir });
  const fromEnv = env['LMREG_DATA'];
  if (fromEnv !== undefined && fromEnv !== '') roots.push({ origin: '$LMREG_DATA', dir: fromEnv });
  const out: DatasetCandidate[] = [];
  for (const root of roots) {
    for (const folder of info.folders) out.push({ origin: root.origin, dir: join(root.dir, folder) });
    out.push(root);
  }
  for (const dir of options.systemDirs ?? info.systemDirs) out.push({ origin: 'system', dir });
  return out;
}

const IDX_FILES = {
  trainImages: ['train-images-idx3-ubyte', 'train-images.idx3-ubyte'],
  trainLabels: ['train-labels-idx1-ubyte', 'train-labels.idx1-ubyte'],
  testImages: ['t10k-images-idx3-ubyte', 't10k-images.idx3-ubyte'],
  testLabels: ['t10k-labels-idx1-ubyte', 't10k-labels.idx1-ubyte'],
} as const;

/** The first existing `<dir>/<base>[.gz]`, or `undefined` when none exists. */
function findIdxFile(dir: string, bases: readonly string[]): string | undefined {
  for (const base of bases) {
    for (const suffix of ['', '.gz']) {
      const file = join(dir, base + suffix);
      if (existsSync(file)) return file;
    }
  }
  return undefined;
}

function holdsDataset(name: DatasetName, dir: string): boolean {
  if (name === 'cifar10') return existsSync(join(dir, CIFAR10_TRAIN_FILES[0] ?? ''));
  return findIdxFile(dir, IDX_FILES.trainImages) !== undefined;
}

/**
 * The folder data set `name` is read from: the first entry of {@link datasetSearchPath} holding
 * its first training file (`train-images-idx3-ubyte[.gz]` or `data_batch_1.bin`).
 *
 * @throws FileFormatError listing every place looked in, and how to get the data, when none does.
 */
export function findDataset(name: DatasetName, options: LoadDatasetOptions = {}): string {
  const info = getDatasetInfo(name);
  const candidates = datasetSearchPath(name, options);
  const wanted =
    name === 'cifar10'
      ? `${[...CIFAR10_TRAIN_FILES, ...CIFAR10_TEST_FILES].join(', ')}`
      : `${IDX_FILES.trainImages[0]}[.gz] and the other three *-ubyte[.gz] files`;
  const given = options.dataDir;
  if (given !== undefined && given !== '') {
    // An explicit folder is used or refused, never silently passed over for another one.
    if (info.embedded) {
      throw new InvalidArgumentError(
        `--data-dir does not apply to ${name}: it is embedded in @lmreg/train. Drop --data-dir, or pass the full data set (e.g. --dataset fashion-mnist) to read it from ${given}.`,
      );
    }
    const own = candidates.filter((c) => c.origin === '--data-dir');
    const hit = own.find((c) => holdsDataset(name, c.dir));
    if (hit !== undefined) return hit.dir;
    throw new FileFormatError(
      undefined,
      `--data-dir ${given} ${existsSync(given) ? 'does not hold' : 'does not exist, so it cannot hold'} the ${info.title} data set (${wanted}); looked in:\n` +
        `${own.map((c) => `  ${c.dir}`).join('\n')}\nPoint --data-dir at the folder with these files, or drop it to use $LMREG_DATA or the system folder. ${info.hint}`,
    );
  }
  const found = candidates.find((c) => holdsDataset(name, c.dir));
  if (found !== undefined) return found.dir;
  if (info.embedded) {
    const where =
      candidates[0] === undefined
        ? `cannot locate the @lmreg/train package folder (no package.json named @lmreg/train above ${thisModulePath()}; ` +
          'was lmreg bundled into another program? keep @lmreg/train an installed dependency)'
        : `expected ${IDX_FILES.trainImages[0]}.gz and the other three *-ubyte.gz files in ${candidates[0].dir}`;
    throw new FileFormatError(undefined, `cannot find the embedded ${info.title} data set: ${where}. ${info.hint}`);
  }
  const places =
    candidates.length === 0
      ? '  (nowhere: no --data-dir given, $LMREG_DATA unset, no system folder)'
      : candidates.map((c) => `  ${c.dir}  (${c.origin})`).join('\n');
  const notGiven = [
    options.dataDir === undefined ? '--data-dir not given' : undefined,
    (options.env ?? process.env)['LMREG_DATA'] ? undefined : '$LMREG_DATA not set',
  ].filter((s) => s !== undefined);
  throw new FileFormatError(
    undefined,
    `cannot find the ${info.title} data set (${wanted}). Looked in, in order:\n${places}\n` +
      `${notGiven.length > 0 ? `(${notGiven.join('; ')}.)\n` : ''}${info.hint}`,
  );
}

function checkLabels(labels: Uint8Array, classes: number, file: string, hint: string): Int32Array {
  const out = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i] ?? 0;
    if (v >= classes) {
      throw new FileFormatError(file, `label ${i} is ${v}; expected a class in 0..${classes - 1}. ${hint}`);
    }
    out[i] = v;
  }
  return out;
}

function toFloat(pixels: Uint8Array): Float32Array {
  const out = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) out[i] = (pixels[i] ?? 0) / 255;
  return out;
}

async function loadIdxSplit(
  info: DatasetInfo,
  dir: string,
  imageBases: readonly string[],
  labelBases: readonly string[],
): Promise<{ split: DatasetSplit; files: string[] }> {
  const missing = (bases: readonly string[]): string => join(dir, `${bases[0] ?? ''}.gz`);
  const imagesFile = findIdxFile(dir, imageBases) ?? missing(imageBases);
  const labelsFile = findIdxFile(dir, labelBases) ?? missing(labelBases);
  const [images, labels] = await Promise.all([
    readIdxImages(imagesFile, { hint: info.hint }),
    readIdxLabels(labelsFile, { hint: info.hint }),
  ]);
  if (images.n !== labels.n) {
    throw new FileFormatError(
      labelsFile,
      `holds ${labels.n} labels but ${imagesFile} holds ${images.n} images; expected the same count ` +
        `(mixed-up or partly downloaded files?). ${info.hint}`,
    );
  }
  const split: DatasetSplit = {
    images: toFloat(images.images),
    labels: checkLabels(labels.labels, info.classes.length, labelsFile, info.hint),
    n: images.n,
    height: images.rows,
    width: images.cols,
    channels: 1,
  };
  return { split, files: [imagesFile, labelsFile] };
}

/** CHW uint8 records -> NHWC floats in [0, 1]. */
function cifarToSplit(images: Uint8Array, labels: Uint8Array, n: number): DatasetSplit {
  const plane = 32 * 32;
  const out = new Float32Array(n * 3 * plane);
  for (let i = 0; i < n; i++) {
    const base = i * 3 * plane;
    for (let p = 0; p < plane; p++) {
      for (let ch = 0; ch < 3; ch++) out[base + p * 3 + ch] = (images[base + ch * plane + p] ?? 0) / 255;
    }
  }
  return { images: out, labels: Int32Array.from(labels), n, height: 32, width: 32, channels: 3 };
}

/**
 * Finds and reads data set `name` (see {@link datasetSearchPath} for where it looks; the embedded
 * `fashion-mnist-mini` needs no data installed), converts it
 * to NHWC float32 in [0, 1], optionally resizes it, and standardises each channel with the train
 * split's mean/std (unless `normalize: false`).
 *
 * @throws NotRegisteredError for an unknown name; FileFormatError when the data set cannot be
 *   found (listing every place looked in) or a file is missing, truncated or corrupt.
 */
export async function loadDataset(name: DatasetName, options: LoadDatasetOptions = {}): Promise<Dataset> {
  const info = getDatasetInfo(name);
  const dir = findDataset(name, options);
  let train: DatasetSplit;
  let test: DatasetSplit;
  let source: Dataset['source'];
  if (name === 'cifar10') {
    const raw = await readCifar10(dir);
    train = cifarToSplit(raw.train.images, raw.train.labels, raw.train.n);
    test = cifarToSplit(raw.test.images, raw.test.labels, raw.test.n);
    source = { dir, train: raw.files.train, test: raw.files.test };
  } else {
    const [tr, te] = await Promise.all([
      loadIdxSplit(info, dir, IDX_FILES.trainImages, IDX_FILES.trainLabels),
      loadIdxSplit(info, dir, IDX_FILES.testImages, IDX_FILES.testLabels),
    ]);
    if (tr.split.height !== te.split.height || tr.split.width !== te.split.width) {
      throw new FileFormatError(
        te.files[0],
        `holds ${te.split.height}x${te.split.width} images but the train images are ` +
          `${tr.split.height}x${tr.split.width}; expected one size. ${info.hint}`,
      );
    }
    train = tr.split;
    test = te.split;
    source = { dir, train: tr.files, test: te.files };
  }
  if (options.resize !== undefined) {
    train = resizeSplit(train, options.resize);
    test = resizeSplit(test, options.resize);
  }
  let normalization: Dataset['normalization'];
  if (options.normalize ?? true) {
    normalization = computeChannelStats(train);
    // The arrays were made above and belong to us: standardise in place (CIFAR-10 train is 614 MB).
    for (const split of [train, test]) standardize(split.images, split.images, split.channels, normalization);
  }
  return { name, classes: info.classes, train, test, normalization, source };
}
