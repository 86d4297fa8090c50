import { FileFormatError, InvalidArgumentError } from '@lmreg/common';

import { isGzip, maybeGunzip, readBytes } from './read-bytes.js';

/** IDX magic number of a uint8 array with 3 dimensions `[n, rows, cols]` (MNIST images). */
export const IDX_IMAGES_MAGIC = 0x00000803;
/** IDX magic number of a uint8 array with 1 dimension `[n]` (MNIST labels). */
export const IDX_LABELS_MAGIC = 0x00000801;

/** Where to get MNIST-format files; appended to every IDX error message unless the caller gives its own. */
export const IDX_HINT =
  'Fashion-MNIST: `apt-get install dataset-fashion-mnist` (Debian/Ubuntu, installs /usr/share/datasets/fashion-mnist) ' +
  'or download the four *-ubyte.gz files from https://github.com/zalandoresearch/fashion-mnist; ' +
  'MNIST: download them from https://ossci-datasets.s3.amazonaws.com/mnist/ (mirror of yann.lecun.com/exdb/mnist). ' +
  'Then point lmreg at the folder with --data-dir or $LMREG_DATA.';

/** A uint8 IDX array: its dimensions and its values in row-major order. */
export interface IdxArray {
  /** Sizes of each dimension, outermost first. */
  readonly dims: readonly number[];
  /** `product(dims)` values, row-major. */
  readonly data: Uint8Array;
}

/** Images read from an IDX file, `[n, rows, cols]` uint8 row-major (0 = background). */
export interface IdxImages {
  readonly images: Uint8Array;
  readonly n: number;
  readonly rows: number;
  readonly cols: number;
}

/** Labels read from an IDX file, `[n]` uint8. */
export interface IdxLabels {
  readonly labels: Uint8Array;
  readonly n: number;
}

/** Options shared by the IDX parsers. */
export interface IdxParseOptions {
  /** File name used in error messages. */
  readonly file?: string;
  /** How to obtain the file, appended to error messages. Defaults to {@link IDX_HINT}. */
  readonly hint?: string;
}

function hex(value: number): string {
  return `0x${(value >>> 0).toString(16).padStart(8, '0')}`;
}

function describeMagic(magic: number): string {
  if (magic === IDX_IMAGES_MAGIC) return 'uint8 images';
  if (magic === IDX_LABELS_MAGIC) return 'uint8 labels';
  return 'uint8 array';
}

/**
 * Parses an IDX file held in memory (raw, or gzipped: detected by its magic bytes) and checks its
 * magic number against `expectedMagic` (only uint8 arrays, type byte 0x08, are supported).
 *
 * @throws FileFormatError naming the file when the header, magic number, dimensions or length are
 *   wrong; the message says what was expected and how to obtain the file.
 */
export function parseIdx(bytes: Uint8Array, expectedMagic: number, options: IdxParseOptions = {}): IdxArray {
  const { file } = options;
  const hint = options.hint ?? IDX_HINT;
  const gz = isGzip(bytes);
  const raw = maybeGunzip(bytes, file, hint);
  const what = describeMagic(expectedMagic);
  const ndim = expectedMagic & 0xff;
  const headerBytes = 4 + 4 * ndim;
  const after = gz ? ' after gunzip' : '';
  if (raw.length < headerBytes) {
    throw new FileFormatError(
      file,
      `expected an IDX file of ${what} (magic ${hex(expectedMagic)}, ${headerBytes}-byte header), ` +
        `found only ${raw.length} bytes${after}. ${hint}`,
    );
  }
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const magic = view.getUint32(0, false);
  if (magic !== expectedMagic) {
    const looksLike =
      magic === IDX_IMAGES_MAGIC || magic === IDX_LABELS_MAGIC ? ` (that is an IDX file of ${describeMagic(magic)})` : '';
    throw new FileFormatError(
      file,
      `expected IDX magic number ${hex(expectedMagic)} (${what}), found ${hex(magic)}${looksLike}. ${hint}`,
    );
  }
  const dims: number[] = [];
  let count = 1;
  for (let d = 0; d < ndim; d++) {
    const size = view.getUint32(4 + 4 * d, false);
    // The leading dimension (number of items) may be 0; the others (rows, cols) may not.
    if (d > 0 && size === 0) {
      throw new FileFormatError(file, `IDX dimension ${d} is 0; expected positive image dimensions. ${hint}`);
    }
    dims.push(size);
    count *= size;
  }
  const expected = headerBytes + count;
  if (raw.length !== expected) {
    throw new FileFormatError(
      file,
      `expected ${expected} bytes for ${dims.join('x')} ${what}, found ${raw.length}${after}` +
        `${raw.length < expected ? ' (truncated download?)' : ''}. ${hint}`,
    );
  }
  return { dims, data: raw.slice(headerBytes) };
}

