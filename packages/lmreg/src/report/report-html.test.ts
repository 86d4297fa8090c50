import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { readChartJsSource } from './report-command.js';
import { readReportData, type ReportData } from './report-data.js';
import { writeFixtureRun } from './report-fixtures.js';
import { CHART_IDS, COST_CHART_IDS, escapeHtml, formatMeanStd, jsonForScript, renderReportHtml } from './report-html.js';
import { formatInterval, formatSign } from './report-sections.js';

const CHART_JS = '/* chart.js stand-in */ window.Chart = function () {};';
const EVIL = `</script><script>alert("x")</script> & 'q' \u2028 <b>`;

let root = '';
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'lmreg-report-html-'));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function blob(html: string): unknown {
  const open = '<script type="application/json" id="lmreg-data">';
  const start = html.indexOf(open);
  expect(start).toBeGreaterThan(0);
  const end = html.indexOf('</script>', start);
  return JSON.parse(html.slice(start + open.length, end));
}

describe('escapeHtml and jsonForScript', () => {
  it('escapes markup characters and keeps JSON parseable', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&#60;a href=&#34;x&#34;&#62;&#39;&#38;&#39;&#60;/a&#62;');
    const text = jsonForScript({ s: EVIL });
    expect(text).not.toMatch(/[<>&\u2028]/);
    expect(JSON.parse(text)).toEqual({ s: EVIL });
  });

  it('writes mean ± std, with a dash for a single run', () => {
    expect(formatMeanStd({ mean: 0.41234, std: 0.0311, n: 3 })).toBe('0.412 ± 0.031');
    expect(formatMeanStd({ mean: 0.5, std: null, n: 1 })).toBe('0.500 ± —');
    expect(formatMeanStd(null)).toBe('—');
  });
});

