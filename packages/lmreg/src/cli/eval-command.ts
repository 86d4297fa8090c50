import fs from 'node:fs';
import path from 'node:path';

import { InvalidArgumentError } from '@lmreg/common';
import { getSpace, type SearchSpace } from '@lmreg/spaces';
import { type Command, Option } from 'commander';

import type { BackendRequest, StandaloneResult } from '@lmreg/train';

import { getNetworkBuilder, evaluate, networkOptions, loadCheckpoint, disposeBatches, makeEvalBatches } from '@lmreg/train';

import { readConfigFile, resolveSearchConfig } from '../config/search-config.js';
import { chooseBackend } from './backend-line.js';

import { collect, parseIntFlag, resolveArchitectures } from './arch-list.js';
import { loadRunData } from './run-data.js';
import type { CliIo } from './standalone-command.js';

/** One architecture ranked by `lmreg eval`. */
export interface EvalRow {
  /** 1 = best super-net accuracy. */
  readonly rank: number;
  readonly arch: string;
  /** Accuracy of the architecture's path of the super-net on the run's test subset, in [0, 1]. */
  readonly supernetAccuracy: number;
  readonly supernetLoss: number;
  /** Stand-alone accuracy when the run trained this architecture alone (`standalone.json`). */
  readonly groundTruth?: number;
}

/** What `lmreg eval --json` prints. */
export interface EvalReport {
  readonly run: string;
  readonly variant: 'landmarks' | 'baseline';
  readonly checkpoint: string;
  /** Super-net epoch the checkpoint was written after (0-based). */
  readonly epoch: number | null;
  readonly testImages: number;
  readonly backend: string;
  readonly ranking: readonly EvalRow[];
}

/** Table of a ranking. */
export function formatEvalTable(report: EvalReport): string {
  const width = Math.max(4, ...report.ranking.map((r) => r.arch.length));
  const gt = report.ranking.some((r) => r.groundTruth !== undefined);
  return (
    [
      `super-net ranking: ${report.variant} super-net of ${report.run} (epoch ${report.epoch ?? '?'}), ${report.testImages} test images, ${report.backend}`,
      `rank  ${'arch'.padEnd(width)}  super-net${gt ? '  stand-alone' : ''}`,
      ...report.ranking.map(
        (r) =>
          `${String(r.rank).padStart(4)}  ${r.arch.padEnd(width)}  ${(100 * r.supernetAccuracy).toFixed(2).padStart(8)}%${
            gt ? `  ${r.groundTruth === undefined ? '' : `${(100 * r.groundTruth).toFixed(2).padStart(10)}%`}` : ''
          }`,
      ),
    ].join('\n') + '\n'
  );
}

/**
 * Registers `lmreg eval`: loads a search run's config and trained super-net checkpoint
 * (`supernet-<variant>.bin`), evaluates the given architectures' paths on the run's test subset
 * (rebuilt exactly as `lmreg search` builds it) and prints them ranked by super-net accuracy.
 */
