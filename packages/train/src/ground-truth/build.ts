import fs from 'node:fs';
import path from 'node:path';

import { createRng, InvalidArgumentError } from '@lmreg/common';
import { getSpace, type SearchSpace } from '@lmreg/spaces';

import { currentBackendName, currentBackendThreads } from '../backend/select-backend.js';
import { loadDataset } from '../data/datasets.js';
import { defaultAugmentation } from '../data/preprocess.js';
import { selectRows, takeSubset } from '../data/split.js';
import type { DatasetSplit } from '../data/types.js';
import { getNetworkBuilder } from '../model/registry.js';
import { RunDir } from '../run/run-dir.js';
import type { LabelledBatch } from '../model/train-step.js';
import { disposeBatches, makeEvalBatches, seedFor, trainStandalone, type NetworkShape } from '../standalone/standalone.js';
import type { GroundTruthConfig } from './config.js';

/** One trained (architecture, seed) pair of a ground-truth table: one line of `rows-*.jsonl`. */
export interface GroundTruthRow {
  /** Position of the architecture in the table's sample (0-based). */
  readonly index: number;
  readonly arch: string;
  readonly key: string;
  /** The training seed from `config.seeds` (the network's own seed is derived from it and `key`). */
  readonly seed: number;
  /** Accuracy (fraction) on the test subset. */
  readonly testAccuracy: number;
  /** Accuracy (fraction) on the validation subset. */
  readonly validAccuracy: number;
  readonly testLoss: number;
  readonly params: number;
  /** Wall-clock seconds of training and both evaluations. */
  readonly seconds: number;
  /** Backend it was trained on ({@link currentBackendName}: `native`, not tfjs' `cpu` underneath). */
  readonly backend: string;
  /** The backend's thread count ({@link currentBackendThreads}; `native` only, absent in older rows). */
  readonly threads?: number;
}

/** The architectures of a table: `config.archs` uniform samples distinct under `space.key`, in order. */
export function sampleTableArchitectures<A>(space: SearchSpace<A>, count: number, seed: number): A[] {
  if (space.size < BigInt(count)) {
    throw new InvalidArgumentError(
      `the space '${space.name}' has only ${space.size} architectures; a table of ${count} distinct ones is impossible. Lower --archs.`,
    );
  }
  const rng = createRng(seed);
  const out: A[] = [];
  const seen = new Set<string>();
  for (let tries = 0; out.length < count; tries++) {
    if (tries > count * 1000) {
      throw new InvalidArgumentError(
        `could not draw ${count} distinct architectures of '${space.name}' (got ${out.length} after ${tries} samples). Lower --archs.`,
      );
    }
    const a = space.sample(rng);
    const k = space.key(a);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(a);
  }
  return out;
}

/** The training, validation and test data of a table, fixed by `dataSeed`. */
export async function loadTableData(
  config: GroundTruthConfig,
): Promise<{ train: DatasetSplit; valid: DatasetSplit; test: DatasetSplit; shape: NetworkShape; source: string }> {
  const dataset = await loadDataset(config.dataset, {
    ...(config.dataDir === undefined ? {} : { dataDir: config.dataDir }),
    resize: { height: config.imageSize, width: config.imageSize },
  });
  const wanted = config.trainSubset + config.validSubset;
  if (wanted > dataset.train.n) {
    throw new InvalidArgumentError(
      `trainSubset + validSubset = ${wanted} exceeds the ${dataset.train.n} training images of ${config.dataset}; lower --train-subset or --valid-subset.`,
    );
  }
  const pool = takeSubset(dataset.train, wanted, config.dataSeed);
  const order = createRng(config.dataSeed + 1).shuffle(Array.from({ length: pool.n }, (_, i) => i));
  const train = selectRows(pool, Int32Array.from(order.slice(0, config.trainSubset)).sort());
  const valid = selectRows(pool, Int32Array.from(order.slice(config.trainSubset)).sort());
  const test = takeSubset(dataset.test, Math.min(config.testSubset, dataset.test.n), config.dataSeed);
  return {
    train,
    valid,
    test,
    shape: { channels: config.channels, cells: config.cells, classes: dataset.classes.length, inputChannels: train.channels },
    source: dataset.source.dir,
  };
}

