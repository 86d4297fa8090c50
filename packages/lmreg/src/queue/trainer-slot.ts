import { fork, type ChildProcess } from 'node:child_process';

import { QueueDataMissingError, QueueJobTimeoutError, QueueTrainerError } from './errors.js';
import type { TrainerMessage, TrainerOutput, TrainRequest } from './trainer-protocol.js';

/** How to start a trainer process: `node <script> <args...>` with an IPC channel. */
export interface TrainerCommand {
  readonly script: string;
  readonly args: readonly string[];
}

/** What a trainer slot gives back for one job. */
export interface Trained {
  readonly output: TrainerOutput;
  readonly backend: string;
  readonly threads: number;
}

/** `Omit` applied to each member of a union. */
type OmitEach<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** A {@link TrainRequest} without the fields the slot fills in. */
export type SlotRequest = OmitEach<TrainRequest, 'type' | 'id'>;

/** A training that was stopped on purpose (worker stopping, job returned): not the job's fault. */
export class TrainingAbortedError extends Error {
  constructor() {
    super('training stopped: the worker is returning the job to the queue');
  }
}

/**
 * One concurrency slot of `lmreg worker`: a trainer process (started on first use, restarted
 * after a crash, a timeout or an abort) that trains one job at a time. Training runs outside the
 * worker's own process so the worker keeps renewing its job locks (BullMQ's stalled check) and
 * can stop a job that overruns its timeout.
 */
export class TrainerSlot {
  private child: ChildProcess | undefined;
  private ready: Promise<{ backend: string; threads: number }> | undefined;
  private nextId = 1;

  constructor(private readonly command: TrainerCommand) {}

  /** Starts the trainer process now (else on the first job); resolves with its backend and threads. */
  start(): Promise<{ backend: string; threads: number }> {
    if (this.ready !== undefined) return this.ready;
    const child = fork(this.command.script, [...this.command.args], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    this.child = child;
    this.ready = new Promise((resolve, reject) => {
      const onMessage = (m: TrainerMessage): void => {
        if (m.type === 'ready') resolve({ backend: m.backend, threads: m.threads });
        else if (m.type === 'fatal') reject(new QueueTrainerError(`the trainer process of this worker could not start: ${m.message}`));
        else return;
        child.off('message', onMessage);
      };
      child.on('message', onMessage);
      child.once('exit', (code, signal) =>
        reject(
          new QueueTrainerError(
            `the trainer process of this worker exited before it was ready (${signal ?? `exit code ${code}`}); run the worker with the same --backend in the foreground to see why.`,
          ),
        ),
      );
    });
    child.once('exit', () => {
      if (this.child === child) {
        this.child = undefined;
        this.ready = undefined;
      }
    });
    this.ready.catch(() => undefined);
    return this.ready;
  }

  /**
   * Trains one job in the trainer process. Rejects with {@link QueueDataMissingError} when the
   * job's data is not on this machine, {@link QueueJobTimeoutError} after `timeoutMs` (the trainer
   * is killed), {@link TrainingAbortedError} when `signal` aborts (the trainer is killed).
   */
  async train(
    request: SlotRequest,
    options: { readonly timeoutMs: number; readonly signal?: AbortSignal; readonly onProgress?: (done: number, total: number) => void },
  ): Promise<Trained> {
    const { backend, threads } = await this.start();
    const child = this.child;
    if (child === undefined) throw new Error('the trainer process exited before the job could start');
    const id = this.nextId++;
    return new Promise<Trained>((resolve, reject) => {
      const cleanup = (): void => {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
        options.signal?.removeEventListener('abort', onAbort);
      };
      const fail = (error: Error, kill: boolean): void => {
        cleanup();
        if (kill) this.kill(child);
        reject(error);
      };
      const onMessage = (m: TrainerMessage): void => {
        if (!('id' in m) || m.id !== id) return;
        if (m.type === 'progress') options.onProgress?.(m.done, m.total);
        else if (m.type === 'result') {
          cleanup();
          resolve({ output: m.output, backend, threads });
        } else if (m.type === 'error') {
          fail(m.dataMissing ? new QueueDataMissingError(m.message) : new Error(m.message), false);
        }
      };
      const onExit = (code: number | null, signal: NodeJS.Signals | null): void =>
        fail(new Error(`the trainer process died during the job (${signal ?? `exit code ${code}`})`), false);
      const onAbort = (): void => fail(new TrainingAbortedError(), true);
      const timer = setTimeout(
        () =>
          fail(
            new QueueJobTimeoutError(
              `the job ran longer than its timeout of ${options.timeoutMs / 1000} s and was stopped; it is retried. Raise --job-timeout if jobs of this recipe need longer.`,
            ),
            true,
          ),
        options.timeoutMs,
      );
      child.on('message', onMessage);
      child.once('exit', onExit);
      if (options.signal?.aborted === true) return onAbort();
      options.signal?.addEventListener('abort', onAbort, { once: true });
      child.send({ type: 'train', id, ...request } as TrainRequest);
    });
  }

  /** Kills a trainer process; the next job starts a fresh one. */
  private kill(child: ChildProcess): void {
    child.kill('SIGKILL');
    if (this.child === child) {
      this.child = undefined;
      this.ready = undefined;
    }
  }

  /** Stops the trainer process (if any). */
  close(): void {
    this.child?.kill('SIGTERM');
    this.child = undefined;
    this.ready = undefined;
  }
}
