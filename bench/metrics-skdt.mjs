// S-KdT and Kendall tau-b on all 15,625 NAS-Bench-201 cells (200-epoch test accuracies, percent).
// Build first: npx turbo run build --filter=@lmreg/metrics
// Run:         node bench/metrics-skdt.mjs
// Prints one JSON line: median wall time per call in ms over RUNS timed runs (after warm-up).
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

import { kendallTau, sparseKendallTau, spearman } from '../packages/metrics/dist/index.js';

const RUNS = 21;
const WARMUP = 5;
const csv = fileURLToPath(new URL('../../shared/data/nasbench201/nb201_all.csv', import.meta.url));
const lines = readFileSync(csv, 'utf8').trim().split('\n');
const header = lines[0].split(',');
const column = (name) => {
  const at = header.indexOf(name);
  return Float64Array.from(lines.slice(1), (line) => Number(line.split(',')[at]));
};
const predicted = column('cifar100_test_200');
const groundTruth = column('cifar10_test_200');

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  return s[(s.length - 1) >> 1];
}

function time(fn) {
  let value = 0;
  for (let i = 0; i < WARMUP; i++) value = fn();
  const ms = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    value = fn();
    ms.push(performance.now() - t0);
  }
  return { ms: Number(median(ms).toFixed(3)), value };
}

const skdt = time(() => sparseKendallTau(predicted, groundTruth, { threshold: 0.1 }));
const skdtReleased = time(() => sparseKendallTau(predicted, groundTruth, { threshold: 0.1, variant: 'released-code' }));
const tau = time(() => kendallTau(predicted, groundTruth));
const rho = time(() => spearman(predicted, groundTruth));

console.log(
  JSON.stringify({
    bench: 'metrics-skdt',
    n: predicted.length,
    pair: 'cifar100_test_200 -> cifar10_test_200',
    runs: RUNS,
    node: process.version,
    skdt_ms: skdt.ms,
    skdt_released_code_ms: skdtReleased.ms,
    kendall_tau_b_ms: tau.ms,
    spearman_ms: rho.ms,
    skdt: skdt.value,
    skdt_released_code: skdtReleased.value,
    kendall_tau_b: tau.value,
    spearman: rho.value,
  }),
);
