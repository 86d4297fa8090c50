import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

import { InvalidArgumentError } from '@lmreg/common';
import type { BackendRequest } from '@lmreg/train';
import { type Command, Option } from 'commander';

import { redactUrl, redisOptionsOf } from '../queue/connection.js';
import { runTrainerProcess } from '../queue/trainer-process.js';
import type { TrainerCommand } from '../queue/trainer-slot.js';
import { startWorker, type WorkerReport } from '../queue/worker.js';
import { parseIntFlag } from './arch-list.js';
import type { CliIo } from './standalone-command.js';

/** The built `lmreg` script (dist/cli.js) that trainer processes run. */
export function lmregScript(): string {
  for (const candidate of ['./cli.js', '../../dist/cli.js']) {
    const file = fileURLToPath(new URL(candidate, import.meta.url));
    if (fs.existsSync(file)) return file;
  }
  throw new InvalidArgumentError(
    'cannot find the built lmreg script (dist/cli.js) to start trainer processes: build lmreg first (npx turbo run build --filter=lmreg...).',
  );
}

function positive(name: string): (value: string) => number {
  return (value) => {
    const n = parseIntFlag(value);
    if (n < 1) throw new InvalidArgumentError(`${name} must be an integer >= 1 (got ${value}).`);
    return n;
  };
}

/**
 * Registers `lmreg worker --queue URL`: trains stand-alone jobs of the Redis queue (BullMQ) until
 * stopped. SIGTERM: take no new job, finish the running ones within `--grace` seconds, else return
 * them to the queue; SIGINT (Ctrl-C): return them at once.
 */
export function addWorkerCommand(program: Command, io: CliIo, version: string): Command {
  return program
    .command('worker')
    .description('train stand-alone jobs from a Redis queue (BullMQ) until stopped: run one per machine, then a producer (ground-truth build --queue)')
    .requiredOption('--queue <url>', 'Redis URL of the queue, e.g. redis://10.0.0.5:6379')
    .option('--concurrency <n>', 'jobs trained at once, each in its own process (default 1)', positive('--concurrency'), 1)
    .addOption(new Option('--backend <name>', 'tfjs backend').choices(['auto', 'tensorflow', 'wasm', 'cpu', 'native']).default('auto'))
    .option('--threads <n>', 'threads of the native backend per job (default: all cores)', positive('--threads'))
    .option('--data-dir <dir>', "read data sets from this folder (instead of the job's own --data-dir, $LMREG_DATA, /usr/share/datasets)")
    .option('--grace <seconds>', 'on SIGTERM, finish running jobs for this long, then return them to the queue', parseIntFlag, 25)
    .addOption(
      new Option('--lock-duration <ms>', 'job lock: a worker silent this long gives its job back').argParser(positive('--lock-duration')).default(30_000),
    )
    .addOption(new Option('--stalled-interval <ms>', 'how often to look for jobs of dead workers').argParser(positive('--stalled-interval')).default(30_000))
    .addOption(new Option('--trainer-process', 'internal: run as a trainer process of a worker').hideHelp())
    .option('-q, --quiet', 'no per-job lines')
    .action(async (opts: Record<string, unknown>) => {
      const backend = opts['backend'] as BackendRequest;
      const threads = opts['threads'] as number | undefined;
      if (opts['trainerProcess'] === true) {
        await runTrainerProcess({ backend, ...(threads === undefined ? {} : { threads }) });
        return;
      }
      const url = String(opts['queue']);
      redisOptionsOf(url);
      const quiet = opts['quiet'] === true;
      const trainer: TrainerCommand = {
        script: lmregScript(),
        args: ['worker', '--trainer-process', '--queue', url, '--backend', backend, ...(threads === undefined ? [] : ['--threads', String(threads)])],
      };
      const worker = await startWorker({
        url,
        version,
        trainer,
        concurrency: opts['concurrency'] as number,
        lockDurationMs: opts['lockDuration'] as number,
        stalledIntervalMs: opts['stalledInterval'] as number,
        ...(typeof opts['dataDir'] === 'string' ? { dataDir: opts['dataDir'] } : {}),
        onMessage: (m) => (quiet ? undefined : io.err(`${m}\n`)),
      });
      io.err(
        `worker: lmreg ${version}, pid ${process.pid}, taking jobs from ${redactUrl(url)} (concurrency ${String(opts['concurrency'])}, backend ${backend}); SIGTERM finishes the running jobs, Ctrl-C returns them\n`,
      );
      const grace = (opts['grace'] as number) * 1000;
      let graceTimer: NodeJS.Timeout | undefined;
      const onTerm = (): void => {
        io.err(`worker: SIGTERM: finishing running jobs (returning them after ${grace / 1000} s)\n`);
        void worker.stop('finish');
        graceTimer = setTimeout(() => void worker.stop('return'), grace);
        graceTimer.unref();
      };
      const onInt = (): void => {
        io.err('worker: interrupted: returning running jobs to the queue\n');
        void worker.stop('return');
      };
      process.once('SIGTERM', onTerm);
      process.on('SIGINT', onInt);
      let report: WorkerReport;
      try {
        report = await worker.done;
      } finally {
        process.removeListener('SIGTERM', onTerm);
        process.removeListener('SIGINT', onInt);
        clearTimeout(graceTimer);
      }
      io.out(`worker stopped: ${report.completed} jobs done, ${report.failed} attempts failed, ${report.returned} returned to the queue\n`);
    });
}
