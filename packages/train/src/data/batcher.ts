import { createRng, InvalidArgumentError } from '@lmreg/common';

import type { AugmentOptions } from './preprocess.js';
import { augmentImages } from './preprocess.js';
import type { DatasetSplit } from './types.js';

/** One mini-batch as plain typed arrays. */
export interface Batch {
  /** `[size, height, width, channels]` NHWC float32 (augmented when the batcher augments). */
  readonly images: Float32Array;
  /** `[size]` class indices. */
  readonly labels: Int32Array;
  /** Number of examples; the last batch of an epoch may be smaller unless `dropLast`. */
  readonly size: number;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  /** Rows of the split this batch was drawn from. */
  readonly indices: Int32Array;
}

/** Options of {@link createBatcher}. */
export interface BatcherOptions {
  /** Examples per batch, a positive integer. */
  readonly batchSize: number;
  /** Reshuffle the rows every epoch (default true). */
  readonly shuffle?: boolean;
  /** Seed of the shuffles and augmentations (default 0). */
  readonly seed?: number;
  /** Crop/flip augmentation applied to each batch, or false/omitted for none. */
  readonly augment?: AugmentOptions | false;
  /** Skip the last, smaller batch of each epoch (default false). */
  readonly dropLast?: boolean;
}

/**
 * A batcher's position plus the settings it must be restored with. Plain JSON: store it in a
 * checkpoint and give it to {@link Batcher.restore} to continue at the same batch.
 */
export interface BatcherState {
  /** Epoch of the next batch, from 0. */
  readonly epoch: number;
  /** Index of the next batch within that epoch. */
  readonly batch: number;
  readonly n: number;
  readonly batchSize: number;
  readonly seed: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  readonly augment: AugmentOptions | false;
}

/**
 * Serves mini-batches of a split epoch after epoch. Every epoch's order and every batch's
 * augmentation are pure functions of (seed, epoch, batch), so a run restored from
 * {@link Batcher.state} yields exactly the batches an uninterrupted run would have.
 *
 * Iterating (`for (const b of batcher)`) yields the rest of the current epoch and leaves the
 * batcher at the start of the next one.
 */
export interface Batcher extends Iterable<Batch> {
  /** Batches per epoch: `ceil(n / batchSize)`, or `floor` with `dropLast`. */
  readonly batchesPerEpoch: number;
  /** Epoch of the next batch, from 0. */
  readonly epoch: number;
  /** Index of the next batch within the current epoch. */
  readonly batch: number;
  /** The next batch; after an epoch's last batch, moves on to the next epoch. */
  nextBatch(): Batch;
  /** Current position and settings (plain JSON). */
  state(): BatcherState;
  /**
   * Moves to the position in `state`.
   *
   * @throws InvalidArgumentError when `state` was made with other data size or settings, or its
   *   position is out of range.
   */
  restore(state: BatcherState): void;
}

