import { MD5_PADDING_ROOM, md5HexInto } from './md5.js';
import type { Graph, Nb101Spec } from './nb101-spec.js';
import { checkPruned, pruneGraph, readSpecObject } from './nb101-spec.js';

const MAX_N = 7;
// Largest message: at most 6 neighbour hashes + own hash + 2 separators; the final message is 7
// quoted hashes in a Python list (7 * 36 + 2 bytes). Plus room for the MD5 padding.
const buffer = new Uint8Array(8 * 36 + MD5_PADDING_ROOM + 64);
const bufferView = new DataView(buffer.buffer);
let current = new Uint8Array(MAX_N * 32);
let currentView = new DataView(current.buffer);
let next = new Uint8Array(MAX_N * 32);
let nextView = new DataView(next.buffer);
const order = new Int32Array(MAX_N);
const PIPE = 124;
const QUOTE = 39;
const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** Initial vertex hashes md5(str((out_degree, in_degree, label))), cached; index (out * 8 + in) * 8 + label + 2. */
const initialHashes: Array<Uint8Array | undefined> = [];
function initialHash(out: number, inDegree: number, label: number): Uint8Array {
  const index = (out * 8 + inDegree) * 8 + label + 2;
  let hex = initialHashes[index];
  if (hex === undefined) {
    const bytes = encoder.encode(`(${out}, ${inDegree}, ${label})`);
    buffer.set(bytes, 0);
    hex = new Uint8Array(32);
    md5HexInto(buffer, bytes.length, hex, 0);
    initialHashes[index] = hex;
  }
  return hex;
}

/** Copies the 32 hex bytes of vertex `v` of `view` to `buffer[to]`. */
function copyHash(view: DataView, v: number, to: number): void {
  const from = v * 32;
  for (let k = 0; k < 32; k += 4) bufferView.setInt32(to + k, view.getInt32(from + k, true), true);
}

/** Compares the hex hashes of vertices a and b (same order as comparing the strings). */
function compareHashes(view: DataView, a: number, b: number): number {
  for (let k = 0; k < 32; k += 4) {
    const x = view.getUint32(a * 32 + k, false);
    const y = view.getUint32(b * 32 + k, false);
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** Writes the hashes of the vertices in `mask`, sorted, to the buffer at `pos`; returns the new end. */
function appendSorted(view: DataView, n: number, mask: number, pos: number): number {
  let count = 0;
  for (let w = 0; w < n; w++) {
    if ((mask >> w) & 1) {
      let k = count++;
      while (k > 0 && compareHashes(view, order[k - 1] as number, w) > 0) {
        order[k] = order[k - 1] as number;
        k--;
      }
      order[k] = w;
    }
  }
  for (let k = 0; k < count; k++) {
    copyHash(view, order[k] as number, pos);
    pos += 32;
  }
  return pos;
}

/**
 * The official module hash (nasbench `graph_util.hash_module`) of a graph, bit-for-bit: each vertex
 * starts as md5(str((out_degree, in_degree, label))); then, as many times as there are vertices,
 * each vertex becomes md5(sorted in-neighbour hashes joined + '|' + sorted out-neighbour hashes
 * joined + '|' + own hash); the result is md5(str(sorted(vertex hashes))) of the Python list.
 *
 * @internal
 */
export function hashGraph(n: number, rows: readonly number[], labels: readonly number[]): string {
  const inMasks = [0, 0, 0, 0, 0, 0, 0];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) if (((rows[i] as number) >> j) & 1) inMasks[j]! |= 1 << i;
  }
  for (let v = 0; v < n; v++) {
    current.set(initialHash(popcountSmall(rows[v] as number), popcountSmall(inMasks[v] as number), labels[v] as number), v * 32);
  }
  for (let round = 0; round < n; round++) {
    for (let v = 0; v < n; v++) {
      let pos = appendSorted(currentView, n, inMasks[v] as number, 0);
      buffer[pos++] = PIPE;
      pos = appendSorted(currentView, n, rows[v] as number, pos);
      buffer[pos++] = PIPE;
      copyHash(currentView, v, pos);
      pos += 32;
      md5HexInto(buffer, pos, next, v * 32);
    }
    const swap = current;
    current = next;
    next = swap;
    const swapView = currentView;
    currentView = nextView;
    nextView = swapView;
  }
  // str(sorted(hashes)) == "['h0', 'h1', ...]"
  let pos = appendSorted(currentView, n, (1 << n) - 1, 0);
  // Re-lay the sorted hashes out with the Python list punctuation, back to front to stay in place.
  const total = 2 + n * 34 + (n - 1) * 2;
  let write = total;
  buffer[--write] = 93; // ]
  for (let k = n - 1; k >= 0; k--) {
    pos -= 32;
    buffer[--write] = QUOTE;
    buffer.copyWithin(write - 32, pos, pos + 32);
    write -= 32;
    buffer[--write] = QUOTE;
    if (k > 0) {
      buffer[--write] = 32; // space
      buffer[--write] = 44; // comma
    }
  }
  buffer[--write] = 91; // [
  const out = new Uint8Array(32);
  md5HexInto(buffer, total, out, 0);
  return decoder.decode(out);
}

function popcountSmall(x: number): number {
  let c = 0;
  for (let v = x; v !== 0; v &= v - 1) c++;
  return c;
}

/** Official hash of an already checked, pruned internal graph. @internal */
export function hashPrunedGraph(g: Graph): string {
  return hashGraph(g.n, g.rows, g.labels);
}

/**
 * The official NAS-Bench-101 module hash of a spec: the 32-hex-digit md5 fingerprint the official
 * dataset is keyed by (`nasbench.api.NASBench` `hash_iterator()`, `_hash_spec`). The spec is
 * checked and pruned first, as the official API does, so every spec of the same network (pruned or
 * not, any order of the intermediate vertices) gets the same hash. Labels: -1 input, -2 output,
 * 0/1/2 for conv3x3-bn-relu/conv1x1-bn-relu/maxpool3x3.
 *
 * @throws InvalidArchitectureError when the spec breaks an official rule.
 */
export function nb101Hash(spec: Nb101Spec): string {
  const g = readSpecObject(spec);
  checkPruned(g);
  return hashPrunedGraph(pruneGraph(g));
}
