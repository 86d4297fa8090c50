import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { Command } from 'commander';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { BrowserNotFoundError, DEFAULT_CHROMIUM, launchChromium, resolveChromium } from './browser.js';
import { addReportCommand } from './report-command.js';
import { writeFixtureRun } from './report-fixtures.js';
import { CHART_IDS, COST_CHART_IDS } from './report-html.js';

// Opens a report in real headless Chromium (Debian's /usr/bin/chromium, or $LMREG_CHROMIUM) and
// checks that every chart was drawn with data. Without Chromium this fails, naming the install.

/** What the page reports about each chart (evaluated in the browser, so plain JavaScript). */
const INSPECT = `(() => {
  const charts = window.__lmregCharts || [];
  const hex = (c) => [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16));
  return {
    canvases: Array.from(document.querySelectorAll('canvas')).map((c) => c.id),
    charts: charts.map((chart) => {
      const canvas = chart.canvas;
      const ratio = chart.currentDevicePixelRatio || 1;
      const image = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
      const px = image.data;
      let painted = 0;
      for (let i = 3; i < px.length; i += 4) if (px[i] > 0) painted++;
      const area = chart.chartArea;
      const inArea = (i) => {
        const x = (i / 4) % canvas.width, y = Math.floor(i / 4 / canvas.width);
        return x >= area.left * ratio && x <= area.right * ratio && y >= area.top * ratio && y <= area.bottom * ratio;
      };
      const datasets = chart.data.datasets.map((d) => {
        const [r, g, b] = hex(d.borderColor);
        let colored = 0;
        for (let i = 0; i < px.length; i += 4) {
          if (px[i + 3] > 128 && Math.abs(px[i] - r) < 40 && Math.abs(px[i + 1] - g) < 40 && Math.abs(px[i + 2] - b) < 40 && inArea(i)) colored++;
        }
        return { label: d.label, points: d.data.length, colored };
      });
      return { id: canvas.id, type: chart.config.type, painted, datasets, dataUrlLength: canvas.toDataURL('image/png').length };
    }),
  };
})()`;

interface Inspection {
  readonly canvases: string[];
  readonly charts: { id: string; type: string; painted: number; dataUrlLength: number; datasets: { label: string; points: number; colored: number }[] }[];
}

let root = '';
let runs: string[] = [];
let browser: Browser | undefined;

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'lmreg-report-browser-'));
  runs = [
    ...[0, 1].map((seed) => {
      const dir = path.join(root, `spos-${seed}`);
      writeFixtureRun(dir, { seed, skdt: { baseline: 0.2 + seed / 20, landmarks: 0.5 + seed / 20 }, groundTruth: { name: 'nb201', noiseCeiling: 0.82 } });
      return dir;
    }),
    (() => {
      const dir = path.join(root, 'gdas-rounds');
      writeFixtureRun(dir, { sampler: 'gdas', config: { rounds: 2 }, skdt: { baseline: 0.1, landmarks: 0.35 } });
      return dir;
    })(),
  ];
});

afterAll(async () => {
  await browser?.close();
  fs.rmSync(root, { recursive: true, force: true });
});

async function report(args: string[]): Promise<string> {
  let out = '';
  const program = new Command('lmreg').exitOverride();
  addReportCommand(program, { out: (s) => void (out += s), err: () => undefined });
  await program.parseAsync(['report', ...args], { from: 'user' });
  return out;
}

function chromium(): string {
  try {
    return resolveChromium();
  } catch (error) {
    throw new Error(
      `the report browser test needs Chromium: install it with \`apt-get install chromium\` (or set $LMREG_CHROMIUM). ${(error as Error).message}`,
    );
  }
}

