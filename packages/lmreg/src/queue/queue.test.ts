import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { buildGroundTruth, finishGroundTruth, listGroundTruthJobs, readGroundTruthRows, selectBackend, type GroundTruthConfig } from '@lmreg/train';
import { getSpace, type Nb201Arch } from '@lmreg/spaces';
import { TINY_GROUND_TRUTH as TINY } from '@lmreg/train/testing';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { checkRedis, redisOptionsOf } from './connection.js';
import { jobIdOf, NOOP_NOTE, QUEUE_NAME, recipeHashOf } from './job.js';
import { QUEUE_ROWS_FILE } from './producer.js';
import { withoutSeconds } from '../testing/behaviour-kept.js';
import { TEST_HOLD_JOBS_ENV } from './trainer-protocol.js';

// The queue end to end: a real Redis on a free loopback port, real `lmreg worker` and
// `lmreg ground-truth build --queue` processes (dist/cli.js, built before tests by turbo), cpu backend.
const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
const VERSION = '0.1.0';
const nb201 = getSpace<Nb201Arch>('nb201');
let root = '';
let url = '';
let port = 0;
let redis: ChildProcess | undefined;
let queue: Queue;
const children = new Set<ChildProcess>();

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const p = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(p));
    });
  });
}

async function startRedis(): Promise<void> {
  redis = spawn(
    '/usr/bin/redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--dir', path.join(root, 'redis')],
    { stdio: 'ignore' },
  );
  for (let i = 0; ; i++) {
    try {
      await checkRedis(url, 500);
      return;
    } catch (error) {
      if (i > 100) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

async function stopRedis(): Promise<void> {
  const r = redis;
  if (r === undefined || r.exitCode !== null) return;
  await new Promise((resolve) => {
    r.once('exit', resolve);
    r.kill('SIGTERM');
  });
}

interface Run {
  readonly child: ChildProcess;
  readonly done: Promise<{ code: number | null; out: string; err: string }>;
  err(): string;
}

function lmreg(args: readonly string[], env: Record<string, string> = {}): Run {
  const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  children.add(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => void (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => void (err += d.toString()));
  const done = new Promise<{ code: number | null; out: string; err: string }>((resolve) =>
    child.once('close', (code) => {
      children.delete(child);
      resolve({ code, out, err });
    }),
  );
  return { child, done, err: () => err };
}

/**
 * Starts a worker and waits until its trainer is ready. Workers keep BullMQ's default 30 s job lock
 * (a loaded machine cannot make them lose a job they are training); the fault test shortens it for
 * the worker it kills, and the stalled check of the workers that take over.
 */
async function worker(extra: readonly string[] = [], env: Record<string, string> = {}): Promise<Run> {
  const w = lmreg(['worker', '--queue', url, '--backend', 'cpu', ...extra], env);
  await until(() => /trainers ready/.test(w.err()) || w.child.exitCode !== null, 60_000);
  return w;
}

async function until(ok: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 100));
  }
}

function producer(dir: string, config: GroundTruthConfig, extra: readonly string[] = []): Run {
  const file = path.join(root, `config-${path.basename(dir)}.json`);
  fs.writeFileSync(file, JSON.stringify(config));
  return lmreg(['ground-truth', 'build', '--out', dir, '-c', file, '--queue', url, ...extra]);
}

/** The job (id and data) a producer would enqueue for the first architecture of `config`, seed 0. */
function firstGroundTruthJob(config: GroundTruthConfig, timeoutSeconds: number): { id: string; data: Record<string, unknown> } {
  const [job] = listGroundTruthJobs(config);
  const hash = recipeHashOf(config);
  const data = {
    kind: 'ground-truth',
    version: VERSION,
    recipeHash: hash,
    index: 0,
    arch: nb201.format(job!.arch as Nb201Arch),
    key: job!.key,
    seed: 0,
    config,
    timeoutSeconds,
  };
  return { id: jobIdOf(hash, job!.key, 0), data };
}

function rowLines(dir: string): string[] {
  return fs
    .readFileSync(path.join(dir, QUEUE_ROWS_FILE), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
}

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'lmreg-queue-'));
  fs.mkdirSync(path.join(root, 'redis'));
  port = await freePort();
  url = `redis://127.0.0.1:${port}`;
  await startRedis();
  queue = new Queue(QUEUE_NAME, { connection: redisOptionsOf(url) });
}, 30_000);

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await queue.close();
  await stopRedis();
  fs.rmSync(root, { recursive: true, force: true });
});

