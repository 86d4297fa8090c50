import type { Queue } from 'bullmq';

import { redactUrl } from './connection.js';
import type { WorkerInfo } from './job.js';
import type { QueueProgress } from './progress-line.js';

/** One job a producer wants done: its id (recipe hash, key, seed), a label for messages, its data. */
export interface JobSpec<D> {
  readonly id: string;
  readonly label: string;
  readonly data: D;
}

/** What {@link enqueueMissing} did. */
export interface EnqueueReport {
  /** Jobs put on the queue now. */
  readonly enqueued: number;
  /** Jobs found on the queue already (running, waiting, done, or failed and retried). */
  readonly already: number;
  /** Of those, jobs that had failed for good and were retried. */
  readonly retried: number;
}

/** How the jobs of a producer are added. */
export interface AddOptions {
  /** BullMQ job name (the job's kind). */
  readonly name: string;
  /** Attempts per job before it fails for good. */
  readonly attempts: number;
  /** First retry delay, ms; doubles with every attempt. */
  readonly backoffMs: number;
}

/** A job that failed after all its attempts. */
export interface JobFailure {
  readonly jobId: string;
  readonly label: string;
  readonly error: string;
}

function jobOptions(id: string, options: AddOptions): Record<string, unknown> {
  return {
    jobId: id,
    attempts: options.attempts,
    backoff: { type: 'exponential', delay: options.backoffMs },
    removeOnComplete: false,
    removeOnFail: false,
  };
}

async function statesOf(queue: Queue, ids: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (let i = 0; i < ids.length; i += 200) {
    const batch = ids.slice(i, i + 200);
    const states = await Promise.all(batch.map((id) => queue.getJobState(id)));
    batch.forEach((id, k) => out.set(id, states[k] ?? 'unknown'));
  }
  return out;
}

/**
 * Puts every job of `specs` that is not on the queue yet on it, in one `addBulk` (so that all the
 * workers can start at once); a job id already there (another producer, or this one before it was
 * killed) is not added twice, and a job that failed for good is retried once more.
 */
export async function enqueueMissing<D>(queue: Queue, specs: readonly JobSpec<D>[], options: AddOptions): Promise<EnqueueReport> {
  const states = await statesOf(
    queue,
    specs.map((s) => s.id),
  );
  const toAdd = specs.filter((s) => states.get(s.id) === 'unknown');
  let retried = 0;
  for (const spec of specs) {
    if (states.get(spec.id) !== 'failed') continue;
    await (await queue.getJob(spec.id))?.retry('failed');
    retried++;
  }
  await queue.addBulk(toAdd.map((s) => ({ name: options.name, data: s.data, opts: jobOptions(s.id, options) })));
  return { enqueued: toAdd.length, already: specs.length - toAdd.length, retried };
}

/** Options of {@link collectResults}. */
export interface CollectOptions<D, R> extends AddOptions {
  /** How often to look at the jobs, ms. */
  readonly pollMs: number;
  /** Jobs of the whole task, for progress (`specs` are the ones still missing). */
  readonly total: number;
  /**
   * Takes a job's stored result (keeps it); returns an error text when it does not belong to the
   * job (the job then counts as failed).
   */
  readonly accept: (spec: JobSpec<D>, result: R) => string | undefined;
  readonly onProgress?: ((p: QueueProgress) => void) | undefined;
  readonly say: (message: string) => void;
  /** The queue's Redis URL, for the notice said when jobs wait and no worker is connected. */
  readonly url: string;
}

/**
 * Waits until every job of `specs` is done or has failed for good, handing each result to
 * `accept` as it arrives (once per job). A job removed from the queue meanwhile is added again.
 * The state of a job is read before the job itself, so a finished job's result and error are
 * always there to read.
 *
 * @returns the jobs that failed after all their attempts (their results stay missing).
 */
