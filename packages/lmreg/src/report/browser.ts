import fs from 'node:fs';
import { pathToFileURL } from 'node:url';

import { LmregError } from '@lmreg/common';
import type { Browser } from 'playwright-core';

/** Where Chromium is looked for when neither `--browser` nor `$LMREG_CHROMIUM` is given. */
export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

/** Chromium (or playwright-core, which drives it) is not available. */
export class BrowserNotFoundError extends LmregError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('LMREG_BROWSER_NOT_FOUND', message, options);
  }
}

/**
 * The Chromium executable to use: `explicit` (the `--browser` flag), then `$LMREG_CHROMIUM`, then
 * {@link DEFAULT_CHROMIUM}. Throws {@link BrowserNotFoundError} naming `apt-get install chromium`
 * when the chosen file does not exist.
 */
export function resolveChromium(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env['LMREG_CHROMIUM'];
  const [file, source] =
    explicit !== undefined && explicit !== ''
      ? [explicit, '--browser']
      : fromEnv !== undefined && fromEnv !== ''
        ? [fromEnv, '$LMREG_CHROMIUM']
        : [DEFAULT_CHROMIUM, 'the default path'];
  if (!fs.existsSync(file)) {
    throw new BrowserNotFoundError(
      `Chromium not found at ${file} (${source}). Install it with \`apt-get install chromium\` (Debian/Ubuntu), or pass --browser <path> / set $LMREG_CHROMIUM to a Chromium or Chrome executable.`,
    );
  }
  return file;
}

/**
 * Launches headless Chromium through playwright-core (imported on demand: it is only needed for
 * `--png` and the browser tests). The caller closes the returned browser.
 */
export async function launchChromium(options: { executablePath?: string } = {}): Promise<Browser> {
  const executablePath = resolveChromium(options.executablePath);
  // eslint-disable-next-line @typescript-eslint/consistent-type-imports -- the type of an optional peer that is imported dynamically
  let playwright: typeof import('playwright-core');
  try {
    playwright = await import('playwright-core');
  } catch (cause) {
    throw new BrowserNotFoundError('rendering a PNG needs the playwright-core package: install it with `npm install playwright-core`.', { cause });
  }
  try {
    return await playwright.chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  } catch (cause) {
    throw new BrowserNotFoundError(
      `could not start Chromium at ${executablePath}: ${(cause as Error).message.split('\n')[0] ?? ''}. Check that it runs (\`${executablePath} --headless --version\`), or install it with \`apt-get install chromium\`.`,
      { cause },
    );
  }
}

/**
 * Opens an HTML file in headless Chromium and writes a full-page PNG screenshot after the charts
 * are drawn (the report turns animation off, so the first frame is final); with `figuresOnly`,
 * only the part above the landmark-set tables.
 */
export async function screenshotHtml(
  htmlFile: string,
  pngFile: string,
  options: { executablePath?: string; width?: number; figuresOnly?: boolean } = {},
): Promise<void> {
  const browser = await launchChromium(options.executablePath === undefined ? {} : { executablePath: options.executablePath });
  try {
    const page = await browser.newPage({ viewport: { width: options.width ?? 1200, height: 900 } });
    await page.goto(pathToFileURL(htmlFile).href, { waitUntil: 'load' });
    await page.waitForFunction('document.body.getAttribute("data-charts") !== null', undefined, { timeout: 10_000 });
    // figuresOnly: the page down to the landmark-set tables (results table and every chart).
    const cut = options.figuresOnly === true ? await page.evaluate('document.getElementById("landmark-set")?.getBoundingClientRect().top ?? null') : null;
    if (typeof cut === 'number' && cut > 0) {
      const width = options.width ?? 1200;
      await page.screenshot({ path: pngFile, fullPage: true, clip: { x: 0, y: 0, width, height: Math.ceil(cut) } });
    } else {
      await page.screenshot({ path: pngFile, fullPage: true });
    }
  } finally {
    await browser.close();
  }
}
