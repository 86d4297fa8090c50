import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { FileFormatError, InvalidArgumentError } from '@lmreg/common';
import fc from 'fast-check';
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
    // A process that failed or was killed: /usr/bin/time's status line before its line is skipped, its CPU time counts.
    fs.writeFileSync(
      path.join(dir, 'cpu-time.jsonl'),
      'Command exited with non-zero status 1\n{"userSeconds":7,"systemSeconds":1}\nCommand terminated by signal 9\n{"userSeconds":2,"systemSeconds":0}\n{"userSeconds":5,"systemSeconds":1}\n',
    );
    expect(readCpuSeconds(dir)).toBe(16);
  });

  it('is undefined without the file or with an empty one, and names the file and line of a bad line', () => {
    expect(readCpuSeconds(path.join(results, 'spos-s0'))).toBeUndefined();
    const dir = path.join(root, 'bad');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'cpu-time.jsonl'), '\n');
    expect(readCpuSeconds(dir)).toBeUndefined();
    fs.writeFileSync(path.join(dir, 'cpu-time.jsonl'), '{"userSeconds":1,"systemSeconds":1}\n\nCommand exited with status 1 (not time\'s wording)\n');
    expect(() => readCpuSeconds(dir)).toThrow(FileFormatError);
    expect(() => readCpuSeconds(dir)).toThrow(/cpu-time\.jsonl: line 3 is not JSON/);
    fs.writeFileSync(path.join(dir, 'cpu-time.jsonl'), '{"wallSeconds":3}\n');
    expect(() => readCpuSeconds(dir)).toThrow(/line 1 lacks userSeconds and systemSeconds/);
  });

  it('fuzz: any file content gives a number, undefined or a FileFormatError (never another error), and leaves the file as it was', () => {
    const dir = path.join(root, 'fuzz');
    fs.mkdirSync(dir);
    const file = path.join(dir, 'cpu-time.jsonl');
    const line = fc.oneof(
      fc
        .record({ userSeconds: fc.double({ min: 0, max: 1e6, noNaN: true }), systemSeconds: fc.double({ min: 0, max: 1e6, noNaN: true }) })
        .map((v) => JSON.stringify(v)),
      fc.constantFrom('Command exited with non-zero status 1', 'Command terminated by signal 9', '', '{', 'null', '[]', '{"userSeconds":-1,"systemSeconds":0}'),
      fc.string(),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 6 }), fc.boolean(), (lines, trailingNewline) => {
        const text = lines.join('\n') + (trailingNewline ? '\n' : '');
        fs.writeFileSync(file, text);
        try {
          const total = readCpuSeconds(dir);
          if (total !== undefined) expect(total).toBeGreaterThanOrEqual(0);
        } catch (error) {
          expect(error).toBeInstanceOf(FileFormatError);
          expect((error as Error).message).toMatch(/cpu-time\.jsonl: line \d+ /);
        }
        expect(fs.readFileSync(file, 'utf8')).toBe(text);
      }),
      { numRuns: 300 },
    );
  });
});
