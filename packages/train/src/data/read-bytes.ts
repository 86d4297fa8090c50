import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';

import { FileFormatError } from '@lmreg/common';

/** True when `bytes` starts with the gzip magic number 0x1f 0x8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Un-gzips `bytes` when they start with the gzip magic number, otherwise returns them unchanged.
 * A broken gzip stream becomes a `FileFormatError` naming `file`, with `hint` appended.
 */
export function maybeGunzip(bytes: Uint8Array, file: string | undefined, hint: string): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  try {
    const out = gunzipSync(bytes);
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (cause) {
    throw new FileFormatError(
      file,
      `starts with the gzip magic bytes but is not a valid gzip stream (${(cause as Error).message}); ` +
        `the file is probably truncated or corrupt. ${hint}`,
      { cause },
    );
  }
}

/** Reads a whole file; a missing or unreadable file becomes a `FileFormatError` with `hint` appended. */
export async function readBytes(file: string, what: string, hint: string): Promise<Uint8Array> {
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'file not found' : `cannot read file (${code ?? String(cause)})`;
    throw new FileFormatError(file, `${reason}; expected ${what}. ${hint}`, { cause });
  }
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}
