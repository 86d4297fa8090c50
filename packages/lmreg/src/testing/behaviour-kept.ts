import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { expect } from 'vitest';

import { selectBackend } from '@lmreg/train';

import { resolveSearchConfig, type SearchConfig } from '../config/search-config.js';
import { runSearchWithoutLeaks, withTempDir } from './search.js';

/** `value` without its `seconds` fields (wall time differs from run to run). */
export function withoutSeconds(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSeconds);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([k]) => k !== 'seconds')
        .map(([k, v]) => [k, withoutSeconds(v)]),
    );
  }
  return value;
}

/**
 * Runs the search of `fixtures/pre-refactor-<name>/config.json` on the cpu backend and asserts that
 * its result equals the recorded one bit for bit, except the baseline's per-epoch lambda (now 0).
 * Private to this package's tests.
 */
export async function expectSameAsBeforeRefactor(name: string): Promise<void> {
  const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'search', 'fixtures', `pre-refactor-${name}`);
  const recorded = JSON.parse(fs.readFileSync(path.join(dir, 'result.json'), 'utf8')) as { variants: { name: string; epochs: { lambda: number }[] }[] };
  const config: SearchConfig = resolveSearchConfig([
    { source: `fixtures/pre-refactor-${name}/config.json`, values: JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) },
  ]);
  // As `lmreg search --backend cpu` does: the cpu backend with lmreg's training kernels (AvgPoolGrad fix, ...).
  expect((await selectBackend('cpu')).name).toBe('cpu');
  await withTempDir(`lmreg-kept-${name}-`, async (out) => {
    const result = withoutSeconds(JSON.parse(JSON.stringify(await runSearchWithoutLeaks({ config, outDir: out })))) as typeof recorded;
    const baseline = result.variants.find((v) => v.name === 'baseline');
    expect(baseline?.epochs.map((e) => e.lambda)).toEqual(baseline?.epochs.map(() => 0));
    for (const v of recorded.variants) if (v.name === 'baseline') v.epochs = v.epochs.map((e) => ({ ...e, lambda: 0 }));
    expect(result).toEqual(recorded);
  });
}
