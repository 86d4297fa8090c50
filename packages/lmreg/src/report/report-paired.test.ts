import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { pairedDifference } from '../stats/paired-stats.js';
import { trainingPassRatio } from '../stats/run-cost.js';
import { skdtVariants } from '../stats/skdt-variants.js';
import { readReportData } from './report-data.js';
import { writeFixtureRun, type FixtureRunOptions } from './report-fixtures.js';
import type { ReportPaired } from './report-types.js';

let root = '';
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'lmreg-report-paired-'));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** Writes fixture runs under a fresh folder and returns their paths, in order. */
function runs(study: string, specs: readonly (readonly [string, FixtureRunOptions])[]): { dirs: string[]; written: ReturnType<typeof writeFixtureRun>[] } {
  const written = specs.map(([name, options]) => writeFixtureRun(path.join(root, study, name), options));
  return { dirs: specs.map(([name]) => path.join(root, study, name)), written };
}

/** Super-net accuracies that rank the held-out architectures well (with) or backwards (without). */
const ranking: FixtureRunOptions['supernetAccuracy'] = (variant, truth) =>
  truth.map((t, i) => (variant === 'landmarks' ? t * 0.9 + (i % 3) * 0.004 : 1 - t + (i % 2) * 0.01));

const noBaseline = (seed: number, extra: FixtureRunOptions = {}): FixtureRunOptions => ({
  seed,
  supernetAccuracy: ranking,
  ...extra,
  config: { compareBaseline: false, ...extra.config },
  ranking: { every: 2, ...extra.ranking },
});

function row(data: { paired: readonly ReportPaired[] }, run: string): ReportPaired {
  const found = data.paired.find((p) => p.pairs.some((x) => x.run === run) || p.notes.some((n) => n.includes(run)));
  if (found === undefined) throw new Error(`no paired row with ${run}`);
  return found;
}

