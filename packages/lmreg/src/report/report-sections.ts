import { DASH, escapeHtml, fixed, formatMeanStd, pct, table } from './report-format.js';
import type { PairedSummary, ReportData, ReportGroup, ReportPaired, SkdtPair } from './report-types.js';

// The report's sections on the two S-KdT variants, the paired differences, their cost and the
// DARTS space (issue 17, section 4).

/** Canvas ids of the cost charts (left out when no paired setting has the figure). */
export const COST_CHART_IDS = { passes: 'chart-cost-passes', cpu: 'chart-cost-cpu' } as const;

/** The search space whose runs get a section of their own. */
export const DARTS_SPACE = 'darts';

const VARIANT_TEXT = { baseline: 'without landmarks', landmarks: 'with landmarks' } as const;

/** `0.375 [0.254, 0.470]`: mean and 95 % bootstrap interval (HTML: the interval never breaks). */
export function formatInterval(s: PairedSummary | null, digits = 3): string {
  return s === null ? DASH : `${s.mean.toFixed(digits)} <span class="nowrap">[${s.low.toFixed(digits)}, ${s.high.toFixed(digits)}]</span>`;
}

/** `5/5, p = 0.0625`: pairs improved and the sign test (HTML). */
export function formatSign(s: PairedSummary | null): string {
  return s === null ? DASH : `${s.positive}/${s.nonZero}, <span class="nowrap">p = ${s.p.toFixed(4)}</span>`;
}

function seedList(seeds: readonly number[]): string {
  const contiguous = seeds.length > 2 && seeds.every((s, i) => i === 0 || s === seeds[i - 1]! + 1);
  return contiguous ? `${seeds[0]}–${seeds.at(-1)}` : seeds.join(', ');
}

function meanOver(pairs: ReportPaired['pairs'], pick: (p: ReportPaired['pairs'][number]) => number | null): string {
  const xs = pairs.map(pick).filter((x): x is number => x !== null);
  if (xs.length === 0) return DASH;
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const std = xs.length < 2 ? null : Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
  return `<span class="nowrap">${formatMeanStd({ mean: m, std, n: xs.length })}</span>`;
}

/** (b) and (c): paired differences with minus without landmarks per method and setting, and their cost. */
export function pairedSection(data: ReportData): string {
  const rows = data.paired;
  const intro =
    '<p class="note">For each method and setting: S-KdT of the super-net with the landmark term minus that of the baseline super-net with the same seed (the same run, or a run with the same config apart from the landmark term), over seeds. Interval: 95 % percentile bootstrap of the mean over seeds (10,000 resamples, seeded); p: exact two-sided sign test (ties dropped). S-KdT recomputed from the held-out accuracies, in the default variant (binned-tau-b) and as the authors\u2019 code computes it (released-code). Passes: images through forward and backward relative to the baseline; CPU: user + system seconds of runs that trained only that super-net (cpu-time.jsonl).</p>';
  if (rows.length === 0) return `${intro}\n<p class="empty">No run trained a super-net with landmarks.</p>`;
  const hasSetting = rows.some((p) => p.change !== '');
  const hasCpu = rows.some((p) => p.cpu !== null);
  const head = [
    hasSetting ? 'method, setting' : 'method',
    'seeds',
    'S-KdT without',
    'S-KdT with',
    'gain (95 % CI)',
    'improved, sign test',
    'gain, released-code',
    'sign test, released-code',
    'training passes',
    ...(hasCpu ? ['CPU s with / without (ratio)'] : []),
  ];
  const body = rows.map((p) => {
    const cpu =
      p.cpu === null
        ? DASH
        : `<span class="nowrap">${p.cpu.withTerm.toFixed(0)} / ${p.cpu.withoutTerm === null ? DASH : p.cpu.withoutTerm.toFixed(0)}</span> (${fixed(p.cpu.ratio, 2)})`;
    return [
      escapeHtml(p.label),
      p.pairs.length === 0 ? '0' : `${seedList(p.pairs.map((x) => x.seed))} (${p.pairs.length})`,
      meanOver(p.pairs, (x) => x.without.binned),
      meanOver(p.pairs, (x) => x.with.binned),
      formatInterval(p.binned),
      formatSign(p.binned),
      formatInterval(p.released),
      formatSign(p.released),
      p.passes === null ? DASH : `${p.passes.toFixed(2)}x`,
      ...(hasCpu ? [cpu] : []),
    ];
  });
  const notes = rows.flatMap((p) => p.notes.map((n) => `<li>${escapeHtml(p.label)}: ${escapeHtml(n)}</li>`));
  const hasPasses = rows.some((p) => p.binned !== null && p.passes !== null);
  const hasCpuRatio = rows.some((p) => p.binned !== null && p.cpu?.ratio != null);
  const common =
    hasSetting && data.pairedCommon !== ''
      ? `<p class="note">Setting: what a row changes from the setting most rows share (${escapeHtml(data.pairedCommon)}); a row without one has that setting. Hover a row for its full setting.</p>`
      : '';
  return [
    intro,
    common,
    table('paired', head, body, { textColumns: 1, rowTitle: (i) => rows[i]!.setting }),
    notes.length === 0 ? '' : `<ul class="note">${notes.join('\n')}</ul>`,
    '<h3>Cost of the landmark term</h3>',
    '<p class="note">S-KdT gain (mean over seeds, bars: 95 % bootstrap interval) against the extra training. Grey cross: the baseline. Points at the same x are spread slightly apart; the tooltip gives the exact value.</p>',
    hasPasses
      ? `<div class="chart"><canvas id="${COST_CHART_IDS.passes}" width="880" height="${420 + 11 * Math.max(0, rows.length - 6)}"></canvas></div>`
      : '<p class="empty">No paired setting with a known number of training passes.</p>',
    hasCpuRatio
      ? `<div class="chart"><canvas id="${COST_CHART_IDS.cpu}" width="880" height="${420 + 11 * Math.max(0, rows.length - 6)}"></canvas></div>`
      : '<p class="empty">No CPU time recorded for both a setting and its baseline (cpu-time.jsonl of runs made with --no-baseline, and of baseline-only runs).</p>',
  ].join('\n');
}

