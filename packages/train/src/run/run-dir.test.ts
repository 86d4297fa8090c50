import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { RunLockedError, writeFileAtomic } from '@lmreg/common';
import { buildSync } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { LOCK_FILE, RunDir } from './run-dir.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lmreg-run-'));
const newDir = (): string => fs.mkdtempSync(path.join(root, 'run-'));
const childScript = path.join(root, 'child.mjs');

beforeAll(() => {
  buildSync({
    entryPoints: [fileURLToPath(new URL('../testing/run-dir-child.ts', import.meta.url))],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: childScript,
    logLevel: 'silent',
  });
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

interface Child {
  readonly pid: number;
  /** Resolves with the first stdout line. */
  readonly firstLine: Promise<string>;
  /** Closes its stdin (a `hold` child then exits) and resolves with the exit code. */
  finish(): Promise<number | null>;
}

function child(...args: string[]): Child {
  const p = spawn(process.execPath, [childScript, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  const exited = new Promise<number | null>((resolve) => p.on('close', resolve));
  const firstLine = new Promise<string>((resolve, reject) => {
    p.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(out.slice(0, out.indexOf('\n')));
    });
    p.on('close', () => (out.includes('\n') ? undefined : reject(new Error(`child ${args.join(' ')} printed nothing`))));
  });
  return {
    pid: p.pid ?? -1,
    firstLine,
    finish: () => {
      p.stdin.end();
      return exited;
    },
  };
}

async function runChild(...args: string[]): Promise<{ ok: boolean; code?: string; pid?: number; message?: string; notes?: string[] }> {
  const c = child(...args);
  const line = await c.firstLine;
  await c.finish();
  return JSON.parse(line) as { ok: boolean };
}

describe('RunDir', () => {
  it('creates, refuses to clobber, resumes with the same config only, naming the fields that differ', () => {
    const dir = path.join(newDir(), 'run');
    const run = RunDir.open(dir, { a: 1, b: { c: 2 }, backend: 'cpu' }, { resume: false });
    run.log({ event: 'epoch', epoch: 0 });
    expect(() => RunDir.open(dir, { a: 1 }, { resume: false })).toThrow(/--resume.*--restart/);
    expect(() => RunDir.open(dir, { a: 2, b: { c: 3 }, backend: 'cpu' }, { resume: true })).toThrow(/differs.*a: 1 → 2; b\.c: 2 → 3/);
    expect(RunDir.open(dir, { a: 1, b: { c: 2 }, backend: 'wasm' }, { resume: true }).dir).toBe(dir);
    expect(() => RunDir.open(path.join(dir, 'nope'), {}, { resume: true })).toThrow(/holds no run/);
    run.writeJson('x.json', { v: 1 });
    expect(run.readJson('x.json')).toEqual({ v: 1 });
    expect(run.readJson('y.json')).toBeUndefined();
    fs.writeFileSync(run.file('bad.json'), '{');
    expect(() => run.readJson('bad.json')).toThrow(/bad\.json/);
    run.close();
  });

  it('a torn last line of log.jsonl does not swallow the next record, and resume cuts it', () => {
    const dir = newDir();
    const run = RunDir.open(dir, { a: 1 }, { resume: false });
    run.log({ event: 'epoch', epoch: 0 });
    fs.appendFileSync(run.file('log.jsonl'), '{"event":"ep'); // torn line from a kill
    run.log({ event: 'epoch', epoch: 1 });
    const torn: number[] = [];
    expect(run.readLog({ onTornLine: (line) => torn.push(line) }).map((r) => r.epoch)).toEqual([0, 1]);
    expect(torn).toEqual([2]);
    run.close();

    fs.appendFileSync(path.join(dir, 'log.jsonl'), '{"event":"epoch","epo');
    const resumed = RunDir.open(dir, { a: 1 }, { resume: true });
    expect(resumed.notes.join('\n')).toMatch(/log\.jsonl: removed a torn last line/);
    expect(fs.readFileSync(resumed.file('log.jsonl'), 'utf8').endsWith('}\n')).toBe(true);
    resumed.log({ event: 'epoch', epoch: 2 });
    expect(resumed.readLog().map((r) => r.epoch)).toEqual([0, 1, 2]);
    resumed.close();
  });

  it('dropLogRecords removes what a resumed run will log again, and torn lines', () => {
    const dir = newDir();
    const run = RunDir.open(dir, { a: 1 }, { resume: false });
    for (let epoch = 0; epoch < 5; epoch++) run.log({ event: 'epoch', variant: 'v', epoch });
    fs.appendFileSync(run.file('log.jsonl'), '{"event":"ep');
    expect(run.dropLogRecords((r) => r.event === 'epoch' && (r.epoch as number) >= 3)).toBe(2);
    expect(run.readLog().map((r) => r.epoch)).toEqual([0, 1, 2]);
    expect(fs.readFileSync(run.file('log.jsonl'), 'utf8').endsWith('}\n')).toBe(true);
    expect(run.dropLogRecords(() => false)).toBe(0);
    run.close();
  });

  it('removes temporary files left by killed writers on open, keeps those of live processes', () => {
    const dir = newDir();
    RunDir.open(dir, { a: 1 }, { resume: false }).close();
    const deadPid = 2 ** 22 + 12345; // above Linux's pid_max: never alive
    const dead = `.supernet-landmarks.bin.${deadPid}.1700000000000.tmp`;
    const live = `.standalone.json.${process.ppid}.1700000000000.tmp`;
    fs.writeFileSync(path.join(dir, dead), 'half');
    fs.writeFileSync(path.join(dir, live), 'half');
    const run = RunDir.open(dir, { a: 1 }, { resume: true });
    expect(fs.existsSync(path.join(dir, dead))).toBe(false);
    expect(fs.existsSync(path.join(dir, live))).toBe(true);
    expect(run.notes.join('\n')).toContain(dead);
    run.close();
  });

  it('--restart discards the run files only, and excludes --resume', () => {
    const dir = newDir();
    const run = RunDir.open(dir, { a: 1 }, { resume: false });
    run.log({ event: 'epoch' });
    run.writeJson('standalone.json', {});
    writeFileAtomic(run.file('supernet-baseline.bin'), 'x');
    fs.writeFileSync(run.file('notes.txt'), 'mine');
    run.close();
    expect(() => RunDir.open(dir, { a: 2 }, { resume: true, restart: true })).toThrow(/exclude/);
    const again = RunDir.open(dir, { a: 2 }, { resume: false, restart: true });
    expect(fs.readdirSync(dir).sort()).toEqual([LOCK_FILE, 'config.json', 'notes.txt']);
    expect(again.readJson('config.json')).toEqual({ a: 2 });
    again.close();
    expect(fs.readdirSync(dir).sort()).toEqual(['config.json', 'notes.txt']);
  });

  it('takes over an unreadable lock file, and gives up with advice on one it cannot remove', () => {
    const dir = newDir();
    fs.writeFileSync(path.join(dir, LOCK_FILE), '{"pid":'); // torn by a kill
    const run = RunDir.open(dir, { a: 1 }, { resume: false });
    expect(run.notes.join('\n')).toMatch(/took over the unreadable lock file/);
    run.close();
    const other = newDir();
    fs.mkdirSync(path.join(other, LOCK_FILE, 'x'), { recursive: true }); // not a file, not removable by rename-and-delete
    expect(() => RunDir.open(other, { a: 1 }, { resume: false })).toThrow(/could not be taken over.*delete it/);
  });

  it('within one process the folder lock is shared and released by the last close', () => {
    const dir = newDir();
    const a = RunDir.open(dir, { a: 1 }, { resume: false });
    const b = RunDir.open(dir, { a: 1 }, { resume: true });
    a.close();
    a.close();
    expect(fs.existsSync(path.join(dir, LOCK_FILE))).toBe(true);
    b.close();
    expect(fs.existsSync(path.join(dir, LOCK_FILE))).toBe(false);
  });
});

describe('two processes on one run folder', () => {
  it('a second process is refused while the first lives, naming its pid; the lock goes with the first', async () => {
    const dir = newDir();
    const first = child('hold', dir, 'new');
    expect(JSON.parse(await first.firstLine)).toMatchObject({ ok: true });
    const holder = JSON.parse(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8')) as { pid: number; hostname: string };
    expect(holder).toMatchObject({ pid: first.pid, hostname: os.hostname() });

    const second = await runChild('open', dir, 'resume');
    expect(second).toMatchObject({ ok: false, code: 'LMREG_RUN_LOCKED', pid: first.pid });
    expect(second.message).toContain(`process ${first.pid}`);
    expect(second.message).toContain(path.join(dir, LOCK_FILE));
    expect(() => RunDir.open(dir, { space: 'nb201', epochs: 1 }, { resume: true })).toThrow(RunLockedError);

    expect(await first.finish()).toBe(0); // exits without close(): the exit hook releases the lock
    expect(fs.existsSync(path.join(dir, LOCK_FILE))).toBe(false);
    expect(await runChild('open', dir, 'resume')).toMatchObject({ ok: true, notes: [] });
  });

  it('a lock left by a killed process is taken over with a note', async () => {
    const dir = newDir();
    const first = child('hold', dir, 'new');
    await first.firstLine;
    process.kill(first.pid, 'SIGKILL');
    await first.finish();
    expect(fs.existsSync(path.join(dir, LOCK_FILE))).toBe(true);
    const second = await runChild('open', dir, 'resume');
    expect(second.ok).toBe(true);
    expect(second.notes?.join('\n')).toMatch(new RegExp(`took over the lock of process ${first.pid}.*no longer running`));
  });

  it('processes merging per-architecture results into one file never lose entries', async () => {
    const dir = newDir();
    RunDir.open(dir, { space: 'nb201', epochs: 1 }, { resume: false }).close();
    const n = 40;
    const results = await Promise.all(['a', 'b', 'c'].map((p) => runChild('merge', dir, p, String(n))));
    expect(results.every((r) => r.ok)).toBe(true);
    const merged = JSON.parse(fs.readFileSync(path.join(dir, 'standalone.json'), 'utf8')) as Record<string, unknown>;
    expect(Object.keys(merged).length).toBe(3 * n);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.lock') || f.endsWith('.tmp'))).toEqual([]);
  });
});

describe('RunDir.mergeJson', () => {
  it('adds keys, replaces equal keys, keeps __proto__ as data, refuses a non-object file', () => {
    const dir = newDir();
    const run = RunDir.open(dir, {}, { resume: false });
    expect(run.mergeJson('s.json', { a: 1 })).toEqual({ a: 1 });
    expect(run.mergeJson('s.json', { b: 2, a: 3 })).toEqual({ a: 3, b: 2 });
    const weird = JSON.parse('{"__proto__": 5}') as Record<string, number>;
    expect(Object.keys(run.mergeJson('s.json', weird))).toEqual(['a', 'b', '__proto__']);
    fs.writeFileSync(run.file('t.json'), '[1]');
    expect(() => run.mergeJson('t.json', { a: 1 })).toThrow(/t\.json: is not a JSON object/);
    run.close();
  });
});
