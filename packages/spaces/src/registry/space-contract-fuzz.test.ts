/**
 * Hostile-input part of the shared space contract: every registered space's `decode` and `parse`
 * are fuzzed with holes, exotic values (Symbol, BigInt, Proxy, null-prototype objects, objects
 * whose toString throws, huge numbers, NaN, nested arrays) and large inputs. Only
 * `InvalidArchitectureError` may come out, and each input is answered within a time bound
 * (a hang guard, far above the milliseconds these take).
 */
import { createRng, InvalidArchitectureError, type LmregError } from '@lmreg/common';
import { fc } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';

import { arbitraryArchitecture } from '../testing/index.js';
import { describeValue, readArrayInput } from './describe-value.js';
import { getSpace, listSpaces } from './registry.js';
import type { AnySearchSpace } from './search-space.js';

const TIME_BOUND_MS = 2000;

function expectOnlyArchitectureErrors(fn: () => unknown, what: string): void {
  const start = performance.now();
  try {
    fn();
  } catch (error) {
    if (!(error instanceof InvalidArchitectureError)) {
      throw new Error(`${what}: threw ${error instanceof Error ? `a raw ${error.name}: ${error.message}` : describeValue(error)}`, { cause: error });
    }
    expect((error as LmregError).message.length).toBeGreaterThan(10);
  }
  expect(performance.now() - start, `${what} took too long`).toBeLessThan(TIME_BOUND_MS);
}

const throwing = (): never => {
  throw new Error('hostile');
};
const revoked = Proxy.revocable([], {});
revoked.revoke();

/**
 * Values with no or a hostile string form, or a hostile shape. Built inside the property (from a
 * thunk), because fast-check itself inspects generated values and would trip over the proxies.
 */
const HOSTILE: readonly (() => unknown)[] = [
  () => Symbol('s'),
  () => Symbol(),
  () => Object.create(null),
  () => ({ toString: throwing, valueOf: throwing }),
  () => ({ [Symbol.toPrimitive]: throwing }),
  () => new Proxy([], { get: throwing }),
  () => new Proxy({}, { get: throwing, getPrototypeOf: throwing, ownKeys: throwing, has: throwing }),
  () => new Proxy([1, 2], { has: throwing }),
  () => new Proxy([0, 0, 0, 0, 0, 0], { get: (t, k) => (k === 'length' ? 6 : throwing()) }),
  () => revoked.proxy,
  () => Number.NaN,
  () => Number.POSITIVE_INFINITY,
  () => Number.NEGATIVE_INFINITY,
  () => Number.MAX_VALUE,
  () => Number.MIN_VALUE,
  () => -0,
  () => 2 ** 53,
  () => 1e300,
  () => null,
  () => undefined,
  () => true,
  () => '',
  () => '0',
  () => '1',
  () => [],
  () => [[0]],
  () => () => 0,
  () => new Date(0),
  () => new Uint8Array(3),
  () => 10n ** 400n,
];
const exotic: fc.Arbitrary<() => unknown> = fc.oneof(
  fc.constantFrom(...HOSTILE),
  fc.oneof(fc.bigInt(), fc.double(), fc.string(), fc.array(fc.integer(), { maxLength: 4 }), fc.object({ maxDepth: 2 })).map((v) => () => v),
);

