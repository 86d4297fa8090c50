import { createRng, InvalidArchitectureError } from '@lmreg/common';
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';

import { getSpace } from '../registry/registry.js';
import { arbitraryArchitecture } from '../testing/index.js';
import { createDartsSpace } from './darts-space.js';
import { canonicalDartsGenotype, DARTS_OPS, type DartsGenotype, type DartsPair } from './genotype.js';
import { parseDartsGenotype } from './genotype-format.js';
import { readGenotypeRows } from '../testing/darts-reference.js';
import { dartsSpaceSize } from './space-size.js';

const space = createDartsSpace();
const arch = arbitraryArchitecture(space);
const referenceRows = readGenotypeRows().filter(
  (r) =>
    r.format === 'darts_pairs' &&
    r.normal.length === 8 &&
    r.reduce.length === 8 &&
    r.name !== 'SETN' &&
    r.normalConcat.length === 4 &&
    r.reduceConcat.length === 4,
);

function swapNode(g: DartsGenotype, cell: 'normal' | 'reduce', node: number): DartsGenotype {
  const pairs = g[cell].slice();
  [pairs[2 * node], pairs[2 * node + 1]] = [pairs[2 * node + 1] as DartsPair, pairs[2 * node] as DartsPair];
  return { ...g, [cell]: pairs };
}

