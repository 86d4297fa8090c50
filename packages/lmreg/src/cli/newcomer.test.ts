import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

import { main } from './main.js';

// What a new user meets first (issue 18): one backend line, clear errors with exit code 2, a
// failed start that leaves nothing behind, and --resume without repeating the flags.
async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

const TINY_SEARCH = [
  'search',
  '--preset',
  'tiny',
  '--backend',
  'cpu',
  '--train-subset',
  '64',
  '--test-subset',
  '32',
  '--epochs',
  '1',
  '--batch-size',
  '16',
  '--held-out',
  '2',
  '--landmarks',
  '2',
  '--tau',
  '2',
  '--rank-batch-size',
  '16',
  '--standalone-batch-size',
  '32',
  '--budget',
  '2',
  '--search-population',
  '2',
  '--search-tournament',
  '2',
  '--search-top',
  '1',
];

let root = '';
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'lmreg-newcomer-'));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('what a newcomer meets', () => {
  it('ground-truth subcommands: a missing folder, a bad --shard and a bad --seeds give one clear line and exit 2', async () => {
    const missing = await cli(['ground-truth', 'status', '--out', path.join(root, 'nope')]);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/^lmreg: .*nope has no config\.json: it is not a table folder of `lmreg ground-truth build`/);
    expect(missing.err).not.toMatch(/\n\s+at /); // no stack trace
    fs.mkdirSync(path.join(root, 'corrupt'));
    fs.writeFileSync(path.join(root, 'corrupt', 'config.json'), '{"space": "nb201",');
    const corrupt = await cli(['ground-truth', 'status', '--out', path.join(root, 'corrupt')]);
    expect(corrupt.code).toBe(2);
    expect(corrupt.err).toMatch(/config\.json: is not valid JSON/);
    const shard = await cli(['ground-truth', 'build', '--out', path.join(root, 'gt'), '--shard', '3/2']);
    expect(shard.code).toBe(2);
    expect(shard.err).toMatch(/--shard must be i\/n with 1 <= i <= n, e\.g\. 1\/2 \(got '3\/2'\)/);
    const seeds = await cli(['ground-truth', 'build', '--out', path.join(root, 'gt'), '--seeds', '0,a']);
    expect(seeds.code).toBe(2);
    expect(seeds.err).toMatch(/--seeds takes integers separated by commas/);
  });

  it('a search that fails at start leaves no config.json, so the corrected rerun starts; --resume needs no repeated flags', async () => {
    const out = path.join(root, 'run');
    const bad = await cli([...TINY_SEARCH, '--data-dir', path.join(root, 'no-such-folder'), '--dataset', 'fashion-mnist', '-o', out, '-q']);
    expect(bad.code).toBe(2);
    expect(fs.existsSync(path.join(out, 'config.json'))).toBe(false);

    const warn = vi.spyOn(console, 'warn');
    const good = await cli([...TINY_SEARCH, '-o', out, '--json']);
    expect(good.code).toBe(0);
    // One line says which backend runs; tfjs' "install our node backend" banner is not printed.
    expect(good.err.split('\n').filter((l) => l.startsWith('backend:'))).toHaveLength(0); // --json is quiet
    expect(warn.mock.calls.flat().join(' ')).not.toMatch(/Hi, looks like you are running TensorFlow\.js/);
    warn.mockRestore();
    const first = JSON.parse(good.out) as { variants: { skdt: number }[] };

    const resumed = await cli(['search', '-o', out, '--resume']);
    expect(resumed.code).toBe(0);
    expect(resumed.err.split('\n').filter((l) => l.startsWith('backend:'))).toEqual([
      expect.stringMatching(/^backend: cpu \(@tensorflow\/tfjs-backend-cpu: pure JavaScript/),
    ]);
    expect(resumed.out).toContain(first.variants[0]?.skdt.toFixed(3));
    const differs = await cli(['search', '-o', out, '--resume', '--seed', '9', '-q']);
    expect(differs.code).toBe(2);
    expect(differs.err).toMatch(/the configuration differs .*seed: 0 → 9/);
    expect(differs.err).toMatch(/start over with --restart/);
    // The way out the message names works: --restart discards the folder's run and starts again.
    const restarted = await cli([...TINY_SEARCH, '-o', out, '--restart', '--seed', '9', '--json']);
    expect(restarted.code).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8'))).toMatchObject({ seed: 9 });
  }, 300_000);

  it('Ctrl-C during a search says how to continue the run, and exits 130', async () => {
    const out = path.join(root, 'interrupted');
    const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
    const child = spawn(process.execPath, [cli, ...TINY_SEARCH.slice(0), '-o', out], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      // Interrupt once the run has really started (its folder holds config.json).
      if (fs.existsSync(path.join(out, 'config.json')) && !child.killed) child.kill('SIGINT');
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code).toBe(130);
    expect(err).toContain(`interrupted. Continue this run with: lmreg search --out ${JSON.stringify(out)} --resume`);
  }, 300_000);
});
