import fs from 'node:fs';
import path from 'node:path';

import { isProcessAlive } from './process-alive.js';

/** Name of the temporary file {@link writeFileAtomic} writes before renaming it over `file`. */
function tempFileFor(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
}

/** `.<name>.<pid>.<ms>.tmp`: the temporary files of {@link writeFileAtomic}. */
const TEMP_FILE = /^\.(.+)\.(\d+)\.(\d+)\.tmp$/;

function fsyncDir(dir: string): void {
  try {
    const dfd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(dfd);
    } finally {
      fs.closeSync(dfd);
    }
  } catch {
    // Directory fsync is not supported everywhere; the rename is still atomic.
  }
}

/**
 * Writes `data` to `file` atomically: a temporary file in the same folder is written and fsynced,
 * then renamed over `file`. A crash leaves either the old file or the new one, never a torn one
 * (plus, at worst, a stale temporary file that {@link removeStaleTempFiles} deletes).
 */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true });
  const tmp = tempFileFor(file);
  const fd = fs.openSync(tmp, 'w');
  try {
    if (typeof data === 'string') fs.writeSync(fd, data);
    else fs.writeSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  fsyncDir(dir);
}

/**
 * Atomically makes `to` a copy of `from` (which must exist): a hard link (or, where hard links are
 * not supported, an fsynced copy) under a temporary name is renamed over `to`. A crash leaves the
 * old `to` or the new one, never a torn one. `from` is not touched.
 */
export function copyFileAtomic(from: string, to: string): void {
  const tmp = tempFileFor(to);
  try {
    fs.linkSync(from, tmp);
  } catch {
    fs.copyFileSync(from, tmp);
    const fd = fs.openSync(tmp, 'r+');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }
  fs.renameSync(tmp, to);
  fsyncDir(path.dirname(to));
}

/** Options of {@link removeStaleTempFiles}. */
export interface RemoveTempFilesOptions {
  /**
   * Remove every temporary file, also those of live processes. Only safe while holding the
   * folder's lock (no other process writes there). Default: only files whose writer is gone
   * (its pid is not alive, or is this process's own pid, since this process writes synchronously).
   */
  readonly all?: boolean;
}

/**
 * Deletes the temporary files (`.<name>.<pid>.<ms>.tmp`) that {@link writeFileAtomic} leaves in
 * `dir` when its process is killed between writing and renaming. Returns the names removed.
 * A missing folder is not an error (nothing to clean).
 */
export function removeStaleTempFiles(dir: string, options: RemoveTempFilesOptions = {}): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = TEMP_FILE.exec(name);
    if (m === null) continue;
    const pid = Number(m[2]);
    const stale = options.all === true || pid === process.pid || !isProcessAlive(pid);
    if (!stale) continue;
    try {
      fs.unlinkSync(path.join(dir, name));
      removed.push(name);
    } catch {
      // already gone (another process cleaned it) or not ours to delete: leave it
    }
  }
  return removed;
}
