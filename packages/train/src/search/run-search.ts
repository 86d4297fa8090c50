import fs from 'node:fs';

import { createRng, createRngFromState, InvalidArgumentError, LmregError, type Rng } from '@lmreg/common';
import { createLambdaSchedule, pairRankingLoss, samplePairs, selectDiverseLandmarks, selectUniformLandmarks } from '@lmreg/core';
import { kendallTau, sparseKendallTau, spearman } from '@lmreg/metrics';
import { getSampler, type GdasStepContext, type Sampler, type SamplerState } from '@lmreg/samplers';
import { getSpace, type RestrictedSpace, type SearchSpace } from '@lmreg/spaces';
import * as tf from '@tensorflow/tfjs-core';

import type { SearchConfig } from '../config/search-config.js';
import { createBatcher, type BatcherState } from '../data/batcher.js';
import { loadDataset } from '../data/datasets.js';
import { defaultAugmentation } from '../data/preprocess.js';
import { splitTrain, takeSubset } from '../data/split.js';
import type { DatasetSplit } from '../data/types.js';
import { getNetworkBuilder } from '../model/registry.js';
import type { Network } from '../model/network.js';
import { Nb201Network } from '../model/nb201-network.js';
import { loadGroundTruthTable, type GroundTruthTable } from '../ground-truth/table.js';
import { evaluate, softmaxCrossEntropy, trainStep, type LabelledBatch } from '../model/train-step.js';
import { cosineLr } from '../optim/schedule.js';
import { createSgd } from '../optim/sgd.js';
import { loadCheckpoint, saveCheckpoint } from '../run/checkpoint.js';
import { RunDir } from '../run/run-dir.js';
import { readExtraLandmarks } from './extra-landmarks.js';
import { nb201WeightedForward } from './gdas-forward.js';
import { disposeBatches, makeEvalBatches, networkOptions, seedFor, trainStandalone, type NetworkShape, type StandaloneResult } from './standalone.js';

/** Training diverged (a NaN or infinite loss); the last good checkpoint is intact. */
export class DivergedError extends LmregError {
  constructor(message: string) {
    super('LMREG_DIVERGED', message);
  }
}

/** Progress of a long phase, for progress bars. */
export interface SearchProgress {
  readonly phase: 'standalone' | 'supernet';
  /** What is running, e.g. `landmark 3/10` or `landmarks epoch 2/6`. */
  readonly label: string;
  readonly done: number;
  readonly total: number;
}

/** Options of {@link runSearch}. */
export interface SearchJobOptions {
  readonly config: SearchConfig;
  /** Run directory (created; must not hold a run unless `resume`). */
  readonly outDir: string;
  /** Continue the run in `outDir` from its last checkpoint. */
  readonly resume?: boolean;
  readonly onProgress?: (progress: SearchProgress) => void;
  readonly onMessage?: (message: string) => void;
}

/** One epoch of super-net training. */
export interface EpochRecord {
  readonly epoch: number;
  readonly loss: number;
  readonly rankingLoss: number;
  readonly lambda: number;
  readonly lr: number;
  /** S-KdT of the super-net on the held-out architectures after this epoch. */
  readonly skdt: number;
  readonly kendallTau: number;
  readonly spearman: number;
  readonly seconds: number;
}

/** One architecture proposed by the sampler's search on the trained super-net. */
export interface ProposedArchitecture {
  readonly arch: string;
  /** Accuracy (fraction) of its path on the super-net over the test subset. */
  readonly supernetAccuracy: number;
  /** Stand-alone accuracy, when known (trained alone in this run, or in the ground-truth table); otherwise absent. */
  readonly groundTruth?: number;
  /** With a ground-truth table: 1-based rank of its ground truth among the table's rows (1 = best). */
  readonly rank?: number;
}

/** The sampler's search on the trained super-net (`sampler.propose`). */
export interface SamplerSearchResult {
  readonly sampler: string;
  /** Distinct architectures evaluated on the super-net. */
  readonly evaluated: number;
  /** The best `search.top` proposals, best first. */
  readonly top: readonly ProposedArchitecture[];
  /** GDAS only: the argmax architecture of the final logits. */
  readonly argmax?: string;
}

