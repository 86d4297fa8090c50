import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { FileFormatError, type RunLockedError } from '@lmreg/common';

import { isProcessAlive, processStartTime } from '@lmreg/common';

/** What a lock file holds (JSON). */
export interface LockHolder {
  readonly pid: number;
  readonly hostname: string;
  /** ISO time the lock was taken. */
  readonly started: string;
  /** Kernel start time of the holder process (Linux), to tell it from a later process with the same pid. */
  readonly processStart?: string;
}

/** A lock this process holds. */
export interface HeldLock {
  readonly file: string;
  /** Set when a stale lock (its holder is gone) was taken over: one line for the user. */
  readonly note?: string;
  /** Releases the lock (idempotent). The lock is also released when the process exits. */
  release(): void;
}

/** Lock files held by this process, with how many holders in this process share each. */
const held = new Map<string, number>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const file of held.keys()) removeIfOurs(file);
    held.clear();
  });
}

function me(): LockHolder {
  const processStart = processStartTime(process.pid);
  return {
    pid: process.pid,
    hostname: os.hostname(),
    started: new Date().toISOString(),
    ...(processStart === undefined ? {} : { processStart }),
  };
}

function readHolder(file: string): { holder: LockHolder | undefined; text: string } | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined; // gone meanwhile
  }
  try {
    const v = JSON.parse(text) as Partial<LockHolder> | null;
    if (v !== null && typeof v === 'object' && typeof v.pid === 'number' && typeof v.hostname === 'string') {
      return { holder: v as LockHolder, text };
    }
  } catch {
    // unreadable: treated as stale below
  }
  return { holder: undefined, text };
}

function isOurs(h: LockHolder): boolean {
  return h.pid === process.pid && h.hostname === os.hostname() && (h.processStart === undefined || h.processStart === processStartTime(process.pid));
}

/** True when the holder may still be running (always true for another host: we cannot tell). */
function holderAlive(h: LockHolder): boolean {
  if (h.hostname !== os.hostname()) return true;
  if (!isProcessAlive(h.pid)) return false;
  const start = processStartTime(h.pid);
  return h.processStart === undefined || start === undefined || start === h.processStart;
}

function removeIfOurs(file: string): void {
  const r = readHolder(file);
  if (r?.holder !== undefined && isOurs(r.holder)) {
    try {
      fs.unlinkSync(file);
    } catch {
      // already gone
    }
  }
}

/** A temporary name beside `file` that {@link removeStaleTempFiles} recognises (`.<name>.<pid>.<ms>.tmp`). */
function tempBeside(file: string, tag = ''): string {
  return path.join(path.dirname(file), `.${path.basename(file)}${tag}.${process.pid}.${Date.now()}.tmp`);
}

/** Creates `file` holding `content` only if it does not exist (atomic: write a temp file, then hard-link it). */
function createExclusive(file: string, content: string): boolean {
  const tmp = tempBeside(file);
  try {
    fs.writeFileSync(tmp, content);
  } catch (cause) {
    throw new FileFormatError(
      file,
      `cannot create this lock file (${(cause as NodeJS.ErrnoException).code ?? String(cause)}). Check that the folder is writable, or choose another --out folder.`,
      { cause },
    );
  }
  try {
    fs.linkSync(tmp, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    // No hard links on this file system: fall back to O_EXCL (a kill between open and write leaves an empty lock, seen as stale).
    try {
      fs.writeFileSync(file, content, { flag: 'wx' });
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw e;
    }
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/** Removes a stale lock, unless someone replaced it meanwhile (then it is put back). */
function removeStale(file: string, seenText: string): void {
  const aside = tempBeside(file, '.stale');
  try {
    fs.renameSync(file, aside);
  } catch {
    return; // someone else removed it first
  }
  const now = fs.readFileSync(aside, 'utf8');
  if (now !== seenText) {
    // We moved a fresh lock of another process: restore it (fails only if yet another one exists).
    try {
      fs.linkSync(aside, file);
    } catch {
      // a third lock exists: it wins
    }
  }
  fs.rmSync(aside, { force: true });
}

/** Options of {@link acquireLock}. */
export interface AcquireLockOptions {
  /** Keep trying for this many milliseconds while a live process holds the lock (default 0: fail at once). */
  readonly waitMs?: number;
  /** Builds the error thrown when a live holder keeps the lock. */
  readonly lockedError: (holder: LockHolder, file: string) => RunLockedError;
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Takes the lock file `file` for this process. A lock whose holder is gone (pid not alive on this
 * host, or alive but a different process than the one that took it) is taken over, with a note.
 * A lock this process already holds is shared (counted; each holder releases once).
 *
 * @throws RunLockedError (from `options.lockedError`) while a live process holds it.
 */
export function acquireLock(file: string, options: AcquireLockOptions): HeldLock {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const deadline = Date.now() + (options.waitMs ?? 0);
  let note: string | undefined;
  let takeovers = 0;
  for (let attempt = 0; ; attempt++) {
    if (takeovers > 50) {
      throw new FileFormatError(
        file,
        'this lock file could not be taken over (it cannot be read or removed, or keeps reappearing). If no other lmreg process uses this folder, delete it and try again.',
      );
    }
    const mine = me();
    if (createExclusive(file, JSON.stringify(mine) + '\n')) return hold(file, note);
    const r = readHolder(file);
    if (r === undefined) {
      takeovers++;
      continue; // released meanwhile (or unreadable): try again
    }
    const holder = r.holder;
    if (holder !== undefined && isOurs(holder)) return hold(file, undefined);
    if (holder === undefined || !holderAlive(holder)) {
      note =
        holder === undefined
          ? `took over the unreadable lock file ${file}`
          : `took over the lock of process ${holder.pid} (${holder.hostname}, since ${holder.started}), which is no longer running`;
      removeStale(file, r.text);
      takeovers++;
      continue;
    }
    if (Date.now() >= deadline || attempt > 100_000) throw options.lockedError(holder, file);
    sleep(Math.min(20, Math.max(1, deadline - Date.now())));
  }
}

function hold(file: string, note: string | undefined): HeldLock {
  installExitHook();
  held.set(file, (held.get(file) ?? 0) + 1);
  let released = false;
  return {
    file,
    ...(note === undefined ? {} : { note }),
    release(): void {
      if (released) return;
      released = true;
      const n = (held.get(file) ?? 1) - 1;
      if (n > 0) {
        held.set(file, n);
        return;
      }
      held.delete(file);
      removeIfOurs(file);
    },
  };
}