describe('lmreg worker: clear errors, no job lost', () => {
  it('no Redis at the URL; a job of another version is returned; a dataset missing fails the attempt, not the job', async () => {
    const none = await lmreg(['worker', '--queue', `redis://127.0.0.1:${await freePort()}`]).done;
    expect(none.code).toBe(2);
    expect(none.err.trim().split('\n')).toHaveLength(1);
    expect(none.err).toMatch(/^lmreg: no Redis answers at redis:\/\/127\.0\.0\.1:\d+ \(connect ECONNREFUSED.*Start one there/);

    const foreign = await queue.add('noop', { kind: 'noop', version: '9.9.9', note: NOOP_NOTE }, { jobId: 'test-foreign-version' });
    const mismatch = await (await worker()).done;
    expect(mismatch.code).toBe(2);
    expect(mismatch.err.split('\n').filter((l) => l.startsWith('lmreg:'))).toEqual([
      expect.stringMatching(
        /^lmreg: job test-foreign-version was enqueued by lmreg 9\.9\.9 but this worker is lmreg 0\.1\.0\. Install lmreg 9\.9\.9 .* the job went back to the queue\.$/,
      ),
    ]);
    expect(await foreign.getState()).toBe('waiting');
    await foreign.remove();

    const config: GroundTruthConfig = { ...TINY, dataset: 'fashion-mnist', dataDir: path.join(root, 'no-such-data'), archs: 1, seeds: [0] };
    const { id, data } = firstGroundTruthJob(config, 60);
    await queue.add('ground-truth', data, { jobId: id, attempts: 3, backoff: { type: 'fixed', delay: 60_000 } });
    const missing = await (await worker()).done;
    expect(missing.code).toBe(2);
    expect(missing.err.split('\n').filter((l) => l.startsWith('lmreg:'))).toEqual([
      expect.stringMatching(/^lmreg: this worker \(.*\) cannot read the data of job gt\..*no-such-data.*start the worker with --data-dir/),
    ]);
    const after = (await queue.getJob(id))!;
    expect(await after.getState()).toBe('delayed'); // retried later (here or elsewhere), not lost
    expect(after.attemptsMade).toBe(1);
    expect(after.failedReason).toMatch(/cannot read the data/);
    await after.remove();
  }, 90_000);
  it('Ctrl-C stops a training and returns its job to the queue at once', async () => {
    const config: GroundTruthConfig = { ...TINY, archs: 1, seeds: [0], sampleSeed: 404, recipe: { ...TINY.recipe, epochs: 200 } };
    const { id, data } = firstGroundTruthJob(config, 600);
    const w = await worker();
    await queue.add('ground-truth', data, { jobId: id, attempts: 3 });
    await until(async () => typeof (await queue.getJob(id))?.progress === 'object', 60_000);
    w.child.kill('SIGINT');
    const r = await w.done;
    expect(r.code, r.err).toBe(0);
    expect(r.out).toBe('worker stopped: 0 jobs done, 0 attempts failed, 1 returned to the queue\n');
    const back = (await queue.getJob(id))!;
    expect(await back.getState()).toBe('waiting');
    expect(back.attemptsMade).toBe(0); // returning is not a failed attempt
    await back.remove();
  }, 90_000);
});

describe('ground-truth build --queue', () => {
  it('3 workers build the same rows as the local build; a job that throws is retried, then reported by name; SIGTERM stops workers cleanly', async () => {
    const workers = await Promise.all([worker(), worker(), worker()]);
    const config: GroundTruthConfig = { ...TINY, archs: 6, sampleSeed: 101 };
    const dir = path.join(root, 'same');
    const build = producer(dir, config);
    // The reference: the local build in this process, on the same cpu backend.
    await selectBackend('cpu');
    const localDir = path.join(root, 'local');
    expect(await buildGroundTruth({ dir: localDir, config })).toMatchObject({ jobs: 12, trained: 12, missing: 0 });
    const result = await build.done;
    expect(result.err).toMatch(/12 jobs .*12 enqueued, 0 on the queue already/);
    expect(result.code, result.err).toBe(0);
    // The producer finishes the table itself: the same table.csv as the local build's (but the wall-time column).
    expect(result.out).toMatch(
      /^wrote 12 rows to .*rows-queue\.jsonl; 12\/12 done; finished .*table\.csv: 6 architectures; noise ceiling S-KdT -?\d\.\d{3}\n$/,
    );
    expect(rowLines(dir)).toHaveLength(12);
    finishGroundTruth(localDir, { command: 'local', version: VERSION });
    const csvWithoutSeconds = (d: string): string[][] => {
      const [head, ...rows] = fs
        .readFileSync(path.join(d, 'table.csv'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => l.split(','));
      const drop = head!.indexOf('seconds');
      return [head!, ...rows].map((cells) => cells.filter((_, i) => i !== drop));
    };
    expect(csvWithoutSeconds(dir)).toEqual(csvWithoutSeconds(localDir));
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'table.json'), 'utf8'))).toMatchObject({ rows: 6, backends: ['cpu'], version: VERSION });
    const same = (r: {
      index: number;
      arch: string;
      key: string;
      seed: number;
      testAccuracy: number;
      validAccuracy: number;
      testLoss: number;
      params: number;
    }): unknown[] => [r.key, r.seed, r.index, r.arch, r.testAccuracy, r.validAccuracy, r.testLoss, r.params];
    const byKey = (rows: ReturnType<typeof readGroundTruthRows>): unknown[] =>
      rows.map(same).sort((a, b) => String(a[0]).localeCompare(String(b[0])) || Number(a[1]) - Number(b[1]));
    expect(byKey(readGroundTruthRows(dir))).toEqual(byKey(readGroundTruthRows(localDir)));
    expect(new Set(readGroundTruthRows(dir).map((r) => r.backend))).toEqual(new Set(['cpu']));
    // More than one worker took part.
    const hosts = new Set(
      (await queue.getJobs(['completed']))
        .filter((j) => j.id?.startsWith(`gt.${recipeHashOf(config)}`))
        .map((j) => (j.returnvalue as { worker: { pid: number } }).worker.pid),
    );
    expect(hosts.size).toBeGreaterThan(1);

    // A job that throws: its architecture string is damaged on the queue (as by a bad producer).
    const bad: GroundTruthConfig = { ...TINY, archs: 2, seeds: [0], sampleSeed: 202 };
    const jobs = listGroundTruthJobs(bad);
    const hash = recipeHashOf(bad);
    await queue.add(
      'ground-truth',
      {
        kind: 'ground-truth',
        version: VERSION,
        recipeHash: hash,
        index: 1,
        arch: '|no_such_op~0|',
        key: jobs[1]!.key,
        seed: 0,
        config: bad,
        timeoutSeconds: 60,
      },
      { jobId: jobIdOf(hash, jobs[1]!.key, 0), attempts: 2, backoff: { type: 'fixed', delay: 100 } },
    );
    const failed = await producer(path.join(root, 'bad'), bad, ['--attempts', '2']).done;
    expect(failed.code, failed.err).toBe(2);
    expect(failed.err).toMatch(
      /^lmreg: 1 of 2 jobs failed after 2 attempts: arch 2\/2 seed 0 \(job gt\.[0-9a-f.]+\): .*no_such_op.*run the same command again: it retries the failed jobs\.$/m,
    );
    expect(rowLines(path.join(root, 'bad'))).toHaveLength(1);
    const throwing = (await queue.getJob(jobIdOf(hash, jobs[1]!.key, 0)))!;
    expect(await throwing.getState()).toBe('failed');
    expect(throwing.attemptsMade).toBeGreaterThanOrEqual(2);

    for (const w of workers) w.child.kill('SIGTERM');
    for (const w of workers) {
      const r = await w.done;
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/^worker stopped: \d+ jobs done, \d+ attempts failed, 0 returned to the queue$/m);
    }
  }, 150_000);
});

