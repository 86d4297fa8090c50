import path from 'node:path';

import { SEARCH_PRESETS, type SearchConfig } from '../config/search-config.js';
import type { MeanStd } from './report-types.js';

/** Config fields that never make a setting: they vary between seeds or machines, or have their own column. */
const IGNORED_CONFIG_KEYS = new Set(['seed', 'backend', 'dataDir', 'sampler', 'compareBaseline', 'preset']);

/**
 * Config fields (dotted prefixes) that only change the landmark term: a baseline super-net trains
 * the same without them, so a run with the term pairs with any baseline that matches it elsewhere.
 */
const LANDMARK_TERM_KEYS = ['ranking', 'warmupEpochs', 'roundLandmarks'];

/** Flattens nested plain objects to dotted paths: `{ranking: {pairs: 1}}` → `{'ranking.pairs': 1}`. */
export function flatten(value: Readonly<Record<string, unknown>>, prefix = '', into: Map<string, unknown> = new Map()): Map<string, unknown> {
  for (const [k, v] of Object.entries(value)) {
    const key = prefix === '' ? k : `${prefix}.${k}`;
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) flatten(v as Record<string, unknown>, key, into);
    else into.set(key, v);
  }
  return into;
}

/**
 * What a baseline super-net of a run depends on: its config without the seed, the machine, the
 * sampler (compared on its own) and the fields of the landmark term. Two runs with equal keys and
 * seeds train the same baseline.
 */
export function baselineConfigKey(config: Readonly<Record<string, unknown>>): string {
  const entries = [...flatten(config).entries()].filter(
    ([k]) => !IGNORED_CONFIG_KEYS.has(k) && !LANDMARK_TERM_KEYS.some((p) => k === p || k.startsWith(`${p}.`)),
  );
  return JSON.stringify(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Names a dotted config path by its leaf (`every`), or in full where the leaf is ambiguous among `allKeys` (`ranking.batchSize`). */
function fieldNamer(allKeys: readonly string[]): (key: string) => string {
  const leaf = (k: string): string => k.slice(k.lastIndexOf('.') + 1);
  const leafCount = new Map<string, number>();
  for (const k of allKeys) leafCount.set(leaf(k), (leafCount.get(leaf(k)) ?? 0) + 1);
  return (k) => (leafCount.get(leaf(k)) === 1 ? leaf(k) : k);
}

/** A config value in a label: paths by their base name, `unset` for a missing field. */
function showValue(v: unknown): string {
  return v === undefined ? 'unset' : typeof v === 'string' ? (v.includes('/') ? path.basename(v) : v) : JSON.stringify(v);
}

/**
 * Short labels for configs that mostly agree (the settings of one study). For each field that
 * differs between them (as in {@link settingLabels}), the most common value (the earliest on a
 * tie) makes the common setting; each config is labelled with only the fields where it departs
 * from it, `''` when it has the common setting.
 */
export function variationLabels(configs: readonly Readonly<Record<string, unknown>>[]): { common: string; labels: string[] } {
  const { keys } = settingLabels(configs);
  const flat = configs.map((c) => flatten(c));
  const allKeys: string[] = [];
  for (const f of flat) for (const k of f.keys()) if (!allKeys.includes(k)) allKeys.push(k);
  const name = fieldNamer(allKeys);
  const common = new Map<string, string>();
  for (const k of keys) {
    const counts = new Map<string, number>();
    for (const f of flat) counts.set(JSON.stringify(f.get(k) ?? null), (counts.get(JSON.stringify(f.get(k) ?? null)) ?? 0) + 1);
    const top = Math.max(...counts.values());
    common.set(k, [...counts.entries()].find(([, n]) => n === top)![0]);
  }
  return {
    common: keys.map((k) => `${name(k)}=${showValue(JSON.parse(common.get(k)!) ?? undefined)}`).join(' '),
    labels: flat.map((f) =>
      keys
        .filter((k) => JSON.stringify(f.get(k) ?? null) !== common.get(k))
        .map((k) => `${name(k)}=${showValue(f.get(k))}`)
        .join(' '),
    ),
  };
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
  const name = fieldNamer(allKeys);
  // Runs from different presets differ in many fields: name the preset, then only the fields each
  // run changed from its own preset's defaults.
  const presets = flat.map((f) => f.get('preset'));
  const mixedPresets = new Set(presets.map((p) => JSON.stringify(p ?? null))).size > 1;
  const defaults = presets.map((p) => (typeof p === 'string' && p in SEARCH_PRESETS ? flatten(SEARCH_PRESETS[p as SearchConfig['preset']]) : undefined));
  const labels = flat.map((f, i) => {
    const base = defaults[i];
    const keys =
      mixedPresets && base !== undefined ? differing.filter((k) => JSON.stringify(f.get(k) ?? null) !== JSON.stringify(base.get(k) ?? null)) : differing;
    const parts = keys.filter((k) => f.has(k) || !presetKeys.has(k)).map((k) => `${name(k)}=${showValue(f.get(k))}`);
    return (mixedPresets ? [`preset=${showValue(presets[i])}`, ...parts] : parts).join(' ');
  });
  return { keys: mixedPresets ? ['preset', ...differing] : differing, labels };
}

/** True for a finite number. */
export function finite(v: number | null | undefined): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** Mean and sample standard deviation of the finite values; `null` when there are none. */
export function meanStd(values: readonly (number | null | undefined)[]): MeanStd | null {
  const xs = values.filter(finite);
  if (xs.length === 0) return null;
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  if (xs.length < 2) return { mean, std: null, n: xs.length };
  const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1);
  return { mean, std: Math.sqrt(variance), n: xs.length };
}

/** A finite number, or `null` (for the JSON embedded in the page, which has no NaN). */
export function orNull(x: number | null | undefined): number | null {
  return finite(x) ? x : null;
}
