import { InvalidArchitectureError, InvalidArgumentError } from '@lmreg/common';
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';

import { DARTS_OPS, type DartsGenotype, type DartsPair } from './genotype.js';
import { parseDartsLikeGenotype } from './genotype-format.js';
import { dartsParamCount } from './param-count.js';
import { readCsv, readGenotypeRows } from '../testing/darts-reference.js';

const rows = readGenotypeRows().filter((r) => r.paramsNoAux !== undefined);
const nb301 = readCsv('nb301_naslib_zc_subset.csv');

describe('dartsParamCount against quark0/darts NetworkCIFAR counts in shared/data/darts', () => {
  it('covers the out-of-space genotypes too', () => {
    expect(rows.length).toBe(35);
    expect(rows.map((r) => r.name)).toEqual(expect.arrayContaining(['NASNet', 'AmoebaNet', 'ENASNet', 'LR_NAO_CIFAR10']));
  });

  it.each(rows.map((r) => [r.name, r] as const))('%s at C=36, 20 layers, with and without the auxiliary head', (_, r) => {
    const g = { normal: r.normal, normalConcat: r.normalConcat, reduce: r.reduce, reduceConcat: r.reduceConcat };
    expect(dartsParamCount(g, { auxiliary: false })).toBe(r.paramsNoAux);
    expect(dartsParamCount(g, { channels: 36, layers: 20, classes: 10, auxiliary: true })).toBe(r.paramsWithAux);
  });

  it('DARTS_V2 has the 3,349,342 parameters DARTS logs', () => {
    const g = readGenotypeRows().find((r) => r.name === 'DARTS_V2') as DartsGenotype;
    expect(dartsParamCount(g, { auxiliary: false })).toBe(3_349_342);
  });

  it('counts genotypes read by parseDartsLikeGenotype (NASNet with 5 nodes and 7x7 ops)', () => {
    const nasnet = rows.find((r) => r.name === 'NASNet');
    const text = `Genotype(normal=${JSON.stringify(nasnet?.normal)}, normal_concat=[2, 3, 4, 5, 6], reduce=${JSON.stringify(nasnet?.reduce)}, reduce_concat=[4, 5, 6])`;
    expect(dartsParamCount(parseDartsLikeGenotype(text), { auxiliary: false })).toBe(3_830_950);
  });

  it('matches all 725 NAS-Bench-301 rows at C=32/8 layers and C=36/20 layers', () => {
    expect(nb301.length).toBe(725);
    let checked = 0;
    for (const row of nb301) {
      const g = { normal: JSON.parse(row['normal'] as string) as DartsPair[], reduce: JSON.parse(row['reduce'] as string) as DartsPair[] };
      expect(dartsParamCount(g, { channels: 32, layers: 8, auxiliary: false })).toBe(Number(row['params_computed_C32_L8']));
      expect(dartsParamCount(g, { auxiliary: false })).toBe(Number(row['params_computed_C36_L20_noaux']));
      checked++;
    }
    expect(checked).toBe(725);
  });
});

describe('dartsParamCount structure', () => {
  const pairs = fc.tuple(...Array.from({ length: 8 }, (_, i) => fc.tuple(fc.constantFrom(...DARTS_OPS), fc.integer({ min: 0, max: Math.floor(i / 2) + 1 }))));
  const genotype = fc.record({ normal: pairs, reduce: pairs }) as fc.Arbitrary<DartsGenotype>;

  test.prop([genotype, fc.integer({ min: 0, max: 7 })])(
    'turning a normal-cell pool into sep_conv_3x3 adds exactly that op in all 18 normal cells',
    (g, slot) => {
      const normal = g.normal.slice();
      normal[slot] = ['max_pool_3x3', (normal[slot] as DartsPair)[1]];
      const withPool = { normal, reduce: g.reduce };
      const withConv = { normal: normal.map((p, i): DartsPair => (i === slot ? ['sep_conv_3x3', p[1]] : p)), reduce: g.reduce };
      // Normal cells: 6 at C=36, 6 at C=72, 6 at C=144.
      const sep3 = (c: number): number => 2 * (9 * c + c * c + 2 * c);
      const expected = 6 * (sep3(36) + sep3(72) + sep3(144));
      expect(dartsParamCount(withConv, { auxiliary: false }) - dartsParamCount(withPool, { auxiliary: false })).toBe(expected);
    },
  );

  test.prop([genotype, fc.integer({ min: 3, max: 30 }), fc.integer({ min: 1, max: 1000 })])(
    'the auxiliary head adds a genotype-independent amount for 4-node cells',
    (g, layers, classes) => {
      const diff = dartsParamCount(g, { layers, classes, auxiliary: true }) - dartsParamCount(g, { layers, classes, auxiliary: false });
      // C_aux = 4 * 4C after the second reduction (C = 36).
      expect(diff).toBe(576 * 128 + 256 + 128 * 768 * 4 + 1536 + 768 * classes + classes);
    },
  );

  it('refuses ops NetworkCIFAR cannot build, and bad options', () => {
    const setn = readGenotypeRows().find((r) => r.name === 'SETN') as DartsGenotype;
    expect(() => dartsParamCount(setn, { auxiliary: false })).toThrow(InvalidArchitectureError);
    expect(() => dartsParamCount(setn, { auxiliary: false })).toThrow(/normal node 3 pair 1 uses op "conv_3x1_1x3"/);
    const v2 = readGenotypeRows().find((r) => r.name === 'DARTS_V2') as DartsGenotype;
    expect(() => dartsParamCount(v2, { channels: 0, auxiliary: false })).toThrow(InvalidArgumentError);
    expect(() => dartsParamCount(v2, { channels: 36.5, auxiliary: false })).toThrow(/channels must be a positive integer/);
    expect(() => dartsParamCount(v2, {} as { auxiliary: boolean })).toThrow(/auxiliary/);
    expect(() => dartsParamCount({ normal: v2.normal, reduce: v2.reduce.slice(1) }, { auxiliary: false })).toThrow(/two per node/);
    expect(() => dartsParamCount({ ...v2, normalConcat: [2, 9] }, { auxiliary: false })).toThrow(/normalConcat/);
    expect(() => dartsParamCount(null as unknown as DartsGenotype, { auxiliary: false })).toThrow(InvalidArchitectureError);
  });
});
