import { InvalidArgumentError } from '@lmreg/common';

/** Options of {@link cosineLr}. */
export interface CosineScheduleOptions {
  /** Length of the run in epochs (the cosine reaches `lrMin` at its end). */
  readonly epochs: number;
  /**
   * Steps per epoch. When given, the rate moves every step (`t = epoch + step / stepsPerEpoch`);
   * when omitted it moves once per epoch, as NB201's `CosineLR` scheduler.
   */
  readonly stepsPerEpoch?: number;
  /** Initial rate. Default 0.025. */
  readonly lrMax?: number;
  /** Final rate. Default 0.001. */
  readonly lrMin?: number;
}

/**
 * Cosine-annealed learning rate, a pure function of the position in the run:
 * `lrMin + (lrMax - lrMin) * (1 + cos(pi * t / epochs)) / 2`, `t` clamped to `[0, epochs]`
 * (so `lrMin` after the end).
 *
 * @param epoch 0-based epoch.
 * @param step 0-based step within the epoch (ignored without `stepsPerEpoch`).
 */
export function cosineLr(options: CosineScheduleOptions, epoch: number, step = 0): number {
  const { epochs, stepsPerEpoch } = options;
  const lrMax = options.lrMax ?? 0.025;
  const lrMin = options.lrMin ?? 0.001;
  if (!Number.isSafeInteger(epochs) || epochs <= 0) throw new InvalidArgumentError(`cosineLr: epochs must be a positive integer, got ${String(epochs)}.`);
  if (stepsPerEpoch !== undefined && (!Number.isSafeInteger(stepsPerEpoch) || stepsPerEpoch <= 0)) {
    throw new InvalidArgumentError(`cosineLr: stepsPerEpoch must be a positive integer, got ${String(stepsPerEpoch)}.`);
  }
  if (!Number.isFinite(lrMax) || !Number.isFinite(lrMin) || lrMin < 0 || lrMax < lrMin) {
    throw new InvalidArgumentError(`cosineLr: needs 0 <= lrMin <= lrMax, got lrMin ${String(lrMin)}, lrMax ${String(lrMax)}.`);
  }
  if (!Number.isSafeInteger(epoch) || epoch < 0) throw new InvalidArgumentError(`cosineLr: epoch must be an integer >= 0, got ${String(epoch)}.`);
  if (!Number.isSafeInteger(step) || step < 0 || (stepsPerEpoch !== undefined && step >= stepsPerEpoch)) {
    throw new InvalidArgumentError(`cosineLr: step must be an integer in [0, stepsPerEpoch), got ${String(step)}.`);
  }
  const t = Math.min(epochs, stepsPerEpoch === undefined ? epoch : epoch + step / stepsPerEpoch);
  return lrMin + ((lrMax - lrMin) * (1 + Math.cos((Math.PI * t) / epochs))) / 2;
}
