import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { FileFormatError, InvalidArgumentError } from '@lmreg/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { parseSearchResult, readSearchResult, searchResultSchema, writeSearchResult, type SearchResult } from './search-result.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../../../..');

/** Every committed `result.json`: the fmnist experiment's runs and this folder's pre-refactor fixtures. */
function committedResults(): string[] {
  const under = (dir: string): string[] =>
    fs
      .readdirSync(dir)
      .map((name) => path.join(dir, name, 'result.json'))
      .filter((f) => fs.existsSync(f));
  return [...under(path.join(repoRoot, 'experiments/fmnist/results')), ...under(path.join(here, 'fixtures'))];
}

let root = '';
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'lmreg-search-result-'));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const folder = (name: string): { file(n: string): string } => ({ file: (n) => path.join(root, name, n) });
const fixture = (name: string): string => fs.readFileSync(path.join(here, 'fixtures', name, 'result.json'), 'utf8');

/** The error `fn` throws (fails the test when it throws none). */
function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

/** A fixture's result with `edit` applied to its parsed JSON, as text. */
function edited(edit: (value: Record<string, unknown> & { variants: Record<string, unknown>[]; heldOut: Record<string, unknown>[] }) => void): string {
  const value = JSON.parse(fixture('pre-refactor-gdas')) as Parameters<typeof edit>[0];
  edit(value);
  return JSON.stringify(value, null, 2);
}

describe('committed result.json files', () => {
  const files = committedResults();

  it('are all found: the experiment runs and the three fixtures', () => {
    expect(files.filter((f) => f.includes(`${path.sep}fixtures${path.sep}`))).toHaveLength(3);
    expect(files.length).toBeGreaterThan(50);
  });

  it.each(files.map((f) => [path.relative(repoRoot, f), f]))('%s reads, is left untouched and writes back the same', (_name, file) => {
    const before = fs.readFileSync(file, 'utf8');
    const result = readSearchResult(file);
    expect(fs.readFileSync(file, 'utf8')).toBe(before);
    expect(result.variants.length).toBeGreaterThanOrEqual(1);
    for (const v of result.variants) expect(v.supernetAccuracy).toHaveLength(result.heldOut.length);
    const out = folder(`committed-${result.sampler}-${Math.random().toString(36).slice(2)}`);
    const written = writeSearchResult(out, result);
    expect(readSearchResult(written)).toEqual(result);
    // A file with its timings (all but the fixtures, whose `seconds` were removed) comes back byte for byte.
    if ('seconds' in (JSON.parse(before) as object)) expect(fs.readFileSync(written, 'utf8')).toBe(before);
  });
});

