import { InvalidArchitectureError } from '@lmreg/common';

import { describeValue } from '../registry/describe-value.js';

/** Registry name of the DARTS space. */
export const DARTS_SPACE_NAME = 'darts';

/**
 * The 8 DARTS candidate operations, in the order of DARTS' `PRIMITIVES` (`cnn/genotypes.py`). The
 * index of an op in this list is its value in {@link DartsGenotype} encodings.
 */
export const DARTS_OPS = ['none', 'max_pool_3x3', 'avg_pool_3x3', 'skip_connect', 'sep_conv_3x3', 'sep_conv_5x5', 'dil_conv_3x3', 'dil_conv_5x5'] as const;

/** One of the 8 DARTS operations. */
export type DartsOp = (typeof DARTS_OPS)[number];

/** Number of intermediate nodes per DARTS cell. */
export const DARTS_NODES = 4;

/** Nodes concatenated into a DARTS cell's output: always all intermediate nodes, `[2, 3, 4, 5]`. */
export const DARTS_CONCAT: readonly number[] = Object.freeze([2, 3, 4, 5]);

/**
 * One incoming edge of an intermediate node: `[op, input]`, where `input` is the state the op reads
 * (0 = output of the cell two back, 1 = previous cell, `k + 2` = intermediate node `k`).
 */
export type DartsPair = readonly [op: DartsOp, input: number];

/**
 * A DARTS architecture (the `Genotype` namedtuple of DARTS' `cnn/genotypes.py`): a normal and a
 * reduction cell, each a list of 8 `[op, input]` pairs, two per intermediate node, in node order
 * (pairs `2k` and `2k + 1` feed node `k`, whose inputs are in `[0, k + 2)`). The concatenated
 * nodes are always `[2, 3, 4, 5]`, so they are not stored.
 *
 * `none` is allowed: DARTS' own derivation never keeps it, but random and NAO-style samplers in the
 * Landmark-Regularization code produce it, and three of that paper's published cells
 * (`LR_NAO_CIFAR10`, `LR_NAO_ImageNet`, `LR_SPOS_ImageNet`) contain it. A `none` pair adds zeros,
 * so its input does not change the network ({@link canonicalDartsGenotype} sets it to 0).
 * An input may appear in both pairs of a node (the released random DARTS cells do this).
 */
export interface DartsGenotype {
  /** The 8 `[op, input]` pairs of the normal cell. */
  readonly normal: readonly DartsPair[];
  /** The 8 `[op, input]` pairs of the reduction cell. */
  readonly reduce: readonly DartsPair[];
}

/**
 * A genotype in the wider DARTS-family format (NASNet, AmoebaNet, ENAS cells): any number of nodes,
 * any op name, any concat list. Produced by {@link parseDartsLikeGenotype}; accepted by
 * {@link dartsParamCount}. A {@link DartsGenotype} is one (its concats default to `[2, 3, 4, 5]`).
 */
export interface DartsLikeGenotype {
  /** `[op, input]` pairs of the normal cell, two per node. */
  readonly normal: readonly (readonly [op: string, input: number])[];
  /** States concatenated into the normal cell's output; default: every intermediate node. */
  readonly normalConcat?: readonly number[];
  /** `[op, input]` pairs of the reduction cell, two per node. */
  readonly reduce: readonly (readonly [op: string, input: number])[];
  /** States concatenated into the reduction cell's output; default: every intermediate node. */
  readonly reduceConcat?: readonly number[];
}

/** True when `op` is one of the 8 DARTS operations. */
export function isDartsOp(op: unknown): op is DartsOp {
  return typeof op === 'string' && (DARTS_OPS as readonly string[]).includes(op);
}

/** Where pair `i` of a cell sits: `'normal node 2 pair 1'`. */
export function describePair(cell: 'normal' | 'reduce', i: number): string {
  return `${cell} node ${Math.floor(i / 2)} pair ${i % 2}`;
}

