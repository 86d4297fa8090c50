import { InvalidArgumentError } from '@lmreg/common';

import { NB201_OPS, nb201OpIndices } from './nb201-arch.js';
import type { Nb201Arch } from './nb201-arch.js';

/** Network size options of {@link nb201ParamCount}. */
export interface Nb201NetworkOptions {
  /** Channels of the first stage, C (stages run at C, 2C, 4C). Default 16, as in NAS-Bench-201. */
  channels?: number;
  /** Cells per stage, N. Default 5, as in NAS-Bench-201. */
  cells?: number;
  /** Number of output classes: 10 (CIFAR-10), 100 (CIFAR-100) or 120 (ImageNet16-120). */
  classes: number;
}

/** Parameters of a 2-D convolution without bias. */
function conv(inChannels: number, outChannels: number, kernel: number): number {
  return inChannels * outChannels * kernel * kernel;
}

/** Parameters of an affine batch norm (scale and shift). */
function batchNorm(channels: number): number {
  return 2 * channels;
}

/** ReLU-Conv-BN at constant width (the NB201 conv ops). */
function reluConvBn(channels: number, kernel: number): number {
  return conv(channels, channels, kernel) + batchNorm(channels);
}

/** Parameters of one op inside a cell of width `channels`. */
function opParams(op: number, channels: number): number {
  switch (NB201_OPS[op]) {
    case 'nor_conv_1x1':
      return reluConvBn(channels, 1);
    case 'nor_conv_3x3':
      return reluConvBn(channels, 3);
    default:
      return 0; // none, skip_connect and avg_pool_3x3 keep the width and have no weights
  }
}

/** ResNet basic block with stride 2 from `c` to `2c` channels (the NB201 reduction block). */
function reductionBlock(c: number): number {
  const convA = conv(c, 2 * c, 3) + batchNorm(2 * c); // ReLU-Conv3x3(stride 2)-BN
  const convB = conv(2 * c, 2 * c, 3) + batchNorm(2 * c); // ReLU-Conv3x3-BN
  const shortcut = conv(c, 2 * c, 1); // AvgPool2d(2) then Conv1x1, no BN
  return convA + convB + shortcut;
}

function positiveInteger(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new InvalidArgumentError(`nb201ParamCount: ${name} must be a positive integer, got ${String(value)}.`);
  }
  return value;
}

/**
 * Number of trainable parameters of the NAS-Bench-201 network built from cell `a`, summed layer by
 * layer: stem (Conv3x3 3->C without bias, affine BN); three stages of `cells` cells at C, 2C and 4C
 * channels, separated by two ResNet basic reduction blocks; final BN + ReLU, global average pool and
 * a linear classifier with bias. Each `nor_conv_kxk` edge is ReLU-Conv-BN (no conv bias, affine
 * BN); `none`, `skip_connect` and `avg_pool_3x3` have no parameters.
 *
 * With the defaults this equals the benchmark's `params` (in units, not MB) for CIFAR-10
 * (`classes: 10`), CIFAR-100 (`100`) and ImageNet16-120 (`120`), e.g. 1,531,546 for the
 * all-`nor_conv_3x3` cell on CIFAR-10.
 *
 * Throws `InvalidArchitectureError` for an invalid cell and `InvalidArgumentError` for a
 * non-positive or non-integer option.
 */
export function nb201ParamCount(a: Nb201Arch, options: Nb201NetworkOptions): number {
  const ops = nb201OpIndices(a);
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError('nb201ParamCount needs an options object with at least { classes }.');
  }
  const c = positiveInteger('channels', options.channels ?? 16);
  const n = positiveInteger('cells', options.cells ?? 5);
  const classes = positiveInteger('classes', options.classes);

  let total = conv(3, c, 3) + batchNorm(c); // stem
  for (let stage = 0; stage < 3; stage++) {
    const width = c * 2 ** stage;
    if (stage > 0) total += reductionBlock(width / 2);
    let cell = 0;
    for (const op of ops) cell += opParams(op, width);
    total += n * cell;
  }
  const last = 4 * c;
  total += batchNorm(last); // lastact: BN + ReLU
  total += last * classes + classes; // classifier
  return total;
}
