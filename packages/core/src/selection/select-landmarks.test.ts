import { createRng, InvalidArgumentError } from '@lmreg/common';
import { fc, test } from '@fast-check/vitest';
import { type AnySearchSpace, getSpace, listSpaces } from '@lmreg/spaces';
import { describe, expect, it } from 'vitest';

import { registerToySpaces, toyBits, toyGrid, toySymmetric } from '../internal/toy-spaces.js';
import { selectDiverseLandmarks, selectEvenlySpacedLandmarks, selectUniformLandmarks } from './select-landmarks.js';

registerToySpaces();
const RUNS = 8;

/** Landmark count and tau that fit the space (the paper's M = 10, tau = 5 where possible). */
function fit(space: AnySearchSpace): { count: number; tau: number } {
  return { count: space.size < 100n ? 2 : 10, tau: Math.min(5, space.encodingLength - 1) };
}

describe.each(listSpaces())('landmark selection on space %s', (name) => {
  const space: AnySearchSpace = getSpace(name);
  const { count, tau } = fit(space);

  test.prop([fc.integer()], { numRuns: RUNS })('diverse: root first, distinct keys, all farther than tau from the root', (seed) => {
    const picked = selectDiverseLandmarks(space, count, createRng(seed), { tau });
    expect(picked).toHaveLength(count);
    expect(new Set(picked.map((a) => space.key(a))).size).toBe(count);
    const [root, ...rest] = picked;
    for (const a of rest) expect(space.distance(a, root)).toBeGreaterThan(tau);
    expect(selectDiverseLandmarks(space, count, createRng(seed), { tau }).map((a) => space.format(a))).toEqual(picked.map((a) => space.format(a)));
  });

  test.prop([fc.integer()], { numRuns: RUNS })('uniform: distinct keys, exclusions respected, reproducible', (seed) => {
    const picked = selectUniformLandmarks(space, count, createRng(seed));
    expect(picked).toHaveLength(count);
    const keys = picked.map((a) => space.key(a));
    expect(new Set(keys).size).toBe(count);
    expect(selectUniformLandmarks(space, count, createRng(seed)).map((a) => space.key(a))).toEqual(keys);
    const more = selectUniformLandmarks(space, Math.min(count, Number(space.size) - count), createRng(seed + 1), { exclude: keys });
    for (const a of more) expect(keys).not.toContain(space.key(a));
  });

  it('evenly spaced: picks the extremes of the metric range', () => {
    const rng = createRng(5);
    const candidates = Array.from({ length: 40 }, () => ({ architecture: space.sample(rng), metric: 80 + 15 * rng.float() }));
    const distinct = new Set(candidates.map((c) => space.key(c.architecture))).size;
    const m = Math.min(count, distinct);
    const picked = selectEvenlySpacedLandmarks(space, candidates, m);
    expect(picked).toHaveLength(m);
    expect(new Set(picked.map((c) => space.key(c.architecture))).size).toBe(m);
  });
});

describe('selectDiverseLandmarks', () => {
  it('uses the paper defaults (tau = 5) and keeps a given root', () => {
    const root = [0, 0, 0, 0, 0, 0];
    const picked = selectDiverseLandmarks(toyGrid, 10, createRng(1), { root });
    expect(picked[0]).toBe(root);
    for (const a of picked.slice(1)) expect(a.every((x) => x !== 0)).toBe(true); // distance 6 > 5
  });

  it('deduplicates by key, not by encoding', () => {
    const picked = selectDiverseLandmarks(toySymmetric, 12, createRng(2), { tau: 2 });
    expect(new Set(picked.map((a) => toySymmetric.key(a))).size).toBe(12);
  });

  it('lands at distance tau + 1 when mutate changes one position, and stops with a clear error when those run out', () => {
    // 3 bits, tau = 1: walks stop at the first architecture at distance 2, and there are exactly 3.
    const picked = selectDiverseLandmarks(toyBits, 4, createRng(3), { tau: 1 });
    expect(new Set(picked.map((a) => toyBits.key(a))).size).toBe(4);
    for (const a of picked.slice(1)) expect(toyBits.distance(a, picked[0]!)).toBe(2);
    expect(() => selectDiverseLandmarks(toyBits, 5, createRng(3), { tau: 1 })).toThrow(InvalidArgumentError);
    expect(() => selectDiverseLandmarks(toyBits, 5, createRng(3), { tau: 1 })).toThrow(/found only 4 of 5 .*lower count or tau/);
  });

  it('rejects impossible or malformed requests up front', () => {
    expect(() => selectDiverseLandmarks(toyBits, 2, createRng(1), { tau: 3 })).toThrow(/tau = 3 cannot be exceeded .* 3 positions/);
    expect(() => selectDiverseLandmarks(toyBits, 9, createRng(1), { tau: 1 })).toThrow(/only 8/);
    expect(() => selectDiverseLandmarks(toyGrid, -1, createRng(1))).toThrow(/count must be/);
    expect(() => selectDiverseLandmarks(toyGrid, 3, createRng(1), { tau: 1.5 })).toThrow(/tau must be/);
    expect(() => selectDiverseLandmarks(toyGrid, 3, createRng(1), { maxAttempts: 0 })).toThrow(/maxAttempts/);
    expect(selectDiverseLandmarks(toyGrid, 0, createRng(1))).toEqual([]);
  });
});

