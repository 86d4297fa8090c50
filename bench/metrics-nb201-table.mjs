// The real-data table of packages/metrics/README.md: rank correlations between the 200-epoch test
// accuracies (percent) of all 15,625 NAS-Bench-201 cells on CIFAR-10, CIFAR-100 and ImageNet16-120.
// Build first: npx turbo run build --filter=@lmreg/metrics
// Run:         node bench/metrics-nb201-table.mjs   (prints one JSON line)
// packages/metrics/src/nb201-real-data.test.ts checks the same figures against SciPy.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { bestRank, kendallTau, precisionAtK, sparseKendallTau, spearman } from '../packages/metrics/dist/index.js';

const csv = fileURLToPath(new URL('../../shared/data/nasbench201/nb201_all.csv', import.meta.url));
const lines = readFileSync(csv, 'utf8').trim().split('\n');
const header = lines[0].split(',');
const column = (name) => {
  const at = header.indexOf(name);
  return Float64Array.from(lines.slice(1), (line) => Number(line.split(',')[at]));
};

const pairs = [
  ['cifar100_test_200', 'cifar10_test_200'],
  ['imagenet16_test_200', 'cifar10_test_200'],
  ['imagenet16_test_200', 'cifar100_test_200'],
];
const round = (v) => Number(v.toFixed(4));
const rows = pairs.map(([p, g]) => {
  const predicted = column(p);
  const groundTruth = column(g);
  return {
    predicted: p,
    groundTruth: g,
    kendall_tau_b: round(kendallTau(predicted, groundTruth)),
    spearman: round(spearman(predicted, groundTruth)),
    skdt: round(sparseKendallTau(predicted, groundTruth, { threshold: 0.1 })),
    skdt_released_code: round(sparseKendallTau(predicted, groundTruth, { threshold: 0.1, variant: 'released-code' })),
    precision_at_10: precisionAtK(predicted, groundTruth, 10),
    precision_at_100: precisionAtK(predicted, groundTruth, 100),
    best_rank: bestRank(predicted, groundTruth),
  };
});
console.log(JSON.stringify({ bench: 'metrics-nb201-table', n: lines.length - 1, rows }));
