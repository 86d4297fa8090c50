import path from 'node:path';

import { InvalidArgumentError } from '@lmreg/common';
import { getSpace, type SearchSpace } from '@lmreg/spaces';
import { type Command, Option } from 'commander';

import type { BackendRequest, StandaloneResult } from '@lmreg/train';

import { defaultAugmentation, getNetworkBuilder, RunDir, disposeBatches, makeEvalBatches, seedFor, trainStandalone } from '@lmreg/train';

import { resolveSearchConfig, type SearchConfig } from '../config/search-config.js';

import { collect, parseIntFlag, parseNumberFlag, resolveArchitectures } from './arch-list.js';
import { chooseBackend } from './backend-line.js';
import { createProgressReporter } from './progress.js';
import { loadRunData } from './run-data.js';

/** Output streams of the CLI. */
export interface CliIo {
  readonly out: (s: string) => void;
  readonly err: (s: string) => void;
}

/** One row of `lmreg standalone`: the stand-alone result and whether it came from the `--out` cache. */
export interface StandaloneRow extends StandaloneResult {
  readonly cached: boolean;
}

/** What `lmreg standalone --json` prints. */
export interface StandaloneReport {
  readonly space: string;
  readonly dataset: string;
  readonly setting: string;
  readonly backend: string;
  readonly results: readonly StandaloneRow[];
}

/** The part of a config that decides a stand-alone result (what `--out` folders are keyed on). */
function standaloneConfig(c: SearchConfig): Record<string, unknown> {
  return {
    command: 'standalone',
    space: c.space,
    dataset: c.dataset,
    ...(c.dataDir === undefined ? {} : { dataDir: c.dataDir }),
    imageSize: c.imageSize,
    trainSubset: c.trainSubset,
    testSubset: c.testSubset,
    channels: c.channels,
    cells: c.cells,
    augment: c.augment,
    seed: c.seed,
    standalone: c.standalone,
    backend: c.backend,
  };
}

/** Table of results: arch, accuracy, params, seconds. */
export function formatStandaloneTable(report: StandaloneReport): string {
  const width = Math.max(4, ...report.results.map((r) => r.arch.length));
  const lines = [
    `stand-alone training: ${report.space} on ${report.dataset} (${report.setting}, ${report.backend})`,
    `${'arch'.padEnd(width)}  ${'accuracy'.padStart(8)}  ${'params'.padStart(9)}  ${'seconds'.padStart(8)}`,
    ...report.results.map(
      (r) =>
        `${r.arch.padEnd(width)}  ${(100 * r.accuracy).toFixed(2).padStart(7)}%  ${String(r.params).padStart(9)}  ${r.seconds.toFixed(1).padStart(8)}${r.cached ? '  (cached)' : ''}`,
    ),
  ];
  return lines.join('\n') + '\n';
}

/**
 * Registers `lmreg standalone`: trains architectures alone with the stand-alone recipe (the ground
 * truth of a search run), on the same data subsets as `lmreg search`. With `--out` each result is
 * cached in `standalone.json` as soon as it is done, so a killed run continues with `--resume` at
 * the next architecture.
 */
