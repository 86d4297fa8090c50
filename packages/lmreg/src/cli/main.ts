import fs from 'node:fs';
import path from 'node:path';

import { InvalidArgumentError, isLmregError } from '@lmreg/common';
import { getSpace, listSpaces } from '@lmreg/spaces';
import { Command, InvalidArgumentError as CommanderArgumentError, Option } from 'commander';

import { selectBackend, type BackendRequest } from '../backend/select-backend.js';
import { readConfigFile, resolveSearchConfig, type SearchConfig } from '../config/search-config.js';
import { addReportCommand } from '../report/report-command.js';
import { addEvalCommand } from './eval-command.js';
import { addGroundTruthCommand } from './ground-truth-command.js';
import { addTableSearchCommand } from './table-search-command.js';
import { paramCountOf } from './params.js';
import { createProgressReporter } from './progress.js';
import { addStandaloneCommand } from './standalone-command.js';
import { formatSearchSummary } from './summary.js';

const VERSION = '0.1.0';

function defaultRunDir(): string {
  const d = new Date();
  const p = (n: number): string => String(n).padStart(2, '0');
  return path.join('runs', `search-${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`);
}

function int(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new CommanderArgumentError(`expected an integer, got '${value}'.`);
  return n;
}

function num(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n)) throw new CommanderArgumentError(`expected a number, got '${value}'.`);
  return n;
}