/** Reads every `rows-*.jsonl` of a table folder (a torn last line from a killed process is skipped). */
export function readGroundTruthRows(dir: string): GroundTruthRow[] {
  if (!fs.existsSync(dir)) return [];
  const rows: GroundTruthRow[] = [];
  for (const f of fs
    .readdirSync(dir)
    .filter((n) => /^rows-.*\.jsonl$/.test(n))
    .sort()) {
    for (const line of fs.readFileSync(path.join(dir, f), 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      try {
        rows.push(JSON.parse(line) as GroundTruthRow);
      } catch {
        // torn line of a killed process: that job runs again
      }
    }
  }
  return rows;
}

/** Which of `count` interleaved workers this process is (`--shard 1/2` = index 0 of 2). */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

/** Options of {@link buildGroundTruth}. */
export interface BuildGroundTruthOptions {
  readonly dir: string;
  readonly config: GroundTruthConfig;
  /** Share the work with other processes: this one trains jobs `j` with `j % count === index`. */
  readonly shard?: Shard;
  /** Stop after this many newly trained jobs (for tests and short sessions). */
  readonly limit?: number;
  readonly onProgress?: (p: { label: string; done: number; total: number }) => void;
  readonly onMessage?: (m: string) => void;
}

/** What one {@link buildGroundTruth} call did. */
export interface BuildGroundTruthReport {
  /** Jobs (architecture x seed) of the whole table. */
  readonly jobs: number;
  /** Jobs done before this call (by any process). */
  readonly before: number;
  /** Jobs this call trained. */
  readonly trained: number;
  /** Jobs still missing after this call (all shards). */
  readonly missing: number;
}

/** One job of a table: architecture `index` of its sample, trained with `seed`. */
export interface GroundTruthJob<A = unknown> {
  readonly index: number;
  readonly arch: A;
  /** `space.key(arch)`. */
  readonly key: string;
  readonly seed: number;
}

/** Every job of a table in build order (all seeds of architecture 0, then of 1, ...). */
export function listGroundTruthJobs(config: GroundTruthConfig): GroundTruthJob[] {
  const space = getSpace(config.space) as SearchSpace<unknown>;
  const archs = sampleTableArchitectures(space, config.archs, config.sampleSeed);
  return archs.flatMap((arch, index) => config.seeds.map((seed) => ({ arch, index, seed, key: space.key(arch) })));
}

/**
 * What the jobs of one table share: its data (loaded once) and its evaluation batches (tensors).
 * Made by {@link prepareGroundTruthJobs}; the caller calls `dispose()` when done.
 */
export interface GroundTruthJobContext {
  readonly config: GroundTruthConfig;
  readonly space: SearchSpace<unknown>;
  /** Where the data set was read from. */
  readonly source: string;
  readonly sizes: { readonly train: number; readonly valid: number; readonly test: number };
  /** Frees the evaluation batches. */
  dispose(): void;
}

interface ContextInternals extends GroundTruthJobContext {
  readonly data: Awaited<ReturnType<typeof loadTableData>>;
  readonly testBatches: LabelledBatch[];
  readonly validBatches: LabelledBatch[];
}

/**
 * Loads a table's data and makes its evaluation batches, for {@link trainGroundTruthJob}. Throws
 * the data set's own error (e.g. `FileFormatError`) when the data is missing on this machine.
 */
export async function prepareGroundTruthJobs(config: GroundTruthConfig): Promise<GroundTruthJobContext> {
  const space = getSpace(config.space) as SearchSpace<unknown>;
  getNetworkBuilder(space.name);
  const data = await loadTableData(config);
  const testBatches = makeEvalBatches(data.test, 500);
  const validBatches = makeEvalBatches(data.valid, 500);
  const context: ContextInternals = {
    config,
    space,
    data,
    testBatches,
    validBatches,
    source: data.source,
    sizes: { train: data.train.n, valid: data.valid.n, test: data.test.n },
    dispose: () => {
      disposeBatches(testBatches);
      disposeBatches(validBatches);
    },
  };
  return context;
}

/**
 * Trains ONE job of a table (its architecture alone, with its seed) and returns its row: the same
 * row whichever process or machine trains it (the network's seed comes from `seed` and the key).
 * `arch` may be the architecture or its `space.format` string. Leaks no tensors.
 */
export function trainGroundTruthJob(
  context: GroundTruthJobContext,
  job: { readonly index: number; readonly arch: unknown; readonly seed: number },
  options: { readonly onStep?: (done: number, total: number) => void } = {},
): GroundTruthRow {
  const { config, space, data, testBatches, validBatches } = context as ContextInternals;
  const arch = typeof job.arch === 'string' ? space.parse(job.arch) : job.arch;
  const key = space.key(arch);
  const r = trainStandalone({
    space,
    arch,
    shape: data.shape,
    recipe: config.recipe,
    train: data.train,
    evalBatches: testBatches,
    validBatches,
    augment: config.augment ? defaultAugmentation(config.dataset) : false,
    seed: seedFor(job.seed, key),
    ...(options.onStep === undefined ? {} : { onStep: options.onStep }),
  });
  return {
    index: job.index,
    arch: r.arch,
    key: r.key,
    seed: job.seed,
    testAccuracy: r.accuracy,
    validAccuracy: r.validAccuracy ?? NaN,
    testLoss: r.loss,
    params: r.params,
    seconds: r.seconds,
    backend: currentBackendName(),
    ...threadsField(currentBackendThreads()),
  };
}

function threadsField(threads: number | undefined): { threads?: number } {
  return threads === undefined ? {} : { threads };
}

/**
 * Appends one row to a `rows-*.jsonl` file and fsyncs it. A process killed mid-write leaves a torn
 * last line: the next append starts on a fresh line, so that line stays the only casualty (and
 * {@link readGroundTruthRows} skips it).
 */
export function appendGroundTruthRow(file: string, row: GroundTruthRow): void {
  const fd = fs.openSync(file, 'a+');
  try {
    const size = fs.fstatSync(fd).size;
    const last = Buffer.alloc(1);
    const torn = size > 0 && fs.readSync(fd, last, 0, 1, size - 1) === 1 && last[0] !== 0x0a;
    fs.writeSync(fd, (torn ? '\n' : '') + JSON.stringify(row) + '\n');
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Builds (or continues) a ground-truth table in `dir`: every sampled architecture trained alone
 * once per seed with one recipe, each result appended to `rows-<shard>.jsonl` as soon as it is
 * done (fsync'd), so a killed build continues at the next job and several processes (shards) or
 * days can share the work. `config.json` pins the config: a different one is refused. Jobs run
 * architecture by architecture (all seeds of one, then the next), so a partial table already has
 * complete seed pairs for the noise ceiling.
 */
export async function buildGroundTruth(options: BuildGroundTruthOptions): Promise<BuildGroundTruthReport> {
  const { config, dir } = options;
  const say = options.onMessage ?? (() => undefined);
  const shard = options.shard ?? { index: 0, count: 1 };
  if (!Number.isSafeInteger(shard.count) || shard.count < 1 || !Number.isSafeInteger(shard.index) || shard.index < 0 || shard.index >= shard.count) {
    throw new InvalidArgumentError(`shard must be i/n with 1 <= i <= n (got ${shard.index + 1}/${shard.count}).`);
  }
  // Shards (--shard i/n) share the folder on purpose: no folder lock (rows go to one file per shard).
  RunDir.open(dir, config, { resume: fs.existsSync(path.join(dir, 'config.json')), lock: false });
  getNetworkBuilder(config.space);
  const jobs = listGroundTruthJobs(config);
  const doneKeys = (): Set<string> => new Set(readGroundTruthRows(dir).map((r) => `${r.key}#${r.seed}`));
  const done = doneKeys();
  const mine = jobs.filter((j, i) => i % shard.count === shard.index && !done.has(`${j.key}#${j.seed}`));
  const todo = options.limit === undefined ? mine : mine.slice(0, options.limit);
  say(
    `ground truth: ${jobs.length} jobs (${config.archs} architectures x ${config.seeds.length} seeds), ${done.size} done, ${todo.length} to train in this process (shard ${shard.index + 1}/${shard.count})`,
  );
  if (todo.length === 0) {
    return { jobs: jobs.length, before: done.size, trained: 0, missing: jobs.length - done.size };
  }
  const context = await prepareGroundTruthJobs(config);
  say(
    `data: ${config.dataset} from ${context.source}: ${context.sizes.train} train, ${context.sizes.valid} validation, ${context.sizes.test} test images at ${config.imageSize}x${config.imageSize}`,
  );
  const rowsFile = path.join(dir, shard.count === 1 ? 'rows-all.jsonl' : `rows-${shard.index + 1}of${shard.count}.jsonl`);
  let trained = 0;
  try {
    for (const [n, job] of todo.entries()) {
      const label = `arch ${job.index + 1}/${config.archs} seed ${job.seed} (${n + 1}/${todo.length})`;
      const row = trainGroundTruthJob(context, job, { onStep: (d, t) => options.onProgress?.({ label, done: d, total: t }) });
      appendGroundTruthRow(rowsFile, row);
      trained++;
    }
  } finally {
    context.dispose();
  }
  const after = doneKeys().size;
  return { jobs: jobs.length, before: done.size, trained, missing: jobs.length - after };
}
