import { createRng, InvalidArgumentError } from '@lmreg/common';
import { selectDiverseLandmarks, selectUniformLandmarks } from '@lmreg/core';
import { getSpace, type SearchSpace } from '@lmreg/spaces';
import {
  currentBackendName,
  currentBackendThreads,
  defaultAugmentation,
  disposeBatches,
  getNetworkBuilder,
  loadDataset,
  makeEvalBatches,
  RunDir,
  seedFor,
  splitTrain,
  takeSubset,
  trainStandalone,
  type GroundTruthTable,
  type NetworkShape,
  type StandaloneResult,
} from '@lmreg/train';

import type { SearchConfig } from '../config/search-config.js';
import type { StandaloneQueueOptions } from '../queue/standalone-producer.js';
import { readExtraLandmarks } from './extra-landmarks.js';
import { runVariant } from './run-variant.js';
import { writeSearchResult, type SearchProgress, type SearchResult, type VariantResult } from './search-result.js';
import { openTable, tableResult } from './table-truth.js';

export { rankingMetrics } from './ranking-metrics.js';

/** Options of {@link runSearch}. */
export interface SearchJobOptions {
  readonly config: SearchConfig;
  /** Run directory (created; must not hold a run unless `resume`). */
  readonly outDir: string;
  /** Continue the run in `outDir` from its last checkpoint. */
  readonly resume?: boolean;
  /** Discard the run in `outDir` (its own files only) and start again. */
  readonly restart?: boolean;
  /**
   * Train the run's architectures alone (landmarks, held-out ones, each round's proposals, the
   * search's top) as jobs on the `lmreg worker`s of this Redis queue instead of in this process:
   * each batch enqueued at once, results stored in the run's standalone.json as they arrive.
   * Absent: they are trained here, one after another.
   */
  readonly queue?: StandaloneQueueOptions;
  readonly onProgress?: (progress: SearchProgress) => void;
  readonly onMessage?: (message: string) => void;
}

/**
 * The main job of `lmreg search`: picks landmarks (Algorithm 1) and held-out architectures,
 * trains each alone for its ground truth (cached in the run), trains the super-net with the
 * sampler's paths, with and/or without the landmark term (`createLandmarkTerm`, rounds by
 * `runRounds`), and measures how faithfully each super-net ranks the held-out architectures (S-KdT,
 * never on landmarks). Resumable: stand-alone results are kept per architecture and the super-net
 * is checkpointed atomically every epoch. `result.json` records the backend as
 * `currentBackendName()` of @lmreg/train (e.g. `native`, the backend `selectBackend` selected).
 *
 * @throws QueueUnreachableError with `queue`, when no Redis answers at its URL (checked first).
 */
