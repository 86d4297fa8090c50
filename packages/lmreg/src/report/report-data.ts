import fs from 'node:fs';
import path from 'node:path';

import { FileFormatError, InvalidArgumentError } from '@lmreg/common';
import { z } from 'zod';

import { SEARCH_PRESETS, type SearchConfig } from '../config/search-config.js';

/** A finite number, or `null` where the run wrote `NaN` (JSON has no NaN) or left it out. */
const metric = z.number().nullable().optional();

const standaloneSchema = z.looseObject({
  arch: z.string(),
  accuracy: z.number(),
  params: z.number().optional(),
});

const epochSchema = z.looseObject({
  epoch: z.number().int(),
  lambda: metric,
  skdt: metric,
  seconds: metric,
});

const proposedSchema = z.looseObject({
  arch: z.string(),
  supernetAccuracy: metric,
  groundTruth: metric,
  rank: metric,
});

const variantSchema = z.looseObject({
  name: z.enum(['baseline', 'landmarks']),
  skdt: metric,
  supernetAccuracy: z.array(z.number().nullable()),
  epochs: z.array(epochSchema),
  search: z.looseObject({ sampler: z.string(), top: z.array(proposedSchema) }).optional(),
  rounds: z
    .array(
      z.looseObject({
        round: z.number().int(),
        epoch: z.number().int().optional(),
        added: z.array(z.looseObject({ arch: z.string(), supernetAccuracy: metric, groundTruth: metric })),
      }),
    )
    .optional(),
  seconds: z.number(),
});

const resultSchema = z.looseObject({
  space: z.string(),
  dataset: z.string(),
  sampler: z.string().optional(),
  landmarks: z.array(standaloneSchema),
  heldOut: z.array(standaloneSchema),
  variants: z.array(variantSchema).min(1),
  seconds: z.number(),
  groundTruth: z
    .looseObject({
      name: z.string(),
      size: z.number(),
      noiseCeiling: z.looseObject({ skdt: metric, kendallTau: metric, spearman: metric, n: z.number().optional() }),
    })
    .optional(),
});

type ParsedResult = z.infer<typeof resultSchema>;

/** One finished search-run folder as read by {@link readRun}. */
export interface ReportRun {
  /** Absolute path of the folder. */
  readonly dir: string;
  /** Short name shown in the report: the folder's base name (made unique across runs). */
  readonly name: string;
  /** `config.json`: the resolved search config (an empty object when the folder has none). */
  readonly config: Readonly<Record<string, unknown>>;
  /** `result.json`, validated for the fields the report uses; other fields are kept. */
  readonly result: ParsedResult;
}

/** Mean and sample standard deviation (`std` is `null` for fewer than two values). */
export interface MeanStd {
  readonly mean: number;
  readonly std: number | null;
  readonly n: number;
}

/** One row of the results table: the runs of one (sampler, variant, setting) across seeds. */
export interface ReportGroup {
  /** `sampler | variant | setting`, unique. */
  readonly key: string;
  /** Legend label, e.g. `spos, with landmarks (pairs=3)`. */
  readonly label: string;
  readonly sampler: string;
  readonly variant: 'baseline' | 'landmarks';
  /** Config fields that differ between the report's runs, e.g. `schedule=constant pairs=3`; `''` when none. */
  readonly setting: string;
  /** Names of the runs in the group (seeds). */
  readonly runs: readonly string[];
  readonly seeds: readonly (number | null)[];
  /** Final S-KdT on the held-out architectures over the runs that have it; `null` when none. */
  readonly skdt: MeanStd | null;
  /** Mean noise-ceiling S-KdT of the ground-truth tables the runs used; `null` when none did. */
  readonly noiseCeiling: number | null;
  /** Names of those ground-truth tables. */
  readonly groundTruthTables: readonly string[];
  /** Ground-truth accuracy (fraction) of the architecture each search returns (`search.top[0]`). */
  readonly returned: { readonly mean: number; readonly best: number; readonly n: number } | null;
  /** Best (smallest) 1-based rank of a returned architecture in the ground-truth table. */
  readonly bestRank: number | null;
  /** Mean wall-clock hours of this variant (super-net training + search). */
  readonly variantHours: number;
  /** Mean wall-clock hours of the whole runs (all variants and stand-alone training). */
  readonly runHours: number;
  /** Mean S-KdT per epoch over the runs (Fig. 3). */
  readonly skdtByEpoch: readonly { readonly epoch: number; readonly mean: number; readonly n: number }[];
  /** Mean landmark weight lambda per epoch. */
  readonly lambdaByEpoch: readonly { readonly epoch: number; readonly mean: number }[];
  /** Held-out architectures of all runs: super-net accuracy (x) vs ground truth (y), fractions (Fig. 1). */
  readonly scatter: readonly { readonly x: number; readonly y: number; readonly arch: string; readonly run: string }[];
}

