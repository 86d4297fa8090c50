import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { InvalidArgumentError, InvalidArchitectureError } from '@lmreg/common';
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';

import type { Nb201Arch } from './nb201-arch.js';
import { nb201FromIndex, nb201Index } from './nb201-index.js';
import { createNb201Space, formatNb201, parseNb201 } from './nb201-space.js';

const CSV = fileURLToPath(new URL('../../../../../shared/data/nasbench201/nb201_all.csv', import.meta.url));

/** (index, arch_str) of every row of the reference table (shared/data/nasbench201/SOURCE.md). */
function readTable(): { index: number; archStr: string }[] {
  const [header = '', ...lines] = readFileSync(CSV, 'utf8').trim().split('\n');
  const cols = header.split(',');
  const i = cols.indexOf('index');
  const a = cols.indexOf('arch_str');
  return lines.map((line) => {
    const cells = line.split(',');
    return { index: Number(cells[i]), archStr: cells[a] ?? '' };
  });
}

describe('nb201 official index', () => {
  const table = readTable();

  it('reproduces the index column for all 15,625 rows, both ways', () => {
    expect(table).toHaveLength(15625);
    for (const row of table) {
      expect(nb201Index(parseNb201(row.archStr))).toBe(row.index);
      expect(formatNb201(nb201FromIndex(row.index))).toBe(row.archStr);
    }
  });

  it('anchors: index 1462 is the all-nor_conv_3x3 cell (SOURCE.md); the space exposes the same order', () => {
    expect(formatNb201(nb201FromIndex(1462))).toBe('|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|');
    const space = createNb201Space();
    expect(space.index(space.fromIndex(6111))).toBe(6111);
    expect(space.fromIndex(1462)).toEqual(nb201FromIndex(1462));
  });

  test.prop([fc.integer({ min: 0, max: 15624 })])('nb201Index(nb201FromIndex(i)) = i', (i) => {
    expect(nb201Index(nb201FromIndex(i))).toBe(i);
  });

  it.each([-1, 15625, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '3' as unknown as number])(
    'nb201FromIndex(%j) throws InvalidArgumentError naming the range',
    (i) => {
      expect(() => nb201FromIndex(i)).toThrow(InvalidArgumentError);
      expect(() => nb201FromIndex(i)).toThrow(/integer index in \[0, 15625\)/);
    },
  );

  it('nb201Index refuses an invalid cell with InvalidArchitectureError', () => {
    expect(() => nb201Index(['none'] as unknown as Nb201Arch)).toThrow(InvalidArchitectureError);
  });
});
