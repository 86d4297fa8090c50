import type { MeanStd } from './report-types.js';

/** Shown for a value that is missing or undefined. */
export const DASH = '—';

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

/** A fraction as a percentage, `81.23%`; a dash when missing. */
export function pct(x: number | null | undefined, digits = 2): string {
  return typeof x === 'number' && Number.isFinite(x) ? `${(100 * x).toFixed(digits)}%` : DASH;
}

/** A number with fixed digits; a dash when missing. */
export function fixed(x: number | null | undefined, digits = 3): string {
  return typeof x === 'number' && Number.isFinite(x) ? x.toFixed(digits) : DASH;
}

/** Hours with precision that suits their size; a dash when not recorded. */
export function hours(h: number | null): string {
  if (h === null || !Number.isFinite(h)) return DASH;
  return h >= 10 ? h.toFixed(1) : h >= 0.1 ? h.toFixed(2) : h.toFixed(3);
}

/** `0.412 ± 0.031` (sample std), or just the mean for a single run. */
export function formatMeanStd(m: MeanStd | null, digits = 3): string {
  if (m === null) return DASH;
  return m.std === null ? `${m.mean.toFixed(digits)} ± ${DASH}` : `${m.mean.toFixed(digits)} ± ${m.std.toFixed(digits)}`;
}

/** `<table id=..>` with a header row and body rows; cells are HTML already, the first `textColumns` align left; `rowTitle` is a row's tooltip. */
export function table(
  id: string,
  head: readonly string[],
  rows: readonly (readonly string[])[],
  options: { textColumns?: number; rowClass?: (i: number) => string; rowTitle?: (i: number) => string } = {},
): string {
  const text = options.textColumns ?? 1;
  const body = rows.map((cells, i) => {
    const cls = options.rowClass?.(i) ?? '';
    const title = options.rowTitle?.(i) ?? '';
    return `<tr${cls === '' ? '' : ` class="${cls}"`}${title === '' ? '' : ` title="${escapeHtml(title)}"`}>${cells.map((c, j) => (j < text ? `<td class="text">${c}</td>` : `<td>${c}</td>`)).join('')}</tr>`;
  });
  return `<table id="${id}"><thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${body.join('\n')}</tbody></table>`;
}
