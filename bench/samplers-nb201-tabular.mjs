// The results table of packages/samplers/README.md: searches on the NAS-Bench-201 table with the
// 12-epoch cifar10-valid validation accuracy as the fitness the search sees and the 200-epoch
// CIFAR-10 test accuracy reported for the chosen cell, 100 queries (distinct cells), seeds 0..499.
// Build first: npx turbo run build --filter=@lmreg/samplers
// Run:         node bench/samplers-nb201-tabular.mjs [seeds]   (prints one JSON line)
// packages/samplers/src/nb201-table/published-results.test.ts asserts the same figures.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

import { createPredictorSampler, createRandomSampler, createSposSampler, searchTable } from '../packages/samplers/dist/index.js';
import { nb201Table } from '../packages/samplers/dist/nb201-table/index.js';

const seeds = Number(process.argv[2] ?? 500);
const budget = 100;
const fitness = 'cifar10valid_val_12';
const report = 'cifar10_test_200';

const methods = [
  { method: 'random search', settings: {}, make: () => createRandomSampler(), paper: '93.70 ± 0.36' },
  {
    method: 'REA (spos search)',
    settings: { population: 10, tournament: 3 },
    make: () => createSposSampler({ population: 10, tournament: 3 }),
    paper: '93.92 ± 0.30',
  },
  { method: 'predictor-guided', settings: {}, make: () => createPredictorSampler(), paper: null },
];

const round = (v, d = 2) => Number(v.toFixed(d));
const rows = [];
for (const { method, settings, make, paper } of methods) {
  const start = performance.now();
  const accs = [];
  for (let seed = 0; seed < seeds; seed++) {
    accs.push((await searchTable(make(), nb201Table, { fitness, report, budget, seed })).reported);
  }
  const mean = accs.reduce((a, b) => a + b, 0) / accs.length;
  const std = Math.sqrt(accs.reduce((a, b) => a + (b - mean) ** 2, 0) / (accs.length - 1));
  rows.push({ method, settings, mean: round(mean), std: round(std), paper, msPerRun: round((performance.now() - start) / seeds, 3) });
}

const entry = readFileSync(fileURLToPath(new URL('../packages/samplers/dist/nb201-table/index.js', import.meta.url)));
console.log(
  JSON.stringify({
    bench: 'samplers-nb201-tabular',
    seeds,
    budget,
    fitness,
    report,
    optimum: round(Math.max(...nb201Table.column(report))),
    rows,
    nb201TableEntryBytes: entry.length,
    nb201TableEntryGzipBytes: gzipSync(entry).length,
  }),
);
