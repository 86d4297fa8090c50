import { createRng, InvalidArgumentError, NotRegisteredError } from '@lmreg/common';
import { describe, expect, it } from 'vitest';

import { getSpace, listSpaces, registerSpace } from './registry.js';
import { hamming, type SearchSpace } from './search-space.js';

/** A user-defined toy space: 3 binary switches. Shows that user spaces register next to ours. */
const toy: SearchSpace<readonly number[]> = {
  name: 'toy-switches',
  size: 8n,
  mutationDistance: 1,
  encodingLength: 3,
  encodingBounds: [2, 2, 2],
  sample: (rng) => [rng.int(2), rng.int(2), rng.int(2)],
  mutate: (a, rng) => {
    const i = rng.int(3);
    return a.map((x, j) => (j === i ? 1 - x : x));
  },
  distance: (a, b) => hamming(a, b),
  encode: (a) => [...a],
  decode: (v) => [...v],
  format: (a) => a.join(''),
  parse: (s) => [...s].map(Number),
  key: (a) => a.join(''),
};

describe('registry', () => {
  it('registers a user space and finds it by name and alias', () => {
    registerSpace(toy, { aliases: ['toy'] });
    expect(getSpace('toy-switches')).toBe(toy);
    expect(getSpace('toy')).toBe(toy);
    expect(listSpaces()).toContain('toy-switches');
    expect(getSpace<readonly number[]>('toy').sample(createRng(1))).toHaveLength(3);
  });

  it('refuses to register a name twice unless replace is set', () => {
    expect(() => registerSpace(toy)).toThrow(InvalidArgumentError);
    expect(() => registerSpace(toy, { replace: true })).not.toThrow();
  });

  it('names the known spaces when a name is unknown', () => {
    expect(() => getSpace('nope')).toThrow(NotRegisteredError);
    expect(() => getSpace('nope')).toThrow(/toy-switches/);
  });
});

describe('hamming', () => {
  it('counts differing positions and length differences', () => {
    expect(hamming([1, 2, 3], [1, 0, 3])).toBe(1);
    expect(hamming([1, 2], [1, 2, 3])).toBe(1);
    expect(hamming([], [])).toBe(0);
  });
});
