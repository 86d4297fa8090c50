import { createRng, InvalidArgumentError } from '@lmreg/common';
import { getSpace, nb201Index } from '@lmreg/spaces';
import type { Nb201Arch } from '@lmreg/spaces';
import { describe, expect, it } from 'vitest';

import { createSposSampler } from '../samplers/spos.js';
import { BudgetExhaustedError } from '../sampler/errors.js';
import type { BenchmarkTable } from './benchmark-table.js';
import { searchTable } from './search-table.js';
import { createTabularOracle } from './tabular-oracle.js';

const nb201 = getSpace<Nb201Arch>('nb201');

/** A synthetic NB201 table: fitness = index / 100, report = 100 - index / 1000. */
const table: BenchmarkTable<Nb201Arch, 'fit' | 'test'> = {
  name: 'synthetic',
  space: 'nb201',
  columns: ['fit', 'test'],
  size: 15625,
  rowOf: nb201Index,
  value: (row, column) => (column === 'fit' ? row / 100 : 100 - row / 1000),
};

describe('createTabularOracle', () => {
  it('counts distinct architectures; repeats and reports are free', () => {
    const oracle = createTabularOracle(table, { fitness: 'fit', report: 'test', budget: 3 });
    const [a, b, c, d] = [1, 2, 3, 4].map((seed) => nb201.sample(createRng(seed))) as Nb201Arch[];
    expect(oracle.evaluate(a as Nb201Arch)).toBe(nb201Index(a as Nb201Arch) / 100);
    oracle.evaluate(a as Nb201Arch);
    oracle.evaluate(b as Nb201Arch);
    expect(oracle.queries).toBe(2);
    expect(oracle.report(d as Nb201Arch)).toBe(100 - nb201Index(d as Nb201Arch) / 1000);
    expect(oracle.queries).toBe(2);
    oracle.evaluate(c as Nb201Arch);
    expect(() => oracle.evaluate(d as Nb201Arch)).toThrow(BudgetExhaustedError);
    expect(() => oracle.evaluate(d as Nb201Arch)).toThrow(/budget of 3 distinct architectures is spent/);
    expect(oracle.evaluate(b as Nb201Arch)).toBe(nb201Index(b as Nb201Arch) / 100); // still free
    oracle.reset();
    expect(oracle.queries).toBe(0);
    expect(() => oracle.evaluate(d as Nb201Arch)).not.toThrow();
  });

  it('has no budget unless given one', () => {
    const oracle = createTabularOracle(table, { fitness: 'fit', report: 'test' });
    expect(oracle.budget).toBeUndefined();
    const distinct = new Set<number>();
    for (let seed = 0; seed < 500; seed++) {
      const arch = nb201.sample(createRng(seed));
      distinct.add(nb201Index(arch));
      oracle.evaluate(arch);
    }
    expect(oracle.queries).toBe(distinct.size);
  });

  it('rejects unknown columns and bad budgets, naming the choices', () => {
    expect(() => createTabularOracle(table, { fitness: 'acc' as 'fit', report: 'test' })).toThrow(
      /'fitness' must be a column of table 'synthetic' \(fit, test\)/,
    );
    expect(() => createTabularOracle(table, { fitness: 'fit', report: 'nope' as 'test' })).toThrow(InvalidArgumentError);
    expect(() => createTabularOracle(table, { fitness: 'fit', report: 'test', budget: 0 })).toThrow(/'budget' must be a positive integer/);
    expect(() => createTabularOracle(null as never, { fitness: 'fit', report: 'test' })).toThrow(InvalidArgumentError);
  });

  it('lets a sampler search the table within the oracle budget', async () => {
    const result = await searchTable(createSposSampler<Nb201Arch>({ population: 10, tournament: 3 }), table, {
      fitness: 'fit',
      report: 'test',
      budget: 100,
      seed: 1,
    });
    expect(result.queries).toBe(100);
    expect(result.fitness).toBe(nb201Index(result.arch) / 100);
    expect(result.reported).toBe(100 - nb201Index(result.arch) / 1000);
  });
});
