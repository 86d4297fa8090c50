import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { createRng, InvalidArchitectureError } from '@lmreg/common';
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';

import { getSpace } from '../registry/registry.js';
import { NB201_OPS } from './nb201-arch.js';
import type { Nb201Arch, Nb201Op } from './nb201-arch.js';
import { createNb201Space, formatNb201, nb201Key, parseNb201 } from './nb201-space.js';

const CSV = fileURLToPath(new URL('../../../../../shared/data/nasbench201/nb201_all.csv', import.meta.url));

/** Rows of the reference table (see shared/data/nasbench201/SOURCE.md): arch_str and unique_str. */
function readTable(): { archStr: string; uniqueStr: string }[] {
  const [header = '', ...lines] = readFileSync(CSV, 'utf8').trim().split('\n');
  const cols = header.split(',');
  const a = cols.indexOf('arch_str');
  const u = cols.indexOf('unique_str');
  return lines.map((line) => {
    const cells = line.split(',');
    return { archStr: cells[a] ?? '', uniqueStr: cells[u] ?? '' };
  });
}

const table = readTable();
const space = createNb201Space();
const op = fc.constantFrom(...NB201_OPS);
const arch = fc.tuple(op, op, op, op, op, op).map((ops) => ops as Nb201Arch);

describe('nb201 against the NAS-Bench-201 table (15,625 rows)', () => {
  it('parses and re-formats every official arch_str exactly', () => {
    expect(table).toHaveLength(15625);
    for (const row of table) expect(formatNb201(parseNb201(row.archStr))).toBe(row.archStr);
  });

  it('enumerate yields exactly the 15,625 cells of the table, each once', () => {
    const all = [...space.enumerate()].map((a) => space.format(a));
    expect(new Set(all).size).toBe(15625);
    expect(new Set(all)).toEqual(new Set(table.map((r) => r.archStr)));
  });

  it('key reproduces get_unique_str on every row', () => {
    const mismatches = table.filter((r) => nb201Key(parseNb201(r.archStr)) !== r.uniqueStr);
    expect(mismatches.slice(0, 3)).toEqual([]);
  });

  it('the partition induced by key is the partition induced by unique_str (6,466 classes)', () => {
    const keyToUnique = new Map<string, Set<string>>();
    const uniqueToKey = new Map<string, Set<string>>();
    for (const r of table) {
      const k = nb201Key(parseNb201(r.archStr));
      keyToUnique.set(k, (keyToUnique.get(k) ?? new Set()).add(r.uniqueStr));
      uniqueToKey.set(r.uniqueStr, (uniqueToKey.get(r.uniqueStr) ?? new Set()).add(k));
    }
    expect(keyToUnique.size).toBe(6466);
    expect(uniqueToKey.size).toBe(6466);
    expect([...keyToUnique.values()].every((s) => s.size === 1)).toBe(true);
    expect([...uniqueToKey.values()].every((s) => s.size === 1)).toBe(true);
  });

  it("keeps the benchmark's convention that swapping nodes 1 and 2 is not an identity", () => {
    // 2<-1 is none, so nodes 1 and 2 both read node 0 only; the benchmark still tells them apart.
    const a = parseNb201('|nor_conv_3x3~0|+|nor_conv_1x1~0|none~1|+|none~0|skip_connect~1|skip_connect~2|');
    const b = parseNb201('|nor_conv_1x1~0|+|nor_conv_3x3~0|none~1|+|none~0|skip_connect~1|skip_connect~2|');
    const unique = new Map(table.map((r) => [r.archStr, r.uniqueStr]));
    expect(unique.get(formatNb201(a))).not.toBe(unique.get(formatNb201(b)));
    expect(nb201Key(a)).toBe(unique.get(formatNb201(a)));
    expect(nb201Key(b)).toBe(unique.get(formatNb201(b)));
  });
});

describe('nb201 key is invariant under the isomorphisms the benchmark identifies', () => {
  const swap = (a: Nb201Arch, i: number, j: number): Nb201Arch => {
    const out = [...a];
    [out[i], out[j]] = [out[j] as Nb201Op, out[i] as Nb201Op];
    return out as unknown as Nb201Arch;
  };

  test.prop([arch, fc.boolean(), fc.boolean()])(
    'when 1<-0 is skip_connect, node 1 equals node 0, so 2<-0/2<-1 and 3<-0/3<-1 may swap',
    (a, swapNode2, swapNode3) => {
      const base = ['skip_connect', ...a.slice(1)] as unknown as Nb201Arch;
      let b = base;
      if (swapNode2) b = swap(b, 1, 2);
      if (swapNode3) b = swap(b, 3, 4);
      expect(nb201Key(b)).toBe(nb201Key(base));
    },
  );

  test.prop([arch, op, op])('when 1<-0 is none, node 1 is zero, so the ops on 2<-1 and 3<-1 do not matter', (a, x, y) => {
    const base = ['none', ...a.slice(1)] as unknown as Nb201Arch;
    const b = [base[0], base[1], x, base[3], y, base[5]] as unknown as Nb201Arch;
    expect(nb201Key(b)).toBe(nb201Key(base));
  });
});

