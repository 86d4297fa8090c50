import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

import { FileFormatError } from '@lmreg/common';
import type { Command } from 'commander';

import { writeFileAtomic } from '@lmreg/train';

import { resolveChromium, screenshotHtml } from './browser.js';
import { readReportData, type ReportData } from './report-data.js';
import { renderReportHtml } from './report-html.js';

/** Output streams of the CLI. */
export interface ReportIo {
  readonly out: (s: string) => void;
  readonly err: (s: string) => void;
}

/**
 * Source of Chart.js's UMD build (`chart.umd.min.js`) from the installed `chart.js` package. Its
 * exports map does not expose that file, so it is found beside the resolved main entry.
 */
export function readChartJsSource(): string {
  const require = createRequire(import.meta.url);
  let main: string;
  try {
    main = require.resolve('chart.js');
  } catch (cause) {
    throw new FileFormatError(undefined, "the chart.js package is not installed; reinstall @lmreg/train's dependencies (`npm ci`).", { cause });
  }
  const file = path.join(path.dirname(main), 'chart.umd.min.js');
  if (!fs.existsSync(file)) throw new FileFormatError(file, 'is missing from the chart.js package; reinstall it (`npm ci`).');
  return fs.readFileSync(file, 'utf8');
}

/** Options of {@link writeReport}. */
export interface WriteReportOptions {
  /** HTML file to write. */
  readonly out: string;
  /** Also write a full-page PNG screenshot here (needs Chromium). */
  readonly png?: string;
  /** Chromium executable for `png` (then `$LMREG_CHROMIUM`, then `/usr/bin/chromium`). */
  readonly browser?: string;
  readonly title?: string;
  /** The PNG shows the results table and the charts only, not the landmark and run tables below. */
  readonly pngFiguresOnly?: boolean;
}

/** Reads the run folders, writes the HTML report (and the PNG when asked) and returns the data shown. */
export async function writeReport(runs: readonly string[], options: WriteReportOptions): Promise<ReportData> {
  // Fail before writing anything when the PNG cannot be made.
  const browser = options.png === undefined ? undefined : resolveChromium(options.browser);
  const data = readReportData(runs, options.title === undefined ? {} : { title: options.title });
  const html = renderReportHtml(data, { chartJs: readChartJsSource(), generatedAt: new Date() });
  const out = path.resolve(options.out);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  writeFileAtomic(out, html);
  if (options.png !== undefined) {
    const png = path.resolve(options.png);
    fs.mkdirSync(path.dirname(png), { recursive: true });
    await screenshotHtml(out, png, { ...(browser === undefined ? {} : { executablePath: browser }), figuresOnly: options.pngFiguresOnly === true });
  }
  return data;
}

/**
 * Registers `lmreg report`: a self-contained HTML page (tables and Chart.js figures, no network
 * needed) over finished `lmreg search` run folders, grouped by sampler, variant and the settings
 * that differ between the runs, across seeds, with the paired differences with minus without
 * landmarks per method and setting.
 */
export function addReportCommand(program: Command, io: ReportIo): Command {
  return program
    .command('report')
    .description(
      'write an HTML report over search runs: results table, DARTS table, paired differences with minus without landmarks over seeds (bootstrap interval, sign test) and their cost, S-KdT in both variants per run, S-KdT over epochs, super-net vs ground truth, lambda, landmarks',
    )
    .argument('<runs...>', 'run folders written by `lmreg search --out DIR` (seeds and ablations of one study)')
    .option('-o, --out <file>', 'HTML file to write', 'report.html')
    .option('--png <file>', 'also write a full-page PNG screenshot (headless Chromium)')
    .option('--browser <path>', 'Chromium executable for --png (then $LMREG_CHROMIUM, then /usr/bin/chromium)')
    .option('--png-figures-only', 'the PNG shows the results table and the charts, not the landmark and run tables below them')
    .option('--title <text>', 'page title')
    .action(async (runs: string[], opts: { out: string; png?: string; browser?: string; title?: string; pngFiguresOnly?: boolean }) => {
      const data = await writeReport(runs, {
        out: opts.out,
        ...(opts.png === undefined ? {} : { png: opts.png }),
        ...(opts.browser === undefined ? {} : { browser: opts.browser }),
        ...(opts.title === undefined ? {} : { title: opts.title }),
        pngFiguresOnly: opts.pngFiguresOnly === true,
      });
      io.out(
        `wrote ${opts.out}: ${data.runs.length} run${data.runs.length === 1 ? '' : 's'}, ${data.groups.length} group${data.groups.length === 1 ? '' : 's'}\n`,
      );
      if (opts.png !== undefined) io.out(`wrote ${opts.png}\n`);
    });
}
