import { createRng, InvalidArgumentError } from '@lmreg/common';
import { createLambdaSchedule, createLandmarkTerm, runRounds, type RankingLossOptions } from '@lmreg/core';
import { getSamplerDefinition } from '@lmreg/samplers';
import {
  cosineLr,
  createBatcher,
  createSgd,
  createSupernetTrainer,
  evaluate,
  getNetworkBuilder,
  networkOptions,
  type defaultAugmentation,
  type DatasetSplit,
  type NetworkShape,
  type RunDir,
} from '@lmreg/train';
import type * as tf from '@tensorflow/tfjs-core';

import type { SearchConfig } from '../config/search-config.js';
import { rankingMetrics } from './ranking-metrics.js';
import type { EpochRecord, RoundRecord, SearchProgress, VariantResult } from './search-result.js';
import { createRunSampler, proposeOnSupernet, searchSupernet, type SearchContext } from './supernet-search.js';

/** The penalty options of `config.ranking.loss`. */
function penaltyOf(ranking: SearchConfig['ranking']): Omit<RankingLossOptions, 'reduction'> {
  return ranking.loss === 'logistic' ? { kind: 'softplus' } : { kind: 'hinge', margin: ranking.loss === 'margin-hinge' ? ranking.margin : 0 };
}

export interface VariantContext extends SearchContext {
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
export async function runVariant(o: VariantContext): Promise<VariantResult> {
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
      propose: async () => {
        const proposals = await proposeOnSupernet(o, sampler, net, { fresh: true });
        if (o.trainAloneMany !== undefined && term !== undefined) {
          // The proposals runRounds will train alone (its rule: the best M that are neither landmarks nor
          // held out), trained at once; should the rule differ, trainAlone trains the others one by one.
          const taken = new Set([...term.ordered.map((l) => l.architecture), ...o.heldOutArchs].map((a) => space.key(a)));
          await o.trainAloneMany(
            proposals
              .filter((p) => !taken.has(space.key(p.arch)))
              .slice(0, config.roundLandmarks)
              .map((p) => p.arch),
          );
        }
        return proposals;
      },
      trainAlone: async (arch, i, n) => (await o.trainAlone(arch, i, n)).accuracy,
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