export function addStandaloneCommand(program: Command, io: CliIo): Command {
  return program
    .command('standalone')
    .description('train architectures alone (ground truth) and print their accuracy, params and time')
    .option('--space <name>', 'search space (one with a network builder: nb201)', 'nb201')
    .option('--arch <string>', "architecture in the space's string format (repeatable)", collect)
    .option('--archs <file>', 'file with one architecture per line (# comments allowed)')
    .option('--sample <n>', 'also train n architectures sampled uniformly (with --seed)', parseIntFlag)
    .addOption(new Option('--preset <name>', 'defaults of data, network and recipe').choices(['tiny', 'small', 'paper']))
    .addOption(new Option('--dataset <name>').choices(['fashion-mnist-mini', 'fashion-mnist', 'mnist', 'cifar10']))
    .option('--data-dir <dir>', 'folder with the data set (then $LMREG_DATA, then /usr/share/datasets)')
    .option('--image-size <n>', 'resize images to n x n', parseIntFlag)
    .option('--channels <n>', 'channels C', parseIntFlag)
    .option('--cells <n>', 'cells N per stage', parseIntFlag)
    .option('--train-subset <n>', 'training images used', parseIntFlag)
    .option('--test-subset <n>', 'test images the accuracy is measured on', parseIntFlag)
    .option('--epochs <n>', 'training epochs', parseIntFlag)
    .option('--batch-size <n>', 'batch size', parseIntFlag)
    .option('--lr <x>', 'largest learning rate (cosine schedule)', parseNumberFlag)
    .option('--lr-min <x>', 'smallest learning rate', parseNumberFlag)
    .option('--momentum <x>', 'SGD momentum', parseNumberFlag)
    .option('--weight-decay <x>', 'weight decay', parseNumberFlag)
    .option('--grad-clip <x>', 'global gradient-norm clip', parseNumberFlag)
    .option('--augment', 'random crop + flip augmentation')
    .option('--no-augment', 'no augmentation')
    .option('--seed <n>', 'seed of --sample, the data subsets and each network (derived per architecture)', parseIntFlag)
    .addOption(new Option('--backend <name>', 'tfjs backend').choices(['auto', 'tensorflow', 'wasm', 'cpu', 'native']))
    .option('--threads <n>', 'threads of the native backend (default: all cores)', parseIntFlag)
    .option('-o, --out <dir>', 'folder caching each result in standalone.json')
    .option('--resume', 'reuse the results already in --out and train only the others')
    .option('--restart', 'discard the results in --out and train everything again')
    .option('--json', 'print JSON instead of the table')
    .option('-q, --quiet', 'no progress output')
    .option('--verbose', "how the backend was chosen, and tfjs' own notices")
    .action(async (opts: Record<string, unknown>) => {
      const flags: Record<string, unknown> = {
        preset: opts['preset'],
        space: opts['space'],
        dataset: opts['dataset'],
        dataDir: opts['dataDir'],
        imageSize: opts['imageSize'],
        channels: opts['channels'],
        cells: opts['cells'],
        trainSubset: opts['trainSubset'],
        testSubset: opts['testSubset'],
        augment: opts['augment'],
        seed: opts['seed'],
        backend: opts['backend'],
        standalone: {
          epochs: opts['epochs'],
          batchSize: opts['batchSize'],
          lr: opts['lr'],
          lrMin: opts['lrMin'],
          momentum: opts['momentum'],
          weightDecay: opts['weightDecay'],
          gradClip: opts['gradClip'],
        },
      };
      const config = resolveSearchConfig([{ source: 'command-line flags', values: flags }]);
      const space = getSpace(config.space) as SearchSpace<unknown>;
      getNetworkBuilder(space.name); // fail early: lists the spaces that can be trained
      const archs = resolveArchitectures(
        space,
        {
          arch: opts['arch'] as string[] | undefined,
          archs: opts['archs'] as string | undefined,
          sample: opts['sample'] as number | undefined,
          seed: config.seed,
        },
        'standalone',
      );
      if (opts['resume'] === true && typeof opts['out'] !== 'string') {
        throw new InvalidArgumentError('--resume needs the folder of the earlier run: pass --out <dir>.');
      }
      const run =
        typeof opts['out'] === 'string'
          ? RunDir.open(path.resolve(opts['out']), standaloneConfig(config), { resume: opts['resume'] === true, restart: opts['restart'] === true })
          : undefined;
      const quiet = opts['quiet'] === true || opts['json'] === true;
      const backend = await chooseBackend(
        config.backend as BackendRequest,
        {
          quiet,
          verbose: opts['verbose'] === true,
          ...(opts['threads'] === undefined ? {} : { threads: opts['threads'] as number }),
        },
        io,
      );
      const data = await loadRunData(config);
      const augment = config.augment ? defaultAugmentation(config.dataset) : false;
      const cache = run?.readJson<Record<string, StandaloneResult>>('standalone.json') ?? {};
      const progress = createProgressReporter({ quiet });
      const evalBatches = makeEvalBatches(data.test, 256);
      const results: StandaloneRow[] = [];
      try {
        archs.forEach((arch, i) => {
          const key = space.key(arch);
          const cached = cache[key];
          if (cached !== undefined) {
            results.push({ ...cached, cached: true });
            return;
          }
          const label = `arch ${i + 1}/${archs.length}`;
          const result = trainStandalone({
            space,
            arch,
            shape: data.shape,
            recipe: config.standalone,
            train: data.train,
            evalBatches,
            augment,
            seed: seedFor(config.seed, key),
            onStep: (done, total) => progress.update({ phase: 'standalone', label, done, total }),
          });
          results.push({ ...result, cached: false });
          if (run !== undefined) {
            cache[key] = result;
            run.mergeJson('standalone.json', { [key]: result }); // merged under a lock: another process's entries stay
            run.log({ event: 'standalone', ...result });
          }
        });
      } finally {
        progress.stop();
        disposeBatches(evalBatches);
        run?.close();
      }
      const report: StandaloneReport = {
        space: space.name,
        dataset: config.dataset,
        setting: `C=${config.channels} N=${config.cells} ${config.imageSize}x${config.imageSize}, ${config.standalone.epochs} epochs`,
        backend: backend.name,
        results,
      };
      io.out(opts['json'] === true ? JSON.stringify(report, null, 2) + '\n' : formatStandaloneTable(report));
    });
}
