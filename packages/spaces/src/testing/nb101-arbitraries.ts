/** fast-check arbitraries of NAS-Bench-101 specs. Private to this package's tests. */
import { fc } from '@fast-check/vitest';

import type { Nb101Spec } from '../nb101/nb101-spec.js';
import { isValidGraph, NB101_OPS, readGraph } from '../nb101/nb101-spec.js';

/** Any 7-vertex raw spec (valid or not): 21 upper-triangle bits and 5 operations. */
export const anyRawSpec: fc.Arbitrary<Nb101Spec> = fc
  .tuple(fc.array(fc.boolean(), { minLength: 21, maxLength: 21 }), fc.array(fc.constantFrom(...NB101_OPS), { minLength: 5, maxLength: 5 }))
  .map(([bits, ops]) => {
    const matrix = Array.from({ length: 7 }, () => [0, 0, 0, 0, 0, 0, 0]);
    let k = 0;
    for (let i = 0; i < 7; i++) for (let j = i + 1; j < 7; j++) matrix[i]![j] = bits[k++] ? 1 : 0;
    return { matrix, ops: ['input', ...ops, 'output'] };
  });

/** Arbitrary valid raw 7-vertex spec (any of the 2^21 * 3^5 raw specs the official rules accept). */
export const rawSpec: fc.Arbitrary<Nb101Spec> = anyRawSpec.filter((s) => isValidGraph(7, readGraph(s.matrix, s.ops).rows));
