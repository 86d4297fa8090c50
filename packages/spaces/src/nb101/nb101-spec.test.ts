import { InvalidArchitectureError } from '@lmreg/common';
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';

import { nb101Hash } from './nb101-hash.js';
import { isValidGraph, nb101FromSpec, nb101Prune, readGraph } from './nb101-spec.js';
import { anyRawSpec, rawSpec } from '../testing/nb101-arbitraries.js';
import { matrixFromBits, opsFromPipes, readCsv } from '../testing/nb101-reference.js';

const C3 = 'conv3x3-bn-relu';
const C1 = 'conv1x1-bn-relu';
const MP = 'maxpool3x3';

/** The error message `fn` throws; fails the test if it throws anything but InvalidArchitectureError. */
function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArchitectureError);
    return (error as Error).message;
  }
  throw new Error('expected an InvalidArchitectureError');
}

describe('nb101FromSpec applies the official validity rules', () => {
  const chain = [
    [0, 1, 0],
    [0, 0, 1],
    [0, 0, 0],
  ];

  it('accepts every spec of the reference data, pruned or raw, and keeps 7-vertex specs as given', () => {
    for (const row of readCsv('nb101_naslib_zc_subset.csv')) {
      const raw = { matrix: matrixFromBits(row.raw_matrix!), ops: opsFromPipes(row.raw_ops!) };
      expect(nb101FromSpec(raw.matrix, raw.ops)).toEqual(raw);
      const pruned = nb101FromSpec(matrixFromBits(row.matrix!), opsFromPipes(row.ops!));
      expect(pruned.matrix).toHaveLength(7);
      expect(nb101Hash(pruned)).toBe(row.hash);
    }
  });

  it('pads smaller specs with unconnected conv3x3 vertices before the output', () => {
    expect(nb101FromSpec(chain, ['input', MP, 'output'])).toEqual({
      matrix: [
        [0, 1, 0, 0, 0, 0, 0],
        [0, 0, 0, 0, 0, 0, 1],
        [0, 0, 0, 0, 0, 0, 0],
        [0, 0, 0, 0, 0, 0, 0],
        [0, 0, 0, 0, 0, 0, 0],
        [0, 0, 0, 0, 0, 0, 0],
        [0, 0, 0, 0, 0, 0, 0],
      ],
      ops: ['input', MP, C3, C3, C3, C3, 'output'],
    });
  });

  it('names the broken rule', () => {
    expect(errorOf(() => nb101FromSpec(chain, ['input', 'conv5x5', 'output']))).toMatch(/ops\[1\].*conv5x5.*not a NAS-Bench-101 operation/);
    expect(errorOf(() => nb101FromSpec(chain, [C3, C3, 'output']))).toMatch(/ops\[0\] must be 'input'/);
    expect(errorOf(() => nb101FromSpec(chain, ['input', C3, C3]))).toMatch(/ops\[2\] must be 'output'/);
    expect(errorOf(() => nb101FromSpec(chain, ['input', 'output']))).toMatch(/2 labels but the matrix has 3 vertices/);
    expect(
      errorOf(() =>
        nb101FromSpec(
          [
            [0, 1, 0],
            [1, 0, 1],
            [0, 0, 0],
          ],
          ['input', C3, 'output'],
        ),
      ),
    ).toMatch(/upper-triangular/);
    expect(
      errorOf(() =>
        nb101FromSpec(
          [
            [0, 2, 0],
            [0, 0, 1],
            [0, 0, 0],
          ],
          ['input', C3, 'output'],
        ),
      ),
    ).toMatch(/matrix\[0\]\[1\] must be 0 or 1/);
    expect(
      errorOf(() =>
        nb101FromSpec(
          [
            [0, 1],
            [0, 0],
            [0, 0],
          ],
          ['input', C3, 'output'],
        ),
      ),
    ).toMatch(/row 0 .* 3 0\/1 numbers/);
    expect(
      errorOf(() =>
        nb101FromSpec(
          [
            [0, 0, 1],
            [0, 0, 0],
            [0, 0, 0],
          ].slice(0, 1),
          ['input'],
        ),
      ),
    ).toMatch(/1 rows; .* 2 to 7 vertices/);
    const eight = Array.from({ length: 8 }, (_, i) => Array.from({ length: 8 }, (_, j) => (j === i + 1 ? 1 : 0)));
    expect(errorOf(() => nb101FromSpec(eight, ['input', C3, C3, C3, C3, C3, C3, 'output']))).toMatch(/8 rows; .* 2 to 7 vertices/);
    expect(
      errorOf(() =>
        nb101FromSpec(
          [
            [0, 1, 0],
            [0, 0, 0],
            [0, 0, 0],
          ],
          ['input', C3, 'output'],
        ),
      ),
    ).toMatch(/no path leads from the input to the output/);
    // 10 edges between kept vertices: input to all 5 ops and output, 1->2, 2->3, 3->4, 5->6 ... all kept
    const dense = [
      [0, 1, 1, 1, 1, 1, 0],
      [0, 0, 1, 0, 0, 0, 0],
      [0, 0, 0, 1, 0, 0, 0],
      [0, 0, 0, 0, 1, 0, 0],
      [0, 0, 0, 0, 0, 0, 1],
      [0, 0, 0, 0, 0, 0, 1],
      [0, 0, 0, 0, 0, 0, 0],
    ];
    expect(errorOf(() => nb101FromSpec(dense, ['input', C3, C1, MP, C3, C1, 'output']))).toMatch(/10 edges after pruning.*at most 9/);
  });

  it('counts the 9-edge limit after pruning, as the official API does', () => {
    // 10 raw edges, but vertex 5 hangs (no path to the output): pruning leaves 8.
    const raw = [
      [0, 1, 1, 1, 1, 1, 0],
      [0, 0, 1, 0, 0, 1, 0],
      [0, 0, 0, 1, 0, 0, 0],
      [0, 0, 0, 0, 1, 0, 0],
      [0, 0, 0, 0, 0, 0, 1],
      [0, 0, 0, 0, 0, 0, 0],
      [0, 0, 0, 0, 0, 0, 0],
    ];
    const a = nb101FromSpec(raw, ['input', C3, C1, MP, C3, C1, 'output']);
    expect(nb101Prune(a).ops).toEqual(['input', C3, C1, MP, C3, 'output']);
    expect(
      nb101Prune(a)
        .matrix.flat()
        .filter((x) => x === 1),
    ).toHaveLength(8);
  });

  test.prop([anyRawSpec], { numRuns: 300 })('accepts exactly the specs whose pruned graph is connected with <= 9 edges', (spec) => {
    const g = readGraph(spec.matrix, spec.ops);
    let pathExists = false;
    const reach = new Set([0]);
    for (let i = 0; i < 7; i++) if (reach.has(i)) for (let j = i + 1; j < 7; j++) if (spec.matrix[i]![j]) reach.add(j);
    pathExists = reach.has(6);
    const accepted = (() => {
      try {
        nb101FromSpec(spec.matrix, spec.ops);
        return true;
      } catch {
        return false;
      }
    })();
    expect(accepted).toBe(isValidGraph(7, g.rows));
    if (!pathExists) expect(accepted).toBe(false);
    if (accepted)
      expect(
        nb101Prune(spec)
          .matrix.flat()
          .filter((x) => x === 1).length,
      ).toBeLessThanOrEqual(9);
  });

  test.prop([rawSpec], { numRuns: 100 })('is idempotent on its own output', (spec) => {
    const a = nb101FromSpec(spec.matrix, spec.ops);
    expect(nb101FromSpec(a.matrix, a.ops)).toEqual(a);
  });

  it('throws only InvalidArchitectureError on junk (fuzz)', () => {
    const junk = fc.oneof(
      fc.anything(),
      fc.array(
        fc.array(fc.oneof(fc.integer({ min: -1, max: 2 }), fc.double(), fc.constant(null), fc.boolean()), {
          maxLength: 8,
        }),
        { maxLength: 8 },
      ),
    );
    const opsJunk = fc.oneof(fc.anything(), fc.array(fc.oneof(fc.string(), fc.constantFrom('input', 'output', C3, C1, MP)), { maxLength: 8 }));
    fc.assert(
      fc.property(junk, opsJunk, (m, o) => {
        try {
          nb101FromSpec(m as number[][], o as string[]);
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidArchitectureError);
        }
        try {
          nb101Prune({ matrix: m as number[][], ops: o as string[] });
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidArchitectureError);
        }
      }),
      { numRuns: 500 },
    );
    for (const bad of [null, undefined, 42, 'spec', [], NaN]) {
      expect(() => nb101Hash(bad as never)).toThrow(InvalidArchitectureError);
      expect(() => nb101FromSpec(bad as never, bad as never)).toThrow(InvalidArchitectureError);
    }
    expect(() => nb101FromSpec(Object.create(null) as never, ['input'])).toThrow(InvalidArchitectureError);
  });
});
