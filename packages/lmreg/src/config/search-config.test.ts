import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { ConfigError, PRESET_OVERRIDES, readConfigFile, resolveSearchConfig, SEARCH_DEFAULTS, SEARCH_PRESETS } from './search-config.js';

describe('resolveSearchConfig', () => {
  it('gives the small preset by default and layers file then flags', () => {
    expect(resolveSearchConfig([])).toEqual(SEARCH_PRESETS.small);
    const c = resolveSearchConfig([
      { source: 'file', values: { epochs: 9, ranking: { lambdaMax: 3 } } },
      { source: 'flags', values: { epochs: 12 } },
    ]);
    expect(c.epochs).toBe(12);
    expect(c.ranking.lambdaMax).toBe(3);
    expect(c.ranking.schedule).toBe('cosine-increasing');
  });

  it('takes the preset from any layer', () => {
    expect(resolveSearchConfig([{ source: 'flags', values: { preset: 'tiny' } }]).imageSize).toBe(SEARCH_PRESETS.tiny.imageSize);
  });

  it('reports one line per bad field, naming the field', () => {
    try {
      resolveSearchConfig([{ source: 'cfg.json', values: { epochs: -1, ranking: { schedule: 'wobbly' }, bogus: 1 } }]);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const issues = (e as ConfigError).issues.join('\n');
      expect(issues).toMatch(/^epochs:/m);
      expect(issues).toMatch(/^ranking\.schedule:/m);
      expect(issues).toMatch(/bogus/);
      expect((e as Error).message).toContain('cfg.json');
    }
  });

  it('checks cross-field rules', () => {
    expect(() => resolveSearchConfig([{ source: 'f', values: { epochs: 2, warmupEpochs: 2 } }])).toThrow(/warmupEpochs/);
  });

  it('reads JSON and YAML files and names the file on a syntax error', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lmreg-cfg-'));
    fs.writeFileSync(path.join(dir, 'a.yaml'), 'epochs: 3\nranking:\n  pairs: 2\n');
    fs.writeFileSync(path.join(dir, 'b.json'), '{"epochs": ');
    expect(readConfigFile(path.join(dir, 'a.yaml'))).toEqual({ epochs: 3, ranking: { pairs: 2 } });
    expect(() => readConfigFile(path.join(dir, 'b.json'))).toThrow(/b\.json/);
    fs.rmSync(dir, { recursive: true });
  });
});

describe('space-specific checks', () => {
  it('a named cost sets the ranking batch from the super-net batch, and refuses a contradicting --rank-batch-size', () => {
    const lean = resolveSearchConfig([{ source: 'flags', values: { batchSize: 128, cost: 'lean' } }]);
    expect(lean.ranking.batchSize).toBe(32);
    const balanced = resolveSearchConfig([{ source: 'file', values: { batchSize: 100, cost: 'balanced' } }]);
    expect(balanced.ranking.batchSize).toBe(50);
    expect(resolveSearchConfig([{ source: 'flags', values: { batchSize: 2, cost: 'lean' } }]).ranking.batchSize).toBe(1);
    // full (or no cost) keeps the ranking batch as given.
    expect(resolveSearchConfig([{ source: 'flags', values: { batchSize: 128, cost: 'full', ranking: { batchSize: 96 } } }]).ranking.batchSize).toBe(96);
    expect(resolveSearchConfig([{ source: 'flags', values: { batchSize: 128 } }]).ranking.batchSize).toBe(SEARCH_DEFAULTS.ranking.batchSize);
    // The same value given twice agrees; a different one is named with its source.
    expect(resolveSearchConfig([{ source: 'flags', values: { batchSize: 128, cost: 'lean', ranking: { batchSize: 32 } } }]).ranking.batchSize).toBe(32);
    expect(() =>
      resolveSearchConfig([
        { source: 'run.yaml', values: { ranking: { batchSize: 64 } } },
        { source: 'flags', values: { batchSize: 128, cost: 'lean' } },
      ]),
    ).toThrow(/cost: 'lean' sets ranking\.batchSize to 32 .*run\.yaml gives ranking\.batchSize 64; pass either --cost or --rank-batch-size/);
    expect(() => resolveSearchConfig([{ source: 'flags', values: { cost: 'cheap' } }])).toThrow(/cost/);
  });

  it('asks for an NB201 image size that survives two stride-2 reductions', () => {
    expect(() => resolveSearchConfig([{ source: 'flags', values: { imageSize: 14 } }])).toThrow(/multiple of 4.*try 16/);
  });

  it('presets are partial overrides of the defaults, and tiny resolves to what the recorded pre-refactor runs used', () => {
    expect(PRESET_OVERRIDES.small).toEqual({});
    expect(SEARCH_PRESETS.small).toEqual(SEARCH_DEFAULTS);
    // Every field a preset overrides differs from the default (an override that repeats a default is noise).
    expect(
      Object.keys(PRESET_OVERRIDES.tiny).every(
        (k) =>
          JSON.stringify((PRESET_OVERRIDES.tiny as Record<string, unknown>)[k]) !== JSON.stringify((SEARCH_DEFAULTS as unknown as Record<string, unknown>)[k]),
      ),
    ).toBe(true);
    const recorded = JSON.parse(fs.readFileSync(new URL('../search/fixtures/pre-refactor-spos/config.json', import.meta.url), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(resolveSearchConfig([{ source: 'flags', values: { preset: 'tiny', seed: 3 } }])).toEqual(recorded);
  });
});
