import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import { loadCheckpoint } from '@lmreg/train';

// Runs the real CLI (dist/cli.js, built before tests by turbo) in child processes on the cpu
// backend: an uninterrupted run, and a run killed with SIGKILL in the middle of an epoch then
// resumed. The resumed run must end with exactly the same weights, momentum and results.
const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

const config = {
  preset: 'tiny',
  backend: 'cpu',
  imageSize: 8,
  trainSubset: 192,
  testSubset: 64,
  channels: 4,
  cells: 1,
  epochs: 3,
  warmupEpochs: 0,
  batchSize: 16,
  heldOut: 3,
  compareBaseline: false,
  augment: true,
  landmarks: { count: 3, selection: 'diverse', tau: 2 },
  ranking: { batchSize: 16 },
  standalone: { epochs: 1, batchSize: 32 },
};

function runCli(args: string[], killWhen?: (stderr: string) => boolean): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let killed = false;
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (!killed && killWhen?.(stderr)) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.stdout.resume();
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stderr }));
  });
}

describe('a killed search resumes to exactly the uninterrupted result', () => {
  it('SIGKILL mid-epoch, then --resume: same final weights, momentum and S-KdT (cpu backend)', async () => {
    expect(fs.existsSync(cli)).toBe(true);
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lmreg-resume-'));
    const cfg = path.join(root, 'config.json');
    fs.writeFileSync(cfg, JSON.stringify(config));
    const straight = path.join(root, 'straight');
    const killed = path.join(root, 'killed');

    const a = await runCli(['search', '-c', cfg, '-o', straight]);
    expect(a.code, a.stderr).toBe(0);

    // Kill once the first epoch's checkpoint exists and the second epoch is under way.
    const b = await runCli(
      ['search', '-c', cfg, '-o', killed],
      (err) => /landmarks epoch 2\/3: \d+\/\d+ steps/.test(err) && fs.existsSync(path.join(killed, 'supernet-landmarks.bin')),
    );
    expect(b.signal).toBe('SIGKILL');
    expect(fs.existsSync(path.join(killed, 'result.json'))).toBe(false);
    const mid = loadCheckpoint(path.join(killed, 'supernet-landmarks.bin'));
    expect((mid.meta as { epoch: number }).epoch).toBe(0);

    const c = await runCli(['search', '-c', cfg, '-o', killed, '--resume']);
    expect(c.code, c.stderr).toBe(0);

    const x = loadCheckpoint(path.join(straight, 'supernet-landmarks.bin'));
    const y = loadCheckpoint(path.join(killed, 'supernet-landmarks.bin'));
    expect(Object.keys(y.arrays).sort()).toEqual(Object.keys(x.arrays).sort());
    for (const [k, v] of Object.entries(x.arrays)) expect(Array.from(y.arrays[k]!), k).toEqual(Array.from(v));
    const rx = JSON.parse(fs.readFileSync(path.join(straight, 'result.json'), 'utf8'));
    const ry = JSON.parse(fs.readFileSync(path.join(killed, 'result.json'), 'utf8'));
    expect(ry.variants[0].supernetAccuracy).toEqual(rx.variants[0].supernetAccuracy);
    expect(ry.variants[0].skdt).toEqual(rx.variants[0].skdt);
    const acc = (r: { heldOut: { accuracy: number }[] }): number[] => r.heldOut.map((h) => h.accuracy);
    expect(acc(ry)).toEqual(acc(rx));

    // Starting again in a folder that holds a run, without --resume, is refused with advice.
    const d = await runCli(['search', '-c', cfg, '-o', straight]);
    expect(d.code).toBe(2);
    expect(d.stderr).toMatch(/--resume/);
    fs.rmSync(root, { recursive: true, force: true });
  }, 300_000);
});
