import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { FileFormatError, LmregError } from '@lmreg/common';
import { getSpace, type Nb201Arch } from '@lmreg/spaces';
import { fc, test } from '@fast-check/vitest';
import { afterAll, describe, expect, it } from 'vitest';

import { parseGroundTruthCsv, parseGroundTruthMeta } from './table-format.js';
import { finishGroundTruth, loadGroundTruthTable } from './table.js';
import { writeSyntheticTable } from '../testing/ground-truth.js';

const nb201 = getSpace<Nb201Arch>('nb201');
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lmreg-gt-format-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const tableDir = path.join(root, 'table');
writeSyntheticTable(tableDir, 6);
const csvText = fs.readFileSync(path.join(tableDir, 'table.csv'), 'utf8');
const metaText = fs.readFileSync(path.join(tableDir, 'table.json'), 'utf8');
const CSV = '/t/table.csv';
const META = '/t/table.json';

/** Runs `fn`; fails unless it returns or throws an LmregError, within `ms` milliseconds. */
function onlyLmregErrors(fn: () => unknown, ms = 2000): void {
  const start = performance.now();
  try {
    fn();
  } catch (error) {
    if (!(error instanceof LmregError)) throw new Error(`threw a raw ${(error as Error)?.name}: ${(error as Error)?.message}`, { cause: error });
  }
  expect(performance.now() - start).toBeLessThan(ms);
}

describe('table.csv', () => {
  it('refuses an empty numeric cell naming the line and column (it was read as 0)', () => {
    const lines = csvText.split('\n');
    const header = lines[0]!.split(',');
    const cells = lines[3]!.split(',');
    cells[header.indexOf('test')] = '';
    lines[3] = cells.join(',');
    expect(() => parseGroundTruthCsv(lines.join('\n'), CSV, nb201)).toThrow(FileFormatError);
    expect(() => parseGroundTruthCsv(lines.join('\n'), CSV, nb201)).toThrow(/table\.csv: line 4, column test: empty cell/);
    cells[header.indexOf('test')] = ' 0x1F';
    lines[3] = cells.join(',');
    expect(() => parseGroundTruthCsv(lines.join('\n'), CSV, nb201)).toThrow(/line 4, column test: '0x1F' is not a number/);
  });

  it('accepts CRLF line ends, also when test is the last column, and a BOM', () => {
    const lines = csvText.trim().split('\n');
    const header = lines[0]!.split(',');
    const t = header.indexOf('test');
    const moved = lines.map((l) => {
      const c = l.split(',');
      const [x] = c.splice(t, 1);
      return [...c, x].join(',');
    });
    expect(moved[0]!.endsWith(',test')).toBe(true);
    const lf = parseGroundTruthCsv(moved.join('\n') + '\n', CSV, nb201);
    const crlf = parseGroundTruthCsv('\uFEFF' + moved.join('\r\n') + '\r\n', CSV, nb201);
    expect(crlf.columns).toEqual(lf.columns);
    expect(crlf.values).toEqual(lf.values);
    expect(crlf.archs).toEqual(lf.archs);
    expect(lf.columns[lf.columns.length - 1]).toBe('test');
  });

  it('refuses missing cells, repeated architectures and an empty table', () => {
    const lines = csvText.trim().split('\n');
    expect(() => parseGroundTruthCsv([lines[0], lines[1]!.split(',').slice(0, -1).join(',')].join('\n'), CSV, nb201)).toThrow(
      /line 2 has \d+ cells, the header has/,
    );
    expect(() => parseGroundTruthCsv([lines[0], lines[1], lines[1]].join('\n'), CSV, nb201)).toThrow(/line 3 repeats the architecture of line 2/);
    expect(() => parseGroundTruthCsv(lines[0]!, CSV, nb201)).toThrow(/has no rows/);
  });

  const hostileCell = fc.oneof(
    fc.string(),
    fc.constantFrom('', ' ', '"', '""', ',', '\r', '1e999', '-Infinity', 'NaN', '0x10', '.', '-', '1,2', '"1"', '\u0000', '|'.repeat(5000)),
    fc.double().map(String),
  );
  const mutatedCsv = fc.tuple(fc.array(fc.tuple(fc.nat(), fc.nat(), hostileCell), { maxLength: 6 }), fc.boolean(), fc.nat()).map(([edits, crlf, cut]) => {
    const rows = csvText
      .trim()
      .split('\n')
      .map((l) => l.split(','));
    for (const [r, c, cell] of edits) {
      const row = rows[r % rows.length]!;
      row[c % row.length] = cell;
    }
    const text = rows.map((r) => r.join(',')).join(crlf ? '\r\n' : '\n');
    return cut % 3 === 0 ? text.slice(0, cut % (text.length + 1)) : text;
  });

  test.prop([fc.oneof(mutatedCsv, fc.string(), fc.string({ unit: 'binary', maxLength: 2000 }))], { numRuns: 400 })(
    'hostile CSV text only ever throws LmregError subclasses',
    (text) => onlyLmregErrors(() => parseGroundTruthCsv(text, CSV, nb201)),
  );

  it('a huge CSV line is refused quickly', () => {
    onlyLmregErrors(() => parseGroundTruthCsv(`arch,test\n${'"'.repeat(300_000)},1`, CSV, nb201));
    onlyLmregErrors(() => parseGroundTruthCsv(`${'x,'.repeat(200_000)}\n1`, CSV, nb201));
  });
});

