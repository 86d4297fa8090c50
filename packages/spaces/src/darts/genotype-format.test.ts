import { InvalidArchitectureError } from '@lmreg/common';
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';

import { DARTS_OPS, type DartsLikeGenotype } from './genotype.js';
import { formatDartsGenotype, parseDartsGenotype, parseDartsLikeGenotype } from './genotype-format.js';
import { readGenotypeRows, type GenotypeRow } from '../testing/darts-reference.js';

const rows = readGenotypeRows();
const pairRows = rows.filter((r) => r.format === 'darts_pairs');
const tripleRows = rows.filter((r) => r.format.startsWith('fairdarts_triples'));

function inSpace(r: GenotypeRow): boolean {
  const ops = [...r.normal, ...r.reduce].every(([op]) => (DARTS_OPS as readonly string[]).includes(op));
  const four = r.normal.length === 8 && r.reduce.length === 8;
  const concat = JSON.stringify(r.normalConcat) === '[2,3,4,5]' && JSON.stringify(r.reduceConcat) === '[2,3,4,5]';
  return ops && four && concat;
}

const q = (s: string, quote: string): string => `${quote}${s}${quote}`;

/** The spellings found in the genotypes.py files and logs listed in shared/data/darts/SOURCE.md. */
function spellings(r: GenotypeRow) {
  const flat = (pairs: [string, number][], quote = "'", sep = ', '): string => `[${pairs.map(([op, i]) => `(${q(op, quote)}, ${i})`).join(sep)}]`;
  const list = (c: number[]): string => `[${c.join(', ')}]`;
  const range = (c: number[]): string =>
    c.every((s, i) => i === 0 || s === (c[i - 1] as number) + 1) ? `range(${c[0]}, ${(c.at(-1) as number) + 1})` : list(c);
  const nested = (pairs: [string, number][]): string => {
    const nodes: string[] = [];
    for (let k = 0; k < pairs.length; k += 2) {
      const [a, b] = [pairs[k], pairs[k + 1]] as [[string, number], [string, number]];
      nodes.push(`    (('${a[0]}', ${a[1]}), ('${b[0]}', ${b[1]})), # step ${k / 2 + 1}`);
    }
    return `[\n${nodes.join('\n')}\n  ]`;
  };
  return {
    canonical: `Genotype(normal=${flat(r.normal)}, normal_concat=${list(r.normalConcat)}, reduce=${flat(r.reduce)}, reduce_concat=${list(r.reduceConcat)})`,
    logRange: `genotype = Genotype(normal=${flat(r.normal)}, normal_concat=${range(r.normalConcat)}, reduce=${flat(r.reduce)}, reduce_concat=${range(r.reduceConcat)})`,
    doubleQuotesTight: `${r.name}=genotypes.Genotype(normal=${flat(r.normal, '"', ',')},normal_concat=list(${range(r.normalConcat)}),reduce=${flat(r.reduce, '"', ',')},reduce_concat=${list(r.reduceConcat)})`,
    multiline: `${r.name} = Genotype(\n  normal = [\n${r.normal.map(([o, i]) => `    ('${o}', ${i}),`).join('\n')}\n  ],\n  normal_concat = ${list(r.normalConcat)},\n  reduce = [\n${r.reduce.map(([o, i]) => `    ('${o}', ${i}), # edge`).join('\n')}\n  ],\n  reduce_concat = ${list(r.reduceConcat)},\n)\n`,
    autodl: `Genotype(\n  normal=${nested(r.normal)},\n  normal_concat=${list(r.normalConcat)},\n  reduce=${nested(r.reduce)},\n  reduce_concat=${list(r.reduceConcat)},\n  connectN=None, connects=None\n)`,
    bareKeywords: `normal=${flat(r.normal)}, normal_concat=${range(r.normalConcat)}, reduce=${flat(r.reduce)}, reduce_concat=${range(r.reduceConcat)}`,
    positional: `Genotype(${flat(r.normal)}, ${list(r.normalConcat)}, ${flat(r.reduce)}, ${list(r.reduceConcat)})`,
    dict: `{"normal": ${JSON.stringify(r.normal)}, "normal_concat": ${JSON.stringify(r.normalConcat)}, "reduce": ${JSON.stringify(r.reduce)}, "reduce_concat": ${JSON.stringify(r.reduceConcat)}}`,
  };
}