/** A landmark of a run, as trained alone before the search. */
export interface ReportLandmark {
  readonly run: string;
  readonly arch: string;
  readonly groundTruth: number;
  readonly params: number | null;
}

/** A landmark added after a round of the multi-iteration pipeline. */
export interface ReportRoundLandmark {
  readonly run: string;
  readonly setting: string;
  readonly round: number;
  readonly epoch: number | null;
  readonly arch: string;
  readonly supernetAccuracy: number | null;
  readonly groundTruth: number | null;
}

/** Everything the HTML report shows; plain JSON (it is embedded in the page as is). */
export interface ReportData {
  readonly title: string;
  readonly spaces: readonly string[];
  readonly datasets: readonly string[];
  /** Dotted config paths that differ between the runs (and make up each group's `setting`). */
  readonly settingKeys: readonly string[];
  readonly runs: readonly { readonly name: string; readonly dir: string; readonly seed: number | null; readonly setting: string; readonly hours: number }[];
  readonly groups: readonly ReportGroup[];
  readonly landmarks: readonly ReportLandmark[];
  readonly rounds: readonly ReportRoundLandmark[];
}

/** Config fields that never make a setting: they vary between seeds or machines, or have their own column. */
const IGNORED_CONFIG_KEYS = new Set(['seed', 'backend', 'dataDir', 'sampler', 'compareBaseline', 'preset']);

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
 * Reads one search-run folder (`config.json` and `result.json`, as written by `lmreg search`).
 * Throws {@link InvalidArgumentError} when the folder does not exist or the run has not finished,
 * and {@link FileFormatError} when a file is not valid JSON or lacks fields the report needs.
 */
export function readRun(dir: string): ReportRun {
  const abs = path.resolve(dir);
  if (!fs.existsSync(abs) || !fs.statSync(abs).isDirectory()) {
    throw new InvalidArgumentError(`${dir}: no such run folder. Pass folders written by \`lmreg search --out DIR\`.`);
  }
  const resultFile = path.join(abs, 'result.json');
  if (!fs.existsSync(resultFile)) {
    const started = fs.existsSync(path.join(abs, 'config.json'));
    throw new InvalidArgumentError(
      started
        ? `${dir}: the run has not finished (no result.json). Finish or resume it with \`lmreg search --out ${dir} --resume\`, or leave it out of the report.`
        : `${dir}: not a search run (no result.json, no config.json). Pass folders written by \`lmreg search --out DIR\`; an unfinished run is finished with \`lmreg search --out DIR --resume\`.`,
    );
  }
  const parsed = resultSchema.safeParse(readJsonFile(resultFile));
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new FileFormatError(resultFile, `is not a search result: ${issues.join('; ')}.`);
  }
  const configFile = path.join(abs, 'config.json');
  const config = fs.existsSync(configFile) ? readJsonFile(configFile) : {};
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new FileFormatError(configFile, 'is not a JSON object (the resolved search config).');
  }
  return { dir: abs, name: path.basename(abs), config: config as Record<string, unknown>, result: parsed.data };
}

/** Flattens nested plain objects to dotted paths: `{ranking: {pairs: 1}}` → `{'ranking.pairs': 1}`. */
function flatten(value: Readonly<Record<string, unknown>>, prefix = '', into: Map<string, unknown> = new Map()): Map<string, unknown> {
  for (const [k, v] of Object.entries(value)) {
    const key = prefix === '' ? k : `${prefix}.${k}`;
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) flatten(v as Record<string, unknown>, key, into);
    else into.set(key, v);
  }
  return into;
}

