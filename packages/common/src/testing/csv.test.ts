import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';

import { FileFormatError } from '../errors/lmreg-error.js';
import { parseCsv } from './csv.js';

/** RFC 4180 writing of one field. */
const cell = (s: string): string => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

describe('parseCsv', () => {
  it('reads quoted fields, doubled quotes, CRLF and skips blank lines', () => {
    expect(parseCsv('a,b\r\n1,"x, ""y"""\r\n\r\n"2\nz",\n')).toEqual([
      { a: '1', b: 'x, "y"' },
      { a: '2\nz', b: '' },
    ]);
    expect(parseCsv('a,b\n3,4')).toEqual([{ a: '3', b: '4' }]);
  });

  it('refuses text without a header and rows of another width, naming the source', () => {
    expect(() => parseCsv('\n\n', 'empty.csv')).toThrow(FileFormatError);
    expect(() => parseCsv('a,b\n1,2,3\n', 'wide.csv')).toThrow(/wide.csv: row 1 has 3 fields, the header 2/);
  });

  test.prop([fc.uniqueArray(fc.string({ minLength: 1 }), { minLength: 1, maxLength: 4 }), fc.array(fc.array(fc.string()), { maxLength: 6 })])(
    'round-trips what an RFC 4180 writer wrote (rows that are not all empty)',
    (header, cells) => {
      const rows = cells.map((r) => header.map((_, k) => r[k] ?? '')).filter((r) => r.some((f) => f !== ''));
      const text = [header, ...rows].map((r) => r.map(cell).join(',')).join('\r\n');
      expect(parseCsv(text)).toEqual(rows.map((r) => Object.fromEntries(header.map((h, k) => [h, r[k]]))));
    },
  );
});
