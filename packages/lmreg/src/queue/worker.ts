import os from 'node:os';

import { parseGroundTruthConfig, seedFor } from '@lmreg/train';
import { WaitingError, Worker, type Job } from 'bullmq';

import { checkRedis, redactUrl, redisOptionsOf } from './connection.js';
import { QueueDataMissingError, QueueJobMismatchError } from './errors.js';
import { QUEUE_NAME, queueJobSchema, recipeHashOf, type GroundTruthJobData, type QueueJobResult, type StandaloneJobData, type WorkerInfo } from './job.js';
import { standaloneJobRecipeSchema } from './standalone-recipe.js';
import { TrainerSlot, TrainingAbortedError, type SlotRequest, type Trained, type TrainerCommand } from './trainer-slot.js';

/** Options of {@link startWorker}. */
export interface StartWorkerOptions {
  /** `redis://host:port` of the queue. */
  readonly url: string;
  /** This worker's lmreg version: jobs of another version are returned to the queue. */
  readonly version: string;
  /** Jobs trained at once, each in its own trainer process (default 1). */
  readonly concurrency?: number;
  /** How to start a trainer process (`lmreg worker --trainer-process ...`). */
  readonly trainer: TrainerCommand;
  /** Read data sets from this folder instead of the job's `dataDir` (data lives elsewhere on this machine). */
  readonly dataDir?: string;
  /** BullMQ lock of a running job, ms (default 30,000): a worker dead this long gives its job back. */
  readonly lockDurationMs?: number;
  /** How often this worker looks for stalled jobs of dead workers, ms (default 30,000). */
  readonly stalledIntervalMs?: number;
  /** How often a job may stall (its worker died) before it fails for good (default 3). */
  readonly maxStalledCount?: number;
  readonly onMessage?: (message: string) => void;
}

/** What a stopped worker did. */
export interface WorkerReport {
  readonly completed: number;
  readonly failed: number;
  /** Jobs given back to the queue (stopped mid-training, or refused as another version's). */
  readonly returned: number;
}

/** A running `lmreg worker`. */
export interface QueueWorker {
  /**
   * Stops taking jobs. `finish`: the running jobs finish first. `return`: their trainings are
   * stopped and the jobs go back to the queue at once (another worker takes them).
   */
  stop(mode: 'finish' | 'return'): Promise<void>;
  /**
   * Settles when the worker has stopped: with its report, or rejected with the
   * {@link QueueJobMismatchError} / {@link QueueDataMissingError} that made it stop.
   */
  readonly done: Promise<WorkerReport>;
}

/**
 * Starts a worker of lmreg's stand-alone training queue (BullMQ on Redis): it trains ground-truth
 * jobs and the stand-alone jobs of searches until stopped, each in a trainer process, reports
 * progress on the job, and stores the table row (or the stand-alone result) as the job's result,
 * with the host, backend and threads it ran on.
 *
 * @throws QueueUnreachableError when no Redis answers at `url`.
 */
