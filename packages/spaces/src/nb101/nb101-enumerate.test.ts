/**
 * The full NAS-Bench-101 check: enumerate every cell and hash it with the official algorithm. This
 * is the slow test of the package (tens of seconds; see bench/nb101-enumerate.mjs for the figure).
 */
import { describe, expect, it } from 'vitest';

import { enumerateGraphs, NB101_CELL_COUNT } from './nb101-enumerate.js';
import { hashGraph, nb101Hash } from './nb101-hash.js';
import { createNb101Space } from './nb101-space.js';
import { nb101Prune } from './nb101-spec.js';
import { readCsv, readFirstHashes } from '../testing/nb101-reference.js';

describe('nb101 enumerate', () => {
  it('yields the 423,624 official cells once each; the sorted hashes start with the 6,668 published ones', () => {
    const space = createNb101Space();
    const hashes: string[] = [];
    const verticesCount = new Array<number>(8).fill(0);
    let edgesOver9 = 0;
    for (const a of space.enumerate()) {
      hashes.push(nb101Hash(a));
      const pruned = nb101Prune(a);
      verticesCount[pruned.ops.length]! += 1;
      if (pruned.matrix.flat().filter((x) => x === 1).length > 9) edgesOver9++;
    }
    expect(hashes).toHaveLength(423_624);
    expect(NB101_CELL_COUNT).toBe(423_624);
    const unique = new Set(hashes);
    expect(unique.size).toBe(423_624);
    expect(edgesOver9).toBe(0);
    // Per vertex count (the counts for V <= 6 are checked against brute force below).
    expect(verticesCount.slice(2)).toEqual([1, 6, 84, 2441, 62010, 423_624 - 64_542]);

    const sorted = [...unique].sort();
    const published = readFirstHashes();
    expect(published).toHaveLength(6668);
    expect(sorted.slice(0, published.length)).toEqual(published);

    // Every hash of the reference data is one of the enumerated cells.
    for (const row of readCsv('nb101_naslib_zc_subset.csv')) expect(unique.has(row.hash!)).toBe(true);
    for (const row of readCsv('nb101_anchors.csv')) expect(unique.has(row.hash_official_algo!)).toBe(true);
  }, 300_000);

  it('reduces by isomorphism exactly as the official generator reduces by hash, for V <= 6', () => {
    // The official generate_graphs.py: every full DAG with <= 9 edges, every labelling, keep one per hash.
    const ours = new Map<number, Set<string>>();
    let count = 0;
    for (const g of enumerateGraphs()) {
      if (g.n > 6) break;
      count++;
      const set = ours.get(g.n) ?? new Set<string>();
      set.add(hashGraph(g.n, g.rows, g.labels));
      ours.set(g.n, set);
    }
    for (let n = 2; n <= 6; n++) {
      const pairs: Array<[number, number]> = [];
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) pairs.push([i, j]);
      const brute = new Set<string>();
      for (let bits = 0; bits < 2 ** pairs.length; bits++) {
        const rows = new Array<number>(n).fill(0);
        let edges = 0;
        pairs.forEach(([i, j], k) => {
          if ((bits >> k) & 1) {
            rows[i]! |= 1 << j;
            edges++;
          }
        });
        const full = rows.slice(0, n - 1).every((r) => r !== 0) && Array.from({ length: n - 1 }, (_, k) => k + 1).every((j) => rows.some((r) => (r >> j) & 1));
        if (edges > 9 || !full) continue;
        for (let code = 0; code < 3 ** (n - 2); code++) {
          const labels = [-1];
          for (let v = 0, c = code; v < n - 2; v++, c = Math.floor(c / 3)) labels.push(c % 3);
          labels.push(-2);
          brute.add(hashGraph(n, rows, labels));
        }
      }
      expect(ours.get(n)).toEqual(brute);
    }
    expect(count).toBe(1 + 6 + 84 + 2441 + 62010);
  }, 120_000);
});
