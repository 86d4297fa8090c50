import type { Rng } from '@lmreg/common';
import { InvalidArchitectureError } from '@lmreg/common';

import { readArrayInput } from '../registry/describe-value.js';
import type { SearchSpace } from '../registry/search-space.js';
import { hamming } from '../registry/search-space.js';
import { cellTable, NB101_CELL_COUNT } from './nb101-enumerate.js';
import { nb101Hash } from './nb101-hash.js';
import type { Nb101Arch } from './nb101-spec.js';
import {
  archToGraph,
  checkPruned,
  describeValue,
  EDGE_PAIRS,
  isValidGraph,
  NB101_NAME,
  NB101_OPS,
  nb101FromSpec,
  packGraph,
  unpackArch,
} from './nb101-spec.js';

const EDGE_COUNT = 21;
const OP_SLOTS = 5;
const ENCODING_LENGTH = EDGE_COUNT + OP_SLOTS;

/** Packed form (see `packGraph`) of a checked architecture. */
function pack(a: Nb101Arch): number {
  const g = archToGraph(a);
  if (g.n !== 7) {
    throw new InvalidArchitectureError(NB101_NAME, `an nb101 architecture has 7 vertices, got ${g.n}; build it with nb101FromSpec.`);
  }
  checkPruned(g);
  return packGraph(g);
}

/** Row masks of the 7-vertex graph of a packed architecture. */
function packedRows(packed: number): number[] {
  const rows = [0, 0, 0, 0, 0, 0, 0];
  for (let k = 0; k < EDGE_COUNT; k++) {
    if ((packed >> k) & 1) {
      const [i, j] = EDGE_PAIRS[k]!;
      rows[i]! |= 1 << j;
    }
  }
  return rows;
}

function encodePacked(packed: number): number[] {
  const v: number[] = [];
  for (let k = 0; k < EDGE_COUNT; k++) v.push((packed >> k) & 1);
  for (let t = 0; t < OP_SLOTS; t++) v.push((packed >> (EDGE_COUNT + 2 * t)) & 3);
  return v;
}

function decodeVector(input: readonly number[]): Nb101Arch {
  const fail = (message: string): never => {
    throw new InvalidArchitectureError(NB101_NAME, message);
  };
  const vector = readArrayInput(NB101_NAME, input, `decode's input (an array of ${ENCODING_LENGTH} integers)`);
  if (vector.length !== ENCODING_LENGTH) {
    fail(`an nb101 encoding has ${ENCODING_LENGTH} entries (21 edge bits, 5 operation indices), got ${vector.length}.`);
  }
  let packed = 0;
  for (let k = 0; k < ENCODING_LENGTH; k++) {
    const x: unknown = vector[k];
    if (k < EDGE_COUNT) {
      if (x !== 0 && x !== 1) {
        const [i, j] = EDGE_PAIRS[k]!;
        fail(`encoding[${k}] is the edge ${i} -> ${j} and must be 0 or 1, got ${describeValue(x)}.`);
      }
      packed |= (x as number) << k;
    } else {
      if (x !== 0 && x !== 1 && x !== 2) {
        fail(`encoding[${k}] is the operation of vertex ${k - EDGE_COUNT + 1} and must be 0, 1 or 2 ` + `(${NB101_OPS.join(', ')}), got ${describeValue(x)}.`);
      }
      packed |= (x as number) << (EDGE_COUNT + 2 * (k - EDGE_COUNT));
    }
  }
  const a = unpackArch(packed);
  checkPruned(archToGraph(a));
  return a;
}

/** The `nb101` space: a {@link SearchSpace} of {@link Nb101Arch} that can always enumerate. */
export interface Nb101Space extends SearchSpace<Nb101Arch> {
  /** Every unique cell once (423,624), each as its pruned spec padded to 7 vertices, in a fixed order. */
  enumerate(): Generator<Nb101Arch>;
}

