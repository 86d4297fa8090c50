import { createRng, InvalidArchitectureError } from '@lmreg/common';
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';

import { getSpace } from '../registry/registry.js';
import { arbitraryArchitecture } from '../testing/index.js';
import { nb101Hash } from './nb101-hash.js';
import { createNb101Space } from './nb101-space.js';
import type { Nb101Arch } from './nb101-spec.js';
import { nb101FromSpec, nb101Prune } from './nb101-spec.js';
import { rawSpec } from '../testing/nb101-arbitraries.js';
import { matrixFromBits, opsFromPipes, readCsv } from '../testing/nb101-reference.js';

const space = createNb101Space();
const anchors = readCsv('nb101_anchors.csv');
const subset = readCsv('nb101_naslib_zc_subset.csv');
const anchor = anchors[0]!; // 00005c142e6f48ac74fdcf73e3439874
const anchorArch = nb101FromSpec(matrixFromBits(anchor.matrix!), opsFromPipes(anchor.ops!));
const arch = fc.oneof(
  arbitraryArchitecture(space),
  rawSpec.map((s) => nb101FromSpec(s.matrix, s.ops)),
);

/** Every architecture one encoding element away from `a` that the official rules accept. */
function validNeighbours(a: Nb101Arch): Set<string> {
  const v = space.encode(a);
  const out = new Set<string>();
  v.forEach((x, k) => {
    const bound = space.encodingBounds[k]!;
    for (let y = 0; y < bound; y++) {
      if (y === x) continue;
      const w = v.slice();
      w[k] = y;
      try {
        out.add(space.format(space.decode(w)));
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidArchitectureError);
      }
    }
  });
  return out;
}

