import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { InvalidArgumentError } from '@lmreg/common';
import { formatNb201, parseNb201 } from '@lmreg/spaces';
import { describe, expect, it } from 'vitest';

import { NB201_TABLE_COLUMNS, NB201_TABLE_MAX_ERROR, NB201_TABLE_SOURCES, nb201Table } from './index.js';

const CSV = fileURLToPath(new URL('../../../../../shared/data/nasbench201/nb201_all.csv', import.meta.url));
const GENERATOR = fileURLToPath(new URL('../../../../scripts/gen-nb201-table.mjs', import.meta.url));

const lines = readFileSync(CSV, 'utf8').trim().split('\n');
const header = (lines[0] as string).split(',');
const rows = lines.slice(1).map((line) => line.split(','));
const cell = (row: string[], name: string): string => row[header.indexOf(name)] as string;

describe('nb201Table', () => {
  it('decodes every value of every column within the stated rounding of the CSV', () => {
    expect(rows.length).toBe(15625);
    for (const column of NB201_TABLE_COLUMNS) {
      const values = nb201Table.column(column);
      let worst = 0;
      for (const row of rows) {
        const index = Number(cell(row, 'index'));
        const expected = Number(cell(row, column));
        worst = Math.max(worst, Math.abs((values[index] as number) - expected));
        expect(nb201Table.value(index, column)).toBe(values[index]);
      }
      expect(worst, column).toBeLessThanOrEqual(NB201_TABLE_MAX_ERROR);
    }
  });

  it('rows are official NB201 indices: rowOf(parse(arch_str)) = index and archAt(index) formats to arch_str', () => {
    for (const row of rows) {
      const index = Number(cell(row, 'index'));
      const arch = parseNb201(cell(row, 'arch_str'));
      expect(nb201Table.rowOf(arch)).toBe(index);
      if (index % 97 === 0) expect(formatNb201(nb201Table.archAt(index))).toBe(cell(row, 'arch_str'));
    }
    const best = parseNb201(cell(rows[6111] as string[], 'arch_str'));
    expect(nb201Table.lookup(best, 'cifar10_test_200')).toBeCloseTo(94.373333, 5);
  });

  it('matches the NB201 paper anchors (best test accuracies 94.37 / 73.51 / 47.31)', () => {
    const max = (column: (typeof NB201_TABLE_COLUMNS)[number]) => Math.max(...nb201Table.column(column));
    expect(max('cifar10_test_200')).toBeCloseTo(94.37, 2);
    expect(max('cifar100_test_200')).toBeCloseTo(73.51, 2);
    expect(max('imagenet16_test_200')).toBeCloseTo(47.31, 2);
  });

  it('states its sources for every column', () => {
    expect(NB201_TABLE_SOURCES.flatMap((s) => s.columns).sort()).toEqual([...NB201_TABLE_COLUMNS].sort());
    expect(NB201_TABLE_SOURCES.map((s) => s.license)).toEqual(['none stated (no license file in that repository)', 'MIT']);
  });

  it('rejects unknown columns and rows with typed errors', () => {
    expect(() => nb201Table.value(0, 'cifar10_val_200' as never)).toThrow(/no column "cifar10_val_200"; use one of cifar10_test_200/);
    expect(() => nb201Table.value(15625, 'cifar10_test_200')).toThrow(InvalidArgumentError);
    expect(() => nb201Table.archAt(-1)).toThrow(InvalidArgumentError);
  });

  it('is generated from the CSV by the committed script (the data file is up to date)', () => {
    const result = spawnSync(process.execPath, [GENERATOR, '--check'], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});
