// Load test of lmreg's training queue (BullMQ on Redis) on loopback: 2,000 jobs through 8
// `lmreg worker` processes. The jobs are STUBS: kind 'noop', "load-test job: trains nothing,
// returns at once". They measure the queue's own overhead (enqueue, hand-out, lock, result), not
// training. Prints one JSON line: jobs/s and latency percentiles in ms
//   wait:    enqueued -> taken by a worker (all 2,000 are enqueued at once, so this includes the backlog)
//   service: taken -> result stored
//   total:   enqueued -> result stored
// Needs Debian's redis-server (/usr/bin/redis-server, or $REDIS_SERVER) and a built lmreg
// (npx turbo run build --filter=lmreg...). QUEUE_LOAD_JOBS / QUEUE_LOAD_WORKERS change the sizes.
//   node bench/queue-load.mjs
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { Queue } from 'bullmq';

const JOBS = Number(process.env.QUEUE_LOAD_JOBS ?? 2000);
const WORKERS = Number(process.env.QUEUE_LOAD_WORKERS ?? 8);
const NOOP_NOTE = 'load-test job: trains nothing, returns at once'; // = NOOP_NOTE of packages/lmreg/src/queue/job.ts
const here = path.dirname(fileURLToPath(import.meta.url));
const cli = path.join(here, '..', 'packages', 'lmreg', 'dist', 'cli.js');
const version = JSON.parse(fs.readFileSync(path.join(here, '..', 'packages', 'lmreg', 'package.json'), 'utf8')).version;

const port = await new Promise((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => {
    const p = s.address().port;
    s.close(() => resolve(p));
  });
});
const url = `redis://127.0.0.1:${port}`;
const redis = spawn(process.env.REDIS_SERVER ?? '/usr/bin/redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
  stdio: 'ignore',
});
const children = [redis];
const cleanup = () => children.forEach((c) => c.kill('SIGKILL'));
process.on('exit', cleanup);

const queue = new Queue('lmreg-standalone', { connection: { host: '127.0.0.1', port, maxRetriesPerRequest: null } });
await queue.waitUntilReady();

// Start the workers and wait until each one takes jobs.
await Promise.all(
  Array.from(
    { length: WORKERS },
    () =>
      new Promise((resolve, reject) => {
        const w = spawn(process.execPath, [cli, 'worker', '--queue', url, '--backend', 'cpu', '-q'], { stdio: ['ignore', 'ignore', 'pipe'] });
        children.push(w);
        let err = '';
        w.stderr.on('data', (d) => {
          err += d.toString();
          if (err.includes('taking jobs from')) resolve();
        });
        w.once('exit', (code) => reject(new Error(`worker exited (${code}): ${err}`)));
      }),
  ),
);

const started = Date.now();
await queue.addBulk(
  Array.from({ length: JOBS }, (_, i) => ({
    name: 'noop',
    data: { kind: 'noop', version, note: NOOP_NOTE },
    opts: { jobId: `load.${i}`, removeOnComplete: false },
  })),
);
const enqueuedMs = Date.now() - started;
for (;;) {
  const c = await queue.getJobCounts('completed', 'failed');
  if (c.completed + c.failed >= JOBS) break;
  await new Promise((r) => setTimeout(r, 50));
}
const jobs = await queue.getJobs(['completed'], 0, JOBS);
const failed = (await queue.getJobCounts('failed')).failed;
const pct = (values, p) => {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const summary = (values) => ({ p50: pct(values, 50), p90: pct(values, 90), p99: pct(values, 99), max: Math.max(...values) });
const first = Math.min(...jobs.map((j) => j.timestamp));
const last = Math.max(...jobs.map((j) => j.finishedOn));
const byWorker = new Map();
for (const j of jobs) byWorker.set(j.returnvalue.worker.pid, (byWorker.get(j.returnvalue.worker.pid) ?? 0) + 1);
console.log(
  JSON.stringify({
    bench: 'queue-load',
    stub: 'noop jobs: train nothing (queue overhead only)',
    jobs: JOBS,
    completed: jobs.length,
    failed,
    workers: WORKERS,
    jobsPerSecond: Math.round((jobs.length / ((last - first) / 1000)) * 10) / 10,
    enqueueMs: enqueuedMs,
    waitMs: summary(jobs.map((j) => j.processedOn - j.timestamp)),
    serviceMs: summary(jobs.map((j) => j.finishedOn - j.processedOn)),
    totalMs: summary(jobs.map((j) => j.finishedOn - j.timestamp)),
    jobsPerWorker: { min: Math.min(...byWorker.values()), max: Math.max(...byWorker.values()) },
    node: process.version,
    cpus: os.cpus().length,
    loadavg1: Math.round(os.loadavg()[0] * 100) / 100,
  }),
);
await queue.close();
cleanup();
process.exit(0);
