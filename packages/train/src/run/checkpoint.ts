import fs from 'node:fs';
import zlib from 'node:zlib';

import { FileFormatError } from '@lmreg/common';

import { writeFileAtomic } from './atomic-file.js';

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

/** Parses {@link encodeCheckpoint}'s output; throws `FileFormatError` (naming `file`) when corrupt. */
export function decodeCheckpoint(bytes: Uint8Array, file?: string): CheckpointData {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (what: string): never => {
    throw new FileFormatError(
      file,
      `not a valid lmreg checkpoint (${what}). The run's previous checkpoint (checkpoint.prev.bin) may still be good; otherwise start the run again without --resume.`,
    );
  };
  if (buf.length < MAGIC.length + 8 || buf.toString('latin1', 0, MAGIC.length) !== MAGIC) fail('bad magic bytes');
  const crc = buf.readUInt32LE(buf.length - 4);
  if (zlib.crc32(buf.subarray(0, buf.length - 4)) !== crc) fail('checksum mismatch: the file is truncated or corrupt');
  const headerLength = buf.readUInt32LE(MAGIC.length);
  const dataStart = MAGIC.length + 4 + headerLength;
  if (dataStart > buf.length - 4 || dataStart % 4 !== 0) fail('bad header length');
  let header: { meta: unknown; arrays: { name: string; offset: number; length: number }[] };
  try {
    header = JSON.parse(buf.toString('utf8', MAGIC.length + 4, dataStart)) as typeof header;
  } catch (cause) {
    return fail(`unreadable header: ${(cause as Error).message}`);
  }
  const count = (buf.length - 4 - dataStart) / 4;
  const all = new Float32Array(buf.buffer.slice(buf.byteOffset + dataStart, buf.byteOffset + dataStart + count * 4));
  const arrays: Record<string, Float32Array> = {};
  for (const e of header.arrays) {
    if (e.offset + e.length > count) fail(`array ${e.name} runs past the end of the data`);
    arrays[e.name] = all.subarray(e.offset, e.offset + e.length);
  }
  return { meta: header.meta, arrays };
}

/**
 * Saves a checkpoint atomically to `file`; the previous good checkpoint is kept as
 * `<file without .bin>.prev.bin`.
 */
export function saveCheckpoint(file: string, data: CheckpointData): void {
  const bytes = encodeCheckpoint(data);
  if (fs.existsSync(file)) fs.copyFileSync(file, file.replace(/\.bin$/, '') + '.prev.bin');
  writeFileAtomic(file, bytes);
}

/** Loads a checkpoint written by {@link saveCheckpoint}; typed error naming the file when missing or corrupt. */
export function loadCheckpoint(file: string): CheckpointData {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (cause) {
    throw new FileFormatError(file, 'cannot read the checkpoint (missing or unreadable). Start the run without --resume.', { cause });
  }
  return decodeCheckpoint(bytes, file);
}
