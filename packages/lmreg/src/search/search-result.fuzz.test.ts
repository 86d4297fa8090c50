import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { fc, test } from '@fast-check/vitest';
import { FileFormatError, isLmregError } from '@lmreg/common';
import { afterAll, beforeAll, describe, expect } from 'vitest';

import { parseSearchResult, readSearchResult, searchResultSchema, writeSearchResult, type SearchResult } from './search-result.js';

// Property tests of the result.json reader and writer: a valid result survives write -> read ->
// write byte for byte, reading never changes the file, and no mutation or truncation of a valid
// file makes the reader fail with anything but a FileFormatError naming the file.

const here = path.dirname(fileURLToPath(import.meta.url));
let root = '';
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'lmreg-search-result-fuzz-'));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

let folders = 0;
const newFolder = (): { file(n: string): string } => {
  const dir = path.join(root, `f${folders++}`);
  return { file: (n) => path.join(dir, n) };
};

/** Any number a run can hold: finite, NaN or ±Infinity (the last three are written as null). */
const metric = fc.oneof(
  { weight: 10, arbitrary: fc.double({ min: -1e6, max: 1e6, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY) },
);
const seconds = fc.double({ min: 0, max: 1e6, noNaN: true });
const count = fc.nat({ max: 100_000 });
const arch = fc.string({ maxLength: 12 });

// Fields in the schema's (and runSearch's) order, so that a written file is in canonical order.
const standalone = fc.record(
  {
    arch,
    key: fc.string({ maxLength: 8 }),
    accuracy: metric,
    loss: metric,
    params: count,
    seconds,
    seed: fc.integer({ min: -1, max: 1e6 }),
    validAccuracy: metric,
  },
  { requiredKeys: ['arch', 'key', 'accuracy', 'loss', 'params', 'seconds', 'seed'] },
);
const epoch = fc.record({
  epoch: count,
  loss: metric,
  rankingLoss: metric,
  lambda: metric,
  lr: metric,
  skdt: metric,
  kendallTau: metric,
  spearman: metric,
  seconds,
});
const proposed = fc.record(
  { arch, supernetAccuracy: metric, groundTruth: metric, rank: fc.integer({ min: 1, max: 15625 }) },
  { requiredKeys: ['arch', 'supernetAccuracy'] },
);
const search = fc.record(
  { sampler: fc.constantFrom('spos', 'gdas', 'nao'), evaluated: count, top: fc.array(proposed, { maxLength: 3 }), argmax: arch },
  { requiredKeys: ['sampler', 'evaluated', 'top'] },
);
const round = fc.record({ round: count, epoch: count, added: fc.array(fc.record({ arch, supernetAccuracy: metric, groundTruth: metric }), { maxLength: 2 }) });
const variant = (name: 'baseline' | 'landmarks', heldOut: number) =>
  fc.record({
    name: fc.constant(name),
    search,
    rounds: fc.array(round, { maxLength: 2 }),
    skdt: metric,
    kendallTau: metric,
    spearman: metric,
    supernetAccuracy: fc.array(metric, { minLength: heldOut, maxLength: heldOut }),
    epochs: fc.array(epoch, { maxLength: 3 }),
    best: fc.record({ arch, groundTruth: metric, supernetAccuracy: metric }),
    seconds,
  });
const groundTruth = fc.record(
  {
    name: fc.string({ maxLength: 10 }),
    dir: fc.string({ maxLength: 10 }),
    size: count,
    noiseCeiling: fc.record({ skdt: metric, kendallTau: metric, spearman: metric, n: count }),
  },
  { requiredKeys: ['name', 'size', 'noiseCeiling'] },
);

/** A valid result (what `runSearch` can hand to the writer). */
const searchResult: fc.Arbitrary<SearchResult> = fc
  .tuple(fc.nat({ max: 4 }), fc.constantFrom<('baseline' | 'landmarks')[]>(['baseline'], ['landmarks'], ['baseline', 'landmarks']))
  .chain(([n, names]) =>
    fc.record(
      {
        space: fc.constantFrom('nb201', 'nb101', 'darts'),
        dataset: fc.constantFrom('fashion-mnist', 'cifar10'),
        sampler: fc.constantFrom('spos', 'gdas', 'nao'),
        groundTruth,
        landmarks: fc.array(standalone, { maxLength: 3 }),
        heldOut: fc.array(standalone, { minLength: n, maxLength: n }),
        variants: fc.tuple(...names.map((name) => variant(name, n))),
        backend: fc.constantFrom('cpu', 'wasm', 'native'),
        threads: fc.integer({ min: 1, max: 64 }),
        seconds,
      },
      { requiredKeys: ['space', 'dataset', 'sampler', 'landmarks', 'heldOut', 'variants', 'backend', 'seconds'] },
    ),
  );

/** Every path (keys and indices) of a JSON value. */
function paths(value: unknown, at: (string | number)[] = []): (string | number)[][] {
  const own: (string | number)[][] = at.length === 0 ? [] : [at];
  if (Array.isArray(value)) return [...own, ...value.flatMap((v, i) => paths(v, [...at, i]))];
  if (value !== null && typeof value === 'object') return [...own, ...Object.entries(value).flatMap(([k, v]) => paths(v, [...at, k]))];
  return own;
}

type Mutation =
  | { kind: 'truncate'; at: number }
  | { kind: 'replace'; pick: number; value: unknown }
  | { kind: 'delete'; pick: number }
  | { kind: 'add'; pick: number; key: string; value: unknown }
  | { kind: 'char'; at: number; char: string };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('replace' as const), pick: fc.nat(), value: fc.jsonValue({ maxDepth: 2 }) }),
  fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }),
  fc.record({
    kind: fc.constant('add' as const),
    pick: fc.nat(),
    key: fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('__proto__', 'constructor', 'seconds')),
    value: fc.jsonValue({ maxDepth: 2 }),
  }),
  fc.record({ kind: fc.constant('char' as const), at: fc.nat(), char: fc.string({ minLength: 1, maxLength: 1, unit: 'binary' }) }),
);

