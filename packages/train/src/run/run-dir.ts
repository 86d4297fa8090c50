import fs from 'node:fs';
import path from 'node:path';

import { FileFormatError, InvalidArgumentError, RunLockedError, removeStaleTempFiles, writeFileAtomic } from '@lmreg/common';

import { configDifferences } from './config-diff.js';
import { acquireLock, type HeldLock, type LockHolder } from './run-lock.js';

/** One line of a run's `log.jsonl`. */
export interface LogRecord {
  readonly event: string;
  readonly [field: string]: unknown;
}

/** Options of {@link RunDir.open}. */
export interface RunDirOptions {
  /** Continue the run in the folder (its `config.json` must match). */
  readonly resume: boolean;
  /**
   * Discard the run in the folder (its `config.json`, `log.jsonl`, results, checkpoints: see
   * {@link RUN_FILES}) and start a new one there. Other files are left alone.
   */
  readonly restart?: boolean;
  /**
   * Take the folder's lock file `.lock` (default `true`): a second process opening the folder
   * while this one lives is refused. Pass `false` only for folders that several processes share
   * on purpose (ground-truth shards); {@link RunDir.mergeJson} stays safe either way.
   */
  readonly lock?: boolean;
}

/** The files of a run that `restart` removes: config, log, results, checkpoints and temp files. */
export const RUN_FILES: readonly RegExp[] = [
  /^config\.json$/,
  /^log\.jsonl$/,
  /^result\.json$/,
  /^standalone\.json$/,
  /^variant-.*\.json$/,
  /^supernet-.*\.bin$/,
  /^\..*\.\d+\.\d+\.tmp$/,
  /^\..+\.json\.lock$/,
];

/** Name of a run folder's lock file. */
export const LOCK_FILE = '.lock';

function lockedMessage(dir: string, holder: LockHolder, lockFile: string, what: string): string {
  return (
    `${what} is in use by process ${holder.pid} on ${holder.hostname} (since ${holder.started}; lock file ${lockFile}). ` +
    `Wait for that process to finish or stop it (kill ${holder.pid}), or use another --out folder. ` +
    `If that process is gone (e.g. it ran on another machine), delete ${lockFile} and try again.`
  );
}

/**
 * A run directory: `config.json` (the resolved config), `log.jsonl` (one JSON object per line:
 * epochs, evaluations), checkpoints, cached stand-alone results and `result.json`.
 *
 * Opening one takes its lock (see {@link RunDirOptions.lock}), removes temporary files left by
 * killed writers and, under the lock, cuts a torn last line of `log.jsonl`; {@link notes} says
 * what was repaired. Call {@link close} when done (the lock is also released at process exit).
 */
export class RunDir {
  readonly dir: string;
  /** What opening repaired (stale lock taken over, temp files removed, torn log line cut): one line each, for the user. */
  readonly notes: readonly string[];
  private lock: HeldLock | undefined;

  private constructor(dir: string, lock: HeldLock | undefined, notes: string[]) {
    this.dir = dir;
    this.lock = lock;
    this.notes = notes;
  }

  /**
   * Opens a run directory. A new run refuses a folder that already holds a run (pass `resume`,
   * or `restart` to discard it); a resumed run requires `config.json` to match `config` (other
   * than `backend`) and names the fields that differ.
   *
   * @throws RunLockedError when another live process has the folder open.
   */
  static open(dir: string, config: unknown, options: RunDirOptions): RunDir {
    const configFile = path.join(dir, 'config.json');
    if (options.resume && options.restart === true) {
      throw new InvalidArgumentError(
        '--resume and --restart exclude each other: --resume continues the run in the folder, --restart discards it and starts again.',
      );
    }
    if (options.resume && !fs.existsSync(configFile)) {
      throw new InvalidArgumentError(`--resume: ${dir} holds no run (no config.json). Start it without --resume.`);
    }
    fs.mkdirSync(dir, { recursive: true });
    const notes: string[] = [];
    const lockFile = path.join(dir, LOCK_FILE);
    const lock =
      options.lock === false ? undefined : acquireLock(lockFile, { lockedError: (h, f) => new RunLockedError(dir, h, lockedMessage(dir, h, f, dir)) });
    try {
      if (lock?.note !== undefined) notes.push(lock.note);
      const removed = removeStaleTempFiles(dir);
      if (removed.length > 0) notes.push(`removed ${removed.length} temporary file(s) left by a killed process: ${removed.join(', ')}`);
      if (options.restart === true) {
        const gone = fs.readdirSync(dir).filter((n) => RUN_FILES.some((re) => re.test(n)));
        for (const n of gone) fs.rmSync(path.join(dir, n), { force: true });
        if (gone.length > 0) notes.push(`--restart: removed the previous run's files (${gone.join(', ')})`);
      }
      const exists = fs.existsSync(configFile);
      if (options.resume) {
        let saved: unknown;
        try {
          saved = JSON.parse(fs.readFileSync(configFile, 'utf8'));
        } catch (cause) {
          throw new FileFormatError(configFile, 'is not valid JSON; the run cannot be resumed. Start over with --restart, or use another --out folder.', {
            cause,
          });
        }
        const diff = configDifferences(saved, config, ['backend']);
        if (diff.length > 0) {
          throw new InvalidArgumentError(
            `--resume: the configuration differs from the one ${dir} was started with (${configFile}): ${diff.slice(0, 8).join('; ')}${diff.length > 8 ? `; and ${diff.length - 8} more` : ''}. Resume with the same flags, start over with --restart, or start a new run in another --out folder.`,
          );
        }
        if (lock !== undefined) {
          const cut = repairLogTail(path.join(dir, 'log.jsonl'));
          if (cut !== undefined)
            notes.push(`log.jsonl: removed a torn last line left by a killed process (${JSON.stringify(cut.slice(0, 60))}${cut.length > 60 ? '...' : ''})`);
        }
      } else {
        if (exists) {
          throw new InvalidArgumentError(
            `${dir} already holds a run. Pass --resume to continue it, --restart to discard it and start again, or choose another --out folder.`,
          );
        }
        writeFileAtomic(configFile, JSON.stringify(config, null, 2) + '\n');
      }
    } catch (error) {
      lock?.release();
      throw error;
    }
    return new RunDir(dir, lock, notes);
  }

