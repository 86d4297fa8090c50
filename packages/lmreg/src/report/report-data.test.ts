import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { FileFormatError, InvalidArgumentError } from '@lmreg/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { SEARCH_PRESETS } from '../config/search-config.js';
import { aggregateRuns, meanStd, readReportData, readRun, settingLabels } from './report-data.js';
import { writeFixtureRun } from './report-fixtures.js';

let root = '';
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'lmreg-report-data-'));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function dir(name: string): string {
  return path.join(root, name);
}

describe('meanStd', () => {
  it('gives the mean and the sample standard deviation, ignoring missing and non-finite values', () => {
    const m = meanStd([0.1, 0.2, null, 0.3, Number.NaN, undefined]);
    expect(m?.n).toBe(3);
    expect(m?.mean).toBeCloseTo(0.2, 12);
    expect(m?.std).toBeCloseTo(0.1, 12); // n-1 denominator: population std would be 0.0816
    expect(meanStd([0.42])).toEqual({ mean: 0.42, std: null, n: 1 });
    expect(meanStd([null, Number.NaN])).toBeNull();
  });
});

describe('settingLabels', () => {
  it('names only fields that differ, by leaf name unless ambiguous, and never the seed or backend', () => {
    const a = { seed: 0, backend: 'cpu', epochs: 4, ranking: { schedule: 'constant', pairs: 1 }, standalone: { epochs: 1 } };
    const b = { seed: 1, backend: 'wasm', epochs: 4, ranking: { schedule: 'cosine-increasing', pairs: 3 }, standalone: { epochs: 2 } };
    const { keys, labels } = settingLabels([a, b, a]);
    expect(keys).toEqual(['ranking.schedule', 'ranking.pairs', 'standalone.epochs']);
    expect(labels).toEqual([
      'schedule=constant pairs=1 standalone.epochs=1',
      'schedule=cosine-increasing pairs=3 standalone.epochs=2',
      'schedule=constant pairs=1 standalone.epochs=1',
    ]);
    expect(settingLabels([a, { ...a, seed: 7 }]).labels).toEqual(['', '']);
    // Different presets: the preset, then only what each run changed from its preset.
    const tiny = { ...SEARCH_PRESETS.tiny, seed: 0 };
    const small = { ...SEARCH_PRESETS.small, seed: 0, ranking: { ...SEARCH_PRESETS.small.ranking, pairs: 3 } };
    expect(settingLabels([tiny, small, SEARCH_PRESETS.small])).toMatchObject({
      labels: ['preset=tiny', 'preset=small pairs=3', 'preset=small'],
    });
    // A field older configs lack is not a setting; an optional one set in some runs only is.
    const { search: _search, ...old } = SEARCH_PRESETS.tiny;
    expect(settingLabels([old, SEARCH_PRESETS.tiny]).labels).toEqual(['', '']);
    expect(settingLabels([SEARCH_PRESETS.tiny, { ...SEARCH_PRESETS.tiny, groundTruth: '/data/gt/nb201-fmnist' }]).labels).toEqual([
      'groundTruth=unset',
      'groundTruth=nb201-fmnist',
    ]);
  });
});