export async function runSearch(options: SearchJobOptions): Promise<SearchResult> {
  const { config } = options;
  const say = options.onMessage ?? (() => undefined);
  const started = performance.now();
  const space = getSpace(config.space) as SearchSpace<unknown>;
  getNetworkBuilder(space.name); // fail early with the list of spaces that have a builder
  if (space.name.startsWith('depth')) {
    throw new InvalidArgumentError(
      `lmreg search trains classification super-nets (nb201, nb101, darts); '${space.name}' is a depth-estimation space whose networks need a depth data set and ssiLoss, which this job does not drive yet. Use the depth builder and ssiLoss from the library.`,
    );
  }

  // With a queue: the producer's half of `lmreg worker` (loaded only then), and a Redis that answers.
  const producer = options.queue === undefined ? undefined : await import('../queue/standalone-producer.js');
  const recipeOf = options.queue === undefined ? undefined : (await import('../queue/standalone-recipe.js')).standaloneRecipeOf;
  if (options.queue !== undefined) await (await import('../queue/connection.js')).checkRedis(options.queue.url);

  // Data: a subset of the training set split in halves (super-net / ranking), a test subset.
  const dataset = await loadDataset(config.dataset, {
    ...(config.dataDir === undefined ? {} : { dataDir: config.dataDir }),
    resize: { height: config.imageSize, width: config.imageSize },
  });
  say(`data: ${config.dataset} from ${dataset.source.dir}, resized to ${config.imageSize}x${config.imageSize}`);
  const trainAll = takeSubset(dataset.train, Math.min(config.trainSubset, dataset.train.n), config.seed);
  const test = takeSubset(dataset.test, Math.min(config.testSubset, dataset.test.n), config.seed);
  const halves = splitTrain(trainAll, { fraction: 0.5, seed: config.seed });
  const augment = config.augment ? defaultAugmentation(config.dataset) : false;
  const shape: NetworkShape = { channels: config.channels, cells: config.cells, classes: dataset.classes.length, inputChannels: trainAll.channels };

  // With a ground-truth table, every architecture of the run comes from its rows.
  const table = config.groundTruth === undefined ? undefined : openTable(config, space, dataset.classes.length);
  const pool: SearchSpace<unknown> = table?.searchSpace ?? space;
  if (table !== undefined) {
    const c = table.meta.noiseCeiling;
    say(
      `ground truth: table '${table.name}' (${table.size} architectures, noise ceiling S-KdT ${c.skdt.toFixed(3)}); landmarks, held-out architectures and searches come from its rows`,
    );
  }
  const roundSlots = config.ranking.enabled ? (config.rounds - 1) * config.roundLandmarks : 0;
  if (table !== undefined && config.landmarks.count + config.heldOut + roundSlots > table.size) {
    throw new InvalidArgumentError(
      `the table '${table.name}' has ${table.size} architectures, fewer than ${config.landmarks.count} landmarks + ${config.heldOut} held-out + ${roundSlots} added over the rounds; lower --held-out or --landmarks.`,
    );
  }

  // Everything that can be refused has been checked: only now does the folder become a run (a search
  // that fails at start leaves no config.json behind that would block the corrected rerun).
  const run = RunDir.open(options.outDir, config, { resume: options.resume ?? false, restart: options.restart ?? false });
  for (const note of run.notes) say(note);
  run.log({ event: 'data', dataset: config.dataset, dir: dataset.source.dir }); // the folder actually read
  // Architectures: landmarks (Algorithm 1 or uniform) and held-out ones, distinct by key.
  const archRng = createRng(config.seed);
  const landmarkArchs =
    config.landmarks.selection === 'diverse'
      ? selectDiverseLandmarks(pool, config.landmarks.count, archRng, { tau: config.landmarks.tau })
      : selectUniformLandmarks(pool, config.landmarks.count, archRng);
  // Previously trained stand-alone models join the landmarks with their recorded accuracy.
  const extra = config.landmarks.add === undefined ? [] : readExtraLandmarks(config.landmarks.add, space);
  const selectedKeys = new Set(landmarkArchs.map((a) => space.key(a)));
  for (const e of extra) {
    if (selectedKeys.has(e.result.key)) continue;
    selectedKeys.add(e.result.key);
    landmarkArchs.push(e.arch);
  }
  if (extra.length > 0) say(`landmarks: ${extra.length} trained alone earlier added from ${config.landmarks.add ?? ''} (${landmarkArchs.length} in all)`);
  const heldOutArchs = selectUniformLandmarks(pool, config.heldOut, archRng, { exclude: [...selectedKeys] });

  // Ground truth: every landmark and held-out architecture trained alone (cached per key) or looked up.
  const evalBatches = makeEvalBatches(test, 256);
  try {
    // Per-architecture results are merged into standalone.json under a lock: two processes on one
    // folder never lose each other's entries.
    const cache = run.readJson<Record<string, StandaloneResult>>('standalone.json') ?? {};
    for (const e of extra) cache[e.result.key] ??= e.result; // their recorded accuracy, not retrained
    const trainAlone = (arch: unknown, role: string, label: string): StandaloneResult => {
      const key = space.key(arch);
      const known = cache[key] ?? (table === undefined ? undefined : tableResult(table, arch));
      if (known !== undefined) return known;
      const result = trainStandalone({
        space,
        arch,
        shape,
        recipe: config.standalone,
        train: trainAll,
        evalBatches,
        augment,
        seed: seedFor(config.seed, key),
        onStep: (done, total) => options.onProgress?.({ phase: 'standalone', label, done, total }),
      });
      cache[key] = result;
      Object.assign(cache, run.mergeJson('standalone.json', { [key]: result }));
      run.log({ event: 'standalone', role, ...result });
      return result;
    };
    // With a queue: the architectures of a batch whose results are not known yet go to the workers at
    // once; their results land in the cache (and standalone.json), where trainAlone then finds them.
    const onQueue = async (items: readonly { readonly arch: unknown; readonly role: string; readonly label: string }[]): Promise<void> => {
      if (producer === undefined || recipeOf === undefined || options.queue === undefined) return;
      const roles = new Map<string, string>();
      const archs: { arch: string; key: string; label: string }[] = [];
      for (const { arch, role, label } of items) {
        const key = space.key(arch);
        if (roles.has(key) || cache[key] !== undefined || (table !== undefined && tableResult(table, arch) !== undefined)) continue;
        roles.set(key, role);
        archs.push({ arch: space.format(arch), key, label });
      }
      if (archs.length === 0) return;
      await producer.trainStandaloneOnQueue({
        ...options.queue,
        recipe: recipeOf(config),
        archs,
        onResult: (result) => {
          cache[result.key] = result;
          Object.assign(cache, run.mergeJson('standalone.json', { [result.key]: result }));
          run.log({ event: 'standalone', role: roles.get(result.key), ...result });
        },
        onProgress: (p) => options.onProgress?.({ phase: 'standalone', label: 'jobs on the queue', done: p.done, total: p.total }),
        onMessage: say,
      });
    };
    const labelled = (archs: readonly unknown[], role: string): { arch: unknown; role: string; label: string }[] =>
      archs.map((arch, i) => ({ arch, role, label: `${role} ${i + 1}/${archs.length}` }));
    const groundTruth = async (archs: readonly unknown[], role: string): Promise<StandaloneResult[]> => {
      const out: StandaloneResult[] = [];
      for (const [i, arch] of archs.entries()) {
        out.push(trainAlone(arch, role, `${role} ${i + 1}/${archs.length}`));
        await new Promise<void>((resolve) => setImmediate(resolve)); // let signal handlers (Ctrl-C) run between trainings
      }
      return out;
    };
    await onQueue([...labelled(landmarkArchs, 'landmark'), ...labelled(heldOutArchs, 'held-out')]);
    const landmarks = await groundTruth(landmarkArchs, 'landmark');
    const heldOut = await groundTruth(heldOutArchs, 'held-out');
    say(`ground truth: ${landmarks.length} landmarks, ${heldOut.length} held-out architectures ${table === undefined ? 'trained alone' : 'from the table'}`);

    const names: Array<'baseline' | 'landmarks'> = config.compareBaseline ? ['baseline', 'landmarks'] : [config.ranking.enabled ? 'landmarks' : 'baseline'];
    const variants: VariantResult[] = [];
    for (const name of names) {
      const done = run.readJson<VariantResult>(`variant-${name}.json`);
      if (done !== undefined) {
        variants.push(done);
        continue;
      }
      const result = await runVariant({
        name,
        config,
        space,
        shape,
        run,
        halves,
        augment,
        evalBatches,
        ...(options.queue === undefined
          ? { trainAlone: (arch: unknown, i: number, n: number) => trainAlone(arch, 'proposed', `${name} proposal ${i + 1}/${n}`) }
          : {
              trainAlone: async (arch: unknown, i: number, n: number) => {
                const label = `${name} proposal ${i + 1}/${n}`;
                await onQueue([{ arch, role: 'proposed', label }]);
                return trainAlone(arch, 'proposed', label);
              },
              trainAloneMany: (archs: readonly unknown[]) => onQueue(labelled(archs, `${name} proposal`).map((item) => ({ ...item, role: 'proposed' }))),
            }),
        knownTruth: (arch) => cache[space.key(arch)]?.accuracy ?? table?.accuracyOf(arch),
        ...(table === undefined ? {} : { table }),
        landmarkArchs,
        landmarkTruth: landmarks.map((l) => l.accuracy),
        heldOutArchs,
        heldOutTruth: heldOut.map((h) => h.accuracy),
        ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
        say,
      });
      run.writeJson(`variant-${name}.json`, result);
      variants.push(result);
      say(`${name}: S-KdT ${result.skdt.toFixed(3)} on ${heldOut.length} held-out architectures`);
    }

    const threads = currentBackendThreads();
    const result: SearchResult = {
      space: space.name,
      dataset: config.dataset,
      sampler: config.sampler,
      ...(table === undefined ? {} : { groundTruth: tableSummary(table, config) }),
      landmarks,
      heldOut,
      variants,
      backend: currentBackendName(),
      ...(threads === undefined ? {} : { threads }),
      seconds: (performance.now() - started) / 1000,
    };
    writeSearchResult(run, result); // validated against the schema the report reads
    run.log({ event: 'done', seconds: result.seconds });
    return result;
  } finally {
    disposeBatches(evalBatches);
    run.close();
  }
}

function tableSummary(table: GroundTruthTable, config: SearchConfig): NonNullable<SearchResult['groundTruth']> {
  const c = table.meta.noiseCeiling;
  return {
    name: table.name,
    dir: config.groundTruth ?? '',
    size: table.size,
    noiseCeiling: { skdt: c.skdt, kendallTau: c.kendallTau, spearman: c.spearman, n: c.n },
  };
}
