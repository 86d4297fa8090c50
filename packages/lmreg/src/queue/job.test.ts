import { fc, test } from '@fast-check/vitest';
import { DEFAULT_GROUND_TRUTH } from '@lmreg/train';
import { describe, expect, it } from 'vitest';

import { redisOptionsOf, redactUrl } from './connection.js';
import { SEARCH_PRESETS } from '../config/search-config.js';
import { jobIdOf, queueJobSchema, recipeHashOf, standaloneJobIdOf } from './job.js';
import { standaloneJobRecipeSchema, standaloneRecipeOf } from './standalone-recipe.js';
import { createQueueProgressReporter, formatQueueProgress } from './progress-line.js';

describe('job identity', () => {
  it('the recipe hash ignores key order and dataDir, and changes with anything that changes the rows', () => {
    const h = recipeHashOf(DEFAULT_GROUND_TRUTH);
    expect(h).toMatch(/^[0-9a-f]{16}$/);
    const reordered = Object.fromEntries(Object.entries(DEFAULT_GROUND_TRUTH).reverse()) as typeof DEFAULT_GROUND_TRUTH;
    expect(recipeHashOf(reordered)).toBe(h);
    expect(recipeHashOf({ ...DEFAULT_GROUND_TRUTH, dataDir: '/srv/data' })).toBe(h);
    expect(recipeHashOf({ ...DEFAULT_GROUND_TRUTH, recipe: { ...DEFAULT_GROUND_TRUTH.recipe, lr: 0.2 } })).not.toBe(h);
    expect(recipeHashOf({ ...DEFAULT_GROUND_TRUTH, seeds: [1, 0] })).not.toBe(h);
  });

  test.prop([fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), fc.integer(), fc.integer()])(
    'job ids are BullMQ-safe and one per (key, seed)',
    (a, b, s, t) => {
      const id = jobIdOf('0123456789abcdef', a, s);
      expect(id).toMatch(/^gt\.[0-9a-f]{16}\.[0-9a-f]{16}\.-?\d+$/);
      expect(jobIdOf('0123456789abcdef', a, s)).toBe(id);
      if (a !== b || s !== t) expect(jobIdOf('0123456789abcdef', b, t)).not.toBe(id);
    },
  );

  it("a search's stand-alone recipe: only what changes a stand-alone result changes its hash; its jobs have their own ids", () => {
    const config = SEARCH_PRESETS.tiny;
    const recipe = standaloneRecipeOf(config);
    expect(standaloneJobRecipeSchema.parse(recipe)).toEqual(recipe);
    const h = recipeHashOf(recipe);
    expect(h).toMatch(/^[0-9a-f]{16}$/);
    // The super-net's settings, the sampler and where the data lies do not change a stand-alone training.
    expect(recipeHashOf(standaloneRecipeOf({ ...config, epochs: 9, sampler: 'random', ranking: { ...config.ranking, lambdaMax: 1 }, dataDir: '/srv' }))).toBe(
      h,
    );
    expect(recipeHashOf(standaloneRecipeOf({ ...config, standalone: { ...config.standalone, lr: 0.2 } }))).not.toBe(h);
    expect(recipeHashOf(standaloneRecipeOf({ ...config, seed: 1 }))).not.toBe(h);
    expect(recipeHashOf(standaloneRecipeOf({ ...config, trainSubset: 100 }))).not.toBe(h);
    expect(standaloneJobIdOf(h, 'k', 3)).toMatch(/^sa\.[0-9a-f]{16}\.[0-9a-f]{16}\.3$/);
    expect(standaloneJobIdOf(h, 'k', 3)).not.toBe(jobIdOf(h, 'k', 3));
    const job = { kind: 'standalone', version: '0.1.0', recipeHash: h, arch: 'a', key: 'k', seed: 3, recipe, timeoutSeconds: 60 };
    expect(queueJobSchema.safeParse(job).success).toBe(true);
    expect(queueJobSchema.safeParse({ ...job, index: 0 }).success).toBe(false);
    expect(standaloneJobRecipeSchema.safeParse({ ...recipe, epochs: 2 }).success).toBe(false); // a super-net field is not part of it
  });

  it('the job schema refuses unknown kinds and fields', () => {
    expect(queueJobSchema.safeParse({ kind: 'noop', version: '0.1.0', note: 'load-test job: trains nothing, returns at once' }).success).toBe(true);
    expect(queueJobSchema.safeParse({ kind: 'search', version: '0.1.0' }).success).toBe(false);
    expect(queueJobSchema.safeParse({ kind: 'noop', version: '0.1.0', note: 'x' }).success).toBe(false);
  });
});

describe('queue URLs', () => {
  it('parses redis URLs and refuses others with the fix', () => {
    expect(redisOptionsOf('redis://10.0.0.5:6380/2')).toMatchObject({ host: '10.0.0.5', port: 6380, db: 2, maxRetriesPerRequest: null });
    expect(redisOptionsOf('redis://:s3cret@host')).toMatchObject({ host: 'host', port: 6379, password: 's3cret' });
    expect(() => redisOptionsOf('localhost:6379')).toThrow(/redis:\/\/ or rediss:\/\//);
    expect(() => redisOptionsOf('not a url')).toThrow(/Redis URL like redis:\/\/127.0.0.1:6379/);
    expect(redactUrl('redis://u:s3cret@host:1')).toBe('redis://u:***@host:1');
  });
});

describe('queue progress', () => {
  it('formats counts and ETA; plain lines off a terminal only when counts change', () => {
    expect(formatQueueProgress({ total: 24, done: 7, running: 2, waiting: 15, failed: 0, etaSeconds: 80 })).toBe(
      '7/24 done, 2 running, 15 waiting, 0 failed, ETA 1 min 20 s',
    );
    expect(formatQueueProgress({ total: 2, done: 1, running: 0, waiting: 0, failed: 1, etaSeconds: undefined })).toBe(
      '1/2 done, 0 running, 0 waiting, 1 failed',
    );
    const lines: string[] = [];
    const r = createQueueProgressReporter({ quiet: false, everyMs: 0, stream: { isTTY: false, write: (s: string) => lines.push(s) } });
    r.update({ total: 2, done: 0, running: 1, waiting: 1, failed: 0, etaSeconds: undefined });
    r.update({ total: 2, done: 0, running: 2, waiting: 0, failed: 0, etaSeconds: undefined });
    r.update({ total: 2, done: 2, running: 0, waiting: 0, failed: 0, etaSeconds: 0 });
    expect(lines).toEqual(['[queue] 0/2 done, 1 running, 1 waiting, 0 failed, ETA ?\n', '[queue] 2/2 done, 0 running, 0 waiting, 0 failed\n']);
  });
});