describe('nb201 format and parse', () => {
  test.prop([arch])('parse(format(a)) = a and format gives the official shape', (a) => {
    const s = formatNb201(a);
    expect(s).toMatch(/^\|[a-z_0-9]+~0\|\+\|[a-z_0-9]+~0\|[a-z_0-9]+~1\|\+\|[a-z_0-9]+~0\|[a-z_0-9]+~1\|[a-z_0-9]+~2\|$/);
    expect(parseNb201(s)).toEqual(a);
  });

  const good = '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|';

  it('ignores surrounding whitespace', () => {
    expect(formatNb201(parseNb201(`  ${good}\n`))).toBe(good);
  });

  it.each([
    ['an unknown op', good.replace('skip_connect', 'sep_conv_3x3'), /unknown op "sep_conv_3x3" in node 3 \(edge 3<-0\)/],
    ['a wrong input index', good.replace('nor_conv_3x3~1|+', 'nor_conv_3x3~0|+'), /wrong input index "0" in the second entry of node 2/],
    ['a missing node', good.slice(0, good.lastIndexOf('+')), /3 nodes separated by '\+'.*got 2/],
    ['an extra node', `${good}+|none~0|`, /got 4/],
    ['a node with too few entries', good.replace('|nor_conv_3x3~0|nor_conv_3x3~1|', '|nor_conv_3x3~0|'), /node 2 takes exactly 2 inputs.*got 1 entries/],
    ['a node without bars', good.replace('|nor_conv_3x3~0|+', 'nor_conv_3x3~0+'), /node 1 must be written between '\|'/],
    ['an entry without ~', good.replace('skip_connect~0', 'skip_connect'), /entry "skip_connect" of node 3 must look like 'op~0'/],
    ['the empty string', '', /3 nodes/],
  ])('names the bad part for %s', (_, text, message) => {
    expect(() => parseNb201(text)).toThrow(InvalidArchitectureError);
    expect(() => parseNb201(text)).toThrow(message);
  });

  it('refuses non-strings with an InvalidArchitectureError', () => {
    for (const bad of [null, undefined, 42, {}, ['|none~0|']]) {
      expect(() => parseNb201(bad as unknown as string)).toThrow(InvalidArchitectureError);
    }
  });
});

describe('nb201 encode, decode and mutate', () => {
  it('is registered as nb201 and nasbench201', () => {
    expect(getSpace('nasbench201')).toBe(getSpace('nb201'));
    expect(getSpace('nb201').size).toBe(15625n);
  });

  it('encodes in official op order', () => {
    const a = parseNb201('|none~0|+|skip_connect~0|nor_conv_1x1~1|+|nor_conv_3x3~0|avg_pool_3x3~1|none~2|');
    expect(space.encode(a)).toEqual([0, 1, 2, 3, 4, 0]);
  });

  it.each([
    [[0, 1, 2, 3, 4], /exactly 6 op indices/],
    [[0, 1, 2, 3, 4, 5], /edge 3<-2 has op index 5/],
    [[0, 1.5, 2, 3, 4, 0], /edge 2<-0 has op index 1.5/],
    [[0, 1, Number.NaN, 3, 4, 0], /edge 2<-1 has op index NaN/],
    [[0, 1, 2, -1, 4, 0], /edge 3<-0/],
  ])('decode(%j) names the bad element', (v, message) => {
    expect(() => space.decode(v)).toThrow(message);
  });

  it('encode rejects a hand-built cell with an unknown op, naming the edge', () => {
    const bad = ['none', 'none', 'conv_5x5', 'none', 'none', 'none'] as unknown as Nb201Arch;
    expect(() => space.encode(bad)).toThrow(/edge 2<-1 has unknown op "conv_5x5"/);
    expect(() => space.encode(['none'] as unknown as Nb201Arch)).toThrow(/exactly 6 edges/);
  });

  test.prop([arch, fc.integer()])('mutate changes exactly one edge to a different op', (a, seed) => {
    const b = space.mutate(a, createRng(seed));
    const changed = a.map((x, k) => x !== b[k]).filter(Boolean).length;
    expect(changed).toBe(1);
    expect(space.distance(a, b)).toBe(1);
  });

  it('mutate reaches every one of the 24 neighbours', () => {
    const a = parseNb201('|none~0|+|skip_connect~0|nor_conv_1x1~1|+|nor_conv_3x3~0|avg_pool_3x3~1|none~2|');
    const rng = createRng(7);
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) seen.add(formatNb201(space.mutate(a, rng)));
    expect(seen.size).toBe(24);
  });
});
