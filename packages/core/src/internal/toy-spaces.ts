/**
 * Small user-defined search spaces for this package's tests (not exported). They show that core
 * works on any space that implements the `SearchSpace` contract, not only the built-in ones.
 */
import { InvalidArchitectureError } from '@lmreg/common';
import { hamming, registerSpace, type SearchSpace } from '@lmreg/spaces';

/** Architectures of the toy spaces: a fixed-length vector of small integers. */
export type ToyArch = readonly number[];

function vectorSpace(name: string, length: number, values: number, key: (a: ToyArch) => string): SearchSpace<ToyArch> {
  const check = (v: readonly number[]): ToyArch => {
    if (!Array.isArray(v) || v.length !== length) {
      throw new InvalidArchitectureError(name, `expected ${length} values, got ${JSON.stringify(v)}`);
    }
    v.forEach((x, i) => {
      if (!Number.isInteger(x) || x < 0 || x >= values) {
        throw new InvalidArchitectureError(name, `value ${String(x)} at position ${i} is not in [0, ${values})`);
      }
    });
    return [...v];
  };
  return {
    name,
    size: BigInt(values) ** BigInt(length),
    mutationDistance: 1,
    encodingLength: length,
    encodingBounds: Array.from({ length }, () => values),
    sample: (rng) => Array.from({ length }, () => rng.int(values)),
    mutate: (a, rng) => {
      const i = rng.int(length);
      const shift = 1 + rng.int(values - 1);
      return a.map((x, j) => (j === i ? (x + shift) % values : x));
    },
    distance: (a, b) => hamming(a, b),
    encode: (a) => [...a],
    decode: (v) => check(v),
    format: (a) => a.join('-'),
    parse: (s) => {
      if (typeof s !== 'string' || !/^\d+(-\d+)*$/.test(s)) {
        throw new InvalidArchitectureError(name, `cannot parse ${JSON.stringify(s)}; expected values joined by '-'`);
      }
      return check(s.split('-').map(Number));
    },
    key,
  };
}

/** 6 positions of 4 values (4,096 architectures); key = format. */
export const toyGrid = vectorSpace('core-toy-grid', 6, 4, (a) => a.join('-'));

/** 3 binary positions (8 architectures): small enough to exhaust. */
export const toyBits = vectorSpace('core-toy-bits', 3, 2, (a) => a.join('-'));

/**
 * 6 positions of 3 values whose key ignores order (28 distinct keys for 729 vectors), like a space
 * keyed up to isomorphism: different vectors can be the same network.
 */
export const toySymmetric = vectorSpace('core-toy-symmetric', 6, 3, (a) => [...a].sort().join(''));

/** Registers the toy spaces (idempotent). */
export function registerToySpaces(): void {
  for (const s of [toyGrid, toyBits, toySymmetric]) registerSpace(s, { replace: true });
}
