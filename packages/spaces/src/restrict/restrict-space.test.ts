import { createRng, InvalidArchitectureError, InvalidArgumentError } from '@lmreg/common';
import { fc } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';

import { getSpace } from '../registry/registry.js';
import type { Nb201Arch } from '../nb201/nb201-arch.js';
import { restrictSpace } from './restrict-space.js';

const nb201 = getSpace<Nb201Arch>('nb201');

function membersOf(seed: number, n: number): Nb201Arch[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => nb201.sample(rng));
}

describe('restrictSpace', () => {
  it('keeps distinct members by key, and samples, mutates and enumerates only members', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 2, max: 40 }), (seed, n) => {
        const raw = membersOf(seed, n);
        const space = restrictSpace(nb201, [...raw, ...raw]);
        const keys = new Set(raw.map((a) => nb201.key(a)));
        expect(space.members.length).toBe(keys.size);
        expect(space.size).toBe(BigInt(keys.size));
        expect([...space.enumerate!()].map((a) => nb201.key(a)).sort()).toEqual([...keys].sort());
        const rng = createRng(seed + 1);
        for (let i = 0; i < 20; i++) {
          const a = space.sample(rng);
          expect(space.has(a)).toBe(true);
          const b = space.mutate(a, rng);
          expect(space.has(b)).toBe(true);
          if (space.members.length > 1) {
            expect(nb201.key(b)).not.toBe(nb201.key(a));
            expect(nb201.distance(a, b)).toBeLessThanOrEqual(space.mutationDistance);
          }
        }
      }),
      { numRuns: 40 },
    );
  });

  it('mutate takes one step of the base space, then moves to a closest other member of where it landed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), (seed) => {
        let landed: Nb201Arch | undefined;
        const recording = { ...nb201, mutate: (a: Nb201Arch, r: Parameters<typeof nb201.mutate>[1]) => (landed = nb201.mutate(a, r)) };
        const space = restrictSpace(recording, membersOf(seed, 20));
        const rng = createRng(seed);
        let a = space.sample(rng);
        for (let i = 0; i < 50; i++) {
          const b = space.mutate(a, rng);
          expect(space.has(b)).toBe(true);
          expect(nb201.key(b)).not.toBe(nb201.key(a));
          const others = space.members.filter((m) => nb201.key(m) !== nb201.key(a));
          const best = Math.min(...others.map((m) => nb201.distance(landed as Nb201Arch, m)));
          expect(nb201.distance(landed as Nb201Arch, b)).toBe(best);
          a = b;
        }
      }),
      { numRuns: 20 },
    );
  });

  it('nearest returns a member at the smallest distance, the member of the same key for an isomorphic cell, and the member itself for a member', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), (seed) => {
        const space = restrictSpace(nb201, membersOf(seed, 25));
        const probe = nb201.sample(createRng(seed + 7));
        const near = space.nearest(probe);
        expect(space.has(near)).toBe(true);
        if (space.has(probe)) {
          // An isomorphic member (same key) is the same network: it is the answer, even when its
          // encoding is farther from the probe's than another member's.
          expect(nb201.key(near)).toBe(nb201.key(probe));
        } else {
          const best = Math.min(...space.members.map((m) => nb201.distance(probe, m)));
          expect(nb201.distance(probe, near)).toBe(best);
        }
        const m = space.members[3]!;
        expect(space.nearest(m)).toBe(m);
      }),
      { numRuns: 30 },
    );
  });

  it('round-trips members and refuses non-members with an error naming the restriction', () => {
    const members = membersOf(5, 10);
    const space = restrictSpace(nb201, members);
    for (const m of space.members) {
      expect(nb201.key(space.parse(space.format(m)))).toBe(nb201.key(m));
      expect(nb201.key(space.decode(space.encode(m)))).toBe(nb201.key(m));
    }
    let outsider = nb201.sample(createRng(99));
    for (let s = 100; space.has(outsider); s++) outsider = nb201.sample(createRng(s));
    expect(() => space.parse(nb201.format(outsider))).toThrow(InvalidArchitectureError);
    expect(() => space.parse(nb201.format(outsider))).toThrow(/not one of the 10 architectures/);
    expect(() => space.parse('not an arch')).toThrow(InvalidArchitectureError);
    expect(space.name).toBe('nb201');
  });

  it('refuses an empty member list', () => {
    expect(() => restrictSpace(nb201, [])).toThrow(InvalidArgumentError);
  });

  it('a single member mutates to itself', () => {
    const [only] = membersOf(3, 1);
    const space = restrictSpace(nb201, [only!]);
    expect(space.mutate(only!, createRng(1))).toBe(only);
    expect(space.mutationDistance).toBe(nb201.encodingLength);
  });
});
