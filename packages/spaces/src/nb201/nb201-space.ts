import { InvalidArchitectureError } from '@lmreg/common';
import type { Rng } from '@lmreg/common';

import { readArrayInput } from '../registry/describe-value.js';
import { hamming } from '../registry/search-space.js';
import type { SearchSpace } from '../registry/search-space.js';
import {
  describeValue,
  edgeName,
  makeNb201Arch,
  NB201_EDGES,
  NB201_OPS,
  NB201_SIZE,
  NB201_SPACE_NAME,
  nb201FromRank,
  nb201OpIndex,
  nb201OpIndices,
} from './nb201-arch.js';
import type { Nb201Arch, Nb201Op } from './nb201-arch.js';
import { nb201FromIndex, nb201Index } from './nb201-index.js';

/** The NAS-Bench-201 search space, with the benchmark's official index on top of {@link SearchSpace}. */
export interface Nb201Space extends SearchSpace<Nb201Arch> {
  /** Official NAS-Bench-201 index of `a` (see {@link nb201Index}). */
  index(a: Nb201Arch): number;
  /** Cell with official index `i` (see {@link nb201FromIndex}). */
  fromIndex(i: number): Nb201Arch;
  /** All 15,625 cells, in lexicographic order of `encode`. */
  enumerate(): Iterable<Nb201Arch>;
}

function fail(message: string): never {
  throw new InvalidArchitectureError(NB201_SPACE_NAME, message);
}

/**
 * Formats a cell as the official NAS-Bench-201 string, e.g.
 * `|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|`.
 */
export function formatNb201(a: Nb201Arch): string {
  const ops = nb201OpIndices(a);
  const nodes: string[] = [];
  for (let to = 1; to <= 3; to++) {
    const entries = NB201_EDGES.map(([t, from], k) => (t === to ? `${NB201_OPS[ops[k] as number]}~${from}` : ''));
    nodes.push(`|${entries.filter((e) => e !== '').join('|')}|`);
  }
  return nodes.join('+');
}

const NODE_ORDINAL = ['first', 'second', 'third'];

/**
 * Parses the official NAS-Bench-201 cell string (inverse of {@link formatNb201}). Surrounding
 * whitespace is ignored; everything else must match exactly. Throws `InvalidArchitectureError`
 * naming the bad part (node count, node, entry, op or input index).
 */
export function parseNb201(text: string): Nb201Arch {
  if (typeof text !== 'string') fail(`parse needs a string like '|nor_conv_3x3~0|+|...|', got ${describeValue(text)}.`);
  const s = text.trim();
  const nodes = s.split('+');
  if (nodes.length !== 3) {
    fail(`a cell string has 3 nodes separated by '+' (node 1 with 1 entry, node 2 with 2, node 3 with 3), ` + `got ${nodes.length} in ${describeValue(s)}.`);
  }
  const ops: Nb201Op[] = [];
  nodes.forEach((node, n) => {
    const to = n + 1;
    if (node.length < 2 || !node.startsWith('|') || !node.endsWith('|')) {
      fail(`node ${to} must be written between '|' characters, like '|nor_conv_3x3~0|', got ${describeValue(node)}.`);
    }
    const entries = node.slice(1, -1).split('|');
    if (entries.length !== to) {
      fail(`node ${to} takes exactly ${to} input${to > 1 ? 's' : ''} (from nodes 0..${to - 1}), got ${entries.length} entries in ${describeValue(node)}.`);
    }
    entries.forEach((entry, from) => {
      const tilde = entry.lastIndexOf('~');
      if (tilde < 0) fail(`entry ${describeValue(entry)} of node ${to} must look like 'op~${from}'.`);
      const op = entry.slice(0, tilde);
      const input = entry.slice(tilde + 1);
      if (nb201OpIndex(op) < 0) {
        fail(`unknown op ${describeValue(op)} in node ${to} (edge ${to}<-${from}); use one of ${NB201_OPS.join(', ')}.`);
      }
      if (input !== String(from)) {
        fail(
          `wrong input index ${describeValue(input)} in the ${NODE_ORDINAL[from] ?? ''} entry of node ${to}: ` +
            `entries list inputs in order 0..${to - 1}, so this one must end in '~${from}'.`,
        );
      }
      ops.push(op as Nb201Op);
    });
  });
  return makeNb201Arch(ops);
}

