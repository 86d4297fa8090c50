import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { createProgram, main } from './main.js';
import { lmregScript } from './worker-command.js';

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

describe('lmreg worker', () => {
  it('is registered with its flags; the trainer-process flag stays hidden', () => {
    let help = '';
    const program = createProgram({ out: (s) => void (help += s), err: () => undefined });
    const worker = program.commands.find((c) => c.name() === 'worker');
    expect(worker).toBeDefined();
    help = worker!.helpInformation();
    for (const flag of ['--queue <url>', '--concurrency <n>', '--backend <name>', '--threads <n>', '--data-dir <dir>', '--grace <seconds>'])
      expect(help).toContain(flag);
    expect(help).not.toContain('--trainer-process');
  });

  it('refuses a URL that is not redis://, a concurrency below 1, and says so in one line (exit 2 / commander error)', async () => {
    const bad = await run(['worker', '--queue', 'localhost:6379']);
    expect(bad.code).toBe(2);
    expect(bad.err).toBe("lmreg: --queue must be a redis:// or rediss:// URL like redis://127.0.0.1:6379 (got 'localhost:6379').\n");
    const zero = await run(['worker', '--queue', 'redis://127.0.0.1:1', '--concurrency', '0']);
    expect(zero.code).not.toBe(0);
    expect(zero.err).toMatch(/--concurrency must be an integer >= 1/);
  });

  it('no Redis at the URL: exit 2, one line naming the URL and how to start one', async () => {
    const port = await closedPort();
    const r = await run(['worker', '--queue', `redis://127.0.0.1:${port}`, '-q']);
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toContain(
      `lmreg: no Redis answers at redis://127.0.0.1:${port} (connect ECONNREFUSED 127.0.0.1:${port}). Start one there (e.g. \`redis-server --port ${port}\``,
    );
  });

  it('finds the built lmreg script its trainer processes run', () => {
    expect(lmregScript()).toMatch(/dist[/\\]cli\.js$/);
  });
});

describe('lmreg search --queue', () => {
  it('no Redis at the URL: exit 2, one line, and the run folder is not started; a bad URL and queue flags without --queue are refused', async () => {
    const port = await closedPort();
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lmreg-search-queue-')), 'run');
    try {
      const r = await run(['search', '--preset', 'tiny', '--backend', 'cpu', '-q', '--out', out, '--queue', `redis://127.0.0.1:${port}`]);
      expect(r.code).toBe(2);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).toContain(`lmreg: no Redis answers at redis://127.0.0.1:${port} (connect ECONNREFUSED 127.0.0.1:${port}). Start one there`);
      expect(fs.existsSync(path.join(out, 'config.json'))).toBe(false); // the corrected command starts afresh, no --restart needed
      const bad = await run(['search', '--preset', 'tiny', '-q', '--out', out, '--queue', 'localhost:6379']);
      expect(bad.code).toBe(2);
      expect(bad.err).toBe("lmreg: --queue must be a redis:// or rediss:// URL like redis://127.0.0.1:6379 (got 'localhost:6379').\n");
      const stray = await run(['search', '--preset', 'tiny', '-q', '--out', out, '--attempts', '2']);
      expect(stray.code).toBe(2);
      expect(stray.err).toMatch(/--attempts and --job-timeout are for the jobs of --queue/);
    } finally {
      fs.rmSync(path.dirname(out), { recursive: true, force: true });
    }
  });
});
