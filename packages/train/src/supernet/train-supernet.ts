import fs from 'node:fs';

import { LmregError } from '@lmreg/common';
import { restoreLandmarkTerm, type LandmarkTerm } from '@lmreg/core';
import type { ArchitectureStepContext, Sampler } from '@lmreg/samplers';
import * as tf from '@tensorflow/tfjs-core';

import type { Batch, Batcher } from '../data/batcher.js';
import type { Network } from '../model/network.js';
import { softmaxCrossEntropy, trainStep } from '../model/train-step.js';
import { hasCheckpoint } from '../run/checkpoint.js';
import type { SgdOptimizer } from '../optim/sgd.js';
import { loadSupernetCheckpoint, saveSupernetCheckpoint, type SupernetEpoch } from './supernet-checkpoint.js';

/** Training diverged (a NaN or infinite loss); the last good checkpoint is intact. */
export class DivergedError extends LmregError {
  constructor(message: string) {
    super('LMREG_DIVERGED', message);
  }
}

/**
 * A weighted forward for samplers whose architecture step needs one (GDAS): logits of `arch` where
 * each edge mixes its ops with `weights` (one `[ops]` tensor per edge). From the network builder
 * (`NetworkBuilder.weightedForward`).
 */
export type WeightedForward<A> = (arch: A, weights: readonly tf.Tensor1D[], x: tf.Tensor4D) => tf.Tensor2D;

/** The context GDAS-like samplers get in `stepArchitecture`: a loss of a weighted path on a batch. */
export interface WeightedStepContext<A> extends ArchitectureStepContext {
  loss(weights: readonly tf.Tensor1D[], arch: A): tf.Scalar;
}

/** Options of {@link createSupernetTrainer} and {@link trainSupernet}. */
export interface SupernetTrainerOptions<A> {
  /** The super-net (`NetworkBuilder.createSupernet`); not disposed by the trainer. */
  readonly network: Network<A>;
  /** An initialised sampler (`init` called): `pathForBatch` picks each step's path. */
  readonly sampler: Sampler<A>;
  /** Training batches (`dropLast` recommended); their count per epoch sets the steps per epoch. */
  readonly train: Batcher;
  /** The landmark term and the batches it runs the landmarks on (a split the super-net does not train on). */
  readonly landmarks?: { readonly term: LandmarkTerm<A>; readonly batches: Batcher };
  /**
   * For samplers with an architecture step (declared by their definition, e.g. GDAS): batches of
   * the split it steps on and the network's weighted forward. Samplers without `stepArchitecture` ignore it.
   */
  readonly architecture?: { readonly batches: Batcher; readonly weightedForward: WeightedForward<A> };
  /** SGD with state keyed by variable name (`createSgd`); not disposed by the trainer. */
  readonly optimizer: SgdOptimizer;
  /** Learning rate at `(epoch, step)`, e.g. from `cosineLr`. */
  readonly lr: (epoch: number, step: number) => number;
  /** Total epochs of the run (schedules and the architecture step's progress span them). */
  readonly epochs: number;
  /** Global gradient-norm clip; default 5. */
  readonly gradClip?: number;
  /** Metrics to record after each epoch (e.g. S-KdT of the held-out architectures), merged into its record. */
  readonly evaluate?: (network: Network<A>, epoch: number) => Record<string, number>;
  /** Checkpoint file, written atomically after every epoch; a run with this file resumes from it. */
  readonly checkpoint?: string;
  /** Name in messages (e.g. `landmarks` super-net). */
  readonly name?: string;
  readonly onStep?: (progress: { readonly epoch: number; readonly step: number; readonly done: number; readonly total: number }) => void;
  /** Called after each epoch, once its checkpoint is written. */
  readonly onEpoch?: (record: SupernetEpoch) => void | Promise<void>;
}

