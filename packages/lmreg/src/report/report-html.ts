import { CLIENT_SCRIPT } from './report-client.js';
import type { ReportData, ReportGroup } from './report-data.js';
import { DASH, escapeHtml, fixed, formatMeanStd, hours, jsonForScript, pct } from './report-format.js';
import { DARTS_SPACE, dartsSection, pairedSection, runSkdtSection } from './report-sections.js';

export { escapeHtml, formatMeanStd, jsonForScript } from './report-format.js';
export { COST_CHART_IDS } from './report-sections.js';

/** Ids of the chart canvases in page order (a canvas is left out when its chart would have no data). */
export const CHART_IDS = { skdt: 'chart-skdt', scatter: 'chart-scatter', lambda: 'chart-lambda' } as const;

function listSome(items: readonly string[], max: number): string {
  return items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}

const VARIANT_TEXT = { baseline: 'without landmarks', landmarks: 'with landmarks' } as const;

function resultsTable(data: ReportData): string {
  // DARTS runs have their own table (report-sections.ts).
  const groups = data.groups.filter((g) => g.space !== DARTS_SPACE);
  if (groups.length === 0) return '<p class="empty">Every run is in the DARTS space: see the DARTS table below.</p>';
  const hasCeiling = groups.some((g) => g.noiseCeiling !== null);
  const hasRank = groups.some((g) => g.bestRank !== null);
  const hasSetting = groups.some((g) => g.setting !== '');
  const head = [
    'sampler',
    'variant',
    ...(hasSetting ? ['setting'] : []),
    'n',
    'S-KdT (mean ± std)',
    ...(hasCeiling ? ['noise ceiling'] : []),
    'returned arch: mean GT',
    'best GT',
    ...(hasRank ? ['best rank'] : []),
    'search cost (h)',
    'run total (h)',
  ];
  const row = (g: ReportGroup): string => {
    const cells = [
      escapeHtml(g.sampler),
      escapeHtml(VARIANT_TEXT[g.variant]),
      ...(hasSetting ? [escapeHtml(g.setting === '' ? DASH : g.setting)] : []),
      String(g.runs.length),
      formatMeanStd(g.skdt),
      ...(hasCeiling ? [fixed(g.noiseCeiling)] : []),
      g.returned === null ? DASH : pct(g.returned.mean),
      g.returned === null ? DASH : pct(g.returned.best),
      ...(hasRank ? [g.bestRank === null ? DASH : String(g.bestRank)] : []),
      hours(g.variantHours),
      hours(g.runHours),
    ];
    const textColumns = hasSetting ? 3 : 2;
    return `<tr class="variant-${g.variant}" title="${escapeHtml(g.runs.join(', '))}">${cells.map((c, i) => (i < textColumns ? `<td class="text">${c}</td>` : `<td>${c}</td>`)).join('')}</tr>`;
  };
  const tables = [...new Set(groups.flatMap((g) => g.groundTruthTables))];
  return [
    '<table id="results">',
    `<thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead>`,
    `<tbody>${groups.map(row).join('\n')}</tbody>`,
    '</table>',
    `<p class="note">S-KdT: sparse Kendall tau between super-net and ground-truth accuracy of the held-out architectures, final epoch; std is the sample standard deviation over seeds. GT: ground-truth accuracy of the architecture each search returns (top-1 of the sampler).${
      tables.length === 0
        ? ''
        : ` Ground-truth table${tables.length === 1 ? '' : 's'}: ${escapeHtml(tables.join(', '))}; the noise ceiling is the S-KdT between two training runs of the same architectures.`
    } Search cost: wall-clock hours of the variant; run total includes stand-alone training of landmarks and held-out architectures.</p>`,
  ].join('\n');
}

function runsTable(data: ReportData): string {
  const rows = data.runs.map(
    (r) =>
      `<tr><td>${escapeHtml(r.name)}</td><td>${r.seed === null ? DASH : String(r.seed)}</td><td class="text">${escapeHtml(r.setting === '' ? DASH : r.setting)}</td><td>${hours(r.hours)}</td><td class="path">${escapeHtml(r.dir)}</td></tr>`,
  );
  return `<table id="runs"><thead><tr><th>run</th><th>seed</th><th>setting</th><th>hours</th><th>folder</th></tr></thead><tbody>${rows.join('\n')}</tbody></table>`;
}

function landmarkTables(data: ReportData): string {
  const landmarks = data.landmarks.map(
    (l) =>
      `<tr><td>${escapeHtml(l.run)}</td><td class="arch">${escapeHtml(l.arch)}</td><td>${pct(l.groundTruth)}</td><td>${l.params === null ? DASH : String(l.params)}</td></tr>`,
  );
  const rounds = data.rounds.map(
    (r) =>
      `<tr><td>${escapeHtml(r.run)}</td><td>${r.round}</td><td>${r.epoch === null ? DASH : String(r.epoch)}</td><td class="arch">${escapeHtml(r.arch)}</td><td>${pct(r.supernetAccuracy)}</td><td>${pct(r.groundTruth)}</td></tr>`,
  );
  return [
    '<h3>Initial landmarks</h3>',
    landmarks.length === 0
      ? '<p class="empty">No landmarks in these runs.</p>'
      : `<table id="landmarks"><thead><tr><th>run</th><th>architecture</th><th>ground truth</th><th>params</th></tr></thead><tbody>${landmarks.join('\n')}</tbody></table>`,
    '<h3>Added after each round</h3>',
    rounds.length === 0
      ? '<p class="empty">No landmarks were added (single-round runs).</p>'
      : `<table id="rounds"><thead><tr><th>run</th><th>round</th><th>epoch</th><th>architecture</th><th>super-net acc.</th><th>ground truth</th></tr></thead><tbody>${rounds.join('\n')}</tbody></table>`,
  ].join('\n');
}

