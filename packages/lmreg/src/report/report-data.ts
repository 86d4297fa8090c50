import fs from 'node:fs';
import path from 'node:path';

import { FileFormatError, InvalidArgumentError } from '@lmreg/common';

import { readCpuSeconds } from '../stats/run-cost.js';
import { readSearchResult, SEARCH_RESULT_FILE, type SearchResult } from '../search/search-result.js';
import { pairedComparisons, variantSkdt, type PairingRun } from './report-paired.js';
import { finite, meanStd, orNull, settingLabels } from './report-settings.js';
import type { ReportData, ReportGroup, ReportLandmark, ReportRoundLandmark, ReportRun } from './report-types.js';

export { meanStd, settingLabels } from './report-settings.js';
export type {
  MeanStd,
  PairedSummary,
  ReportData,
  ReportGroup,
  ReportLandmark,
  ReportPair,
  ReportPaired,
  ReportRoundLandmark,
  ReportRun,
  ReportRunSummary,
  SkdtPair,
} from './report-types.js';

function readJsonFile(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
  } catch (cause) {
    throw new FileFormatError(file, 'is not valid JSON. The run may have been killed while writing it; resume it with `lmreg search --out DIR --resume`.', {
      cause,
    });
  }
}

/**
 * Reads one search-run folder (`config.json` and `result.json`, as written by `lmreg search`, and
 * `cpu-time.jsonl` when there is one). `result.json` goes through `readSearchResult`, the schema
 * `lmreg search` writes with.
 * Throws {@link InvalidArgumentError} when the folder does not exist or the run has not finished,
 * and {@link FileFormatError} when a file is not valid JSON or not what `lmreg search` writes.
 */
export function readRun(dir: string): ReportRun {
  const abs = path.resolve(dir);
  if (!fs.existsSync(abs) || !fs.statSync(abs).isDirectory()) {
    throw new InvalidArgumentError(`${dir}: no such run folder. Pass folders written by \`lmreg search --out DIR\`.`);
  }
  const resultFile = path.join(abs, SEARCH_RESULT_FILE);
  if (!fs.existsSync(resultFile)) {
    const started = fs.existsSync(path.join(abs, 'config.json'));
    throw new InvalidArgumentError(
      started
        ? `${dir}: the run has not finished (no result.json). Finish or resume it with \`lmreg search --out ${dir} --resume\`, or leave it out of the report.`
        : `${dir}: not a search run (no result.json, no config.json). Pass folders written by \`lmreg search --out DIR\`; an unfinished run is finished with \`lmreg search --out DIR --resume\`.`,
    );
  }
  const result = readSearchResult(resultFile);
  const configFile = path.join(abs, 'config.json');
  const config = fs.existsSync(configFile) ? readJsonFile(configFile) : {};
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new FileFormatError(configFile, 'is not a JSON object (the resolved search config).');
  }
  const cpuSeconds = readCpuSeconds(abs);
  return { dir: abs, name: path.basename(abs), config: config as Record<string, unknown>, result, ...(cpuSeconds === undefined ? {} : { cpuSeconds }) };
}

function meanByEpoch(series: readonly { epoch: number; value: number | null | undefined }[][]): { epoch: number; mean: number; n: number }[] {
  const sums = new Map<number, { sum: number; n: number }>();
  for (const s of series) {
    for (const { epoch, value } of s) {
      if (!finite(value)) continue;
      const acc = sums.get(epoch) ?? { sum: 0, n: 0 };
      acc.sum += value;
      acc.n += 1;
      sums.set(epoch, acc);
    }
  }
  return [...sums.entries()].sort((a, b) => a[0] - b[0]).map(([epoch, { sum, n }]) => ({ epoch, mean: sum / n, n }));
}

function uniqueNames(runs: readonly ReportRun[]): string[] {
  const count = <T>(xs: readonly T[], x: T): number => xs.filter((y) => y === x).length;
  const base = runs.map((r) => r.name);
  const withParent = runs.map((r, i) => (count(base, r.name) > 1 ? `${path.basename(path.dirname(r.dir))}/${r.name}` : base[i]!));
  return withParent.map((n, i) => (count(withParent, n) > 1 ? `${n}#${i + 1}` : n));
}

const VARIANT_LABEL = { baseline: 'without landmarks', landmarks: 'with landmarks' } as const;

/** Mean of the finite values, `null` when there are none. */
function meanOf(values: readonly (number | null | undefined)[]): number | null {
  return meanStd(values)?.mean ?? null;
}

/**
 * Aggregates runs into the report: one group per (sampler, variant, setting) across seeds, in the
 * order the runs were given, and the paired differences with minus without landmarks per
 * (sampler, setting). Pure: reads only the given objects.
 */
