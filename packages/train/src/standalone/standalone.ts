import type { SearchSpace } from '@lmreg/spaces';
import * as tf from '@tensorflow/tfjs-core';

import { createBatcher } from '../data/batcher.js';
import type { DatasetSplit } from '../data/types.js';
import { getNetworkBuilder } from '../model/registry.js';
import type { BaseNetworkOptions, Network } from '../model/network.js';
import { evaluate, trainStep, type LabelledBatch } from '../model/train-step.js';
import { cosineLr } from '../optim/schedule.js';
import { createSgd } from '../optim/sgd.js';
import type { AugmentOptions } from '../data/preprocess.js';

/** Recipe of a stand-alone training run (the ground truth of an architecture). */
export interface StandaloneRecipe {
  readonly epochs: number;
  readonly batchSize: number;
  readonly lr: number;
  readonly lrMin: number;
  readonly momentum: number;
  readonly weightDecay: number;
  readonly gradClip: number;
}

/** Network shape used for every network of a run. */
export interface NetworkShape {
  readonly channels: number;
  readonly cells: number;
  readonly classes: number;
  readonly inputChannels: number;
}

/**
 * Network-builder options for a run's {@link NetworkShape}: `channels`/`cells` mean C/N for nb201,
 * stem channels / modules per stack for nb101, and C / layers for darts.
 */
export function networkOptions(space: string, shape: NetworkShape, seed: number): BaseNetworkOptions & Record<string, unknown> {
  const base = { seed, classes: shape.classes, inputChannels: shape.inputChannels };
  switch (space) {
    case 'nb101':
      return { ...base, stem: shape.channels, modulesPerStack: shape.cells };
    case 'darts':
      return { ...base, channels: shape.channels, layers: shape.cells };
    default:
      return { ...base, channels: shape.channels, cells: shape.cells };
  }
}

/** Outcome of {@link trainStandalone}. */
export interface StandaloneResult {
  /** `space.format(arch)`. */
  readonly arch: string;
  /** `space.key(arch)`. */
  readonly key: string;
  /** Accuracy on the evaluation split after the last epoch, in [0, 1]. */
  readonly accuracy: number;
  /** Mean cross-entropy on the evaluation split. */
  readonly loss: number;
  /** Trainable parameters of the stand-alone network. */
  readonly params: number;
  /** Wall-clock seconds of training + evaluation. */
  readonly seconds: number;
  /** Seed of the weights and batches. */
  readonly seed: number;
  /** Accuracy on the validation batches, when {@link trainStandalone} was given some. */
  readonly validAccuracy?: number;
}

/** Makes fixed evaluation batches (tensors) of a split; the caller disposes them. */
export function makeEvalBatches(split: DatasetSplit, batchSize: number): LabelledBatch[] {
  const out: LabelledBatch[] = [];
  const per = split.height * split.width * split.channels;
  for (let start = 0; start < split.n; start += batchSize) {
    const n = Math.min(batchSize, split.n - start);
    out.push({
      x: tf.tensor4d(split.images.subarray(start * per, (start + n) * per), [n, split.height, split.width, split.channels]),
      y: tf.tensor1d(split.labels.subarray(start, start + n), 'int32'),
    });
  }
  return out;
}

/** Frees the tensors of {@link makeEvalBatches}. */
export function disposeBatches(batches: readonly LabelledBatch[]): void {
  for (const b of batches) tf.dispose([b.x, b.y]);
}

/**
 * Trains one architecture alone (its own network from the space's builder) with SGD + cosine
 * learning rate and evaluates it. Leaks no tensors.
 */
export function trainStandalone<A>(options: {
  space: SearchSpace<A>;
  arch: A;
  shape: NetworkShape;
  recipe: StandaloneRecipe;
  train: DatasetSplit;
  evalBatches: readonly LabelledBatch[];
  /** Optional validation batches, evaluated too (`validAccuracy`). */
  validBatches?: readonly LabelledBatch[];
  augment: AugmentOptions | false;
  seed: number;
  onStep?: (done: number, total: number) => void;
}): StandaloneResult {
  const { space, arch, shape, recipe, train, evalBatches, augment, seed } = options;
  const started = performance.now();
  const builder = getNetworkBuilder(space.name);
  const net = builder.createNetwork(arch, networkOptions(space.name, shape, seed)) as Network<A>;
  const optimizer = createSgd({ momentum: recipe.momentum, weightDecay: recipe.weightDecay });
  try {
    const batcher = createBatcher(train, { batchSize: recipe.batchSize, seed, augment, dropLast: true });
    const stepsPerEpoch = batcher.batchesPerEpoch;
    const total = recipe.epochs * stepsPerEpoch;
    for (let epoch = 0; epoch < recipe.epochs; epoch++) {
      for (let step = 0; step < stepsPerEpoch; step++) {
        const batch = batcher.nextBatch();
        const lr = cosineLr({ epochs: recipe.epochs, stepsPerEpoch, lrMax: recipe.lr, lrMin: recipe.lrMin }, epoch, step);
        const x = tf.tensor4d(batch.images, [batch.size, batch.height, batch.width, batch.channels]);
        const y = tf.tensor1d(batch.labels, 'int32');
        try {
          trainStep({ net, arch, x, y, optimizer, lr, clipNorm: recipe.gradClip });
        } finally {
          tf.dispose([x, y]);
        }
        options.onStep?.(epoch * stepsPerEpoch + step + 1, total);
      }
    }
    const result = evaluate(net, arch, evalBatches);
    const valid = options.validBatches === undefined ? undefined : evaluate(net, arch, options.validBatches).accuracy;
    return {
      arch: space.format(arch),
      key: space.key(arch),
      accuracy: result.accuracy,
      loss: result.loss,
      params: net.paramCount(arch),
      seconds: (performance.now() - started) / 1000,
      seed,
      ...(valid === undefined ? {} : { validAccuracy: valid }),
    };
  } finally {
    optimizer.dispose();
    net.dispose();
  }
}

/** A derived seed for architecture `key` (stable across runs and machines). */
export function seedFor(base: number, key: string): number {
  let h = 2166136261 ^ base;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619);
  return (h >>> 0) % 2147483647;
}