/** Builds the `lmreg` command-line program (commander). `argv` parsing happens in {@link main}. */
export function createProgram(io: { out: (s: string) => void; err: (s: string) => void }): Command {
  const program = new Command('lmreg')
    .description('Landmark-regularized weight-sharing NAS on TensorFlow.js')
    .version(VERSION)
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .exitOverride();

  program
    .command('search')
    .description('train a super-net with and without landmark regularization and report how faithfully it ranks held-out architectures')
    .option('-c, --config <file>', 'JSON or YAML config file (fields of the search config)')
    .addOption(new Option('--preset <name>', 'defaults to start from').choices(['tiny', 'small', 'paper']))
    .option('--space <name>', 'search space (only spaces with a network builder can be trained: nb201)')
    .addOption(new Option('--sampler <name>', 'path sampler and search (spos: uniform paths + evolution; random; gdas: Gumbel-softmax logits; nao: encoder/predictor/decoder search)').choices(['spos', 'random', 'gdas', 'nao']))
    .addOption(new Option('--dataset <name>').choices(['fashion-mnist-mini', 'fashion-mnist', 'mnist', 'cifar10']))
    .option('--data-dir <dir>', 'folder with the data set (then $LMREG_DATA, then /usr/share/datasets)')
    .option('--epochs <n>', 'super-net epochs', int)
    .option('--warmup-epochs <n>', 'epochs before the landmark term starts', int)
    .option('--channels <n>', 'channels C of the super-net', int)
    .option('--cells <n>', 'cells N per stage', int)
    .option('--image-size <n>', 'resize images to n x n', int)
    .option('--train-subset <n>', 'training images used (split in halves: super-net / ranking)', int)
    .option('--held-out <n>', 'held-out architectures the ranking is measured on', int)
    .option('--landmarks <n>', 'number of landmark architectures', int)
    .option('--add-landmarks <file>', 'also use architectures trained alone earlier as landmarks: a standalone.json of `lmreg standalone -o DIR` (or that folder) or a landmark-set file; same recipe as this run')
    .option('--rounds <t>', 'rounds of the multi-iteration pipeline (after each: top architectures trained alone become landmarks)', int)
    .option('--round-landmarks <m>', 'landmarks added after each round', int)
    .option('--lr <x>', 'super-net learning rate (cosine to lrMin)', num)
    .option('--lambda-max <x>', 'largest weight of the landmark term', num)
    .option('--pairs <m>', 'landmark pairs per step', int)
    .option('--rank-every <k>', 'run the landmark term every k steps', int)
    .option('--ground-truth <dir>', 'finished ground-truth table (lmreg ground-truth): landmarks, held-out architectures and searches come from its rows, nothing is trained alone')
    .option('--test-subset <n>', 'test images the super-net accuracies are measured on', int)
    .option('--batch-size <n>', 'super-net batch size', int)
    .addOption(new Option('--schedule <name>', 'lambda schedule').choices(['constant', 'cosine-increasing', 'cosine-decreasing', 'step-increasing', 'step-decreasing']))
    .option('--tau <n>', 'distance threshold of diverse landmark selection (Algorithm 1)', int)
    .addOption(new Option('--selection <name>', 'landmark selection').choices(['diverse', 'random']))
    .option('--rank-batch-size <n>', 'batch size of the landmark term', int)
    .option('--budget <n>', 'architectures the final search evaluates on the super-net', int)
    .option('--no-baseline', 'skip the super-net without landmarks')
    .option('--seed <n>', 'seed of everything (same seed, same run)', int)
    .addOption(new Option('--backend <name>', 'tfjs backend').choices(['auto', 'tensorflow', 'wasm', 'cpu', 'native']))
    .option('--threads <n>', 'threads of the native backend (default: all cores; wasm and cpu use one)', int)
    .option('-o, --out <dir>', 'run directory (default: runs/search-<date>-<time>)')
    .option('--resume', 'continue the run in --out from its last checkpoint')
    .option('--json', 'print result.json instead of the table')
    .option('-q, --quiet', 'no progress output')
    .action(async (opts: Record<string, unknown>) => {
      const flags: Record<string, unknown> = {
        preset: opts['preset'], space: opts['space'], sampler: opts['sampler'], dataset: opts['dataset'],
        dataDir: opts['dataDir'], epochs: opts['epochs'], warmupEpochs: opts['warmupEpochs'], channels: opts['channels'],
        cells: opts['cells'], imageSize: opts['imageSize'], trainSubset: opts['trainSubset'], heldOut: opts['heldOut'],
        seed: opts['seed'], backend: opts['backend'], lr: opts['lr'], rounds: opts['rounds'], roundLandmarks: opts['roundLandmarks'],
        groundTruth: opts['groundTruth'], testSubset: opts['testSubset'], batchSize: opts['batchSize'],
        landmarks: { count: opts['landmarks'], tau: opts['tau'], selection: opts['selection'], add: opts['addLandmarks'] },
        ranking: { lambdaMax: opts['lambdaMax'], pairs: opts['pairs'], every: opts['rankEvery'], schedule: opts['schedule'], batchSize: opts['rankBatchSize'] },
        search: { budget: opts['budget'] },
        ...(opts['baseline'] === false ? { compareBaseline: false } : {}),
      };
      const layers = [
        ...(typeof opts['config'] === 'string' ? [{ source: opts['config'], values: readConfigFile(opts['config']) }] : []),
        { source: 'command-line flags', values: flags },
      ];
      const config: SearchConfig = resolveSearchConfig(layers);
      const quiet = opts['quiet'] === true || opts['json'] === true;
      const backend = await selectBackend(config.backend as BackendRequest, {
        log: (m) => (quiet ? undefined : io.err(`${m}\n`)),
        ...(opts['threads'] === undefined ? {} : { threads: opts['threads'] as number }),
      });
      if (!quiet) io.err(`backend: ${backend.name} (${backend.reason})\n`);
      const { runSearch } = await import('../search/run-search.js');
      const progress = createProgressReporter({ quiet });
      if (opts['resume'] === true && typeof opts['out'] !== 'string') {
        throw new InvalidArgumentError('--resume needs the run folder: pass --out <dir> of the run to continue.');
      }
      const outDir = path.resolve(typeof opts['out'] === 'string' ? opts['out'] : defaultRunDir());
      try {
        const result = await runSearch({
          config, outDir, resume: opts['resume'] === true,
          onProgress: (p) => progress.update(p),
          onMessage: (m) => (quiet ? undefined : io.err(`${m}\n`)),
        });
        progress.stop();
        io.out(opts['json'] === true ? JSON.stringify(result, null, 2) + '\n' : formatSearchSummary(result, outDir));
      } finally {
        progress.stop();
      }
    });

  program
    .command('spaces')
    .description('list the registered search spaces')
    .option('--json', 'machine-readable output')
    .action((opts: { json?: boolean }) => {
      const rows = listSpaces().map((name) => {
        const s = getSpace(name);
        return { name, size: s.size.toString(), encodingLength: s.encodingLength, enumerable: s.enumerate !== undefined };
      });
      if (opts.json === true) io.out(JSON.stringify(rows, null, 2) + '\n');
      else for (const r of rows) io.out(`${r.name.padEnd(18)} ${r.size.padStart(28)} architectures, encoding length ${r.encodingLength}${r.enumerable ? ', enumerable' : ''}\n`);
    });

  program
    .command('params')
    .description('parameter count of an architecture (given in the space\'s string format)')
    .requiredOption('--space <name>', 'nb201, nb101 or darts')
    .requiredOption('--arch <string>', 'architecture string (NB201 cell string, NB101 JSON spec, DARTS Genotype(...)); @file reads it from a file')
    .option('--classes <n>', 'output classes', int)
    .option('--channels <n>', 'channels (nb201 C, darts C, nb101 stem)', int)
    .option('--cells <n>', 'nb201 cells per stage / darts layers / nb101 modules per stack', int)
    .option('--auxiliary', 'darts: count the auxiliary head')
    .option('--json', 'machine-readable output')
    .action((opts: { space: string; arch: string; classes?: number; channels?: number; cells?: number; auxiliary?: boolean; json?: boolean }) => {
      const text = opts.arch.startsWith('@') ? fs.readFileSync(opts.arch.slice(1), 'utf8').trim() : opts.arch;
      const result = paramCountOf(opts.space, text, opts);
      io.out(opts.json === true ? JSON.stringify(result) + '\n' : `${result.params} parameters (${result.space}, ${result.setting})\n`);
    });

  addStandaloneCommand(program, io);
  addEvalCommand(program, io);
  addGroundTruthCommand(program, io, VERSION);
  addTableSearchCommand(program, io);
  addReportCommand(program, io);

  return program;
}

/** Runs the CLI; returns the exit code. Typed lmreg errors print their message, not a stack. */
export async function main(argv: readonly string[]): Promise<number> {
  const io = { out: (s: string) => void process.stdout.write(s), err: (s: string) => void process.stderr.write(s) };
  const program = createProgram(io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    const e = error as { code?: string; exitCode?: number };
    if (typeof e.code === 'string' && e.code.startsWith('commander.')) {
      return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' ? 0 : (e.exitCode ?? 1);
    }
    if (isLmregError(error)) {
      io.err(`${error.message.startsWith('lmreg ') ? '' : 'lmreg: '}${error.message}\n`);
      return 2;
    }
    throw error;
  }
}