/** A chart's canvas (taller when its legend has many entries, which Chart.js puts above the plot), or a note. */
function chartOrEmpty(id: string, hasData: boolean, empty: string, legendEntries = 0): string {
  const height = 420 + 22 * Math.max(0, legendEntries - 6);
  return hasData ? `<div class="chart"><canvas id="${id}" width="880" height="${height}"></canvas></div>` : `<p class="empty">${escapeHtml(empty)}</p>`;
}

const STYLE = `
body { font: 14px/1.45 system-ui, -apple-system, 'Segoe UI', sans-serif; margin: 24px auto; max-width: 1100px; color: #222; padding: 0 16px; }
h1 { font-size: 22px; } h2 { font-size: 18px; margin-top: 32px; border-bottom: 1px solid #ddd; } h3 { font-size: 15px; }
table { border-collapse: collapse; margin: 8px 0; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: right; }
th { background: #f4f4f4; text-align: center; } td.text, td:first-child, td.arch, td.path { text-align: left; white-space: nowrap; }
td.arch, td.path { font-family: ui-monospace, monospace; font-size: 12px; }
tr.variant-landmarks td { background: #f6fbf6; }
#results td.text, #paired td.text, #skdt-variants td.text, #runs td.text { white-space: normal; min-width: 5em; } .nowrap { white-space: nowrap; }
#paired th, #paired td { padding: 3px 6px; }
#landmarks td.arch, #rounds td.arch { white-space: normal; overflow-wrap: anywhere; }
.note, .empty, .meta { color: #555; font-size: 13px; }
.chart { margin: 12px 0; }
`;

/**
 * Renders the self-contained report page. `chartJs` is the source of Chart.js's UMD build, inlined
 * so the page needs no network. The report data is embedded as JSON in
 * `<script type="application/json" id="lmreg-data">`; the page's script builds the charts from it
 * and sets `window.__lmregCharts` to the Chart instances.
 */
export function renderReportHtml(data: ReportData, options: { chartJs: string; generatedAt?: Date }): string {
  const hasSkdt = data.groups.some((g) => g.skdtByEpoch.length > 0);
  const hasScatter = data.groups.some((g) => g.scatter.length > 0);
  const hasLambda = data.groups.some((g) => g.variant === 'landmarks' && g.lambdaByEpoch.length > 0);
  const when = options.generatedAt === undefined ? '' : `, generated ${escapeHtml(options.generatedAt.toISOString())}`;
  const chartJs = options.chartJs.replace(/<\/(script)/gi, '<\\/$1');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(data.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(data.title)}</h1>
<p class="meta">${escapeHtml(data.spaces.join(', '))} on ${escapeHtml(data.datasets.join(', '))}; ${data.runs.length} run${data.runs.length === 1 ? '' : 's'}${
    data.settingKeys.length === 0 ? '' : `; settings differ in ${escapeHtml(listSome(data.settingKeys, 8))}`
  }${when}.</p>
<h2>Results</h2>
${resultsTable(data)}
${dartsSection(data.groups)}
<h2 id="paired-differences">Paired differences: with minus without landmarks</h2>
${pairedSection(data)}
<h2>Fig. 3: S-KdT over super-net training</h2>
<p class="note">Mean over seeds per epoch; dashed: without landmarks.</p>
${chartOrEmpty(CHART_IDS.skdt, hasSkdt, 'No per-epoch S-KdT in these runs.', data.groups.length)}
<h2>Fig. 1: super-net vs ground-truth accuracy</h2>
<p class="note">Held-out architectures of every run; triangles: without landmarks, dots: with landmarks.</p>
${chartOrEmpty(CHART_IDS.scatter, hasScatter, 'No held-out architectures in these runs.', data.groups.length)}
<h2>Lambda schedule</h2>
<p class="note">Weight of the landmark ranking term per epoch (mean over seeds).</p>
${chartOrEmpty(CHART_IDS.lambda, hasLambda, 'No run with landmarks.', data.groups.filter((g) => g.variant === 'landmarks').length)}
<h2 id="landmark-set">Landmark set</h2>
${landmarkTables(data)}
<h2 id="skdt-per-run">S-KdT of each run in both variants</h2>
${runSkdtSection(data)}
<h2>Runs</h2>
${runsTable(data)}
<script type="application/json" id="lmreg-data">${jsonForScript(data)}</script>
<script>${chartJs}</script>
<script>${CLIENT_SCRIPT}</script>
</body>
</html>
`;
}