/** One round boundary of the multi-iteration pipeline (Algorithm 1): the landmarks it added. */
export interface RoundRecord {
  /** 0-based round that just ended. */
  readonly round: number;
  /** Last epoch of that round (0-based, over all rounds). */
  readonly epoch: number;
  /** The sampler's best non-landmark, non-held-out proposals, trained alone and added as landmarks. */
  readonly added: readonly { readonly arch: string; readonly supernetAccuracy: number; readonly groundTruth: number }[];
}

/** Outcome of one super-net variant (with or without the landmark term). */
export interface VariantResult {
  readonly name: 'baseline' | 'landmarks';
  readonly skdt: number;
  readonly kendallTau: number;
  readonly spearman: number;
  /** Super-net accuracy of each held-out architecture (same order as `SearchResult.heldOut`). */
  readonly supernetAccuracy: readonly number[];
  readonly epochs: readonly EpochRecord[];
  /** The held-out architecture the super-net ranks best, and its ground-truth accuracy. */
  readonly best: { readonly arch: string; readonly groundTruth: number; readonly supernetAccuracy: number };
  /** What the sampler's search on this super-net returns. */
  readonly search: SamplerSearchResult;
  /** Round boundaries of the multi-iteration pipeline (empty with `rounds: 1` or without landmarks). */
  readonly rounds: readonly RoundRecord[];
  readonly seconds: number;
}

/** `result.json` of a search run. */
export interface SearchResult {
  readonly space: string;
  readonly dataset: string;
  readonly sampler: string;
  /** The ground-truth table the run drew its architectures from (config `groundTruth`), if any. */
  readonly groundTruth?: {
    readonly name: string;
    readonly dir?: string;
    readonly size: number;
    readonly noiseCeiling: { readonly skdt: number; readonly kendallTau: number; readonly spearman: number; readonly n: number };
  };
  readonly landmarks: readonly StandaloneResult[];
  readonly heldOut: readonly StandaloneResult[];
  readonly variants: readonly VariantResult[];
  readonly backend: string;
  readonly seconds: number;
}

interface VariantCheckpointMeta {
  readonly epoch: number;
  readonly sampler?: SamplerState;
  readonly pairRng: number[];
  readonly batcher: BatcherState;
  readonly rankBatcher: BatcherState;
  readonly archBatcher: BatcherState;
  /** Landmarks added by the multi-iteration pipeline so far (formatted), with their rounds' records. */
  readonly rounds?: RoundRecord[];
  readonly history: EpochRecord[];
  readonly seconds: number;
}

/**
 * The main job of `lmreg search`: picks landmarks (Algorithm 1) and held-out architectures,
 * trains each alone for its ground truth (cached in the run), trains the super-net with SPOS
 * uniform paths, with and/or without the landmark ranking term, and measures how faithfully each
 * super-net ranks the held-out architectures (S-KdT, never on landmarks). Resumable: stand-alone
 * results are kept per architecture and the super-net is checkpointed atomically every epoch.
 */
