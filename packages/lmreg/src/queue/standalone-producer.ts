import { seedFor, type StandaloneResult } from '@lmreg/train';
import { Queue } from 'bullmq';

import { collectResults, describeArrival, describeEnqueued, describeFailures, enqueueMissing, type JobSpec } from './collect.js';
import { checkRedis, redactUrl, redisOptionsOf } from './connection.js';
import { QueueJobsFailedError } from './errors.js';
import { QUEUE_NAME, recipeHashOf, standaloneJobIdOf, type StandaloneJobData, type StandaloneJobResult, type WorkerInfo } from './job.js';
import type { QueueProgress } from './progress-line.js';
import type { StandaloneJobRecipe } from './standalone-recipe.js';

/** How a search uses the queue (`lmreg search --queue URL`). */
export interface StandaloneQueueOptions {
  /** `redis://host:port` of the queue. */
  readonly url: string;
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
}

/** Options of {@link trainStandaloneOnQueue}. */
export interface QueuedStandaloneOptions extends StandaloneQueueOptions {
  readonly recipe: StandaloneJobRecipe;
  /** Architectures to train alone (`space.format` strings, distinct by key), with labels for messages. */
  readonly archs: readonly { readonly arch: string; readonly key: string; readonly label: string }[];
  /** Each result, once, as it arrives: store it (a resumed search then does not ask for it again). */
  readonly onResult: (result: StandaloneResult, worker: WorkerInfo) => void;
  readonly onProgress?: (p: QueueProgress) => void;
  readonly onMessage?: (m: string) => void;
}

/** What one {@link trainStandaloneOnQueue} call did. */
export interface QueuedStandaloneReport {
  /** Jobs this call put on the queue. */
  readonly enqueued: number;
  /** Jobs that were on the queue already (a search resumed after it was killed, or another run of the same recipe). */
  readonly already: number;
}

/**
 * Trains a batch of a search's architectures alone on `lmreg worker`s: enqueues all of them at once
 * (job id = (recipe hash, key, seed), so a job is never on the queue twice and a resumed search
 * collects the results of the jobs it enqueued before), waits for them, and hands each result to
 * `onResult` as it arrives. The results are those the search's own process would compute (same
 * data, recipe and seed; bit for bit on the same backend).
 *
 * @throws QueueUnreachableError when no Redis answers at `url`.
 * @throws QueueJobsFailedError after every other job is done, naming the jobs that failed after all
 *   their attempts and their errors.
 */
export async function trainStandaloneOnQueue(options: QueuedStandaloneOptions): Promise<QueuedStandaloneReport> {
  const say = options.onMessage ?? (() => undefined);
  const attempts = options.attempts ?? 3;
  await checkRedis(options.url);
  const queue = new Queue<StandaloneJobData, StandaloneJobResult>(QUEUE_NAME, { connection: redisOptionsOf(options.url) });
  let lastError = '';
  queue.on('error', (error) => {
    if (error.message !== lastError) say(`queue ${redactUrl(options.url)}: ${error.message} (retrying)`);
    lastError = error.message;
  });
  try {
    const hash = recipeHashOf(options.recipe);
    const specs: JobSpec<StandaloneJobData>[] = options.archs.map((a) => {
      const seed = seedFor(options.recipe.seed, a.key);
      return {
        id: standaloneJobIdOf(hash, a.key, seed),
        label: a.label,
        data: {
          kind: 'standalone',
          version: options.version,
          recipeHash: hash,
          arch: a.arch,
          key: a.key,
          seed,
          recipe: options.recipe as unknown as Record<string, unknown>,
          timeoutSeconds: options.timeoutSeconds ?? 3600,
        },
      };
    });
    const add = { name: 'standalone', attempts, backoffMs: options.backoffMs ?? 10_000 };
    const enqueued = await enqueueMissing(queue, specs, add);
    say(`queue ${redactUrl(options.url)}: ${specs.length} stand-alone trainings (recipe ${hash}): ${describeEnqueued(enqueued)}`);
    const failures = await collectResults<StandaloneJobData, StandaloneJobResult>(queue, specs, {
      ...add,
      pollMs: options.pollMs ?? 1000,
      url: options.url,
      total: specs.length,
      onProgress: options.onProgress,
      say,
      accept: (spec, stored) => {
        const { result, worker: w } = stored;
        if (result.key !== spec.data.key || result.seed !== spec.data.seed) {
          return `its stored result is not that of key ${spec.data.key} seed ${spec.data.seed}`;
        }
        options.onResult(result, w);
        say(describeArrival(spec.label, result.accuracy, result.seconds, w));
        return undefined;
      },
    });
    if (failures.length > 0) {
      throw new QueueJobsFailedError(
        `${describeFailures(failures, specs.length, attempts)} The results that arrived are kept in the run's standalone.json. Fix the cause (see the error) and continue the search with --resume: it retries the failed jobs.`,
        failures,
      );
    }
    return { enqueued: enqueued.enqueued, already: enqueued.already };
  } finally {
    await queue.close();
  }
}
