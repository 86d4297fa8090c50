import { InvalidArchitectureError } from '@lmreg/common';

import { describeValue } from '../registry/describe-value.js';

/** Registry name of the NAS-Bench-101 space. */
export const NB101_NAME = 'nb101';

/** The three operations of NAS-Bench-101, in the official `available_ops` order (label 0, 1, 2). */
export const NB101_OPS = ['conv3x3-bn-relu', 'conv1x1-bn-relu', 'maxpool3x3'] as const;

/** An operation of an intermediate NAS-Bench-101 vertex. */
export type Nb101Op = (typeof NB101_OPS)[number];

/** A vertex label of a NAS-Bench-101 spec: `input`, `output` or one of {@link NB101_OPS}. */
export type Nb101VertexLabel = 'input' | 'output' | Nb101Op;

/** Largest number of vertices (input + 5 operations + output). */
export const NB101_MAX_VERTICES = 7;
/** Largest number of edges a (pruned) cell may have. */
export const NB101_MAX_EDGES = 9;

/**
 * A NAS-Bench-101 model spec as the official API takes it (`nasbench.api.ModelSpec(matrix, ops)`):
 * a V x V upper-triangular 0/1 adjacency matrix (`matrix[i][j] = 1` is an edge from vertex i to
 * vertex j) and V vertex labels, first `input`, last `output`, with 2 <= V <= 7.
 */
export interface Nb101Spec {
  /** V x V adjacency matrix, row = source vertex, column = destination vertex. */
  readonly matrix: readonly (readonly number[])[];
  /** V labels: `input`, V - 2 operations from {@link NB101_OPS}, `output`. */
  readonly ops: readonly string[];
}

/**
 * An architecture of the `nb101` space: an unpruned 7-vertex spec, exactly as `nasbench` and
 * NASLib store and sample it. `matrix` is 7 x 7, 0/1, upper-triangular; `ops[0]` is `input`,
 * `ops[6]` is `output`. Vertices that lie on no input-to-output path are allowed (the official API
 * prunes them away, so they do not change the network, its hash or its parameter count); after
 * pruning the cell must connect input to output and have at most 9 edges.
 *
 * Specs with fewer than 7 vertices are padded to this form by {@link nb101FromSpec}: unconnected
 * `conv3x3-bn-relu` vertices are inserted just before the output.
 */
export interface Nb101Arch {
  /** 7 x 7 upper-triangular 0/1 adjacency matrix. */
  readonly matrix: readonly (readonly number[])[];
  /** 7 labels: `input`, five operations, `output`. */
  readonly ops: readonly Nb101VertexLabel[];
}

/**
 * Internal graph form: `rows[i]` is the bit mask of the successors of vertex i; `labels[i]` is -1
 * for the input, -2 for the output and the index into {@link NB101_OPS} otherwise (the labelling
 * of the official hash).
 *
 * @internal
 */
export interface Graph {
  readonly n: number;
  readonly rows: number[];
  readonly labels: number[];
}

export { describeValue };

function fail(message: string): never {
  throw new InvalidArchitectureError(NB101_NAME, message);
}

/**
 * Reads and checks the shape of a spec: square 0/1 upper-triangular matrix of 2..7 vertices and
 * matching labels. Does not check connectivity or the edge limit (see {@link checkPruned}).
 *
 * @internal
 */
export function readGraph(matrix: unknown, ops: unknown): Graph {
  if (!Array.isArray(matrix)) {
    fail(`the adjacency matrix must be an array of rows of 0/1 numbers, got ${describeValue(matrix)}.`);
  }
  const n = matrix.length;
  if (n < 2 || n > NB101_MAX_VERTICES) {
    fail(`the adjacency matrix has ${n} rows; a NAS-Bench-101 cell has 2 to ${NB101_MAX_VERTICES} vertices ` + '(input, up to 5 operations, output).');
  }
  const rows: number[] = [];
  for (let i = 0; i < n; i++) {
    const row: unknown = matrix[i];
    if (!Array.isArray(row) || row.length !== n) {
      fail(`row ${i} of the adjacency matrix must be an array of ${n} 0/1 numbers (the matrix is square), got ${describeValue(row)}.`);
    }
    let mask = 0;
    for (let j = 0; j < n; j++) {
      const x: unknown = row[j];
      if (x !== 0 && x !== 1) fail(`matrix[${i}][${j}] must be 0 or 1, got ${describeValue(x)}.`);
      if (x === 1) {
        if (j <= i) {
          fail(
            `matrix[${i}][${j}] = 1 is on or below the diagonal; the matrix must be upper-triangular ` + '(edges go from a lower to a higher vertex index).',
          );
        }
        mask |= 1 << j;
      }
    }
    rows.push(mask);
  }
  if (!Array.isArray(ops)) fail(`ops must be an array of ${n} vertex labels, got ${describeValue(ops)}.`);
  if (ops.length !== n) fail(`ops has ${ops.length} labels but the matrix has ${n} vertices; give one label per vertex.`);
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const op: unknown = ops[i];
    if (i === 0) {
      if (op !== 'input') fail(`ops[0] must be 'input' (the first vertex is the cell input), got ${describeValue(op)}.`);
      labels.push(-1);
    } else if (i === n - 1) {
      if (op !== 'output') fail(`ops[${i}] must be 'output' (the last vertex is the cell output), got ${describeValue(op)}.`);
      labels.push(-2);
    } else {
      const index = NB101_OPS.indexOf(op as Nb101Op);
      if (index < 0) fail(`ops[${i}] = ${describeValue(op)} is not a NAS-Bench-101 operation; use one of ${NB101_OPS.join(', ')}.`);
      labels.push(index);
    }
  }
  return { n, rows, labels };
}