export function aggregateRuns(runs: readonly ReportRun[], options: { title?: string } = {}): ReportData {
  if (runs.length === 0) throw new InvalidArgumentError('report: no runs given. Pass one or more folders written by `lmreg search --out DIR`.');
  const names = uniqueNames(runs);
  const { keys, labels } = settingLabels(runs.map((r) => r.config));
  const seedOf = (r: ReportRun): number | null => (typeof r.config['seed'] === 'number' ? r.config['seed'] : null);

  interface Member {
    readonly run: ReportRun;
    readonly name: string;
    readonly variant: SearchResult['variants'][number];
  }
  const buckets = new Map<string, { sampler: string; variant: 'baseline' | 'landmarks'; setting: string; members: Member[] }>();
  runs.forEach((run, i) => {
    for (const variant of run.result.variants) {
      const sampler = run.result.sampler;
      const setting = labels[i]!;
      const key = `${sampler} | ${variant.name} | ${setting}`;
      const bucket = buckets.get(key) ?? { sampler, variant: variant.name, setting, members: [] };
      bucket.members.push({ run, name: names[i]!, variant });
      buckets.set(key, bucket);
    }
  });

  const groups: ReportGroup[] = [...buckets.entries()].map(([key, b]) => {
    const top = b.members.map((m) => m.variant.search.top[0]);
    const truths = top.map((t) => t?.groundTruth).filter(finite);
    const ranks = top.map((t) => t?.rank).filter(finite);
    const tables = [...new Set(b.members.flatMap((m) => (m.run.result.groundTruth === undefined ? [] : [m.run.result.groundTruth.name])))];
    const hours = (seconds: readonly number[]): number | null => {
      const m = meanOf(seconds);
      return m === null ? null : m / 3600;
    };
    return {
      key,
      label: `${b.sampler}, ${VARIANT_LABEL[b.variant]}${b.setting === '' ? '' : ` (${b.setting})`}`,
      sampler: b.sampler,
      space: b.members[0]!.run.result.space,
      variant: b.variant,
      setting: b.setting,
      runs: b.members.map((m) => m.name),
      seeds: b.members.map((m) => seedOf(m.run)),
      skdt: meanStd(b.members.map((m) => m.variant.skdt)),
      skdtReleased: meanStd(b.members.map((m) => variantSkdt(m.run.result, b.variant)?.released)),
      noiseCeiling: meanOf(b.members.map((m) => m.run.result.groundTruth?.noiseCeiling.skdt)),
      groundTruthTables: tables,
      returned: truths.length === 0 ? null : { mean: truths.reduce((a, c) => a + c, 0) / truths.length, best: Math.max(...truths), n: truths.length },
      bestRank: ranks.length === 0 ? null : Math.min(...ranks),
      variantHours: hours(b.members.map((m) => m.variant.seconds)),
      runHours: hours(b.members.map((m) => m.run.result.seconds)),
      skdtByEpoch: meanByEpoch(b.members.map((m) => m.variant.epochs.map((e) => ({ epoch: e.epoch, value: e.skdt })))),
      lambdaByEpoch: meanByEpoch(b.members.map((m) => m.variant.epochs.map((e) => ({ epoch: e.epoch, value: e.lambda })))).map(({ epoch, mean: m }) => ({
        epoch,
        mean: m,
      })),
      scatter: b.members.flatMap((m) =>
        m.run.result.heldOut.flatMap((h, j) => {
          const x = m.variant.supernetAccuracy[j];
          return finite(x) && finite(h.accuracy) ? [{ x, y: h.accuracy, arch: h.arch, run: m.name }] : [];
        }),
      ),
    };
  });

  const landmarks: ReportLandmark[] = runs.flatMap((r, i) =>
    r.result.landmarks.map((l) => ({ run: names[i]!, arch: l.arch, groundTruth: orNull(l.accuracy), params: l.params })),
  );
  const rounds: ReportRoundLandmark[] = runs.flatMap((r, i) =>
    r.result.variants
      .filter((v) => v.name === 'landmarks')
      .flatMap((v) =>
        v.rounds.flatMap((round) =>
          round.added.map((a) => ({
            run: names[i]!,
            setting: labels[i]!,
            round: round.round,
            epoch: round.epoch,
            arch: a.arch,
            supernetAccuracy: orNull(a.supernetAccuracy),
            groundTruth: orNull(a.groundTruth),
          })),
        ),
      ),
  );
  const pairing: PairingRun[] = runs.map((run, i) => ({ run, name: names[i]!, setting: labels[i]!, sampler: run.result.sampler, seed: seedOf(run) }));
  const { paired, common } = pairedComparisons(pairing);
  const spaces = [...new Set(runs.map((r) => r.result.space))];
  const datasets = [...new Set(runs.map((r) => r.result.dataset))];
  return {
    title: options.title ?? `lmreg report: ${spaces.join(', ')} on ${datasets.join(', ')} (${runs.length} run${runs.length === 1 ? '' : 's'})`,
    spaces,
    datasets,
    settingKeys: keys,
    runs: runs.map((r, i) => ({
      name: names[i]!,
      dir: path.relative(process.cwd(), r.dir) || '.',
      sampler: r.result.sampler,
      space: r.result.space,
      seed: seedOf(r),
      setting: labels[i]!,
      hours: finite(r.result.seconds) ? r.result.seconds / 3600 : null,
      cpuSeconds: r.cpuSeconds ?? null,
      skdt: { baseline: variantSkdt(r.result, 'baseline'), landmarks: variantSkdt(r.result, 'landmarks') },
    })),
    groups,
    paired,
    pairedCommon: common,
    landmarks,
    rounds,
  };
}

/** Reads the run folders and aggregates them ({@link readRun}, {@link aggregateRuns}). */
export function readReportData(dirs: readonly string[], options: { title?: string } = {}): ReportData {
  return aggregateRuns(
    dirs.map((d) => readRun(d)),
    options,
  );
}
