import type { MeanStd, ReportData, ReportGroup } from './report-data.js';

/** Ids of the chart canvases in page order (a canvas is left out when its chart would have no data). */
export const CHART_IDS = { skdt: 'chart-skdt', scatter: 'chart-scatter', lambda: 'chart-lambda' } as const;

/** Escapes text for HTML element content and double- or single-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * JSON for the inside of a `<script>` element: `<`, `>`, `&` and the JavaScript line separators
 * are written as `\u` escapes, so no string in the data can close the element. `JSON.parse` of
 * the element's text gives the value back.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const DASH = '—';

function pct(x: number | null | undefined, digits = 2): string {
  return typeof x === 'number' && Number.isFinite(x) ? `${(100 * x).toFixed(digits)}%` : DASH;
}

function fixed(x: number | null | undefined, digits = 3): string {
  return typeof x === 'number' && Number.isFinite(x) ? x.toFixed(digits) : DASH;
}

function listSome(items: readonly string[], max: number): string {
  return items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}

function hours(h: number): string {
  return h >= 10 ? h.toFixed(1) : h >= 0.1 ? h.toFixed(2) : h.toFixed(3);
}

/** `0.412 ± 0.031` (sample std), or just the mean for a single run. */
export function formatMeanStd(m: MeanStd | null, digits = 3): string {
  if (m === null) return DASH;
  return m.std === null ? `${m.mean.toFixed(digits)} ± ${DASH}` : `${m.mean.toFixed(digits)} ± ${m.std.toFixed(digits)}`;
}

const VARIANT_TEXT = { baseline: 'without landmarks', landmarks: 'with landmarks' } as const;

function resultsTable(data: ReportData): string {
  const hasCeiling = data.groups.some((g) => g.noiseCeiling !== null);
  const hasRank = data.groups.some((g) => g.bestRank !== null);
  const hasSetting = data.groups.some((g) => g.setting !== '');
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
  const tables = [...new Set(data.groups.flatMap((g) => g.groundTruthTables))];
  return [
    '<table id="results">',
    `<thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead>`,
    `<tbody>${data.groups.map(row).join('\n')}</tbody>`,
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

function chartOrEmpty(id: string, hasData: boolean, empty: string): string {
  return hasData ? `<div class="chart"><canvas id="${id}" width="880" height="420"></canvas></div>` : `<p class="empty">${escapeHtml(empty)}</p>`;
}

/** Builds the charts from the JSON blob; plain browser JavaScript run after the inlined Chart.js. */
const CLIENT_SCRIPT = String.raw`(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('lmreg-data').textContent);
  var palette = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22'];
  var colorKeys = [];
  function color(g) {
    var k = g.sampler + '|' + g.setting;
    if (colorKeys.indexOf(k) < 0) colorKeys.push(k);
    return palette[colorKeys.indexOf(k) % palette.length];
  }
  data.groups.forEach(color);
  var charts = [];
  function make(id, config) {
    var canvas = document.getElementById(id);
    if (!canvas) return;
    config.options = Object.assign({ animation: false, responsive: false, normalized: true }, config.options || {});
    var chart = new Chart(canvas, config);
    canvas.setAttribute('data-points', String(config.data.datasets.reduce(function (n, d) { return n + d.data.length; }, 0)));
    charts.push(chart);
  }
  function axis(title, extra) {
    return Object.assign({ type: 'linear', title: { display: true, text: title } }, extra || {});
  }
  make('chart-skdt', {
    type: 'line',
    data: { datasets: data.groups.filter(function (g) { return g.skdtByEpoch.length > 0; }).map(function (g) {
      var c = color(g);
      return { label: g.label + ' (n=' + g.runs.length + ')', data: g.skdtByEpoch.map(function (p) { return { x: p.epoch, y: p.mean }; }),
        borderColor: c, backgroundColor: c, borderDash: g.variant === 'baseline' ? [6, 4] : [], pointRadius: 2, tension: 0 };
    }) },
    options: { scales: { x: axis('epoch', { ticks: { precision: 0 } }), y: axis('S-KdT (mean over seeds)') }, },
  });
  make('chart-scatter', {
    type: 'scatter',
    data: { datasets: data.groups.filter(function (g) { return g.scatter.length > 0; }).map(function (g) {
      var c = color(g);
      return { label: g.label, data: g.scatter.map(function (p) { return { x: 100 * p.x, y: 100 * p.y, arch: p.arch, run: p.run }; }),
        borderColor: c, backgroundColor: g.variant === 'baseline' ? 'rgba(255,255,255,0)' : c, borderWidth: 2,
        pointStyle: g.variant === 'baseline' ? 'triangle' : 'circle', pointRadius: g.variant === 'baseline' ? 5 : 4 };
    }) },
    options: {
      scales: { x: axis('super-net accuracy (%)'), y: axis('ground-truth accuracy (%)') },
      plugins: {
        tooltip: { callbacks: { label: function (ctx) { var r = ctx.raw; return r.run + ' ' + r.arch + ': ' + r.x.toFixed(2) + '% / ' + r.y.toFixed(2) + '%'; } } },
      },
    },
  });
  make('chart-lambda', {
    type: 'line',
    data: { datasets: data.groups.filter(function (g) { return g.variant === 'landmarks' && g.lambdaByEpoch.length > 0; }).map(function (g) {
      var c = color(g);
      return { label: g.label, data: g.lambdaByEpoch.map(function (p) { return { x: p.epoch, y: p.mean }; }),
        borderColor: c, backgroundColor: c, pointRadius: 2, stepped: false };
    }) },
    options: { scales: { x: axis('epoch', { ticks: { precision: 0 } }), y: axis('lambda', { beginAtZero: true }) }, },
  });
  window.__lmregCharts = charts;
  document.body.setAttribute('data-charts', String(charts.length));
})();`;

const STYLE = `
body { font: 14px/1.45 system-ui, -apple-system, 'Segoe UI', sans-serif; margin: 24px auto; max-width: 1100px; color: #222; padding: 0 16px; }
h1 { font-size: 22px; } h2 { font-size: 18px; margin-top: 32px; border-bottom: 1px solid #ddd; } h3 { font-size: 15px; }
table { border-collapse: collapse; margin: 8px 0; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: right; }
th { background: #f4f4f4; text-align: center; } td.text, td:first-child, td.arch, td.path { text-align: left; white-space: nowrap; }
td.arch, td.path { font-family: ui-monospace, monospace; font-size: 12px; }
tr.variant-landmarks td { background: #f6fbf6; }
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
<h2>Fig. 3: S-KdT over super-net training</h2>
<p class="note">Mean over seeds per epoch; dashed: without landmarks.</p>
${chartOrEmpty(CHART_IDS.skdt, hasSkdt, 'No per-epoch S-KdT in these runs.')}
<h2>Fig. 1: super-net vs ground-truth accuracy</h2>
<p class="note">Held-out architectures of every run; triangles: without landmarks, dots: with landmarks.</p>
${chartOrEmpty(CHART_IDS.scatter, hasScatter, 'No held-out architectures in these runs.')}
<h2>Lambda schedule</h2>
<p class="note">Weight of the landmark ranking term per epoch (mean over seeds).</p>
${chartOrEmpty(CHART_IDS.lambda, hasLambda, 'No run with landmarks.')}
<h2 id="landmark-set">Landmark set</h2>
${landmarkTables(data)}
<h2>Runs</h2>
${runsTable(data)}
<script type="application/json" id="lmreg-data">${jsonForScript(data)}</script>
<script>${chartJs}</script>
<script>${CLIENT_SCRIPT}</script>
</body>
</html>
`;
}
