import fs from 'node:fs';
import path from 'node:path';

import { FileFormatError, InvalidArgumentError } from '@lmreg/common';

import { writeFileAtomic } from './atomic-file.js';

/** One line of a run's `log.jsonl`. */
export interface LogRecord {
  readonly event: string;
  readonly [field: string]: unknown;
}

/**
 * A run directory: `config.json` (the resolved config), `log.jsonl` (one JSON object per line:
 * epochs, evaluations), checkpoints, cached stand-alone results and `result.json`.
 */
export class RunDir {
  readonly dir: string;

  private constructor(dir: string) {
    this.dir = dir;
  }

  /**
   * Opens a run directory. A new run refuses a folder that already holds a run (pass `resume`);
   * a resumed run requires `config.json` to match `config` (other than `backend`).
   */
  static open(dir: string, config: unknown, options: { resume: boolean }): RunDir {
    const configFile = path.join(dir, 'config.json');
    const exists = fs.existsSync(configFile);
    if (options.resume) {
      if (!exists) {
        throw new InvalidArgumentError(`--resume: ${dir} holds no run (no config.json). Start it without --resume.`);
      }
      let saved: unknown;
      try {
        saved = JSON.parse(fs.readFileSync(configFile, 'utf8'));
      } catch (cause) {
        throw new FileFormatError(configFile, 'is not valid JSON; the run cannot be resumed.', { cause });
      }
      const strip = (c: unknown): string => JSON.stringify({ ...(c as object), backend: undefined });
      if (strip(saved) !== strip(config)) {
        throw new InvalidArgumentError(
          `--resume: the configuration differs from the one ${dir} was started with (${configFile}). Resume with the same flags, or start a new run in another --out folder.`,
        );
      }
    } else {
      if (exists) {
        throw new InvalidArgumentError(
          `${dir} already holds a run. Pass --resume to continue it, or choose another --out folder.`,
        );
      }
      fs.mkdirSync(dir, { recursive: true });
      writeFileAtomic(configFile, JSON.stringify(config, null, 2) + '\n');
    }
    return new RunDir(dir);
  }

  /** Absolute path of a file inside the run. */
  file(name: string): string {
    return path.join(this.dir, name);
  }

  /** Appends one record to `log.jsonl` (with a timestamp). */
  log(record: LogRecord): void {
    fs.appendFileSync(this.file('log.jsonl'), JSON.stringify({ time: new Date().toISOString(), ...record }) + '\n');
  }

  /** All records of `log.jsonl` (a torn last line from a crash is skipped). */
  readLog(): LogRecord[] {
    const f = this.file('log.jsonl');
    if (!fs.existsSync(f)) return [];
    const out: LogRecord[] = [];
    for (const line of fs.readFileSync(f, 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      try {
        out.push(JSON.parse(line) as LogRecord);
      } catch {
        // a line cut by a kill: ignore
      }
    }
    return out;
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
}