/** 32-bit mix of several integers (murmur3 finaliser per part); used to derive per-epoch/batch seeds. */
function mixSeed(...parts: number[]): number {
  let h = 0x9e3779b9 | 0;
  for (const p of parts) {
    h = Math.imul(h ^ (p | 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h;
}

function sameAugment(a: AugmentOptions | false, b: AugmentOptions | false): boolean {
  if (a === false || b === false) return a === b;
  return a.pad === b.pad && a.flip === b.flip && (a.padValue ?? 0) === (b.padValue ?? 0);
}

const ORDER_STREAM = 1;
const AUGMENT_STREAM = 2;

class SplitBatcher implements Batcher {
  readonly batchesPerEpoch: number;
  readonly #split: DatasetSplit;
  readonly #batchSize: number;
  readonly #seed: number;
  readonly #shuffle: boolean;
  readonly #dropLast: boolean;
  readonly #augment: AugmentOptions | false;
  #epoch = 0;
  #batch = 0;
  #order: Int32Array | undefined;
  #orderEpoch = -1;

  constructor(split: DatasetSplit, options: BatcherOptions) {
    const { batchSize } = options;
    if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
      throw new InvalidArgumentError(`createBatcher: batchSize must be a positive integer, got ${String(batchSize)}.`);
    }
    const seed = options.seed ?? 0;
    if (!Number.isSafeInteger(seed)) {
      throw new InvalidArgumentError(`createBatcher: seed must be an integer, got ${String(seed)}.`);
    }
    const size = split.height * split.width * split.channels;
    if (split.images.length !== split.n * size || split.labels.length !== split.n) {
      throw new InvalidArgumentError(
        `createBatcher: split of n=${split.n}, ${split.height}x${split.width}x${split.channels} has ` +
          `${split.images.length} image values and ${split.labels.length} labels.`,
      );
    }
    this.#split = split;
    this.#batchSize = batchSize;
    this.#seed = seed;
    this.#shuffle = options.shuffle ?? true;
    this.#dropLast = options.dropLast ?? false;
    this.#augment = options.augment ?? false;
    this.batchesPerEpoch = this.#dropLast ? Math.floor(split.n / batchSize) : Math.ceil(split.n / batchSize);
    if (this.batchesPerEpoch === 0) {
      throw new InvalidArgumentError(
        `createBatcher: ${split.n} examples make no batch of ${batchSize}` +
          `${this.#dropLast ? ' with dropLast' : ''}; use a smaller batchSize.`,
      );
    }
  }

  get epoch(): number {
    return this.#epoch;
  }

  get batch(): number {
    return this.#batch;
  }

  #orderOf(epoch: number): Int32Array {
    if (this.#order === undefined || this.#orderEpoch !== epoch) {
      const n = this.#split.n;
      if (this.#shuffle) {
        const rng = createRng(mixSeed(this.#seed, Math.floor(this.#seed / 2 ** 32), epoch, ORDER_STREAM));
        this.#order = Int32Array.from(rng.shuffle(Array.from({ length: n }, (_, i) => i)));
      } else {
        this.#order = Int32Array.from({ length: n }, (_, i) => i);
      }
      this.#orderEpoch = epoch;
    }
    return this.#order;
  }

  nextBatch(): Batch {
    const epoch = this.#epoch;
    const batch = this.#batch;
    const order = this.#orderOf(epoch);
    const start = batch * this.#batchSize;
    const indices = order.slice(start, Math.min(start + this.#batchSize, this.#split.n));
    const { height, width, channels } = this.#split;
    const size = height * width * channels;
    let images: Float32Array = new Float32Array(indices.length * size);
    const labels = new Int32Array(indices.length);
    for (let i = 0; i < indices.length; i++) {
      const row = indices[i] ?? 0;
      images.set(this.#split.images.subarray(row * size, (row + 1) * size), i * size);
      labels[i] = this.#split.labels[row] ?? 0;
    }
    if (this.#augment !== false) {
      const rng = createRng(mixSeed(this.#seed, Math.floor(this.#seed / 2 ** 32), epoch, batch, AUGMENT_STREAM));
      images = augmentImages(images, { n: indices.length, height, width, channels }, this.#augment, rng);
    }
    this.#batch++;
    if (this.#batch >= this.batchesPerEpoch) {
      this.#batch = 0;
      this.#epoch++;
    }
    return { images, labels, size: indices.length, height, width, channels, indices };
  }

  *[Symbol.iterator](): Iterator<Batch> {
    const epoch = this.#epoch;
    while (this.#epoch === epoch) yield this.nextBatch();
  }

  state(): BatcherState {
    return {
      epoch: this.#epoch,
      batch: this.#batch,
      n: this.#split.n,
      batchSize: this.#batchSize,
      seed: this.#seed,
      shuffle: this.#shuffle,
      dropLast: this.#dropLast,
      augment: this.#augment === false ? false : { ...this.#augment },
    };
  }

  restore(state: BatcherState): void {
    const mine = this.state();
    const settings = ['n', 'batchSize', 'seed', 'shuffle', 'dropLast'] as const;
    for (const key of settings) {
      if (state[key] !== mine[key]) {
        throw new InvalidArgumentError(
          `Batcher.restore: the saved state has ${key}=${String(state[key])} but this batcher has ` +
            `${key}=${String(mine[key])}; resume with the same data and batcher options.`,
        );
      }
    }
    if (!sameAugment(state.augment, mine.augment)) {
      throw new InvalidArgumentError(
        `Batcher.restore: the saved state has augment=${JSON.stringify(state.augment)} but this batcher has ` +
          `augment=${JSON.stringify(mine.augment)}; resume with the same batcher options.`,
      );
    }
    if (
      !Number.isSafeInteger(state.epoch) ||
      state.epoch < 0 ||
      !Number.isSafeInteger(state.batch) ||
      state.batch < 0 ||
      state.batch >= this.batchesPerEpoch
    ) {
      throw new InvalidArgumentError(
        `Batcher.restore: position epoch=${String(state.epoch)}, batch=${String(state.batch)} is out of range ` +
          `(batch must be in 0..${this.batchesPerEpoch - 1}).`,
      );
    }
    this.#epoch = state.epoch;
    this.#batch = state.batch;
  }
}

/**
 * Creates a {@link Batcher} over `split`. The split is read, never modified; every batch is a
 * fresh copy.
 *
 * @throws InvalidArgumentError for a non-positive batch size, a non-integer seed, a split whose
 *   arrays do not match its shape, or a split that yields no batch.
 */
export function createBatcher(split: DatasetSplit, options: BatcherOptions): Batcher {
  return new SplitBatcher(split, options);
}