/**
 * Canonical key of a cell: exactly NATS-Bench's `get_unique_str` (AutoDL `Structure.to_unique_str`
 * with zeros considered), so the 15,625 cells fall into the benchmark's 6,466 classes.
 *
 * Built node by node from node 0 = `'0'`: an edge with `none`, or whose input node is exactly the
 * zero string `'#'`, contributes `'#'`; `skip_connect` passes its input's string through; any other
 * op contributes `'(' + input + ')@' + op`. A node is the `'+'`-join of its sorted terms; the key
 * is node 3's string. This makes sums commutative, makes `skip_connect` transparent and zeroes
 * everything fed by a zero node 1. It does not identify cells that differ by swapping nodes 1 and 2,
 * nor does it treat a node whose inputs are all `none` (e.g. `'#+#'`) as zero: that is the
 * benchmark's convention, kept so keys match its table.
 */
export function nb201Key(a: Nb201Arch): string {
  const ops = nb201OpIndices(a);
  const nodes = ['0'];
  for (let to = 1; to <= 3; to++) {
    const terms: string[] = [];
    NB201_EDGES.forEach(([t, from], k) => {
      if (t !== to) return;
      const op = NB201_OPS[ops[k] as number] as Nb201Op;
      const input = nodes[from] as string;
      if (op === 'none' || input === '#') terms.push('#');
      else if (op === 'skip_connect') terms.push(input);
      else terms.push(`(${input})@${op}`);
    });
    terms.sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
    nodes.push(terms.join('+'));
  }
  return nodes[3] as string;
}

function decodeNb201(vector: readonly number[]): Nb201Arch {
  const values = readArrayInput(NB201_SPACE_NAME, vector, "decode's input (an array of 6 op indices in [0, 5))");
  if (values.length !== 6) fail(`decode needs exactly 6 op indices (one per edge), got ${values.length}.`);
  const ops = values.map((x: unknown, k) => {
    if (typeof x !== 'number' || !Number.isInteger(x) || x < 0 || x >= NB201_OPS.length) {
      fail(`edge ${edgeName(k)} has op index ${describeValue(x)}; it must be an integer in [0, ${NB201_OPS.length}).`);
    }
    return NB201_OPS[x] as Nb201Op;
  });
  return makeNb201Arch(ops);
}

/**
 * Creates the NAS-Bench-201 search space (registered as `nb201`, alias `nasbench201`): cells of
 * 4 nodes and 6 edges, each edge one of {@link NB201_OPS}, 15,625 cells in all. `encode` gives the
 * 6 op indices in edge order; `format`/`parse` use the official cell string; `key` is the
 * benchmark's unique string ({@link nb201Key}); `mutate` changes one edge to a different op.
 */
export function createNb201Space(): Nb201Space {
  return {
    name: NB201_SPACE_NAME,
    size: BigInt(NB201_SIZE),
    mutationDistance: 1,
    encodingLength: 6,
    encodingBounds: Object.freeze([5, 5, 5, 5, 5, 5]),
    sample(rng: Rng): Nb201Arch {
      const ops: Nb201Op[] = [];
      for (let k = 0; k < 6; k++) ops.push(NB201_OPS[rng.int(NB201_OPS.length)] as Nb201Op);
      return makeNb201Arch(ops);
    },
    mutate(a: Nb201Arch, rng: Rng): Nb201Arch {
      const ops = nb201OpIndices(a);
      const k = rng.int(6);
      ops[k] = ((ops[k] as number) + 1 + rng.int(NB201_OPS.length - 1)) % NB201_OPS.length;
      return decodeNb201(ops);
    },
    distance(a: Nb201Arch, b: Nb201Arch): number {
      return hamming(nb201OpIndices(a), nb201OpIndices(b));
    },
    encode: nb201OpIndices,
    decode: decodeNb201,
    format: formatNb201,
    parse: parseNb201,
    key: nb201Key,
    index: nb201Index,
    fromIndex: nb201FromIndex,
    *enumerate(): Iterable<Nb201Arch> {
      for (let rank = 0; rank < NB201_SIZE; rank++) yield nb201FromRank(rank);
    },
  };
}
