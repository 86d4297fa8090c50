import fs from 'node:fs';
import path from 'node:path';

import { appendGroundTruthRow, listGroundTruthJobs, readGroundTruthRows, RunDir, type GroundTruthConfig, type GroundTruthJob } from '@lmreg/train';
import { getSpace } from '@lmreg/spaces';
import { Queue, type Job } from 'bullmq';

import { checkRedis, redactUrl, redisOptionsOf } from './connection.js';
import { QueueJobsFailedError } from './errors.js';
import { jobIdOf, QUEUE_NAME, recipeHashOf, type GroundTruthJobData, type GroundTruthJobResult } from './job.js';
import type { QueueProgress } from './progress-line.js';

/** The rows file a queued build writes (the producer is its only writer). */
export const QUEUE_ROWS_FILE = 'rows-queue.jsonl';

/** Options of {@link buildGroundTruthOnQueue}. */
export interface QueuedBuildOptions {
  readonly url: string;
  readonly dir: string;
  readonly config: GroundTruthConfig;
  /** lmreg version of the producer, stamped on every job (workers of another version refuse it). */
  readonly version: string;
  /** Attempts per job before it fails for good (default 3). */
  readonly attempts?: number;
  /** First retry delay, ms; doubles with every attempt (default 10,000). */
  readonly backoffMs?: number;
  /** Per-job timeout, seconds (default 3,600). */
  readonly timeoutSeconds?: number;
  /** How often the producer looks at its jobs, ms (default 1,000). */
  readonly pollMs?: number;
  readonly onProgress?: (p: QueueProgress) => void;
  readonly onMessage?: (m: string) => void;
}

/** What one {@link buildGroundTruthOnQueue} call did. */
export interface QueuedBuildReport {
  /** Jobs of the whole table. */
  readonly jobs: number;
  /** Rows in the folder before this call. */
  readonly before: number;
  /** Jobs this call put on the queue (others were on it already, or had stored results). */
  readonly enqueued: number;
  /** Rows this call wrote into the folder. */
  readonly written: number;
  /** Jobs still missing from the folder (0 when the table is complete). */
  readonly missing: number;
}

interface Pending {
  readonly job: GroundTruthJob;
  readonly label: string;
}

function labelOf(job: GroundTruthJob, archs: number): string {
  return `arch ${job.index + 1}/${archs} seed ${job.seed}`;
}

/**
 * Builds (or continues) a ground-truth table in `dir` on the queue: enqueues every job whose row is
 * missing (job id = (recipe hash, key, seed), so a job is never on the queue twice), waits for the
 * workers, and appends each result to `rows-queue.jsonl` as it arrives. A producer killed and
 * restarted picks up the results stored on the queue; jobs that failed for good are retried once
 * more by a new call. Pins the config like the local build (`config.json`).
 *
 * @throws QueueUnreachableError when no Redis answers at `url`.
 * @throws QueueJobsFailedError after every other job is done, naming the jobs that failed after
 *   all their attempts and their errors (their rows stay missing).
 */
