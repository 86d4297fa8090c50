import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { sparseKendallTau } from '@lmreg/metrics';
import { describe, expect, it } from 'vitest';

import { readSearchResult } from '../search/search-result.js';
import { skdtVariants } from './skdt-variants.js';

const results = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../experiments/fmnist/results');

describe('skdtVariants', () => {
  it('recomputes the S-KdT every committed fmnist run recorded (binned-tau-b), and the released-code variant beside it', () => {
    const runs = fs.readdirSync(results).filter((d) => fs.existsSync(path.join(results, d, 'result.json')));
    expect(runs.length).toBeGreaterThan(50);
    let differ = 0;
    for (const run of runs) {
      const result = readSearchResult(path.join(results, run, 'result.json'));
      const truth = result.heldOut.map((h) => h.accuracy);
      for (const v of result.variants) {
        const s = skdtVariants(v.supernetAccuracy, truth);
        expect(s.binned, `${run} ${v.name}`).toBe(v.skdt);
        expect(s.released).toBe(sparseKendallTau(v.supernetAccuracy, truth, { threshold: 1e-3, variant: 'released-code' }));
        if (s.released !== s.binned) differ++;
      }
    }
    expect(differ).toBeGreaterThan(0); // the two variants are not the same number
  });

  it('is NaN instead of throwing where S-KdT is undefined', () => {
    expect(skdtVariants([0.5, Number.NaN, 0.4], [0.8, 0.7, 0.6])).toEqual({ binned: Number.NaN, released: Number.NaN });
    expect(skdtVariants([0.5], [0.8])).toEqual({ binned: Number.NaN, released: Number.NaN });
    expect(skdtVariants([0.5, 0.5, 0.5], [0.8, 0.7, 0.6])).toEqual({ binned: Number.NaN, released: Number.NaN });
    expect(skdtVariants([0.1, 0.2], [0.8, 0.7, 0.6]).binned).toBeNaN();
    expect(skdtVariants([0.1, 0.2, 0.3], [0.6, 0.7, 0.8])).toEqual({ binned: 1, released: 1 });
  });
});