describe('faults: no row lost, none duplicated', () => {
  it('a worker SIGKILLed mid-job, the producer SIGKILLed and Redis restarted (AOF) mid-build', async () => {
    const config: GroundTruthConfig = { ...TINY, archs: 2, sampleSeed: 303, recipe: { ...TINY.recipe, epochs: 8 } };
    const hash = recipeHashOf(config);
    const dir = path.join(root, 'faults');
    // The worker to kill holds the first job it takes until it is killed (test-only switch of the
    // trainer process), so the kill always lands mid-job; its 5 s lock then expires with it.
    const first = await worker(['--lock-duration', '5000', '--stalled-interval', '1000'], { [TEST_HOLD_JOBS_ENV]: '1' });
    const p1 = producer(dir, config);
    let victim = '';
    await until(async () => {
      const active = (await queue.getActive()).filter((j) => j.id?.startsWith(`gt.${hash}`) && typeof j.progress === 'object');
      victim = active[0]?.id ?? '';
      return victim !== '';
    }, 60_000);
    first.child.kill('SIGKILL');
    p1.child.kill('SIGKILL');
    expect((await first.done).code).toBeNull();
    await p1.done;
    expect(fs.existsSync(path.join(dir, QUEUE_ROWS_FILE))).toBe(false); // no row yet
    // Redis goes down and comes back with its append-only file: the jobs are still there.
    await stopRedis();
    await startRedis();
    expect(await (await queue.getJob(victim))!.getState()).toBe('active'); // still locked by the dead worker, until its lock expires

    const rest = await Promise.all([worker(['--stalled-interval', '1000']), worker(['--stalled-interval', '1000'])]);
    const p2 = await producer(dir, config).done;
    expect(p2.code, p2.err).toBe(0);
    expect(p2.err).toMatch(/4 jobs .*: 0 enqueued, 4 on the queue already/); // nothing enqueued twice
    const lines = rowLines(dir);
    expect(lines).toHaveLength(4);
    expect(new Set(readGroundTruthRows(dir).map((r) => `${r.key}#${r.seed}`)).size).toBe(4);
    const killed = (await queue.getJob(victim))!;
    expect(await killed.getState()).toBe('completed');
    expect(killed.stalledCounter).toBeGreaterThanOrEqual(1); // given back by the stalled check, then trained elsewhere
    expect((killed.returnvalue as { worker: { pid: number } }).worker.pid).not.toBe(first.child.pid);
    const ours = (await queue.getJobs(['completed', 'failed', 'active', 'waiting', 'delayed'])).filter((j) => j.id?.startsWith(`gt.${hash}`));
    expect(ours).toHaveLength(4);
    expect(await Promise.all(ours.map((j) => j.getState()))).toEqual(['completed', 'completed', 'completed', 'completed']);
    for (const w of rest) w.child.kill('SIGTERM');
    for (const w of rest) expect((await w.done).code).toBe(0);
  }, 150_000);
});