/**
 * Bit mask of the vertices on some input-to-output path (the vertices the official pruning keeps);
 * 0 when the input does not reach the output.
 *
 * @internal
 */
export function keptMask(n: number, rows: readonly number[]): number {
  let forward = 1;
  for (let i = 0; i < n; i++) if ((forward >> i) & 1) forward |= rows[i] as number;
  const out = 1 << (n - 1);
  if (!(forward & out)) return 0;
  let backward = out;
  for (let i = n - 2; i >= 0; i--) if ((rows[i] as number) & backward) backward |= 1 << i;
  return forward & backward;
}

/** Number of set bits of a 32-bit integer. */
export function popcount(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** Edges between kept vertices. */
function keptEdges(n: number, rows: readonly number[], kept: number): number {
  let edges = 0;
  for (let i = 0; i < n; i++) if ((kept >> i) & 1) edges += popcount((rows[i] as number) & kept);
  return edges;
}

/**
 * True when the graph is in the official space after pruning: input reaches output and at most 9
 * edges remain.
 *
 * @internal
 */
export function isValidGraph(n: number, rows: readonly number[]): boolean {
  const kept = keptMask(n, rows);
  return kept !== 0 && keptEdges(n, rows, kept) <= NB101_MAX_EDGES;
}

/** Throws the official validity rule the graph breaks, if any. @internal */
export function checkPruned(g: Graph): void {
  const kept = keptMask(g.n, g.rows);
  if (kept === 0) {
    fail('no path leads from the input to the output, so pruning leaves nothing; connect the input to the output ' + '(directly or through operations).');
  }
  const edges = keptEdges(g.n, g.rows, kept);
  if (edges > NB101_MAX_EDGES) {
    fail(`the cell has ${edges} edges after pruning; NAS-Bench-101 allows at most ${NB101_MAX_EDGES}. Remove ${edges - NB101_MAX_EDGES}.`);
  }
}

/**
 * The official pruning (nasbench `ModelSpec._prune`): deletes every vertex that is not on a path
 * from the input to the output, keeping the order of the others. The graph must be valid.
 *
 * @internal
 */
export function pruneGraph(g: Graph): Graph {
  const kept = keptMask(g.n, g.rows);
  const index: number[] = [];
  for (let i = 0; i < g.n; i++) if ((kept >> i) & 1) index.push(i);
  const rows = index.map((i) => {
    let mask = 0;
    index.forEach((j, newJ) => {
      if (((g.rows[i] as number) >> j) & 1) mask |= 1 << newJ;
    });
    return mask;
  });
  return { n: index.length, rows, labels: index.map((i) => g.labels[i] as number) };
}

/** Label number to name. @internal */
export function labelName(label: number): Nb101VertexLabel {
  if (label === -1) return 'input';
  if (label === -2) return 'output';
  return NB101_OPS[label] as Nb101Op;
}

/** Graph to a plain spec of its own size. @internal */
export function graphToSpec(g: Graph): { matrix: number[][]; ops: Nb101VertexLabel[] } {
  const matrix: number[][] = [];
  for (let i = 0; i < g.n; i++) {
    const row: number[] = [];
    for (let j = 0; j < g.n; j++) row.push(((g.rows[i] as number) >> j) & 1);
    matrix.push(row);
  }
  return { matrix, ops: g.labels.map(labelName) };
}

/** Upper-triangle positions (i, j), i < j, of a 7 x 7 matrix, row-major: the edge order of the encoding. */
export const EDGE_PAIRS: ReadonlyArray<readonly [number, number]> = (() => {
  const pairs: Array<readonly [number, number]> = [];
  for (let i = 0; i < NB101_MAX_VERTICES; i++) for (let j = i + 1; j < NB101_MAX_VERTICES; j++) pairs.push([i, j]);
  return pairs;
})();

/**
 * Packs a graph of at most 7 vertices into 31 bits: bit k (k < 21) = edge `EDGE_PAIRS[k]` of the
 * 7-vertex padded form, bits 21 + 2t, 22 + 2t = label of intermediate vertex t + 1. Padding
 * vertices (inserted before the output) are unconnected `conv3x3-bn-relu` vertices.
 *
 * @internal
 */
export function packGraph(g: Graph): number {
  const n = g.n;
  const position = (v: number): number => (v === n - 1 ? NB101_MAX_VERTICES - 1 : v);
  let packed = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (((g.rows[i] as number) >> j) & 1) packed |= 1 << EDGE_BIT[position(i) * NB101_MAX_VERTICES + position(j)]!;
    }
  }
  for (let v = 1; v < n - 1; v++) packed |= (g.labels[v] as number) << (21 + 2 * (v - 1));
  return packed;
}

