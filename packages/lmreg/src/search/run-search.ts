import { createRng, InvalidArgumentError } from '@lmreg/common';
import { createLambdaSchedule, createLandmarkTerm, runRounds, selectDiverseLandmarks, selectUniformLandmarks, type RankingLossOptions } from '@lmreg/core';
import { kendallTau, sparseKendallTau, spearman } from '@lmreg/metrics';
import { getSamplerDefinition } from '@lmreg/samplers';
import { getSpace, type SearchSpace } from '@lmreg/spaces';
import * as tf from '@tensorflow/tfjs-core';

import {
  createBatcher,
  loadDataset,
  defaultAugmentation,
  splitTrain,
  takeSubset,
  getNetworkBuilder,
  evaluate,
  cosineLr,
  createSgd,
  RunDir,
  createSupernetTrainer,
  disposeBatches,
  makeEvalBatches,
  networkOptions,
  seedFor,
  trainStandalone,
} from '@lmreg/train';
import type { DatasetSplit, GroundTruthTable, NetworkShape, StandaloneResult } from '@lmreg/train';

import type { EpochRecord, RoundRecord, SearchProgress, SearchResult, VariantResult } from './search-result.js';
import { readExtraLandmarks } from './extra-landmarks.js';
import type { SearchConfig } from '../config/search-config.js';
import { createRunSampler, proposeOnSupernet, searchSupernet, type SearchContext } from './supernet-search.js';
import { openTable, tableResult } from './table-truth.js';

/** Options of {@link runSearch}. */
export interface SearchJobOptions {
  readonly config: SearchConfig;
  /** Run directory (created; must not hold a run unless `resume`). */
  readonly outDir: string;
  /** Continue the run in `outDir` from its last checkpoint. */
  readonly resume?: boolean;
  /** Discard the run in `outDir` (its own files only) and start again. */
  readonly restart?: boolean;
  readonly onProgress?: (progress: SearchProgress) => void;
  readonly onMessage?: (message: string) => void;
}

/**
 * The main job of `lmreg search`: picks landmarks (Algorithm 1) and held-out architectures,
 * trains each alone for its ground truth (cached in the run), trains the super-net with the
 * sampler's paths, with and/or without the landmark term (`createLandmarkTerm`, rounds by
 * `runRounds`), and measures how faithfully each super-net ranks the held-out architectures (S-KdT,
 * never on landmarks). Resumable: stand-alone results are kept per architecture and the super-net
 * is checkpointed atomically every epoch.
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
    const groundTruth = (archs: readonly unknown[], role: string): StandaloneResult[] =>
      archs.map((arch, i) => trainAlone(arch, role, `${role} ${i + 1}/${archs.length}`));
    const landmarks = groundTruth(landmarkArchs, 'landmark');
    const heldOut = groundTruth(heldOutArchs, 'held-out');
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
        trainAlone: (arch, i, n) => trainAlone(arch, 'proposed', `${name} proposal ${i + 1}/${n}`),
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

    const result: SearchResult = {
      space: space.name,
      dataset: config.dataset,
      sampler: config.sampler,
      ...(table === undefined ? {} : { groundTruth: tableSummary(table, config) }),
      landmarks,
      heldOut,
      variants,
      backend: tf.getBackend(),
      seconds: (performance.now() - started) / 1000,
    };
    run.writeJson('result.json', result);
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

/** The penalty options of `config.ranking.loss`. */
function penaltyOf(ranking: SearchConfig['ranking']): Omit<RankingLossOptions, 'reduction'> {
  return ranking.loss === 'logistic' ? { kind: 'softplus' } : { kind: 'hinge', margin: ranking.loss === 'margin-hinge' ? ranking.margin : 0 };
}

interface VariantContext extends SearchContext {
  name: 'baseline' | 'landmarks';
  shape: NetworkShape;
  run: RunDir;
  halves: { supernet: DatasetSplit; ranking: DatasetSplit };
  augment: ReturnType<typeof defaultAugmentation> | false;
  landmarkArchs: readonly unknown[];
  landmarkTruth: readonly number[];
  heldOutArchs: readonly unknown[];
  heldOutTruth: readonly number[];
  onProgress?: (progress: SearchProgress) => void;
  say: (message: string) => void;
}

/**
 * One super-net variant: the sampler's paths with (landmarks) or without (baseline) the landmark
 * term, over `rounds` rounds of `epochs` epochs (core's `runRounds` adds landmarks between them),
 * then the sampler's search on the trained super-net.
 */
