import { InvalidArchitectureError, type Rng } from '@lmreg/common';

import { describeValue, readArrayInput } from '../registry/describe-value.js';
import { hamming, type SearchSpace } from '../registry/search-space.js';
import { formatDartsGenotype, parseDartsGenotype } from './genotype-format.js';
import {
  assertDartsGenotype,
  canonicalDartsGenotype,
  DARTS_NODES,
  DARTS_OPS,
  DARTS_SPACE_NAME,
  describePair,
  type DartsGenotype,
  type DartsPair,
} from './genotype.js';
import { dartsSpaceSize } from './space-size.js';

const PAIRS_PER_CELL = 2 * DARTS_NODES;
const CELLS = ['normal', 'reduce'] as const;

/** Bounds of the 32-int encoding: `[8, inputs of node 0, 8, inputs of node 0, ...]` per cell. */
const BOUNDS: readonly number[] = Object.freeze(
  CELLS.flatMap(() => Array.from({ length: PAIRS_PER_CELL }, (_, i) => [DARTS_OPS.length, Math.floor(i / 2) + 2]).flat()),
);

function describePosition(position: number): string {
  const cell = CELLS[Math.floor(position / (2 * PAIRS_PER_CELL))] as 'normal' | 'reduce';
  const pair = Math.floor(position / 2) % PAIRS_PER_CELL;
  return `${describePair(cell, pair)} ${position % 2 === 0 ? 'op' : 'input'}`;
}

function encode(a: DartsGenotype): number[] {
  const g = assertDartsGenotype(a);
  const out: number[] = [];
  for (const cell of CELLS) {
    for (const [op, input] of g[cell]) out.push(DARTS_OPS.indexOf(op), input);
  }
  return out;
}

function decode(input: readonly number[]): DartsGenotype {
  const vector = readArrayInput(DARTS_SPACE_NAME, input, `decode's input (an array of ${BOUNDS.length} integers)`);
  if (vector.length !== BOUNDS.length) {
    throw new InvalidArchitectureError(
      DARTS_SPACE_NAME,
      `an encoding has ${BOUNDS.length} integers ((op, input) for 8 pairs in each of 2 cells), got ${vector.length}.`,
    );
  }
  const cells: DartsPair[][] = [[], []];
  for (let p = 0; p < BOUNDS.length; p += 2) {
    for (const q of [p, p + 1]) {
      const x: unknown = vector[q];
      const bound = BOUNDS[q] as number;
      if (typeof x !== 'number' || !Number.isInteger(x) || x < 0 || x >= bound) {
        throw new InvalidArchitectureError(
          DARTS_SPACE_NAME,
          `encoding[${q}] (${describePosition(q)}) is ${describeValue(x)}; it must be an integer in [0, ${bound}).`,
        );
      }
    }
    const cell = cells[Math.floor(p / (2 * PAIRS_PER_CELL))] as DartsPair[];
    cell.push([DARTS_OPS[vector[p] as number] as DartsPair[0], vector[p + 1] as number]);
  }
  return { normal: cells[0] as DartsPair[], reduce: cells[1] as DartsPair[] };
}

/**
 * The DARTS CNN search space (Liu et al., ICLR 2019) as used by the Landmark-Regularization paper:
 * a normal and a reduction cell, each with 4 intermediate nodes fed by two `(op, input)` pairs over
 * the 8 ops of {@link DARTS_OPS} (`none` included, see {@link DartsGenotype}), outputs concatenated
 * as `[2, 3, 4, 5]`.
 *
 * - `encode`: 32 integers, per cell and pair in genotype order `[op index, input]`; bounds
 *   `[8, 2, 8, 2, 8, 3, 8, 3, 8, 4, ...]`.
 * - `size`: the number of distinct encodings, `(8^8 * (2*3*4*5)^2)^2` ≈ 5.84e22 (pairs ordered,
 *   repeated inputs and `none` allowed). The published figures count differently: ≈ 1e18 in the
 *   DARTS paper (7 ops, distinct unordered inputs) and 3.3e13 in the Landmark-Regularization paper
 *   (= 7^16, op choices on a fixed set of 16 edges). `dartsSpaceSize(rule)` computes all of them.
 * - `sample`: uniform over encodings (each op and input independently uniform).
 * - `mutate`: changes one op or one input of one pair to another valid value (distance 1).
 * - `key`: `format` of {@link canonicalDartsGenotype} (pairs of a node sorted, `none` inputs set to 0).
 * - `format` / `parse`: DARTS' `Genotype(normal=[...], normal_concat=[2, 3, 4, 5], ...)` strings; see
 *   `parseDartsGenotype` for the spellings read.
 */
export function createDartsSpace(): SearchSpace<DartsGenotype> {
  return {
    name: DARTS_SPACE_NAME,
    size: dartsSpaceSize('encoding'),
    mutationDistance: 1,
    encodingLength: BOUNDS.length,
    encodingBounds: BOUNDS,
    sample(rng: Rng): DartsGenotype {
      return decode(BOUNDS.map((b) => rng.int(b)));
    },
    mutate(a: DartsGenotype, rng: Rng): DartsGenotype {
      const v = encode(a);
      const position = rng.int(v.length);
      const bound = BOUNDS[position] as number;
      v[position] = ((v[position] as number) + 1 + rng.int(bound - 1)) % bound;
      return decode(v);
    },
    distance(a: DartsGenotype, b: DartsGenotype): number {
      return hamming(encode(a), encode(b));
    },
    encode,
    decode,
    format(a: DartsGenotype): string {
      return formatDartsGenotype(assertDartsGenotype(a));
    },
    parse: parseDartsGenotype,
    key(a: DartsGenotype): string {
      return formatDartsGenotype(canonicalDartsGenotype(assertDartsGenotype(a)));
    },
  };
}