/** Applies `m` to the JSON text of a result. */
function mutate(text: string, m: Mutation): string {
  if (m.kind === 'truncate') return text.slice(0, m.at % (text.length + 1));
  if (m.kind === 'char') {
    const at = m.at % (text.length + 1);
    return text.slice(0, at) + m.char + text.slice(at + 1);
  }
  const value = JSON.parse(text) as unknown;
  const all = paths(value);
  if (all.length === 0) return text;
  const target = all[m.pick % all.length]!;
  const parent = target.slice(0, -1).reduce<unknown>((v, k) => (v as Record<string | number, unknown>)[k], value) as Record<string | number, unknown>;
  const key = target.at(-1)!;
  if (m.kind === 'replace') parent[key] = m.value;
  else if (m.kind === 'delete') {
    if (Array.isArray(parent)) parent.splice(Number(key), 1);
    else delete parent[key];
  } else {
    const holder = parent[key];
    if (holder !== null && typeof holder === 'object' && !Array.isArray(holder)) Object.defineProperty(holder, m.key, { value: m.value, enumerable: true });
    else parent[key] = { [m.key]: m.value };
  }
  return JSON.stringify(value, null, 2);
}

/** The committed fixtures and generated results: the valid files the mutations start from. */
const fixtureTexts = fs.readdirSync(path.join(here, 'fixtures')).flatMap((name) => {
  const file = path.join(here, 'fixtures', name, 'result.json');
  return fs.existsSync(file) ? [fs.readFileSync(file, 'utf8')] : [];
});
const validText = fc.oneof(
  fc.constantFrom(...fixtureTexts),
  searchResult.map((r) => `${JSON.stringify(r, null, 2)}\n`),
);

describe('result.json reader and writer (fast-check)', () => {
  test.prop([searchResult], { numRuns: 150 })(
    'a valid result is written, read back and written again byte for byte; reading leaves the file as it was',
    (result) => {
      const file = writeSearchResult(newFolder(), result);
      const text = fs.readFileSync(file, 'utf8');
      expect(text).toBe(`${JSON.stringify(result, null, 2)}\n`);
      const read = readSearchResult(file);
      expect(fs.readFileSync(file, 'utf8')).toBe(text);
      expect(JSON.stringify(read)).toBe(JSON.stringify(result)); // NaN and ±Infinity both read back as NaN, written as null
      const again = writeSearchResult(newFolder(), read);
      expect(fs.readFileSync(again, 'utf8')).toBe(text);
    },
  );

  test.prop([validText, fc.array(mutation, { minLength: 1, maxLength: 3 })], { numRuns: 400 })(
    'a mutated or truncated file is read as a valid result or refused with a FileFormatError naming it, and is never changed',
    (text, mutations) => {
      const damaged = mutations.reduce((t, m) => (isJson(t) || m.kind === 'truncate' || m.kind === 'char' ? mutate(t, m) : t), text);
      const file = newFolder().file('result.json');
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, damaged);
      const bytes = fs.readFileSync(file);
      let result: SearchResult | undefined;
      try {
        result = readSearchResult(file);
      } catch (error) {
        expect(isLmregError(error), String(error)).toBe(true);
        expect(error).toBeInstanceOf(FileFormatError);
        expect((error as Error).message.startsWith(`${file}: `)).toBe(true);
        expect((error as Error).message).toMatch(/result\.json of lmreg search|--resume/);
      }
      expect(fs.readFileSync(file).equals(bytes)).toBe(true);
      // What the reader accepts, the writer accepts and writes back readably.
      if (result !== undefined) {
        expect(searchResultSchema.safeParse(JSON.parse(JSON.stringify(result))).success).toBe(true);
        expect(readSearchResult(writeSearchResult(newFolder(), result))).toEqual(result);
      }
    },
  );

  test.prop([validText])('parseSearchResult of any valid text equals readSearchResult of the file', (text) => {
    const file = newFolder().file('result.json');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    expect(readSearchResult(file)).toEqual(parseSearchResult(text, 'other name'));
  });
});

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