describe('renderReportHtml', () => {
  it('escapes run names, architectures and the title, and embeds the data so it round-trips', () => {
    writeFixtureRun(path.join(root, 'evil<run>'), { archPrefix: EVIL, groundTruth: { name: `table ${EVIL}`, noiseCeiling: 0.8 } });
    writeFixtureRun(path.join(root, 'plain'), { seed: 1, ranking: { pairs: 3 } });
    const data = readReportData([path.join(root, 'evil<run>'), path.join(root, 'plain')], { title: `Report ${EVIL}` });
    const html = renderReportHtml(data, { chartJs: CHART_JS });

    expect(blob(html)).toEqual(JSON.parse(JSON.stringify(data)) as ReportData);
    // Exactly the three script elements of the page, and no markup from the data.
    expect(html.match(/<script/g)).toHaveLength(3);
    expect(html).not.toContain('<b>');
    expect(html).not.toContain('alert("x")');
    expect(html).toContain(`<title>Report &#60;/script&#62;&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62; &#38; &#39;q&#39;`);
    expect(html).toContain('evil&#60;run&#62;');
    expect(html).toContain(`${escapeHtml(EVIL)}|`); // an architecture cell of the landmark table
    // Results table: one row per (sampler, variant, setting), noise ceiling and best-rank columns.
    expect(html.match(/<tr class="variant-/g)).toHaveLength(4);
    expect(html).toContain('<th>noise ceiling</th>');
    expect(html).toContain('<td>0.800</td>');
    expect(html).toContain('<th>best rank</th>');
    expect(html).toContain('<td class="text">pairs=1</td>');
    expect(html).toContain('<td class="text">pairs=3</td>');
    expect(html).toContain('<td>0.500 ± —</td>');
    for (const id of Object.values(CHART_IDS)) expect(html).toContain(`<canvas id="${id}"`);
  });

  it('is self-contained: inlines Chart.js and loads nothing from elsewhere', () => {
    writeFixtureRun(path.join(root, 'self'));
    const chartJs = readChartJsSource();
    expect(chartJs).toContain('Chart.js v4');
    const html = renderReportHtml(readReportData([path.join(root, 'self')]), { chartJs });
    expect(html).toContain(chartJs.slice(0, 2000));
    expect(html).not.toMatch(/<script[^>]+src=/);
    expect(html).not.toMatch(/<link/);
    expect(html).toContain('animation: false');
  });

  it('leaves out charts without data: no lambda chart when no run has landmarks', () => {
    writeFixtureRun(path.join(root, 'baseline-only'));
    const data = readReportData([path.join(root, 'baseline-only')]);
    const onlyBaseline: ReportData = { ...data, groups: data.groups.filter((g) => g.variant === 'baseline') };
    const html = renderReportHtml(onlyBaseline, { chartJs: CHART_JS });
    expect(html).not.toContain(`<canvas id="${CHART_IDS.lambda}"`);
    expect(html).toContain('No run with landmarks.');
    expect(html).toContain(`<canvas id="${CHART_IDS.skdt}"`);
  });

  it('shows both S-KdT variants of every run, the paired differences with their cost charts, and DARTS runs in a table of their own', () => {
    const dir = (name: string): string => path.join(root, 'issue17', name);
    for (const seed of [0, 1, 2]) {
      writeFixtureRun(dir(`spos-s${seed}`), { seed, groundTruth: { name: 'fmnist-nb201', noiseCeiling: 0.6 } });
      writeFixtureRun(dir(`every2-s${seed}`), {
        seed,
        config: { compareBaseline: false },
        ranking: { every: 2 },
        cpuSeconds: 30 + seed,
        groundTruth: { name: 'fmnist-nb201', noiseCeiling: 0.6 },
      });
      writeFixtureRun(dir(`none-s${seed}`), {
        seed,
        config: { compareBaseline: false },
        ranking: { enabled: false },
        cpuSeconds: 20,
        groundTruth: { name: 'fmnist-nb201', noiseCeiling: 0.6 },
      });
    }
    const nb201 = ['spos', 'every2', 'none'].flatMap((n) => [0, 1, 2].map((seed) => dir(`${n}-s${seed}`)));
    const withoutDarts = renderReportHtml(readReportData(nb201), { chartJs: CHART_JS });
    expect(withoutDarts).not.toContain('id="darts"');

    for (const seed of [0, 1]) {
      writeFixtureRun(dir(`darts-s${seed}`), {
        seed,
        config: { space: 'darts' },
        groundTruth: { name: 'cifar10-darts', noiseCeiling: 0.7 },
        returned: { baseline: [0.9, 30], landmarks: [0.93, 4] },
      });
    }
    const data = readReportData([...nb201, dir('darts-s0'), dir('darts-s1')]);
    const html = renderReportHtml(data, { chartJs: CHART_JS });
    const rows = (id: string): string[] => {
      const start = html.indexOf(`<table id="${id}">`);
      expect(start, id).toBeGreaterThan(0);
      return html.slice(start, html.indexOf('</table>', start)).split('<tr').slice(2);
    };

    // (a) every run, both variants of S-KdT recomputed.
    const perRun = rows('skdt-variants');
    expect(perRun).toHaveLength(11);
    const spos0 = data.runs[0]!.skdt;
    expect(perRun[0]).toContain(`<td>${spos0.baseline!.binned!.toFixed(3)}</td><td>${spos0.baseline!.released!.toFixed(3)}</td>`);
    expect(perRun[3]).toContain('<td>—</td><td>—</td><td>'); // every2 trained no baseline

    // (b) one row per method and setting with landmarks: the full runs, every=2 (paired with spos-s*), DARTS.
    const paired = rows('paired');
    expect(data.paired.map((p) => [p.pairs.length, p.pairs.map((x) => x.baselineRun).join(' ')])).toEqual([
      [3, 'spos-s0 spos-s1 spos-s2'],
      [3, 'spos-s0 spos-s1 spos-s2'],
      [2, 'darts-s0 darts-s1'],
    ]);
    expect(paired).toHaveLength(3);
    const every2 = data.paired[1]!;
    expect(paired[1]).toContain(`<td>${formatInterval(every2.binned)}</td><td>${formatSign(every2.binned)}</td>`);
    expect(paired[1]).toContain(`<td>${every2.passes!.toFixed(2)}x</td><td><span class="nowrap">31 / 20</span> (1.55)</td>`);
    expect(formatSign(every2.binned)).toMatch(/^\d\/\d, <span class="nowrap">p = [01]\.\d{4}<\/span>$/);

    // (c) the cost charts: passes for every paired setting, CPU time where both sides record it.
    expect(html).toContain(`<canvas id="${COST_CHART_IDS.passes}"`);
    expect(html).toContain(`<canvas id="${COST_CHART_IDS.cpu}"`);

    // (d) DARTS: its own table with the noise ceiling and the returned architectures; not in the results table.
    const darts = rows('darts');
    expect(darts).toHaveLength(2);
    expect(darts[1]).toContain('<td>0.700</td>');
    expect(darts[1]).toContain('<td>93.00%</td>');
    expect(darts[1]).toContain('<td>4</td>');
    expect(rows('results').some((r) => r.includes('space=darts'))).toBe(false);
    expect(rows('results')).toHaveLength(data.groups.length - 2);
    expect(html.indexOf('id="darts"')).toBeLessThan(html.indexOf('id="paired"'));
    expect(html.match(/<script/g)).toHaveLength(3);
  });
});