describe.each(listSpaces())('search space %s refuses hostile input cleanly', (name) => {
  const space: AnySearchSpace = getSpace(name);
  const encodings = arbitraryArchitecture(space).map((a) => space.encode(a));

  it('decode refuses sparse arrays (holes), naming the hole', () => {
    fc.assert(
      fc.property(encodings, fc.array(fc.nat(), { minLength: 1, maxLength: 3 }), (v, holes) => {
        const sparse: number[] = [...v];
        for (const h of holes) delete sparse[h % sparse.length];
        expect(() => space.decode(sparse)).toThrow(InvalidArchitectureError);
        expect(() => space.decode(sparse)).toThrow(/hole at index \d+/);
        const empty = new Array<number>(space.encodingLength);
        expect(() => space.decode(empty)).toThrow(/hole at index 0/);
      }),
      { numRuns: 40 },
    );
  });

  it('decode of a valid encoding behind a transparent Proxy still works', () => {
    fc.assert(
      fc.property(encodings, (v) => {
        expect(space.encode(space.decode(new Proxy(v, {})))).toEqual(v);
      }),
      { numRuns: 20 },
    );
  });

  it('decode: exotic values as the input or in any position only give InvalidArchitectureError', () => {
    fc.assert(
      fc.property(exotic, (x) => expectOnlyArchitectureErrors(() => space.decode(x() as number[]), 'decode(exotic)')),
      { numRuns: 150 },
    );
    fc.assert(
      fc.property(encodings, fc.array(fc.tuple(fc.nat(), exotic), { minLength: 1, maxLength: 3 }), (v, edits) => {
        const bad: unknown[] = [...v];
        for (const [i, x] of edits) bad[i % bad.length] = x();
        expectOnlyArchitectureErrors(() => space.decode(bad as number[]), 'decode(encoding with exotic entries)');
      }),
      { numRuns: 150 },
    );
  });

  it('decode: large and nested inputs are refused quickly', () => {
    const inputs: unknown[] = [
      Array.from({ length: 200_000 }, (_, i) => i % 3),
      new Array(2 ** 31),
      Object.assign([], { length: 2 ** 32 - 1 }),
      Array.from({ length: space.encodingLength }, () => [0]),
      Array.from({ length: space.encodingLength }, () => Number.NaN),
      Array.from({ length: space.encodingLength }, () => 0.5),
      Array.from({ length: space.encodingLength }, () => '0'),
    ];
    for (const x of inputs) expectOnlyArchitectureErrors(() => space.decode(x as number[]), 'decode(large input)');
  });

  it('parse: exotic values instead of a string only give InvalidArchitectureError', () => {
    fc.assert(
      fc.property(exotic, (x) => expectOnlyArchitectureErrors(() => space.parse(x() as string), 'parse(exotic)')),
      { numRuns: 150 },
    );
  });

  it('parse: large and deeply nested strings are refused quickly', () => {
    const valid = space.format(space.sample(createRng(0)));
    const kwargs = `Genotype(${Array.from({ length: 90_000 }, (_, i) => `k${i}=1`).join(', ')})`;
    const inputs = [
      kwargs, // ~900 KB of keyword arguments (quadratic before)
      `normal=[], ${Array.from({ length: 90_000 }, (_, i) => `k${i}=1`).join(', ')}`,
      valid.repeat(20_000).slice(0, 900_000),
      '|'.repeat(900_000),
      '+'.repeat(900_000),
      '~'.repeat(900_000),
      '['.repeat(100_000),
      '('.repeat(100_000) + ')'.repeat(100_000),
      `{"matrix": ${'['.repeat(50_000)}`,
      `"${'a'.repeat(900_000)}"`,
      '9'.repeat(900_000),
      `${valid}${' '.repeat(900_000)}`,
      `${'#'.repeat(900_000)}\n${valid}`,
      '\u0000'.repeat(1000),
      '\uD800'.repeat(1000),
    ];
    for (const s of inputs) expectOnlyArchitectureErrors(() => space.parse(s), `parse(${JSON.stringify(s.slice(0, 20))}... of ${s.length} chars)`);
  });
});

describe('describeValue', () => {
  it('describes every value, even those without a string form, without calling its methods', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          exotic,
          fc.anything().map((v) => () => v),
        ),
        (x) => {
          const s = describeValue(x());
          expect(typeof s).toBe('string');
          expect(s.length).toBeLessThan(80);
        },
      ),
      { numRuns: 300 },
    );
    expect(describeValue(Object.create(null))).toBe('an object without prototype');
    expect(describeValue(Symbol('x'))).toBe('Symbol(x)');
    expect(describeValue(12n)).toBe('12n');
    expect(describeValue(revoked.proxy)).toBe('a value that cannot be inspected');
    expect(describeValue('a'.repeat(100))).toBe(JSON.stringify(`${'a'.repeat(40)}...`));
  });

  it('readArrayInput copies a dense array and refuses holes and unreadable entries', () => {
    expect(readArrayInput('s', [1, 'a'], 'v')).toEqual([1, 'a']);
    // eslint-disable-next-line no-sparse-arrays -- the hole is the input under test
    expect(() => readArrayInput('s', [1, , 3], 'v')).toThrow(/v has a hole at index 1/);
    expect(() => readArrayInput('s', new Proxy([1], { get: throwing }), 'v')).toThrow(InvalidArchitectureError);
    expect(() => readArrayInput('s', revoked.proxy, 'v')).toThrow(/v must be an array, got a value that cannot be inspected/);
    expect(() => readArrayInput('s', [1, 2], 'v', 3)).toThrow(/exactly 3 entries, got 2/);
  });
});
