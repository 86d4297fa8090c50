import fs from 'node:fs';
import path from 'node:path';

import { InvalidArgumentError, isLmregError } from '@lmreg/common';
import { getSpace, listSpaces } from '@lmreg/spaces';
import { Command } from 'commander';

import { paramCountOf, type BackendRequest } from '@lmreg/train';

import { addSchemaFlags, flagValues } from '../config/schema-flags.js';
import { redactUrl, redisOptionsOf } from '../queue/connection.js';
import { readConfigFile, resolveSearchConfig, searchConfigSchema, type SearchConfig } from '../config/search-config.js';
import { addReportCommand } from '../report/report-command.js';
import { addEvalCommand } from './eval-command.js';
import { addGroundTruthCommand } from './ground-truth-command.js';
import { addTableSearchCommand } from './table-search-command.js';
import { parseIntFlag } from './arch-list.js';
import { chooseBackend } from './backend-line.js';
import { createProgressReporter } from './progress.js';
import { addStandaloneCommand } from './standalone-command.js';
import { formatSearchSummary } from './summary.js';
import { addWorkerCommand } from './worker-command.js';

const VERSION = '0.1.0';

function defaultRunDir(): string {
  const d = new Date();
  const p = (n: number): string => String(n).padStart(2, '0');
  return path.join('runs', `search-${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`);
}

/** Builds the `lmreg` command-line program (commander). `argv` parsing happens in {@link main}. */
export function createProgram(io: { out: (s: string) => void; err: (s: string) => void }): Command {
  const program = new Command('lmreg')
    .description('Landmark-regularized weight-sharing NAS on TensorFlow.js')
    .version(VERSION)
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .exitOverride();

  const search = program
    .command('search')
    .description('train a super-net with and without landmark regularization and report how faithfully it ranks held-out architectures')
    .option('-c, --config <file>', 'JSON or YAML config file (fields of the search config)');
  // Every field of the search config is a flag, derived from its zod schema (names, types, choices, help).
  const searchFlags = addSchemaFlags(search, searchConfigSchema);
  search
    .option('--threads <n>', 'threads of the native backend (default: all cores; wasm and cpu use one)', parseIntFlag)
    .option('-o, --out <dir>', 'run directory (default: runs/search-<date>-<time>)')
    .option('--resume', 'continue the run in --out from its last checkpoint (its config.json is the base; flags need not be repeated)')
    .option('--restart', 'discard the run in --out (its own files) and start again')
    .option(
      '--queue <url>',
      'train the stand-alone networks (landmarks, held-out, round proposals) on `lmreg worker`s of this Redis queue (redis://host:port) instead of in this process',
    )
    .option('--attempts <n>', 'with --queue: attempts per job before it fails (default 3)', parseIntFlag)
    .option('--job-timeout <seconds>', 'with --queue: a worker stops a job running longer (default 3600)', parseIntFlag)
    .option('--json', 'print result.json instead of the table')
    .option('-q, --quiet', 'no progress output')
    .option('--verbose', "how the backend was chosen, and tfjs' own notices")
    .action(async (opts: Record<string, unknown>) => {
      const flags = flagValues(searchFlags, opts);
      if (opts['resume'] === true && typeof opts['out'] !== 'string') {
        throw new InvalidArgumentError('--resume needs the run folder: pass --out <dir> of the run to continue.');
      }
      // A resumed run starts from the config it was started with: flags need not be repeated.
      const stored = opts['resume'] === true ? path.join(path.resolve(String(opts['out'])), 'config.json') : undefined;
      const layers = [
        ...(stored !== undefined && fs.existsSync(stored) ? [{ source: stored, values: readConfigFile(stored) }] : []),
        ...(typeof opts['config'] === 'string' ? [{ source: opts['config'], values: readConfigFile(opts['config']) }] : []),
        { source: 'command-line flags', values: flags },
      ];
      const config: SearchConfig = resolveSearchConfig(layers);
      const queueUrl = typeof opts['queue'] === 'string' ? opts['queue'] : undefined;
      if (queueUrl === undefined && (opts['attempts'] !== undefined || opts['jobTimeout'] !== undefined)) {
        throw new InvalidArgumentError('--attempts and --job-timeout are for the jobs of --queue: add --queue <url>, or drop them.');
      }
      if (queueUrl !== undefined) redisOptionsOf(queueUrl); // a bad URL is refused before any work
      const quiet = opts['quiet'] === true || opts['json'] === true;
      await chooseBackend(
        config.backend as BackendRequest,
        {
          quiet,
          verbose: opts['verbose'] === true,
          ...(opts['threads'] === undefined ? {} : { threads: opts['threads'] as number }),
        },
        io,
      );
      const { runSearch } = await import('../search/run-search.js');
      const progress = createProgressReporter({ quiet });
      const outDir = path.resolve(typeof opts['out'] === 'string' ? opts['out'] : defaultRunDir());
      // Ctrl-C: say how to continue (the last finished epoch is checkpointed).
      const onInterrupt = (): void => {
        progress.stop();
        io.err(
          `\ninterrupted. Continue this run with: lmreg search --out ${JSON.stringify(outDir)} --resume${queueUrl === undefined ? '' : ` --queue ${redactUrl(queueUrl)}`}\n`,
        );
        process.exit(130);
      };
      process.once('SIGINT', onInterrupt);
      try {
        const result = await runSearch({
          config,
          outDir,
          resume: opts['resume'] === true,
          restart: opts['restart'] === true,
          ...(queueUrl === undefined
            ? {}
            : {
                queue: {
                  url: queueUrl,
                  version: VERSION,
                  ...(opts['attempts'] === undefined ? {} : { attempts: opts['attempts'] as number }),
                  ...(opts['jobTimeout'] === undefined ? {} : { timeoutSeconds: opts['jobTimeout'] as number }),
                },
              }),
          onProgress: (p) => progress.update(p),
          onMessage: (m) => (quiet ? undefined : io.err(`${m}\n`)),
        });
        progress.stop();
        io.out(opts['json'] === true ? JSON.stringify(result, null, 2) + '\n' : formatSearchSummary(result, outDir));
      } finally {
        process.removeListener('SIGINT', onInterrupt);
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
      else
        for (const r of rows)
          io.out(`${r.name.padEnd(18)} ${r.size.padStart(28)} architectures, encoding length ${r.encodingLength}${r.enumerable ? ', enumerable' : ''}\n`);
    });

  program
    .command('params')
    .description("parameter count of an architecture (given in the space's string format)")
    .requiredOption('--space <name>', 'nb201, nb101 or darts')
    .requiredOption('--arch <string>', 'architecture string (NB201 cell string, NB101 JSON spec, DARTS Genotype(...)); @file reads it from a file')
    .option('--classes <n>', 'output classes', parseIntFlag)
    .option('--channels <n>', 'channels (nb201 C, darts C, nb101 stem)', parseIntFlag)
    .option('--cells <n>', 'nb201 cells per stage / darts layers / nb101 modules per stack', parseIntFlag)
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
  addWorkerCommand(program, io, VERSION);

  return program;
}

/** Runs the CLI; returns the exit code. Typed lmreg errors print their message, not a stack. */
export async function main(
  argv: readonly string[],
  io: { out: (s: string) => void; err: (s: string) => void } = { out: (s) => void process.stdout.write(s), err: (s) => void process.stderr.write(s) },
): Promise<number> {
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