describe('selectUniformLandmarks', () => {
  it('can exhaust a small space and errors when asked for more than remains', () => {
    const all = selectUniformLandmarks(toyBits, 8, createRng(4));
    expect(new Set(all.map((a) => toyBits.key(a))).size).toBe(8);
    const some = selectUniformLandmarks(toyBits, 3, createRng(4)).map((a) => toyBits.key(a));
    expect(() => selectUniformLandmarks(toyBits, 6, createRng(4), { exclude: some })).toThrow(/found only 5 of 6/);
  });
});

describe('selectEvenlySpacedLandmarks', () => {
  const scored = fc.array(
    fc.record({ seed: fc.integer(), metric: fc.double({ min: 0, max: 100, noNaN: true }) }).map(({ seed, metric }) => ({
      architecture: toyGrid.sample(createRng(seed)),
      metric,
    })),
    { minLength: 1, maxLength: 40 },
  );

  test.prop([scored, fc.nat({ max: 12 }), fc.constantFrom('value' as const, 'rank' as const)])(
    'returns count distinct candidates, best first, always including the worst and the best',
    (candidates, rawCount, spacing) => {
      const distinct = new Set(candidates.map((c) => toyGrid.key(c.architecture))).size;
      const count = Math.min(rawCount, distinct);
      const picked = selectEvenlySpacedLandmarks(toyGrid, candidates, count, { spacing });
      expect(picked).toHaveLength(count);
      expect(new Set(picked.map((c) => toyGrid.key(c.architecture))).size).toBe(count);
      for (const c of picked) expect(candidates).toContain(c);
      for (let i = 1; i < picked.length; i++) expect(picked[i - 1]!.metric).toBeGreaterThanOrEqual(picked[i]!.metric);
      if (count >= 2) {
        const unique = candidates.filter((c, i) => candidates.findIndex((d) => toyGrid.key(d.architecture) === toyGrid.key(c.architecture)) === i);
        const metrics = unique.map((c) => c.metric);
        expect(picked[0]!.metric).toBe(Math.max(...metrics));
        expect(picked[count - 1]!.metric).toBe(Math.min(...metrics));
      }
    },
  );

  it('hits evenly spaced targets exactly when the metrics allow it', () => {
    const candidates = Array.from({ length: 101 }, (_, i) => ({
      architecture: toyGrid.decode([i % 4, Math.floor(i / 4) % 4, Math.floor(i / 16) % 4, Math.floor(i / 64) % 4, 0, 0]),
      metric: i,
      id: `arch-${i}`,
    }));
    expect(selectEvenlySpacedLandmarks(toyGrid, candidates, 5).map((c) => c.metric)).toEqual([100, 75, 50, 25, 0]);
    expect(selectEvenlySpacedLandmarks(toyGrid, candidates, 5).map((c) => c.id)).toContain('arch-75');
    // skewed metrics: value spacing follows the range, rank spacing follows the distribution
    const skewed = candidates.map((c) => ({ ...c, metric: c.metric < 90 ? 90 + c.metric / 100 : c.metric }));
    const byRank = selectEvenlySpacedLandmarks(toyGrid, skewed, 3, { spacing: 'rank' }).map((c) => c.metric);
    expect(byRank[0]).toBe(100);
    expect(byRank[1]).toBeCloseTo(90.5, 1); // the median of the skewed metrics
    expect(byRank[2]).toBe(90);
    expect(selectEvenlySpacedLandmarks(toyGrid, skewed, 3).map((c) => c.metric)).toEqual([100, 95, 90]);
    expect(selectEvenlySpacedLandmarks(toyGrid, candidates, 1).map((c) => c.metric)).toEqual([50]);
  });

  it('rejects bad metrics and too few candidates', () => {
    const a = { architecture: toyGrid.decode([0, 0, 0, 0, 0, 0]), metric: 1 };
    expect(() => selectEvenlySpacedLandmarks(toyGrid, [a, { ...a, metric: Number.NaN }], 1)).toThrow(/candidates\[1\]\.metric/);
    expect(() => selectEvenlySpacedLandmarks(toyGrid, [a, a], 2)).toThrow(/only 1 distinct/);
    expect(() => selectEvenlySpacedLandmarks(toyGrid, [a], 1, { spacing: 'log' as 'rank' })).toThrow(InvalidArgumentError);
  });
});
