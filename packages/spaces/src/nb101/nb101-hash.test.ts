import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';

import { hashGraph, nb101Hash } from './nb101-hash.js';
import type { Nb101Spec } from './nb101-spec.js';
import { nb101FromSpec, nb101Prune, readGraph } from './nb101-spec.js';
import { rawSpec } from '../testing/nb101-arbitraries.js';
import { matrixFromBits, opsFromPipes, readCsv } from '../testing/nb101-reference.js';

const subset = readCsv('nb101_naslib_zc_subset.csv');
const anchors = readCsv('nb101_anchors.csv');

/** Relabels the spec's vertices by a random topological order that keeps input first and output last. */
function relabelTopologically(spec: Nb101Spec, choices: readonly number[]): Nb101Spec {
  const n = spec.matrix.length;
  const placed: number[] = [0];
  const remaining = new Set(Array.from({ length: n - 2 }, (_, k) => k + 1));
  let c = 0;
  while (remaining.size > 0) {
    const ready = [...remaining].filter((v) => [...remaining].every((u) => spec.matrix[u]![v] === 0));
    const v = ready[(choices[c++] ?? 0) % ready.length]!;
    placed.push(v);
    remaining.delete(v);
  }
  placed.push(n - 1);
  return {
    matrix: placed.map((i) => placed.map((j) => spec.matrix[i]![j]!)),
    ops: placed.map((i) => spec.ops[i]!),
  };
}

describe('nb101Hash reproduces the official module hash', () => {
  it('on the 500 pruned specs of the NASLib subset (hash column)', () => {
    expect(subset).toHaveLength(500);
    for (const row of subset) {
      expect(nb101Hash({ matrix: matrixFromBits(row.matrix!), ops: opsFromPipes(row.ops!) })).toBe(row.hash);
    }
  });

  it('on the 500 unpruned 7-vertex NASLib specs, after the official pruning', () => {
    for (const row of subset) {
      const raw = { matrix: matrixFromBits(row.raw_matrix!), ops: opsFromPipes(row.raw_ops!) };
      expect(nb101Hash(raw)).toBe(row.hash);
      const pruned = nb101Prune(raw);
      expect(pruned.matrix).toEqual(matrixFromBits(row.matrix!));
      expect(pruned.ops).toEqual(opsFromPipes(row.ops!));
      expect(pruned.ops).toHaveLength(Number(row.num_vertices));
    }
  });

  it('on the 14 anchors (hash_official_algo, and every published hash)', () => {
    expect(anchors).toHaveLength(14);
    for (const row of anchors) {
      const hash = nb101Hash({ matrix: matrixFromBits(row.matrix!), ops: opsFromPipes(row.ops!) });
      expect(hash).toBe(row.hash_official_algo);
      if (row.hash_published !== '') expect(hash).toBe(row.hash_published);
    }
    const anchor = anchors.find((r) => r.hash_published === '00005c142e6f48ac74fdcf73e3439874');
    expect(anchor).toBeDefined();
  });

  it('hashes a 7-vertex padding of a small spec like the spec itself', () => {
    const small = {
      matrix: [
        [0, 1, 1],
        [0, 0, 1],
        [0, 0, 0],
      ],
      ops: ['input', 'maxpool3x3', 'output'],
    };
    expect(nb101Hash(nb101FromSpec(small.matrix, small.ops))).toBe(nb101Hash(small));
  });

  test.prop([rawSpec, fc.array(fc.nat(), { minLength: 5, maxLength: 5 })], { numRuns: 200 })(
    'is invariant under every topological relabelling of the intermediate vertices',
    (spec, choices) => {
      expect(nb101Hash(relabelTopologically(spec, choices))).toBe(nb101Hash(spec));
    },
  );

  test.prop([rawSpec, fc.array(fc.nat(), { minLength: 5, maxLength: 5 })], { numRuns: 200 })(
    'the hash core is invariant under any permutation of the intermediate vertices (even non-triangular)',
    (spec, choices) => {
      const g = readGraph(spec.matrix, spec.ops);
      // Fisher-Yates on vertices 1..5 driven by `choices`
      const map = [0, 1, 2, 3, 4, 5, 6];
      for (let k = 5; k > 1; k--) {
        const r = 1 + ((choices[k - 1] ?? 0) % k);
        [map[k], map[r]] = [map[r]!, map[k]!];
      }
      const rows = [0, 0, 0, 0, 0, 0, 0];
      const labels = [0, 0, 0, 0, 0, 0, 0];
      for (let i = 0; i < 7; i++) {
        labels[map[i]!] = g.labels[i]!;
        for (let j = 0; j < 7; j++) if ((g.rows[i]! >> j) & 1) rows[map[i]!]! |= 1 << map[j]!;
      }
      expect(hashGraph(7, rows, labels)).toBe(hashGraph(7, g.rows, g.labels));
    },
  );

  test.prop([rawSpec], { numRuns: 200 })('pruning is idempotent and keeps the hash', (spec) => {
    const once = nb101Prune(spec);
    expect(nb101Prune(once)).toEqual(once);
    expect(nb101Hash(once)).toBe(nb101Hash(spec));
    // a pruned spec has no dangling vertex: every row but the last and every column but the first is used
    const n = once.matrix.length;
    for (let v = 0; v < n - 1; v++) expect(once.matrix[v]!.some((x) => x === 1)).toBe(true);
    for (let v = 1; v < n; v++) expect(once.matrix.some((row) => row[v] === 1)).toBe(true);
  });

  it('distinguishes cells that differ in one operation or one edge', () => {
    const base = nb101Prune({ matrix: matrixFromBits(anchors[0]!.matrix!), ops: opsFromPipes(anchors[0]!.ops!) });
    const opChanged = { matrix: base.matrix, ops: base.ops.map((o, i) => (i === 1 ? 'conv1x1-bn-relu' : o)) };
    expect(nb101Hash(opChanged)).not.toBe(nb101Hash(base));
    const chain = {
      matrix: [
        [0, 1, 0],
        [0, 0, 1],
        [0, 0, 0],
      ],
      ops: ['input', 'conv3x3-bn-relu', 'output'],
    };
    const withSkip = {
      matrix: [
        [0, 1, 1],
        [0, 0, 1],
        [0, 0, 0],
      ],
      ops: chain.ops,
    };
    expect(nb101Hash(withSkip)).not.toBe(nb101Hash(chain));
  });
});
