// NAO row of packages/samplers/README.md's NAS-Bench-201 table: the `nao` sampler (LSTM encoder,
// MLP predictor, LSTM decoder on tfjs) and random search on the same seeds, same protocol as
// bench/samplers-nb201-tabular.mjs (fitness cifar10valid_val_12, report cifar10_test_200, 100
// distinct queries per search). NAO trains a model every round, so this takes ~12 s per seed on
// the wasm backend (one core); the default is seeds 0..99.
// Build first: npx turbo run build --filter=@lmreg/train...
// Run:         node bench/samplers-nb201-nao.mjs [seeds] [backend]   (prints one JSON line)
import { createRandomSampler, getSampler, searchTable } from '../packages/samplers/dist/index.js';
import { nb201Table } from '../packages/samplers/dist/nb201-table/index.js';
import { loadTrain } from './load-train.mjs';

const seeds = Number(process.argv[2] ?? 100);
const { selectBackend } = await loadTrain();
const backend = await selectBackend(process.argv[3] ?? 'wasm');
const protocol = { fitness: 'cifar10valid_val_12', report: 'cifar10_test_200', budget: 100 };

const stats = (v) => {
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  return { mean: Number(mean.toFixed(3)), std: Number(Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1)).toFixed(3)) };
};
const nao = [];
const random = [];
const started = performance.now();
for (let seed = 0; seed < seeds; seed++) {
  nao.push((await searchTable(getSampler('nao'), nb201Table, { ...protocol, seed })).reported);
  random.push((await searchTable(createRandomSampler(), nb201Table, { ...protocol, seed })).reported);
  if (process.stderr.isTTY) process.stderr.write(`\rseed ${seed + 1}/${seeds}`);
}
const wins = nao.filter((v, i) => v > random[i]).length;
const ties = nao.filter((v, i) => v === random[i]).length;
const diff = stats(nao.map((v, i) => v - random[i]));
console.log(
  JSON.stringify({
    bench: 'samplers-nb201-nao',
    seeds,
    ...protocol,
    backend: backend.name,
    nao: stats(nao),
    random: stats(random),
    paired: { meanDifference: diff.mean, stdError: Number((diff.std / Math.sqrt(seeds)).toFixed(3)), naoWins: wins, ties },
    secondsPerNaoSearch: Number(((performance.now() - started) / 1000 / seeds).toFixed(1)),
  }),
);
