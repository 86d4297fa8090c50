import { LmregError } from '@lmreg/common';

import type { Graph } from './nb101-spec.js';
import { NB101_MAX_EDGES, NB101_MAX_VERTICES, packGraph, popcount } from './nb101-spec.js';

/** Number of unique NAS-Bench-101 cells (distinct official hashes). */
export const NB101_CELL_COUNT = 423_624;

/** All permutations of [0, m). */
function permutations(m: number): number[][] {
  if (m === 0) return [[]];
  const out: number[][] = [];
  for (const p of permutations(m - 1)) {
    for (let k = 0; k <= p.length; k++) out.push([...p.slice(0, k), m - 1, ...p.slice(k)]);
  }
  return out;
}

/**
 * Vertex maps of the n-vertex graphs that fix the input (0) and output (n - 1) and permute the
 * intermediate vertices: map[v] = new index of vertex v.
 */
function vertexMaps(n: number): number[][] {
  return permutations(n - 2).map((p) => [0, ...p.map((x) => x + 1), n - 1]);
}

/** Code of the graph relabelled by `map` (a 7-bit row per vertex, up to 49 bits: exact in a double). */
function permutedCode(n: number, rows: readonly number[], map: readonly number[]): number {
  let code = 0;
  for (let i = 0; i < n; i++) {
    const row = rows[i] as number;
    if (row === 0) continue;
    let mapped = 0;
    for (let j = i + 1; j < n; j++) if ((row >> j) & 1) mapped |= 1 << (map[j] as number);
    code += mapped * 2 ** (7 * (map[i] as number));
  }
  return code;
}

/**
 * Every unique NAS-Bench-101 cell once, as a pruned internal graph, in a fixed order (by vertex
 * count, then adjacency, then labelling).
 *
 * Method: for each vertex count V = 2..7, every upper-triangular adjacency matrix with at most 9
 * edges in which each vertex lies on an input-to-output path (the official generator's
 * `is_full_dag`); matrices are grouped into isomorphism classes (minimum code over all
 * permutations of the intermediate vertices) and, for each class, the labellings of the
 * intermediate vertices are reduced to one per orbit of the class's automorphism group (the
 * lexicographically smallest). This yields one graph per labelled isomorphism class without
 * hashing. The official generator instead hashes all ~1.27M labelled graphs and keeps one per
 * hash; it verified that the hash has no collisions in this space, so both give the same 423,624
 * cells (the test suite checks the hashes).
 *
 * @internal
 */
export function* enumerateGraphs(): Generator<Graph> {
  for (let n = 2; n <= NB101_MAX_VERTICES; n++) {
    const maps = vertexMaps(n);
    const identityMap = Array.from({ length: n }, (_, v) => v);
    const pairs: Array<[number, number]> = [];
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) pairs.push([i, j]);
    const seen = new Set<number>();
    const m = n - 2;
    const labelCount = 3 ** m;
    const rows = new Array<number>(n).fill(0);
    const total = 2 ** pairs.length;
    for (let bits = 0; bits < total; bits++) {
      if (popcount(bits) > NB101_MAX_EDGES) continue;
      rows.fill(0);
      let inMask = 0; // vertices with an in-edge
      for (let k = 0; k < pairs.length; k++) {
        if ((bits >> k) & 1) {
          const [i, j] = pairs[k]!;
          rows[i]! |= 1 << j;
          inMask |= 1 << j;
        }
      }
      // full DAG: every vertex but the output has an out-edge, every vertex but the input an in-edge
      let full = inMask === (1 << n) - 2;
      for (let i = 0; full && i < n - 1; i++) if (rows[i] === 0) full = false;
      if (!full) continue;
      let canonical = Infinity;
      const identity = permutedCode(n, rows, identityMap);
      const automorphisms: number[][] = [];
      for (const map of maps) {
        const code = permutedCode(n, rows, map);
        if (code < canonical) canonical = code;
        if (code === identity) automorphisms.push(map);
      }
      if (seen.has(canonical)) continue;
      seen.add(canonical);
      const labels = new Array<number>(n).fill(0);
      labels[0] = -1;
      labels[n - 1] = -2;
      const mapped = new Array<number>(n).fill(0);
      for (let code = 0; code < labelCount; code++) {
        // labels of vertices 1..m, vertex 1 most significant
        let c = code;
        for (let v = m; v >= 1; v--) {
          labels[v] = c % 3;
          c = (c - (c % 3)) / 3;
        }
        let smallest = true;
        for (const map of automorphisms) {
          for (let v = 1; v <= m; v++) mapped[map[v] as number] = labels[v] as number;
          let other = 0;
          for (let v = 1; v <= m; v++) other = other * 3 + (mapped[v] as number);
          if (other < code) {
            smallest = false;
            break;
          }
        }
        if (smallest) yield { n, rows: rows.slice(), labels: labels.slice() };
      }
    }
  }
}

let table: Int32Array | undefined;

/**
 * The unique cells packed as by `packGraph` (7-vertex padded form), built once on first use
 * (about 1.7 MB).
 *
 * @internal
 */
export function cellTable(): Int32Array {
  if (table === undefined) {
    const out = new Int32Array(NB101_CELL_COUNT);
    let k = 0;
    for (const g of enumerateGraphs()) {
      if (k >= NB101_CELL_COUNT)
        throw new LmregError('LMREG_INTERNAL', `nb101 enumeration produced more than ${NB101_CELL_COUNT} cells; this is a bug in @lmreg/spaces.`);
      out[k++] = packGraph(g);
    }
    if (k !== NB101_CELL_COUNT)
      throw new LmregError('LMREG_INTERNAL', `nb101 enumeration produced ${k} cells, expected ${NB101_CELL_COUNT}; this is a bug in @lmreg/spaces.`);
    table = out;
  }
  return table;
}
