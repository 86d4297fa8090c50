import fs from 'node:fs';
import path from 'node:path';

import { FileFormatError, InvalidArgumentError, rejectDangerousKeys } from '@lmreg/common';
import {
  buildGroundTruth,
  DEFAULT_GROUND_TRUTH,
  finishGroundTruth,
  noiseCeilingOf,
  parseGroundTruthConfig,
  readGroundTruthRows,
  type BackendRequest,
  type GroundTruthConfig,
  type Shard,
} from '@lmreg/train';
import { type Command, Option } from 'commander';

import { readConfigFile } from '../config/search-config.js';
import { redactUrl, redisOptionsOf } from '../queue/connection.js';
import { createQueueProgressReporter } from '../queue/progress-line.js';
import { buildGroundTruthOnQueue, QUEUE_ROWS_FILE } from '../queue/producer.js';
import { shardFromEnv } from '../queue/shard-env.js';
import { parseIntFlag, parseNumberFlag } from './arch-list.js';
import { chooseBackend } from './backend-line.js';
import { createProgressReporter } from './progress.js';
import type { CliIo } from './standalone-command.js';

function parseShard(value: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(value);
  const i = Number(m?.[1]);
  const n = Number(m?.[2]);
  if (m === null || !(n >= 1 && i >= 1 && i <= n)) {
    throw new InvalidArgumentError(`--shard must be i/n with 1 <= i <= n, e.g. 1/2 (got '${value}').`);
  }
  return { index: i - 1, count: n };
}

function parseSeeds(value: string): number[] {
  return value.split(',').map((s) => {
    const n = Number(s.trim());
    if (s.trim() === '' || !Number.isSafeInteger(n)) throw new InvalidArgumentError(`--seeds takes integers separated by commas, e.g. 0,1 (got '${value}').`);
    return n;
  });
}

