import { isLmregError } from '@lmreg/common';
import { prepareGroundTruthJobs, trainGroundTruthJob, type BackendRequest, type GroundTruthJobContext } from '@lmreg/train';

import { chooseBackend } from '../cli/backend-line.js';
import { prepareStandaloneJobs, trainStandaloneJob, type StandaloneJobContext } from './standalone-recipe.js';
import { TEST_HOLD_JOBS_ENV, threadsOf, type TrainerMessage, type TrainerOutput, type TrainRequest } from './trainer-protocol.js';

function send(message: TrainerMessage): void {
  process.send?.(message);
}

type Loaded =
  { readonly kind: 'ground-truth'; readonly context: GroundTruthJobContext } | { readonly kind: 'standalone'; readonly context: StandaloneJobContext };

/** Which data a request needs: the trainer keeps the data of the last one loaded. */
function dataIdOf(request: TrainRequest): string {
  const dataDir = request.job === 'ground-truth' ? request.config.dataDir : request.recipe.dataDir;
  return `${request.job}:${request.recipeHash}:${dataDir ?? ''}`;
}

async function load(request: TrainRequest): Promise<Loaded> {
  return request.job === 'ground-truth'
    ? { kind: 'ground-truth', context: await prepareGroundTruthJobs(request.config) }
    : { kind: 'standalone', context: await prepareStandaloneJobs(request.recipe) };
}

function train(loaded: Loaded, request: TrainRequest, onStep: (done: number, total: number) => void): TrainerOutput {
  if (request.job === 'ground-truth' && loaded.kind === 'ground-truth') {
    return { kind: 'ground-truth', row: trainGroundTruthJob(loaded.context, request, { onStep }) };
  }
  if (request.job === 'standalone' && loaded.kind === 'standalone') {
    return { kind: 'standalone', result: trainStandaloneJob(loaded.context, request.arch, { onStep }) };
  }
  throw new Error(`trainer process: the data loaded (${loaded.kind}) is not that of a ${request.job} job: this is a bug in lmreg worker`);
}

/**
 * The trainer process of `lmreg worker` (one per concurrency slot, started by the worker with an
 * IPC channel): selects the backend once, then trains the jobs it is sent (ground-truth rows and
 * search stand-alone trainings), one at a time, keeping the data of the last recipe loaded. It exits
 * when the worker goes away (IPC disconnect), so a killed worker leaves no trainer behind.
 */
export async function runTrainerProcess(options: { readonly backend: BackendRequest; readonly threads?: number }): Promise<void> {
  process.on('disconnect', () => process.exit(0));
  let backend: { name: string; reason: string };
  try {
    backend = await chooseBackend(
      options.backend,
      { quiet: true, verbose: false, ...(options.threads === undefined ? {} : { threads: options.threads }) },
      {
        out: () => undefined,
        err: () => undefined,
      },
    );
  } catch (error) {
    send({ type: 'fatal', message: (error as Error).message });
    process.exit(2);
  }
  const threads = options.threads ?? threadsOf(backend.reason);
  const hold = process.env[TEST_HOLD_JOBS_ENV] === '1';
  let loaded: { id: string; data: Loaded } | undefined;
  const queue: TrainRequest[] = [];
  let busy = false;
  const next = async (): Promise<void> => {
    if (busy) return;
    busy = true;
    for (let request = queue.shift(); request !== undefined; request = queue.shift()) {
      try {
        const dataId = dataIdOf(request);
        if (loaded?.id !== dataId) {
          loaded?.data.context.dispose();
          loaded = undefined;
          try {
            loaded = { id: dataId, data: await load(request) };
          } catch (error) {
            send({ type: 'error', id: request.id, message: (error as Error).message, code: isLmregError(error) ? error.code : undefined, dataMissing: true });
            continue;
          }
        }
        const id = request.id;
        if (hold) {
          // Test-only (TEST_HOLD_JOBS_ENV): the job is running and stays so until this process is killed.
          send({ type: 'progress', id, done: 0, total: 1 });
          await new Promise<void>(() => undefined);
        }
        let last = 0;
        const output = train(loaded.data, request, (done, total) => {
          const now = Date.now();
          if (done === total || now - last > 500) {
            last = now;
            send({ type: 'progress', id, done, total });
          }
        });
        send({ type: 'result', id, output });
      } catch (error) {
        send({ type: 'error', id: request.id, message: (error as Error).message, code: isLmregError(error) ? error.code : undefined, dataMissing: false });
      }
    }
    busy = false;
  };
  process.on('message', (message: TrainRequest) => {
    if (message.type !== 'train') return;
    queue.push(message);
    void next();
  });
  send({ type: 'ready', backend: backend.name, threads });
}