describe('readSearchResult', () => {
  it('reads null as NaN (JSON has no NaN) and absent timings as NaN', () => {
    const text = edited((r) => {
      r.variants[0]!['skdt'] = null;
      (r.variants[0]!['supernetAccuracy'] as unknown[])[1] = null;
    });
    const result = parseSearchResult(text, 'x/result.json');
    expect(result.variants[0]!.skdt).toBeNaN();
    expect(result.variants[0]!.supernetAccuracy[1]).toBeNaN();
    expect(result.seconds).toBeNaN(); // the fixture has no timings
    expect(result.heldOut[0]!.loss).toBeTypeOf('number');
  });

  it('names the file, says the text is damaged and how to write it again when it is not JSON', () => {
    const file = path.join(root, 'torn', 'result.json');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, fixture('pre-refactor-spos').slice(0, 500));
    const error = thrown(() => readSearchResult(file));
    expect(error).toBeInstanceOf(FileFormatError);
    expect((error as FileFormatError).file).toBe(file);
    expect(error.message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: is not valid JSON .*truncated or damaged`));
    expect(error.message).toContain(`lmreg search --out ${JSON.stringify(path.dirname(file))} --resume`);
    fs.writeFileSync(file, '  \n');
    expect(() => readSearchResult(file)).toThrow(/result\.json: is empty: the file is truncated/);
  });

  it('says when a file is not a result.json of lmreg search at all', () => {
    expect(() => parseSearchResult('[1, 2]', 'a.json')).toThrow(/^a\.json: is not a result\.json of lmreg search \(.*got an array\)/);
    expect(() => parseSearchResult('{"space": "nb201", "epochs": 3}', 'config.json')).toThrow(
      /config\.json: is not a result\.json of lmreg search .*got an object with the fields space, epochs\).*lmreg search --out DIR/,
    );
    expect(() => parseSearchResult('42', 'n.json')).toThrow(/got a number/);
    expect(() => parseSearchResult('null', 'n.json')).toThrow(/got null/);
  });

  it('lists the paths of bad or missing fields and tells to rerun with --resume', () => {
    const error = thrown(() =>
      parseSearchResult(
        edited((r) => {
          r.variants[1]!['skdt'] = 'high';
          delete r.heldOut[2]!['arch'];
        }),
        'run/result.json',
      ),
    );
    expect(error).toBeInstanceOf(FileFormatError);
    expect(error.message).toContain('run/result.json: is not a valid result.json of lmreg search: ');
    expect(error.message).toContain('heldOut[2].arch: missing (expected string)');
    expect(error.message).toContain('variants[1].skdt: expected number, received string');
    expect(error.message).toContain('lmreg search --out "run" --resume');
    expect(() =>
      parseSearchResult(
        edited((r) => void (r.variants[0]!['supernetAccuracy'] = [0.5])),
        'r.json',
      ),
    ).toThrow(/variants\[0\]\.supernetAccuracy: 1 values for 6 held-out architectures/);
    expect(() =>
      parseSearchResult(
        edited((r) => void (r.variants[1]!['name'] = 'baseline')),
        'r.json',
      ),
    ).toThrow(/variants\[1\]\.name: a second 'baseline' variant/);
    expect(() =>
      parseSearchResult(
        edited((r) => void (r['variants'] = [])),
        'r.json',
      ),
    ).toThrow(/variants: Too small/);
    const many = thrown(() =>
      parseSearchResult(
        edited((r) => r.heldOut.forEach((h) => void (h['accuracy'] = 'x'))),
        'r.json',
      ),
    );
    expect(many.message).toMatch(/heldOut\[3\]\.accuracy: expected number, received string; and 2 more\./);
  });

  it('refuses __proto__ keys instead of dropping them silently', () => {
    const text = fixture('pre-refactor-spos').replace('"space":', '"__proto__": {"polluted": 1}, "space":');
    expect(() => parseSearchResult(text, 'p.json')).toThrow(/p\.json: .*the key '__proto__', which lmreg never writes/);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('says a missing file means an unfinished run, and names other read errors', () => {
    const missing = path.join(root, 'unfinished', 'result.json');
    expect(() => readSearchResult(missing)).toThrow(FileFormatError);
    expect(() => readSearchResult(missing)).toThrow(/result\.json: does not exist: the run has not finished.*--resume/);
    fs.mkdirSync(path.join(root, 'dir', 'result.json'), { recursive: true });
    expect(() => readSearchResult(path.join(root, 'dir', 'result.json'))).toThrow(/cannot be read \(EISDIR\)/);
  });
});

describe('writeSearchResult', () => {
  it('writes what RunDir.writeJson wrote (2-space JSON and a newline), NaN as null, and reads back the same', () => {
    const result = parseSearchResult(fixture('pre-refactor-rounds'), 'f');
    const withNaN: SearchResult = { ...result, variants: result.variants.map((v, i) => (i === 0 ? { ...v, skdt: Number.NaN } : v)), seconds: 12.5 };
    const file = writeSearchResult(folder('written'), withNaN);
    expect(file).toBe(path.join(root, 'written', 'result.json'));
    const text = fs.readFileSync(file, 'utf8');
    expect(text).toBe(`${JSON.stringify(withNaN, null, 2)}\n`);
    expect(JSON.parse(text)).toMatchObject({ seconds: 12.5, variants: [{ skdt: null }, { name: 'landmarks' }] });
    expect(readSearchResult(file)).toEqual(withNaN);
    expect(fs.readdirSync(path.join(root, 'written'))).toEqual(['result.json']); // no temporary file left
  });

  it('refuses a result that the reader could not read, writing nothing', () => {
    const result = parseSearchResult(fixture('pre-refactor-spos'), 'f');
    const bad = { ...result, heldOut: result.heldOut.slice(1) };
    const error = thrown(() => writeSearchResult(folder('refused'), bad));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error.message).toMatch(/writeSearchResult: .*variants\[0\]\.supernetAccuracy: 6 values for 5 held-out architectures.*nothing was written/);
    expect(fs.existsSync(path.join(root, 'refused', 'result.json'))).toBe(false);
    expect(searchResultSchema.safeParse(JSON.parse(JSON.stringify(result))).success).toBe(true);
  });
});