/** The table folder's config.json, parsed; clear errors when it is missing or damaged. */
function readTableConfig(dir: string): GroundTruthConfig {
  const file = path.join(dir, 'config.json');
  if (!fs.existsSync(file)) {
    throw new InvalidArgumentError(`${dir} has no config.json: it is not a table folder of \`lmreg ground-truth build\`. Check --out, or start a build there.`);
  }
  let value: unknown;
  try {
    value = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (cause) {
    throw new FileFormatError(
      file,
      `is not valid JSON (${(cause as Error).message}); restore it from the build's record (table.json holds a copy of the config) or rebuild the table in a new folder.`,
      { cause },
    );
  }
  return parseGroundTruthConfig(rejectDangerousKeys(value, file), file);
}

function defined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

/**
 * Registers `lmreg ground-truth build|finish|status`: builds a tabular benchmark of architectures
 * trained alone (several seeds each), resumable and shardable over processes and days.
 */
export function addGroundTruthCommand(program: Command, io: CliIo, version: string): Command {
  const gt = program.command('ground-truth').description('build a tabular benchmark of our own: architectures trained alone, 2+ seeds each');

  gt.command('build')
    .description("train the table's jobs (architecture x seed); continues a build in --out with the same config")
    .requiredOption('-o, --out <dir>', 'table folder (config.json, rows-*.jsonl; later table.csv)')
    .option('-c, --config <file>', 'JSON or YAML file with fields of the ground-truth config')
    .option('--space <name>', `search space (default ${DEFAULT_GROUND_TRUTH.space})`)
    .addOption(new Option('--dataset <name>', `default ${DEFAULT_GROUND_TRUTH.dataset}`).choices(['fashion-mnist-mini', 'fashion-mnist', 'mnist', 'cifar10']))
    .option('--data-dir <dir>', 'folder with the data set (then $LMREG_DATA, then /usr/share/datasets)')
    .option('--archs <n>', `architectures, distinct under key (default ${DEFAULT_GROUND_TRUTH.archs})`, parseIntFlag)
    .option('--seeds <list>', `training seeds (default ${DEFAULT_GROUND_TRUTH.seeds.join(',')})`, parseSeeds)
    .option('--sample-seed <n>', 'seed of the architecture sample', parseIntFlag)
    .option('--data-seed <n>', 'seed of the data subsets', parseIntFlag)
    .option('--image-size <n>', 'resize images to n x n', parseIntFlag)
    .option('--channels <n>', 'channels C', parseIntFlag)
    .option('--cells <n>', 'cells N per stage', parseIntFlag)
    .option('--train-subset <n>', 'training images', parseIntFlag)
    .option('--valid-subset <n>', 'validation images (other training-set rows)', parseIntFlag)
    .option('--test-subset <n>', 'test images', parseIntFlag)
    .option('--epochs <n>', 'training epochs', parseIntFlag)
    .option('--batch-size <n>', 'batch size', parseIntFlag)
    .option('--lr <x>', 'largest learning rate (cosine schedule)', parseNumberFlag)
    .option(
      '--shard <i/n>',
      'this process trains every n-th job starting at the i-th (run n processes with 1/n .. n/n); default from $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT or $JOB_COMPLETION_INDEX/$LMREG_SHARD_COUNT',
      parseShard,
    )
    .option(
      '--queue <url>',
      'train on `lmreg worker`s of this Redis queue (redis://host:port) instead of in this process; rows go to rows-queue.jsonl, and the table is finished when all are there',
    )
    .option('--attempts <n>', 'with --queue: attempts per job before it fails (default 3)', parseIntFlag)
    .option('--job-timeout <seconds>', 'with --queue: a worker stops a job running longer (default 3600)', parseIntFlag)
    .option('--limit <n>', 'stop after n newly trained jobs', parseIntFlag)
    .addOption(new Option('--backend <name>', 'tfjs backend').choices(['auto', 'tensorflow', 'wasm', 'cpu', 'native']).default('auto'))
    .option('--threads <n>', 'threads of the native backend (default: all cores)', parseIntFlag)
    .option('-q, --quiet', 'no progress output')
    .option('--verbose', "how the backend was chosen, and tfjs' own notices")
    .action(async (opts: Record<string, unknown>) => {
      const configFile = path.join(String(opts['out']), 'config.json');
      const base: Record<string, unknown> =
        typeof opts['config'] === 'string'
          ? { ...DEFAULT_GROUND_TRUTH, ...(readConfigFile(opts['config']) as Record<string, unknown>) }
          : fs.existsSync(configFile) && Object.keys(defined({ a: opts['archs'], s: opts['seeds'], e: opts['epochs'], c: opts['channels'] })).length === 0
            ? (readTableConfig(String(opts['out'])) as unknown as Record<string, unknown>)
            : { ...DEFAULT_GROUND_TRUTH };
      const recipe = { ...(base['recipe'] as object), ...defined({ epochs: opts['epochs'], batchSize: opts['batchSize'], lr: opts['lr'] }) };
      const config: GroundTruthConfig = parseGroundTruthConfig(
        {
          ...base,
          ...defined({
            space: opts['space'],
            dataset: opts['dataset'],
            dataDir: opts['dataDir'],
            archs: opts['archs'],
            seeds: opts['seeds'],
            sampleSeed: opts['sampleSeed'],
            dataSeed: opts['dataSeed'],
            imageSize: opts['imageSize'],
            channels: opts['channels'],
            cells: opts['cells'],
            trainSubset: opts['trainSubset'],
            validSubset: opts['validSubset'],
            testSubset: opts['testSubset'],
          }),
          recipe,
        },
        typeof opts['config'] === 'string' ? `${opts['config']} + command-line flags` : 'command-line flags',
      );
      const quiet = opts['quiet'] === true;
      const out = String(opts['out']);
      if (typeof opts['queue'] === 'string') {
        if (opts['shard'] !== undefined || opts['limit'] !== undefined) {
          throw new InvalidArgumentError('--queue shares the jobs among the workers: drop --shard and --limit (they are for builds in this process).');
        }
        redisOptionsOf(opts['queue']);
        const reporter = createQueueProgressReporter({ quiet });
        try {
          const report = await buildGroundTruthOnQueue({
            url: opts['queue'],
            dir: path.resolve(out),
            config,
            version,
            ...(opts['attempts'] === undefined ? {} : { attempts: opts['attempts'] as number }),
            ...(opts['jobTimeout'] === undefined ? {} : { timeoutSeconds: opts['jobTimeout'] as number }),
            command: `lmreg ground-truth build --out ${out}${typeof opts['config'] === 'string' ? ` -c ${opts['config']}` : ''} --queue ${redactUrl(opts['queue'])}`,
            onProgress: (p) => reporter.update(p),
            onMessage: (m) => {
              if (quiet) return;
              reporter.stop();
              io.err(`${m}\n`);
            },
          });
          reporter.stop();
          const table = report.table;
          io.out(
            `wrote ${report.written} rows to ${path.join(out, QUEUE_ROWS_FILE)}; ${report.jobs - report.missing}/${report.jobs} done; ${
              table === undefined
                ? `the table in ${out} was finished already`
                : `finished ${path.join(out, 'table.csv')}: ${table.rows} architectures; noise ceiling S-KdT ${table.noiseCeiling.skdt.toFixed(3)}`
            }\n`,
          );
        } finally {
          reporter.stop();
        }
        return;
      }
      const fromEnv = opts['shard'] === undefined ? shardFromEnv() : undefined;
      if (fromEnv !== undefined && !quiet) io.err(`shard ${fromEnv.shard.index + 1}/${fromEnv.shard.count} from ${fromEnv.source}\n`);
      const shard = (opts['shard'] as Shard | undefined) ?? fromEnv?.shard;
      await chooseBackend(
        opts['backend'] as BackendRequest,
        {
          quiet,
          verbose: opts['verbose'] === true,
          ...(opts['threads'] === undefined ? {} : { threads: opts['threads'] as number }),
        },
        io,
      );
      const progress = createProgressReporter({ quiet });
      try {
        const report = await buildGroundTruth({
          dir: path.resolve(out),
          config,
          ...(shard === undefined ? {} : { shard }),
          ...(opts['limit'] === undefined ? {} : { limit: opts['limit'] as number }),
          onProgress: (p) => progress.update({ phase: 'standalone', ...p }),
          onMessage: (m) => (quiet ? undefined : io.err(`${m}\n`)),
        });
        progress.stop();
        io.out(
          `trained ${report.trained} jobs; ${report.jobs - report.missing}/${report.jobs} done${report.missing === 0 ? `; finish with: lmreg ground-truth finish --out ${out}` : ''}\n`,
        );
      } finally {
        progress.stop();
      }
    });

  gt.command('status')
    .description('jobs done so far and the noise ceiling (seed-to-seed S-KdT) of the complete pairs')
    .requiredOption('-o, --out <dir>', 'table folder')
    .option('--json', 'machine-readable output')
    .action((opts: { out: string; json?: boolean }) => {
      const config = readTableConfig(opts.out);
      const rows = readGroundTruthRows(opts.out);
      const ceiling = noiseCeilingOf(rows, config.seeds);
      const seconds = rows.reduce((s, r) => s + r.seconds, 0);
      const status = {
        jobs: config.archs * config.seeds.length,
        done: new Set(rows.map((r) => `${r.key}#${r.seed}`)).size,
        meanSeconds: seconds / Math.max(1, rows.length),
        noiseCeiling: ceiling,
      };
      if (opts.json === true) io.out(JSON.stringify(status, null, 2) + '\n');
      else {
        io.out(`${status.done}/${status.jobs} jobs done, ${status.meanSeconds.toFixed(1)} s per job\n`);
        io.out(
          `noise ceiling on ${ceiling.n} complete pairs: S-KdT ${ceiling.skdt.toFixed(3)}, Kendall tau ${ceiling.kendallTau.toFixed(3)}, Spearman ${ceiling.spearman.toFixed(3)}, mean |seed difference| ${ceiling.meanAbsDiff.toFixed(2)} points\n`,
        );
      }
    });

  gt.command('finish')
    .description('write table.csv and table.json (config, command, version, noise ceiling) of a complete build')
    .requiredOption('-o, --out <dir>', 'table folder')
    .option('--command <text>', 'the build command to record in table.json', 'lmreg ground-truth build --out <dir>')
    .action((opts: { out: string; command: string }) => {
      const meta = finishGroundTruth(opts.out, { command: opts.command, version });
      const c = meta.noiseCeiling;
      io.out(
        `${path.join(opts.out, 'table.csv')}: ${meta.rows} architectures; noise ceiling S-KdT ${c.skdt.toFixed(3)} (Kendall tau ${c.kendallTau.toFixed(3)}, Spearman ${c.spearman.toFixed(3)})\n`,
      );
    });
  return gt;
}