describe('readReportData', () => {
  it('groups runs by sampler and variant across seeds with mean ± std, returned ground truth, rank, ceiling and cost', () => {
    const skdt = [0.3, 0.4, 0.5];
    const runs = skdt.map((s, seed) => {
      writeFixtureRun(dir(`spos-${seed}`), {
        seed,
        skdt: { baseline: s - 0.2, landmarks: s },
        returned: { baseline: [0.6 + seed / 100, 500 - seed], landmarks: [0.7 + seed / 100, 40 + seed] },
        groundTruth: { name: 'nb201-fmnist', noiseCeiling: 0.8 + seed / 100 },
        seconds: { variant: 3600 * (seed + 1), run: 3 * 3600 * (seed + 1) },
      });
      return dir(`spos-${seed}`);
    });
    writeFixtureRun(dir('gdas-0'), { sampler: 'gdas', skdt: { baseline: 0.1, landmarks: 0.25 } });
    const data = readReportData([...runs, dir('gdas-0')]);

    expect(data.settingKeys).toEqual([]);
    expect(data.groups.map((g) => g.key)).toEqual(['spos | baseline | ', 'spos | landmarks | ', 'gdas | baseline | ', 'gdas | landmarks | ']);
    const landmarks = data.groups[1]!;
    expect(landmarks.runs).toEqual(['spos-0', 'spos-1', 'spos-2']);
    expect(landmarks.seeds).toEqual([0, 1, 2]);
    expect(landmarks.skdt?.mean).toBeCloseTo(0.4, 12);
    expect(landmarks.skdt?.std).toBeCloseTo(0.1, 12);
    expect(landmarks.noiseCeiling).toBeCloseTo(0.81, 12);
    expect(landmarks.groundTruthTables).toEqual(['nb201-fmnist']);
    expect(landmarks.returned?.mean).toBeCloseTo(0.71, 12);
    expect(landmarks.returned?.best).toBeCloseTo(0.72, 12);
    expect(landmarks.bestRank).toBe(40);
    expect(data.groups[0]!.bestRank).toBe(498);
    expect(landmarks.variantHours).toBeCloseTo(2, 12);
    expect(landmarks.runHours).toBeCloseTo(6, 12);
    // Fig. 3: mean over seeds per epoch; the fixture's curve ends at each run's final S-KdT.
    expect(landmarks.skdtByEpoch.map((e) => e.epoch)).toEqual([0, 1, 2, 3]);
    expect(landmarks.skdtByEpoch.at(-1)?.mean).toBeCloseTo(0.4, 12);
    expect(landmarks.skdtByEpoch[0]?.mean).toBeCloseTo(0.1, 12);
    expect(landmarks.lambdaByEpoch.at(-1)?.mean).toBeCloseTo(10, 12);
    expect(data.groups[0]!.lambdaByEpoch.every((e) => e.mean === 0)).toBe(true);
    // Fig. 1: every held-out architecture of every run, paired with its own super-net accuracy.
    expect(landmarks.scatter).toHaveLength(3 * 8);
    const first = readRun(runs[0]!);
    expect(landmarks.scatter[0]).toEqual({
      x: first.result.variants[1]!.supernetAccuracy[0],
      y: first.result.heldOut[0]!.accuracy,
      arch: first.result.heldOut[0]!.arch,
      run: 'spos-0',
    });

    expect(landmarks.space).toBe('nb201');
    expect(landmarks.skdtReleased?.n).toBe(3); // recomputed from the held-out accuracies

    const gdas = data.groups[3]!;
    expect(gdas.skdt).toEqual({ mean: 0.25, std: null, n: 1 });
    expect(gdas.noiseCeiling).toBeNull();
    expect(gdas.label).toBe('gdas, with landmarks');
    expect(data.landmarks).toHaveLength(4 * SEARCH_PRESETS.tiny.landmarks.count);
  });

  it('makes one row per ablation setting and lists the landmarks added per round', () => {
    const dirs = [
      ['cos-0', { seed: 0 }],
      ['cos-1', { seed: 1 }],
      ['const-0', { seed: 0, ranking: { schedule: 'constant' as const } }],
      ['pairs3-0', { seed: 0, ranking: { pairs: 3 } }],
      ['rounds-0', { seed: 0, config: { rounds: 2, roundLandmarks: 2 } }],
    ] as const;
    for (const [name, options] of dirs) writeFixtureRun(dir(`ablation/${name}`), options);
    const data = readReportData(dirs.map(([name]) => dir(`ablation/${name}`)));
    expect(data.settingKeys).toEqual(['ranking.schedule', 'ranking.pairs', 'rounds']);
    const rows = data.groups.filter((g) => g.variant === 'landmarks').map((g) => [g.setting, g.runs.length]);
    expect(rows).toEqual([
      ['schedule=cosine-increasing pairs=1 rounds=1', 2],
      ['schedule=constant pairs=1 rounds=1', 1],
      ['schedule=cosine-increasing pairs=3 rounds=1', 1],
      ['schedule=cosine-increasing pairs=1 rounds=2', 1],
    ]);
    expect(data.groups).toHaveLength(8);
    expect(data.rounds).toHaveLength(2);
    expect(data.rounds.every((r) => r.run === 'rounds-0' && r.round === 0 && r.epoch === 3)).toBe(true);
    expect(data.groups.find((g) => g.variant === 'landmarks' && g.setting.endsWith('rounds=2'))?.skdtByEpoch).toHaveLength(8);
  });

  it('tells the user to finish or resume a run without result.json', () => {
    writeFixtureRun(dir('killed'), { unfinished: true });
    const error = (() => {
      try {
        readReportData([dir('killed')]);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).message).toContain(dir('killed'));
    expect((error as Error).message).toContain(`lmreg search --out ${dir('killed')} --resume`);
    expect(() => readReportData([dir('nowhere')])).toThrow(/no such run folder/);
    fs.mkdirSync(dir('empty'));
    expect(() => readReportData([dir('empty')])).toThrow(/not a search run.*--resume/);
  });

  it('rejects unreadable or incomplete result.json with a FileFormatError naming the file', () => {
    writeFixtureRun(dir('broken'));
    fs.writeFileSync(path.join(dir('broken'), 'result.json'), '{"space": "nb201", ');
    expect(() => readRun(dir('broken'))).toThrow(FileFormatError);
    fs.writeFileSync(path.join(dir('broken'), 'result.json'), JSON.stringify({ space: 'nb201', dataset: 'mnist', variants: [] }));
    // The same schema lmreg search writes with: the bad field's path and how to write the file again.
    expect(() => readRun(dir('broken'))).toThrow(
      /result\.json: is not a valid result\.json of lmreg search: .*landmarks: missing \(expected array\).*--resume/,
    );
    fs.writeFileSync(path.join(dir('broken'), 'result.json'), JSON.stringify({ epochs: 3 }));
    expect(() => readRun(dir('broken'))).toThrow(/result\.json: is not a result\.json of lmreg search/);
  });

  it('reads the committed pre-refactor runs, which have no timings: their hours are null', () => {
    const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../search/fixtures');
    const data = readReportData(['pre-refactor-spos', 'pre-refactor-gdas', 'pre-refactor-rounds'].map((n) => path.join(fixtures, n)));
    expect(data.runs.map((r) => [r.name, r.hours])).toEqual([
      ['pre-refactor-spos', null],
      ['pre-refactor-gdas', null],
      ['pre-refactor-rounds', null],
    ]);
    expect(data.groups.every((g) => g.variantHours === null && g.runHours === null)).toBe(true);
    expect(data.groups.find((g) => g.sampler === 'gdas' && g.variant === 'landmarks')?.skdt?.n).toBe(1);
    expect(data.rounds.length).toBeGreaterThan(0);
  });

  it('needs at least one run and gives duplicate folder names their parent', () => {
    expect(() => aggregateRuns([])).toThrow(InvalidArgumentError);
    writeFixtureRun(dir('a/run'));
    writeFixtureRun(dir('b/run'), { seed: 1 });
    const data = readReportData([dir('a/run'), dir('b/run')], { title: 'two' });
    expect(data.runs.map((r) => r.name)).toEqual(['a/run', 'b/run']);
    expect(data.title).toBe('two');
  });
});
