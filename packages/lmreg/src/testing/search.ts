// Helpers of the search tests (src/search): the tiny search they all start from, run on the cpu
// backend with a leak check. Private to this package's tests (they import vitest).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { expectNoTensorLeak } from '@lmreg/common/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, expect } from 'vitest';

import { resolveSearchConfig, type SearchConfig } from '../config/search-config.js';
import { runSearch, type SearchJobOptions } from '../search/run-search.js';
import type { SearchResult } from '../search/search-result.js';

/**
 * The smallest search that exercises every phase: the `tiny` preset with 128 training and 64 test
 * images, one epoch of batches of 16, 3 held-out architectures, 3 diverse landmarks (tau 2) and no
 * baseline variant. Tests override what they exercise.
 */
export const TINY_SEARCH = {
  preset: 'tiny',
  trainSubset: 128,
  testSubset: 64,
  epochs: 1,
  batchSize: 16,
  heldOut: 3,
  compareBaseline: false,
  landmarks: { count: 3, selection: 'diverse', tau: 2 },
  ranking: { batchSize: 16 },
  standalone: { epochs: 1, batchSize: 32 },
} as const;

/** {@link TINY_SEARCH} with `values` deep-merged over it (nested objects merge key by key), resolved. */
export function tinySearchConfig(values: Record<string, unknown> = {}): SearchConfig {
  return resolveSearchConfig([
    { source: 'TINY_SEARCH', values: TINY_SEARCH },
    { source: 'test', values },
  ]);
}

/** Sets the cpu backend before the file's tests. */
export function useCpuBackend(): void {
  beforeAll(async () => {
    expect(await tf.setBackend('cpu')).toBe(true);
  });
}

/** Runs the search and checks that it left `tf.memory().numTensors` unchanged. */
export function runSearchWithoutLeaks(options: SearchJobOptions): Promise<SearchResult> {
  return expectNoTensorLeak(() => runSearch(options), { label: 'runSearch' });
}

/** Runs `body` with a fresh temporary folder, removed afterwards whether `body` passed or not. */
export async function withTempDir<T>(prefix: string, body: (dir: string) => Promise<T>): Promise<T> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  try {
    return await body(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
