// Real-data check on NAS-Bench-201: the 15,625 cells' 200-epoch test accuracies (percent) on
// CIFAR-10, CIFAR-100 and ImageNet16-120. Columns are described in shared/data/nasbench201/SOURCE.md.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { createRng } from '@lmreg/common';
import { describe, expect, it } from 'vitest';

import { bruteAverageRanks, bruteKendallTauB, brutePearson } from './internal/reference.js';
import { bestRank, kendallTau, precisionAtK, sparseKendallTau, spearman } from './index.js';

const CSV = fileURLToPath(new URL('../../../../shared/data/nasbench201/nb201_all.csv', import.meta.url));
const COLUMNS = ['cifar10_test_200', 'cifar100_test_200', 'imagenet16_test_200'] as const;
type Column = (typeof COLUMNS)[number];

function readColumns(): Record<Column, Float64Array> {
  const lines = readFileSync(CSV, 'utf8').trim().split('\n');
  const header = (lines[0] ?? '').split(',');
  const out = {} as Record<Column, Float64Array>;
  for (const name of COLUMNS) {
    const at = header.indexOf(name);
    if (at < 0) throw new Error(`column ${name} missing from ${CSV}`);
    out[name] = Float64Array.from(lines.slice(1), (line) => Number(line.split(',')[at]));
  }
  return out;
}

const data = readColumns();

/**
 * Full-table values computed once, independently, with SciPy 1.17.1 / NumPy 2.4.6 in float64:
 * `kendalltau(pred, gt)`, `spearmanr(pred, gt)`, `kendalltau(pred, floor(gt * (1 / 0.1)))`, and for
 * the released-code variant `kendalltau(sort(bins), bins[argsort(pred, kind='stable')])`; top-k
 * with `argsort(-x, kind='stable')`.
 */
const SCIPY: readonly {
  predicted: Column;
  groundTruth: Column;
  tau: number;
  rho: number;
  skdt: number;
  skdtReleased: number;
  bestRank: number;
  p10: number;
  p100: number;
}[] = [
  {
    predicted: 'cifar100_test_200',
    groundTruth: 'cifar10_test_200',
    tau: 0.8819568821873828,
    rho: 0.9801721634332402,
    skdt: 0.8869359386928104,
    skdtReleased: 0.8920078533052967,
    bestRank: 3,
    p10: 0.4,
    p100: 0.68,
  },
  {
    predicted: 'imagenet16_test_200',
    groundTruth: 'cifar10_test_200',
    tau: 0.8395990050096596,
    rho: 0.9592743337160837,
    skdt: 0.8444350455307502,
    skdtReleased: 0.8490598969365343,
    bestRank: 44,
    p10: 0.2,
    p100: 0.46,
  },
  {
    predicted: 'imagenet16_test_200',
    groundTruth: 'cifar100_test_200',
    tau: 0.8465133676911062,
    rho: 0.9635988735792812,
    skdt: 0.8490359864025947,
    skdtReleased: 0.8515883596563529,
    bestRank: 11,
    p10: 0.2,
    p100: 0.55,
  },
];

describe('NAS-Bench-201 real data (15,625 cells)', () => {
  it('reads the table the SOURCE.md describes', () => {
    expect(data.cifar10_test_200.length).toBe(15_625);
    expect(Math.max(...data.cifar10_test_200)).toBe(94.373333);
    expect(Math.max(...data.cifar100_test_200)).toBe(73.513333);
    expect(Math.max(...data.imagenet16_test_200)).toBe(47.311111);
  });

  it.each(SCIPY)('$predicted -> $groundTruth: full-table fast path equals SciPy within 1e-12', (ref) => {
    const predicted = data[ref.predicted];
    const groundTruth = data[ref.groundTruth];
    expect(Math.abs(kendallTau(predicted, groundTruth) - ref.tau)).toBeLessThan(1e-12);
    expect(Math.abs(spearman(predicted, groundTruth) - ref.rho)).toBeLessThan(1e-12);
    expect(Math.abs(sparseKendallTau(predicted, groundTruth, { threshold: 0.1 }) - ref.skdt)).toBeLessThan(1e-12);
    const released = sparseKendallTau(predicted, groundTruth, { threshold: 0.1, variant: 'released-code' });
    expect(Math.abs(released - ref.skdtReleased)).toBeLessThan(1e-12);
    expect(bestRank(predicted, groundTruth)).toBe(ref.bestRank);
    expect(precisionAtK(predicted, groundTruth, 10)).toBe(ref.p10);
    expect(precisionAtK(predicted, groundTruth, 100)).toBe(ref.p100);
    // Binning at 0.1 % only merges near-ties: S-KdT sits a little above plain tau.
    expect(ref.skdt).toBeGreaterThan(ref.tau);
    expect(ref.skdt - ref.tau).toBeLessThan(0.01);
  });

  it.each(SCIPY)('$predicted -> $groundTruth: a random 2,000-row subset equals the O(n^2) definitions', (ref) => {
    const rng = createRng(201);
    const rows = rng.shuffle(Array.from({ length: 15_625 }, (_, i) => i)).slice(0, 2000);
    const predicted = rows.map((i) => data[ref.predicted][i] as number);
    const groundTruth = rows.map((i) => data[ref.groundTruth][i] as number);
    const bins = groundTruth.map((g) => Math.floor(g * 10));
    // The subset still has many ties (accuracies are means over 3 seeds of 0.01 % steps).
    expect(new Set(bins).size).toBeLessThan(2000);
    expect(new Set(groundTruth).size).toBeLessThan(2000);
    expect(kendallTau(predicted, groundTruth)).toBeCloseTo(bruteKendallTauB(predicted, groundTruth), 12);
    expect(sparseKendallTau(predicted, groundTruth, { threshold: 0.1 })).toBeCloseTo(bruteKendallTauB(predicted, bins), 12);
    expect(spearman(predicted, groundTruth)).toBeCloseTo(brutePearson(bruteAverageRanks(predicted), bruteAverageRanks(groundTruth)), 12);
  });
});
