import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { buildSync } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';

import { copyFileAtomic, removeStaleTempFiles, writeFileAtomic } from '@lmreg/common';

import { loadCheckpoint, loadCheckpointWithFallback, previousCheckpointFile } from './checkpoint.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lmreg-atomic-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('atomic files', () => {
  it('copyFileAtomic replaces the target whole and leaves no temp file', () => {
    const dir = fs.mkdtempSync(path.join(root, 'copy-'));
    writeFileAtomic(path.join(dir, 'a'), 'new');
    fs.writeFileSync(path.join(dir, 'b'), 'old');
    copyFileAtomic(path.join(dir, 'a'), path.join(dir, 'b'));
    expect(fs.readFileSync(path.join(dir, 'b'), 'utf8')).toBe('new');
    writeFileAtomic(path.join(dir, 'a'), 'newer'); // b is a copy, not the same file
    expect(fs.readFileSync(path.join(dir, 'b'), 'utf8')).toBe('new');
    expect(fs.readdirSync(dir).sort()).toEqual(['a', 'b']);
  });

  it('removeStaleTempFiles removes temp files of dead writers (or all), nothing else', () => {
    const dir = fs.mkdtempSync(path.join(root, 'tmp-'));
    const dead = `.x.bin.${2 ** 22 + 7}.1.tmp`;
    const live = `.y.json.${process.ppid}.2.tmp`;
    const mine = `.z.json.${process.pid}.3.tmp`;
    for (const f of [dead, live, mine, 'keep.tmp', '.keep.1.tmp', 'data.json']) fs.writeFileSync(path.join(dir, f), '');
    expect(removeStaleTempFiles(dir).sort()).toEqual([dead, mine].sort());
    expect(removeStaleTempFiles(dir, { all: true })).toEqual([live]);
    expect(fs.readdirSync(dir).sort()).toEqual(['.keep.1.tmp', 'data.json', 'keep.tmp']);
    expect(removeStaleTempFiles(path.join(dir, 'missing'))).toEqual([]);
  });
});

describe('checkpoints under SIGKILL', () => {
  it('a process killed at random moments while saving always leaves a loadable newest and previous checkpoint', async () => {
    const script = path.join(root, 'ck-child.mjs');
    buildSync({
      entryPoints: [fileURLToPath(new URL('../testing/checkpoint-child.ts', import.meta.url))],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outfile: script,
      logLevel: 'silent',
    });
    const dir = fs.mkdtempSync(path.join(root, 'kill-'));
    const file = path.join(dir, 'supernet-landmarks.bin');
    let last = -1;
    for (let kill = 0; kill < 5; kill++) {
      const child = spawn(process.execPath, [script, file], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
      // Wait for two saves, then kill at a random moment of a later one.
      await new Promise<void>((resolve) => {
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.split('\n').length > 3) resolve();
        });
        child.on('close', () => resolve());
      });
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 60)));
      child.kill('SIGKILL');
      await closed;
      const epochs = out.trim().split('\n').map(Number);
      const ck = loadCheckpoint(file);
      const newest = { epoch: (ck.meta as { epoch: number }).epoch, pixel: ck.arrays.w?.[1_999_999] };
      const previous = loadCheckpoint(previousCheckpointFile(file)).meta as { epoch: number };
      expect(newest.epoch).toBeGreaterThanOrEqual(epochs[epochs.length - 1]!);
      expect(previous.epoch).toBeLessThanOrEqual(newest.epoch); // equal when killed between keeping the previous and writing the newest
      expect(previous.epoch).toBeGreaterThanOrEqual(last);
      expect(newest.pixel).toBe(newest.epoch);
      expect(loadCheckpointWithFallback(file).from).toBe('newest');
      last = previous.epoch;
      removeStaleTempFiles(dir);
      expect(fs.readdirSync(dir).sort()).toEqual(['supernet-landmarks.bin', 'supernet-landmarks.prev.bin']);
    }
  }, 60_000);
});