describe('darts space', () => {
  it('is registered as darts', () => {
    expect(getSpace('darts')).toBeDefined();
    expect(getSpace('darts').name).toBe('darts');
  });

  it('encodes the published in-space genotypes and reads them back', () => {
    expect(referenceRows.length).toBe(32); // GDAS_V1 appears in two variants
    for (const r of referenceRows) {
      const g = { normal: r.normal, reduce: r.reduce } as DartsGenotype;
      const v = space.encode(g);
      expect(v.length).toBe(32);
      expect(space.decode(v)).toEqual(g);
      expect(space.parse(space.format(g))).toEqual(g);
    }
    const v2 = referenceRows.find((r) => r.name === 'DARTS_V2') as unknown as DartsGenotype;
    // normal node 0: (sep_conv_3x3, 0), (sep_conv_3x3, 1); reduce node 3: (skip_connect, 2), (max_pool_3x3, 1).
    const v = space.encode(v2);
    expect(v.slice(0, 4)).toEqual([4, 0, 4, 1]);
    expect(v.slice(28)).toEqual([3, 2, 1, 1]);
  });

  it('size is the number of encodings; the published figures follow from the other rules', () => {
    expect(space.size).toBe(space.encodingBounds.reduce((p, b) => p * BigInt(b), 1n));
    expect(space.size).toBe((8n ** 8n * 14_400n) ** 2n);
    expect(space.encodingBounds.slice(0, 8)).toEqual([8, 2, 8, 2, 8, 3, 8, 3]);
    // DARTS paper: "approximately 10^18"; Landmark-Regularization paper: "3.3 x 10^13".
    expect(Number(dartsSpaceSize('darts-paper')) / 1e18).toBeCloseTo(1.08, 2);
    expect(dartsSpaceSize('landmark-paper')).toBe(7n ** 16n);
    expect((Number(dartsSpaceSize('landmark-paper')) / 1e13).toFixed(1)).toBe('3.3');
    expect(() => dartsSpaceSize('other' as 'encoding')).toThrow(/unknown counting rule/);
  });

  it("the 'isomorphism' count equals the number of distinct keys, node by node", () => {
    // key acts on each node independently, so count distinct keys over one node at a time.
    const base = space.sample(createRng(1));
    let product = 1n;
    for (const cell of ['normal', 'reduce'] as const) {
      for (let node = 0; node < 4; node++) {
        const keys = new Set<string>();
        for (const a of DARTS_OPS) {
          for (let i = 0; i < node + 2; i++) {
            for (const b of DARTS_OPS) {
              for (let j = 0; j < node + 2; j++) {
                const pairs = base[cell].slice();
                pairs[2 * node] = [a, i];
                pairs[2 * node + 1] = [b, j];
                keys.add(space.key({ ...base, [cell]: pairs }));
              }
            }
          }
        }
        product *= BigInt(keys.size);
      }
    }
    expect(product).toBe(dartsSpaceSize('isomorphism'));
  });

  test.prop([arch, fc.constantFrom('normal', 'reduce'), fc.integer({ min: 0, max: 3 })])(
    'key is invariant under swapping the two pairs of a node',
    (a, cell, node) => {
      expect(space.key(swapNode(a, cell, node))).toBe(space.key(a));
      expect(canonicalDartsGenotype(swapNode(a, cell, node))).toEqual(canonicalDartsGenotype(a));
    },
  );

  test.prop([arch, fc.integer()])('key changes under every mutation except moving the input of a none pair', (a, seed) => {
    const b = space.mutate(a, createRng(seed));
    const va = space.encode(a);
    const vb = space.encode(b);
    const changed = va.findIndex((x, i) => x !== vb[i]);
    const isNoneInput = changed % 2 === 1 && va[changed - 1] === 0;
    expect(space.key(b) === space.key(a)).toBe(isNoneInput);
  });

  test.prop([arch, arch])('equal keys mean equal canonical genotypes, and keys parse back', (a, b) => {
    expect(space.key(a) === space.key(b)).toBe(JSON.stringify(canonicalDartsGenotype(a)) === JSON.stringify(canonicalDartsGenotype(b)));
    expect(parseDartsGenotype(space.key(a))).toEqual(canonicalDartsGenotype(a));
  });

  it('key identifies DARTS_V1 pairs written in either order', () => {
    const v1 = referenceRows.find((r) => r.name === 'DARTS_V1') as unknown as DartsGenotype;
    let g = v1;
    for (let node = 0; node < 4; node++) g = swapNode(swapNode(g, 'normal', node), 'reduce', node);
    expect(g).not.toEqual(v1);
    expect(space.key(g)).toBe(space.key(v1));
    expect(space.distance(g, v1)).toBeGreaterThan(0);
  });

  test.prop([arch, fc.integer()])('mutate changes exactly one op or one input, to a valid value', (a, seed) => {
    const b = space.mutate(a, createRng(seed));
    expect(space.distance(a, b)).toBe(1);
    const va = space.encode(a);
    const vb = space.encode(b);
    const changed = va.map((x, i) => (x === vb[i] ? -1 : i)).filter((i) => i >= 0);
    expect(changed).toHaveLength(1);
    const i = changed[0] as number;
    expect(vb[i]).toBeGreaterThanOrEqual(0);
    expect(vb[i]).toBeLessThan(space.encodingBounds[i] as number);
  });

  it('samples every op and input uniformly', () => {
    const rng = createRng(7);
    const n = 4000;
    const opCounts = new Array<number>(8).fill(0);
    const lastInputCounts = new Array<number>(5).fill(0);
    for (let s = 0; s < n; s++) {
      const g = space.sample(rng);
      for (const [op] of g.normal) opCounts[DARTS_OPS.indexOf(op)]! += 1;
      lastInputCounts[(g.reduce[7] as DartsPair)[1]]! += 1;
    }
    const chi2 = (counts: number[], total: number): number => counts.reduce((s, c) => s + (c - total / counts.length) ** 2 / (total / counts.length), 0);
    // 5 standard deviations above the mean of a chi-square with k - 1 degrees of freedom.
    expect(chi2(opCounts, 8 * n)).toBeLessThan(7 + 5 * Math.sqrt(14));
    expect(chi2(lastInputCounts, n)).toBeLessThan(4 + 5 * Math.sqrt(8));
    expect(opCounts[0]).toBeGreaterThan(0); // none is sampled
  });

  it('decode names the bad position', () => {
    const v = space.encode(space.sample(createRng(3)));
    const bad = v.slice();
    bad[17] = 4; // reduce node 0 pair 0 input
    expect(() => space.decode(bad)).toThrow(/encoding\[17\] \(reduce node 0 pair 0 input\) is 4; it must be an integer in \[0, 2\)/);
    bad[17] = 0;
    bad[0] = 8;
    expect(() => space.decode(bad)).toThrow(/encoding\[0\] \(normal node 0 pair 0 op\)/);
    expect(() => space.decode(v.slice(1))).toThrow(/32 integers/);
    expect(() => space.decode('abc' as unknown as number[])).toThrow(InvalidArchitectureError);
  });

  it('encode and format refuse values that are not DARTS genotypes', () => {
    const g = space.sample(createRng(5));
    const wrongOp = { ...g, normal: g.normal.map((p, i) => (i === 3 ? ['sep_conv_7x7', 0] : p)) } as unknown as DartsGenotype;
    expect(() => space.encode(wrongOp)).toThrow(/normal node 1 pair 1 has op "sep_conv_7x7"/);
    const wrongInput = { ...g, reduce: g.reduce.map((p, i) => (i === 0 ? [p[0], 2] : p)) } as unknown as DartsGenotype;
    expect(() => space.format(wrongInput)).toThrow(/reduce node 0 pair 0 reads input 2/);
    expect(() => space.key({ normal: g.normal } as DartsGenotype)).toThrow(InvalidArchitectureError);
  });
});
