/**
 * Builds the charts from the JSON blob; plain browser JavaScript run after the inlined Chart.js.
 * Sets `window.__lmregCharts` to the Chart instances and `data-charts` on the body when done.
 */
export const CLIENT_SCRIPT = String.raw`(function () {
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
  // Charts are made in page order. Cost: S-KdT gain (with minus without landmarks, mean over seeds) with its 95 % bootstrap
  // interval as error bars, against training passes or CPU time relative to the baseline.
  var errorBars = {
    id: 'lmregErrorBars',
    afterDatasetsDraw: function (chart) {
      var ctx = chart.ctx, y = chart.scales.y;
      chart.data.datasets.forEach(function (d, i) {
        if (!d.errorBars || !chart.isDatasetVisible(i)) return;
        chart.getDatasetMeta(i).data.forEach(function (el, j) {
          var e = d.errorBars[j];
          if (!e) return;
          var top = y.getPixelForValue(e.high), bottom = y.getPixelForValue(e.low);
          ctx.save();
          ctx.strokeStyle = d.borderColor;
          ctx.lineWidth = 2;
          ctx.beginPath();
          ctx.moveTo(el.x, top); ctx.lineTo(el.x, bottom);
          ctx.moveTo(el.x - 6, top); ctx.lineTo(el.x + 6, top);
          ctx.moveTo(el.x - 6, bottom); ctx.lineTo(el.x + 6, bottom);
          ctx.stroke();
          ctx.restore();
        });
      });
    },
  };
  var costPalette = palette.filter(function (c) { return c !== '#7f7f7f'; }); // grey is the baseline's
  var styles = ['circle', 'triangle', 'rect', 'rectRot', 'star', 'crossRot'];
  var samplers = [];
  function costChart(id, xOf, xTitle) {
    var rows = data.paired.filter(function (p) { return p.binned !== null && typeof xOf(p) === 'number'; });
    if (rows.length === 0) return;
    // Points at the same x (e.g. several samplers at the default setting) are spread a little apart.
    // Points within 0.01 of each other count as the same x (the tables show two decimals).
    var seen = {};
    var near = function (p) { return String(Math.round(100 * xOf(p))); };
    rows.forEach(function (p) { var k = near(p); seen[k] = (seen[k] || 0) + 1; });
    var placed = {};
    var span = Math.max.apply(null, rows.map(xOf).concat([1])) - 1;
    var datasets = rows.map(function (p) {
      var x = xOf(p), k = near(p), m = seen[k], j = placed[k] || 0;
      placed[k] = j + 1;
      var dx = m > 1 ? (j - (m - 1) / 2) * Math.max(0.02, 0.025 * span) : 0;
      if (samplers.indexOf(p.sampler) < 0) samplers.push(p.sampler);
      // The same colour for a setting in every cost chart: its place among all paired rows.
      var c = costPalette[data.paired.indexOf(p) % costPalette.length];
      return { label: p.label + ' (n=' + p.binned.n + ')', data: [{ x: x + dx, y: p.binned.mean, trueX: x, low: p.binned.low, high: p.binned.high }],
        errorBars: [{ low: p.binned.low, high: p.binned.high }], borderColor: c, backgroundColor: c,
        pointStyle: styles[samplers.indexOf(p.sampler) % styles.length], pointRadius: 6 };
    });
    datasets.unshift({ label: 'baseline (no landmark term)', data: [{ x: 1, y: 0, trueX: 1, low: 0, high: 0 }], borderColor: '#7f7f7f', backgroundColor: '#7f7f7f', pointStyle: 'crossRot', pointRadius: 8, borderWidth: 2 });
    var lows = rows.map(function (p) { return p.binned.low; }), highs = rows.map(function (p) { return p.binned.high; });
    make(id, {
      type: 'scatter',
      data: { datasets: datasets },
      options: {
        scales: {
          x: axis(xTitle, { suggestedMin: 0.9 }),
          y: axis('S-KdT gain, with minus without landmarks', { suggestedMin: Math.min(0, Math.min.apply(null, lows)) - 0.05, suggestedMax: Math.max.apply(null, highs) + 0.05 }),
        },
        plugins: { tooltip: { callbacks: { label: function (ctx) {
          var r = ctx.raw;
          return ctx.dataset.label + ': ' + r.y.toFixed(3) + ' [' + r.low.toFixed(3) + ', ' + r.high.toFixed(3) + '] at ' + r.trueX.toFixed(2) + 'x';
        } } } },
      },
      plugins: [errorBars],
    });
  }
  costChart('chart-cost-passes', function (p) { return p.passes; }, 'training passes relative to the baseline');
  costChart('chart-cost-cpu', function (p) { return p.cpu === null ? null : p.cpu.ratio; }, 'CPU time relative to the baseline');
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