export async function buildGroundTruthOnQueue(options: QueuedBuildOptions): Promise<QueuedBuildReport> {
  const { config, dir } = options;
  const say = options.onMessage ?? (() => undefined);
  const attempts = options.attempts ?? 3;
  await checkRedis(options.url);
  const runDir = RunDir.open(dir, config, { resume: fs.existsSync(path.join(dir, 'config.json')), lock: true });
  const queue = new Queue<GroundTruthJobData, GroundTruthJobResult>(QUEUE_NAME, { connection: redisOptionsOf(options.url) });
  let lastError = '';
  queue.on('error', (error) => {
    if (error.message !== lastError) say(`queue ${redactUrl(options.url)}: ${error.message} (retrying)`);
    lastError = error.message;
  });
  try {
    getSpace(config.space);
    const hash = recipeHashOf(config);
    const jobs = listGroundTruthJobs(config);
    const have = new Set(readGroundTruthRows(dir).map((r) => `${r.key}#${r.seed}`));
    const before = have.size;
    const pending = new Map<string, Pending>();
    for (const job of jobs) {
      if (!have.has(`${job.key}#${job.seed}`)) pending.set(jobIdOf(hash, job.key, job.seed), { job, label: labelOf(job, config.archs) });
    }
    const space = getSpace(config.space);
    const dataOf = (job: GroundTruthJob): GroundTruthJobData => ({
      kind: 'ground-truth',
      version: options.version,
      recipeHash: hash,
      index: job.index,
      arch: space.format(job.arch as never),
      key: job.key,
      seed: job.seed,
      config: config as unknown as Record<string, unknown>,
      timeoutSeconds: options.timeoutSeconds ?? 3600,
    });
    // Jobs already on the queue (a restarted producer, another folder with this recipe) are not added again.
    const found = await lookUp(queue, [...pending.keys()]);
    const toAdd: string[] = [];
    let retried = 0;
    for (const [id, job] of found) {
      if (job === undefined) toAdd.push(id);
      else if (await job.isFailed()) {
        await job.retry('failed');
        retried++;
      }
    }
    await queue.addBulk(
      toAdd.map((id) => ({
        name: 'ground-truth',
        data: dataOf(pending.get(id)!.job),
        opts: { jobId: id, attempts, backoff: { type: 'exponential', delay: options.backoffMs ?? 10_000 }, removeOnComplete: false, removeOnFail: false },
      })),
    );
    say(
      `queue ${redactUrl(options.url)}: ${jobs.length} jobs (recipe ${hash}), ${before} rows in ${dir}, ${pending.size} to collect: ${toAdd.length} enqueued, ${pending.size - toAdd.length} on the queue already${retried > 0 ? ` (${retried} failed ones retried)` : ''}`,
    );

    const rowsFile = path.join(dir, QUEUE_ROWS_FILE);
    const failures = new Map<string, { label: string; error: string }>();
    const started = Date.now();
    let written = 0;
    for (;;) {
      let running = 0;
      const states = await lookUp(
        queue,
        [...pending.keys()].filter((id) => !failures.has(id)),
      );
      for (const [id, job] of states) {
        const p = pending.get(id)!;
        if (job === undefined) {
          // Removed from the queue by someone (e.g. `obliterate`): put it back.
          await queue.add('ground-truth', dataOf(p.job), { jobId: id, attempts, backoff: { type: 'exponential', delay: options.backoffMs ?? 10_000 } });
          continue;
        }
        const state = await job.getState();
        if (state === 'completed') {
          const row = (job.returnvalue as GroundTruthJobResult | null)?.row;
          // Completed between reading the job and its state: its result comes with the next look.
          if (row === undefined) continue;
          if (row.key !== p.job.key || row.seed !== p.job.seed) {
            failures.set(id, { label: p.label, error: `its stored result is not the row of key ${p.job.key} seed ${p.job.seed}` });
            continue;
          }
          if (!have.has(`${row.key}#${row.seed}`)) {
            appendGroundTruthRow(rowsFile, { ...row, index: p.job.index });
            have.add(`${row.key}#${row.seed}`);
            written++;
          }
          const w = (job.returnvalue as GroundTruthJobResult).worker;
          say(
            `${p.label}: test ${(100 * row.testAccuracy).toFixed(2)} % in ${row.seconds.toFixed(1)} s on ${w.host} (${w.backend}, ${w.threads} thread${w.threads === 1 ? '' : 's'})`,
          );
          pending.delete(id);
        } else if (state === 'failed') {
          failures.set(id, { label: p.label, error: job.failedReason || 'no error recorded' });
          say(`${p.label}: FAILED after ${job.attemptsMade} attempt${job.attemptsMade === 1 ? '' : 's'}: ${job.failedReason}`);
        } else if (state === 'active') running++;
      }
      const done = jobs.length - pending.size;
      const doneNow = done - before;
      const elapsed = (Date.now() - started) / 1000;
      const remaining = pending.size - failures.size;
      options.onProgress?.({
        total: jobs.length,
        done,
        running,
        waiting: remaining - running,
        failed: failures.size,
        etaSeconds: doneNow > 0 ? (elapsed / doneNow) * remaining : undefined,
      });
      if (remaining === 0) break;
      await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 1000));
    }
    if (failures.size > 0) {
      const list = [...failures].map(([jobId, f]) => ({ jobId, ...f }));
      throw new QueueJobsFailedError(
        `${list.length} of ${jobs.length} jobs failed after ${attempts} attempts: ${list
          .slice(0, 5)
          .map((f) => `${f.label} (job ${f.jobId}): ${f.error.split('\n')[0]}`)
          .join('; ')}${list.length > 5 ? '; ...' : ''}. ` +
          `The other rows are in ${dir}. Fix the cause (see the error) and run the same command again: it retries the failed jobs.`,
        list,
      );
    }
    return { jobs: jobs.length, before, enqueued: toAdd.length, written, missing: pending.size };
  } finally {
    await queue.close();
    runDir.close();
  }
}

async function lookUp(
  queue: Queue<GroundTruthJobData, GroundTruthJobResult>,
  ids: readonly string[],
): Promise<Map<string, Job<GroundTruthJobData, GroundTruthJobResult> | undefined>> {
  const out = new Map<string, Job<GroundTruthJobData, GroundTruthJobResult> | undefined>();
  for (let i = 0; i < ids.length; i += 200) {
    const batch = ids.slice(i, i + 200);
    const jobs = await Promise.all(batch.map((id) => queue.getJob(id)));
    batch.forEach((id, k) => out.set(id, jobs[k]));
  }
  return out;
}
