import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { FileFormatError, InvalidArgumentError } from '@lmreg/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { SEARCH_PRESETS } from '../config/search-config.js';
import { readCpuSeconds, trainingPassRatio, tryTrainingPassRatio } from './run-cost.js';

const results = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../experiments/fmnist/results');
const config = (run: string): unknown => JSON.parse(fs.readFileSync(path.join(results, run, 'config.json'), 'utf8'));

let root = '';
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'lmreg-run-cost-'));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('trainingPassRatio', () => {
  it('gives the training passes of the fmnist cost settings (README cost table)', () => {
    const ratio = (run: string): number => trainingPassRatio(config(run) as Parameters<typeof trainingPassRatio>[0]);
    expect(ratio('spos-s0')).toBeCloseTo(2.8333333333, 9); // 1 + 11/12 * 2 * 1 * 128 / 128
    expect(ratio('cost-every-2-s1')).toBeCloseTo(1.9166666667, 9);
    expect(ratio('cost-rankbatch-64-s0')).toBeCloseTo(1.9166666667, 9);
    expect(ratio('cost-rankbatch-32-s1')).toBeCloseTo(1.4583333333, 9);
    expect(ratio('cost-last-half-s0')).toBe(2); // the term in 6 of 12 epochs
    expect(ratio('cost-none-s0')).toBe(1); // ranking.enabled: false
  });

  it('grows with pairs and ranking batch and shrinks with every and the warm-up', () => {
    const base = SEARCH_PRESETS.small;
    const r = trainingPassRatio(base);
    expect(trainingPassRatio({ ...base, ranking: { ...base.ranking, pairs: 3 } })).toBeGreaterThan(r);
    expect(trainingPassRatio({ ...base, ranking: { ...base.ranking, every: 2 } })).toBeLessThan(r);
    expect(trainingPassRatio({ ...base, warmupEpochs: base.epochs * base.rounds })).toBe(1);
  });

  it('refuses a config without the fields; tryTrainingPassRatio gives null instead', () => {
    expect(() => trainingPassRatio({ epochs: 4 } as never)).toThrow(InvalidArgumentError);
    expect(tryTrainingPassRatio({ epochs: 4 })).toBeNull();
    expect(tryTrainingPassRatio(config('cost-every-2-s0'))).toBeCloseTo(1.9166666667, 9);
  });
});

describe('readCpuSeconds', () => {
  it('sums user and system seconds over the lines of cpu-time.jsonl', () => {
    expect(readCpuSeconds(path.join(results, 'cost-default-s0'))).toBeCloseTo(116.48 + 4.04, 9);
    const dir = path.join(root, 'resumed');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'cpu-time.jsonl'), '{"userSeconds":10,"systemSeconds":1,"wallSeconds":20}\n{"userSeconds":5.5,"systemSeconds":0.5}\n');
    expect(readCpuSeconds(dir)).toBe(17);
  });

  it('is undefined without the file or with an empty one, and names the file and line of a bad line', () => {
    expect(readCpuSeconds(path.join(results, 'spos-s0'))).toBeUndefined();
    const dir = path.join(root, 'bad');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'cpu-time.jsonl'), '\n');
    expect(readCpuSeconds(dir)).toBeUndefined();
    fs.writeFileSync(path.join(dir, 'cpu-time.jsonl'), '{"userSeconds":1,"systemSeconds":1}\nCommand exited with non-zero status 1\n');
    expect(() => readCpuSeconds(dir)).toThrow(FileFormatError);
    expect(() => readCpuSeconds(dir)).toThrow(/cpu-time\.jsonl: line 2 is not JSON/);
    fs.writeFileSync(path.join(dir, 'cpu-time.jsonl'), '{"wallSeconds":3}\n');
    expect(() => readCpuSeconds(dir)).toThrow(/line 1 lacks userSeconds and systemSeconds/);
  });
});
