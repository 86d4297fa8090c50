import fs from 'node:fs';
import path from 'node:path';

import {
  appendGroundTruthRow,
  finishGroundTruth,
  listGroundTruthJobs,
  readGroundTruthRows,
  RunDir,
  type GroundTruthConfig,
  type GroundTruthJob,
  type GroundTruthMeta,
} from '@lmreg/train';
import { getSpace } from '@lmreg/spaces';
import { Queue } from 'bullmq';

import { collectResults, describeArrival, describeEnqueued, describeFailures, enqueueMissing, type JobSpec } from './collect.js';
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
  /** The build command recorded in `table.json` when this call finishes the table (default `lmreg ground-truth build --out <dir> --queue <url>`). */
  readonly command?: string;
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
  /**
   * The finished table (`table.csv` and `table.json` written, as `lmreg ground-truth finish` does)
   * when this call completed it; undefined when it was finished already and nothing was added.
   */
  readonly table: GroundTruthMeta | undefined;
}

function labelOf(job: GroundTruthJob, archs: number): string {
  return `arch ${job.index + 1}/${archs} seed ${job.seed}`;
}

/**
 * Builds (or continues) a ground-truth table in `dir` on the queue: enqueues every job whose row is
 * missing (job id = (recipe hash, key, seed), so a job is never on the queue twice), waits for the
 * workers, appends each result to `rows-queue.jsonl` as it arrives, and finishes the table
 * (`table.csv`, `table.json`) once every row is there. A producer killed and restarted picks up the
 * results stored on the queue; jobs that failed for good are retried once more by a new call. Pins
 * the config like the local build (`config.json`).
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
  let written = 0;
  let report: Omit<QueuedBuildReport, 'table'>;
  try {
    const space = getSpace(config.space);
    const hash = recipeHashOf(config);
    const jobs = listGroundTruthJobs(config);
    const have = new Set(readGroundTruthRows(dir).map((r) => `${r.key}#${r.seed}`));
    const before = have.size;
    const specs: JobSpec<GroundTruthJobData>[] = jobs
      .filter((job) => !have.has(`${job.key}#${job.seed}`))
      .map((job) => ({
        id: jobIdOf(hash, job.key, job.seed),
        label: labelOf(job, config.archs),
        data: {
          kind: 'ground-truth',
          version: options.version,
          recipeHash: hash,
          index: job.index,
          arch: space.format(job.arch as never),
          key: job.key,
          seed: job.seed,
          config: config as unknown as Record<string, unknown>,
          timeoutSeconds: options.timeoutSeconds ?? 3600,
        },
      }));
    const add = { name: 'ground-truth', attempts, backoffMs: options.backoffMs ?? 10_000 };
    // Jobs already on the queue (a restarted producer, another folder with this recipe) are not added again.
    const enqueued = await enqueueMissing(queue, specs, add);
    say(
      `queue ${redactUrl(options.url)}: ${jobs.length} jobs (recipe ${hash}), ${before} rows in ${dir}, ${specs.length} to collect: ${describeEnqueued(enqueued)}`,
    );
    const rowsFile = path.join(dir, QUEUE_ROWS_FILE);
    const failures = await collectResults<GroundTruthJobData, GroundTruthJobResult>(queue, specs, {
      ...add,
      pollMs: options.pollMs ?? 1000,
      url: options.url,
      total: jobs.length,
      onProgress: options.onProgress,
      say,
      accept: (spec, result) => {
        const { row, worker: w } = result;
        if (row.key !== spec.data.key || row.seed !== spec.data.seed) {
          return `its stored result is not the row of key ${spec.data.key} seed ${spec.data.seed}`;
        }
        if (!have.has(`${row.key}#${row.seed}`)) {
          appendGroundTruthRow(rowsFile, { ...row, index: spec.data.index });
          have.add(`${row.key}#${row.seed}`);
          written++;
        }
        say(describeArrival(spec.label, row.testAccuracy, row.seconds, w));
        return undefined;
      },
    });
    if (failures.length > 0) {
      throw new QueueJobsFailedError(
        `${describeFailures(failures, jobs.length, attempts)} The other rows are in ${dir}. Fix the cause (see the error) and run the same command again: it retries the failed jobs.`,
        failures,
      );
    }
    report = { jobs: jobs.length, before, enqueued: enqueued.enqueued, written, missing: jobs.length - have.size };
  } finally {
    await queue.close();
    runDir.close();
  }
  // Every row is there: finish the table (unless it was finished already and nothing was added).
  const finished = report.missing === 0 && (written > 0 || !fs.existsSync(path.join(dir, 'table.csv')));
  const table = finished
    ? finishGroundTruth(dir, {
        command: options.command ?? `lmreg ground-truth build --out ${dir} --queue ${redactUrl(options.url)}`,
        version: options.version,
      })
    : undefined;
  return { ...report, table };
}
