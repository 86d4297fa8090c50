import { InvalidArchitectureError } from '@lmreg/common';
import { describe, expect, it } from 'vitest';

import type { DartsGenotype, DartsPair } from './genotype.js';
import { dartsFromNaslibCompact, dartsToNaslibCompact, type NaslibCompact } from './naslib-compact.js';
import { readCsv } from '../testing/darts-reference.js';

const rows = readCsv('nb301_naslib_zc_subset.csv');

describe("NASLib's compact NAS-Bench-301 encoding", () => {
  it('decodes all 725 naslib_compact strings to the normal/reduce columns and back', () => {
    expect(rows.length).toBe(725);
    for (const row of rows) {
      const expected = { normal: JSON.parse(row['normal'] as string) as DartsPair[], reduce: JSON.parse(row['reduce'] as string) as DartsPair[] };
      const g = dartsFromNaslibCompact(row['naslib_compact'] as string);
      expect(g).toEqual(expected);
      const compact = dartsToNaslibCompact(g);
      expect(`[${compact.map((cell) => `[${cell.map(([i, o]) => `(${i},${o})`).join(',')}]`).join(',')}]`).toBe(row['naslib_compact']);
      expect(dartsFromNaslibCompact(compact)).toEqual(g);
    }
  });

  it('refuses none and malformed input', () => {
    const g = dartsFromNaslibCompact(rows[0]?.['naslib_compact'] as string);
    const withNone: DartsGenotype = { ...g, reduce: g.reduce.map((p, i): DartsPair => (i === 5 ? ['none', 0] : p)) };
    expect(() => dartsToNaslibCompact(withNone)).toThrow(/reduce pair 5 is 'none'/);
    for (const bad of ['[[(0,7)]]', '[[(0,1)],[(0,1)]]', 'x', '', '[[("a",1)]]', '[[(0,1),(2,1)],[(0,1),(1,1)]]']) {
      expect(() => dartsFromNaslibCompact(bad)).toThrow(InvalidArchitectureError);
    }
    expect(() => dartsFromNaslibCompact([[[0, 9]], []] as unknown as NaslibCompact)).toThrow(/op index 9/);
    expect(() => dartsFromNaslibCompact(null as unknown as NaslibCompact)).toThrow(InvalidArchitectureError);
  });
});