describe('paired differences in the report', () => {
  it('pairs the two super-nets of each run by seed: with minus without, bootstrap interval and sign test over seeds', () => {
    const { dirs, written } = runs(
      'within',
      [0, 1, 2].map((seed) => [`spos-s${seed}`, { seed, supernetAccuracy: ranking }] as const),
    );
    const data = readReportData(dirs);
    expect(data.paired).toHaveLength(1);
    const p = data.paired[0]!;
    expect(p.pairs.map((x) => [x.seed, x.run, x.baselineRun])).toEqual([
      [0, 'spos-s0', 'spos-s0'],
      [1, 'spos-s1', 'spos-s1'],
      [2, 'spos-s2', 'spos-s2'],
    ]);
    const skdt = written.map(({ result }) =>
      Object.fromEntries(
        result.variants.map((v) => [
          v.name,
          skdtVariants(
            v.supernetAccuracy,
            result.heldOut.map((h) => h.accuracy),
          ),
        ]),
      ),
    );
    expect(p.pairs[1]!.with).toEqual(skdt[1]!['landmarks']);
    expect(p.pairs[1]!.without).toEqual(skdt[1]!['baseline']);
    const expected = pairedDifference(
      skdt.map((s) => s['baseline']!.binned),
      skdt.map((s) => s['landmarks']!.binned),
    );
    expect(p.binned).toEqual({ n: 3, mean: expected.mean, low: expected.ci[0], high: expected.ci[1], positive: 3, nonZero: 3, p: 0.25 });
    expect(p.binned!.mean).toBeGreaterThan(1); // backwards (about -1) to good (about +1)
    expect(p.released?.n).toBe(3);
    expect(p.passes).toBe(trainingPassRatio(written[0]!.config));
    expect(p.cpu).toBeNull();
    expect(p.notes).toEqual([]);
    // Both variants of every run, recomputed, in the runs list too.
    expect(data.runs[2]!.skdt).toEqual({ baseline: skdt[2]!['baseline'], landmarks: skdt[2]!['landmarks'] });
  });

  it("pairs a --no-baseline run with the same seed's baseline from a run that differs only in the landmark term, and says what it could not pair", () => {
    const { dirs } = runs('across', [
      ['full-s0', { seed: 0, supernetAccuracy: ranking }],
      ['full-s1', { seed: 1, supernetAccuracy: ranking }],
      ['every2-s1', noBaseline(1)],
      ['every2-s0', noBaseline(0)],
      ['every2-s2', noBaseline(2)],
      ['epochs3-s0', noBaseline(0, { config: { epochs: 3 } })],
    ]);
    const data = readReportData(dirs);
    const every2 = row(data, 'every2-s0');
    expect(every2.setting).toBe('epochs=4 every=2');
    // Labels name what a setting changes from the one most paired rows share.
    expect(data.pairedCommon).toBe('epochs=4 every=2');
    expect(data.paired.map((p) => p.label)).toEqual(['spos, every=1', 'spos', 'spos, epochs=3']);
    // Ordered by seed; each with the baseline of its own seed.
    expect(every2.pairs.map((x) => [x.seed, x.run, x.baselineRun])).toEqual([
      [0, 'every2-s0', 'full-s0'],
      [1, 'every2-s1', 'full-s1'],
    ]);
    expect(every2.notes).toEqual([
      'no baseline with the same seed, held-out architectures and config apart from the landmark term for every2-s2: add such a run (one without --no-baseline) to pair it',
    ]);
    expect(every2.binned?.n).toBe(2);
    // A different number of epochs trains a different baseline: no pair.
    const epochs3 = row(data, 'epochs3-s0');
    expect(epochs3.pairs).toEqual([]);
    expect(epochs3.binned).toBeNull();
    expect(epochs3.notes[0]).toMatch(/for epochs3-s0/);
  });

  it('takes the CPU time of runs that trained one super-net, against baseline-only runs of the same seeds', () => {
    const { dirs, written } = runs('cpu', [
      ['full-s0', { seed: 0 }],
      ['full-s1', { seed: 1 }],
      ['every2-s0', noBaseline(0, { cpuSeconds: 30 })],
      ['every2-s1', noBaseline(1, { cpuSeconds: 41 })],
      ['none-s0', { seed: 0, config: { compareBaseline: false }, ranking: { enabled: false }, cpuSeconds: 10 }],
      ['none-s1', { seed: 1, config: { compareBaseline: false }, ranking: { enabled: false }, cpuSeconds: 20 }],
      ['none-s2', { seed: 2, config: { compareBaseline: false }, ranking: { enabled: false }, cpuSeconds: 1000 }],
    ]);
    const data = readReportData(dirs);
    expect(data.paired).toHaveLength(2); // the full runs and every=2; the baseline-only runs make none
    const every2 = row(data, 'every2-s0');
    expect(every2.cpu).toEqual({ withTerm: 35.5, runs: 2, withoutTerm: 15, baselineRuns: 2, ratio: 35.5 / 15 });
    expect(every2.passes).toBe(trainingPassRatio(written[2]!.config));
    expect(every2.passes).toBeLessThan(row(data, 'full-s0').passes!);
    expect(row(data, 'full-s0').cpu).toBeNull(); // they trained both super-nets in one process
    expect(data.runs.map((r) => r.cpuSeconds)).toEqual([null, null, 30, 41, 10, 20, 1000]);
  });

  it('pairs the first run of a seed given twice and leaves out pairs whose S-KdT is undefined', () => {
    const { dirs } = runs('dup', [
      ['a-s0', { seed: 0, supernetAccuracy: ranking }],
      ['b-s0', { seed: 0 }],
      ['a-s1', { seed: 1, supernetAccuracy: (v, truth) => (v === 'landmarks' ? truth.map(() => 0.5) : truth.slice()) }],
      ['a-s2', { seed: 2, supernetAccuracy: ranking }],
    ]);
    const p = readReportData(dirs).paired[0]!;
    expect(p.pairs.map((x) => x.run)).toEqual(['a-s0', 'a-s1', 'a-s2']);
    expect(p.pairs[1]!.with).toEqual({ binned: null, released: null }); // constant super-net accuracies
    expect(p.binned?.n).toBe(2);
    expect(p.notes).toEqual([
      '1 seed has more than one run: the first of each is paired (a-s0), the others count only for CPU time (b-s0)',
      'S-KdT undefined (constant or NaN super-net accuracies), left out: a-s1',
    ]);
  });
});

