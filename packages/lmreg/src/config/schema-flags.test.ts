import { fc, test } from '@fast-check/vitest';
import { registerSampler } from '@lmreg/samplers';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

import { addSchemaFlags, flagValues, schemaFlags } from './schema-flags.js';
import { resolveSearchConfig, searchConfigSchema, type SearchConfig } from './search-config.js';

/** Parses `argv` with the schema's flags and returns the config layer they make. */
function parse(schema: z.ZodType, argv: string[]): Record<string, unknown> {
  const command = new Command('t').exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  const flags = addSchemaFlags(command, schema);
  command.parse(argv, { from: 'user' });
  return flagValues(flags, command.opts());
}

/** Every leaf path of the search config (what a flag must exist for). */
function leafPaths(value: unknown, prefix: string[] = []): string[][] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [prefix];
  return Object.entries(value).flatMap(([k, v]) => leafPaths(v, [...prefix, k]));
}

describe('flags derived from a zod schema', () => {
  it('types, names, nesting, choices and booleans come from the schema', () => {
    const schema = z.strictObject({
      epochs: z.number().int().positive(),
      lr: z.number().positive(),
      name: z.string().optional(),
      kind: z.enum(['a', 'b']),
      nested: z.strictObject({ batchSize: z.number().int().meta({ flag: 'bs' }), keep: z.boolean() }),
      compare: z.boolean().meta({ negate: 'compare' }),
    });
    expect(parse(schema, ['--epochs', '3', '--lr', '0.5', '--name', 'x', '--kind', 'b', '--bs', '7', '--no-nested-keep', '--no-compare'])).toEqual({
      epochs: 3,
      lr: 0.5,
      name: 'x',
      kind: 'b',
      nested: { batchSize: 7, keep: false },
      compare: false,
    });
    expect(parse(schema, ['--nested-keep'])).toEqual({ nested: { keep: true } });
    expect(parse(schema, [])).toEqual({});
    expect(() => parse(schema, ['--epochs', '2.5'])).toThrow(/expected an integer, got '2.5'/);
    expect(() => parse(schema, ['--lr', 'fast'])).toThrow(/expected a number, got 'fast'/);
    // An empty value is refused, not read as 0 (Number('') is 0).
    expect(() => parse(schema, ['--epochs', ''])).toThrow(/expected an integer, got ''/);
    expect(() => parse(schema, ['--lr', ' '])).toThrow(/expected a number, got ' '/);
    expect(() => parse(schema, ['--kind', 'c'])).toThrow(/Allowed choices are a, b/);
  });

  it('every field of the search config has exactly one flag, and flag names are unique', () => {
    const flags = schemaFlags(searchConfigSchema);
    const paths = flags.map((f) => f.path.join('.'));
    const defaults = resolveSearchConfig([]);
    const settable = [...leafPaths(defaults).map((p) => p.join('.')), 'dataDir', 'landmarks.add', 'groundTruth', 'cost'];
    expect([...paths].sort()).toEqual([...settable].sort());
    const names = flags.flatMap((f) => f.options.map((o) => o.long));
    expect(new Set(names).size).toBe(names.length);
    // The names the grid and the README use are kept.
    for (const n of [
      '--pairs',
      '--rank-every',
      '--rank-batch-size',
      '--cost',
      '--lambda-max',
      '--no-baseline',
      '--no-landmark-term',
      '--landmarks',
      '--add-landmarks',
      '--held-out',
    ])
      expect(names).toContain(n);
  });

  test.prop([fc.integer({ min: 2, max: 1000 }), fc.integer({ min: 1, max: 8 }), fc.double({ min: 0.001, max: 10, noNaN: true }), fc.boolean()])(
    'flags land at their config paths and resolve like the same values in a config file',
    (epochs, pairs, lambdaMax, baseline) => {
      const argv = ['--epochs', String(epochs), '--pairs', String(pairs), '--lambda-max', String(lambdaMax), ...(baseline ? [] : ['--no-baseline'])];
      const layer = parse(searchConfigSchema, argv);
      const fromFlags: SearchConfig = resolveSearchConfig([{ source: 'flags', values: layer }]);
      const fromFile: SearchConfig = resolveSearchConfig([
        { source: 'file', values: { epochs, ranking: { pairs, lambdaMax }, ...(baseline ? {} : { compareBaseline: false }) } },
      ]);
      expect(fromFlags).toEqual(fromFile);
    },
  );

  it('sampler, schedule and space names come from the registries: a sampler registered later is accepted', () => {
    expect(() => resolveSearchConfig([{ source: 'flags', values: { sampler: 'my-sampler' } }])).toThrow(
      /unknown sampler 'my-sampler'; registered: random, spos, predictor, gdas, nao/,
    );
    registerSampler({ name: 'my-sampler', description: 'test', spaces: 'any', create: () => ({}) as never });
    expect(resolveSearchConfig([{ source: 'flags', values: { sampler: 'my-sampler' } }]).sampler).toBe('my-sampler');
    expect(resolveSearchConfig([{ source: 'flags', values: { sampler: 'predictor' } }]).sampler).toBe('predictor');
    expect(() => resolveSearchConfig([{ source: 'flags', values: { ranking: { schedule: 'cosine' } } }])).toThrow(
      /unknown lambda schedule 'cosine'; registered: .*cosine-increasing/,
    );
    expect(() => resolveSearchConfig([{ source: 'flags', values: { space: 'nb999' } }])).toThrow(
      /unknown search space with a network builder 'nb999'; registered: nb101, nb201/,
    );
    expect(() => resolveSearchConfig([{ source: 'flags', values: { sampler: 'gdas', space: 'nb101' } }])).toThrow(/gdas supports the spaces nb201/);
  });

  it('refuses __proto__, constructor and prototype keys in a config layer, naming them', () => {
    const values = JSON.parse('{"epochs": 3, "__proto__": {"lr": 9}, "ranking": {"constructor": 1}}') as unknown;
    expect(() => resolveSearchConfig([{ source: 'bad.json', values }])).toThrow(/bad\.json.*'__proto__', 'ranking\.constructor'/);
  });
});
