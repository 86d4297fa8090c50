// fast-check arbitraries shared by this package's tests (private: not exported, not bundled).
import { fc } from '@fast-check/vitest';

/** Values from a tiny integer range, so that ties are frequent. */
export const tiedValue = fc.integer({ min: -3, max: 3 });

/** Any double except NaN: includes ±0, ±Infinity, subnormals and huge values. */
export const anyValue = fc.double({ noNaN: true });

/** Two arrays of the same length n in [minLength, maxLength]. */
export function pairedArrays(value: fc.Arbitrary<number>, minLength = 2, maxLength = 40): fc.Arbitrary<[number[], number[]]> {
  return fc
    .integer({ min: minLength, max: maxLength })
    .chain((n) => fc.tuple(fc.array(value, { minLength: n, maxLength: n }), fc.array(value, { minLength: n, maxLength: n })));
}

/** Paired arrays drawn from a mix of tie-heavy and arbitrary values. */
export const mixedPairs = fc.oneof(pairedArrays(tiedValue), pairedArrays(anyValue), pairedArrays(fc.oneof(tiedValue, anyValue)));