  /** Absolute path of a file inside the run. */
  file(name: string): string {
    return path.join(this.dir, name);
  }

  /** Releases the folder's lock (idempotent). The lock is also released when the process exits. */
  close(): void {
    this.lock?.release();
    this.lock = undefined;
  }

  /**
   * Appends one record to `log.jsonl` (with a timestamp). When the file ends in a torn line (a
   * writer killed mid-line), the record starts on a new line so it stays readable.
   */
  log(record: LogRecord): void {
    const fd = fs.openSync(this.file('log.jsonl'), 'a+');
    try {
      const size = fs.fstatSync(fd).size;
      const last = Buffer.alloc(1);
      const torn = size > 0 && fs.readSync(fd, last, 0, 1, size - 1) === 1 && last[0] !== 0x0a;
      fs.writeSync(fd, (torn ? '\n' : '') + JSON.stringify({ time: new Date().toISOString(), ...record }) + '\n');
    } finally {
      fs.closeSync(fd);
    }
  }

  /**
   * All records of `log.jsonl`. Lines that are not JSON objects (torn by a kill) are skipped and
   * reported to `onTornLine` with their 1-based line number.
   */
  readLog(options: { onTornLine?: (line: number, text: string) => void } = {}): LogRecord[] {
    const f = this.file('log.jsonl');
    if (!fs.existsSync(f)) return [];
    const out: LogRecord[] = [];
    fs.readFileSync(f, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (line.trim() === '') return;
        let v: unknown;
        try {
          v = JSON.parse(line);
        } catch {
          v = undefined;
        }
        if (v !== null && typeof v === 'object' && !Array.isArray(v)) out.push(v as LogRecord);
        else options.onTornLine?.(i + 1, line);
      });
    return out;
  }

  /**
   * Removes the records of `log.jsonl` for which `drop` returns true (and torn lines), rewriting
   * the file atomically; returns how many records were removed. For a resumed run: drop what was
   * logged after the checkpoint it resumes from, so those epochs and rounds are not logged twice.
   */
  dropLogRecords(drop: (record: LogRecord) => boolean): number {
    const f = this.file('log.jsonl');
    if (!fs.existsSync(f)) return 0;
    let torn = 0;
    const all = this.readLog({ onTornLine: () => torn++ });
    const keep = all.filter((r) => !drop(r));
    if (keep.length === all.length && torn === 0) return 0;
    writeFileAtomic(f, keep.map((r) => JSON.stringify(r) + '\n').join(''));
    return all.length - keep.length;
  }

  /** Writes a JSON file inside the run atomically. */
  writeJson(name: string, value: unknown): void {
    writeFileAtomic(this.file(name), JSON.stringify(value, null, 2) + '\n');
  }

  /** Reads a JSON file inside the run, or `undefined` when it does not exist. */
  readJson<T>(name: string): T | undefined {
    const f = this.file(name);
    if (!fs.existsSync(f)) return undefined;
    try {
      return JSON.parse(fs.readFileSync(f, 'utf8')) as T;
    } catch (cause) {
      throw new FileFormatError(f, 'is not valid JSON (corrupt run file). Delete it to recompute that part.', { cause });
    }
  }

  /**
   * Adds the keys of `record` to the JSON object in `name` (created when missing) and returns the
   * merged object: a read-modify-write under the file's own lock (`.<name>.lock`), so processes
   * that each add their own keys (per-architecture results) never lose one another's entries.
   * Keys of `record` replace equal keys already in the file.
   *
   * @throws FileFormatError when the file is not a JSON object.
   * @throws RunLockedError when another live process keeps the file locked for over `waitMs` (default 60 s).
   */
  mergeJson<T = unknown>(name: string, record: Readonly<Record<string, T>>, options: { waitMs?: number } = {}): Record<string, T> {
    const f = this.file(name);
    const lockFile = this.file(`.${name}.lock`);
    const waitMs = options.waitMs ?? 60_000;
    const lock = acquireLock(lockFile, {
      waitMs,
      lockedError: (h, lf) => new RunLockedError(this.dir, h, lockedMessage(this.dir, h, lf, `${f} (still, after ${waitMs / 1000} s)`)),
    });
    try {
      const current = this.readJson<unknown>(name) ?? {};
      if (current === null || typeof current !== 'object' || Array.isArray(current)) {
        throw new FileFormatError(f, 'is not a JSON object, so results cannot be merged into it. Move it away to start a fresh one.');
      }
      const merged = new Map<string, T>(Object.entries(current as Record<string, T>));
      for (const [k, v] of Object.entries(record)) merged.set(k, v);
      const out = Object.fromEntries(merged) as Record<string, T>;
      this.writeJson(name, out);
      return out;
    } finally {
      lock.release();
    }
  }
}

/** Cuts a torn (unterminated) last line off `file`; returns the text removed, or `undefined`. */
function repairLogTail(file: string): string | undefined {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch {
    return undefined;
  }
  if (bytes.length === 0 || bytes[bytes.length - 1] === 0x0a) return undefined;
  const keep = bytes.lastIndexOf(0x0a) + 1;
  fs.truncateSync(file, keep);
  return bytes.subarray(keep).toString('utf8');
}
