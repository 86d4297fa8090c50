import { LmregError } from '@lmreg/common';

/** No Redis answers at the queue URL (`--queue`). */
export class QueueUnreachableError extends LmregError {
  /** The URL that was tried, without its password. */
  readonly url: string;

  constructor(url: string, reason: string, options?: { cause?: unknown }) {
    super(
      'LMREG_QUEUE_UNREACHABLE',
      `no Redis answers at ${url} (${reason}). Start one there (e.g. \`redis-server --port ${portOf(url)}\`; Debian: apt install redis-server) or pass --queue with the host and port of a running Redis.`,
      options,
    );
    this.url = url;
  }
}

function portOf(url: string): string {
  try {
    return new URL(url).port || '6379';
  } catch {
    return '6379';
  }
}

/**
 * A queued job was made by another lmreg version or with another recipe hash than this worker
 * computes for it: training it here could give a row that does not belong in the producer's table.
 * The job is returned to the queue untouched.
 */
export class QueueJobMismatchError extends LmregError {
  constructor(message: string) {
    super('LMREG_QUEUE_MISMATCH', message);
  }
}

/** The data set of a job is not on this worker's machine. The job's attempt fails and is retried. */
export class QueueDataMissingError extends LmregError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('LMREG_QUEUE_DATA_MISSING', message, options);
  }
}

/** A job ran longer than its per-job timeout; its trainer process was stopped. The job is retried. */
export class QueueJobTimeoutError extends LmregError {
  constructor(message: string) {
    super('LMREG_QUEUE_JOB_TIMEOUT', message);
  }
}

/** Some jobs of a queued build failed after all their attempts; the message lists them with their errors. */
export class QueueJobsFailedError extends LmregError {
  /** `jobId: error` of every failed job. */
  readonly failures: readonly { readonly jobId: string; readonly label: string; readonly error: string }[];

  constructor(message: string, failures: readonly { readonly jobId: string; readonly label: string; readonly error: string }[]) {
    super('LMREG_QUEUE_JOBS_FAILED', message);
    this.failures = failures;
  }
}

/** A worker's trainer process could not start (e.g. the requested backend is not installed). */
export class QueueTrainerError extends LmregError {
  constructor(message: string) {
    super('LMREG_QUEUE_TRAINER', message);
  }
}
