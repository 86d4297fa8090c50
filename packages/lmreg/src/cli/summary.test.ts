import { describe, expect, it } from 'vitest';

import type { SearchResult } from '../search/search-result.js';
import { formatSearchSummary } from './summary.js';

const variant = (name: 'baseline' | 'landmarks', skdt: number, groundTruth?: number) => ({
  name,
  skdt,
  kendallTau: skdt,
  spearman: skdt + 0.01,
  supernetAccuracy: [0.5, 0.6],
  epochs: [],
  best: { arch: 'a', groundTruth: 0.61, supernetAccuracy: 0.6 },
  seconds: 1,
  search: { sampler: 'spos', evaluated: 200, top: [{ arch: '|x~0|', supernetAccuracy: 0.57, ...(groundTruth === undefined ? {} : { groundTruth }) }] },
});

describe('formatSearchSummary', () => {
  it('puts S-KdT with and without landmarks side by side and names what the search found', () => {
    const result = {
      space: 'nb201',
      dataset: 'fashion-mnist-mini',
      backend: 'wasm',
      seconds: 600,
      landmarks: [{ accuracy: 0.5 }],
      heldOut: [{ accuracy: 0.441 }, { accuracy: 0.692 }],
      variants: [variant('baseline', 0.101), variant('landmarks', 0.202, 0.595)],
    } as unknown as SearchResult;
    const text = formatSearchSummary(result, '/runs/x');
    expect(text).toMatch(/without \(baseline\)\s+\|\s+0\.101/);
    expect(text).toMatch(/with landmarks\s+\|\s+0\.202/);
    expect(text).toContain('44.10..69.20 %');
    expect(text).toMatch(/search \(spos, 200 architectures evaluated on the landmark super-net\): \|x~0\| \(super-net 57\.00 %, 59\.50 % trained alone\)/);
    expect(text).toMatch(/baseline super-net\): \|x~0\| \(super-net 57\.00 %, not trained alone\)/);
    expect(text).toContain('/runs/x');
  });

  it('on a ground-truth table: names the table, its noise ceiling and the rank of what the search found', () => {
    const v = variant('landmarks', 0.3, 0.7405);
    const result = {
      space: 'nb201',
      dataset: 'fashion-mnist',
      backend: 'wasm',
      seconds: 60,
      groundTruth: { name: 'fmnist-nb201', size: 250, noiseCeiling: { skdt: 0.634, kendallTau: 0.64, spearman: 0.8, n: 250 } },
      landmarks: [{ accuracy: 0.5 }],
      heldOut: [{ accuracy: 0.66 }, { accuracy: 0.77 }],
      variants: [{ ...v, search: { ...v.search, top: [{ ...v.search.top[0], rank: 17 }] } }],
    } as unknown as SearchResult;
    const text = formatSearchSummary(result, '/runs/y');
    expect(text).toContain("held-out architectures from the table 'fmnist-nb201' (250 architectures)");
    expect(text).toContain("noise ceiling (S-KdT between the table's two training seeds): 0.634");
    expect(text).toContain('74.05 % in the table, rank 17 of 250');
  });
});