/**
 * The NAS-Bench-101 search space (`nb101`, alias `nasbench101`).
 *
 * - Architecture: {@link Nb101Arch}, the unpruned 7-vertex spec `{ matrix, ops }` (as nasbench
 *   and NASLib store it); every official rule holds (see {@link nb101FromSpec}).
 * - `encode`: 26 integers: the 21 upper-triangle bits of the matrix, row by row
 *   ((0,1), (0,2), ..., (0,6), (1,2), ..., (5,6)), then the operation index (0 conv3x3-bn-relu,
 *   1 conv1x1-bn-relu, 2 maxpool3x3) of vertices 1..5.
 * - `format` / `parse`: compact JSON `{"matrix":[[0,1,...],...],"ops":["input",...,"output"]}`,
 *   the form nasbench's `ModelSpec(**spec)` and NASLib accept; `parse` also takes smaller specs
 *   (padded as by {@link nb101FromSpec}).
 * - `key`: the official module hash ({@link nb101Hash}).
 * - `size`: 423,624n, the number of distinct official hashes (unique cells). `enumerate` yields
 *   each of them once, as its pruned spec padded to 7 vertices.
 * - `sample`: uniform over those 423,624 unique cells (not over raw specs, which would favour
 *   small cells that many raw specs prune to). The cell table is built on the first call
 *   (about a second).
 * - `mutate`: flips one edge bit or changes one operation, uniformly among the changes that keep
 *   the spec valid (mutationDistance 1). A change on a vertex that pruning removes leaves the
 *   network (and the key) unchanged, as in nasbench's own mutation.
 */
export function createNb101Space(): Nb101Space {
  return {
    name: NB101_NAME,
    size: BigInt(NB101_CELL_COUNT),
    mutationDistance: 1,
    encodingLength: ENCODING_LENGTH,
    encodingBounds: [...new Array<number>(EDGE_COUNT).fill(2), ...new Array<number>(OP_SLOTS).fill(3)],

    sample(rng: Rng): Nb101Arch {
      const table = cellTable();
      return unpackArch(table[rng.int(table.length)] as number);
    },

    mutate(a: Nb101Arch, rng: Rng): Nb101Arch {
      const packed = pack(a);
      const candidates: number[] = [];
      for (let k = 0; k < EDGE_COUNT; k++) {
        const flipped = packed ^ (1 << k);
        if (isValidGraph(7, packedRows(flipped))) candidates.push(flipped);
      }
      for (let t = 0; t < OP_SLOTS; t++) {
        const shift = EDGE_COUNT + 2 * t;
        const op = (packed >> shift) & 3;
        for (let other = 0; other < 3; other++) {
          if (other !== op) candidates.push((packed & ~(3 << shift)) | (other << shift));
        }
      }
      return unpackArch(rng.pick(candidates));
    },

    distance(a: Nb101Arch, b: Nb101Arch): number {
      return hamming(encodePacked(pack(a)), encodePacked(pack(b)));
    },

    encode(a: Nb101Arch): number[] {
      return encodePacked(pack(a));
    },

    decode(vector: readonly number[]): Nb101Arch {
      return decodeVector(vector);
    },

    format(a: Nb101Arch): string {
      const b = unpackArch(pack(a));
      return JSON.stringify({ matrix: b.matrix, ops: b.ops });
    },

    parse(text: string): Nb101Arch {
      if (typeof text !== 'string') {
        throw new InvalidArchitectureError(NB101_NAME, `parse needs a string, got ${describeValue(text)}.`);
      }
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (error) {
        throw new InvalidArchitectureError(
          NB101_NAME,
          `${describeValue(text)} is not JSON; write a spec as {"matrix":[[0,1,...],...],"ops":["input",...,"output"]}.`,
          { cause: error },
        );
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw new InvalidArchitectureError(NB101_NAME, `expected a JSON object {"matrix": [...], "ops": [...]}, got ${describeValue(value)}.`);
      }
      const spec = value as { matrix?: unknown; ops?: unknown };
      return nb101FromSpec(spec.matrix as number[][], spec.ops as string[]);
    },

    key(a: Nb101Arch): string {
      return nb101Hash(a);
    },

    *enumerate(): Generator<Nb101Arch> {
      const table = cellTable();
      for (let k = 0; k < table.length; k++) yield unpackArch(table[k] as number);
    },
  };
}
