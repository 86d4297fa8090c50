import { FileFormatError } from '../errors/lmreg-error.js';

/**
 * Parses RFC 4180 CSV text (quoted fields may hold commas, line breaks and doubled quotes; lines
 * end in LF or CRLF) into one record per row, keyed by the header row. Blank lines are skipped.
 * For reading reference tables in tests.
 *
 * @param source names the text in errors (e.g. its file name).
 * @throws FileFormatError when there is no header or a row has another number of fields.
 */
export function parseCsv(text: string, source?: string): Record<string, string>[] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const endRow = (): void => {
    row.push(field);
    if (row.some((f) => f !== '')) rows.push(row);
    row = [];
    field = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRow();
    } else field += c;
  }
  if (field !== '' || row.length > 0) endRow();
  const [header, ...body] = rows;
  if (header === undefined) throw new FileFormatError(source, 'the CSV text has no header row');
  return body.map((r, index) => {
    if (r.length !== header.length) throw new FileFormatError(source, `row ${index + 1} has ${r.length} fields, the header ${header.length}`);
    return Object.fromEntries(header.map((h, k) => [h, r[k] ?? '']));
  });
}