/**
 * The setting label of each config: the fields whose values differ between the configs, written
 * `leaf=value` (or `dotted.path=value` where the leaf name alone is ambiguous), in config order;
 * paths are shortened to their base name.
 * Seed, backend, data folder and sampler never count. When the runs come from different presets,
 * a label is `preset=NAME` and the differing fields that run changed from its preset's defaults.
 */
export function settingLabels(configs: readonly Readonly<Record<string, unknown>>[]): { keys: string[]; labels: string[] } {
  const flat = configs.map((c) => flatten(c));
  const allKeys: string[] = [];
  for (const f of flat) for (const k of f.keys()) if (!allKeys.includes(k)) allKeys.push(k);
  // A field every preset has but an older run's config lacks is schema evolution, not a setting;
  // an optional field (no preset default, e.g. a ground-truth table) set in some runs only is one.
  const presetKeys = new Set(flatten(SEARCH_PRESETS.small).keys());
  const differing = allKeys.filter((k) => {
    if (IGNORED_CONFIG_KEYS.has(k)) return false;
    const values = new Set(flat.filter((f) => !presetKeys.has(k) || f.has(k)).map((f) => JSON.stringify(f.get(k) ?? null)));
    return values.size > 1;
  });
  const leaf = (k: string): string => k.slice(k.lastIndexOf('.') + 1);
  const leafCount = new Map<string, number>();
  for (const k of allKeys) leafCount.set(leaf(k), (leafCount.get(leaf(k)) ?? 0) + 1);
  const name = (k: string): string => (leafCount.get(leaf(k)) === 1 ? leaf(k) : k);
  const show = (v: unknown): string => (v === undefined ? 'unset' : typeof v === 'string' ? (v.includes('/') ? path.basename(v) : v) : JSON.stringify(v));
  // Runs from different presets differ in many fields: name the preset, then only the fields each
  // run changed from its own preset's defaults.
  const presets = flat.map((f) => f.get('preset'));
  const mixedPresets = new Set(presets.map((p) => JSON.stringify(p ?? null))).size > 1;
  const defaults = presets.map((p) => (typeof p === 'string' && p in SEARCH_PRESETS ? flatten(SEARCH_PRESETS[p as SearchConfig['preset']]) : undefined));
  const labels = flat.map((f, i) => {
    const base = defaults[i];
    const keys =
      mixedPresets && base !== undefined ? differing.filter((k) => JSON.stringify(f.get(k) ?? null) !== JSON.stringify(base.get(k) ?? null)) : differing;
    const parts = keys.filter((k) => f.has(k) || !presetKeys.has(k)).map((k) => `${name(k)}=${show(f.get(k))}`);
    return (mixedPresets ? [`preset=${show(presets[i])}`, ...parts] : parts).join(' ');
  });
  return { keys: mixedPresets ? ['preset', ...differing] : differing, labels };
}

/** Mean and sample standard deviation of the finite values; `null` when there are none. */
export function meanStd(values: readonly (number | null | undefined)[]): MeanStd | null {
  const xs = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  if (xs.length === 0) return null;
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  if (xs.length < 2) return { mean, std: null, n: xs.length };
  const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1);
  return { mean, std: Math.sqrt(variance), n: xs.length };
}

