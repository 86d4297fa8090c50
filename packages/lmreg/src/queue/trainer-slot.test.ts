import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { TINY_GROUND_TRUTH as TINY } from '@lmreg/train/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { QueueDataMissingError, QueueJobTimeoutError, QueueTrainerError } from './errors.js';
import { TrainerSlot, TrainingAbortedError } from './trainer-slot.js';

// The slot's process handling against small stand-in trainer scripts (the real trainer,
// `lmreg worker --trainer-process`, runs in queue.test.ts): each script speaks the same IPC protocol.
let dir = '';
function script(name: string, body: string): string {
  const file = path.join(dir, `${name}.cjs`);
  fs.writeFileSync(file, `process.on('disconnect', () => process.exit(0));\n${body}\n`);
  return file;
}
const request = { job: 'ground-truth', recipeHash: '0123456789abcdef', config: TINY, index: 0, arch: 'x', seed: 0 } as const;
const row = { index: 0, arch: 'x', key: 'k', seed: 0, testAccuracy: 0.5, validAccuracy: 0.5, testLoss: 1, params: 10, seconds: 0.1, backend: 'cpu' };
const output = { kind: 'ground-truth', row };

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lmreg-slot-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('TrainerSlot', () => {
  it('trains through the trainer process, forwarding progress, and reports its backend and threads', async () => {
    const slot = new TrainerSlot({
      script: script(
        'ok',
        `
      process.send({ type: 'ready', backend: 'cpu', threads: 3 });
      process.on('message', (m) => { process.send({ type: 'progress', id: m.id, done: 1, total: 2 }); process.send({ type: 'result', id: m.id, output: ${JSON.stringify(output)} }); });`,
      ),
      args: [],
    });
    const progress: number[][] = [];
    const r = await slot.train(request, { timeoutMs: 10_000, onProgress: (d, t) => progress.push([d, t]) });
    expect(r).toEqual({ output, backend: 'cpu', threads: 3 });
    expect(progress).toEqual([[1, 2]]);
    slot.close();
  });

  it('a job over its timeout kills the trainer; the next job gets a fresh one', async () => {
    const counter = path.join(dir, 'starts');
    const slot = new TrainerSlot({
      script: script(
        'slow',
        `
      require('fs').appendFileSync(${JSON.stringify(counter)}, 'x');
      process.send({ type: 'ready', backend: 'cpu', threads: 1 });
      process.on('message', (m) => { if (m.seed === 1) process.send({ type: 'result', id: m.id, output: ${JSON.stringify(output)} }); });`,
      ),
      args: [],
    });
    await expect(slot.train(request, { timeoutMs: 300 })).rejects.toThrow(QueueJobTimeoutError);
    await expect(slot.train({ ...request, seed: 1 }, { timeoutMs: 10_000 })).resolves.toMatchObject({ output });
    expect(fs.readFileSync(counter, 'utf8')).toBe('xx');
    // Aborting (the worker returns the job) kills the training too.
    const abort = new AbortController();
    const pending = slot.train(request, { timeoutMs: 10_000, signal: abort.signal });
    setTimeout(() => abort.abort(), 100);
    await expect(pending).rejects.toThrow(TrainingAbortedError);
    slot.close();
  });

  it('maps a missing data set, a crash and a trainer that cannot start to their errors', async () => {
    const missing = new TrainerSlot({
      script: script(
        'nodata',
        `
      process.send({ type: 'ready', backend: 'cpu', threads: 1 });
      process.on('message', (m) => process.send({ type: 'error', id: m.id, message: 'cannot find the data set', code: 'LMREG_FILE_FORMAT', dataMissing: true }));`,
      ),
      args: [],
    });
    await expect(missing.train(request, { timeoutMs: 10_000 })).rejects.toThrow(QueueDataMissingError);
    missing.close();
    const crash = new TrainerSlot({
      script: script(
        'crash',
        `
      process.send({ type: 'ready', backend: 'cpu', threads: 1 });
      process.on('message', () => process.exit(7));`,
      ),
      args: [],
    });
    await expect(crash.train(request, { timeoutMs: 10_000 })).rejects.toThrow(/trainer process died during the job \(exit code 7\)/);
    crash.close();
    const fatal = new TrainerSlot({ script: script('fatal', `process.send({ type: 'fatal', message: 'backend missing' }, () => process.exit(2));`), args: [] });
    await expect(fatal.start()).rejects.toThrow(QueueTrainerError);
    await expect(fatal.start()).rejects.toThrow(/could not start: backend missing/);
    fatal.close();
  });
});