describe('table.json', () => {
  it('refuses a table.json without config or noiseCeiling naming the file, the field and the fix', () => {
    const meta = JSON.parse(metaText) as Record<string, unknown>;
    for (const field of ['config', 'noiseCeiling']) {
      const { [field]: _, ...rest } = meta;
      expect(() => parseGroundTruthMeta(JSON.stringify(rest), META)).toThrow(FileFormatError);
      expect(() => parseGroundTruthMeta(JSON.stringify(rest), META)).toThrow(
        new RegExp(`table\\.json: has no field '${field}'.*lmreg ground-truth finish --out /t`),
      );
    }
    expect(() => parseGroundTruthMeta(JSON.stringify({ ...meta, config: { space: 'nb201' } }), META)).toThrow(
      /field 'config' is not a valid ground-truth config/,
    );
    expect(() => parseGroundTruthMeta('null', META)).toThrow(/must hold a JSON object/);
  });

  it('reads null noise-ceiling values (NaN written as JSON) as NaN', () => {
    const meta = JSON.parse(metaText) as Record<string, unknown>;
    const m = parseGroundTruthMeta(JSON.stringify({ ...meta, noiseCeiling: { skdt: null, kendallTau: null, spearman: null, n: 1, meanAbsDiff: null } }), META);
    expect(m.noiseCeiling.skdt).toBeNaN();
    expect(m.noiseCeiling.n).toBe(1);
  });

  it('loading the folder refuses a table.json without config with that error, not a TypeError', () => {
    const dir = path.join(root, 'no-config');
    writeSyntheticTable(dir, 4);
    const meta = JSON.parse(fs.readFileSync(path.join(dir, 'table.json'), 'utf8')) as Record<string, unknown>;
    delete meta.config;
    fs.writeFileSync(path.join(dir, 'table.json'), JSON.stringify(meta));
    expect(() => loadGroundTruthTable(dir)).toThrow(/has no field 'config'/);
  });

  const field = fc.constantFrom('name', 'config', 'command', 'version', 'backends', 'rows', 'noiseCeiling', 'columns', 'finished', 'refinished');
  const exotic = fc.oneof(fc.jsonValue(), fc.constant(null), fc.constant({ space: 'nb201' }), fc.constant({ skdt: 'x' }));
  const mutatedMeta = fc.array(fc.tuple(field, fc.option(exotic)), { maxLength: 4 }).map((edits) => {
    const meta = JSON.parse(metaText) as Record<string, unknown>;
    for (const [k, v] of edits) {
      if (v === null) delete meta[k];
      else meta[k] = v;
    }
    return JSON.stringify(meta);
  });
  test.prop(
    [
      fc.oneof(
        mutatedMeta,
        fc.jsonValue().map((v) => JSON.stringify(v)),
        fc.string(),
      ),
    ],
    { numRuns: 400 },
  )('hostile JSON text only ever throws LmregError subclasses', (text) => onlyLmregErrors(() => parseGroundTruthMeta(text, META)));
});

describe('ground-truth finish again', () => {
  it('keeps the original provenance and records the re-finish', () => {
    const dir = path.join(root, 'refinish');
    writeSyntheticTable(dir, 4); // finished with command 'synthetic test table', version 0.0.0, name 'synthetic'
    const first = JSON.parse(fs.readFileSync(path.join(dir, 'table.json'), 'utf8')) as Record<string, unknown>;
    finishGroundTruth(dir, { command: 'lmreg ground-truth finish --out <dir>', version: '0.2.0' });
    const again = finishGroundTruth(dir, { command: 'lmreg ground-truth finish --out x', version: '0.3.0' });
    expect(again.name).toBe('synthetic');
    expect(again.command).toBe('synthetic test table');
    expect(again.version).toBe('0.0.0');
    expect(again.finished).toBe(first.finished);
    expect(again.refinished?.map((r) => [r.version, r.command])).toEqual([
      ['0.2.0', 'lmreg ground-truth finish --out <dir>'],
      ['0.3.0', 'lmreg ground-truth finish --out x'],
    ]);
    expect(loadGroundTruthTable(dir).meta).toEqual(JSON.parse(JSON.stringify(again)));
  });
});
