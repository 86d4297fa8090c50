import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { readChartJsSource } from './report-command.js';
import { readReportData, type ReportData } from './report-data.js';
import { writeFixtureRun } from './report-fixtures.js';
import { CHART_IDS, escapeHtml, formatMeanStd, jsonForScript, renderReportHtml } from './report-html.js';

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
});
