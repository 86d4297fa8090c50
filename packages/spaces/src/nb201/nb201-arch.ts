import { InvalidArchitectureError } from '@lmreg/common';

import { describeValue, readArrayInput } from '../registry/describe-value.js';

/** Registry name of the NAS-Bench-201 space. */
export const NB201_SPACE_NAME = 'nb201';

/**
 * The five NAS-Bench-201 operations, in the official order (`encode` uses these indices):
 * `none` (zeros), `skip_connect` (identity), `nor_conv_1x1` and `nor_conv_3x3` (ReLU-Conv-BN),
 * `avg_pool_3x3`.
 */
export const NB201_OPS = ['none', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3'] as const;

/** One NAS-Bench-201 operation name. */
export type Nb201Op = (typeof NB201_OPS)[number];

/**
 * The six edges of the NB201 cell as `[to, from]` node pairs, in the official string order
 * `|e(1<-0)|+|e(2<-0)|e(2<-1)|+|e(3<-0)|e(3<-1)|e(3<-2)|`. Node 0 is the cell input, node 3 its output.
 */
export const NB201_EDGES: readonly (readonly [to: number, from: number])[] = [
  [1, 0],
  [2, 0],
  [2, 1],
  [3, 0],
  [3, 1],
  [3, 2],
];

/**
 * A NAS-Bench-201 cell: the op on each of the six edges, in the order of {@link NB201_EDGES}.
 * A plain JSON-serialisable tuple of op names.
 */
export type Nb201Arch = readonly [Nb201Op, Nb201Op, Nb201Op, Nb201Op, Nb201Op, Nb201Op];

/** Number of cells in the space: 5^6. */
export const NB201_SIZE = 15625;

const OP_INDEX: ReadonlyMap<string, number> = new Map(NB201_OPS.map((op, i) => [op, i]));

/** Index of `op` in {@link NB201_OPS}, or -1 when `op` is not an NB201 op name. */
export function nb201OpIndex(op: unknown): number {
  return typeof op === 'string' ? (OP_INDEX.get(op) ?? -1) : -1;
}

/** Freezes six op names into an {@link Nb201Arch}. */
export function makeNb201Arch(ops: readonly Nb201Op[]): Nb201Arch {
  return Object.freeze(ops.slice()) as unknown as Nb201Arch;
}

/**
 * Checks that `a` is a six-op NB201 cell and returns its op indices. Throws
 * `InvalidArchitectureError` naming the bad edge otherwise.
 */
export function nb201OpIndices(a: unknown): number[] {
  const ops = readArrayInput(NB201_SPACE_NAME, a, 'an architecture (an array of 6 op names, one per edge)');
  if (ops.length !== 6) {
    throw new InvalidArchitectureError(
      NB201_SPACE_NAME,
      `an architecture has exactly 6 edges (1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2), got ${ops.length} entries.`,
    );
  }
  return ops.map((op: unknown, k) => {
    const i = nb201OpIndex(op);
    if (i < 0) {
      throw new InvalidArchitectureError(NB201_SPACE_NAME, `edge ${edgeName(k)} has unknown op ${describeValue(op)}; use one of ${NB201_OPS.join(', ')}.`);
    }
    return i;
  });
}

/** Lexicographic rank of a cell: its op indices read as a base-5 number, edge 1<-0 most significant. */
export function nb201Rank(a: Nb201Arch): number {
  let rank = 0;
  for (const i of nb201OpIndices(a)) rank = rank * 5 + i;
  return rank;
}

/** Inverse of {@link nb201Rank} for `rank` in `[0, 15625)` (not validated). */
export function nb201FromRank(rank: number): Nb201Arch {
  const ops: Nb201Op[] = new Array<Nb201Op>(6);
  let r = rank;
  for (let k = 5; k >= 0; k--) {
    ops[k] = NB201_OPS[r % 5] as Nb201Op;
    r = Math.floor(r / 5);
  }
  return makeNb201Arch(ops);
}

/** `'2<-1'` for edge position 2. */
export function edgeName(k: number): string {
  const e = NB201_EDGES[k];
  return e === undefined ? `#${k}` : `${e[0]}<-${e[1]}`;
}

export { describeValue };
