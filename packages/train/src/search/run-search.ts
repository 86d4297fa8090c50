import fs from 'node:fs';

import { createRng, createRngFromState, LmregError, type Rng } from '@lmreg/common';
import { createLambdaSchedule, pairRankingLoss, samplePairs, selectDiverseLandmarks, selectUniformLandmarks } from '@lmreg/core';
import { kendallTau, sparseKendallTau, spearman } from '@lmreg/metrics';
import { getSpace, type SearchSpace } from '@lmreg/spaces';
import * as tf from '@tensorflow/tfjs-core';

import type { SearchConfig } from '../config/search-config.js';
import { createBatcher, type BatcherState } from '../data/batcher.js';
import { loadDataset } from '../data/datasets.js';
import { defaultAugmentation } from '../data/preprocess.js';
import { splitTrain, takeSubset } from '../data/split.js';
import type { DatasetSplit } from '../data/types.js';
import { getNetworkBuilder } from '../model/registry.js';
import type { Network } from '../model/network.js';
import { evaluate, softmaxCrossEntropy, trainStep, type LabelledBatch } from '../model/train-step.js';
import { cosineLr } from '../optim/schedule.js';
import { createSgd } from '../optim/sgd.js';
import { loadCheckpoint, saveCheckpoint } from '../run/checkpoint.js';
import { RunDir } from '../run/run-dir.js';
import { disposeBatches, makeEvalBatches, seedFor, trainStandalone, type NetworkShape, type StandaloneResult } from './standalone.js';

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
  readonly seconds: number;
}

/** `result.json` of a search run. */
export interface SearchResult {
  readonly space: string;
  readonly dataset: string;
  readonly landmarks: readonly StandaloneResult[];
  readonly heldOut: readonly StandaloneResult[];
  readonly variants: readonly VariantResult[];
  readonly backend: string;
  readonly seconds: number;
}

interface VariantCheckpointMeta {
  readonly epoch: number;
  readonly pathRng: number[];
  readonly pairRng: number[];
  readonly batcher: BatcherState;
  readonly rankBatcher: BatcherState;
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

  // Architectures: landmarks (Algorithm 1 or uniform) and held-out ones, distinct by key.
  const archRng = createRng(config.seed);
  const landmarkArchs =
    config.landmarks.selection === 'diverse'
      ? selectDiverseLandmarks(space, config.landmarks.count, archRng, { tau: config.landmarks.tau })
      : selectUniformLandmarks(space, config.landmarks.count, archRng);
  const heldOutArchs = selectUniformLandmarks(space, config.heldOut, archRng, {
    exclude: landmarkArchs.map((a) => space.key(a)),
  });