/** Parses IDX images (magic 0x00000803) held in memory. See {@link parseIdx} for errors. */
export function parseIdxImages(bytes: Uint8Array, options: IdxParseOptions = {}): IdxImages {
  const { dims, data } = parseIdx(bytes, IDX_IMAGES_MAGIC, options);
  return { images: data, n: dims[0] ?? 0, rows: dims[1] ?? 0, cols: dims[2] ?? 0 };
}

/** Parses IDX labels (magic 0x00000801) held in memory. See {@link parseIdx} for errors. */
export function parseIdxLabels(bytes: Uint8Array, options: IdxParseOptions = {}): IdxLabels {
  const { dims, data } = parseIdx(bytes, IDX_LABELS_MAGIC, options);
  return { labels: data, n: dims[0] ?? 0 };
}

/**
 * Reads an IDX image file (`*-images-idx3-ubyte`, raw or `.gz`).
 *
 * @throws FileFormatError when the file is missing, truncated or corrupt.
 */
export async function readIdxImages(file: string, options: { hint?: string } = {}): Promise<IdxImages> {
  const hint = options.hint ?? IDX_HINT;
  const bytes = await readBytes(file, `an IDX file of uint8 images (magic ${hex(IDX_IMAGES_MAGIC)})`, hint);
  return parseIdxImages(bytes, { file, hint });
}

/**
 * Reads an IDX label file (`*-labels-idx1-ubyte`, raw or `.gz`).
 *
 * @throws FileFormatError when the file is missing, truncated or corrupt.
 */
export async function readIdxLabels(file: string, options: { hint?: string } = {}): Promise<IdxLabels> {
  const hint = options.hint ?? IDX_HINT;
  const bytes = await readBytes(file, `an IDX file of uint8 labels (magic ${hex(IDX_LABELS_MAGIC)})`, hint);
  return parseIdxLabels(bytes, { file, hint });
}

/**
 * Encodes a uint8 array as a raw (not gzipped) IDX file, e.g. to write test fixtures.
 *
 * @param dims - 1 to 255 dimension sizes; their product must equal `data.length`.
 * @throws InvalidArgumentError when `dims` does not match `data`.
 */
export function encodeIdx(dims: readonly number[], data: Uint8Array): Uint8Array {
  if (dims.length < 1 || dims.length > 255 || !dims.every((d) => Number.isInteger(d) && d >= 0 && d <= 0xffffffff)) {
    throw new InvalidArgumentError(`encodeIdx needs 1 to 255 non-negative integer dims, got [${dims.join(', ')}].`);
  }
  const count = dims.reduce((a, b) => a * b, 1);
  if (count !== data.length) {
    throw new InvalidArgumentError(`encodeIdx: dims [${dims.join(', ')}] hold ${count} values, data has ${data.length}.`);
  }
  const header = 4 + 4 * dims.length;
  const out = new Uint8Array(header + count);
  const view = new DataView(out.buffer);
  view.setUint32(0, 0x00000800 | dims.length, false);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, header);
  return out;
}