async function runVariant(o: VariantContext): Promise<VariantResult> {
  const { config, space, run, name } = o;
  const definition = getSamplerDefinition(config.sampler);
  const sampler = createRunSampler(config);
  // Same seed in both variants: uniform samplers then train both on the same paths and batches.
  sampler.init({ space, rng: createRng(config.seed ^ 0x5eed) });
  const builder = getNetworkBuilder(space.name);
  const weighted = definition.capabilities?.architectureStep === 'weighted-forward';
  if (weighted && builder.weightedForward === undefined) {
    throw new InvalidArgumentError(`sampler ${config.sampler} needs a weighted super-net forward, which the '${space.name}' network builder does not have.`);
  }
  const net = builder.createSupernet(networkOptions(space.name, o.shape, config.seed));
  const optimizer = createSgd({ momentum: config.momentum, weightDecay: config.weightDecay });
  const batches = createBatcher(o.halves.supernet, { batchSize: config.batchSize, seed: config.seed, augment: o.augment, dropLast: true });
  const rankBatches = createBatcher(o.halves.ranking, { batchSize: config.ranking.batchSize, seed: config.seed + 1, augment: o.augment, dropLast: true });
  // Architecture steps (GDAS) draw batches of the ranking split from their own stream.
  const archBatches = createBatcher(o.halves.ranking, { batchSize: config.batchSize, seed: config.seed + 3, augment: o.augment, dropLast: true });
  const stepsPerEpoch = batches.batchesPerEpoch;
  // Every round trains `epochs` epochs; schedules span all rounds, and both variants train all of them.
  const totalEpochs = config.epochs * config.rounds;
  const lr = (epoch: number, step: number): number => cosineLr({ epochs: totalEpochs, stepsPerEpoch, lrMax: config.lr, lrMin: config.lrMin }, epoch, step);
  const schedule = createLambdaSchedule({
    schedule: config.ranking.schedule,
    lambdaMax: config.ranking.lambdaMax,
    totalEpochs,
    warmupEpochs: config.warmupEpochs,
    stepsPerEpoch,
  });
  const term =
    name === 'landmarks'
      ? createLandmarkTerm({
          space,
          schedule,
          pairs: config.ranking.pairs,
          every: config.ranking.every,
          loss: penaltyOf(config.ranking),
          rng: createRng(config.seed + 2),
          landmarks: o.landmarkArchs.map((architecture, i) => ({ architecture, metric: o.landmarkTruth[i] as number })),
        })
      : undefined;
  let supernetAccuracy: number[] = [];
  const heldOutAccuracy = (): number[] => o.heldOutArchs.map((a) => evaluate(net, a, o.evalBatches).accuracy);
  const trainer = createSupernetTrainer({
    network: net,
    sampler,
    train: batches,
    optimizer,
    lr,
    epochs: totalEpochs,
    gradClip: config.gradClip,
    name: `${name} super-net`,
    checkpoint: run.file(`supernet-${name}.bin`),
    ...(term === undefined ? {} : { landmarks: { term, batches: rankBatches } }),
    ...(weighted
      ? {
          architecture: {
            batches: archBatches,
            weightedForward: (a: unknown, w: readonly tf.Tensor1D[], x: tf.Tensor4D) => builder.weightedForward?.(net, a, w, x) as tf.Tensor2D,
          },
        }
      : {}),
    evaluate: () => {
      supernetAccuracy = heldOutAccuracy();
      return rankingMetrics(supernetAccuracy, o.heldOutTruth);
    },
    onStep: (p) => o.onProgress?.({ phase: 'supernet', label: `${name} epoch ${p.epoch + 1}/${totalEpochs}`, done: p.done, total: p.total }),
    onEpoch: (record) => run.log({ event: 'epoch', variant: name, ...record }),
  });
  try {
    const restored = trainer.restore();
    if (restored?.warning !== undefined) o.say(restored.warning);
    const saved = ((restored?.extra as { rounds?: RoundRecord[] } | undefined)?.rounds ?? []).slice();
    // Records logged after the checkpoint the run resumes from (the previous one, when the newest was
    // damaged) are redone: drop them so that no epoch or round is logged twice.
    const resumedEpochs = trainer.epochsDone;
    o.run.dropLogRecords(
      (r) =>
        r['variant'] === name &&
        ((r['event'] === 'epoch' && Number(r['epoch']) >= resumedEpochs) || (r['event'] === 'round' && Number(r['round']) >= saved.length)),
    );
    const records = await runRounds({
      rounds: config.rounds,
      perRound: config.roundLandmarks,
      space,
      exclude: o.heldOutArchs,
      done: saved,
      ...(term === undefined ? {} : { term }),
      trainRound: (round) => trainer.train((round + 1) * config.epochs),
      propose: () => proposeOnSupernet(o, sampler, net, { fresh: true }),
      trainAlone: (arch, i, n) => o.trainAlone(arch, i, n).accuracy,
      onRound: (record, all) => {
        const rounds = all.map((r) => ({ round: r.round, epoch: (r.round + 1) * config.epochs - 1, added: r.added }));
        trainer.save({ rounds });
        run.log({ event: 'round', variant: name, round: record.round, added: record.added });
      },
    });
    if (supernetAccuracy.length === 0) supernetAccuracy = heldOutAccuracy();
    const metrics = rankingMetrics(supernetAccuracy, o.heldOutTruth);
    let bestIndex = 0;
    supernetAccuracy.forEach((a, i) => {
      if (a > (supernetAccuracy[bestIndex] ?? -Infinity)) bestIndex = i;
    });
    const search = await searchSupernet(o, sampler, net);
    return {
      name,
      search,
      rounds: records.map((r) => ({ round: r.round, epoch: (r.round + 1) * config.epochs - 1, added: r.added })),
      ...metrics,
      supernetAccuracy,
      epochs: trainer.history as unknown as EpochRecord[],
      best: {
        arch: space.format(o.heldOutArchs[bestIndex]),
        groundTruth: o.heldOutTruth[bestIndex] ?? NaN,
        supernetAccuracy: supernetAccuracy[bestIndex] ?? NaN,
      },
      seconds: trainer.seconds,
    };
  } finally {
    optimizer.dispose();
    net.dispose();
  }
}

/** S-KdT (accuracies as fractions, 0.1 % bins), Kendall tau-b and Spearman; NaN when undefined. */
export function rankingMetrics(predicted: readonly number[], groundTruth: readonly number[]): { skdt: number; kendallTau: number; spearman: number } {
  if (predicted.length < 2) return { skdt: NaN, kendallTau: NaN, spearman: NaN };
  return {
    skdt: sparseKendallTau(predicted, groundTruth, { threshold: 1e-3 }),
    kendallTau: kendallTau(predicted, groundTruth),
    spearman: spearman(predicted, groundTruth),
  };
}
