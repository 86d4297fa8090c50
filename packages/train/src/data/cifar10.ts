import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { FileFormatError, InvalidArgumentError } from '@lmreg/common';

import { maybeGunzip, readBytes } from './read-bytes.js';

/** Side of a CIFAR-10 image in pixels. */
export const CIFAR10_SIZE = 32;
/** Bytes per CIFAR-10 record: 1 label byte, then 3 x 32 x 32 pixels in CHW order (R plane, G, B). */
export const CIFAR10_RECORD_BYTES = 1 + 3 * CIFAR10_SIZE * CIFAR10_SIZE;
/** The five training batch files of the CIFAR-10 binary version. */
export const CIFAR10_TRAIN_FILES: readonly string[] = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`);
/** The test batch file of the CIFAR-10 binary version. */
export const CIFAR10_TEST_FILES: readonly string[] = ['test_batch.bin'];
/** Name of the folder the CIFAR-10 binary archive unpacks to. */
export const CIFAR10_FOLDER = 'cifar-10-batches-bin';

/** Where to get CIFAR-10; appended to every CIFAR-10 error message. */
export const CIFAR10_HINT =
  'Download the binary version, https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz (162 MB), unpack it with ' +
  '`tar xzf cifar-10-binary.tar.gz` and point lmreg at the cifar-10-batches-bin/ folder (or its parent) ' +
  'with --data-dir or $LMREG_DATA.';

/** Records of one or more CIFAR-10 batch files. */
export interface Cifar10Batch {
  /** `[n, 3, 32, 32]` uint8, CHW per image, as stored in the files. */
  readonly images: Uint8Array;
  /** `[n]` class indices in 0..9. */
  readonly labels: Uint8Array;
  readonly n: number;
}

/**
 * Parses one CIFAR-10 binary batch held in memory (raw, or gzipped: detected by magic bytes).
 *
 * @throws FileFormatError naming the file when it is empty, its length is not a whole number of
 *   3073-byte records, or a label is above 9.
 */
export function parseCifar10Batch(bytes: Uint8Array, options: { file?: string; hint?: string } = {}): Cifar10Batch {
  const { file } = options;
  const hint = options.hint ?? CIFAR10_HINT;
  const raw = maybeGunzip(bytes, file, hint);
  if (raw.length === 0) {
    throw new FileFormatError(file, `file is empty; expected CIFAR-10 records of ${CIFAR10_RECORD_BYTES} bytes. ${hint}`);
  }
  if (raw.length % CIFAR10_RECORD_BYTES !== 0) {
    const whole = Math.floor(raw.length / CIFAR10_RECORD_BYTES);
    throw new FileFormatError(
      file,
      `expected a whole number of ${CIFAR10_RECORD_BYTES}-byte CIFAR-10 records (1 label byte + 3072 CHW pixels; ` +
        `a full batch of 10000 records is ${10000 * CIFAR10_RECORD_BYTES} bytes), found ${raw.length} bytes: ` +
        `${whole} whole records and a truncated one of ${raw.length - whole * CIFAR10_RECORD_BYTES} bytes. ${hint}`,
    );
  }
  const n = raw.length / CIFAR10_RECORD_BYTES;
  const pixels = CIFAR10_RECORD_BYTES - 1;
  const images = new Uint8Array(n * pixels);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const offset = i * CIFAR10_RECORD_BYTES;
    const label = raw[offset] ?? 0;
    if (label > 9) {
      throw new FileFormatError(
        file,
        `record ${i} (byte offset ${offset}) has label ${label}; expected a CIFAR-10 class in 0..9 ` +
          `(CIFAR-100's binary format, with 2 label bytes per record, is not supported). ${hint}`,
      );
    }
    labels[i] = label;
    images.set(raw.subarray(offset + 1, offset + CIFAR10_RECORD_BYTES), i * pixels);
  }
  return { images, labels, n };
}

/**
 * Reads one CIFAR-10 binary batch file (e.g. `data_batch_1.bin`).
 *
 * @throws FileFormatError when the file is missing, truncated or corrupt.
 */
export async function readCifar10Batch(file: string, options: { hint?: string } = {}): Promise<Cifar10Batch> {
  const hint = options.hint ?? CIFAR10_HINT;
  const bytes = await readBytes(file, `a CIFAR-10 binary batch (records of ${CIFAR10_RECORD_BYTES} bytes)`, hint);
  return parseCifar10Batch(bytes, { file, hint });
}

/** Concatenates CIFAR-10 batches in order. */
export function concatCifar10Batches(batches: readonly Cifar10Batch[]): Cifar10Batch {
  const n = batches.reduce((s, b) => s + b.n, 0);
  const pixels = CIFAR10_RECORD_BYTES - 1;
  const images = new Uint8Array(n * pixels);
  const labels = new Uint8Array(n);
  let at = 0;
  for (const b of batches) {
    images.set(b.images, at * pixels);
    labels.set(b.labels, at);
    at += b.n;
  }
  return { images, labels, n };
}

/**
 * The folder holding the CIFAR-10 batch files: `dir` itself when it contains `data_batch_1.bin`,
 * else `dir/cifar-10-batches-bin` when that does; `undefined` otherwise.
 */
export function resolveCifar10Dir(dir: string): string | undefined {
  for (const candidate of [dir, join(dir, CIFAR10_FOLDER)]) {
    if (existsSync(join(candidate, CIFAR10_TRAIN_FILES[0] ?? ''))) return candidate;
  }
  return undefined;
}

/**
 * Reads the CIFAR-10 binary version from `dir` (the `cifar-10-batches-bin/` folder or its parent):
 * the five training batches concatenated in order, and the test batch.
 *
 * @throws FileFormatError when a batch file is missing, truncated or corrupt.
 */
export async function readCifar10(
  dir: string,
): Promise<{ train: Cifar10Batch; test: Cifar10Batch; files: { train: string[]; test: string[] } }> {
  const folder = resolveCifar10Dir(dir) ?? dir;
  const trainFiles = CIFAR10_TRAIN_FILES.map((f) => join(folder, f));
  const testFiles = CIFAR10_TEST_FILES.map((f) => join(folder, f));
  const train = concatCifar10Batches(await Promise.all(trainFiles.map((f) => readCifar10Batch(f))));
  const test = concatCifar10Batches(await Promise.all(testFiles.map((f) => readCifar10Batch(f))));
  return { train, test, files: { train: trainFiles, test: testFiles } };
}

/**
 * Encodes images and labels as a CIFAR-10 binary batch, e.g. to write test fixtures.
 *
 * @param images - `[n, 3, 32, 32]` uint8, CHW per image.
 * @param labels - `[n]` labels (any byte value, so corrupt fixtures can be made).
 * @throws InvalidArgumentError when the lengths disagree.
 */
export function encodeCifar10Batch(images: Uint8Array, labels: Uint8Array): Uint8Array {
  const pixels = CIFAR10_RECORD_BYTES - 1;
  if (images.length !== labels.length * pixels) {
    throw new InvalidArgumentError(
      `encodeCifar10Batch: ${labels.length} labels need ${labels.length * pixels} image bytes, got ${images.length}.`,
    );
  }
  const out = new Uint8Array(labels.length * CIFAR10_RECORD_BYTES);
  for (let i = 0; i < labels.length; i++) {
    out[i * CIFAR10_RECORD_BYTES] = labels[i] ?? 0;
    out.set(images.subarray(i * pixels, (i + 1) * pixels), i * CIFAR10_RECORD_BYTES + 1);
  }
  return out;
}
