#!/usr/bin/env node
/**
 * Generates packages/train/data/fashion-mnist-mini/, the small Fashion-MNIST subset embedded in
 * @lmreg/train (dataset name `fashion-mnist-mini`), from the full Fashion-MNIST IDX files.
 *
 * Row selection rule (see packages/train/data/fashion-mnist-mini/SOURCE.md): row i of the original
 * train (test) file is kept iff fewer than 600 (100) earlier rows of that file have the same label;
 * kept rows stay in their original file order. That is the first 600 train / 100 test images of
 * each of the 10 classes: 6,000 train and 1,000 test images of 28x28, stratified.
 *
 * Output: the four standard gzipped IDX files (same names as the originals), gzip level 9, no file
 * name and mtime 0 in the gzip header and the OS byte fixed to 3 (Unix), so the bytes depend only on
 * the input and on zlib.
 *
 * Usage (from the repo root):
 *   node scripts/gen-fashion-mnist-mini.mjs                 # (re)writes the data folder
 *   node scripts/gen-fashion-mnist-mini.mjs --check         # exits 1 if the committed files differ
 *   node scripts/gen-fashion-mnist-mini.mjs --source DIR    # read the full set from DIR
 * The default source is Debian's `dataset-fashion-mnist` (/usr/share/datasets/fashion-mnist).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';

const OUT = fileURLToPath(new URL('../packages/train/data/fashion-mnist-mini/', import.meta.url));
const DEFAULT_SOURCE = '/usr/share/datasets/fashion-mnist';
const CLASSES = 10;
const SPLITS = [
  { prefix: 'train', perClass: 600, originalSize: 60000 },
  { prefix: 't10k', perClass: 100, originalSize: 10000 },
];
const IMAGES_MAGIC = 0x00000803;
const LABELS_MAGIC = 0x00000801;

function fail(message) {
  console.error(`gen-fashion-mnist-mini: ${message}`);
  process.exit(1);
}

function argValue(name) {
  const i = process.argv.indexOf(name);
  if (i < 0) return undefined;
  const value = process.argv[i + 1];
  if (value === undefined || value.startsWith('--')) fail(`${name} needs a folder, e.g. ${name} ${DEFAULT_SOURCE}`);
  return value;
}

const source = argValue('--source') ?? DEFAULT_SOURCE;
const check = process.argv.includes('--check');

/** Reads a (gzipped or raw) IDX file and returns its dims and its payload after the header. */
function readIdx(file, magic) {
  if (!existsSync(file)) {
    fail(
      `${file}: file not found. Install Debian's full Fashion-MNIST (apt-get install dataset-fashion-mnist) ` +
        'or pass --source DIR with the four *-ubyte.gz files from https://github.com/zalandoresearch/fashion-mnist.',
    );
  }
  let bytes = readFileSync(file);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
  const ndim = magic & 0xff;
  const header = 4 + 4 * ndim;
  if (bytes.length < header || bytes.readUInt32BE(0) !== magic) {
    fail(`${file}: expected an IDX file with magic 0x${magic.toString(16).padStart(8, '0')}; is it a Fashion-MNIST file?`);
  }
  const dims = Array.from({ length: ndim }, (_, d) => bytes.readUInt32BE(4 + 4 * d));
  const count = dims.reduce((a, b) => a * b, 1);
  if (bytes.length !== header + count) fail(`${file}: expected ${header + count} bytes after gunzip, found ${bytes.length} (truncated?)`);
  return { dims, data: bytes.subarray(header) };
}

/** Raw IDX bytes: big-endian magic, dims, then the uint8 payload. */
function encodeIdx(magic, dims, data) {
  const out = Buffer.alloc(4 + 4 * dims.length + data.length);
  out.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => out.writeUInt32BE(d, 4 + 4 * i));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

/** gzip level 9; Node writes mtime 0 and no file name; the OS byte is pinned to 3 (Unix) for every platform. */
function gzip(bytes) {
  const out = gzipSync(bytes, { level: 9 });
  out[9] = 3;
  return out;
}

/** Indices kept by the selection rule: the first `perClass` rows of every class, in file order. */
function selectRows(labels, perClass) {
  const seen = new Array(CLASSES).fill(0);
  const rows = [];
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    if (label >= CLASSES) fail(`label ${i} is ${label}; expected 0..${CLASSES - 1}`);
    if (seen[label] < perClass) {
      seen[label]++;
      rows.push(i);
    }
  }
  if (seen.some((s) => s !== perClass)) fail(`expected at least ${perClass} rows of every class, found ${seen.join(', ')}`);
  return rows;
}

/** The four output files: name -> { gz, raw }. */
function generate() {
  const files = new Map();
  for (const { prefix, perClass, originalSize } of SPLITS) {
    const imagesName = `${prefix}-images-idx3-ubyte.gz`;
    const labelsName = `${prefix}-labels-idx1-ubyte.gz`;
    const images = readIdx(join(source, imagesName), IMAGES_MAGIC);
    const labels = readIdx(join(source, labelsName), LABELS_MAGIC);
    const [n, rows, cols] = images.dims;
    if (n !== originalSize || labels.dims[0] !== n || rows !== 28 || cols !== 28) {
      fail(`${source}: expected ${originalSize} ${prefix} images of 28x28 and as many labels, found ${images.dims.join('x')} and ${labels.dims[0]}`);
    }
    const keep = selectRows(labels.data, perClass);
    const plane = rows * cols;
    const pixels = new Uint8Array(keep.length * plane);
    const kept = new Uint8Array(keep.length);
    keep.forEach((row, j) => {
      pixels.set(images.data.subarray(row * plane, (row + 1) * plane), j * plane);
      kept[j] = labels.data[row];
    });
    const rawImages = encodeIdx(IMAGES_MAGIC, [keep.length, rows, cols], pixels);
    const rawLabels = encodeIdx(LABELS_MAGIC, [keep.length], kept);
    files.set(imagesName, { raw: rawImages, gz: gzip(rawImages) });
    files.set(labelsName, { raw: rawLabels, gz: gzip(rawLabels) });
  }
  return files;
}

const files = generate();
if (check) {
  const problems = [];
  for (const [name, { raw, gz }] of files) {
    const file = join(OUT, name);
    if (!existsSync(file)) {
      problems.push(`${file}: missing`);
      continue;
    }
    const current = readFileSync(file);
    if (current.equals(gz)) continue;
    let same = false;
    try {
      same = gunzipSync(current).equals(raw);
    } catch {
      // not a valid gzip stream: reported as different content below
    }
    problems.push(
      same ? `${file}: same IDX content but different gzip bytes (another zlib build or level?)` : `${file}: content differs from a fresh generation`,
    );
  }
  if (problems.length > 0) {
    console.error(`${problems.join('\n')}\nRegenerate with: node scripts/gen-fashion-mnist-mini.mjs`);
    process.exit(1);
  }
  console.log(JSON.stringify({ dir: OUT, upToDate: true, files: [...files.keys()] }));
} else {
  mkdirSync(OUT, { recursive: true });
  const sizes = {};
  for (const [name, { gz }] of files) {
    writeFileSync(join(OUT, name), gz);
    sizes[name] = gz.length;
  }
  console.log(JSON.stringify({ dir: OUT, bytes: sizes, total: Object.values(sizes).reduce((a, b) => a + b, 0) }));
}