/** EDGE_BIT[i * 7 + j] = index of pair (i, j) in EDGE_PAIRS. */
const EDGE_BIT: number[] = (() => {
  const table = new Array<number>(NB101_MAX_VERTICES * NB101_MAX_VERTICES).fill(-1);
  EDGE_PAIRS.forEach(([i, j], k) => {
    table[i * NB101_MAX_VERTICES + j] = k;
  });
  return table;
})();

/** Inverse of {@link packGraph} into the 7-vertex architecture. @internal */
export function unpackArch(packed: number): Nb101Arch {
  const matrix: number[][] = [];
  for (let i = 0; i < NB101_MAX_VERTICES; i++) matrix.push([0, 0, 0, 0, 0, 0, 0]);
  for (let k = 0; k < 21; k++) {
    if ((packed >> k) & 1) {
      const [i, j] = EDGE_PAIRS[k]!;
      matrix[i]![j] = 1;
    }
  }
  const ops: Nb101VertexLabel[] = ['input'];
  for (let t = 0; t < 5; t++) ops.push(NB101_OPS[(packed >> (21 + 2 * t)) & 3] as Nb101Op);
  ops.push('output');
  return { matrix, ops };
}

/** Architecture to internal graph, without checks (the architecture came from this module). @internal */
export function archToGraph(a: Nb101Arch): Graph {
  return readGraph(a.matrix, a.ops);
}

/**
 * Builds a `nb101` architecture from an official spec (`matrix`, `ops`), checking every official
 * rule: square, 0/1, upper-triangular, 2 to 7 vertices, `input` first, `output` last, operations
 * from {@link NB101_OPS}, and after the official pruning the input must reach the output through
 * at most 9 edges. A spec with fewer than 7 vertices is padded to 7 with unconnected
 * `conv3x3-bn-relu` vertices just before the output (pruned away again by the official API, so the
 * network is the same). A 7-vertex spec is kept exactly as given, unpruned.
 *
 * @throws InvalidArchitectureError naming the rule the spec breaks.
 */
export function nb101FromSpec(matrix: readonly (readonly number[])[], ops: readonly string[]): Nb101Arch {
  const g = readGraph(matrix, ops);
  checkPruned(g);
  return unpackArch(packGraph(g));
}

/**
 * The official pruning of a spec (nasbench `ModelSpec._prune`): removes the vertices that are not
 * on any input-to-output path and returns the smaller spec (2 to 7 vertices) the official API
 * hashes and builds. Pruning a pruned spec returns it unchanged.
 *
 * @throws InvalidArchitectureError when the spec breaks an official rule (see {@link nb101FromSpec}).
 */
export function nb101Prune(spec: Nb101Spec): { matrix: number[][]; ops: Nb101VertexLabel[] } {
  const g = readSpecObject(spec);
  checkPruned(g);
  return graphToSpec(pruneGraph(g));
}

/** Reads `{ matrix, ops }` from an unknown value. @internal */
export function readSpecObject(spec: unknown): Graph {
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
    fail(`expected a spec object { matrix, ops }, got ${describeValue(spec)}.`);
  }
  const { matrix, ops } = spec as { matrix?: unknown; ops?: unknown };
  return readGraph(matrix, ops);
}
