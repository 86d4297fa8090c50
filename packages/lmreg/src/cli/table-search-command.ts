import { InvalidArgumentError } from '@lmreg/common';
import { getSampler, searchTable, type BenchmarkTable } from '@lmreg/samplers';
import { Option, type Command } from 'commander';

import { selectBackend, type BackendRequest } from '@lmreg/train';

import { loadGroundTruthTable } from '@lmreg/train';

import { parseIntFlag } from './arch-list.js';
import type { CliIo } from './standalone-command.js';

/** What `lmreg table-search --json` prints. */
export interface TableSearchReport {
  readonly table: string;
  readonly sampler: string;
  readonly fitness: string;
  readonly report: string;
  readonly budget: number;
  readonly seeds: number;
  /** Mean and sample standard deviation of the reported column over the seeds. */
  readonly mean: number;
  readonly std: number;
  /** Best possible value of the reported column in the table (the oracle's optimum). */
  readonly optimum: number;
  readonly msPerRun: number;
  /** The tfjs backend the sampler's model ran on (samplers that train one, e.g. `nao`), or null. */
  readonly backend: string | null;
}

/** Samplers whose `propose` trains a tfjs model and so needs a backend. */
const TFJS_SAMPLERS = new Set(['nao']);

async function openTable(name: string): Promise<{ table: BenchmarkTable<unknown, string>; fitness: string; report: string }> {
  if (name === 'nb201') {
    const { nb201Table } = await import('@lmreg/samplers/nb201-table');
    return { table: nb201Table as unknown as BenchmarkTable<unknown, string>, fitness: 'cifar10valid_val_12', report: 'cifar10_test_200' };
  }
  return { table: loadGroundTruthTable(name) as unknown as BenchmarkTable<unknown, string>, fitness: 'valid', report: 'test' };
}

/**
 * Registers `lmreg table-search`: a sampler searches a tabular benchmark (NAS-Bench-201, or a
 * ground-truth table built by `lmreg ground-truth`) instead of a super-net, over many seeds, in
 * seconds; prints the mean ± std of the chosen architectures' reported accuracy.
 */
export function addTableSearchCommand(program: Command, io: CliIo): Command {
  return program
    .command('table-search')
    .description('search a tabular benchmark (nb201, or a ground-truth table folder) with a sampler, over many seeds')
    .requiredOption('--table <name|dir>', "'nb201' (the bundled NAS-Bench-201 table) or a finished ground-truth table folder")
    .option('--sampler <name>', 'spos (regularized evolution), random, predictor, nao', 'spos')
    .option('--budget <n>', 'queries (distinct architectures) per search', parseIntFlag, 100)
    .option('--seeds <n>', 'searches, with seeds 0..n-1', parseIntFlag, 100)
    .option('--fitness <column>', 'column the search sees (default: cifar10valid_val_12 for nb201, valid for ground-truth tables)')
    .option('--report <column>', 'column reported for the chosen architecture (default: cifar10_test_200 / test)')
    .option('--population <n>', 'spos: population of regularized evolution', parseIntFlag)
    .option('--tournament <n>', 'spos: tournament size', parseIntFlag)
    .addOption(
      new Option(
        '--backend <name>',
        'tfjs backend for samplers that train a model (nao); auto: tensorflow when installed, else wasm (about 4x faster than cpu here)',
      )
        .choices(['auto', 'tensorflow', 'wasm', 'cpu', 'native'])
        .default('auto'),
    )
    .option('--json', 'print JSON')
    .action(async (opts: Record<string, unknown>) => {
      const { table, fitness, report } = await openTable(String(opts['table']));
      const f = (opts['fitness'] as string | undefined) ?? fitness;
      const r = (opts['report'] as string | undefined) ?? report;
      const budget = opts['budget'] as number;
      const seeds = opts['seeds'] as number;
      if (!(seeds >= 1)) throw new InvalidArgumentError(`--seeds must be at least 1, got ${seeds}.`);
      const samplerOptions: Record<string, unknown> = { budget };
      if (opts['population'] !== undefined) samplerOptions['population'] = opts['population'];
      if (opts['tournament'] !== undefined) samplerOptions['tournament'] = opts['tournament'];
      const name = String(opts['sampler']);
      getSampler(name, samplerOptions); // unknown names and bad options fail here, before any backend loads
      const backend = TFJS_SAMPLERS.has(name) ? (await selectBackend(opts['backend'] as BackendRequest)).name : null;
      const started = performance.now();
      const values: number[] = [];
      for (let seed = 0; seed < seeds; seed++) {
        const result = await searchTable(getSampler(name, samplerOptions), table, { fitness: f, report: r, budget, seed });
        values.push(result.reported);
      }
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      const std = values.length > 1 ? Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1)) : NaN;
      let optimum = -Infinity;
      for (let row = 0; row < table.size; row++) optimum = Math.max(optimum, table.value(row, r));
      const out: TableSearchReport = {
        table: table.name,
        sampler: name,
        fitness: f,
        report: r,
        budget,
        seeds,
        mean,
        std,
        optimum,
        msPerRun: (performance.now() - started) / seeds,
        backend,
      };
      io.out(
        opts['json'] === true
          ? JSON.stringify(out) + '\n'
          : `${name} on ${table.name}: ${r} of the chosen architecture ${mean.toFixed(2)}${seeds > 1 ? ` ± ${std.toFixed(2)}` : ''} over ${seeds} seed${seeds > 1 ? 's' : ''} (budget ${budget}, fitness ${f}; table optimum ${optimum.toFixed(2)}; ${out.msPerRun.toFixed(1)} ms per search${backend === null ? '' : `, tfjs ${backend}`})\n`,
      );
    });
}
