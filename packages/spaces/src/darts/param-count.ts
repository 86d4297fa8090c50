import { InvalidArchitectureError, InvalidArgumentError } from '@lmreg/common';

import { describeValue } from '../registry/describe-value.js';
import { DARTS_SPACE_NAME, describePair, type DartsLikeGenotype } from './genotype.js';

/** Network settings for {@link dartsParamCount}. */
export interface DartsNetworkOptions {
  /** Initial channels `C` (DARTS evaluation: 36; NAS-Bench-301: 32). Default 36. */
  readonly channels?: number;
  /** Number of cells (DARTS evaluation: 20; NAS-Bench-301: 8). Default 20. */
  readonly layers?: number;
  /** Output classes. Default 10 (CIFAR-10). */
  readonly classes?: number;
  /**
   * Count the `AuxiliaryHeadCIFAR` too. DARTS' `utils.count_parameters_in_MB` (its logged
   * "param size") leaves it out; FairDARTS' `darts/genotypes.py` comments include it.
   */
  readonly auxiliary: boolean;
}

/** Parameters of a 1x1-stride-2 `FactorizedReduce(cIn, cOut)`: two half-width convs and a BN. */
function factorizedReduce(cIn: number, cOut: number): number {
  return 2 * cIn * Math.floor(cOut / 2) + 2 * cOut;
}

/** Parameters of `ReLUConvBN(cIn, cOut, 1, 1, 0)`. */
function reluConvBn1x1(cIn: number, cOut: number): number {
  return cIn * cOut + 2 * cOut;
}

/**
 * Trainable parameters of one op of DARTS' `OPS` table (`cnn/operations.py`) at `c` channels, or
 * `undefined` for an op name DARTS' `NetworkCIFAR` cannot build.
 */
function opParams(op: string, c: number, stride: number): number | undefined {
  const sep = /^sep_conv_([357])x\1$/.exec(op);
  if (sep) {
    const k = Number(sep[1]);
    // Two blocks of (ReLU, depthwise kxk, pointwise 1x1, BN).
    return 2 * (c * k * k + c * c + 2 * c);
  }
  const dil = /^dil_conv_([35])x\1$/.exec(op);
  if (dil) {
    const k = Number(dil[1]);
    // ReLU, depthwise dilated kxk, pointwise 1x1, BN.
    return c * k * k + c * c + 2 * c;
  }
  switch (op) {
    case 'none':
    case 'max_pool_3x3':
    case 'avg_pool_3x3':
      return 0;
    case 'skip_connect':
      return stride === 1 ? 0 : factorizedReduce(c, c);
    case 'conv_7x1_1x7':
      // ReLU, 1x7 conv, 7x1 conv, BN.
      return 14 * c * c + 2 * c;
    default:
      return undefined;
  }
}

/** Op names {@link dartsParamCount} knows: DARTS' `OPS` table. */
export const DARTS_PARAM_COUNT_OPS: readonly string[] = Object.freeze([
  'none',
  'max_pool_3x3',
  'avg_pool_3x3',
  'skip_connect',
  'sep_conv_3x3',
  'sep_conv_5x5',
  'sep_conv_7x7',
  'dil_conv_3x3',
  'dil_conv_5x5',
  'conv_7x1_1x7',
]);

function positiveInteger(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new InvalidArgumentError(`dartsParamCount: ${name} must be a positive integer, got ${describeValue(value)}.`);
  }
  return value;
}

interface CheckedCell {
  readonly pairs: readonly (readonly [string, number])[];
  readonly multiplier: number;
}

function checkCell(g: DartsLikeGenotype, cell: 'normal' | 'reduce'): CheckedCell {
  const pairs: unknown = g[cell];
  if (!Array.isArray(pairs) || pairs.length === 0 || pairs.length % 2 !== 0) {
    throw new InvalidArchitectureError(DARTS_SPACE_NAME, `${cell} must be a non-empty array of [op, input] pairs, two per node.`);
  }
  const out: (readonly [string, number])[] = [];
  pairs.forEach((pair: unknown, i) => {
    const where = describePair(cell, i);
    if (!Array.isArray(pair) || pair.length !== 2) {
      throw new InvalidArchitectureError(DARTS_SPACE_NAME, `${where} must be an [op, input] pair.`);
    }
    const [op, input] = pair as unknown[];
    if (typeof op !== 'string' || opParams(op, 2, 1) === undefined) {
      throw new InvalidArchitectureError(
        DARTS_SPACE_NAME,
        `${where} uses op ${describeValue(op)}, which DARTS' NetworkCIFAR cannot build; countable ops: ${DARTS_PARAM_COUNT_OPS.join(', ')}.`,
      );
    }
    const bound = Math.floor(i / 2) + 2;
    if (typeof input !== 'number' || !Number.isInteger(input) || input < 0 || input >= bound) {
      throw new InvalidArchitectureError(DARTS_SPACE_NAME, `${where} reads input ${describeValue(input)}; it must be in 0..${bound - 1}.`);
    }
    out.push([op, input]);
  });
  const concat: unknown = cell === 'normal' ? g.normalConcat : g.reduceConcat;
  const states = pairs.length / 2 + 2;
  let multiplier = pairs.length / 2;
  if (concat !== undefined) {
    if (!Array.isArray(concat) || concat.length === 0 || concat.some((s) => !Number.isInteger(s) || s < 0 || s >= states)) {
      throw new InvalidArchitectureError(DARTS_SPACE_NAME, `${cell}Concat must be a non-empty array of state indices in 0..${states - 1}.`);
    }
    multiplier = concat.length;
  }
  return { pairs: out, multiplier };
}

