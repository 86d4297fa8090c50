import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

import { FileFormatError, copyFileAtomic, writeFileAtomic } from '@lmreg/common';

const MAGIC = 'LMREGCK1';

/** Named float32 tensors (weights or optimizer buffers) plus JSON-serialisable metadata. */
export interface CheckpointData {
  /** Any JSON value: epoch, step, RNG states, sampler state, config hash... */
  readonly meta: unknown;
  /** Named arrays, e.g. `weights/stage1.cell0.edge2.nor_conv_3x3.conv` or `momentum/...`. */
  readonly arrays: Readonly<Record<string, Float32Array>>;
}

/**
 * Serialises a checkpoint: `MAGIC | u32 headerLength | header JSON | float32 data | u32 crc32`.
 * The header lists each array's name, offset and length; the crc covers everything before it.
 */
export function encodeCheckpoint(data: CheckpointData): Uint8Array {
  const names = Object.keys(data.arrays).sort();
  let offset = 0;
  const entries = names.map((name) => {
    const length = (data.arrays[name] as Float32Array).length;
    const e = { name, offset, length };
    offset += length;
    return e;
  });
  const header = Buffer.from(JSON.stringify({ meta: data.meta, arrays: entries }), 'utf8');
  const headerPad = (4 - ((MAGIC.length + 4 + header.length) % 4)) % 4;
  const dataStart = MAGIC.length + 4 + header.length + headerPad;
  const total = dataStart + offset * 4 + 4;
  const buf = Buffer.alloc(total);
  buf.write(MAGIC, 0, 'latin1');
  buf.writeUInt32LE(header.length + headerPad, MAGIC.length);
  header.copy(buf, MAGIC.length + 4);
  buf.fill(0x20, MAGIC.length + 4 + header.length, dataStart);
  const f32 = new Float32Array(buf.buffer, buf.byteOffset + dataStart, offset);
  for (const e of entries) f32.set(data.arrays[e.name] as Float32Array, e.offset);
  buf.writeUInt32LE(zlib.crc32(buf.subarray(0, total - 4)), total - 4);
  return buf;
}

/**
 * The previous checkpoint kept beside `file` by {@link saveCheckpoint}:
 * `supernet-landmarks.bin` → `supernet-landmarks.prev.bin` (`.prev` appended when `file` does not
 * end in `.bin`).
 */
export function previousCheckpointFile(file: string): string {
  return /\.bin$/.test(file) ? file.replace(/\.bin$/, '.prev.bin') : `${file}.prev`;
}

/** What to do when no checkpoint of a run can be used: start over in the folder, or use another. */
const WAY_OUT = "To start over, run the same command with --restart (discards this run's files) or choose another --out folder.";

/** Parses {@link encodeCheckpoint}'s output; throws `FileFormatError` (naming `file`) when corrupt. */
export function decodeCheckpoint(bytes: Uint8Array, file?: string): CheckpointData {
  const result = tryDecode(bytes);
  if (typeof result !== 'string') return result;
  const advice =
    file === undefined
      ? 'Use the previous checkpoint if there is one.'
      : /\.prev\.bin$/.test(file)
        ? WAY_OUT
        : `--resume falls back to the previous checkpoint (${path.basename(previousCheckpointFile(file))}) when it is good. ${WAY_OUT}`;
  throw new FileFormatError(file, `not a valid lmreg checkpoint (${result}). ${advice}`);
}