/** What the strict parser must name when it refuses an out-of-space row. */
function offending(r: GenotypeRow): string {
  const bad = [...r.normal, ...r.reduce].find(([op]) => !(DARTS_OPS as readonly string[]).includes(op));
  if (bad) return `'${bad[0]}'`;
  if (r.normal.length !== 8) return `normal cell has ${r.normal.length / 2} nodes`;
  if (r.reduce.length !== 8) return `reduce cell has ${r.reduce.length / 2} nodes`;
  return r.normalConcat.length !== 4 ? 'normal_concat' : 'reduce_concat';
}

describe('parse against darts_genotypes.csv', () => {
  it('has the expected reference rows', () => {
    expect(pairRows.length).toBe(36);
    expect(pairRows.filter(inSpace).length).toBeGreaterThanOrEqual(30);
    expect(
      pairRows
        .filter((r) => !inSpace(r))
        .map((r) => r.name)
        .sort(),
    ).toEqual(['AmoebaNet', 'ENASNet', 'NASNet', 'SETN']);
  });

  it.each(pairRows.map((r) => [r.name, r] as const))('reads every spelling of %s', (_, r) => {
    for (const [spelling, text] of Object.entries(spellings(r))) {
      const loose = parseDartsLikeGenotype(text);
      expect({ spelling, ...loose }).toEqual({
        spelling,
        normal: r.normal,
        normalConcat: r.normalConcat,
        reduce: r.reduce,
        reduceConcat: r.reduceConcat,
      });
      if (inSpace(r)) {
        expect(parseDartsGenotype(text)).toEqual({ normal: r.normal, reduce: r.reduce });
      } else {
        expect(() => parseDartsGenotype(text)).toThrow(InvalidArchitectureError);
        expect(() => parseDartsGenotype(text)).toThrow(offending(r));
      }
    }
  });

  it('names the offending op or node of the genotypes outside the space', () => {
    const byName = new Map(pairRows.map((r) => [r.name, spellings(r).canonical]));
    expect(() => parseDartsGenotype(byName.get('NASNet') as string)).toThrow(/reduce node 0 pair 1 uses op 'sep_conv_7x7'/);
    expect(() => parseDartsGenotype(byName.get('AmoebaNet') as string)).toThrow(/reduce node 1 pair 1 uses op 'sep_conv_7x7'/);
    expect(() => parseDartsGenotype(byName.get('ENASNet') as string)).toThrow(/normal cell has 5 nodes .* node 4 and later/);
    expect(() => parseDartsGenotype(byName.get('SETN') as string)).toThrow(/normal node 3 pair 1 uses op 'conv_3x1_1x3'/);
  });

  it.each(tripleRows.map((r) => [r.name, r] as const))("refuses FairDARTS' sparse triples (%s)", (_, r) => {
    const cell = (t: [string, number][]): string => `[${t.map((x) => `(${x.map((y) => JSON.stringify(y)).join(', ')})`).join(', ')}]`;
    const text = `Genotype(normal=${cell(r.normal)}, normal_concat=range(2, 6), reduce=${cell(r.reduce)}, reduce_concat=range(2, 6))`;
    expect(() => parseDartsLikeGenotype(text)).toThrow(/normal node 0 pair 0 .*FairDARTS' sparse \(op, to_node, from_node\)/);
  });
});

describe('verbatim genotype text from public genotypes.py files', () => {
  // FairDARTS fairdarts/genotypes.py (identical to quark0/darts' DARTS_V2 one-liner).
  const dartsV2 =
    "Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])";
  const v2 = pairRows.find((r) => r.name === 'DARTS_V2') as GenotypeRow;

  it('formats DARTS_V2 exactly as DARTS writes it', () => {
    expect(formatDartsGenotype(parseDartsGenotype(`DARTS_V2 = ${dartsV2}\n`))).toBe(dartsV2);
    expect(formatDartsGenotype({ normal: v2.normal, reduce: v2.reduce })).toBe(dartsV2);
  });

  it("reads pdarts' irregular spacing and FairDARTS' multi-line SNAS", () => {
    const pdarts =
      "PDARTS = Genotype(normal=[('skip_connect', 0), ('dil_conv_3x3', 1), ('skip_connect', 0),('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('sep_conv_3x3', 3), ('sep_conv_3x3',0), ('dil_conv_5x5', 4)], normal_concat=range(2, 6), reduce=[('avg_pool_3x3', 0), ('sep_conv_5x5', 1), ('sep_conv_3x3', 0), ('dil_conv_5x5', 2), ('max_pool_3x3', 0), ('dil_conv_3x3', 1), ('dil_conv_3x3', 1), ('dil_conv_5x5', 3)], reduce_concat=range(2, 6))";
    const snas = `SNAS = Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1),
                        ('skip_connect', 0), ('dil_conv_3x3', 1),
                        ('skip_connect', 1), ('skip_connect', 0), 
                        ('skip_connect',0),  ('sep_conv_3x3', 1)], normal_concat=range(2, 6),
                reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1),
                 ('max_pool_3x3', 1), ('skip_connect', 2),
                 ('skip_connect', 2), ('max_pool_3x3', 1),
                 ('max_pool_3x3', 0), ('dil_conv_5x5', 2)], reduce_concat=range(2, 6))`;
    for (const [name, text] of [
      ['PDARTS', pdarts],
      ['SNAS', snas],
    ] as const) {
      const r = pairRows.find((x) => x.name === name) as GenotypeRow;
      expect(parseDartsGenotype(text)).toEqual({ normal: r.normal, reduce: r.reduce });
    }
  });

  it("reads the Landmark-Regularization repo's [normal, None, reduce, None] lists", () => {
    const g = parseDartsGenotype(
      "[[['skip_connect', 0], ['skip_connect', 1], ['skip_connect', 0], ['skip_connect', 2], ['skip_connect', 0], ['skip_connect', 2], ['skip_connect', 0], ['skip_connect', 2]], None, [['avg_pool_3x3', 0], ['avg_pool_3x3', 1], ['skip_connect', 2], ['avg_pool_3x3', 0], ['skip_connect', 3], ['avg_pool_3x3', 0], ['avg_pool_3x3', 0], ['skip_connect', 3]], None]",
    );
    expect(g.reduce[4]).toEqual(['skip_connect', 3]);
    expect(g.normal.every(([op]) => op === 'skip_connect')).toBe(true);
  });
});

describe('parse refuses malformed text with InvalidArchitectureError', () => {
  const v2 = spellings(pairRows.find((r) => r.name === 'DARTS_V2') as GenotypeRow).canonical;
  it.each([
    ['empty text', '', /empty/],
    ['unknown field', v2.replace('reduce_concat', 'reduction_concat'), /unknown genotype field 'reduction_concat'/],
    ['missing reduce', "Genotype(normal=[('skip_connect', 0), ('skip_connect', 1)])", /no 'reduce' cell/],
    ['input after its node', v2.replace("('dil_conv_3x3', 2)", "('dil_conv_3x3', 5)"), /normal node 3 pair 1 reads input 5; node 3 can only read states 0..4/],
    ['negative input', v2.replace("('sep_conv_3x3', 1)", "('sep_conv_3x3', -1)"), /normal node 0 pair 1 reads input -1/],
    ['float input', v2.replace("('sep_conv_3x3', 1)", "('sep_conv_3x3', 1.0)"), /not a plain integer/],
    ['odd pair count', "Genotype(normal=[('skip_connect', 0)], reduce=[('skip_connect', 0)])", /even/],
    ['other concat', v2.replace('normal_concat=[2, 3, 4, 5]', 'normal_concat=[2, 3, 5]'), /normal_concat is \[2, 3, 5\]/],
    ['concat past the cell', v2.replace('normal_concat=[2, 3, 4, 5]', 'normal_concat=range(2, 7)'), /normal_concat lists state 6/],
    ['unterminated string', v2.slice(0, 30), /unterminated string/],
    ['missing parenthesis', v2.slice(0, -1), /end of the text/],
    ['trailing text', `${v2} extra`, /after the genotype/],
    ['other call', v2.replace('Genotype(', 'Cell('), /expected Genotype\(\.\.\.\) but found Cell/],
    ['stray character', v2.replace('[2, 3', '[2; 3'), /unexpected character ";"/],
    ['AutoDL connects not None', `${v2.slice(0, -1)}, connects=[1])`, /connects/],
    ['op not a name', v2.replace("'skip_connect'", "'skip connect'"), /not an op name/],
  ])('%s', (_, text, message) => {
    expect(() => parseDartsGenotype(text)).toThrow(InvalidArchitectureError);
    expect(() => parseDartsGenotype(text)).toThrow(message);
  });

  it('survives deep nesting and non-strings', () => {
    expect(() => parseDartsGenotype('['.repeat(100_000))).toThrow(/nesting deeper than/);
    expect(() => parseDartsGenotype(`Genotype(normal=${'('.repeat(5000)}`)).toThrow(InvalidArchitectureError);
    for (const bad of [null, undefined, 42, {}, ['x']]) {
      expect(() => parseDartsGenotype(bad as unknown as string)).toThrow(InvalidArchitectureError);
    }
  });

  const tokens = [
    'Genotype',
    '(',
    ')',
    '[',
    ']',
    '{',
    '}',
    ',',
    '=',
    ':',
    '.',
    "'",
    '"',
    'normal',
    'reduce',
    'normal_concat',
    'range',
    'None',
    "'sep_conv_3x3'",
    '0',
    '7',
    '-1',
    '1e3',
    '#',
    '\n',
    '\\',
    'list',
    '((',
    '))',
  ];
  const onlyArchitectureErrors = (text: string): void => {
    try {
      parseDartsGenotype(text);
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidArchitectureError);
    }
  };

  test.prop([fc.array(fc.constantFrom(...tokens), { maxLength: 60 })], { numRuns: 500 })('token soup', (parts) => {
    onlyArchitectureErrors(parts.join(''));
    onlyArchitectureErrors(parts.join(' '));
  });

  test.prop([fc.integer({ min: 0, max: v2.length }), fc.integer({ min: 0, max: 8 }), fc.oneof(fc.string({ maxLength: 4 }), fc.constantFrom(...tokens))], {
    numRuns: 500,
  })('splicing junk into a valid genotype', (at, cut, junk) => {
    onlyArchitectureErrors(v2.slice(0, at) + junk + v2.slice(at + cut));
  });

  test.prop([fc.string({ unit: 'grapheme', maxLength: 200 })], { numRuns: 300 })('arbitrary unicode', (s) => {
    onlyArchitectureErrors(s);
  });
});