describe('nb101 search space', () => {
  it('is registered as nb101 and nasbench101 with 423,624 unique cells', () => {
    expect(getSpace('nb101')).toBe(getSpace('nasbench101'));
    expect(space.size).toBe(423_624n);
    expect(space.encodingLength).toBe(26);
    expect(space.encodingBounds).toEqual([...new Array(21).fill(2), ...new Array(5).fill(3)]);
  });

  it('encodes the 21 upper-triangle bits row by row, then the 5 operation indices', () => {
    // anchor rows: 0100110 / 0010000 / 0001001 / 0000010 / 0000010 / 0000001 / 0000000
    expect(space.encode(anchorArch)).toEqual([
      1, 0, 0, 1, 1, 0, /* row 0 */ 1, 0, 0, 0, 0, /* row 1 */ 1, 0, 0, 1, /* row 2 */ 0, 1, 0, /* row 3 */ 1, 0, /* row 4 */ 1,
      /* ops: conv3x3, maxpool, conv3x3, conv3x3, conv1x1 */ 0, 2, 0, 0, 1,
    ]);
  });

  it('formats as compact JSON that nasbench ModelSpec(**spec) takes, and parses it and smaller specs back', () => {
    const text = space.format(anchorArch);
    expect(text).toBe(
      '{"matrix":[[0,1,0,0,1,1,0],[0,0,1,0,0,0,0],[0,0,0,1,0,0,1],[0,0,0,0,0,1,0],[0,0,0,0,0,1,0],[0,0,0,0,0,0,1],[0,0,0,0,0,0,0]],' +
        '"ops":["input","conv3x3-bn-relu","maxpool3x3","conv3x3-bn-relu","conv3x3-bn-relu","conv1x1-bn-relu","output"]}',
    );
    expect(space.parse(text)).toEqual(anchorArch);
    expect(space.key(space.parse(text))).toBe('00005c142e6f48ac74fdcf73e3439874');
    const small = space.parse('{ "matrix": [[0, 1, 1], [0, 0, 1], [0, 0, 0]], "ops": ["input", "maxpool3x3", "output"] }');
    expect(nb101Prune(small)).toEqual({
      matrix: [
        [0, 1, 1],
        [0, 0, 1],
        [0, 0, 0],
      ],
      ops: ['input', 'maxpool3x3', 'output'],
    });
    expect(() => space.parse('{"matrix":[[0,1],[0,0]]}')).toThrow(/ops must be an array/);
    expect(() => space.parse('matrix=[[0,1],[0,0]]')).toThrow(/is not JSON/);
    expect(() => space.parse('[1,2]')).toThrow(/expected a JSON object/);
  });

  it('keys architectures by the official hash (the NASLib subset: raw and pruned specs agree)', () => {
    for (const row of subset.slice(0, 100)) {
      const raw = space.parse(JSON.stringify({ matrix: matrixFromBits(row.raw_matrix!), ops: opsFromPipes(row.raw_ops!) }));
      const pruned = nb101FromSpec(matrixFromBits(row.matrix!), opsFromPipes(row.ops!));
      expect(space.key(raw)).toBe(row.hash);
      expect(space.key(pruned)).toBe(row.hash);
    }
  });

  test.prop([arch, fc.integer()], { numRuns: 100 })('mutate draws from exactly the valid one-element changes', (a, seed) => {
    const neighbours = validNeighbours(a);
    const rng = createRng(seed);
    const seen = new Set<string>();
    for (let k = 0; k < 40; k++) {
      const b = space.mutate(a, rng);
      expect(space.distance(a, b)).toBe(1);
      const text = space.format(b);
      expect(neighbours.has(text)).toBe(true);
      seen.add(text);
    }
    // 40 uniform draws from >= 10 options hit several of them
    expect(seen.size).toBeGreaterThan(Math.min(5, neighbours.size - 1));
  });

  it('mutate can reach every valid neighbour (uniform over them)', () => {
    const neighbours = validNeighbours(anchorArch);
    const counts = new Map<string, number>();
    const rng = createRng(7);
    const draws = 200 * neighbours.size;
    for (let k = 0; k < draws; k++) {
      const text = space.format(space.mutate(anchorArch, rng));
      counts.set(text, (counts.get(text) ?? 0) + 1);
    }
    expect(new Set(counts.keys())).toEqual(neighbours);
    for (const c of counts.values()) expect(Math.abs(c - 200)).toBeLessThan(5 * Math.sqrt(200));
  });

  it('samples uniformly over unique cells: vertex counts follow the cell counts, not the raw-spec counts', () => {
    // Unique cells by pruned vertex count: 2..6 vertices 64,542 of 423,624; 7 vertices the rest.
    const rng = createRng(11);
    const draws = 20_000;
    let seven = 0;
    const keys = new Set<string>();
    for (let k = 0; k < draws; k++) {
      const a = space.sample(rng);
      if (nb101Prune(a).ops.length === 7) seven++;
      if (k < 2000) keys.add(space.key(a));
    }
    const p = (423_624 - 64_542) / 423_624;
    const sd = Math.sqrt(draws * p * (1 - p));
    expect(Math.abs(seven - draws * p)).toBeLessThan(5 * sd);
    expect(keys.size).toBeGreaterThan(1990); // 2,000 draws from 423,624 cells barely collide
  });

  test.prop([arch], { numRuns: 100 })('the key is the official hash and survives format/parse and encode/decode', (a) => {
    expect(space.key(a)).toBe(nb101Hash(a));
    expect(space.key(space.parse(space.format(a)))).toBe(space.key(a));
    expect(space.key(space.decode(space.encode(a)))).toBe(space.key(a));
  });

  it('decode names the bad element', () => {
    const v = space.encode(anchorArch);
    expect(() => space.decode([...v.slice(0, 21), 3, ...v.slice(22)])).toThrow(/encoding\[21\] is the operation of vertex 1/);
    expect(() => space.decode([2, ...v.slice(1)])).toThrow(/encoding\[0\] is the edge 0 -> 1/);
    expect(() => space.decode(v.slice(1))).toThrow(/26 entries/);
    expect(() => space.decode(new Array(26).fill(0))).toThrow(/no path leads from the input to the output/);
    expect(() => space.decode([...new Array(21).fill(1), 0, 0, 0, 0, 0])).toThrow(/21 edges after pruning/);
  });
});
