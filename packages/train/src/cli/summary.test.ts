import { describe, expect, it } from 'vitest';

import type { SearchResult } from '../search/run-search.js';
import { formatSearchSummary } from './summary.js';

const variant = (name: 'baseline' | 'landmarks', skdt: number, groundTruth?: number) => ({
  name, skdt, kendallTau: skdt, spearman: skdt + 0.01, supernetAccuracy: [0.5, 0.6], epochs: [],
  best: { arch: 'a', groundTruth: 0.61, supernetAccuracy: 0.6 }, seconds: 1,
  search: { sampler: 'spos', evaluated: 200, top: [{ arch: '|x~0|', supernetAccuracy: 0.57, ...(groundTruth === undefined ? {} : { groundTruth }) }] },
});

describe('formatSearchSummary', () => {
  it('puts S-KdT with and without landmarks side by side and names what the search found', () => {
    const result = {
      space: 'nb201', dataset: 'fashion-mnist-mini', backend: 'wasm', seconds: 600,
      landmarks: [{ accuracy: 0.5 }], heldOut: [{ accuracy: 0.441 }, { accuracy: 0.692 }],
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
});