describe('lmreg report in headless Chromium', () => {
  it('draws every chart with data', { timeout: 60_000 }, async () => {
    const executablePath = chromium();
    const html = path.join(root, 'out', 'report.html');
    expect(await report([...runs, '--out', html, '--title', 'browser test'])).toContain('3 runs, 4 groups');

    browser = await launchChromium({ executablePath });
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => (m.type() === 'error' ? errors.push(m.text()) : undefined));
    await page.goto(pathToFileURL(html).href, { waitUntil: 'load' });
    const inspection = (await page.evaluate(INSPECT)) as Inspection;
    expect(errors).toEqual([]);
    expect(await page.title()).toBe('browser test');

    // The cost chart (paired gains against training passes) comes first, in the paired-differences
    // section; no CPU chart: the fixture runs record no CPU time.
    expect(inspection.canvases).toEqual([COST_CHART_IDS.passes, CHART_IDS.skdt, CHART_IDS.scatter, CHART_IDS.lambda]);
    expect(inspection.charts.map((c) => [c.id, c.type])).toEqual([
      [COST_CHART_IDS.passes, 'scatter'],
      [CHART_IDS.skdt, 'line'],
      [CHART_IDS.scatter, 'scatter'],
      [CHART_IDS.lambda, 'line'],
    ]);
    for (const chart of inspection.charts) {
      expect(chart.datasets.length, chart.id).toBeGreaterThanOrEqual(1);
      expect(chart.painted, `${chart.id}: painted pixels`).toBeGreaterThan(5000);
      expect(chart.dataUrlLength, chart.id).toBeGreaterThan(5000);
      for (const d of chart.datasets) {
        expect(d.points, `${chart.id} ${d.label}`).toBeGreaterThanOrEqual(1);
        // The dataset's own colour inside the plot area: the data were drawn, not only axes and legend.
        expect(d.colored, `${chart.id} ${d.label}: pixels of its colour in the plot area`).toBeGreaterThan(20);
      }
    }
    // The cost chart: the baseline's cross and one point with its interval per paired setting.
    const cost = inspection.charts[0]!;
    expect(cost.datasets.map((d) => [d.label, d.points])).toEqual([
      ['baseline (no landmark term)', 1],
      ['spos (n=2)', 1],
      ['gdas, rounds=2 (n=1)', 1],
    ]);
    // Its error bars: the column through the spos point (two seeds, so an interval of some width) is
    // painted in the dataset's colour from the interval's low to its high end.
    const bar = (await page.evaluate(`(() => {
      const chart = window.__lmregCharts.find((c) => c.canvas.id === '${COST_CHART_IDS.passes}');
      const d = chart.data.datasets[1], el = chart.getDatasetMeta(1).data[0], ratio = chart.currentDevicePixelRatio || 1;
      const top = Math.round(chart.scales.y.getPixelForValue(d.errorBars[0].high) * ratio), bottom = Math.round(chart.scales.y.getPixelForValue(d.errorBars[0].low) * ratio);
      const x = Math.round(el.x * ratio), px = chart.canvas.getContext('2d').getImageData(x, top, 1, bottom - top + 1).data;
      const rgb = [1, 3, 5].map((i) => parseInt(d.borderColor.slice(i, i + 2), 16));
      let colored = 0;
      for (let i = 0; i < px.length; i += 4) if (px[i + 3] > 128 && rgb.every((c, k) => Math.abs(px[i + k] - c) < 60)) colored++;
      return { height: bottom - top + 1, colored };
    })()`)) as { height: number; colored: number };
    expect(bar.height).toBeGreaterThan(20);
    expect(bar.colored).toBeGreaterThan(0.8 * bar.height);
    const charts = inspection.charts.slice(1);
    // Fig. 3 and Fig. 1 have one dataset per (sampler, variant); the lambda chart only the landmark variants.
    expect(charts[0]!.datasets.map((d) => d.label)).toEqual([
      'spos, without landmarks (rounds=1) (n=2)',
      'spos, with landmarks (rounds=1) (n=2)',
      'gdas, without landmarks (rounds=2) (n=1)',
      'gdas, with landmarks (rounds=2) (n=1)',
    ]);
    expect(charts[0]!.datasets.map((d) => d.points)).toEqual([4, 4, 8, 8]);
    expect(charts[1]!.datasets.map((d) => d.points)).toEqual([16, 16, 8, 8]);
    expect(charts[2]!.datasets.map((d) => d.label)).toEqual(['spos, with landmarks (rounds=1)', 'gdas, with landmarks (rounds=2)']);
    // Tables: results rows, the landmarks added after round 0 of the two-round run, the paired
    // differences per method and setting, and both S-KdT variants of each run.
    expect(await page.locator('#results tbody tr').count()).toBe(4);
    expect(await page.locator('#rounds tbody tr').count()).toBe(2);
    expect(await page.locator('#paired tbody tr').count()).toBe(2);
    expect(await page.locator('#skdt-variants tbody tr').count()).toBe(3);
  });

  it('--png writes a full-page PNG screenshot', { timeout: 60_000 }, async () => {
    const executablePath = chromium();
    const html = path.join(root, 'png', 'report.html');
    const png = path.join(root, 'png', 'report.png');
    const out = await report([...runs, '--out', html, '--png', png, '--browser', executablePath]);
    expect(out).toContain(`wrote ${png}`);
    const bytes = fs.readFileSync(png);
    expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(bytes.readUInt32BE(16)).toBe(1200); // IHDR width: the viewport
    expect(bytes.readUInt32BE(20)).toBeGreaterThan(1500); // full page: taller than the viewport
    expect(bytes.length).toBeGreaterThan(50_000);
  });

  it('--png-figures-only cuts the PNG above the landmark-set tables', { timeout: 60_000 }, async () => {
    const executablePath = chromium();
    const html = path.join(root, 'png-figures', 'report.html');
    const full = path.join(root, 'png-figures', 'full.png');
    const figures = path.join(root, 'png-figures', 'figures.png');
    await report([...runs, '--out', html, '--png', full, '--browser', executablePath]);
    await report([...runs, '--out', html, '--png', figures, '--png-figures-only', '--browser', executablePath]);
    const height = (file: string): number => fs.readFileSync(file).readUInt32BE(20);
    expect(fs.readFileSync(figures).readUInt32BE(16)).toBe(1200);
    expect(height(figures)).toBeGreaterThan(900); // the results and paired tables and four charts
    expect(height(figures)).toBeLessThan(height(full));
  });

  it('names apt-get install chromium when the browser is missing', async () => {
    expect(() => resolveChromium('/nonexistent/chromium')).toThrow(BrowserNotFoundError);
    expect(() => resolveChromium('/nonexistent/chromium')).toThrow(/apt-get install chromium/);
    expect(() => resolveChromium(undefined, { LMREG_CHROMIUM: '/nonexistent/env-chromium' })).toThrow(/env-chromium \(\$LMREG_CHROMIUM\)/);
    // Precedence: --browser, then $LMREG_CHROMIUM, then /usr/bin/chromium.
    expect(resolveChromium(undefined, {})).toBe(DEFAULT_CHROMIUM);
    expect(resolveChromium(DEFAULT_CHROMIUM, { LMREG_CHROMIUM: '/nonexistent/env-chromium' })).toBe(DEFAULT_CHROMIUM);
    await expect(
      report([...runs, '--out', path.join(root, 'x.html'), '--png', path.join(root, 'x.png'), '--browser', '/nonexistent/chromium']),
    ).rejects.toThrow(/apt-get install chromium/);
    expect(fs.existsSync(path.join(root, 'x.html'))).toBe(false); // nothing written
  });
});
