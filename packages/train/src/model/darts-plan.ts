import { InvalidArchitectureError, InvalidArgumentError } from '@lmreg/common';
import { assertDartsGenotype, type DartsLikeGenotype } from '@lmreg/spaces';

import { networkOptionReader } from './network-options.js';
import type { BaseNetworkOptions } from './network.js';
import type { Initializer } from './variable-store.js';

/** Options of {@link createDartsSupernet} / {@link createDartsNetwork}. */
export interface DartsNetworkBuildOptions extends BaseNetworkOptions {
  /** Initial channels C (the stem has 3C). Default 36 (DARTS evaluation). */
  readonly channels?: number;
  /** Number of cells; cells `layers // 3` and `2 * layers // 3` are reduction cells. Default 20. */
  readonly layers?: number;
  /** Output classes. Default 10. */
  readonly classes?: number;
  /** Input image channels. Default 3. */
  readonly inputChannels?: number;
  /**
   * Build DARTS' `AuxiliaryHeadCIFAR` after cell `2 * layers // 3` (see
   * {@link DartsNetwork.forwardWithAuxiliary}; it needs an 8x8 feature map there, i.e. 32x32
   * images). Default false.
   */
  readonly auxiliary?: boolean;
}

// The DARTS network's plan (split out of darts-network.ts): resolved options, the cells' channel
// plan, the variable shapes of each op and their initialisers.

export interface ResolvedOptions {
  readonly channels: number;
  readonly layers: number;
  readonly classes: number;
  readonly inputChannels: number;
  readonly auxiliary: boolean;
  readonly seed: number;
}

/** A cell in resolved form: `[op, input]` pairs (two per node) and the concatenated states. */
export interface CellSpec {
  readonly pairs: readonly (readonly [string, number])[];
  readonly concat: readonly number[];
}

export interface ArchSpec {
  readonly normal: CellSpec;
  readonly reduce: CellSpec;
}

/** One cell of the macro structure. */
export interface CellPlan {
  readonly reduction: boolean;
  readonly reductionPrev: boolean;
  readonly cPrevPrev: number;
  readonly cPrev: number;
  readonly c: number;
}

export const KAIMING: Initializer = { kind: 'kaiming-normal-fan-out' };

export function resolveOptions(options: DartsNetworkBuildOptions): ResolvedOptions {
  const positiveInt = networkOptionReader('DARTS', options);
  return {
    channels: positiveInt('channels', options.channels, 36),
    layers: positiveInt('layers', options.layers, 20),
    classes: positiveInt('classes', options.classes, 10),
    inputChannels: positiveInt('inputChannels', options.inputChannels, 3),
    auxiliary: options.auxiliary ?? false,
    seed: options.seed,
  };
}

export function cellSpec(pairs: DartsLikeGenotype['normal'], concat: readonly number[] | undefined): CellSpec {
  const nodes = pairs.length / 2;
  return {
    pairs: pairs.map(([op, input]) => [op, input] as const),
    concat: concat === undefined ? Array.from({ length: nodes }, (_, k) => k + 2) : [...concat],
  };
}

export function archSpec(g: DartsLikeGenotype): ArchSpec {
  return { normal: cellSpec(g.normal, g.normalConcat), reduce: cellSpec(g.reduce, g.reduceConcat) };
}

export function plan(o: Pick<ResolvedOptions, 'channels' | 'layers'>, arch: ArchSpec): CellPlan[] {
  const out: CellPlan[] = [];
  let cPrevPrev = 3 * o.channels;
  let cPrev = 3 * o.channels;
  let c = o.channels;
  let reductionPrev = false;
  for (let i = 0; i < o.layers; i++) {
    const reduction = i === Math.floor(o.layers / 3) || i === Math.floor((2 * o.layers) / 3);
    if (reduction) c *= 2;
    out.push({ reduction, reductionPrev, cPrevPrev, cPrev, c });
    reductionPrev = reduction;
    cPrevPrev = cPrev;
    cPrev = (reduction ? arch.reduce : arch.normal).concat.length * c;
  }
  return out;
}

