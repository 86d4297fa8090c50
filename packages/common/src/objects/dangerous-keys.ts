import { InvalidArgumentError } from '../errors/lmreg-error.js';

/** Keys that `JSON.parse` keeps as own properties but that plain-object code silently misreads. */
const DANGEROUS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Paths (`a.b[2].__proto__`) of every `__proto__`, `constructor` or `prototype` key in a parsed
 * JSON value. `JSON.parse('{"__proto__": {...}}')` keeps `__proto__` as an own key, which a
 * spread or schema parser then drops or applies to the prototype instead of reporting it.
 * Cycles are not followed (JSON has none). Returns `[]` for a clean value.
 */
export function findDangerousKeys(value: unknown): string[] {
  const found: string[] = [];
  const seen = new Set<object>();
  const walk = (v: unknown, at: string): void => {
    if (v === null || typeof v !== 'object' || seen.has(v)) return;
    seen.add(v);
    if (Array.isArray(v)) {
      v.forEach((x, i) => walk(x, `${at}[${i}]`));
      return;
    }
    for (const key of Object.keys(v)) {
      const path = at === '' ? key : `${at}.${key}`;
      if (DANGEROUS.has(key)) found.push(path);
      else walk((v as Record<string, unknown>)[key], path);
    }
  };
  walk(value, '');
  return found;
}

/**
 * Throws `InvalidArgumentError` naming `source` (a file or flag) and each offending path when a
 * parsed JSON value holds a `__proto__`, `constructor` or `prototype` key; returns `value`
 * unchanged otherwise. Call it on `JSON.parse` output before validating a config.
 */
export function rejectDangerousKeys<T>(value: T, source: string): T {
  const paths = findDangerousKeys(value);
  if (paths.length > 0) {
    throw new InvalidArgumentError(
      `${source}: the key${paths.length > 1 ? 's' : ''} ${paths.map((p) => `'${p}'`).join(', ')} cannot be used in a config (it would be ignored or change object prototypes). Remove ${paths.length > 1 ? 'them' : 'it'}; config fields are listed in the documentation.`,
    );
  }
  return value;
}