export async function startWorker(options: StartWorkerOptions): Promise<QueueWorker> {
  await checkRedis(options.url);
  const say = options.onMessage ?? (() => undefined);
  const concurrency = options.concurrency ?? 1;
  const free = Array.from({ length: concurrency }, () => new TrainerSlot(options.trainer));
  const slots = [...free];
  // Start the trainers now: a backend that cannot load stops the worker before it takes a job.
  try {
    const ready = await Promise.all(slots.map((s) => s.start()));
    say(`trainers ready: ${ready.map((r) => `${r.backend} (${r.threads} thread${r.threads === 1 ? '' : 's'})`).join(', ')}`);
  } catch (error) {
    for (const s of slots) s.close();
    throw error;
  }
  const active = new Map<string, AbortController>();
  const counts = { completed: 0, failed: 0, returned: 0 };
  const host = os.hostname();
  let fatal: Error | undefined;

  const giveBack = async (job: Job, token: string | undefined, reason: Error): Promise<never> => {
    fatal = reason;
    void worker.close();
    await job.moveToWait(token);
    counts.returned++;
    throw new WaitingError();
  };

  /** Trains one job in a free trainer slot; maps a stopped training and missing data to their outcomes. */
  const runInSlot = async (job: Job, token: string | undefined, request: SlotRequest, timeoutSeconds: number): Promise<Trained> => {
    const slot = free.pop();
    if (slot === undefined) throw new Error('no free trainer slot (more jobs than --concurrency): this is a bug in lmreg worker');
    const abort = new AbortController();
    active.set(String(job.id), abort);
    let lastProgress = 0;
    try {
      return await slot.train(request, {
        timeoutMs: timeoutSeconds * 1000,
        signal: abort.signal,
        onProgress: (done, total) => {
          if (done !== total && Date.now() - lastProgress < 1000) return;
          lastProgress = Date.now();
          job.updateProgress({ done, total }).catch(() => undefined);
        },
      });
    } catch (error) {
      if (error instanceof TrainingAbortedError) {
        await job.moveToWait(token);
        counts.returned++;
        say(`${job.id}: stopped and returned to the queue`);
        throw new WaitingError();
      }
      if (error instanceof QueueDataMissingError) {
        fatal = new QueueDataMissingError(
          `this worker (${host}) cannot read the data of job ${job.id}: ${error.message.split('\n')[0]} Install the data set on this machine or start the worker with --data-dir <folder>; the job is retried (on another worker, or here once restarted).`,
        );
        void worker.close();
        throw fatal;
      }
      throw error;
    } finally {
      active.delete(String(job.id));
      free.push(slot);
    }
  };

  const recipeMismatch = (job: Job, token: string | undefined, carried: string, computed: string): Promise<never> =>
    giveBack(
      job,
      token,
      new QueueJobMismatchError(
        `job ${job.id} carries recipe hash ${carried} but this worker computes ${computed} for its recipe: producer and worker disagree on the recipe. Run the same lmreg version (${options.version}) on both and start the worker again; the job went back to the queue.`,
      ),
    );

  const workerInfo = (trained: Trained): WorkerInfo => ({
    host,
    pid: process.pid,
    version: options.version,
    backend: trained.backend,
    threads: trained.threads,
  });
  const ran = (trained: Trained): string => `${trained.backend}, ${trained.threads} thread${trained.threads === 1 ? '' : 's'}`;

  const trainGroundTruth = async (job: Job, token: string | undefined, data: GroundTruthJobData): Promise<QueueJobResult> => {
    const config = parseGroundTruthConfig(data.config, `job ${job.id}`);
    const hash = recipeHashOf(config);
    if (hash !== data.recipeHash) return recipeMismatch(job, token, data.recipeHash, hash);
    const trained = await runInSlot(
      job,
      token,
      {
        job: 'ground-truth',
        recipeHash: hash,
        config: options.dataDir === undefined ? config : { ...config, dataDir: options.dataDir },
        index: data.index,
        arch: data.arch,
        seed: data.seed,
      },
      data.timeoutSeconds,
    );
    if (trained.output.kind !== 'ground-truth') throw new Error(`job ${job.id}: the trainer returned a ${trained.output.kind} result for a ground-truth job`);
    const { row } = trained.output;
    if (row.key !== data.key || row.seed !== data.seed) {
      throw new Error(`job ${job.id} asked for key ${data.key} seed ${data.seed} but trained key ${row.key} seed ${row.seed}: the job's arch and key disagree`);
    }
    say(
      `${job.id}: arch ${data.index + 1} seed ${data.seed} done in ${row.seconds.toFixed(1)} s (test ${(100 * row.testAccuracy).toFixed(2)} %, ${ran(trained)})`,
    );
    return { kind: 'ground-truth', row, worker: workerInfo(trained) };
  };

  const trainStandalone = async (job: Job, token: string | undefined, data: StandaloneJobData): Promise<QueueJobResult> => {
    const parsed = standaloneJobRecipeSchema.safeParse(data.recipe);
    if (!parsed.success) {
      throw new Error(
        `job ${job.id} carries a stand-alone recipe this worker cannot read: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
      );
    }
    const recipe = parsed.data;
    const hash = recipeHashOf(recipe);
    if (hash !== data.recipeHash) return recipeMismatch(job, token, data.recipeHash, hash);
    if (seedFor(recipe.seed, data.key) !== data.seed) {
      throw new Error(`job ${job.id} carries seed ${data.seed}, not the search's seed ${seedFor(recipe.seed, data.key)} of key ${data.key}: a damaged job`);
    }
    const trained = await runInSlot(
      job,
      token,
      { job: 'standalone', recipeHash: hash, recipe: options.dataDir === undefined ? recipe : { ...recipe, dataDir: options.dataDir }, arch: data.arch },
      data.timeoutSeconds,
    );
    if (trained.output.kind !== 'standalone') throw new Error(`job ${job.id}: the trainer returned a ${trained.output.kind} result for a stand-alone job`);
    const { result } = trained.output;
    if (result.key !== data.key || result.seed !== data.seed) {
      throw new Error(
        `job ${job.id} asked for key ${data.key} seed ${data.seed} but trained key ${result.key} seed ${result.seed}: the job's arch and key disagree`,
      );
    }
    say(`${job.id}: ${data.arch} done in ${result.seconds.toFixed(1)} s (test ${(100 * result.accuracy).toFixed(2)} %, ${ran(trained)})`);
    return { kind: 'standalone', result, worker: workerInfo(trained) };
  };

  const processor = async (job: Job, token?: string): Promise<QueueJobResult> => {
    const version = (job.data as { version?: unknown } | null)?.version;
    if (typeof version === 'string' && version !== options.version) {
      return giveBack(
        job,
        token,
        new QueueJobMismatchError(
          `job ${job.id} was enqueued by lmreg ${version} but this worker is lmreg ${options.version}. Install lmreg ${version} here (npm install -g lmreg@${version}) and start the worker again; the job went back to the queue.`,
        ),
      );
    }
    const parsed = queueJobSchema.safeParse(job.data);
    if (!parsed.success) {
      throw new Error(`job ${job.id} is not an lmreg job: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
    }
    if (parsed.data.kind === 'noop') return { kind: 'noop', worker: { host, pid: process.pid, version: options.version } };
    if (parsed.data.kind === 'standalone') return trainStandalone(job, token, parsed.data);
    return trainGroundTruth(job, token, parsed.data);
  };

  const worker = new Worker(QUEUE_NAME, processor, {
    connection: redisOptionsOf(options.url),
    concurrency,
    lockDuration: options.lockDurationMs ?? 30_000,
    stalledInterval: options.stalledIntervalMs ?? 30_000,
    maxStalledCount: options.maxStalledCount ?? 3,
    autorun: false,
  });
  let lastError = '';
  worker.on('error', (error) => {
    if (error.message !== lastError) say(`queue ${redactUrl(options.url)}: ${error.message} (retrying)`);
    lastError = error.message;
  });
  worker.on('completed', () => void counts.completed++);
  worker.on('failed', (job, error) => {
    counts.failed++;
    say(`${job?.id ?? '?'}: attempt ${job?.attemptsMade ?? '?'} failed: ${error.message.split('\n')[0]}`);
  });
  const done = (async (): Promise<WorkerReport> => {
    try {
      await worker.run();
    } finally {
      await worker.close();
      for (const s of slots) s.close();
    }
    if (fatal !== undefined) throw fatal;
    return { ...counts };
  })();
  done.catch(() => undefined);
  return {
    done,
    async stop(mode) {
      if (mode === 'return') for (const a of active.values()) a.abort();
      await worker.close();
    },
  };
}