/** Weight key suffixes of one op at `c` channels (empty for parameter-free ops), with shapes. */
export function opShapes(op: string, c: number, stride: number): [string, number[]][] {
  const bn = (name: string, ch: number): [string, number[]][] => [
    [`${name}.gamma`, [ch]],
    [`${name}.beta`, [ch]],
  ];
  const sep = /^sep_conv_([357])x\1$/.exec(op);
  if (sep !== null) {
    const k = Number(sep[1]);
    return [['dw1', [k, k, c, 1]], ['pw1', [1, 1, c, c]], ...bn('bn1', c), ['dw2', [k, k, c, 1]], ['pw2', [1, 1, c, c]], ...bn('bn2', c)];
  }
  const dil = /^dil_conv_([35])x\1$/.exec(op);
  if (dil !== null) {
    const k = Number(dil[1]);
    return [['dw', [k, k, c, 1]], ['pw', [1, 1, c, c]], ...bn('bn', c)];
  }
  if (op === 'skip_connect' && stride === 2) return factorizedReduceShapes(c, c);
  if (op === 'conv_7x1_1x7') return [['conv1x7', [1, 7, c, c]], ['conv7x1', [7, 1, c, c]], ...bn('bn', c)];
  return [];
}

export function factorizedReduceShapes(cIn: number, cOut: number): [string, number[]][] {
  const half = Math.floor(cOut / 2);
  return [
    ['conv1', [1, 1, cIn, half]],
    ['conv2', [1, 1, cIn, half]],
    ['bn.gamma', [cOut]],
    ['bn.beta', [cOut]],
  ];
}

export function initOf(key: string, shape: readonly number[]): Initializer {
  if (key.endsWith('.gamma')) return { kind: 'constant', value: 1 };
  if (key.endsWith('.beta')) return { kind: 'constant', value: 0 };
  if (shape.length === 4) return KAIMING;
  throw new InvalidArgumentError(`internal: no initializer for '${key}'.`);
}

/** `[from pair index p]` -> weight key prefix; duplicates of (node, input, op) in a stand-alone cell get `.copy{n}`. */
export function pairPrefixes(cell: number, pairs: readonly (readonly [string, number])[], dedupe: boolean): string[] {
  const seen = new Map<string, number>();
  return pairs.map(([op, input], p) => {
    const base = `cell${cell}.node${Math.floor(p / 2)}.in${input}.${op}`;
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    return dedupe && n > 0 ? `${base}.copy${n}` : base;
  });
}

export function reluConvBnShapes(cIn: number, cOut: number): [string, number[]][] {
  return [
    ['conv', [1, 1, cIn, cOut]],
    ['bn.gamma', [cOut]],
    ['bn.beta', [cOut]],
  ];
}

/**
 * The spec of a genotype the DARTS super-net can run: a DARTS-space genotype (8 pairs over DARTS'
 * ops) whose concat lists, when given, are `[2, 3, 4, 5]`. Throws `InvalidArchitectureError`.
 */
export function superArchSpec(arch: DartsLikeGenotype): ArchSpec {
  const g = assertDartsGenotype(arch);
  for (const [name, concat] of [
    ['normalConcat', arch.normalConcat],
    ['reduceConcat', arch.reduceConcat],
  ] as const) {
    if (concat !== undefined && JSON.stringify([...concat]) !== JSON.stringify([2, 3, 4, 5])) {
      throw new InvalidArchitectureError('darts', `the DARTS super-net needs ${name} [2, 3, 4, 5], got ${JSON.stringify(concat)}.`);
    }
  }
  return archSpec(g);
}

/** Any DARTS genotype (the super-net's channel plan only depends on the 4-node, concat-[2..5] shape). */
export function superArch(): DartsLikeGenotype {
  const pairs = Array.from({ length: 8 }, () => ['none', 0] as const);
  return { normal: pairs, reduce: pairs };
}