function finite(v: number | null | undefined): v is number {
  return typeof v === 'number' && Number.isFinite(v);
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

/**
 * Aggregates runs into the report: one group per (sampler, variant, setting) across seeds, in the
 * order the runs were given. Pure: reads only the given objects.
 */
export function aggregateRuns(runs: readonly ReportRun[], options: { title?: string } = {}): ReportData {
  if (runs.length === 0) throw new InvalidArgumentError('report: no runs given. Pass one or more folders written by `lmreg search --out DIR`.');
  const names = uniqueNames(runs);
  const { keys, labels } = settingLabels(runs.map((r) => r.config));
  const seedOf = (r: ReportRun): number | null => (typeof r.config['seed'] === 'number' ? r.config['seed'] : null);
  const samplerOf = (r: ReportRun, v: ParsedResult['variants'][number]): string =>
    r.result.sampler ?? v.search?.sampler ?? (typeof r.config['sampler'] === 'string' ? r.config['sampler'] : 'unknown');

  interface Member {
    readonly run: ReportRun;
    readonly name: string;
    readonly variant: ParsedResult['variants'][number];
  }
  const buckets = new Map<string, { sampler: string; variant: 'baseline' | 'landmarks'; setting: string; members: Member[] }>();
  runs.forEach((run, i) => {
    for (const variant of run.result.variants) {
      const sampler = samplerOf(run, variant);
      const setting = labels[i]!;
      const key = `${sampler} | ${variant.name} | ${setting}`;
      const bucket = buckets.get(key) ?? { sampler, variant: variant.name, setting, members: [] };
      bucket.members.push({ run, name: names[i]!, variant });
      buckets.set(key, bucket);
    }
  });

  const groups: ReportGroup[] = [...buckets.entries()].map(([key, b]) => {
    const top = b.members.map((m) => m.variant.search?.top[0]);
    const truths = top.map((t) => t?.groundTruth).filter(finite);
    const ranks = top.map((t) => t?.rank).filter(finite);
    const ceilings = b.members.map((m) => m.run.result.groundTruth?.noiseCeiling.skdt).filter(finite);
    const tables = [...new Set(b.members.flatMap((m) => (m.run.result.groundTruth === undefined ? [] : [m.run.result.groundTruth.name])))];
    const mean = (xs: readonly number[]): number => xs.reduce((a, c) => a + c, 0) / Math.max(1, xs.length);
    return {
      key,
      label: `${b.sampler}, ${VARIANT_LABEL[b.variant]}${b.setting === '' ? '' : ` (${b.setting})`}`,
      sampler: b.sampler,
      variant: b.variant,
      setting: b.setting,
      runs: b.members.map((m) => m.name),
      seeds: b.members.map((m) => seedOf(m.run)),
      skdt: meanStd(b.members.map((m) => m.variant.skdt)),
      noiseCeiling: ceilings.length === 0 ? null : mean(ceilings),
      groundTruthTables: tables,
      returned: truths.length === 0 ? null : { mean: mean(truths), best: Math.max(...truths), n: truths.length },
      bestRank: ranks.length === 0 ? null : Math.min(...ranks),
      variantHours: mean(b.members.map((m) => m.variant.seconds)) / 3600,
      runHours: mean(b.members.map((m) => m.run.result.seconds)) / 3600,
      skdtByEpoch: meanByEpoch(b.members.map((m) => m.variant.epochs.map((e) => ({ epoch: e.epoch, value: e.skdt })))),
      lambdaByEpoch: meanByEpoch(b.members.map((m) => m.variant.epochs.map((e) => ({ epoch: e.epoch, value: e.lambda })))).map(({ epoch, mean: m }) => ({
        epoch,
        mean: m,
      })),
      scatter: b.members.flatMap((m) =>
        m.run.result.heldOut.flatMap((h, j) => {
          const x = m.variant.supernetAccuracy[j];
          return finite(x) ? [{ x, y: h.accuracy, arch: h.arch, run: m.name }] : [];
        }),
      ),
    };
  });

  const landmarks: ReportLandmark[] = runs.flatMap((r, i) =>
    r.result.landmarks.map((l) => ({ run: names[i]!, arch: l.arch, groundTruth: l.accuracy, params: l.params ?? null })),
  );
  const rounds: ReportRoundLandmark[] = runs.flatMap((r, i) =>
    r.result.variants
      .filter((v) => v.name === 'landmarks')
      .flatMap((v) =>
        (v.rounds ?? []).flatMap((round) =>
          round.added.map((a) => ({
            run: names[i]!,
            setting: labels[i]!,
            round: round.round,
            epoch: round.epoch ?? null,
            arch: a.arch,
            supernetAccuracy: a.supernetAccuracy ?? null,
            groundTruth: a.groundTruth ?? null,
          })),
        ),
      ),
  );
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
      seed: seedOf(r),
      setting: labels[i]!,
      hours: r.result.seconds / 3600,
    })),
    groups,
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
