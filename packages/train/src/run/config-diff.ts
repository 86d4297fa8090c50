/** Short printable form of a JSON value for a message. */
function show(v: unknown): string {
  if (v === undefined) return '(absent)';
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * The fields in which two JSON configs differ, as `path: saved → now` lines (`landmarks.count: 3 → 5`),
 * in key order. Top-level keys in `ignore` are skipped. Compares JSON forms (so `undefined`
 * fields count as absent).
 */
export function configDifferences(saved: unknown, now: unknown, ignore: readonly string[] = []): string[] {
  const out: string[] = [];
  const walk = (a: unknown, b: unknown, at: string): void => {
    if (isRecord(a) && isRecord(b)) {
      const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
      for (const k of keys) {
        if (at === '' && ignore.includes(k)) continue;
        walk(a[k], b[k], at === '' ? k : `${at}.${k}`);
      }
      return;
    }
    if (JSON.stringify(a) !== JSON.stringify(b)) out.push(`${at === '' ? '(whole config)' : at}: ${show(a)} → ${show(b)}`);
  };
  walk(JSON.parse(JSON.stringify(saved ?? null)) as unknown, JSON.parse(JSON.stringify(now ?? null)) as unknown, '');
  return out;
}