export async function collectResults<D, R>(queue: Queue, specs: readonly JobSpec<D>[], options: CollectOptions<D, R>): Promise<JobFailure[]> {
  const pending = new Map(specs.map((s) => [s.id, s]));
  const failures = new Map<string, JobFailure>();
  const before = options.total - specs.length;
  const started = Date.now();
  let workersCheckedAt = 0;
  let noWorkerSaid = false;
  for (;;) {
    let running = 0;
    const states = await statesOf(
      queue,
      [...pending.keys()].filter((id) => !failures.has(id)),
    );
    for (const [id, state] of states) {
      const spec = pending.get(id)!;
      if (state === 'unknown') {
        // Removed from the queue by someone (e.g. `obliterate`): put it back.
        await queue.add(options.name, spec.data, jobOptions(id, options));
      } else if (state === 'completed') {
        const job = await queue.getJob(id);
        const result = job?.returnvalue as R | null | undefined;
        if (result === null || result === undefined) continue; // retried meanwhile: looked at again next time
        const error = options.accept(spec, result);
        if (error !== undefined) failures.set(id, { jobId: id, label: spec.label, error });
        else pending.delete(id);
      } else if (state === 'failed') {
        const job = await queue.getJob(id);
        const error = job?.failedReason || 'no error recorded';
        failures.set(id, { jobId: id, label: spec.label, error });
        const attempts = job?.attemptsMade ?? options.attempts;
        options.say(`${spec.label}: FAILED after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${error}`);
      } else if (state === 'active') running++;
    }
    const done = options.total - pending.size;
    const doneNow = done - before;
    const elapsed = (Date.now() - started) / 1000;
    const remaining = pending.size - failures.size;
    options.onProgress?.({
      total: options.total,
      done,
      running,
      waiting: remaining - running,
      failed: failures.size,
      etaSeconds: doneNow > 0 ? (elapsed / doneNow) * remaining : undefined,
    });
    if (remaining === 0) break;
    // Jobs wait and none runs: say so when no worker is connected at all (once, until one is).
    if (running === 0 && Date.now() - workersCheckedAt >= 30_000) {
      workersCheckedAt = Date.now();
      const workers = await queue.getWorkersCount().catch(() => undefined); // CLIENT LIST may be disabled
      if (workers === 0 && !noWorkerSaid) options.say(noWorkerNotice(options.url));
      noWorkerSaid = workers === 0;
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollMs));
  }
  return [...failures.values()];
}

/** The one-line summary of failed jobs that a producer's {@link QueueJobsFailedError} starts with. */
export function describeFailures(failures: readonly JobFailure[], total: number, attempts: number): string {
  return `${failures.length} of ${total} jobs failed after ${attempts} attempts: ${failures
    .slice(0, 5)
    .map((f) => `${f.label} (job ${f.jobId}): ${f.error.split('\n')[0]}`)
    .join('; ')}${failures.length > 5 ? '; ...' : ''}.`;
}

function noWorkerNotice(url: string): string {
  const shown = redactUrl(url);
  return `queue ${shown}: no lmreg worker is connected; the jobs wait until one is: start \`lmreg worker --queue ${shown}\` on each machine that should train.`;
}

/** "3 enqueued, 7 on the queue already (1 failed one retried)": a producer's {@link EnqueueReport} in words. */
export function describeEnqueued(report: EnqueueReport): string {
  const retried = report.retried > 0 ? ` (${report.retried} failed one${report.retried === 1 ? '' : 's'} retried)` : '';
  return `${report.enqueued} enqueued, ${report.already} on the queue already${retried}`;
}

/** "<label>: test 91.20 % in 12.3 s on host (native, 2 threads)": one arrived result in words. */
export function describeArrival(label: string, accuracy: number, seconds: number, worker: WorkerInfo): string {
  return `${label}: test ${(100 * accuracy).toFixed(2)} % in ${seconds.toFixed(1)} s on ${worker.host} (${worker.backend}, ${worker.threads} thread${worker.threads === 1 ? '' : 's'})`;
}