/** The checkpoint in `bytes`, or what is wrong with them. */
function tryDecode(bytes: Uint8Array): CheckpointData | string {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < MAGIC.length + 8 || buf.toString('latin1', 0, MAGIC.length) !== MAGIC) return 'bad magic bytes';
  const crc = buf.readUInt32LE(buf.length - 4);
  if (zlib.crc32(buf.subarray(0, buf.length - 4)) !== crc) return 'checksum mismatch: the file is truncated or corrupt';
  const headerLength = buf.readUInt32LE(MAGIC.length);
  const dataStart = MAGIC.length + 4 + headerLength;
  if (dataStart > buf.length - 4 || dataStart % 4 !== 0) return 'bad header length';
  let header: { meta: unknown; arrays: unknown };
  try {
    header = JSON.parse(buf.toString('utf8', MAGIC.length + 4, dataStart)) as typeof header;
  } catch (cause) {
    return `unreadable header: ${(cause as Error).message}`;
  }
  if (header === null || typeof header !== 'object' || !Array.isArray(header.arrays)) return 'header without an array list';
  const count = (buf.length - 4 - dataStart) / 4;
  const all = new Float32Array(buf.buffer.slice(buf.byteOffset + dataStart, buf.byteOffset + dataStart + count * 4));
  const arrays: Record<string, Float32Array> = {};
  for (const e of header.arrays as unknown[]) {
    const entry = e as { name?: unknown; offset?: unknown; length?: unknown } | null;
    if (entry === null || typeof entry !== 'object' || typeof entry.name !== 'string') return 'bad array entry in the header';
    const { name, offset, length } = entry;
    if (
      typeof offset !== 'number' ||
      typeof length !== 'number' ||
      !Number.isSafeInteger(offset) ||
      !Number.isSafeInteger(length) ||
      offset < 0 ||
      length < 0
    ) {
      return `bad offset or length of array ${name}`;
    }
    if (offset + length > count) return `array ${name} runs past the end of the data`;
    arrays[name] = all.subarray(offset, offset + length);
  }
  return { meta: header.meta, arrays };
}

/** The checkpoint in `file`, or why it cannot be used (missing, unreadable, corrupt). */
function readCheckpoint(file: string): CheckpointData | string {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? 'missing' : `unreadable: ${code ?? String(cause)}`;
  }
  const result = tryDecode(bytes);
  return typeof result === 'string' ? `corrupt: ${result}` : result;
}

/**
 * Saves a checkpoint atomically to `file`; the previous good checkpoint is kept as
 * {@link previousCheckpointFile}(`file`), also atomically (a hard link or copy renamed into
 * place), so a kill at any moment leaves both files whole. A corrupt newest checkpoint is not
 * rotated over a good previous one.
 */
export function saveCheckpoint(file: string, data: CheckpointData): void {
  const bytes = encodeCheckpoint(data);
  if (typeof readCheckpoint(file) !== 'string') copyFileAtomic(file, previousCheckpointFile(file));
  writeFileAtomic(file, bytes);
}

/** Loads a checkpoint written by {@link saveCheckpoint}; typed error naming the file when missing or corrupt. */
export function loadCheckpoint(file: string): CheckpointData {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (cause) {
    throw new FileFormatError(file, `cannot read the checkpoint (${(cause as NodeJS.ErrnoException).code ?? 'unreadable'}). ${WAY_OUT}`, { cause });
  }
  return decodeCheckpoint(bytes, file);
}

/** True when `file` or its previous checkpoint ({@link previousCheckpointFile}) exists. */
export function hasCheckpoint(file: string): boolean {
  return fs.existsSync(file) || fs.existsSync(previousCheckpointFile(file));
}

/** What {@link loadCheckpointWithFallback} loaded. */
export interface LoadedCheckpoint {
  readonly data: CheckpointData;
  /** `newest` = `file` itself; `previous` = {@link previousCheckpointFile}(`file`), one save older. */
  readonly from: 'newest' | 'previous';
  /** The file actually read. */
  readonly file: string;
  /** Set when the previous checkpoint was used: why, in one line for the user. */
  readonly warning?: string;
}

/**
 * Loads the newest checkpoint `file`, or, when it is missing or corrupt, the previous one that
 * {@link saveCheckpoint} kept, with a warning saying so (the caller prints it).
 *
 * @throws FileFormatError naming both files, and how to start over, when neither can be used.
 */
export function loadCheckpointWithFallback(file: string): LoadedCheckpoint {
  const prev = previousCheckpointFile(file);
  const newest = readCheckpoint(file);
  if (typeof newest !== 'string') return { data: newest, from: 'newest', file };
  const previous = readCheckpoint(prev);
  if (typeof previous !== 'string') {
    return {
      data: previous,
      from: 'previous',
      file: prev,
      warning: `checkpoint ${file} is ${newest}; resuming from the previous checkpoint ${prev} (one save older: that work is done again).`,
    };
  }
  throw new FileFormatError(file, `cannot resume: this checkpoint is ${newest}, and the previous checkpoint ${prev} is ${previous}. ${WAY_OUT}`);
}