/**
 * Trainable parameter count of quark0/darts' `NetworkCIFAR(C, classes, layers, auxiliary, genotype)`
 * (`cnn/model.py`, ops from `cnn/operations.py`, every BatchNorm affine):
 * - stem: conv3x3 3 -> 3C (no bias) + BN;
 * - `layers` cells; cells `layers // 3` and `2 * layers // 3` are reduction cells and double C;
 *   each cell preprocesses its two inputs with `FactorizedReduce` (input 0, when the previous cell
 *   was a reduction) or `ReLUConvBN` 1x1, and outputs `len(concat) * C` channels;
 * - ops: sep_conv = 2 x (ReLU, depthwise kxk, pointwise 1x1, BN); dil_conv = ReLU, dilated
 *   depthwise kxk, pointwise, BN; skip_connect reading input 0 or 1 of a reduction cell (stride 2)
 *   = `FactorizedReduce(C, C)`; pools and none have none;
 * - `AuxiliaryHeadCIFAR` after cell `2 * layers // 3` when `auxiliary` (ReLU, avgpool, conv1x1 to
 *   128 + BN, conv2x2 to 768 + BN, linear 768 -> classes);
 * - global pool, linear C_prev -> classes with bias.
 *
 * Accepts any DARTS-family genotype ({@link DartsLikeGenotype}: NASNet, AmoebaNet and ENAS cells
 * too, e.g. from `parseDartsLikeGenotype`), with op names from {@link DARTS_PARAM_COUNT_OPS}.
 * Matches the published counts: DARTS_V2 has 3,349,342 parameters at C = 36, 20 layers, no
 * auxiliary head. Throws `InvalidArgumentError` for bad options and `InvalidArchitectureError` for
 * an unknown op or a malformed cell.
 */
export function dartsParamCount(genotype: DartsLikeGenotype, options: DartsNetworkOptions): number {
  if (typeof options !== 'object' || options === null || typeof options.auxiliary !== 'boolean') {
    throw new InvalidArgumentError('dartsParamCount: pass options with auxiliary: true or false (and optionally channels, layers, classes).');
  }
  const c = positiveInteger('channels', options.channels ?? 36);
  const layers = positiveInteger('layers', options.layers ?? 20);
  const classes = positiveInteger('classes', options.classes ?? 10);
  if (typeof genotype !== 'object' || genotype === null) {
    throw new InvalidArchitectureError(DARTS_SPACE_NAME, 'dartsParamCount needs a genotype object { normal, reduce }.');
  }
  const normal = checkCell(genotype, 'normal');
  const reduce = checkCell(genotype, 'reduce');

  let total = 3 * (3 * c) * 9 + 2 * (3 * c); // stem conv + BN
  let cPrevPrev = 3 * c;
  let cPrev = 3 * c;
  let cCurr = c;
  let reductionPrev = false;
  let cToAuxiliary = 0;
  for (let i = 0; i < layers; i++) {
    const reduction = i === Math.floor(layers / 3) || i === Math.floor((2 * layers) / 3);
    if (reduction) cCurr *= 2;
    total += reductionPrev ? factorizedReduce(cPrevPrev, cCurr) : reluConvBn1x1(cPrevPrev, cCurr);
    total += reluConvBn1x1(cPrev, cCurr);
    const cell = reduction ? reduce : normal;
    for (const [op, input] of cell.pairs) {
      total += opParams(op, cCurr, reduction && input < 2 ? 2 : 1) as number;
    }
    reductionPrev = reduction;
    cPrevPrev = cPrev;
    cPrev = cell.multiplier * cCurr;
    if (i === Math.floor((2 * layers) / 3)) cToAuxiliary = cPrev;
  }
  if (options.auxiliary) {
    total += cToAuxiliary * 128 + 2 * 128 + 128 * 768 * 2 * 2 + 2 * 768 + 768 * classes + classes;
  }
  return total + cPrev * classes + classes;
}