/** A stateful super-net trainer: resumable, trains up to a given epoch, checkpoints every epoch. */
export interface SupernetTrainer {
  /** Epochs finished so far. */
  readonly epochsDone: number;
  /** One record per finished epoch. */
  readonly history: readonly SupernetEpoch[];
  /** Training seconds so far, over every process that worked on the run. */
  readonly seconds: number;
  /**
   * Loads the checkpoint if the file exists (weights, momentum, sampler, landmark term, batchers,
   * history). Returns the `extra` JSON saved with it, or undefined when there was none to load.
   */
  restore(): { readonly extra: unknown; readonly warning?: string } | undefined;
  /** Trains epochs until `epochsDone === untilEpoch` (at most `epochs`). */
  train(untilEpoch?: number): Promise<void>;
  /** Rewrites the checkpoint of the last finished epoch with new `extra` JSON (e.g. after a round). */
  save(extra?: unknown): void;
}

/**
 * A super-net trainer (see {@link SupernetTrainer}): each step trains the sampler's path on a
 * training batch, plus, where the landmark term is active, the term on a ranking batch, in ONE
 * gradient computation with one clip and one SGD step; samplers with an architecture step then
 * step their parameters on a batch of their own. Leaks no tensors.
 */
export function createSupernetTrainer<A>(o: SupernetTrainerOptions<A>): SupernetTrainer {
  const name = o.name ?? 'super-net';
  const stepsPerEpoch = o.train.batchesPerEpoch;
  const total = o.epochs * stepsPerEpoch;
  let history: SupernetEpoch[] = [];
  let secondsBefore = 0;
  let extra: unknown;
  let sessionStart = performance.now();
  const seconds = (): number => secondsBefore + (performance.now() - sessionStart) / 1000;

  const save = (next?: unknown): void => {
    if (o.checkpoint === undefined || history.length === 0) return;
    if (next !== undefined) extra = next;
    saveSupernetCheckpoint(o.checkpoint, {
      weights: o.network.getWeights(),
      momentum: o.optimizer.state().momentum,
      meta: {
        format: 'lmreg-supernet-checkpoint',
        version: 1,
        epoch: history.length - 1,
        sampler: o.sampler.state(),
        ...(o.landmarks === undefined ? {} : { landmarkTerm: o.landmarks.term.toJSON() }),
        batchers: {
          train: o.train.state(),
          ...(o.landmarks === undefined ? {} : { ranking: o.landmarks.batches.state() }),
          ...(o.architecture === undefined ? {} : { architecture: o.architecture.batches.state() }),
        },
        history,
        seconds: seconds(),
        ...(extra === undefined ? {} : { extra }),
      },
    });
  };

  const tensors = (b: Batch): [tf.Tensor4D, tf.Tensor1D] => [tf.tensor4d(b.images, [b.size, b.height, b.width, b.channels]), tf.tensor1d(b.labels, 'int32')];

  const step = async (epoch: number, s: number): Promise<{ loss: number; ranking: number }> => {
    const globalStep = epoch * stepsPerEpoch + s;
    const arch = o.sampler.pathForBatch(globalStep);
    const [x, y] = tensors(o.train.nextBatch());
    const lr = o.lr(epoch, s);
    const owned: tf.Tensor[] = [x, y];
    try {
      let extraLoss: ((n: Network<A>) => tf.Scalar) | undefined;
      const term = o.landmarks?.term.at(epoch, s);
      if (term !== undefined && o.landmarks !== undefined) {
        const [xr, yr] = tensors(o.landmarks.batches.nextBatch());
        owned.push(xr, yr);
        extraLoss = (n) => term.loss((a) => softmaxCrossEntropy(n.forward(a, xr, { training: true }), yr));
      }
      const r = trainStep({
        net: o.network,
        arch,
        x,
        y,
        optimizer: o.optimizer,
        lr,
        clipNorm: o.gradClip ?? 5,
        ...(extraLoss === undefined ? {} : { extraLoss }),
      });
      if (!Number.isFinite(r.loss) || !Number.isFinite(r.extraLoss)) {
        const ck = o.checkpoint;
        throw new DivergedError(
          `${name} diverged at epoch ${epoch}, step ${s} (loss ${r.loss}, ranking loss ${r.extraLoss}). ` +
            (ck !== undefined && fs.existsSync(ck)
              ? `The last good checkpoint (${ck}, end of epoch ${epoch - 1}) is intact: lower lr (--lr) or lambdaMax (--lambda-max) and resume, or start again.`
              : `It diverged before its first checkpoint: lower lr (--lr) or lambdaMax (--lambda-max) and start again.`),
        );
      }
      if (o.architecture !== undefined && typeof o.sampler.stepArchitecture === 'function') {
        const [xa, ya] = tensors(o.architecture.batches.nextBatch());
        owned.push(xa, ya);
        const forward = o.architecture.weightedForward;
        const context: WeightedStepContext<A> = {
          step: globalStep,
          progress: epoch / Math.max(1, o.epochs - 1),
          loss: (weights, a) => softmaxCrossEntropy(forward(a, weights, xa), ya),
        };
        await o.sampler.stepArchitecture(context);
      }
      return { loss: r.loss, ranking: r.extraLoss };
    } finally {
      tf.dispose(owned);
    }
  };

  return {
    get epochsDone() {
      return history.length;
    },
    get history() {
      return history.slice();
    },
    get seconds() {
      return seconds();
    },
    restore() {
      if (o.checkpoint === undefined || !hasCheckpoint(o.checkpoint)) return undefined;
      const ck = loadSupernetCheckpoint(o.checkpoint);
      o.network.setWeights(ck.weights);
      o.optimizer.loadState({ momentum: ck.momentum });
      o.sampler.loadState(ck.meta.sampler);
      o.train.restore(ck.meta.batchers.train);
      if (o.landmarks !== undefined) {
        if (ck.meta.landmarkTerm === undefined || ck.meta.batchers.ranking === undefined) {
          throw new LmregError(
            'LMREG_CHECKPOINT',
            `${o.checkpoint} was written without a landmark term; it cannot resume a run with one. Start again with --restart.`,
          );
        }
        restoreLandmarkTerm(o.landmarks.term, ck.meta.landmarkTerm);
        o.landmarks.batches.restore(ck.meta.batchers.ranking);
      }
      if (o.architecture !== undefined && ck.meta.batchers.architecture !== undefined) o.architecture.batches.restore(ck.meta.batchers.architecture);
      history = [...ck.meta.history];
      secondsBefore = ck.meta.seconds;
      sessionStart = performance.now();
      extra = ck.meta.extra;
      return { extra, ...(ck.warning === undefined ? {} : { warning: ck.warning }) };
    },
    async train(untilEpoch = o.epochs) {
      const until = Math.min(untilEpoch, o.epochs);
      for (let epoch = history.length; epoch < until; epoch++) {
        const epochStart = performance.now();
        let lossSum = 0;
        let rankSum = 0;
        for (let s = 0; s < stepsPerEpoch; s++) {
          const r = await step(epoch, s);
          // Let the event loop run between steps (signal handlers such as the CLI's Ctrl-C, timers);
          // the steps themselves are synchronous tfjs work.
          await new Promise<void>((resolve) => setImmediate(resolve));
          lossSum += r.loss;
          rankSum += r.ranking;
          o.onStep?.({ epoch, step: s, done: epoch * stepsPerEpoch + s + 1, total });
        }
        const metrics = o.evaluate?.(o.network, epoch) ?? {};
        const record: SupernetEpoch = {
          epoch,
          loss: lossSum / stepsPerEpoch,
          rankingLoss: rankSum / stepsPerEpoch,
          lambda: o.landmarks?.term.lambda(epoch, stepsPerEpoch - 1) ?? 0,
          lr: o.lr(epoch, stepsPerEpoch - 1),
          ...metrics,
          seconds: (performance.now() - epochStart) / 1000,
        };
        history.push(record);
        save();
        await o.onEpoch?.(record);
      }
    },
    save,
  };
}

/**
 * Trains a super-net for all `epochs` (resuming from `checkpoint` when it exists) and returns the
 * per-epoch records. For rounds (Algorithm 1) use {@link createSupernetTrainer} with core's `runRounds`.
 */
export async function trainSupernet<A>(options: SupernetTrainerOptions<A>): Promise<readonly SupernetEpoch[]> {
  const trainer = createSupernetTrainer(options);
  trainer.restore();
  await trainer.train();
  return trainer.history;
}
