import { readFile } from 'node:fs/promises';

import { FileFormatError, writeFileAtomic } from '@lmreg/common';
import type { SearchSpace } from '@lmreg/spaces';

import { LandmarkSet } from './landmark-set.js';

/**
 * Writes `set` as pretty-printed JSON ({@link LandmarkSet.toJSON}) to `path`, atomically: the text
 * goes to a temporary file beside `path`, is flushed to disk, then renamed over `path`, so a crash
 * never leaves a half-written landmark file behind.
 *
 * @throws the Node.js file-system error (with its `code`, e.g. `ENOENT` for a missing folder) when
 *   the file cannot be written; the temporary file is removed.
 */
export async function saveLandmarkSet<A>(path: string, set: LandmarkSet<A>): Promise<void> {
  // The one atomic writer of the project (temp file beside `path`, fsync, rename; see @lmreg/common).
  writeFileAtomic(path, `${JSON.stringify(set.toJSON(), null, 2)}\n`);
  return Promise.resolve();
}

/**
 * Reads a landmark set written by {@link saveLandmarkSet}.
 *
 * @param space the space the file must belong to (its `name` must match the file's `space`).
 * @throws FileFormatError naming `path` and the problem: missing or unreadable file, invalid JSON
 *   (e.g. truncated), or any problem {@link LandmarkSet.fromJSON} reports.
 */
export async function loadLandmarkSet<A>(path: string, space: SearchSpace<A>): Promise<LandmarkSet<A>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new FileFormatError(path, code === 'ENOENT' ? 'landmark set file does not exist.' : `cannot read landmark set: ${(error as Error).message}`, {
      cause: error,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new FileFormatError(path, `landmark set is not valid JSON (${(error as Error).message}); the file may be truncated.`, {
      cause: error,
    });
  }
  return LandmarkSet.fromJSON(space, json, path);
}