export function addEvalCommand(program: Command, io: CliIo): Command {
  return program
    .command('eval')
    .description('rank architectures by the accuracy of their path in a trained super-net of a search run')
    .requiredOption('--run <dir>', 'folder of a `lmreg search` run (config.json + supernet-<variant>.bin)')
    .addOption(new Option('--variant <name>', 'which super-net (default: landmarks if present, else baseline)').choices(['landmarks', 'baseline']))
    .option('--arch <string>', "architecture in the space's string format (repeatable)", collect)
    .option('--archs <file>', 'file with one architecture per line (# comments allowed)')
    .option('--sample <n>', 'also rank n architectures sampled uniformly (with --seed)', parseIntFlag)
    .option('--seed <n>', 'seed of --sample (default 0)', parseIntFlag)
    .addOption(new Option('--backend <name>', "tfjs backend (default: the run's)").choices(['auto', 'tensorflow', 'wasm', 'cpu']))
    .option('--json', 'print JSON instead of the table')
    .option('-q, --quiet', 'no progress output')
    .option('--verbose', "how the backend was chosen, and tfjs' own notices")
    .action(async (opts: Record<string, unknown>) => {
      const dir = path.resolve(String(opts['run']));
      const configFile = path.join(dir, 'config.json');
      if (!fs.existsSync(configFile)) {
        throw new InvalidArgumentError(`lmreg eval: ${dir} holds no search run (no config.json). Pass --run <dir> of a \`lmreg search -o <dir>\` run.`);
      }
      const config = resolveSearchConfig([{ source: configFile, values: readConfigFile(configFile) }]);
      const available = (['landmarks', 'baseline'] as const).filter((v) => fs.existsSync(path.join(dir, `supernet-${v}.bin`)));
      const variant = (opts['variant'] as 'landmarks' | 'baseline' | undefined) ?? available[0] ?? 'landmarks';
      const checkpoint = path.join(dir, `supernet-${variant}.bin`);
      if (!fs.existsSync(checkpoint)) {
        throw new InvalidArgumentError(
          `lmreg eval: ${dir} has no trained ${variant} super-net (no supernet-${variant}.bin). ` +
            (available.length > 0
              ? `It has: ${available.join(', ')}; pass --variant ${available[0]}.`
              : 'A checkpoint is written at the end of each super-net epoch: let `lmreg search` finish an epoch (continue it with --resume).'),
        );
      }
      const space = getSpace(config.space) as SearchSpace<unknown>;
      const builder = getNetworkBuilder(space.name);
      const archs = resolveArchitectures(
        space,
        {
          arch: opts['arch'] as string[] | undefined,
          archs: opts['archs'] as string | undefined,
          sample: opts['sample'] as number | undefined,
          seed: (opts['seed'] as number | undefined) ?? 0,
        },
        'eval',
      );
      const ck = loadCheckpoint(checkpoint);
      const weights: Record<string, Float32Array> = {};
      for (const [k, v] of Object.entries(ck.arrays)) if (k.startsWith('w/')) weights[k.slice(2)] = v;
      const quiet = opts['quiet'] === true || opts['json'] === true;
      const backend = await chooseBackend(
        ((opts['backend'] as string | undefined) ?? config.backend) as BackendRequest,
        { quiet, verbose: opts['verbose'] === true },
        io,
      );
      const data = await loadRunData(config);
      const truth = JSON.parse(fs.existsSync(path.join(dir, 'standalone.json')) ? fs.readFileSync(path.join(dir, 'standalone.json'), 'utf8') : '{}') as Record<
        string,
        StandaloneResult
      >;
      const net = builder.createSupernet(networkOptions(space.name, data.shape, config.seed));
      const evalBatches = makeEvalBatches(data.test, 256);
      let rows: Omit<EvalRow, 'rank'>[];
      try {
        try {
          net.setWeights(weights);
        } catch (cause) {
          throw new InvalidArgumentError(
            `lmreg eval: ${checkpoint} does not fit the super-net of ${configFile} (${(cause as Error).message}). Was config.json edited after the run?`,
            { cause },
          );
        }
        rows = archs.map((arch, i) => {
          if (!quiet) io.err(`[eval] ${i + 1}/${archs.length} ${space.format(arch)}\n`);
          const r = evaluate(net, arch, evalBatches);
          const gt = truth[space.key(arch)]?.accuracy;
          return { arch: space.format(arch), supernetAccuracy: r.accuracy, supernetLoss: r.loss, ...(gt === undefined ? {} : { groundTruth: gt }) };
        });
      } finally {
        disposeBatches(evalBatches);
        net.dispose();
      }
      const ranking = rows
        .map((r, i) => ({ r, i }))
        .sort((a, b) => b.r.supernetAccuracy - a.r.supernetAccuracy || a.r.supernetLoss - b.r.supernetLoss || a.i - b.i)
        .map(({ r }, i) => ({ rank: i + 1, ...r }));
      const epoch = (ck.meta as { epoch?: unknown } | null)?.epoch;
      const report: EvalReport = {
        run: dir,
        variant,
        checkpoint,
        epoch: typeof epoch === 'number' ? epoch : null,
        testImages: data.test.n,
        backend: backend.name,
        ranking,
      };
      io.out(opts['json'] === true ? JSON.stringify(report, null, 2) + '\n' : formatEvalTable(report));
    });
}