function skdtCells(s: SkdtPair | null): string[] {
  return s === null ? [DASH, DASH] : [fixed(s.binned), fixed(s.released)];
}

/** (a): S-KdT of every run's super-nets in both variants, recomputed. */
export function runSkdtSection(data: ReportData): string {
  const head = ['run', 'method', 'setting', 'seed', 'without: binned-tau-b', 'without: released-code', 'with: binned-tau-b', 'with: released-code'];
  const body = data.runs.map((r) => [
    escapeHtml(r.name),
    escapeHtml(r.sampler),
    escapeHtml(r.setting === '' ? DASH : r.setting),
    r.seed === null ? DASH : String(r.seed),
    ...skdtCells(r.skdt.baseline),
    ...skdtCells(r.skdt.landmarks),
  ]);
  return [
    '<p class="note">S-KdT of each super-net on its held-out architectures, recomputed from their super-net and ground-truth accuracies (0.1 % bins): binned-tau-b is the default and what lmreg search records; released-code is what the authors\u2019 code computes. A dash: the run did not train that super-net, or S-KdT is undefined.</p>',
    table('skdt-variants', head, body, { textColumns: 3 }),
  ].join('\n');
}

/** (d): runs in the DARTS space, per method: S-KdT against the ground-truth table's noise ceiling, and the returned architectures. */
export function dartsSection(groups: readonly ReportGroup[]): string {
  const darts = groups.filter((g) => g.space === DARTS_SPACE);
  if (darts.length === 0) return '';
  const hasSetting = darts.some((g) => g.setting !== '');
  const head = [
    'method',
    'variant',
    ...(hasSetting ? ['setting'] : []),
    'n',
    'S-KdT (mean ± std)',
    'S-KdT, released-code',
    'noise ceiling',
    'share of the ceiling',
    'returned arch: mean accuracy',
    'best accuracy',
    'best rank',
  ];
  const body = darts.map((g) => [
    escapeHtml(g.sampler),
    escapeHtml(VARIANT_TEXT[g.variant]),
    ...(hasSetting ? [escapeHtml(g.setting === '' ? DASH : g.setting)] : []),
    String(g.runs.length),
    formatMeanStd(g.skdt),
    formatMeanStd(g.skdtReleased),
    fixed(g.noiseCeiling),
    g.skdt === null || g.noiseCeiling === null || g.noiseCeiling <= 0 ? DASH : pct(g.skdt.mean / g.noiseCeiling, 0),
    g.returned === null ? DASH : pct(g.returned.mean),
    g.returned === null ? DASH : pct(g.returned.best),
    g.bestRank === null ? DASH : String(g.bestRank),
  ]);
  const tables = [...new Set(darts.flatMap((g) => g.groundTruthTables))];
  return [
    '<h2 id="darts-results">DARTS</h2>',
    `<p class="note">Runs in the DARTS space, per method. Noise ceiling: S-KdT between two training runs of the ground-truth table${tables.length === 0 ? '' : ` (${escapeHtml(tables.join(', '))})`}, the most a super-net can be expected to reach. Returned arch: ground-truth accuracy of the architecture each search returns (top-1).</p>`,
    table('darts', head, body, { textColumns: hasSetting ? 3 : 2, rowClass: (i) => `variant-${darts[i]!.variant}` }),
  ].join('\n');
}
