/**
 * The shared contract every registered search space passes. A space added to BUILTIN_SPACES is
 * picked up here automatically. Hostile inputs (holes, exotic values, huge strings) are fuzzed in
 * space-contract-fuzz.test.ts, also for every registered space.
 */
import { createRng, InvalidArchitectureError, type LmregError } from '@lmreg/common';
import { fc } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';

import { arbitraryArchitecture, arbitraryEncodingLike } from '../testing/index.js';
import { getSpace, listSpaces } from './registry.js';
import type { AnySearchSpace } from './search-space.js';

const RUNS = 60;

function expectOnlyArchitectureErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArchitectureError);
    expect((error as LmregError).message.length).toBeGreaterThan(10);
  }
}

describe.each(listSpaces())('search space %s satisfies the contract', (name) => {
  const space: AnySearchSpace = getSpace(name);
  const arch = arbitraryArchitecture(space);

  it('has a positive size and a consistent encoding shape', () => {
    expect(space.size).toBeGreaterThan(0n);
    expect(space.encodingBounds.length).toBe(space.encodingLength);
    expect(space.mutationDistance).toBeGreaterThanOrEqual(1);
  });

  it('samples reproducibly from a seed', () => {
    const a = Array.from({ length: 5 }, (_, i) => space.format(space.sample(createRng(100 + i))));
    const b = Array.from({ length: 5 }, (_, i) => space.format(space.sample(createRng(100 + i))));
    expect(a).toEqual(b);
  });

  it('encode gives in-bounds vectors and decode(encode(a)) = a', () => {
    fc.assert(
      fc.property(arch, (a) => {
        const v = space.encode(a);
        expect(v.length).toBe(space.encodingLength);
        v.forEach((x, i) => {
          expect(Number.isInteger(x) && x >= 0 && x < (space.encodingBounds[i] ?? 0)).toBe(true);
        });
        expect(space.decode(v)).toEqual(a);
      }),
      { numRuns: RUNS },
    );
  });

  it('parse(format(a)) = a', () => {
    fc.assert(
      fc.property(arch, (a) => {
        expect(space.parse(space.format(a))).toEqual(a);
      }),
      { numRuns: RUNS },
    );
  });

  it('mutate stays in the space, differs, and moves at most mutationDistance', () => {
    fc.assert(
      fc.property(arch, fc.integer(), (a, seed) => {
        const before = JSON.stringify(a);
        const b = space.mutate(a, createRng(seed));
        expect(JSON.stringify(a)).toBe(before); // input untouched
        const d = space.distance(a, b);
        expect(d).toBeGreaterThanOrEqual(1);
        expect(d).toBeLessThanOrEqual(space.mutationDistance);
        expect(space.decode(space.encode(b))).toEqual(b); // valid
        expect(space.parse(space.format(b))).toEqual(b);
      }),
      { numRuns: RUNS },
    );
  });

  it('distance is a metric', () => {
    fc.assert(
      fc.property(arch, arch, arch, (a, b, c) => {
        expect(space.distance(a, a)).toBe(0);
        expect(space.distance(a, b)).toBe(space.distance(b, a));
        expect(space.distance(a, c)).toBeLessThanOrEqual(space.distance(a, b) + space.distance(b, c));
        if (space.distance(a, b) === 0) expect(a).toEqual(b);
      }),
      { numRuns: RUNS },
    );
  });

  it('key is deterministic and equal for equal architectures', () => {
    fc.assert(
      fc.property(arch, (a) => {
        const copy = space.decode(space.encode(a));
        expect(space.key(copy)).toBe(space.key(a));
      }),
      { numRuns: RUNS },
    );
  });

  it('parse never throws anything but InvalidArchitectureError', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string({ unit: 'binary' }),
          arch.map((a) => mangle(space.format(a))),
        ),
        (s) => expectOnlyArchitectureErrors(() => space.parse(s)),
      ),
      { numRuns: 300 },
    );
  });

  it('decode never throws anything but InvalidArchitectureError', () => {
    const junk = fc.oneof(
      arbitraryEncodingLike(space),
      fc.array(fc.integer({ min: -3, max: 20 }), { maxLength: space.encodingLength + 3 }),
      fc.array(fc.oneof(fc.double(), fc.constant(Number.NaN)), { maxLength: space.encodingLength + 1 }),
    );
    fc.assert(
      fc.property(junk, (v) => expectOnlyArchitectureErrors(() => space.decode(v))),
      { numRuns: 300 },
    );
    expect(() => space.decode(null as unknown as number[])).toThrow(InvalidArchitectureError);
  });
});

/** A string close to a valid one: one character dropped, doubled or replaced. */
function mangle(s: string): string {
  if (s.length === 0) return 'x';
  const i = (s.length * 7919) % s.length;
  const ch = s[i] ?? '';
  const variants = [s.slice(0, i) + s.slice(i + 1), s.slice(0, i) + ch + ch + s.slice(i + 1), s.slice(0, i) + '#' + s.slice(i + 1)];
  return variants[s.length % 3] ?? s;
}

describe.each(listSpaces().filter((n) => getSpace(n).enumerate !== undefined && getSpace(n).size <= 20_000n))('search space %s samples uniformly', (name) => {
  it('chi-square over all architectures stays within 5 standard deviations', () => {
    const space: AnySearchSpace = getSpace(name);
    const size = Number(space.size);
    const index = new Map<string, number>();
    for (const a of space.enumerate!()) index.set(space.format(a), index.size);
    expect(index.size).toBe(size);
    const draws = 20 * size;
    const counts = new Float64Array(size);
    const rng = createRng(2024);
    for (let i = 0; i < draws; i++) counts[index.get(space.format(space.sample(rng)))!]! += 1;
    const expected = draws / size;
    let chi2 = 0;
    for (const c of counts) chi2 += (c - expected) ** 2 / expected;
    const df = size - 1;
    expect(chi2).toBeLessThan(df + 5 * Math.sqrt(2 * df));
    expect(chi2).toBeGreaterThan(df - 5 * Math.sqrt(2 * df));
  });
});