describe('lmreg search --queue', () => {
  it('2 workers give the result.json of the local run; a search killed while its jobs wait is resumed without enqueuing them again', async () => {
    // Tiny (smaller subsets), on the cpu backend, with a second round (its top-2 proposals are trained alone)
    // and the search's top-1 trained alone.
    const config = {
      preset: 'tiny',
      backend: 'cpu',
      trainSubset: 256,
      testSubset: 128,
      compareBaseline: false,
      epochs: 1,
      rounds: 2,
      roundLandmarks: 2,
      search: { trainTop: 1 },
    };
    const file = path.join(root, 'search.json');
    fs.writeFileSync(file, JSON.stringify(config));
    const localDir = path.join(root, 'search-local');
    const queuedDir = path.join(root, 'search-queued');
    const local = lmreg(['search', '-c', file, '--out', localDir, '--json']);

    // No worker yet: the search enqueues its 4 landmarks and 6 held-out architectures in one batch, says that no
    // worker is connected, and is killed while its jobs wait.
    const killed = lmreg(['search', '-c', file, '--out', queuedDir, '--queue', url]);
    await until(() => /no lmreg worker is connected/.test(killed.err()) || killed.child.exitCode !== null, 120_000);
    killed.child.kill('SIGKILL');
    const first = await killed.done;
    expect(first.err).toMatch(/: 10 stand-alone trainings \(recipe [0-9a-f]{16}\): 10 enqueued, 0 on the queue already\n/);
    expect(first.err).toContain(`no lmreg worker is connected; the jobs wait until one is: start \`lmreg worker --queue ${url}\``);

    const workers = await Promise.all([worker(), worker()]);
    const resumed = await lmreg(['search', '--out', queuedDir, '--resume', '--queue', url]).done;
    expect(resumed.code, resumed.err).toBe(0);
    expect(resumed.err).toMatch(/: 10 stand-alone trainings \(recipe [0-9a-f]{16}\): 0 enqueued, 10 on the queue already\n/);
    expect(resumed.err).toMatch(/landmark 1\/4: test \d+\.\d\d % in \d+\.\d s on .* \(cpu, 1 thread\)/);
    const reference = await local.done;
    expect(reference.code, reference.err).toBe(0);

    // The same result.json values: landmark and held-out accuracies, round landmarks, proposals, S-KdT, per-epoch records.
    const read = (dir: string, name: string): unknown => JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8'));
    const queuedResult = read(queuedDir, 'result.json') as { backend: string; variants: { skdt: number; rounds: { added: unknown[] }[] }[] };
    expect(withoutSeconds(queuedResult)).toEqual(withoutSeconds(read(localDir, 'result.json')));
    expect(queuedResult.backend).toBe('cpu');
    expect(queuedResult.variants[0]!.rounds[0]!.added).toHaveLength(2);
    expect(withoutSeconds(read(queuedDir, 'standalone.json'))).toEqual(withoutSeconds(read(localDir, 'standalone.json')));

    // Every stand-alone result came from one job of the queue, trained by a worker (both took part).
    const trained = Object.keys(read(queuedDir, 'standalone.json') as Record<string, unknown>);
    expect(trained.length).toBeGreaterThanOrEqual(12); // 10 + the 2 proposals (the top-1 may be one of them)
    const jobs = (await queue.getJobs(['completed', 'failed', 'active', 'waiting', 'delayed'])).filter((j) => j.id?.startsWith('sa.'));
    expect(jobs.map((j) => (j.returnvalue as { result: { key: string } }).result.key).sort()).toEqual([...trained].sort());
    expect(new Set(jobs.map((j) => (j.returnvalue as { worker: { pid: number } }).worker.pid)).size).toBe(2);

    for (const w of workers) w.child.kill('SIGTERM');
    for (const w of workers) expect((await w.done).code).toBe(0);
  }, 600_000);
});
