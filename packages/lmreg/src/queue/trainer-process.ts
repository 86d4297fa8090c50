import { isLmregError } from '@lmreg/common';
import { prepareGroundTruthJobs, trainGroundTruthJob, type BackendRequest, type GroundTruthJobContext } from '@lmreg/train';

import { chooseBackend } from '../cli/backend-line.js';
import { threadsOf, type TrainerMessage, type TrainRequest } from './trainer-protocol.js';

function send(message: TrainerMessage): void {
  process.send?.(message);
}

/**
 * The trainer process of `lmreg worker` (one per concurrency slot, started by the worker with an
 * IPC channel): selects the backend once, then trains the jobs it is sent, one at a time, keeping
 * the data of the last recipe loaded. It exits when the worker goes away (IPC disconnect), so a
 * killed worker leaves no trainer behind.
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
  let loaded: { hash: string; context: GroundTruthJobContext } | undefined;
  const queue: TrainRequest[] = [];
  let busy = false;
  const next = async (): Promise<void> => {
    if (busy) return;
    busy = true;
    for (let request = queue.shift(); request !== undefined; request = queue.shift()) {
      try {
        if (loaded?.hash !== `${request.recipeHash}:${request.config.dataDir ?? ''}`) {
          loaded?.context.dispose();
          loaded = undefined;
          try {
            loaded = { hash: `${request.recipeHash}:${request.config.dataDir ?? ''}`, context: await prepareGroundTruthJobs(request.config) };
          } catch (error) {
            send({ type: 'error', id: request.id, message: (error as Error).message, code: isLmregError(error) ? error.code : undefined, dataMissing: true });
            continue;
          }
        }
        let last = 0;
        const id = request.id;
        const row = trainGroundTruthJob(loaded.context, request, {
          backendName: backend.name,
          onStep: (done, total) => {
            const now = Date.now();
            if (done === total || now - last > 500) {
              last = now;
              send({ type: 'progress', id, done, total });
            }
          },
        });
        send({ type: 'row', id: request.id, row });
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