describe('paired differences of the committed fmnist study', () => {
  const results = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../experiments/fmnist/results');
  // In the order of `lmreg report results/{spos,nao,gdas,cost}-* results/abl-{every-4,rankbatch-32}`.
  const all = fs.readdirSync(results).sort();
  const names = ['spos-', 'nao-', 'gdas-', 'cost-', 'abl-every-4', 'abl-rankbatch-32'].flatMap((prefix) => all.filter((n) => n.startsWith(prefix)));

  it('gives the numbers of experiments/fmnist/stats.mjs (README tables), bit for bit', () => {
    const data = readReportData(names.map((n) => path.join(results, n)));
    const at = (run: string): ReportPaired => row(data, run);
    // [mean, low, high] of the binned-tau-b gain; sign test; passes; CPU ratio, from `node experiments/fmnist/stats.mjs --json`.
    const expected: [string, number, number, number, string, number, number | null][] = [
      ['spos-s0', 0.3745040701781523, 0.2541418357454978, 0.47020558962037146, '5/5 0.0625', 2.833333333333333, 2.3218405647382925],
      ['nao-s0', 0.40219885838848357, 0.3337638353138424, 0.4928309570253761, '5/5 0.0625', 2.833333333333333, null],
      ['gdas-s0', 0.36451822230416536, 0.24863539701493326, 0.48040104759339747, '5/5 0.0625', 2.833333333333333, null],
      ['cost-every-2-s0', 0.21297856692195163, 0.1221870237938129, 0.30776655909673406, '5/5 0.0625', 1.9166666666666665, 1.990745523415978],
      ['cost-every-4-s1', 0.04687517349688848, -0.027547851388950845, 0.11276590777059418, '4/5 0.375', 1.4583333333333333, 1.6675813533057853],
      ['cost-rankbatch-64-s0', 0.3848624897708535, 0.323620873961912, 0.444832374604351, '5/5 0.0625', 1.9166666666666665, 1.7280475206611572],
      ['cost-rankbatch-32-s1', 0.2143523226562379, 0.12965746642793813, 0.29904717888453763, '5/5 0.0625', 1.4583333333333333, 1.6674737431129478],
      ['cost-last-half-s0', 0.28191968134309453, 0.24391515789964707, 0.32590440120345787, '5/5 0.0625', 2, 1.7449638429752068],
    ];
    for (const [run, m, low, high, sign, passes, cpuRatio] of expected) {
      const p = at(run);
      expect(
        p.pairs.map((x) => x.seed),
        run,
      ).toEqual([0, 1, 2, 3, 4]);
      expect([p.binned?.mean, p.binned?.low, p.binned?.high], run).toEqual([m, low, high]);
      expect(`${p.binned?.positive}/${p.binned?.nonZero} ${p.binned?.p}`, run).toBe(sign);
      expect(p.passes, run).toBeCloseTo(passes, 12);
      expect(p.cpu?.ratio ?? null, run).toBe(cpuRatio);
    }
    expect(at('nao-s0').released).toMatchObject({ mean: 0.40592191092658936, low: 0.34310768472606634, high: 0.4892641882945039 });
    expect(at('spos-s0').cpu).toEqual({ withTerm: 107.88200000000002, runs: 5, withoutTerm: 46.464, baselineRuns: 5, ratio: 2.3218405647382925 });
    // The cost runs trained no baseline of their own: each seed's comes from spos-s<seed>.
    expect(at('cost-every-2-s0').pairs.map((x) => x.baselineRun)).toEqual(['spos-s0', 'spos-s1', 'spos-s2', 'spos-s3', 'spos-s4']);
    expect(at('cost-every-4-s1').pairs[0]!.run).toBe('abl-every-4');
  });
});
