import { createRng } from '@lmreg/common';
import fc from 'fast-check';

import { getSpace, listSpaces } from '../registry/registry.js';
import type { SearchSpace } from '../registry/search-space.js';

/**
 * A fast-check arbitrary of architectures of `space`, uniform like `space.sample` (each value is
 * the sample of a generated seed, so failures replay from fast-check's seed and path).
 */
export function arbitraryArchitecture<A>(space: SearchSpace<A>): fc.Arbitrary<A> {
  return fc.integer().map((seed) => space.sample(createRng(seed)));
}

/** Arbitrary of architectures of the registered space `name` (e.g. `nb201`). */
export function arbitraryOf<A = unknown>(name: string): fc.Arbitrary<A> {
  return arbitraryArchitecture(getSpace<A>(name));
}

/** One arbitrary per registered space, keyed by the space's name. */
export function spaceArbitraries(): Record<string, fc.Arbitrary<unknown>> {
  const out: Record<string, fc.Arbitrary<unknown>> = {};
  for (const name of listSpaces()) out[name] = arbitraryOf(name);
  return out;
}

/**
 * Arbitrary integer vectors of the space's encoding length, each position anywhere in
 * `[-2, bounds[i] + 2)`: mostly valid encodings, some invalid. For fuzzing `decode`.
 */
export function arbitraryEncodingLike<A>(space: SearchSpace<A>): fc.Arbitrary<number[]> {
  return fc.tuple(...space.encodingBounds.map((b) => fc.integer({ min: -2, max: b + 1 })));
}