/**
 * Checks that `value` is a {@link DartsGenotype} of the DARTS space and returns it typed. Throws
 * `InvalidArchitectureError` naming the first bad cell, pair, op or input.
 */
export function assertDartsGenotype(value: unknown): DartsGenotype {
  if (typeof value !== 'object' || value === null) {
    throw new InvalidArchitectureError(DARTS_SPACE_NAME, `expected a genotype object { normal, reduce }, got ${value === null ? 'null' : typeof value}.`);
  }
  const g = value as Record<string, unknown>;
  for (const cell of ['normal', 'reduce'] as const) {
    const pairs = g[cell];
    if (!Array.isArray(pairs)) {
      throw new InvalidArchitectureError(DARTS_SPACE_NAME, `${cell} must be an array of 8 [op, input] pairs.`);
    }
    if (pairs.length !== 2 * DARTS_NODES) {
      throw new InvalidArchitectureError(
        DARTS_SPACE_NAME,
        `${cell} cell has ${pairs.length} (op, input) pairs (${pairs.length / 2} nodes); the DARTS space has exactly ${DARTS_NODES} nodes, 2 pairs each (8 pairs).`,
      );
    }
    pairs.forEach((pair: unknown, i) => {
      const where = describePair(cell, i);
      if (!Array.isArray(pair) || pair.length !== 2) {
        throw new InvalidArchitectureError(DARTS_SPACE_NAME, `${where} must be an [op, input] pair.`);
      }
      const [op, input] = pair as unknown[];
      if (!isDartsOp(op)) {
        throw new InvalidArchitectureError(
          DARTS_SPACE_NAME,
          `${where} has op ${describeValue(op)}, which is not a DARTS op; use one of ${DARTS_OPS.join(', ')}.`,
        );
      }
      const bound = Math.floor(i / 2) + 2;
      if (typeof input !== 'number' || !Number.isInteger(input) || input < 0 || input >= bound) {
        throw new InvalidArchitectureError(
          DARTS_SPACE_NAME,
          `${where} reads input ${describeValue(input)}; node ${Math.floor(i / 2)} can only read states 0..${bound - 1}.`,
        );
      }
    });
  }
  return value as DartsGenotype;
}

/** A fresh, plain copy of a validated genotype (no shared arrays with the input). */
export function copyDartsGenotype(g: DartsGenotype): DartsGenotype {
  return {
    normal: g.normal.map(([op, input]) => [op, input] as const),
    reduce: g.reduce.map(([op, input]) => [op, input] as const),
  };
}

function comparePairs(a: DartsPair, b: DartsPair): number {
  const d = DARTS_OPS.indexOf(a[0]) - DARTS_OPS.indexOf(b[0]);
  return d !== 0 ? d : a[1] - b[1];
}

function canonicalCell(pairs: readonly DartsPair[]): DartsPair[] {
  const out: DartsPair[] = [];
  for (let k = 0; k < pairs.length; k += 2) {
    const node = [pairs[k], pairs[k + 1]]
      .map((p) => p as DartsPair)
      .map(([op, input]): DartsPair => [op, op === 'none' ? 0 : input])
      .sort(comparePairs);
    out.push(...node);
  }
  return out;
}

/**
 * The canonical representative of `g`'s isomorphism class, the genotype {@link createDartsSpace}'s
 * `key` formats. Two rules, both exact (the networks compute the same function with the same
 * parameters):
 * 1. the two pairs of a node are summed, so their order does not matter: they are sorted by
 *    (op index in {@link DARTS_OPS}, input);
 * 2. a `none` pair outputs zeros whatever it reads, so its input is set to 0.
 *
 * Not applied: relabelling independent intermediate nodes (it permutes the channels of the cell's
 * concatenated output, which the next cell's 1x1 preprocessing sees in a different order).
 */
export function canonicalDartsGenotype(g: DartsGenotype): DartsGenotype {
  return { normal: canonicalCell(g.normal), reduce: canonicalCell(g.reduce) };
}