  // Ground truth: every landmark and held-out architecture trained alone (cached per key).
  const evalBatches = makeEvalBatches(test, 256);
  try {
    const cache = run.readJson<Record<string, StandaloneResult>>('standalone.json') ?? {};
    const groundTruth = (archs: readonly unknown[], role: string): StandaloneResult[] =>
      archs.map((arch, i) => {
        const key = space.key(arch);
        const cached = cache[key];
        if (cached !== undefined) return cached;
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
    say(`ground truth: ${landmarks.length} landmarks, ${heldOut.length} held-out architectures trained alone`);

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
      const result = trainSupernetVariant({
        name, config, space, shape, run, halves, augment, evalBatches,
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

function trainSupernetVariant(o: {
  name: 'baseline' | 'landmarks';
  config: SearchConfig;
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
  onProgress?: (progress: SearchProgress) => void;
}): VariantResult {
  const { config, space, run, name } = o;
  const withLandmarks = name === 'landmarks';
  const builder = getNetworkBuilder(space.name);
  const net: Network<unknown> = builder.createSupernet({ seed: config.seed, ...o.shape });
  const optimizer = createSgd({ momentum: config.momentum, weightDecay: config.weightDecay });
  const batcher = createBatcher(o.halves.supernet, { batchSize: config.batchSize, seed: config.seed, augment: o.augment, dropLast: true });
  const rankBatcher = createBatcher(o.halves.ranking, {
    batchSize: config.ranking.batchSize, seed: config.seed + 1, augment: o.augment, dropLast: true,
  });
  const stepsPerEpoch = batcher.batchesPerEpoch;
  const schedule = createLambdaSchedule({
    schedule: config.ranking.schedule, lambdaMax: config.ranking.lambdaMax, totalEpochs: config.epochs,
    warmupEpochs: config.warmupEpochs, stepsPerEpoch,
  });
  // Paths come from their own stream so that both variants train on the same paths and batches.
  let pathRng: Rng = createRng(config.seed ^ 0x5eed);
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
      pathRng = createRngFromState(meta.pathRng);
      pairRng = createRngFromState(meta.pairRng);
      batcher.restore(meta.batcher);
      rankBatcher.restore(meta.rankBatcher);
      history = [...meta.history];
      startEpoch = meta.epoch + 1;
      secondsBefore = meta.seconds;
    }
    const started = performance.now();
    let supernetAccuracy: number[] = [];
    for (let epoch = startEpoch; epoch < config.epochs; epoch++) {
      const epochStart = performance.now();
      let lossSum = 0;
      let rankSum = 0;
      for (let step = 0; step < stepsPerEpoch; step++) {
        const arch = space.sample(pathRng);
        const batch = batcher.nextBatch();
        const lr = cosineLr({ epochs: config.epochs, stepsPerEpoch, lrMax: config.lr, lrMin: config.lrMin }, epoch, step);
        const lambda = schedule.value(epoch, step);
        const useRanking = withLandmarks && schedule.isActive(epoch, step) && step % config.ranking.every === 0;
        const x = tf.tensor4d(batch.images, [batch.size, batch.height, batch.width, batch.channels]);
        const y = tf.tensor1d(batch.labels, 'int32');
        let xr: tf.Tensor4D | undefined;
        let yr: tf.Tensor1D | undefined;
        try {
          let extraLoss: ((n: Network<unknown>) => tf.Scalar) | undefined;
          if (useRanking) {
            const pairs = samplePairs(o.landmarkTruth, config.ranking.pairs, pairRng);
            const rb = rankBatcher.nextBatch();
            xr = tf.tensor4d(rb.images, [rb.size, rb.height, rb.width, rb.channels]);
            yr = tf.tensor1d(rb.labels, 'int32');
            const rx = xr;
            const ry = yr;
            extraLoss = (n) => {
              let total = tf.scalar(0);
              for (const p of pairs) {
                const lb = softmaxCrossEntropy(n.forward(o.landmarkArchs[p.better], rx, { training: true }), ry);
                const lw = softmaxCrossEntropy(n.forward(o.landmarkArchs[p.worse], rx, { training: true }), ry);
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
              `${name} super-net diverged at epoch ${epoch}, step ${step} (loss ${r.loss}, ranking loss ${r.extraLoss}). The last good checkpoint (${ckFile}, end of epoch ${epoch - 1}) is intact: lower --lr or lambdaMax and resume, or start again.`,
            );
          }
          lossSum += r.loss;
          rankSum += r.extraLoss;
        } finally {
          tf.dispose([x, y, ...(xr === undefined ? [] : [xr]), ...(yr === undefined ? [] : [yr])]);
        }
        o.onProgress?.({
          phase: 'supernet', label: `${name} epoch ${epoch + 1}/${config.epochs}`,
          done: epoch * stepsPerEpoch + step + 1, total: config.epochs * stepsPerEpoch,
        });
      }
      supernetAccuracy = o.heldOutArchs.map((a) => evaluate(net, a, o.evalBatches).accuracy);
      const record: EpochRecord = {
        epoch,
        loss: lossSum / stepsPerEpoch,
        rankingLoss: rankSum / stepsPerEpoch,
        lambda: schedule.value(epoch, stepsPerEpoch - 1),
        lr: cosineLr({ epochs: config.epochs, stepsPerEpoch, lrMax: config.lr, lrMin: config.lrMin }, epoch, stepsPerEpoch - 1),
        ...rankingMetrics(supernetAccuracy, o.heldOutTruth),
        seconds: (performance.now() - epochStart) / 1000,
      };
      history.push(record);
      run.log({ event: 'epoch', variant: name, ...record });
      const arrays: Record<string, Float32Array> = {};
      for (const [k, v] of Object.entries(net.getWeights())) arrays[`w/${k}`] = v;
      for (const [k, v] of Object.entries(optimizer.state().momentum)) arrays[`m/${k}`] = v;
      const meta: VariantCheckpointMeta = {
        epoch, pathRng: pathRng.state(), pairRng: pairRng.state(), batcher: batcher.state(), rankBatcher: rankBatcher.state(),
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
    return {
      name,
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