export async function runSearch(options: SearchJobOptions): Promise<SearchResult> {
  const { config } = options;
  const say = options.onMessage ?? (() => undefined);
  const started = performance.now();
  const run = RunDir.open(options.outDir, config, { resume: options.resume ?? false });
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
  const shape: NetworkShape = {
    channels: config.channels,
    cells: config.cells,
    classes: dataset.classes.length,
    inputChannels: trainAll.channels,
  };

  // With a ground-truth table, every architecture of the run comes from its rows.
  const table = config.groundTruth === undefined ? undefined : openTable(config, space, dataset.classes.length);
  const pool: SearchSpace<unknown> = table?.searchSpace ?? space;
  if (table !== undefined) {
    const c = table.meta.noiseCeiling;
    say(`ground truth: table '${table.name}' (${table.size} architectures, noise ceiling S-KdT ${c.skdt.toFixed(3)}); landmarks, held-out architectures and searches come from its rows`);
  }

  const roundSlots = config.ranking.enabled ? (config.rounds - 1) * config.roundLandmarks : 0;
  if (table !== undefined && config.landmarks.count + config.heldOut + roundSlots > table.size) {
    throw new InvalidArgumentError(
      `the table '${table.name}' has ${table.size} architectures, fewer than ${config.landmarks.count} landmarks + ${config.heldOut} held-out + ${roundSlots} added over the rounds; lower --held-out or --landmarks.`,
    );
  }

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
  const heldOutArchs = selectUniformLandmarks(pool, config.heldOut, archRng, {
    exclude: [...selectedKeys],
  });

  // Ground truth: every landmark and held-out architecture trained alone (cached per key).
  const evalBatches = makeEvalBatches(test, 256);
  try {
    const cache = run.readJson<Record<string, StandaloneResult>>('standalone.json') ?? {};
    for (const e of extra) cache[e.result.key] ??= e.result; // their recorded accuracy, not retrained
    const trainAlone = (arch: unknown, role: string, label: string): StandaloneResult => {
      const key = space.key(arch);
      const cached = cache[key];
      if (cached !== undefined) return cached;
      const looked = table === undefined ? undefined : tableResult(table, arch);
      if (looked !== undefined) return looked;
      const result = trainStandalone({
        space, arch, shape, recipe: config.standalone, train: trainAll, evalBatches, augment,
        seed: seedFor(config.seed, key),
        onStep: (done, total) => options.onProgress?.({ phase: 'standalone', label, done, total }),
      });
      cache[key] = result;
      run.writeJson('standalone.json', cache);
      run.log({ event: 'standalone', role, ...result });
      return result;
    };
    const groundTruth = (archs: readonly unknown[], role: string): StandaloneResult[] =>
      archs.map((arch, i) => {
        const key = space.key(arch);
        const cached = cache[key];
        if (cached !== undefined) return cached;
        const looked = table === undefined ? undefined : tableResult(table, arch);
        if (looked !== undefined) return looked;
        const label = `${role} ${i + 1}/${archs.length}`;
        const result = trainStandalone({
          space, arch, shape, recipe: config.standalone, train: trainAll, evalBatches, augment,
          seed: seedFor(config.seed, key),
          onStep: (done, total) => options.onProgress?.({ phase: 'standalone', label, done, total }),
        });
        cache[key] = result;
        run.writeJson('standalone.json', cache);
        run.log({ event: 'standalone', role, ...result });
        return result;
      });
    const landmarks = groundTruth(landmarkArchs, 'landmark');
    const heldOut = groundTruth(heldOutArchs, 'held-out');
    say(`ground truth: ${landmarks.length} landmarks, ${heldOut.length} held-out architectures ${table === undefined ? 'trained alone' : 'from the table'}`);

    const names: Array<'baseline' | 'landmarks'> = config.compareBaseline
      ? ['baseline', 'landmarks']
      : [config.ranking.enabled ? 'landmarks' : 'baseline'];
    const variants: VariantResult[] = [];
    for (const name of names) {
      const done = run.readJson<VariantResult>(`variant-${name}.json`);
      if (done !== undefined) {
        variants.push(done);
        continue;
      }
      const result = await trainSupernetVariant({
        name, config,
        trainAlone: (arch, i, n) => trainAlone(arch, 'proposed', `${name} proposal ${i + 1}/${n}`),
        knownTruth: (arch) => cache[space.key(arch)]?.accuracy ?? table?.accuracyOf(arch), space, shape, run, halves, augment, evalBatches,
        ...(table === undefined ? {} : { table }),
        landmarkArchs, landmarkTruth: landmarks.map((l) => l.accuracy),
        heldOutArchs, heldOutTruth: heldOut.map((h) => h.accuracy),
        ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
      });
      run.writeJson(`variant-${name}.json`, result);
      variants.push(result);
      say(`${name}: S-KdT ${result.skdt.toFixed(3)} on ${heldOut.length} held-out architectures`);
    }

    const result: SearchResult = {
      space: space.name,
      dataset: config.dataset,
      sampler: config.sampler,
      ...(table === undefined
        ? {}
        : {
            groundTruth: {
              name: table.name, dir: config.groundTruth ?? '', size: table.size,
              noiseCeiling: {
                skdt: table.meta.noiseCeiling.skdt, kendallTau: table.meta.noiseCeiling.kendallTau,
                spearman: table.meta.noiseCeiling.spearman, n: table.meta.noiseCeiling.n,
              },
            },
          }),
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
  }
}

async function trainSupernetVariant(o: {
  name: 'baseline' | 'landmarks';
  config: SearchConfig;
  trainAlone: (arch: unknown, index: number, count: number) => StandaloneResult;
  knownTruth: (arch: unknown) => number | undefined;
  space: SearchSpace<unknown>;
  shape: NetworkShape;
  run: RunDir;
  halves: { supernet: DatasetSplit; ranking: DatasetSplit };
  augment: ReturnType<typeof defaultAugmentation> | false;
  evalBatches: readonly LabelledBatch[];
  landmarkArchs: readonly unknown[];
  landmarkTruth: readonly number[];
  heldOutArchs: readonly unknown[];
  heldOutTruth: readonly number[];
  table?: GroundTruthTable;
  onProgress?: (progress: SearchProgress) => void;
}): Promise<VariantResult> {
  const { config, space, run, name } = o;
  const sampler = createRunSampler(config);
  // Same seed in both variants: uniform samplers then train both on the same paths and batches.
  sampler.init({ space, rng: createRng(config.seed ^ 0x5eed) });
  const withLandmarks = name === 'landmarks';
  const builder = getNetworkBuilder(space.name);
  const net: Network<unknown> = builder.createSupernet(networkOptions(space.name, o.shape, config.seed));
  const optimizer = createSgd({ momentum: config.momentum, weightDecay: config.weightDecay });
  const batcher = createBatcher(o.halves.supernet, { batchSize: config.batchSize, seed: config.seed, augment: o.augment, dropLast: true });
  const rankBatcher = createBatcher(o.halves.ranking, {
    batchSize: config.ranking.batchSize, seed: config.seed + 1, augment: o.augment, dropLast: true,
  });
  const stepsPerEpoch = batcher.batchesPerEpoch;
  // The multi-iteration pipeline trains `epochs` per round; schedules span all rounds. Both
  // variants train the same number of epochs; only the landmark one grows its landmark set.
  const totalEpochs = config.epochs * config.rounds;
  const lrOf = (epoch: number, step: number): number =>
    cosineLr({ epochs: totalEpochs, stepsPerEpoch, lrMax: config.lr, lrMin: config.lrMin }, epoch, step);
  const landmarkArchs: unknown[] = [...o.landmarkArchs];
  const landmarkTruth: number[] = [...o.landmarkTruth];
  let rounds: RoundRecord[] = [];
  const schedule = createLambdaSchedule({
    schedule: config.ranking.schedule, lambdaMax: config.ranking.lambdaMax, totalEpochs,
    warmupEpochs: config.warmupEpochs, stepsPerEpoch,
  });
  // GDAS steps its logits on batches of the ranking split from their own stream.
  const archBatcher = createBatcher(o.halves.ranking, { batchSize: config.batchSize, seed: config.seed + 3, augment: o.augment, dropLast: true });
  const gdas = config.sampler === 'gdas';
  if (gdas && !(net instanceof Nb201Network)) {
    throw new InvalidArgumentError(`sampler gdas needs the NB201 super-net (weighted forward), not a '${space.name}' network.`);
  }
  let pairRng: Rng = createRng(config.seed + 2);
  let history: EpochRecord[] = [];
  let startEpoch = 0;
  let secondsBefore = 0;
  const ckFile = run.file(`supernet-${name}.bin`);
  try {
    if (fs.existsSync(ckFile)) {
      const ck = loadCheckpoint(ckFile);
      const meta = ck.meta as VariantCheckpointMeta;
      const weights: Record<string, Float32Array> = {};
      const momentum: Record<string, Float32Array> = {};
      for (const [k, v] of Object.entries(ck.arrays)) {
        if (k.startsWith('w/')) weights[k.slice(2)] = v;
        else if (k.startsWith('m/')) momentum[k.slice(2)] = v;
      }
      net.setWeights(weights);
      optimizer.loadState({ momentum });
      if (meta.sampler === undefined) {
        throw new LmregError('LMREG_CHECKPOINT', `${ckFile} was written by an older lmreg without sampler state; it cannot be resumed. Start the run again in a new folder.`);
      }
      sampler.loadState(meta.sampler);
      archBatcher.restore(meta.archBatcher);
      pairRng = createRngFromState(meta.pairRng);
      batcher.restore(meta.batcher);
      rankBatcher.restore(meta.rankBatcher);
      history = [...meta.history];
      rounds = [...(meta.rounds ?? [])];
      for (const r of rounds) {
        for (const a of r.added) {
          landmarkArchs.push(space.parse(a.arch));
          landmarkTruth.push(a.groundTruth);
        }
      }
      startEpoch = meta.epoch + 1;
      secondsBefore = meta.seconds;
    }
    const started = performance.now();
    let supernetAccuracy: number[] = [];
    for (let epoch = startEpoch; epoch < totalEpochs; epoch++) {
      const epochStart = performance.now();
      let lossSum = 0;
      let rankSum = 0;
      for (let step = 0; step < stepsPerEpoch; step++) {
        const globalStep = epoch * stepsPerEpoch + step;
        const arch = sampler.pathForBatch(globalStep);
        const batch = batcher.nextBatch();
        const lr = lrOf(epoch, step);
        const lambda = schedule.value(epoch, step);
        const useRanking = withLandmarks && schedule.isActive(epoch, step) && step % config.ranking.every === 0;
        const x = tf.tensor4d(batch.images, [batch.size, batch.height, batch.width, batch.channels]);
        const y = tf.tensor1d(batch.labels, 'int32');
        let xr: tf.Tensor4D | undefined;
        let yr: tf.Tensor1D | undefined;
        try {
          let extraLoss: ((n: Network<unknown>) => tf.Scalar) | undefined;
          if (useRanking) {
            const pairs = samplePairs(landmarkTruth, config.ranking.pairs, pairRng);
            const rb = rankBatcher.nextBatch();
            xr = tf.tensor4d(rb.images, [rb.size, rb.height, rb.width, rb.channels]);
            yr = tf.tensor1d(rb.labels, 'int32');
            const rx = xr;
            const ry = yr;
            extraLoss = (n) => {
              let total = tf.scalar(0);
              for (const p of pairs) {
                const lb = softmaxCrossEntropy(n.forward(landmarkArchs[p.better], rx, { training: true }), ry);
                const lw = softmaxCrossEntropy(n.forward(landmarkArchs[p.worse], rx, { training: true }), ry);
                const options =
                  config.ranking.loss === 'logistic'
                    ? ({ kind: 'softplus' } as const)
                    : ({ kind: 'hinge', margin: config.ranking.loss === 'margin-hinge' ? config.ranking.margin : 0 } as const);
                total = tf.add(total, pairRankingLoss(lb, lw, options));
              }
              return tf.mul(total, lambda) as tf.Scalar;
            };
          }
          const r = trainStep({ net, arch, x, y, optimizer, lr, clipNorm: config.gradClip, ...(extraLoss === undefined ? {} : { extraLoss }) });
          if (!Number.isFinite(r.loss) || !Number.isFinite(r.extraLoss)) {
            throw new DivergedError(
              `${name} super-net diverged at epoch ${epoch}, step ${step} (loss ${r.loss}, ranking loss ${r.extraLoss}). ` +
                (fs.existsSync(ckFile)
                  ? `The last good checkpoint (${ckFile}, end of epoch ${epoch - 1}) is intact: lower lr (--lr) or lambdaMax (--lambda-max) and resume, or start again.`
                  : `It diverged before its first checkpoint: lower lr (--lr) or lambdaMax (--lambda-max) and start again.`),
            );
          }
          lossSum += r.loss;
          rankSum += r.extraLoss;
          if (gdas) stepGdas(sampler, net as Nb201Network, archBatcher, globalStep, epoch / Math.max(1, totalEpochs - 1));
        } finally {
          tf.dispose([x, y, ...(xr === undefined ? [] : [xr]), ...(yr === undefined ? [] : [yr])]);
        }
        o.onProgress?.({
          phase: 'supernet', label: `${name} epoch ${epoch + 1}/${totalEpochs}`,
          done: epoch * stepsPerEpoch + step + 1, total: totalEpochs * stepsPerEpoch,
        });
      }
      supernetAccuracy = o.heldOutArchs.map((a) => evaluate(net, a, o.evalBatches).accuracy);
      const record: EpochRecord = {
        epoch,
        loss: lossSum / stepsPerEpoch,
        rankingLoss: rankSum / stepsPerEpoch,
        lambda: schedule.value(epoch, stepsPerEpoch - 1),
        lr: lrOf(epoch, stepsPerEpoch - 1),
        ...rankingMetrics(supernetAccuracy, o.heldOutTruth),
        seconds: (performance.now() - epochStart) / 1000,
      };
      history.push(record);
      run.log({ event: 'epoch', variant: name, ...record });
      if (withLandmarks && (epoch + 1) % config.epochs === 0 && epoch + 1 < totalEpochs) {
        // End of a round (Algorithm 1): the sampler's best architectures, trained alone, join the landmarks.
        const round = (epoch + 1) / config.epochs - 1;
        const added = await addRoundLandmarks(o, sampler, net, landmarkArchs, round);
        for (const a of added) {
          landmarkArchs.push(space.parse(a.arch));
          landmarkTruth.push(a.groundTruth);
        }
        rounds.push({ round, epoch, added });
        run.log({ event: 'round', variant: name, round, added });
      }
      const arrays: Record<string, Float32Array> = {};
      for (const [k, v] of Object.entries(net.getWeights())) arrays[`w/${k}`] = v;
      for (const [k, v] of Object.entries(optimizer.state().momentum)) arrays[`m/${k}`] = v;
      const meta: VariantCheckpointMeta = {
        epoch, sampler: sampler.state(), rounds, archBatcher: archBatcher.state(), pairRng: pairRng.state(), batcher: batcher.state(), rankBatcher: rankBatcher.state(),
        history, seconds: secondsBefore + (performance.now() - started) / 1000,
      };
      saveCheckpoint(ckFile, { meta, arrays });
    }
    if (supernetAccuracy.length === 0) supernetAccuracy = o.heldOutArchs.map((a) => evaluate(net, a, o.evalBatches).accuracy);
    const metrics = rankingMetrics(supernetAccuracy, o.heldOutTruth);
    let bestIndex = 0;
    supernetAccuracy.forEach((a, i) => {
      if (a > (supernetAccuracy[bestIndex] ?? -Infinity)) bestIndex = i;
    });
    const search = await searchSupernet(o, sampler, net);
    return {
      name,
      search,
      rounds,
      skdt: metrics.skdt,
      kendallTau: metrics.kendallTau,
      spearman: metrics.spearman,
      supernetAccuracy,
      epochs: history,
      best: {
        arch: space.format(o.heldOutArchs[bestIndex]),
        groundTruth: o.heldOutTruth[bestIndex] ?? NaN,
        supernetAccuracy: supernetAccuracy[bestIndex] ?? NaN,
      },
      seconds: secondsBefore + (performance.now() - started) / 1000,
    };
  } finally {
    optimizer.dispose();
    net.dispose();
  }
}

/** S-KdT (accuracies as fractions, 0.1 % bins), Kendall tau-b and Spearman; NaN when undefined. */
export function rankingMetrics(
  predicted: readonly number[],
  groundTruth: readonly number[],
): { skdt: number; kendallTau: number; spearman: number } {
  if (predicted.length < 2) return { skdt: NaN, kendallTau: NaN, spearman: NaN };
  return {
    skdt: sparseKendallTau(predicted, groundTruth, { threshold: 1e-3 }),
    kendallTau: kendallTau(predicted, groundTruth),
    spearman: spearman(predicted, groundTruth),
  };
}

/** A fresh sampler of `config.sampler` with the run's search options. */
function createRunSampler(config: SearchConfig): Sampler<unknown> {
  const { budget, population, tournament } = config.search;
  switch (config.sampler) {
    case 'spos':
      return getSampler('spos', { budget, population: Math.min(population, budget), tournament: Math.min(tournament, population, budget) });
    case 'random':
    case 'gdas':
      return getSampler(config.sampler, { budget });
    case 'nao':
      return getSampler('nao', { budget, initial: Math.min(20, Math.max(1, Math.ceil(budget / 4))) });
  }
}

/**
 * One GDAS architecture step on a batch of the ranking split: the sampler draws a hard Gumbel
 * path, and the loss is that path's cross-entropy through {@link nb201WeightedForward} with the
 * straight-through per-edge weights, so only the logits move (the super-net weights are not stepped).
 */
function stepGdas(sampler: Sampler<unknown>, net: Nb201Network, archBatcher: ReturnType<typeof createBatcher>, step: number, progress: number): void {
  const b = archBatcher.nextBatch();
  const x = tf.tensor4d(b.images, [b.size, b.height, b.width, b.channels]);
  const y = tf.tensor1d(b.labels, 'int32');
  try {
    const context: GdasStepContext<unknown> = {
      step,
      progress,
      loss: (weights, arch) => softmaxCrossEntropy(nb201WeightedForward(net, arch as readonly string[], weights, x), y),
    };
    void sampler.stepArchitecture?.(context);
  } finally {
    tf.dispose([x, y]);
  }
}

/** The options of a variant that the searches on its super-net need. */
interface SearchContext {
  config: SearchConfig;
  space: SearchSpace<unknown>;
  evalBatches: readonly LabelledBatch[];
  trainAlone: (arch: unknown, index: number, count: number) => StandaloneResult;
  knownTruth: (arch: unknown) => number | undefined;
  table?: GroundTruthTable;
}

/**
 * `sampler.propose` with super-net accuracy as fitness. With a ground-truth table the search runs
 * on a copy of the sampler (SPOS/random initialised on the table's architectures, so they evolve
 * inside it), and every architecture a sampler generates outside it (GDAS samples, NAO decodings) is
 * projected onto the nearest table row (`RestrictedSpace.nearest`) before it is evaluated, so every
 * proposal has a ground truth. Proposals are distinct, best first.
 */
async function proposeOnSupernet(
  o: SearchContext,
  sampler: Sampler<unknown>,
  net: Network<unknown>,
  options: { fresh: boolean },
): Promise<{ arch: unknown; fitness: number }[]> {
  const { config, space } = o;
  const members: RestrictedSpace<unknown> | undefined = o.table?.searchSpace;
  let searcher = sampler;
  if (members !== undefined || options.fresh) {
    // A copy of the sampler (same learned state, no stale fitness values); the run's own sampler is untouched.
    searcher = createRunSampler(config);
    // SPOS and random search evolve/sample inside the table; GDAS and NAO generate architectures
    // of the whole space (their distributions and decoders know no table), projected below.
    const inside = members !== undefined && (config.sampler === 'spos' || config.sampler === 'random');
    searcher.init({ space: inside ? members : space, rng: createRng(config.seed ^ 0x5eed) });
    searcher.loadState({ ...sampler.state(), evaluated: [] });
  }
  const project = (arch: unknown): unknown => (members === undefined ? arch : members.nearest(arch));
  const memo = new Map<string, number>();
  const fitness = (arch: unknown): number => {
    const a = project(arch);
    const k = space.key(a);
    let f = memo.get(k);
    if (f === undefined) {
      f = evaluate(net, a, o.evalBatches).accuracy;
      memo.set(k, f);
    }
    return f;
  };
  // Inside a table there are only so many distinct architectures to evaluate.
  const budget = members === undefined ? config.search.budget : Math.min(config.search.budget, members.members.length);
  const proposals = await searcher.propose(fitness, budget);
  const seen = new Set<string>();
  const out: { arch: unknown; fitness: number }[] = [];
  for (const p of proposals) {
    const a = project(p.arch);
    const k = space.key(a);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push({ arch: a, fitness: fitness(a) });
  }
  return out.sort((x, y) => y.fitness - x.fitness);
}

/** Runs the sampler's search with super-net accuracy as fitness and reports the best proposals. */
async function searchSupernet(o: SearchContext, sampler: Sampler<unknown>, net: Network<unknown>): Promise<SamplerSearchResult> {
  const { config, space } = o;
  const proposals = await proposeOnSupernet(o, sampler, net, { fresh: false });
  const top = proposals.slice(0, config.search.top);
  const trainCount = Math.min(config.search.trainTop, top.length);
  for (let i = 0; i < trainCount; i++) o.trainAlone((top[i] as { arch: unknown }).arch, i, trainCount);
  const argmaxOf = (sampler as { argmaxArch?: () => unknown }).argmaxArch;
  return {
    sampler: sampler.name,
    evaluated: proposals.length,
    top: top.map((p) => {
      const truth = o.knownTruth(p.arch);
      const rank = o.table === undefined || truth === undefined ? undefined : o.table.rankOf(p.arch);
      return {
        arch: space.format(p.arch), supernetAccuracy: p.fitness,
        ...(truth === undefined ? {} : { groundTruth: truth }),
        ...(rank === undefined ? {} : { rank }),
      };
    }),
    ...(typeof argmaxOf === 'function' ? { argmax: space.format(argmaxOf.call(sampler)) } : {}),
  };
}

/**
 * The round boundary of the multi-iteration pipeline: a search with a copy of the sampler (so the
 * run's own sampler keeps no stale fitness values), then the best `roundLandmarks` proposals that
 * are neither landmarks nor held-out architectures are trained alone (cached in standalone.json),
 * or looked up in the ground-truth table.
 */
async function addRoundLandmarks(
  o: SearchContext & { heldOutArchs: readonly unknown[] },
  sampler: Sampler<unknown>,
  net: Network<unknown>,
  landmarkArchs: readonly unknown[],
  round: number,
): Promise<RoundRecord['added']> {
  void round;
  const { config, space } = o;
  const proposals = await proposeOnSupernet(o, sampler, net, { fresh: true });
  const taken = new Set([...landmarkArchs, ...o.heldOutArchs].map((a) => space.key(a)));
  const chosen = proposals.filter((p) => !taken.has(space.key(p.arch))).slice(0, config.roundLandmarks);
  return chosen.map((p, i) => ({
    arch: space.format(p.arch),
    supernetAccuracy: p.fitness,
    groundTruth: o.trainAlone(p.arch, i, chosen.length).accuracy,
  }));
}

/** Opens the run's ground-truth table and checks that it fits the run (space, classes). */
function openTable(config: SearchConfig, space: SearchSpace<unknown>, classes: number): GroundTruthTable {
  const table = loadGroundTruthTable(config.groundTruth ?? '');
  const t = table.meta.config;
  if (t.space !== space.name) {
    throw new InvalidArgumentError(`the ground-truth table in ${config.groundTruth} is for space '${t.space}', the run searches '${space.name}'; pass --space ${t.space}.`);
  }
  if (t.dataset !== config.dataset && !(t.dataset.startsWith('fashion-mnist') && config.dataset.startsWith('fashion-mnist'))) {
    throw new InvalidArgumentError(`the ground-truth table in ${config.groundTruth} was trained on ${t.dataset}, the run uses ${config.dataset}; pass --dataset ${t.dataset}.`);
  }
  void classes;
  return table;
}

/** A table row as the run's stand-alone result (`seed` -1: the mean over the table's seeds). */
function tableResult(table: GroundTruthTable, arch: unknown): StandaloneResult | undefined {
  const accuracy = table.accuracyOf(arch);
  if (accuracy === undefined) return undefined;
  const row = table.rowOf(arch);
  const space = table.searchSpace;
  return {
    arch: space.format(arch), key: space.key(arch), accuracy, loss: NaN,
    params: table.value(row, 'params'), seconds: table.value(row, 'seconds'), seed: -1,
    validAccuracy: table.value(row, 'valid') / 100,
  };
}