describe('format and parseDartsLikeGenotype round-trip', () => {
  const looseGenotype: fc.Arbitrary<DartsLikeGenotype> = fc
    .tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }))
    .chain(([nodesNormal, nodesReduce]) => {
      const op = fc.oneof(
        fc.constantFrom(...DARTS_OPS, 'sep_conv_7x7', 'conv_7x1_1x7'),
        fc.nat().map((n) => `op_${n}`),
      );
      const cell = (nodes: number): fc.Arbitrary<[string, number][]> =>
        fc.tuple(...Array.from({ length: 2 * nodes }, (_, i) => fc.tuple(op, fc.integer({ min: 0, max: Math.floor(i / 2) + 1 }))));
      const concat = (nodes: number): fc.Arbitrary<number[]> => fc.uniqueArray(fc.integer({ min: 0, max: nodes + 1 }), { minLength: 1, maxLength: nodes + 2 });
      return fc.record({
        normal: cell(nodesNormal),
        normalConcat: concat(nodesNormal),
        reduce: cell(nodesReduce),
        reduceConcat: concat(nodesReduce),
      });
    });

  test.prop([looseGenotype])('parseDartsLikeGenotype(formatDartsGenotype(g)) = g', (g) => {
    expect(parseDartsLikeGenotype(formatDartsGenotype(g))).toEqual(g);
  });
});
