import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';

import { writeSyntheticTable } from '@lmreg/train/testing';

import { createProgram } from './main.js';
import type { TableSearchReport } from './table-search-command.js';

async function run(args: string[]): Promise<TableSearchReport> {
  let out = '';
  const program = createProgram({ out: (s) => void (out += s), err: () => undefined });
  await program.parseAsync(['table-search', ...args, '--json'], { from: 'user' });
  return JSON.parse(out) as TableSearchReport;
}

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lmreg-table-search-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('lmreg table-search', () => {
  it('searches a ground-truth table folder: with a budget covering the table, every seed finds its best row', async () => {
    const dir = path.join(root, 't');
    writeSyntheticTable(dir, 25);
    const all = await run(['--table', dir, '--sampler', 'spos', '--budget', '25', '--seeds', '5', '--population', '5', '--tournament', '2']);
    expect(all.optimum).toBeGreaterThan(90);
    expect(all.mean).toBeCloseTo(all.optimum, 6);
    expect(all.std).toBeCloseTo(0, 6);
    const few = await run(['--table', dir, '--sampler', 'random', '--budget', '3', '--seeds', '30']);
    expect(few.mean).toBeLessThan(all.mean);
    expect(few).toMatchObject({ fitness: 'valid', report: 'test', budget: 3, seeds: 30 });
  });

  it('searches the bundled NAS-Bench-201 table: REA beats random search at 100 queries', async () => {
    const rea = await run(['--table', 'nb201', '--sampler', 'spos', '--seeds', '40', '--population', '10', '--tournament', '3']);
    const rs = await run(['--table', 'nb201', '--sampler', 'random', '--seeds', '40']);
    expect(rea.report).toBe('cifar10_test_200');
    expect(rea.optimum).toBeCloseTo(94.37, 1);
    expect(rea.mean).toBeGreaterThan(93.5);
    expect(rs.mean).toBeGreaterThan(93);
    expect(rea.mean).toBeGreaterThan(rs.mean);
  }, 120_000);

  it('runs samplers that train a tfjs model (nao) on the backend it names, and refuses unknown samplers before loading one', async () => {
    const dir = path.join(root, 'nao');
    writeSyntheticTable(dir, 30);
    const nao = await run(['--table', dir, '--sampler', 'nao', '--backend', 'cpu', '--budget', '25', '--seeds', '1']);
    const after = tf.memory().numTensors;
    await run(['--table', dir, '--sampler', 'nao', '--backend', 'cpu', '--budget', '25', '--seeds', '1']);
    expect(tf.memory().numTensors).toBe(after); // the search frees every tensor it makes
    expect(nao).toMatchObject({ sampler: 'nao', backend: 'cpu', budget: 25, seeds: 1 });
    expect(nao.mean).toBeGreaterThan(0);
    const spos = await run(['--table', dir, '--sampler', 'spos', '--budget', '5', '--seeds', '1']);
    expect(spos.backend).toBeNull();
    await expect(run(['--table', dir, '--sampler', 'naos'])).rejects.toThrow(/naos/);
  }, 120_000);
});
